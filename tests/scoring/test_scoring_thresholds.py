"""The capacity and cost/benefit thresholds (helpers/scoring/thresholds.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import scoring as S


def test_capacity_threshold_matches_weekly_capacity():
    p = np.linspace(0, 0.99, 100)
    y = (p > 0.7).astype(int)
    thr = S.capacity_threshold(
        p, y, weekly_leads=100, sales_reps=2, leads_per_rep_per_week=10, value_per_conversion=1000
    )
    assert thr.share_of_leads == pytest.approx(0.2)
    assert thr.weekly_mqls == pytest.approx(20)
    assert thr.probability == pytest.approx(np.quantile(p, 0.8))
    assert thr.conversion_rate == pytest.approx(1.0)
    assert thr.weekly_revenue == pytest.approx(20 * 1000)
    big = S.capacity_threshold(p, y, weekly_leads=10, sales_reps=5, leads_per_rep_per_week=10)
    assert big.share_of_leads == 1.0  # more capacity than leads: everyone is worked


def test_leads_per_rep_from_touches_plateau():
    v, note = S.leads_per_rep(0, 60, 6)
    assert v == 10 and "plateau" in note
    assert S.leads_per_rep(8, 60, 6)[0] == 8
    assert S.touches_plateau({"02_funnel": {"touches_plateau": 7}}, 6)[0] == 7
    assert S.touches_plateau({}, 6)[0] == 6


def test_weekly_inflow():
    created = pd.Series(pd.date_range("2024-01-01", periods=26 * 7, freq="D"))  # one lead a day
    assert S.weekly_lead_inflow(created, weeks=13) == pytest.approx(7.0)


def test_cost_benefit_threshold_uses_time_order_and_profit():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(-2 + 1.5 * x)))
    y = (rng.random(n) < p).astype(int)
    X = pd.DataFrame({"x": x})
    model = S.make_logistic(["x"], [])
    thr, curve = S.cost_benefit_threshold(
        model, X, y, order=np.arange(n), gain_per_conversion=1000, cost_per_mql=100
    )
    # working a lead pays when p > cost / gain = 0.1
    assert 0.04 < thr < 0.25
    assert {"threshold", "profit_per_lead"} <= set(curve.columns)
    with pytest.raises(ValueError, match="positive"):
        S.cost_benefit_threshold(model, X, y, order=None, gain_per_conversion=0, cost_per_mql=100)
