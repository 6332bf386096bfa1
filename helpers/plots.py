"""One figure style for the whole curriculum.

Plot helpers take ``ax=None`` and return the ``Axes``; they set a title and
axis labels with units. :func:`save` writes every chart as a PNG beside the
report, for slides. Third-party deprecation warnings are silenced here so that
notebook outputs (compared by nbval) stay stable.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=PendingDeprecationWarning)

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


def set_style() -> None:
    """Apply the curriculum's figure style (called on import)."""
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


def percent_formatter(decimals: int = 0):
    """Tick formatter for rates stored as fractions (0.25 -> 25%)."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=decimals)


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


set_style()
