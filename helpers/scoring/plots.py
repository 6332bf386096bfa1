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


def plot_leak_report(leaks: pd.DataFrame, *, max_auc: float = 0.95, top: int = 15, ax=None):
    """Single-field AUC of each candidate field; leaks in red, the exclusion line dashed."""
    ax = get_ax(ax)
    d = leaks.sort_values("single_auc", ascending=False).head(top).iloc[::-1]
    colors = [PALETTE["bad"] if lk else PALETTE["marketing"] for lk in d["leak"]]
    ax.barh(d["feature"], d["single_auc"], color=colors)
    ax.axvline(max_auc, color=PALETTE["bad"], ls="--", lw=1)
    ax.text(
        max_auc,
        -0.9,
        f" exclusion line {max_auc:.2f}",
        color=PALETTE["bad"],
        fontsize=9,
        va="bottom",
    )
    ax.set_xlim(0.5, 1.0)
    ax.set_title("Leakage check: how well each field alone predicts conversion (red = excluded)")
    ax.set_xlabel("Single-field ROC AUC on training leads (0.5 = no signal)")
    ax.set_ylabel("Field")
    return ax


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


def plot_points_table(table: pd.DataFrame, *, ax=None):
    """The points table: points per attribute bin, grouped by feature."""
    d = table.copy()
    n = len(d)
    ax = get_ax(ax, figsize=(9, max(4.5, 0.28 * n + 1)))
    ypos = np.arange(n)[::-1]
    feats = list(dict.fromkeys(d["label"]))
    palette = [PALETTE["marketing"], PALETTE["sales"]]
    colors = [palette[feats.index(lbl) % 2] for lbl in d["label"]]
    ax.barh(ypos, d["points"], color=colors)
    ax.set_yticks(ypos)
    ax.set_yticklabels([_clip(f"{lbl}: {b}") for lbl, b in zip(d["label"], d["bin"])], fontsize=8)
    for y, p in zip(ypos, d["points"]):
        ax.text(p + 0.3, y, f"{int(p)}", va="center", fontsize=8)
    ax.set_title("The MQL points table: points each attribute earns")
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
    """Weekly MQL volume and their conversion rate as the probability cut moves."""
    ax = get_ax(ax)
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    cuts = np.unique(np.quantile(p, np.linspace(0, 0.98, 99)))
    vol = np.array([(p >= c).mean() * weekly_leads for c in cuts])
    conv = np.array([y[p >= c].mean() for c in cuts])
    ax.plot(cuts, vol, color=PALETTE["marketing"], lw=2, label="MQLs per week")
    ax.set_xlabel("Probability cut (leads at or above it are MQLs)")
    ax.set_ylabel("MQLs per week", color=PALETTE["marketing"])
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


def plot_metrics(metrics: pd.DataFrame, *, ax=None):
    """ROC AUC of the three scorers on the same test leads."""
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
    ax.set_title("Three scorers on the same test leads")
    ax.set_xlabel("Scorer")
    ax.set_ylabel("ROC AUC (0.5 = coin flip, 1 = perfect)")
    return ax


def _clip(text: str, width: int = 70) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 3] + "..."
