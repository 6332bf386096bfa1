"""Charts of module 4 (the MQL classifier): each takes ``ax=None`` and returns the Axes.

Computation lives in the other files of :mod:`helpers.scoring`; these functions only draw what
they are given. :mod:`helpers.core.style` loads matplotlib when the first chart is drawn, so
importing this module loads no plotting library.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.style import PALETTE, get_ax, percent_formatter

__all__ = [
    "BAND_COLORS",
    "SCORER_COLORS",
    "VERDICT_COLORS",
    "plot_drift",
    "plot_gains",
    "plot_leak_report",
    "plot_metrics",
    "plot_points_table",
    "plot_reason_frequency",
    "plot_reliability",
    "plot_score_bands",
    "plot_threshold",
]

SCORER_COLORS = {
    "agreed rule": PALETTE["neutral"],
    "logistic regression": PALETTE["marketing"],
    "gradient boosting": PALETTE["sales"],
    "points table": PALETTE["both"],
}
BAND_COLORS = {"A": PALETTE["good"], "B": "#98df8a", "C": "#ffbb78", "D": PALETTE["bad"]}


#: Colours of the leakage chart, by verdict (calendar fields dropped by rule are grey).
VERDICT_COLORS = {
    "excluded": PALETTE["bad"],
    "suspicious": PALETTE["sales"],
    "kept on purpose": PALETTE["both"],
    "clean": PALETTE["marketing"],
    "calendar": PALETTE["neutral"],
}


def plot_leak_report(
    leaks,
    *,
    max_auc: float = 0.95,
    top: int = 15,
    calendar: dict[str, str] | None = None,
    ax=None,
):
    """Every excluded or suspicious field (red / orange) and the strongest clean ones (blue), by
    single-field AUC, each flagged bar labelled with its signals; calendar fields the rule
    dropped are listed in grey with the reason.

    Parameters
    ----------
    leaks : LeakReport or DataFrame
        The leakage check (``feature``, ``single_auc``, ``verdict`` or ``leak``, ``signals``).
    max_auc : float
        The single-field AUC line, drawn dashed.
    top : int
        Clean fields shown (flagged fields are always shown).
    calendar : dict, optional
        Field -> reason, from :func:`helpers.scoring.calendar_fields`.
    """
    t = getattr(leaks, "table", leaks).copy()
    if "verdict" not in t.columns:
        t["verdict"] = np.where(t["leak"].astype(bool), "excluded", "clean")
    if "signals" not in t.columns:
        t["signals"] = np.where(t["leak"].astype(bool), "single-field AUC", "")
    flagged = t[t["verdict"].ne("clean")]
    clean = t[t["verdict"].eq("clean")].sort_values("single_auc", ascending=False).head(top)
    d = pd.concat([flagged, clean])
    cal = pd.DataFrame(
        {
            "feature": list(calendar or {}),
            "single_auc": 0.5,
            "verdict": "calendar",
            "signals": ["calendar/cohort field: not a driver"] * len(calendar or {}),
        }
    )
    d = pd.concat([d, cal], ignore_index=True).iloc[::-1]
    ax = get_ax(ax, figsize=(9, max(4.5, 0.32 * len(d) + 1.5)))
    ypos = np.arange(len(d))
    auc = d["single_auc"].astype("float64").fillna(0.5).clip(0.5, 1.0)
    ax.barh(ypos, auc - 0.5, left=0.5, color=[VERDICT_COLORS[v] for v in d["verdict"]])
    ax.set_yticks(ypos)
    ax.set_yticklabels(d["feature"].tolist(), fontsize=9)
    for y, (a, v, sig) in enumerate(zip(auc, d["verdict"], d["signals"])):
        if v != "clean" and sig:
            ax.text(a + 0.005, y, _clip(str(sig), 48), va="center", fontsize=7.5)
    ax.axvline(max_auc, color=PALETTE["bad"], ls="--", lw=1)
    ax.text(
        max_auc,
        len(d) - 0.4,
        f"single-field line {max_auc:.2f} ",
        color=PALETTE["bad"],
        fontsize=8,
        va="bottom",
        ha="right",
    )
    ax.set_xlim(0.5, 1.0)
    ax.set_title(_leak_title(d["verdict"]))
    ax.set_xlabel("Single-field ROC AUC on training leads (0.5 = no signal); text: the signals")
    ax.set_ylabel("Field")
    _verdict_legend(ax, d["verdict"])
    return ax


def _leak_title(verdicts: pd.Series) -> str:
    """A title saying what the chart draws (never a colour that is not there)."""
    counts = verdicts.value_counts()
    parts = [
        f"{counts[v]} {v} ({name})"
        for v, name in (
            ("excluded", "red"),
            ("suspicious", "orange"),
            ("kept on purpose", "purple"),
        )
        if counts.get(v, 0)
    ]
    if not parts:
        return "Leakage check: no field excluded or suspicious"
    return "Leakage check: " + ", ".join(parts)


def _verdict_legend(ax, verdicts: pd.Series) -> None:
    """A legend of the verdict colours drawn."""
    from matplotlib.patches import Patch

    shown = [v for v in VERDICT_COLORS if v in set(verdicts)]
    labels = {"calendar": "calendar/cohort (not used)"}
    ax.legend(
        handles=[Patch(color=VERDICT_COLORS[v], label=labels.get(v, v)) for v in shown],
        loc="lower right",
        fontsize=8,
    )


def plot_gains(gains: pd.DataFrame, *, ax=None):
    """Cumulative gains: share of conversions captured working leads from the top score down."""
    ax = get_ax(ax)
    for name, g in gains.groupby("scorer", sort=False):
        ax.plot(
            g["share_of_leads"],
            g["share_of_conversions"],
            label=name,
            color=SCORER_COLORS.get(name),
            lw=2,
        )
    ax.plot([0, 1], [0, 1], color="black", ls=":", lw=1, label="random order")
    ax.axvline(0.2, color=PALETTE["neutral"], lw=0.8, ls="--")
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_title("Gains: conversions captured by working the best-scored leads first")
    ax.set_xlabel("Share of test leads worked, best score first (%)")
    ax.set_ylabel("Share of all conversions captured (%)")
    ax.legend(loc="lower right")
    return ax


def plot_reliability(
    tables: dict[str, pd.DataFrame], *, briers: dict[str, float] | None = None, ax=None
):
    """Reliability curve: predicted vs observed conversion by score decile."""
    ax = get_ax(ax)
    top = 0.0
    for name, t in tables.items():
        lab = name if not briers or name not in briers else f"{name} (Brier {briers[name]:.3f})"
        ax.plot(
            t["predicted"],
            t["observed"],
            marker="o",
            label=lab,
            color=SCORER_COLORS.get(name),
            lw=2,
        )
        top = max(top, t["predicted"].max(), t["observed"].max())
    top = min(1.0, top * 1.1 + 0.01)
    ax.plot([0, top], [0, top], color="black", ls=":", lw=1, label="perfect calibration")
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_title("Calibration: does a 30% score convert 30% of the time?")
    ax.set_xlabel("Predicted conversion, average per score decile (%)")
    ax.set_ylabel("Observed conversion in the test period (%)")
    ax.legend(loc="upper left")
    return ax


def plot_score_bands(bands: pd.DataFrame, *, ax=None):
    """Conversion rate by score band, with each band's share of leads and of conversions."""
    ax = get_ax(ax)
    colors = [BAND_COLORS.get(b, PALETTE["neutral"]) for b in bands["band"]]
    bars = ax.bar(bands["band"], bands["conversion_rate"], color=colors)
    for bar, (_, r) in zip(bars, bands.iterrows()):
        ax.annotate(
            f"{r['conversion_rate']:.0%}\n{r['share_of_leads']:.0%} of leads\n"
            f"{r['share_of_conversions']:.0%} of conversions",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, max(bands["conversion_rate"].max() * 1.45, 0.05))
    ax.set_title("Score bands on the test period: A converts most")
    ax.set_xlabel("Band (A = score 90-99, B = 70-89, C = 40-69, D = 1-39)")
    ax.set_ylabel("Conversion rate within the horizon (%)")
    return ax


def plot_points_table(table: pd.DataFrame, *, suspicious: list[str] | tuple = (), ax=None):
    """The points table: points per attribute bin, grouped by feature.

    A missing value's bin reads "(missing)", so a level named "Unknown" stays apart from it;
    features alternate blue and grey, and the lines of a ``suspicious`` feature (kept by the
    leakage check with a warning) are orange.
    """
    d = table.copy()
    n = len(d)
    ax = get_ax(ax, figsize=(9, max(4.5, 0.28 * n + 1)))
    ypos = np.arange(n)[::-1]
    feats = list(dict.fromkeys(d["label"]))
    palette = [PALETTE["marketing"], PALETTE["neutral"]]  # features alternate blue and grey
    flagged = d["feature"].isin(list(suspicious)) if "feature" in d else pd.Series(False, d.index)
    colors = [
        VERDICT_COLORS["suspicious"] if f else palette[feats.index(lbl) % 2]
        for lbl, f in zip(d["label"], flagged)
    ]
    ax.barh(ypos, d["points"], color=colors)
    ax.set_yticks(ypos)
    marks = np.where(flagged, " (suspicious)", "")
    ax.set_yticklabels(
        [_clip(f"{lbl}: {b}") + m for lbl, b, m in zip(d["label"], d["bin"], marks)], fontsize=8
    )
    for tick, f in zip(ax.get_yticklabels(), flagged):
        if f:
            tick.set_color(VERDICT_COLORS["suspicious"])
    for y, p in zip(ypos, d["points"]):
        ax.text(p + 0.3, y, f"{int(p)}", va="center", fontsize=8)
    title = "The MQL points table: points each attribute earns"
    if flagged.any():
        title += " (orange: a suspicious field, check it)"
    ax.set_title(title)
    ax.set_xlabel("Points (20 points double the odds of converting)")
    ax.set_ylabel("Attribute: value")
    return ax


def plot_reason_frequency(freq: pd.DataFrame, *, top: int = 10, ax=None):
    """How often each attribute is a lead's first reason for its score."""
    ax = get_ax(ax)
    d = freq.head(top).iloc[::-1]
    ax.barh(d["reason"], d["share"], color=PALETTE["good"])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_title("What lifts scores: each lead's first reason")
    ax.set_xlabel("Share of leads whose top reason is this attribute (%)")
    ax.set_ylabel("Attribute")
    return ax


def plot_threshold(
    p_test: np.ndarray,
    y_test: np.ndarray,
    *,
    weekly_leads: float,
    thresholds: dict[str, float],
    ax=None,
):
    """Weekly MQL volume (the share of leads when no weekly inflow is known) and their
    conversion rate as the probability cut moves."""
    ax = get_ax(ax)
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    cuts = np.unique(np.quantile(p, np.linspace(0, 0.98, 99)))
    weekly = weekly_leads is not None and np.isfinite(weekly_leads) and weekly_leads > 0
    share = np.array([(p >= c).mean() for c in cuts])
    what = "MQLs per week" if weekly else "Share of leads that are MQLs (%)"
    conv = np.array([y[p >= c].mean() for c in cuts])
    ax.plot(
        cuts,
        share * weekly_leads if weekly else share,
        color=PALETTE["marketing"],
        lw=2,
        label="MQLs per week" if weekly else "share of leads (no weekly inflow known)",
    )
    if not weekly:
        ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Probability cut (leads at or above it are MQLs)")
    ax.set_ylabel(what, color=PALETTE["marketing"])
    ax2 = ax.twinx()
    ax2.plot(cuts, conv, color=PALETTE["sales"], lw=2, label="conversion of MQLs")
    ax2.yaxis.set_major_formatter(percent_formatter())
    ax2.set_ylabel("Conversion of those MQLs (%)", color=PALETTE["sales"])
    ax2.grid(False)
    styles = ["--", ":"]
    for i, (name, t) in enumerate(thresholds.items()):
        if t is not None and np.isfinite(t):
            ax.axvline(t, color="black", ls=styles[i % 2], lw=1.2, label=f"{name} cut {t:.2f}")
    ax.legend(loc="center right")
    ax.set_title("Threshold: fewer, better MQLs as the cut rises")
    return ax


def plot_drift(drift: pd.DataFrame, *, ax=None):
    """Predicted vs observed conversion by period; the latest period's PSI in the title."""
    ax = get_ax(ax)
    x = np.arange(len(drift))
    ax.plot(
        x,
        drift["predicted_rate"],
        marker="o",
        color=PALETTE["marketing"],
        label="predicted (average score)",
    )
    ax.plot(
        x,
        drift["observed_rate"],
        marker="s",
        color=PALETTE["sales"],
        label="observed (labelled leads)",
    )
    flagged = drift["drift"].to_numpy(dtype=bool)
    if flagged.any():
        ax.scatter(
            x[flagged],
            drift["predicted_rate"].to_numpy()[flagged],
            s=160,
            facecolors="none",
            edgecolors=PALETTE["bad"],
            lw=2,
            label="drift (PSI > 0.2)",
        )
    if "test_period" in drift and drift["test_period"].any():
        first = int(np.argmax(drift["test_period"].to_numpy()))
        ax.axvspan(
            first - 0.5,
            len(drift) - 0.5,
            color=PALETTE["neutral"],
            alpha=0.12,
            label="test period (model not trained on it)",
        )
    step = max(1, len(drift) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(drift["period"].to_numpy()[::step], rotation=45, ha="right")
    ax.yaxis.set_major_formatter(percent_formatter())
    last = drift.iloc[-1]
    ax.set_title(f"Score calibration by period (latest {last['period']}: PSI {last['psi']:.2f})")
    ax.set_xlabel("Lead creation period")
    ax.set_ylabel("Conversion within the horizon (%)")
    ax.legend(loc="upper left", fontsize=9)
    return ax


def plot_metrics(metrics: pd.DataFrame, *, validation: str = "out-of-time", ax=None):
    """ROC AUC of the three scorers: on the same later test leads (out-of-time), or each lead
    scored by a model that did not see it (cross-validation)."""
    ax = get_ax(ax)
    colors = [SCORER_COLORS.get(s, PALETTE["neutral"]) for s in metrics["scorer"]]
    bars = ax.bar(metrics["scorer"], metrics["roc_auc"], color=colors)
    for bar, (_, r) in zip(bars, metrics.iterrows()):
        ax.annotate(
            f"AUC {r['roc_auc']:.2f}\nlift@10% {r['lift_top10']:.1f}x",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.axhline(0.5, color="black", ls=":", lw=1)
    ax.set_ylim(0.4, 1.0)
    if validation.startswith("out-of-time"):
        ax.set_title("Three scorers on the same later test leads (out-of-time)")
    else:
        ax.set_title(
            f"Three scorers, {validation} cross-validation (each lead unseen by its model)"
        )
    ax.set_xlabel("Scorer")
    ax.set_ylabel("ROC AUC (0.5 = coin flip, 1 = perfect)")
    return ax


def _clip(text: str, width: int = 70) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."
