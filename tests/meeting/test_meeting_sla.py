"""The SLA between sales and marketing: each term equals the module's own figure, recovers the
planted truths, and ``sla.yml`` is written beside ``icp.yml`` and ``mql_definition.yml``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import meeting, scoring
from helpers.revenue import last_complete_month


@pytest.fixture(scope="module")
def terms(case):
    return meeting.sla_terms(case.inputs)


def test_every_term_is_agreed(terms):
    assert terms["not_agreed"] == {}
    assert set(terms["marketing"]) == {"mqls", "icp_fit"}
    assert {"first_response_hours", "min_touches", "response", "touches"} <= set(terms["sales"])


def test_mqls_a_month_are_the_plans_need(terms, case):
    rev = case.inputs.summary["03_revenue"]
    mqls = terms["marketing"]["mqls"]
    assert mqls["stage"] == "mql"
    # module 3's need, rounded up to whole MQLs (summary.json keeps one decimal)
    assert rev["mqls_needed_per_month"] <= mqls["per_month"] < rev["mqls_needed_per_month"] + 1
    low, high = mqls["interval_90"]
    assert low <= rev["mqls_needed_per_month"] <= high
    assert mqls["now_per_month"] == pytest.approx(
        case.inputs.plan_gap().set_index("stage").loc["mql", "run_rate"], abs=0.05
    )


def test_response_term_is_module_2s(terms, case):
    f = case.inputs.summary["02_funnel"]
    sales = terms["sales"]
    assert sales["first_response_hours"] == case.inputs.params["funnel"]["sla_hours"] == 24.0
    # with a 24 h SLA, the history share is module 2's speed-to-lead "within 24 h"
    assert sales["response"]["history_share"] == pytest.approx(
        f["speed_to_lead"]["within_24h"], abs=6e-4
    )
    assert 0 <= sales["response"]["now_share"] <= 1


def test_touches_term_is_the_planted_plateau(terms, case):
    f = case.inputs.summary["02_funnel"]
    sales = terms["sales"]
    assert sales["min_touches"] == f["touches_plateau"] == case.truths["funnel"]["touches_plateau"]
    assert sales["touches"]["history_share"] == pytest.approx(1 - f["under_worked_share"], abs=6e-4)


def test_icp_share_floor_is_the_recent_mix(terms, case):
    fit = terms["marketing"]["icp_fit"]
    assert fit["tiers"] == ["A", "B"]
    assert 0 < fit["min_share"] <= 1 and 0 <= fit["now_share"] <= 1
    inputs = case.inputs
    j = inputs.journeys()
    tiers = scoring.icp_tiers_for_leads(inputs.data.leads, inputs.data.accounts, inputs.icp)
    tier = j.table["lead_id"].map(dict(zip(inputs.data.leads["lead_id"], tiers)))
    end = last_complete_month(j.export_date) + pd.DateOffset(months=1)
    t_mql = j.table["t_mql"]
    window = j.table["reached_mql"] & (t_mql >= end - pd.DateOffset(months=12)) & (t_mql < end)
    known = tier[window].dropna()
    assert fit["min_share"] == pytest.approx(np.floor(known.isin(["A", "B"]).mean() * 100) / 100)
    ev = inputs.icp["tiers"]["evidence"]  # module 1's win rate by tier, pooled A + B
    n = ev["A"]["opportunities"] + ev["B"]["opportunities"]
    wins = sum(ev[t]["win_rate"] * ev[t]["opportunities"] for t in ("A", "B"))
    assert f"Deals in tiers A/B won {wins / n:.0%} of {n} closed" in fit["evidence"]


def test_sla_yml_is_written_beside_the_other_agreements(case, tmp_path):
    """In a run's report ``sla.yml`` sits beside ``icp.yml`` and ``mql_definition.yml``."""
    report = case.report
    assert (report / "icp.yml").is_file() and (report / "mql_definition.yml").is_file()
    assert (report / "sla.yml").is_file()
    written = yaml.safe_load((report / "sla.yml").read_text(encoding="utf-8"))
    assert written["sales"]["min_touches"] == case.truths["funnel"]["touches_plateau"]
    path = meeting.write_sla(meeting.sla_terms(case.inputs), tmp_path)
    assert path == tmp_path / "sla.yml"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["version"] == 1


def test_terms_the_data_cannot_set_are_listed(sample_inputs):
    from dataclasses import replace

    no_icp = replace(sample_inputs, icp=None, _cache={}, reasons={})
    terms = meeting.sla_terms(no_icp)
    assert "icp_fit" not in terms["marketing"]
    assert "run module 01" in terms["not_agreed"]["icp_fit"]
    assert "mqls" in terms["marketing"]
