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
