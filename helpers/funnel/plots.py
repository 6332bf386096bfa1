"""Charts of the funnel-leakage module (see :mod:`helpers.funnel` for the numbers).

Each function takes the table the matching analysis function returns, draws on
``ax`` (or a new figure), sets a title and axis labels with units, and returns the Axes.
Marketing is blue and sales orange everywhere (``helpers.core.style.PALETTE``).
matplotlib is imported inside the functions that need it, so importing this module
(and :mod:`helpers.funnel`) loads no plotting library.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.style import PALETTE, get_ax, money_formatter, percent_formatter
from helpers.funnel.headline import headline

__all__ = [
    "CAUSE_COLOURS",
    "MARKETING_STAGES",
    "plot_attribution",
    "plot_benchmarks",
    "plot_censoring_effect",
    "plot_cohort_conversion",
    "plot_leakage",
    "plot_recoverable",
    "plot_reps",
    "plot_speed_to_lead",
    "plot_touch_curve",
    "plot_touch_hazard",
    "plot_waterfall",
    "plot_weekly_alerts",
]

MARKETING_STAGES = {"inquiry", "mql"}
CAUSE_COLOURS = {
    "low-fit": PALETTE["marketing"],
    "under-worked": PALETTE["sales"],
    "worked-and-lost": PALETTE["neutral"],
    "not judged": "#d9d9d9",
}


def _dates(ax) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _stage_colour(stage: str) -> str:
    return PALETTE["marketing"] if stage in MARKETING_STAGES else PALETTE["sales"]


def plot_waterfall(volumes: pd.DataFrame, conv: pd.DataFrame, ax=None):
    """Leads reaching each stage (bars), with each step's censored conversion rate."""
    ax = get_ax(ax)
    stages = volumes["stage"].tolist()
    y = np.arange(len(stages))[::-1]
    ax.barh(y, volumes["leads"], color=[_stage_colour(s) for s in stages], alpha=0.85)
    top = max(volumes["leads"].max(), 1)
    for yi, v in zip(y, volumes["leads"]):
        ax.text(v + top * 0.01, yi, f"{v:,}", va="center", fontsize=9)
    rates = conv.set_index("transition")["rate"]
    for i in range(len(stages) - 1):
        r = rates.get(f"{stages[i]}->{stages[i + 1]}", np.nan)
        label = "n/a" if pd.isna(r) else f"{r:.0%}"
        ax.annotate(f"↓ {label}", xy=(top * 1.17, y[i] - 0.5), va="center", ha="left", fontsize=10,
                    fontweight="bold" if pd.notna(r) and r == rates.min() else "normal",
                    color=PALETTE["highlight"] if pd.notna(r) and r == rates.min() else "black")
    ax.set_yticks(y, stages)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel("Leads that reached the stage (count)")
    ax.set_ylabel("Stage (blue: marketing, orange: sales)")
    ax.set_title("Funnel waterfall: volume and step conversion (old-enough leads)")
    return ax


def plot_cohort_conversion(wf: pd.DataFrame, ax=None, transitions: list[str] | None = None):
    """Each transition's censored conversion by cohort; cohorts too young or entering
    before the next stage's records begin are shaded (censoring, not collapse)."""
    ax = get_ax(ax)
    trs = transitions or list(dict.fromkeys(wf["transition"]))
    colours = [PALETTE["marketing"], PALETTE["sales"], PALETTE["good"], PALETTE["both"], PALETTE["neutral"], PALETTE["bad"]]
    for tr, col in zip(trs, colours * 3):
        g = wf[wf["transition"] == tr].sort_values("cohort")
        ax.plot(g["cohort"], g["rate"], marker="o", ms=3, label=tr, color=col)
    cohorts = sorted(wf["cohort"].unique())
    if len(cohorts) > 1:
        step = pd.Timestamp(cohorts[1]) - pd.Timestamp(cohorts[0])
    else:
        step = pd.Timedelta(days=30)
    shaded = {"too young": ("#dddddd", "too young to judge (some stages)"),
              "not recorded": ("#f4cccc", "outcomes not recorded yet")}
    done = set()
    for status, (colour, label) in shaded.items():
        # a cohort is shaded when any transition is in that state
        cs = sorted(wf.loc[wf["status"] == status, "cohort"].unique())
        for c in cs:
            ax.axvspan(pd.Timestamp(c), pd.Timestamp(c) + step, color=colour, alpha=0.5,
                       label=label if status not in done else None, lw=0)
            done.add(status)
    _dates(ax)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("Cohort (period the leads entered the funnel)")
    ax.set_ylabel("Conversion to the next stage (%)")
    ax.set_title("Conversion by cohort (shaded: censored, not a collapse)")
    ax.legend(fontsize=8, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_censoring_effect(conv: pd.DataFrame, ax=None):
    """Each transition's conversion counting all leads vs only leads old enough."""
    ax = get_ax(ax)
    x = np.arange(len(conv))
    ax.bar(x - 0.2, conv["rate_naive"], width=0.4, color=PALETTE["neutral"], label="all leads (young ones count as lost)")
    ax.bar(x + 0.2, conv["rate"], width=0.4, color=PALETTE["marketing"], label="old-enough leads only (rule)")
    ax.set_xticks(x, conv["transition"], rotation=20, ha="right")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Transition")
    ax.set_ylabel("Conversion (%)")
    ax.set_title("Right-censoring: conversion with and without the age rule")
    ax.legend(fontsize=8)
    return ax


def plot_leakage(ranking: pd.DataFrame, ax=None, currency: str = "USD"):
    """Lost expected revenue by transition (or lost leads without deal amounts)."""
    ax = get_ax(ax)
    money = ranking["lost_revenue"].notna().any()
    d = ranking.sort_values("lost_revenue" if money else "lost")
    vals = d["lost_revenue"] if money else d["lost"]
    colours = [PALETTE["highlight"] if i == len(d) - 1 else PALETTE["neutral"] for i in range(len(d))]
    ax.barh(d["transition"], vals, color=colours)
    for yi, (v, lost) in enumerate(zip(vals, d["lost"])):
        ax.text(v, yi, f"  {int(lost):,} leads lost", va="center", fontsize=9)
    if money:
        ax.xaxis.set_major_formatter(money_formatter(currency))
        ax.set_xlabel(f"Lost expected revenue ({currency}) = lost leads x downstream conversion x average deal")
    else:
        ax.set_xlabel("Lost leads (old enough to judge)")
    ax.set_ylabel("Transition")
    ax.set_xlim(0, max(float(np.nanmax(vals)) if len(vals) else 1, 1) * 1.35)
    ax.set_title("Where the funnel leaks (red: biggest leak)")
    return ax


#: How :func:`plot_recoverable` names a judged cause beside its bar.
RECOVERABLE_CAUSES = {
    "low-fit": "low-fit (marketing's side)",
    "under-worked": "under-worked (sales' side)",
    "worked-and-lost": "worked and lost (neither side)",
}


def _amount(x: float, money: bool, currency: str) -> str:
    """``"USD 19.3M"``, or ``"17.6 expected wins"`` without deal amounts."""
    return f"{currency} {money_formatter(currency)(x)}" if money else f"{x:,.1f} expected wins"


def _recoverable_label(rec: float, cause, judged: bool, money: bool, currency: str = "USD") -> str:
    """The words :func:`plot_recoverable` writes beside one stage's bars: what is recoverable
    and its cause, said as a sentence when the cause cannot be judged (no sales touches)."""
    if not judged:
        return "before the MQL: not judged"
    if not rec > 0:
        return "nothing recoverable"
    amount = f"{_amount(rec, money, currency)} recoverable"
    if cause == "not judged":
        return f"{amount};\ncause cannot be judged:\nno sales touches recorded"
    return f"{amount}:\n{RECOVERABLE_CAUSES.get(cause, cause)}"


def _recoverable_title(ranking: pd.DataFrame, currency: str = "USD") -> str:
    """The title of :func:`plot_recoverable`: the headline stage (:func:`helpers.funnel.headline`)
    with its recoverable amount and the rate it is measured against."""
    h = headline(ranking)
    if h["stage"] is None:
        return "No stage falls short of a rate this organization reaches: nothing is recoverable"
    money = ranking["lost_revenue"].notna().any()
    row = ranking.set_index("transition").loc[h["stage"]]
    amount = _amount(row["recoverable_revenue"] if money else row["recoverable_wins"], money, currency)
    return (
        f"The leak to act on first: {h['stage']} (red outline)\n"
        f"{amount} recoverable at the rate of {h['reference']}"
    )


def plot_recoverable(ranking: pd.DataFrame, ax=None, currency: str = "USD"):
    """Each stage's recoverable revenue (coloured by its cause) over its raw lost revenue (grey).

    ``ranking`` is :func:`helpers.funnel.recoverable_ranking`; stages before the MQL (not
    judged) show their raw bar only; a gap whose cause cannot be judged (no sales touches) is
    hatched, not coloured as a cause, and says so. The headline stage is outlined in red and
    named in the title. Without deal amounts both bars are in expected wins.
    """
    from matplotlib.patches import Patch

    ax = get_ax(ax)
    money = ranking["lost_revenue"].notna().any()
    d = ranking.iloc[::-1]
    lost = d["lost_revenue"] if money else d["lost"] * d["downstream"]
    rec = (d["recoverable_revenue"] if money else d["recoverable_wins"]).fillna(0.0)
    y = np.arange(len(d))
    ax.barh(y, lost, color="#dddddd", height=0.7)
    handles = [Patch(color="#dddddd", label="lost (raw: all leads lost x their value)")]
    top = max(float(np.nanmax(lost)) if len(lost) else 1.0, 1e-9)
    causes = [c if isinstance(c, str) else None for c in d["cause"]]
    for yi, r, c, j in zip(y, rec, causes, d["judged"]):
        unjudged = c == "not judged"
        ax.barh(yi, r, height=0.4, color="white" if unjudged else CAUSE_COLOURS.get(c, PALETTE["neutral"]),
                edgecolor=PALETTE["neutral"] if unjudged else "none", hatch="///" if unjudged else None)
        ax.text(top * 1.02, yi, _recoverable_label(r, c, bool(j), money, currency), va="center",
                fontsize=8, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    for c in dict.fromkeys(c for c, r in zip(causes, rec) if r > 0 and c):
        if c == "not judged":
            handles.append(Patch(facecolor="white", edgecolor=PALETTE["neutral"], hatch="///",
                                 label="recoverable, cause not judged (no sales touches)"))
        else:
            handles.append(Patch(color=CAUSE_COLOURS.get(c, PALETTE["neutral"]),
                                 label=f"recoverable: {RECOVERABLE_CAUSES.get(c, c)}"))
    first = headline(ranking)["stage"]
    if first is not None:
        best = int(np.flatnonzero(d["transition"].to_numpy() == first)[0])
        ax.barh(y[best], rec.iloc[best], color="none", edgecolor=PALETTE["highlight"], lw=2, height=0.4)
        handles.append(Patch(facecolor="none", edgecolor=PALETTE["highlight"], lw=2,
                             label="the leak to act on first"))
    ax.set_yticks(y, d["transition"])
    if money:
        ax.xaxis.set_major_formatter(money_formatter(currency))
        ax.set_xlabel(f"Revenue ({currency}): lost (grey) and recoverable (coloured by cause)")
    else:
        ax.set_xlabel("Expected wins: lost (grey) and recoverable (coloured by cause)")
    ax.set_xlim(0, top * 1.5)
    ax.set_ylabel("Transition")
    ax.set_title(_recoverable_title(ranking, currency), fontsize=11)
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
              frameon=False)
    return ax


def plot_benchmarks(bench: pd.DataFrame, ax=None):
    """The org's rates (dots) beside external ranges (grey bars: external, indicative)."""
    ax = get_ax(ax)
    y = np.arange(len(bench))[::-1]
    has = bench["external_low"].notna()
    ax.barh(y[has], (bench["external_high"] - bench["external_low"])[has], left=bench["external_low"][has],
            color="#cccccc", height=0.5, label="external range (secondary, indicative)")
    ax.scatter(bench["rate"], y, color=PALETTE["highlight"], zorder=3, label="this org")
    ax.set_yticks(y, bench["transition"])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, 1)
    ax.set_xlabel("Stage conversion (%)")
    ax.set_ylabel("Transition")
    ax.set_title("This org vs published ranges (external, indicative)")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_speed_to_lead(stl, ax=None):
    """Conversion by response-time bucket with 95% Wilson intervals, shares on the bars."""
    ax = get_ax(ax)
    b = stl.by_bucket
    x = np.arange(len(b))
    rate = b["rate"].to_numpy(float)
    err = np.vstack([rate - b["low"].to_numpy(float), b["high"].to_numpy(float) - rate])
    ax.bar(x, np.nan_to_num(rate), color=PALETTE["sales"], alpha=0.85)
    ax.errorbar(x, rate, yerr=np.nan_to_num(err), fmt="none", ecolor="black", capsize=4)
    for xi, (hi, s, n) in enumerate(zip(b["high"].to_numpy(float), b["share"], b["n"])):
        ax.text(xi, (0 if np.isnan(hi) else hi) + 0.01, f"{s:.0%} of leads (n={int(n):,})", ha="center", va="bottom",
                fontsize=8)
    ax.set_xticks(x, [str(c) for c in b["bucket"]])
    ax.yaxis.set_major_formatter(percent_formatter())
    top = np.nanmax(b["high"].to_numpy(float)) if b["high"].notna().any() else 0.5
    ax.set_ylim(0, min(1.0, top * 1.35 + 0.02))
    ax.set_xlabel(f"Time from {stl.start.upper()} to the first sales touch")
    ax.set_ylabel(f"Conversion to {stl.target} (%)")
    ax.set_title("Speed-to-lead: conversion by first-response time")
    return ax


def plot_touch_curve(curve: pd.DataFrame, plateau=None, ax=None):
    """Conversion of leads by the sales touches they received (95% Wilson intervals), the
    piecewise-linear fit and the plateau (a :class:`helpers.funnel.Plateau`)."""
    ax = get_ax(ax)
    c = curve[(curve["touches"] >= 1) & ((curve["converted"] + curve["stopped"]) > 0)]
    rate = c["rate_exact"].to_numpy(float)
    ax.axvspan(5.5, 7.5, color=PALETTE["both"], alpha=0.08, label="the article's '6 or 7'")
    ax.errorbar(c["touches"], rate, yerr=[rate - c["rate_low"], c["rate_high"] - rate], fmt="o", color=PALETTE["sales"],
                ecolor="#999999", capsize=3, label="conversion at n touches (95% interval)")
    fit = plateau.detail.attrs.get("fit") if plateau is not None else None
    if fit:
        xs = np.arange(1, int(c["touches"].max()) + 1)
        p_ = fit["breakpoint"]
        ys = fit["intercept"] + fit["slope_before"] * np.minimum(xs, p_) + fit["slope_after"] * np.maximum(xs - p_, 0)
        ax.plot(xs, ys, color=PALETTE["sales"], lw=2, alpha=0.7, label="piecewise-linear fit")
    if plateau is not None and plateau.touches is not None:
        ax.axvline(plateau.touches, color=PALETTE["highlight"], ls="--", lw=1.5)
        top = float(np.nanmax(c["rate_high"])) if len(c) else 1.0
        ax.text(plateau.touches + 0.2, top * 1.05, f"plateau: {plateau.touches} touches",
                color=PALETTE["highlight"], fontsize=10, va="bottom", fontweight="bold")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, min(1.0, float(np.nanmax(c["rate_high"])) * 1.2 if len(c) else 1.0))
    ax.set_xlabel("Sales touches before conversion or close-out (count)")
    ax.set_ylabel("Leads converted (%)")
    ax.set_title("How many touches does a lead need?")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_touch_hazard(curve: pd.DataFrame, ax=None):
    """The discrete-time view: chance of converting right after touch n among leads still
    unconverted (bars), and the share converted by touch n (line, 95% band)."""
    ax = get_ax(ax)
    c = curve[(curve["at_risk"] > 0) & (curve["touches"] >= 1)]
    ax.bar(c["touches"], c["hazard"], color=PALETTE["neutral"], alpha=0.5, width=0.6, label="converts after touch n (hazard)")
    ax.fill_between(c["touches"], c["cum_low"], c["cum_high"], color=PALETTE["sales"], alpha=0.2, lw=0)
    ax.plot(c["touches"], c["cumulative"], marker="o", color=PALETTE["sales"], label="converted by touch n (cumulative)")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1)
    ax.set_xlabel("Sales touch number n")
    ax.set_ylabel("Share of worked leads (%)")
    ax.set_title("Touch by touch: hazard and cumulative conversion")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_attribution(shares: pd.DataFrame, ax=None, by: str = "month"):
    """Lost leads per period stacked by cause: low-fit (marketing, blue), under-worked
    (sales, orange), worked-and-lost (grey). The weekly-meeting chart."""
    ax = get_ax(ax)
    p = shares.pivot_table(index=by, columns="cause", values="leads", aggfunc="sum", observed=False).fillna(0)
    p = p.reindex(columns=[c for c in CAUSE_COLOURS if c in p.columns and p[c].sum() > 0])
    labels = [pd.Timestamp(i).strftime("%Y-%m") if by == "month" else str(i) for i in p.index]
    x = np.arange(len(p))
    bottom = np.zeros(len(p))
    names = {"low-fit": "low-fit (marketing)", "under-worked": "under-worked (sales)", "worked-and-lost": "worked and lost",
             "not judged": "not judged (no touches recorded)"}
    for cause in p.columns:
        ax.bar(x, p[cause], bottom=bottom, color=CAUSE_COLOURS[cause], label=names[cause], width=0.85)
        bottom += p[cause].to_numpy()
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
    ax.set_xlabel("Month the lead became an MQL" if by == "month" else by)
    ax.set_ylabel("Lost leads (count)")
    ax.set_title("Why leads were lost: whose side is the leak?")
    ax.set_ylim(0, max(float(bottom.max()) if len(bottom) else 1.0, 1.0) * 1.22)
    if len(p.columns):
        ax.legend(fontsize=8, ncol=len(p.columns), loc="upper left")
    return ax


def plot_weekly_alerts(weekly: pd.DataFrame, ax=None, transition: str = "", min_leads: int = 10):
    """Weekly conversion within k days, its normal range, alerts (red) and young weeks (grey)."""
    ax = get_ax(ax)
    w = weekly
    mature = w[w["mature"] & (w["leads"] >= min_leads)]
    small = w[w["mature"] & (w["leads"] < min_leads)]
    ax.plot(mature["week"], mature["rate_k"], marker="o", ms=3, color=PALETTE["sales"], label="mature weeks")
    if len(small):
        ax.scatter(small["week"], small["rate_k"], color=PALETTE["sales"], alpha=0.25, s=8,
                   label=f"fewer than {min_leads} leads (not judged)")
    for status, colour, label in (("too young", "#bbbbbb", "too young to judge"),
                                  ("not recorded", "#e6a0a0", "before the records start")):
        sub = w[w["status"] == status] if "status" in w.columns else w.iloc[0:0]
        if len(sub):
            ax.scatter(sub["week"], sub["rate_k"], color=colour, s=12, label=label)
    ax.fill_between(w["week"], w["lower"].clip(lower=0), w["baseline"], color=PALETTE["good"], alpha=0.15,
                    label="normal range")
    alerts = w[w["alert"]]
    ax.scatter(alerts["week"], alerts["rate_k"], color=PALETTE["bad"], s=60, zorder=4, label="leak alert")
    _dates(ax)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("Week the leads entered the stage")
    ax.set_ylabel("Converted within k days (%)")
    ax.set_title(f"Weekly leak alerts {transition}".strip())
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    return ax


def plot_reps(reps: pd.DataFrame, ax=None, flagged: list | None = None):
    """Each rep (hashed): share answered within the SLA vs conversion, sized by leads; the
    owners who under-work (``flagged``) in red. Without response times, median touches."""
    ax = get_ax(ax)
    speed = reps["within_sla"].notna().any()
    x = reps["within_sla"] if speed else reps["median_touches"]
    size = 20 + 200 * reps["leads"] / max(reps["leads"].max(), 1)
    bad = reps["owner_id"].isin(flagged or []).to_numpy()
    ax.scatter(x[~bad], reps["rate"][~bad], s=size[~bad], color=PALETTE["sales"], alpha=0.7, edgecolor="black",
               label="reps")
    if bad.any():
        ax.scatter(x[bad], reps["rate"][bad], s=size[bad], color=PALETTE["bad"], alpha=0.9, edgecolor="black",
                   label="under-work (significantly slower and fewer touches)")
        ax.legend(fontsize=8, loc="lower right")
    ax.errorbar(x, reps["rate"], yerr=[reps["rate"] - reps["low"], reps["high"] - reps["rate"]],
                fmt="none", ecolor="#999999", lw=0.8)
    ax.yaxis.set_major_formatter(percent_formatter())
    if speed:
        ax.xaxis.set_major_formatter(percent_formatter())
        ax.set_xlabel("Leads answered within the SLA (%)")
        ax.set_title("Reps (hashed): speed-to-lead vs conversion")
    else:
        ax.set_xlabel("Median sales touches per lead (count)")
        ax.set_title("Reps (hashed): touches vs conversion")
    ax.set_ylabel("Conversion (%) with 95% interval")
    return ax
