"""One figure style for the whole curriculum.

Plot helpers take ``ax=None`` and return the ``Axes``; they set a title and
axis labels with units. :func:`save` writes every chart as a PNG beside the
report, for slides.

Importing this module imports no plotting library: matplotlib and seaborn are
loaded when the first chart is drawn, so computation modules stay light. The
module sets no warning filters; :func:`notebook_setup` is what a notebook calls
(once, in its import cell) to apply the style and keep third-party deprecation
notices out of the outputs that nbval compares.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

#: Team colours used everywhere: marketing, sales, neutral, highlight, good, bad.
PALETTE = {
    "marketing": "#1f77b4",
    "sales": "#ff7f0e",
    "neutral": "#7f7f7f",
    "highlight": "#d62728",
    "good": "#2ca02c",
    "bad": "#d62728",
    "both": "#9467bd",
}
FIGSIZE = (8, 4.5)


_STYLE_SET = False


def set_style() -> None:
    """Apply the curriculum's figure style (done once, when the first chart is drawn)."""
    global _STYLE_SET
    import matplotlib.pyplot as plt
    import seaborn as sns

    _STYLE_SET = True
    sns.set_theme(style="whitegrid", context="notebook", palette="deep")
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def get_ax(ax=None, figsize=FIGSIZE):
    """Return ``ax`` or a new Axes on a new figure of the standard size."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    if not _STYLE_SET:
        set_style()
    _, ax = plt.subplots(figsize=figsize)
    return ax


def money_formatter(currency: str = "USD"):
    """Tick formatter for money axes: 1.2M, 350k."""
    from matplotlib.ticker import FuncFormatter

    def fmt(x, _pos):
        a = abs(x)
        if a >= 1e9:
            return f"{x / 1e9:.1f}B"
        if a >= 1e6:
            return f"{x / 1e6:.1f}M"
        if a >= 1e3:
            return f"{x / 1e3:.0f}k"
        return f"{x:.0f}"

    return FuncFormatter(fmt)


def percent_formatter(decimals: int | None = None):
    """Tick formatter for rates stored as fractions (0.25 -> 25%), with honest labels.

    Each label shows its tick's exact value: the number of decimals follows the ticks
    (``0.5%`` steps get one decimal), never rounding 2.5% to "2%". Set on an axis with
    ``set_major_formatter``, it also puts that axis's ticks at round percentages (steps of
    1, 2 or 5 x 10^k %, never 2.5), unless the axis already has a locator of its own.

    Parameters
    ----------
    decimals : int, optional
        The fewest decimals to show (default 0); more are shown when a tick needs them.
    """
    return _percent_classes()[0](minimum_decimals=decimals or 0)


def percent_locator():
    """Tick locator at round percentages of a fraction axis (1, 2, 5 x 10^k %)."""
    return _percent_classes()[1](nbins="auto", steps=list(PERCENT_STEPS))


#: Tick steps of a percent axis, per power of ten (matplotlib's default adds 2.5).
PERCENT_STEPS = (1, 2, 5, 10)


@functools.cache
def _percent_classes():
    """The formatter and locator classes (built on first use: matplotlib loads lazily)."""
    from matplotlib.ticker import AutoLocator, MaxNLocator, PercentFormatter

    class PercentLocator(MaxNLocator):
        """Ticks at round percentages."""

    class HonestPercentFormatter(PercentFormatter):
        """``PercentFormatter`` whose decimals follow the ticks it labels."""

        def __init__(self, minimum_decimals: int = 0):
            super().__init__(xmax=1.0, decimals=minimum_decimals)
            self.minimum_decimals = minimum_decimals

        def set_axis(self, axis):
            super().set_axis(axis)
            if axis is not None and type(axis.get_major_locator()) is AutoLocator:
                axis.set_major_locator(percent_locator())

        def set_locs(self, locs):
            super().set_locs(locs)
            self.decimals = percent_decimals(locs, self.minimum_decimals)

    return HonestPercentFormatter, PercentLocator


def percent_decimals(values, minimum: int = 0, maximum: int = 4) -> int:
    """The fewest decimals (at least ``minimum``) that write every fraction in ``values``
    as a percentage exactly (0.025 -> 1 decimal: "2.5%")."""
    import math

    for decimals in range(minimum, maximum + 1):
        if all(
            abs(round(v * 100, decimals) - v * 100) <= 1e-9 * max(1.0, abs(v * 100))
            for v in values
            if math.isfinite(v)
        ):
            return decimals
    return maximum


def save(obj, output_dir: str | Path | None, name: str) -> Path | None:
    """Save a chart (Axes or Figure) as ``output_dir/figures/name.png``.

    Returns the path, or ``None`` when ``output_dir`` is ``None`` (nothing saved).
    """
    if output_dir is None:
        return None
    fig = obj.figure if hasattr(obj, "figure") and not hasattr(obj, "savefig") else obj
    out = Path(output_dir) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    fig.savefig(path)
    return path


def notebook_setup() -> None:
    """Apply the figure style and hide third-party deprecation notices in this kernel.

    Called by the notebooks (the application), never on import of a helper, so that a
    library user's own warning filters are left alone.
    """
    for category in (DeprecationWarning, FutureWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    set_style()
