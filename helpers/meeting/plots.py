"""Charts of the meeting kit (see :mod:`helpers.meeting` for the numbers).

Each function takes what a kit function returns, draws on ``ax`` (or a new figure),
sets a title and axis labels with units, and returns the Axes. matplotlib is imported
inside the functions, so importing :mod:`helpers.meeting` loads no plotting library.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.style import PALETTE, get_ax, percent_formatter
from helpers.revenue.common import STAGE_LABELS

__all__ = ["plot_quarter_funnel", "plot_weekly_volume"]

#: Stages drawn in the weekly chart (the top of the funnel and the MQL), when the org has them.
_COLOURS = [PALETTE["marketing"], PALETTE["sales"], PALETTE["both"]]


def plot_weekly_volume(
    trend: pd.DataFrame, volume: pd.DataFrame | None = None, *, stages=None, ax=None
):
    """Leads reaching the top stages per week, with the plan's weekly need as dashed lines.

    Parameters
    ----------
    trend : DataFrame
        ``Brief.trend``: one row per week (index: Monday), one column per stage.
    volume : DataFrame, optional
        ``Brief.volume``; its ``plan_weekly`` gives each stage's dashed line.
    stages : list of str, optional
        Stages to draw (default: the first stage and ``mql`` when present).
    ax : matplotlib Axes, optional
    """
    ax = get_ax(ax)
    if stages is None:
        stages = [trend.columns[0]] + [s for s in ("mql",) if s in trend.columns[1:]]
    plan = (
        volume.set_index("stage")["plan_weekly"] if volume is not None else pd.Series(dtype=float)
    )
    for s, colour in zip(stages, _COLOURS):
        label = STAGE_LABELS.get(s, s)
        ax.plot(trend.index, trend[s], marker="o", ms=3, color=colour, label=label)
        need = plan.get(s)
        if need is not None and pd.notna(need):
            ax.axhline(need, ls="--", lw=1, color=colour, label=f"{label}: plan needs {need:.0f}")
    top = max(
        [float(trend[stages].to_numpy().max())] + [float(v) for v in plan.reindex(stages).dropna()]
    )
    ax.set_ylim(0, 1.45 * top if top > 0 else 1)  # headroom for the legend
    ax.set_title("Arrivals per week against the plan")
    ax.set_xlabel("week (Monday)")
    ax.set_ylabel("leads per week")
    ax.legend(fontsize=7, loc="upper center", ncol=2, frameon=False)
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.tick_params(axis="x", labelsize=7, rotation=0)
    return ax


def plot_quarter_funnel(funnel: pd.DataFrame, ax=None):
    """Each stage's conversion in the reviewed quarter, the previous one and a year before.

    Parameters
    ----------
    funnel : DataFrame
        ``QuarterlyReview.funnel``: one row per quarter (``quarter``, ``role``) and one
        column per transition (censored conversion, NaN until measured).
    ax : matplotlib Axes, optional
    """
    import numpy as np

    ax = get_ax(ax)
    transitions = [c for c in funnel.columns if "->" in c]
    x = np.arange(len(transitions))
    rows = funnel.to_dict("records")[::-1]  # oldest quarter first, the reviewed one last
    width = 0.8 / max(len(rows), 1)
    colours = [PALETTE["neutral"], "#aec7e8", PALETTE["marketing"]][-len(rows) :]
    for i, (row, colour) in enumerate(zip(rows, colours)):
        values = [row.get(t, np.nan) for t in transitions]
        ax.bar(
            x + (i - (len(rows) - 1) / 2) * width,
            values,
            width,
            color=colour,
            label=f"{row['quarter']} ({row['role']})",
        )
    ax.set_xticks(x, transitions, fontsize=8)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1)
    ax.set_title("Stage conversion by quarter (mature leads only)")
    ax.set_xlabel("stage transition")
    ax.set_ylabel("conversion (%)")
    ax.legend(fontsize=8)
    return ax
