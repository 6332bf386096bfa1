"""Closed outcomes joined to accounts and buyers (helpers/icp/inputs.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from icp_fixtures import (
    b2c_org,
    deal_org,
    small_tables,
)

from helpers import icp


def test_prepare_icp_joins_and_excludes_open():
    accounts, leads, opps = small_tables()
    inp = icp.prepare_icp(leads=leads, opportunities=opps, accounts=accounts)
    d = inp.deals.set_index("opportunity_id")
    assert list(d.index) == ["o1", "o2", "o4"]
    assert inp.open_excluded == 1
    assert d.loc["o1", "account_id"] == "a1"
    assert d.loc["o1", "sic_major_group"] == "73 Business Services"
    assert d.loc["o1", "employee_band"] == "201-500"
    assert d.loc["o1", "seniority"] == "C-level" and d.loc["o1", "function"] == "marketing"
    assert d.loc["o2", "cycle_days"] == pytest.approx(40.0)
    assert d["won"].tolist() == [True, False, True]
    assert inp.industry_dimension == "sic_major_group"
    for dim in ("sic_major_group", "employee_band", "region", "seniority", "function"):
        assert dim in inp.dimensions
    assert "revenue_band" not in inp.dimensions
    assert any("annual_revenue" in s for s in icp.skipped_sentences(inp))
    # leads carry account segments; the lead without account reads Unknown
    lead = inp.leads.set_index("lead_id")
    assert lead.loc["l4", "sic_major_group"] == "Unknown" and not lead.loc["l4", "has_account"]
    ov = inp.overview().set_index("measure")["value"]
    assert ov["closed (won + lost)"] == "3" and ov["open, left out"] == "1"


def test_prepare_icp_without_accounts_or_titles_says_so():
    _, leads, opps = small_tables()
    inp = icp.prepare_icp(leads=leads.drop(columns="job_title"), opportunities=opps)
    assert inp.dimensions == []
    text = " ".join(icp.skipped_sentences(inp))
    assert "no accounts table" in text and "job_title" in text


def test_prepare_icp_lead_only_export_uses_converted():
    leads = pd.DataFrame(
        {
            "lead_id": ["1", "2", "3"],
            "job_title": ["CMO", "CFO", "Analyst"],
            "converted": [True, False, None],
        }
    ).astype({"lead_id": "str", "job_title": "str", "converted": "boolean"})
    inp = icp.prepare_icp(leads=leads)
    assert inp.outcome_source == "leads.converted"
    assert inp.deals["won"].tolist() == [True, False]
    assert inp.deals["seniority"].astype("str").tolist() == ["C-level", "C-level"]


def test_prepare_icp_needs_both_outcomes():
    _, leads, opps = small_tables()
    with pytest.raises(ValueError, match="both are needed"):
        icp.prepare_icp(leads=leads, opportunities=opps.assign(outcome="won"))
    with pytest.raises(ValueError, match="needs outcomes"):
        icp.prepare_icp(leads=leads)


# --------------------------------------------------------------------------- export shapes


def test_opportunity_export_without_attributes_skips_instead_of_crashing(tmp_path, load):
    # issue 11: one row per opportunity, no lead table, nothing mapped to segment by:
    # fit_icp crashed with "ValueError: No group keys passed!"
    data = load(deal_org(tmp_path / "deals", columns=False))
    inp, problem = icp.try_prepare_icp(
        leads=data.leads, opportunities=data.opportunities, accounts=data.accounts
    )
    assert inp is None
    assert problem == (
        "The ICP sections are skipped: The 600 closed outcomes have nothing to segment them by: "
        "map firmographic columns (industry, employees, annual_revenue, region, ...) or job_title "
        "in org.yml, or list other columns under parameters: icp_segments."
    )
    bare = icp.prepare_icp(leads=data.leads, opportunities=data.opportunities)
    model = icp.fit_icp(bare)  # no dimension at all: the overall rate, no rule, no crash
    assert model.conditions == [] and model.evidence == {}
    assert 1 / (1 + np.exp(-model.intercept)) == pytest.approx(model.overall_win_rate)


def test_declared_attributes_come_from_the_deal_rows(tmp_path, load):
    segments = ["route_to_market", {"product": ["Product D", "Product C"]}, "missing", "outcome"]
    data = load(deal_org(tmp_path / "deals"))
    inp = icp.prepare_icp(leads=data.leads, opportunities=data.opportunities, segments=segments)
    assert inp.extra == ["route_to_market", "product"]
    assert inp.level("route_to_market") == "deal" and inp.attributes["product"].kind == "bands"
    assert list(inp.deals["product"].cat.categories) == [
        "Product D",
        "Product C",
        "Product A",  # not declared: after the declared order, first seen first
        "Product B",
        "Unknown",
    ]
    raw = data.opportunities.set_index("opportunity_id")["route_to_market"]
    got = inp.deals.set_index("opportunity_id")["route_to_market"].astype("str")
    assert got.equals(raw.reindex(got.index).astype("str"))
    notes = " ".join(icp.skipped_sentences(inp))
    assert "icp_segments names 'missing', which no table holds" in notes
    assert "icp_segments names 'outcome', a key or a figure of the deals" in notes


def test_b2c_lead_export_without_attributes_skips_instead_of_crashing(tmp_path, load):
    # issue 11: leads only, a contacts count, no id column, no dates: the same crash
    data = load(b2c_org(tmp_path / "b2c", occupation=False))
    inp, problem = icp.try_prepare_icp(leads=data.leads)
    assert inp is None and "have nothing to segment them by" in problem
    inp, problem = icp.try_prepare_icp(leads=data.leads, segments=["contacts"])
    assert problem is None and inp.attributes["contacts"].kind == "levels"
    assert list(inp.deals["contacts"].cat.categories) == ["0", "1", "2", "3", "Unknown"]
