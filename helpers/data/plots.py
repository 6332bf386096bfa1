"""Charts of the data check: missing values per column, leads created per month.

Each function takes the tidy frame computed in :mod:`helpers.data.datacheck`, draws on
``ax`` (a new figure when None) and returns the ``Axes``. Matplotlib is imported inside the
functions, so importing :mod:`helpers.data` loads no plotting library.
"""

from __future__ import annotations

import pandas as pd


def plot_missing(missing: pd.DataFrame, ax=None, *, top: int = 25):
    """Horizontal bars: share of missing values per column (columns with gaps only).

    Parameters
    ----------
    missing : DataFrame
        Output of :func:`helpers.data.datacheck.missing_values`.
    ax : Axes, optional
    top : int
        Show at most this many columns, the most incomplete first.

    Returns
    -------
    Axes
    """
    from matplotlib.patches import Patch

    from helpers.core.style import PALETTE, get_ax, percent_formatter

    gaps = (
        missing[missing["missing_share"] > 0]
        .sort_values(["missing_share", "table", "column"], ascending=[False, True, True])
        .head(top)
    )
    ax = get_ax(ax, figsize=(8, 1.4 + 0.3 * max(len(gaps), 3)))
    if gaps.empty:
        ax.text(0.5, 0.5, "No missing values", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        labels = (gaps["table"] + "." + gaps["column"]).tolist()[::-1]
        values = gaps["missing_share"].to_numpy()[::-1]
        features = (gaps["kind"] == "feature").to_numpy()[::-1]
        colors = [PALETTE["neutral"] if f else PALETTE["marketing"] for f in features]
        ax.barh(labels, values, color=colors)
        handles = [Patch(color=PALETTE["marketing"], label="canonical column")]
        if features.any():
            handles.append(Patch(color=PALETTE["neutral"], label="extra column (feature)"))
        ax.legend(handles=handles, loc="lower right")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Missing values (% of rows)")
    ax.set_ylabel("table.column")
    ax.set_title("Missing values by column")
    return ax


def plot_leads_per_month(monthly: pd.DataFrame, ax=None):
    """Bar chart of leads created per month; months the data covers only in part in grey.

    Parameters
    ----------
    monthly : DataFrame
        Output of :func:`helpers.data.datacheck.leads_per_month` (``month``, ``leads`` and
        optionally ``partial``).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    from helpers.core.style import PALETTE, get_ax

    ax = get_ax(ax)
    partial = monthly["partial"].to_numpy(dtype=bool) if "partial" in monthly else None
    colors = PALETTE["marketing"]
    if partial is not None:
        colors = [PALETTE["neutral"] if p else PALETTE["marketing"] for p in partial]
    ax.bar(monthly["month"], monthly["leads"], width=25, align="edge", color=colors)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if partial is not None and partial.any():
        ax.legend(
            handles=[
                Patch(color=PALETTE["marketing"], label="full month"),
                Patch(color=PALETTE["neutral"], label="month only partly in the data"),
            ],
            loc="upper left",
        )
    ax.set_title("Leads created per month")
    ax.set_xlabel("Month created")
    ax.set_ylabel("Leads (count)")
    return ax
