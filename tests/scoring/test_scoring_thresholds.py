"""The capacity and cost/benefit thresholds (helpers/scoring/thresholds.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import choose_thresholds

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


def _undated_scorers():
    from scoring_fixtures import model_case

    leads, _, fs, y = model_case()
    flag = leads.drop(columns="created_at").assign(converted=pd.array(y, "boolean"))
    labels = S.build_labels(flag)
    scorers = S.fit_scorers(fs, labels, S.time_split(labels))
    return flag, fs, labels, scorers, y


def test_without_dates_the_defaults_follow_what_the_export_has():
    flag, fs, labels, scorers, y = _undated_scorers()
    # no dates, no weekly_leads, no amounts: the top 20%, and the table shows that cut
    top = choose_thresholds(scorers, fs, labels, None)
    assert top.capacity is None and top.cost_benefit is None
    assert top.chosen.method == "top 20%" and top.chosen.share_of_leads == pytest.approx(0.2, 0.05)
    assert top.table["method"].tolist() == ["top 20%"]  # no KeyError without a weekly inflow
    assert any("top 20% of leads are MQLs" in n for n in top.notes)
    # no dates but deal amounts: the cost/benefit cut
    won = flag["lead_id"][y].to_numpy()
    opps = pd.DataFrame({"lead_id": won, "outcome": "won", "amount": 20_000.0})
    cost = choose_thresholds(scorers, fs, labels, opps)
    assert cost.capacity is None and cost.chosen is cost.cost_benefit
    assert cost.table["method"].tolist() == ["cost/benefit"]
    assert any("the cost/benefit cut sets the MQLs" in n for n in cost.notes)
    # weekly_leads given: sales capacity, whatever the dates
    cap = choose_thresholds(scorers, fs, labels, opps, weekly_leads=200)
    assert cap.chosen is cap.capacity and cap.chosen.weekly_mqls == pytest.approx(40, rel=0.1)
    assert cap.table["method"].tolist() == ["sales capacity", "cost/benefit"]
