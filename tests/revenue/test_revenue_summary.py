"""helpers.revenue.summary: summary_figures takes one RevenueResult; skipped parts stay None."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from revenue_fixtures import fixture_org

from helpers import revenue as rv


@pytest.fixture
def minimal_result():
    """The fixture org's funnel with a 1.2M plan, and nothing else computed."""
    leads, opps = fixture_org()
    cfg = SimpleNamespace(stages=["inquiry", "mql", "opportunity", "won"])
    model, why = rv.try_build_funnel(SimpleNamespace(opportunities=opps, leads=leads, config=cfg))
    assert why == ""
    plan = rv.plan_targets(None, model.as_of, revenue_plan=1_200_000.0)
    gap = rv.plan_gap(plan.targets, model.rates, model.deal, model.current, n_draws=200)
    return rv.RevenueResult(model, plan, gap, growth=0.0123456)


def test_summary_of_the_plan_only(minimal_result):
    fig = rv.summary_figures(minimal_result)
    assert fig["stages"] == ["inquiry", "mql", "opportunity", "won"]
    assert fig["plan_monthly_revenue"] == 100_000.0 and fig["deal_size"] == 40_000.0
    assert fig["wins_needed_per_month"] == 2.5
    assert fig["leads_needed_rounded"] >= fig["leads_needed_per_month"]
    assert fig["lead_growth_monthly"] == 0.0123
    assert fig["scenario"] is None and fig["alignment_effect"] is None
    assert not {"levers", "cac", "channels", "tornado_top"} & set(fig)
    json.dumps(fig)  # plain values only


def test_summary_records_every_part_given(minimal_result):
    model = minimal_result.model
    lever = rv.Lever("x", model.transitions[-1], 1.2, np.full(100, 1.2))
    scen = rv.project_scenarios(model.rates, model.deal, 10.0, [lever], model.first_projection_month,
                                horizon=12, n_draws=100)
    econ = rv.unit_economics(model.counts, None, model.deal, 0.7, model.as_of)
    tornado = rv.sensitivity(model.rates, model.deal, 10.0, [lever])
    minimal_result.scenarios = scen
    minimal_result.levers = rv.LeverSet([lever], lever, [], plateau=6)
    minimal_result.economics = econ
    minimal_result.tornado = tornado
    fig = rv.summary_figures(minimal_result)
    assert fig["scenario"]["horizon_months"] == 12
    assert fig["scenario"]["uplift_pct"] > 0
    assert fig["levers"]["x"]["multiplier"] == 1.2 and fig["touches_plateau_used"] == 6
    assert fig["gross_margin"] == 0.7 and fig["cac"] is None  # no spend table: no CAC
    assert fig["tornado_top"] == str(tornado.iloc[0]["driver"])
    json.dumps(fig)
