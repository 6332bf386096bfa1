"""``python -m helpers.workshop {execute-solutions,generate,check}``: see :mod:`.cli`."""

import sys

from helpers.workshop.cli import main

if __name__ == "__main__":
    sys.exit(main())
