"""Charts of module 4 at their old address; they live in :mod:`helpers.scoring.plots`."""

from helpers.scoring.plots import *  # noqa
from helpers.scoring.plots import __all__  # noqa
