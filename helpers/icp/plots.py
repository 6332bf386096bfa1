"""Charts of module 1: win rates by segment, the lift heat map, the coverage curve, tiers.

Each function takes ``ax=None``, returns the Axes and imports matplotlib (and seaborn)
inside its body, so ``import helpers.icp`` loads no plotting library.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from helpers.icp.labels import dimension_label


def _short(label: str, width: int = 34) -> str:
    """A label cut to ``width`` characters with an ellipsis."""
    label = str(label)
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def plot_win_rates(
    table: pd.DataFrame,
    ax=None,
    *,
    overall: float | None = None,
    highlight: list[str] | None = None,
    title: str | None = None,
    unit: str | None = None,
    max_rows: int = 15,
):
    """Horizontal bars of win rate by segment, with 95% intervals and the overall rate.

    Parameters
    ----------
    table : DataFrame
        One dimension's :func:`segment_table`.
    ax : Axes, optional
    overall : float, optional
        Overall win rate (dashed line); derived from the table when omitted.
    highlight : list of str, optional
        Segments drawn in green (e.g. those in the ICP rule).
    title : str, optional
    unit : str, optional
        Added to the segment axis label, e.g. the currency of revenue bands.
    max_rows : int
        Show at most this many segments (the largest, in the table's order).

    Returns
    -------
    Axes
        Unreliable or pooled segments are drawn grey and marked "few deals".
    """
    from helpers.core import style

    t = table.copy()
    if len(t) > max_rows:
        keep = t.nlargest(max_rows, "opportunities").index
        t = t.loc[t.index.isin(keep)]
    t = t.iloc[::-1]
    height = max(3.0, 0.42 * len(t) + 1.4)
    ax = style.get_ax(ax, figsize=(9, height))
    if overall is None:
        overall = t["wins"].sum() / t["opportunities"].sum() if t["opportunities"].sum() else np.nan
    solid = t["reliable"].to_numpy()
    hl = t["segment"].isin(highlight or []).to_numpy()
    colors = np.where(
        ~solid, "#c8c8c8", np.where(hl, style.PALETTE["good"], style.PALETTE["marketing"])
    )
    y = np.arange(len(t))
    err = np.vstack(
        [(t["win_rate"] - t["ci_low"]).to_numpy(), (t["ci_high"] - t["win_rate"]).to_numpy()]
    )
    ax.barh(y, t["win_rate"], color=colors, height=0.65)
    ax.errorbar(t["win_rate"], y, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.2, capsize=3)
    labels = [
        f"{_short(s)}  (n={int(n):,}{', few deals' if not r else ''})"
        for s, n, r in zip(t["segment"], t["opportunities"], solid)
    ]
    ax.set_yticks(y, labels)
    line = ax.axvline(overall, color=style.PALETTE["highlight"], linestyle="--", linewidth=1.5)
    _win_rate_legend(ax, line, overall, highlighted=hl.any(), few=(~solid).any())
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.set_xlim(0, min(1.0, max(float(np.nanmax(t["ci_high"])) * 1.1, overall * 1.5)))
    dim = dimension_label(str(t["dimension"].iloc[0])) if len(t) else ""
    ax.set_xlabel("Win rate of closed opportunities (%; line = 95% interval)")
    ax.set_ylabel(f"{dim} ({unit})" if unit else dim)
    ax.set_title(title or f"Win rate by {dim[:1].lower() + dim[1:]}")
    ax.grid(axis="y", visible=False)
    return ax


def _win_rate_legend(ax, line, overall: float, *, highlighted: bool, few: bool) -> None:
    """Legend of :func:`plot_win_rates`: the overall line, ICP segments, segments too small."""
    from matplotlib.patches import Patch

    from helpers.core import style

    handles = [line]
    names = [f"overall win rate {overall:.0%}"]
    if highlighted:
        handles.append(Patch(color=style.PALETTE["good"]))
        names.append("in the ICP")
    if few:
        handles.append(Patch(color="#c8c8c8"))
        names.append("too few deals to rank")
    ax.legend(handles, names, loc="lower right", frameon=True, fontsize=9)


def plot_lift_heatmap(
    lift: pd.DataFrame,
    counts: pd.DataFrame,
    ax=None,
    *,
    title: str | None = None,
    row_label: str = "",
    col_label: str = "",
):
    """Heat map of win-rate lift for two dimensions (e.g. industry x company size).

    Cells show the lift ("1.8x") and the number of closed deals; cells under the
    minimum sample of :func:`lift_matrix` are grey with their count only. Colours: blue above the
    overall win rate, red below (log scale, centred on 1x).

    Returns
    -------
    Axes
    """
    import matplotlib.colors as mcolors
    import seaborn as sns

    from helpers.core import style

    rows = [_short(r, 30) for r in lift.index]
    ax = style.get_ax(
        ax, figsize=(max(7.0, 1.0 * lift.shape[1] + 4.0), max(3.5, 0.55 * lift.shape[0] + 2.0))
    )
    ax.grid(False)
    data = np.log2(lift.astype("float64").clip(lower=1 / 8, upper=8))
    annot = np.empty(lift.shape, dtype=object)
    for i in range(lift.shape[0]):
        for j in range(lift.shape[1]):
            v, n = lift.iat[i, j], counts.iat[i, j]
            annot[i, j] = f"{v:.1f}x\nn={n}" if pd.notna(v) else ""
    lim = max(
        1.0,
        float(np.nanmax(np.abs(data.to_numpy()))) if np.isfinite(data.to_numpy()).any() else 1.0,
    )
    cmap = sns.diverging_palette(15, 240, as_cmap=True)
    # an all-blank matrix (tiny exports) is drawn grey, not warned about
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _heatmap(
            sns, data, ax, cmap, mcolors.TwoSlopeNorm(vmin=-lim, vcenter=0, vmax=lim), annot, rows
        )
    for i in range(lift.shape[0]):  # seaborn leaves blank cells unannotated: show their count
        for j in range(lift.shape[1]):
            if pd.isna(lift.iat[i, j]) and counts.iat[i, j]:
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"n={counts.iat[i, j]}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#777777",
                )
    cbar = ax.collections[0].colorbar
    ticks = [t for t in (-3, -2, -1, 0, 1, 2, 3) if -lim <= t <= lim]
    cbar.set_ticks(ticks, labels=[f"{2.0**t:g}x" for t in ticks])
    ax.set_facecolor("#f2f2f2")
    ax.set_xlabel(f"{col_label} (grey cell: too few deals to compare)" if col_label else "")
    ax.set_ylabel(row_label)
    ax.set_title(title or f"Win rate vs average: {row_label} x {col_label}")
    ax.tick_params(axis="x", rotation=30)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    return ax


def _heatmap(sns, data, ax, cmap, norm, annot, rows):
    """Draw the lift matrix with seaborn (annotations, colour bar, row labels)."""
    sns.heatmap(
        data,
        ax=ax,
        cmap=cmap,
        norm=norm,
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 8},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "Lift vs overall win rate (x, log scale)"},
        yticklabels=rows,
    )


def plot_coverage_curve(
    curve: pd.DataFrame,
    ax=None,
    *,
    icp_point: tuple[float, float] | None = None,
    overall: float | None = None,
    x: str = "leads",
    title: str | None = None,
):
    """Coverage vs win rate and won revenue: the trade-off of a narrower ICP.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`coverage_curve`.
    icp_point : (coverage, win rate), optional
        Marks the agreed ICP rule.
    overall : float, optional
        Overall win rate (dashed line).
    x : {"leads", "opportunities"}
        Coverage measured as share of leads (falls back to opportunities when
        leads are not available) or of closed opportunities.

    Returns
    -------
    Axes
    """
    from helpers.core import style

    ax = style.get_ax(ax)
    col = (
        "cum_leads_share"
        if x == "leads" and curve["cum_leads_share"].notna().any()
        else "cum_opportunities_share"
    )
    what = "leads" if col == "cum_leads_share" else "closed opportunities"
    _coverage_lines(ax, curve, col)
    if overall is not None:
        ax.axhline(
            overall,
            color=style.PALETTE["neutral"],
            linestyle="--",
            linewidth=1,
            label=f"overall win rate {overall:.0%}",
        )
    _tier_boundaries(ax, curve, col)
    if icp_point is not None and all(v is not None and np.isfinite(v) for v in icp_point):
        ax.plot(
            *icp_point,
            marker="*",
            markersize=16,
            color=style.PALETTE["highlight"],
            linestyle="none",
            label="agreed ICP rule",
        )
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.yaxis.set_major_formatter(style.percent_formatter())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"Share of {what} kept, best-fitting segments first (%)")
    ax.set_ylabel("Win rate / revenue share (%)")
    default = (
        "Narrower ICP: higher win rate, less volume"
        if len(curve) > 1
        else "No segment wins more: a narrower ICP would not raise the win rate"
    )
    ax.set_title(title or default, pad=18)
    ax.legend(loc="lower right", frameon=True, fontsize=9)
    return ax


def _coverage_lines(ax, curve: pd.DataFrame, col: str) -> None:
    """The cumulated win rate (steps) and share of won revenue kept, against coverage ``col``."""
    from helpers.core import style

    xs = np.r_[0, curve[col].to_numpy()]
    wr = np.r_[curve["cum_win_rate"].iloc[0], curve["cum_win_rate"].to_numpy()]
    ax.step(
        xs,
        wr,
        where="pre",
        color=style.PALETTE["sales"],
        linewidth=2.2,
        label="win rate of the segments kept",
    )
    if curve["cum_revenue_share"].notna().any():
        ax.plot(
            xs,
            np.r_[0, curve["cum_revenue_share"].to_numpy()],
            color=style.PALETTE["marketing"],
            linewidth=2,
            label="share of won revenue kept",
        )


def _tier_boundaries(ax, curve: pd.DataFrame, col: str) -> None:
    """Vertical lines where tiers A, B and C end on the coverage curve."""
    for tier in ("A", "B", "C"):
        sub = curve[curve["tier"] == tier]
        if len(sub):
            xv = float(sub[col].iloc[-1])
            ax.axvline(xv, color="#bbbbbb", linewidth=0.8)
            ax.text(
                xv,
                1.01,
                f"end of tier {tier}",
                rotation=0,
                ha="right",
                va="bottom",
                fontsize=8,
                color="#555555",
                transform=ax.get_xaxis_transform(),
            )


def plot_tiers(
    evidence: pd.DataFrame, ax=None, *, overall: float | None = None, title: str | None = None
):
    """Actual win rate of closed deals by fit tier (A-D), with 95% intervals and volumes.

    Returns
    -------
    Axes
    """
    from helpers.core import style

    ax = style.get_ax(ax)
    t = evidence
    x = np.arange(len(t))
    colors = [
        style.PALETTE["good"],
        style.PALETTE["marketing"],
        style.PALETTE["neutral"],
        "#c8c8c8",
    ][: len(t)]
    rate = t["win_rate"].fillna(0.0)
    ax.bar(x, rate, color=colors, width=0.6)
    err = np.vstack(
        [(t["win_rate"] - t["ci_low"]).to_numpy(), (t["ci_high"] - t["win_rate"]).to_numpy()]
    )
    ax.errorbar(x, t["win_rate"], yerr=err, fmt="none", ecolor="#333333", capsize=4)
    ax.set_xticks(
        x,
        [
            f"Tier {i}\n{int(n):,} deals" if n else f"Tier {i}\nno deals"
            for i, n in zip(t.index, t["opportunities"])
        ],
    )
    if overall is not None:
        ax.axhline(
            overall,
            color=style.PALETTE["highlight"],
            linestyle="--",
            linewidth=1.5,
            label=f"overall {overall:.0%}",
        )
        ax.legend(loc="upper right")
    ax.yaxis.set_major_formatter(style.percent_formatter())
    ax.set_ylim(0, min(1.05, float(np.nanmax(t["ci_high"])) * 1.15))
    ax.set_xlabel("Account fit tier (from the ICP fit score)")
    ax.set_ylabel("Win rate of closed opportunities (%)")
    ax.set_title(title or "Do higher tiers really win more?")
    ax.grid(axis="x", visible=False)
    return ax
