"""``python -m helpers.workshop COMMAND``: see :mod:`.cli`."""

import sys

from helpers.workshop.cli import main

if __name__ == "__main__":
    sys.exit(main())
