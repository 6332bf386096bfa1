"""Module 4's charts: the Axes given is returned, with a title and axis labels; never pixels
(helpers/scoring/plots.py)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from helpers import scoring as S  # noqa: E402
from helpers import scoring_plots  # noqa: E402


@pytest.fixture
def ax():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _case(n=400, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    y = (rng.random(n) < p).astype(int)
    return p, y


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_every_plot_returns_the_axes_with_title_and_labels(ax):
    p, y = _case()
    rule = (p > 0.5).astype(float)
    leaks = pd.DataFrame(
        {"feature": ["budget", "source"], "single_auc": [0.99, 0.6], "leak": [True, False]}
    )
    metrics = S.evaluate(
        y, {"agreed rule": rule, "logistic regression": p}, probabilities={"logistic regression"}
    )
    drift = S.drift_by_period(
        pd.Series(pd.date_range("2024-01-01", periods=len(p), freq="D")), p, p, label=y
    )
    points = pd.DataFrame(
        {
            "label": ["Seniority", "Seniority", "Source"],
            "bin": ["VP", "Manager", "web"],
            "points": [20, 0, 8],
        }
    )
    reasons = S.reason_frequency(pd.Series(["Seniority: VP (+9 pts)", "Source: web (+3 pts)", ""]))
    charts = [
        lambda a: S.plot_leak_report(leaks, ax=a),
        lambda a: S.plot_gains(
            S.gains_table(y, {"agreed rule": rule, "logistic regression": p}), ax=a
        ),
        lambda a: S.plot_reliability(
            {"logistic regression": S.reliability_table(y, p)},
            briers={"logistic regression": 0.2},
            ax=a,
        ),
        lambda a: S.plot_score_bands(
            S.band_table(y, S.assign_bands(S.to_score(p, S.reference_quantiles(p)))), ax=a
        ),
        lambda a: S.plot_points_table(points, ax=a),
        lambda a: S.plot_reason_frequency(reasons, ax=a),
        lambda a: S.plot_threshold(
            p, y, weekly_leads=50, thresholds={"capacity": 0.7, "cost/benefit": None}, ax=a
        ),
        lambda a: S.plot_drift(drift, ax=a),
        lambda a: S.plot_metrics(metrics, ax=a),
    ]
    for draw in charts:
        ax.clear()
        assert draw(ax) is ax
        assert _labelled(ax), draw
    assert "PSI" in S.plot_drift(drift, ax=ax).get_title()
    assert "%" in S.plot_gains(S.gains_table(y, {"x": p}), ax=ax).get_xlabel()


def test_old_address_still_draws_the_same_charts():
    assert scoring_plots.plot_gains is S.plot_gains
    assert set(scoring_plots.__all__) <= set(S.__all__)


def _leak_table(verdicts):
    n = len(verdicts)
    return pd.DataFrame(
        {
            "feature": [f"f{i}" for i in range(n)],
            "single_auc": np.linspace(0.9, 0.55, n),
            "verdict": verdicts,
            "leak": [v == "excluded" for v in verdicts],
            "signals": ["near-pure levels" if v != "clean" else "" for v in verdicts],
        }
    )


def test_leak_chart_shows_every_flagged_field_and_titles_only_what_is_drawn(ax):
    verdicts = ["excluded", "suspicious"] + ["clean"] * 30
    S.plot_leak_report(_leak_table(verdicts), top=5, calendar={"fiscal_year": "years"}, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert {"f0", "f1", "fiscal_year"} <= set(labels) and len(labels) == 2 + 5 + 1
    colors = {b.get_y(): b.get_facecolor() for b in ax.patches}
    assert len(colors) == len(labels)
    title = ax.get_title()
    assert "1 excluded (red)" in title and "1 suspicious (orange)" in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["excluded", "suspicious", "clean", "calendar/cohort (not used)"]
    ax.clear()
    S.plot_leak_report(_leak_table(["clean"] * 4), ax=ax)
    assert "red" not in ax.get_title() and "no field excluded or suspicious" in ax.get_title()
    ax.clear()
    S.plot_leak_report(_leak_table(["suspicious", "clean"]), ax=ax)
    assert "red" not in ax.get_title() and "orange" in ax.get_title()


def test_scorers_chart_says_how_it_was_validated(ax):
    p, y = _case()
    metrics = S.evaluate(
        y,
        {"agreed rule": (p > 0.5) * 1.0, "logistic regression": p},
        probabilities={"logistic regression"},
    )
    assert "same later test leads" in S.plot_metrics(metrics, ax=ax).get_title()
    ax.clear()
    title = S.plot_metrics(metrics, validation="stratified 5-fold", ax=ax).get_title()
    assert "same" not in title and "cross-validation" in title


def test_points_table_keeps_an_unknown_level_apart_from_missing_values(ax):
    rng = np.random.default_rng(1)
    n = 3000
    size = pd.Series(rng.choice(["Big", "Small", "Unknown"], n), dtype="str")
    size[rng.random(n) < 0.2] = pd.NA
    y = (rng.random(n) < np.where(size.eq("Big").fillna(False), 0.4, 0.1)).astype(int)
    card = S.fit_scorecard(pd.DataFrame({"size": size}), y, numeric=[], categorical=["size"])
    bins = " | ".join(card.table["bin"])
    assert "Unknown" in bins and S.MISSING in bins and S.MISSING == "(missing)"
    S.plot_points_table(card.table, ax=ax)
    ticks = " ".join(t.get_text() for t in ax.get_yticklabels())
    assert "Unknown" in ticks and "(missing)" in ticks
    reasons = S.lead_reasons(
        card, pd.DataFrame({"size": pd.Series([pd.NA, "Unknown"], dtype="str")})
    )
    text = " ".join(reasons["reasons_for"]) + " ".join(reasons["reasons_against"])
    assert "(missing)" in text or "Unknown" in text


def test_threshold_chart_without_a_weekly_inflow_shows_shares(ax):
    p, y = _case()
    S.plot_threshold(p, y, weekly_leads=float("nan"), thresholds={"top 20%": 0.8}, ax=ax)
    assert "Share of leads" in ax.get_ylabel()


def test_points_table_marks_the_lines_of_a_suspicious_field(ax):
    table = pd.DataFrame(
        {
            "feature": ["discount", "discount", "source"],
            "label": ["Discount", "Discount", "Source"],
            "bin": ["Early Bird", "(missing)", "web"],
            "points": [30, 0, 8],
        }
    )
    S.plot_points_table(table, suspicious=["discount"], ax=ax)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert sum(t.endswith("(suspicious)") for t in ticks) == 2
    assert "suspicious" in ax.get_title()
    ax.clear()
    assert "suspicious" not in S.plot_points_table(table, ax=ax).get_title()
    ax.clear()
    S.plot_points_table(table, suspicious=["discount"], ax=ax)
    orange = S.VERDICT_COLORS["suspicious"]
    from matplotlib.colors import to_hex

    bar_colors = [to_hex(b.get_facecolor()) for b in ax.patches]
    assert bar_colors.count(orange) == 2  # only the suspicious field's lines are orange
