"""Charts of the revenue module. Each takes ``ax=None`` and returns the Axes.

matplotlib is imported inside the functions (through :mod:`helpers.core.style`),
so importing :mod:`helpers.revenue` loads no plotting library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import style
from helpers.revenue.common import MONTH_DAYS, STAGE_LABELS

if TYPE_CHECKING:
    from helpers.revenue.alignment_effect import AlignmentEffect
    from helpers.revenue.scenarios import ScenarioResult


def _date_axis(ax):
    """Readable month ticks: at most about eight, concise labels."""
    import matplotlib.dates as mdates

    lo, hi = ax.get_xlim()
    months = max(1.0, (hi - lo) / MONTH_DAYS)
    step = next((k for k in (1, 2, 3, 4, 6, 12) if months / k <= 8), 12)
    loc = mdates.MonthLocator(bymonth=range(1, 13, step)) if step < 12 else mdates.YearLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    return ax


def plot_plan_vs_run_rate(
    counts: pd.DataFrame,
    plan: pd.DataFrame,
    stage: str,
    run_rate_value: float | None = None,
    ax=None,
    *,
    history_months: int = 18,
):
    """Monthly arrivals at ``stage``: actual history (bars) vs what the plan needs (line and band).

    Parameters
    ----------
    counts : DataFrame
        :func:`helpers.revenue.monthly_stage_counts` output.
    plan : DataFrame
        :func:`helpers.revenue.lead_plan` output.
    stage : str
        Stage to show (usually the top of the funnel).
    """
    ax = style.get_ax(ax)
    label = STAGE_LABELS.get(stage, stage)
    p = plan[plan["stage"] == stage].sort_values("arrival_month")
    first = min(p["arrival_month"].min(), counts.index.max()) - pd.DateOffset(months=history_months)
    hist = (
        counts.loc[counts.index >= first, stage]
        if stage in counts.columns
        else pd.Series(dtype=float)
    )
    ax.bar(
        hist.index,
        hist.to_numpy(),
        width=25,
        color=style.PALETTE["marketing"],
        alpha=0.55,
        label=f"{label} arriving (actual)",
    )
    ax.fill_between(
        p["arrival_month"],
        p["low"],
        p["high"],
        color=style.PALETTE["highlight"],
        alpha=0.15,
        step="mid",
        label="Needed: 90% interval",
    )
    ax.step(
        p["arrival_month"],
        p["needed"],
        where="mid",
        color=style.PALETTE["highlight"],
        lw=2,
        label="Needed for the plan",
    )
    if run_rate_value is not None and np.isfinite(run_rate_value):
        ax.axhline(
            run_rate_value,
            color=style.PALETTE["neutral"],
            ls="--",
            lw=1.5,
            label=f"Current run-rate ({run_rate_value:,.0f}/month)",
        )
    _date_axis(ax)
    ax.set_title(f"{label} needed for the revenue plan vs arriving")
    ax.set_xlabel("Month the leads must arrive (plan month minus the sales cycle)")
    ax.set_ylabel(f"{label} per month")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_fan_chart(
    result: ScenarioResult,
    history: pd.DataFrame | None = None,
    ax=None,
    *,
    currency: str = "USD",
    history_months: int = 18,
):
    """Monthly won revenue: history, then baseline and aligned projections with 50% / 90% bands."""
    ax = style.get_ax(ax)
    if history is not None and len(history):
        h = history.tail(history_months)
        ax.plot(h["month"], h["revenue"], color="black", lw=1.5, label="Won revenue (actual)")
    colors = {"baseline": style.PALETTE["neutral"], "aligned": style.PALETTE["good"]}
    names = {"baseline": "Today's funnel", "aligned": "Aligned funnel"}
    m = result.monthly
    same = np.allclose(
        m.loc[m["scenario"] == "aligned", "expected_revenue"].to_numpy(),
        m.loc[m["scenario"] == "baseline", "expected_revenue"].to_numpy(),
    )
    for name, g in m.groupby("scenario", sort=False):
        if same and str(name) == "aligned":
            continue  # no lever: the aligned funnel is today's
        c = colors.get(str(name), style.PALETTE["both"])
        ax.fill_between(g["month"], g["p05"], g["p95"], color=c, alpha=0.15)
        ax.fill_between(g["month"], g["p25"], g["p75"], color=c, alpha=0.3)
        ax.plot(
            g["month"],
            g["expected_revenue"],
            color=c,
            lw=2,
            label=f"{names.get(str(name), name)} (mean; bands 50%, 90%)",
        )
    first = result.monthly["month"].min()
    ax.axvline(first - pd.Timedelta(days=15), color="black", ls=":", lw=1)
    ax.annotate("projection", (first, 0), xytext=(4, 4), textcoords="offset points", fontsize=8)
    _date_axis(ax)
    ax.yaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title(
        "Won revenue per month: today's funnel projected"
        if same
        else "Won revenue per month: today's funnel vs aligned"
    )
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Won revenue per month ({currency})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_tornado(
    table: pd.DataFrame, ax=None, *, currency: str = "USD", horizon: int = 12, step: float = 0.1
):
    """Tornado: change in revenue over the horizon when each driver moves (levers at their fix)."""
    from matplotlib.patches import Patch

    ax = style.get_ax(ax, figsize=(8, 0.45 * len(table) + 1.5))
    t = table.iloc[::-1]
    y = np.arange(len(t))
    colors_hi = [
        style.PALETTE["good"] if k == "driver" else style.PALETTE["sales"] for k in t["kind"]
    ]
    ax.barh(y, t["high"], color=colors_hi, alpha=0.85)
    ax.barh(y, t["low"], color=style.PALETTE["bad"], alpha=0.6)
    ax.set_yticks(y)
    ax.set_yticklabels(t["driver"])
    ax.axvline(0, color="black", lw=1)
    ax.xaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title(f"Which lever moves revenue most ({horizon} months)")
    ax.set_xlabel(
        f"Change in won revenue over {horizon} months ({currency}); "
        f"drivers -{step:.0%} / +{step:.0%}, levers at full fix"
    )
    ax.set_ylabel("")
    ax.legend(
        handles=[
            Patch(color=style.PALETTE["good"], label=f"Driver +{step:.0%}"),
            Patch(color=style.PALETTE["bad"], alpha=0.6, label=f"Driver -{step:.0%}"),
            Patch(color=style.PALETTE["sales"], label="Sales-work lever fixed"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    return ax


def _org_claim_point(ax, row, i: int, lo_lim: float, hi_lim: float) -> None:
    """One of the org's own figures: a point with its interval, cut with an arrow at the axis."""
    f = float(row["figure"])
    lo = float(row["low"]) if np.isfinite(row["low"]) else f
    hi = float(row["high"]) if np.isfinite(row["high"]) else f
    xerr = [[max(f - max(lo, lo_lim), 0)], [max(min(hi, hi_lim) - f, 0)]]
    ax.errorbar(f, i, xerr=xerr, fmt="o", color=style.PALETTE["highlight"], capsize=4, zorder=3)
    ax.annotate(
        f"{f:+.0%} ({lo:+.0%} to {hi:+.0%})",
        (f, i),
        xytext=(6, 5),
        textcoords="offset points",
        fontsize=8,
        color=style.PALETTE["highlight"],
    )
    arrow = {"arrowstyle": "->", "color": style.PALETTE["highlight"]}
    if hi > hi_lim:
        ax.annotate(
            "", xy=(hi_lim, i), xytext=(hi_lim - 0.04 * (hi_lim - lo_lim), i), arrowprops=arrow
        )
    if lo < lo_lim:
        ax.annotate(
            "", xy=(lo_lim, i), xytext=(lo_lim + 0.04 * (hi_lim - lo_lim), i), arrowprops=arrow
        )


def plot_claims(table: pd.DataFrame, ax=None, *, clip: float | None = None):
    """Published claims (by grade) next to this org's own numbers with intervals.

    Intervals wider than the axis (``clip``, default: a little beyond the largest
    point) are cut with an arrow and their end written, so one vague estimate does
    not squash the rest of the chart.
    """
    from matplotlib.lines import Line2D

    ax = style.get_ax(ax, figsize=(9, 0.5 * len(table) + 1.8))
    t = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(t))
    grade_color = {
        "A": style.PALETTE["good"],
        "B": style.PALETTE["marketing"],
        "C": "#bcbd22",
        "D": style.PALETTE["neutral"],
    }
    pts = t["figure"].astype(float)
    hi_lim = clip if clip is not None else max(0.5, float(pts.max()) * 1.6 + 0.1)
    lo_lim = min(-0.2, float(pts.min()) * 1.6 - 0.1)
    for i, row in t.iterrows():
        if row["kind"] != "published claim":
            _org_claim_point(ax, row, i, lo_lim, hi_lim)
            continue
        f = float(row["figure"])
        ax.scatter(f, i, s=70, color=grade_color.get(row["grade"], "grey"), zorder=3, marker="D")
        ax.annotate(
            f"{f:+.0%} (grade {row['grade']})",
            (f, i),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xlim(lo_lim, hi_lim)
    ax.set_yticks(y)
    ax.set_yticklabels(t["claim"])
    ax.axvline(0, color="black", lw=1)
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.set_title("Published alignment claims vs this org's own numbers")
    ax.set_xlabel(
        "Effect (%): the claims measure different things; shown for scale, never as proof"
    )
    handles = [
        Line2D(
            [],
            [],
            marker="D",
            ls="",
            color=grade_color["C"],
            label="Claim, grade C: secondary sources only",
        ),
        Line2D(
            [],
            [],
            marker="D",
            ls="",
            color=grade_color["D"],
            label="Claim, grade D: no primary source found",
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=style.PALETTE["highlight"],
            label="This org: modelled (90% interval) / history (95%)",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    return ax


def plot_alignment_history(
    effect: AlignmentEffect, start, ax=None, *, currency: str = "USD", kind: str = "close"
):
    """Monthly won revenue (or revenue per inquiry by cohort) with the segmented fit,
    the pre-start trend continued, and the months left out."""
    ax = style.get_ax(ax)
    f = effect.fitted
    used = f["used"].to_numpy()
    ax.plot(f["month"], f["revenue"], color=style.PALETTE["neutral"], lw=1, alpha=0.6)
    ax.scatter(
        f.loc[used, "month"],
        f.loc[used, "revenue"],
        color="black",
        s=14,
        zorder=3,
        label="Month used in the fit",
    )
    ax.scatter(
        f.loc[~used, "month"],
        f.loc[~used, "revenue"],
        facecolors="none",
        edgecolors=style.PALETTE["neutral"],
        s=22,
        zorder=3,
        label="Month left out (transition / still converting)",
    )
    ax.plot(
        f["month"],
        f["fitted"],
        color=style.PALETTE["good"],
        lw=2,
        label="Fitted: trend + change at start",
    )
    post = f["post"].to_numpy()
    ax.plot(
        f.loc[post, "month"],
        f.loc[post, "counterfactual"],
        color=style.PALETTE["good"],
        ls="--",
        lw=1.5,
        label="Pre-start trend continued",
    )
    ax.axvline(
        pd.Timestamp(start),
        color=style.PALETTE["highlight"],
        ls=":",
        lw=1.5,
        label="Alignment start",
    )
    _date_axis(ax)
    ax.yaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title(
        f"Before/after the alignment start: level x{effect.level_ratio:.2f} "
        f"(95%: {effect.level_low:.2f}-{effect.level_high:.2f})"
    )
    if kind == "cohort":
        ax.set_xlabel("Month the leads were created")
        ax.set_ylabel(f"Won revenue per inquiry ({currency})")
    else:
        ax.set_xlabel("Close month")
        ax.set_ylabel(f"Won revenue per month ({currency})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_channels(table: pd.DataFrame, ax=None, *, currency: str = "USD"):
    """Won revenue per unit of spend by channel (mature cohorts), with spend labelled."""
    ax = style.get_ax(ax)
    t = table[table["spend"].fillna(0) > 0].sort_values("revenue_per_spend")
    y = np.arange(len(t))
    ax.barh(y, t["revenue_per_spend"].fillna(0.0), color=style.PALETTE["marketing"])
    money = style.money_formatter(currency)
    for i, (_, row) in enumerate(t.iterrows()):
        x = row["revenue_per_spend"] if np.isfinite(row["revenue_per_spend"]) else 0
        ax.annotate(
            f"spend {money(row['spend'], None)}",
            (x, i),
            xytext=(4, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axvline(1.0, color=style.PALETTE["neutral"], ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(t["channel"])
    w = table.attrs.get("window")
    when = f" (leads created {w[0]:%Y-%m} to {w[1]:%Y-%m})" if w else ""
    ax.set_title("Won revenue per unit of programme spend, by channel")
    ax.set_xlabel(f"Won revenue / spend ({currency} per {currency}){when}")
    ax.set_ylabel("Channel")
    return ax


def plot_gap(gap: pd.DataFrame, ax=None):
    """How much of what the plan needs each stage's current run-rate covers (100% = enough).

    Parameters
    ----------
    gap : DataFrame
        :func:`helpers.revenue.plan_gap` output; the ``revenue`` row is shown too.
    """
    ax = style.get_ax(ax)
    g = gap.iloc[::-1].reset_index(drop=True)
    cover = g["run_rate"] / g["needed_per_month"]
    lo = g["run_rate"] / g["high"]
    hi = g["run_rate"] / g["low"]
    y = np.arange(len(g))
    colors = [style.PALETTE["good"] if c >= 1 else style.PALETTE["bad"] for c in cover]
    ax.barh(y, cover, color=colors, alpha=0.8)
    err = np.vstack([np.clip(cover - lo, 0, None), np.clip(hi - cover, 0, None)])
    ax.errorbar(cover, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    for i, (c, h, rr, nd) in enumerate(zip(cover, hi, g["run_rate"], g["needed_per_month"])):
        ax.annotate(
            f"{c:.0%}  ({rr:,.0f} of {nd:,.0f}/month)",
            (max(c, h if np.isfinite(h) else c, 0), i),
            xytext=(6, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axvline(1.0, color="black", ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(
        [STAGE_LABELS.get(s, "Won revenue" if s == "revenue" else s) for s in g["stage"]]
    )
    ax.xaxis.set_major_formatter(style.percent_formatter())
    top = float(np.nanmax(hi))
    ax.set_xlim(0, max(1.6, top + 0.6 if np.isfinite(top) else 1.6))
    ax.set_title("Does today's run-rate cover the plan? (bars: 90% interval)")
    ax.set_xlabel("Current monthly run-rate as a share of what the plan needs per month (%)")
    ax.set_ylabel("Stage")
    return ax
