"""Closed outcomes joined to accounts and buyers (helpers/icp/inputs.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from icp_fixtures import small_tables

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
