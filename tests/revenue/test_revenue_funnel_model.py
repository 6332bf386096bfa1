"""helpers.revenue.funnel_model: rates on mature cohorts, lags, monthly counts, run-rate,
and the notebook's entry point try_build_funnel."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from revenue_fixtures import fixture_org

from helpers import revenue as rv


def test_lag_months_rounds_the_cumulative_lag_not_each_stage():
    # five 10-day lags are 50 days (2 months), not 5 x round(0.33) = 0
    lags = rv.lag_months([10, 10, 10, 10, 10])
    assert lags.sum() == 2
    assert lags.tolist() == [1, 0, 0, 1, 0]
    assert rv.lag_months([45.0]).tolist() == [1]


def test_stage_rates_leave_out_leads_too_young_to_convert():
    leads, opps = fixture_org()
    stages = ["inquiry", "mql", "opportunity", "won"]
    t = rv.stage_times(leads, opps, stages)
    r = rv.stage_rates(t, opps, stages, "2024-12-31").set_index("from_stage")
    # inquiry -> mql: L3 never qualified; lags (1, 2, 1, 1, 1 days) -> p90 = 1.6 days: all six are mature
    assert (r.loc["inquiry", "trials"], r.loc["inquiry", "successes"]) == (6, 5)
    # mql -> opportunity: lags 19 (L1), 20 (L2), 274 (L4) days -> p90 = 223.2 days, cut-off 2024-05-22:
    # L6 (MQL in December) is too young to count; L1, L2, L4 converted, L5 did not
    assert r.loc["mql", "maturity_days"] == pytest.approx(223.2)
    assert (r.loc["mql", "trials"], r.loc["mql", "successes"]) == (4, 3)
    # win rate on opportunities created at least p90 of the won cycle (36 and 75 days -> 71.1) before the end
    assert (r.loc["opportunity", "trials"], r.loc["opportunity", "successes"]) == (3, 2)
    assert r.loc["opportunity", "alpha"] == 3.0 and r.loc["opportunity", "beta"] == 2.0


def test_no_conversion_at_a_stage_is_a_clear_error():
    leads, opps = fixture_org()
    opps = opps.assign(outcome=pd.array(["lost", "lost", "lost", "open"], dtype="string"))
    stages = ["inquiry", "opportunity", "won"]
    t = rv.stage_times(leads, opps, stages)
    with pytest.raises(ValueError, match="No conversion opportunity -> won"):
        rv.stage_rates(t, opps, stages, "2024-12-31")


def test_monthly_counts_and_run_rate():
    leads, opps = fixture_org()
    stages = ["inquiry", "mql", "opportunity", "won"]
    t = rv.stage_times(leads, opps, stages)
    c = rv.monthly_stage_counts(t, opps, stages)
    assert c.loc["2024-01-01", "inquiry"] == 2 and c.loc["2024-03-01", "inquiry"] == 2
    assert c.loc["2024-03-01", "won"] == 1 and c.loc["2024-05-01", "revenue"] == 50_000.0
    rr = rv.run_rate(c, "2024-12-31", months=6)  # July to December 2024
    assert rr["inquiry"] == pytest.approx(1 / 6) and rr["opportunity"] == pytest.approx(1 / 6)
    assert rv.last_complete_month("2024-12-31 23:00") == pd.Timestamp("2024-12-01")
    assert rv.last_complete_month("2024-12-30") == pd.Timestamp("2024-11-01")


def test_try_build_funnel_explains_what_is_missing():
    leads, opps = fixture_org()
    cfg = SimpleNamespace(stages=["inquiry", "mql", "opportunity", "won"])
    model, why = rv.try_build_funnel(SimpleNamespace(opportunities=None, leads=leads, config=cfg))
    assert model is None and "opportunities table" in why
    model, why = rv.try_build_funnel(SimpleNamespace(opportunities=opps.drop(columns=["amount"]), leads=leads, config=cfg))
    assert model is None and "deal_size" in why
    model, why = rv.try_build_funnel(SimpleNamespace(opportunities=opps, leads=leads, config=cfg))
    assert why == "" and model.stages == ["inquiry", "mql", "opportunity", "won"]
    assert model.deal.mean == 40_000.0
    # a won-deals export without amounts runs with an analyst-given average deal value
    model, why = rv.try_build_funnel(SimpleNamespace(opportunities=opps.drop(columns=["amount"]), leads=leads,
                                                     config=cfg), deal_size_value=25_000.0)
    assert why == "" and model.deal.mean == 25_000.0
    assert model.won_history()["revenue"].sum() == 50_000.0  # two wins valued at 25k
