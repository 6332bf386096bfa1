"""The buyer of each closed outcome: titles, occupations, the account's only lead.

Covers helpers/icp/buyers.py.
"""

from __future__ import annotations

import pandas as pd
from icp_fixtures import OCCUPATIONS, b2c_org, small_tables

from helpers import icp


def test_occupations_in_the_title_field_are_segmented_by_their_raw_values(tmp_path, load):
    data = load(b2c_org(tmp_path / "b2c"))
    inp = icp.prepare_icp(leads=data.leads)
    assert inp.outcome_source == "leads.converted" and inp.persona == ["job_title"]
    assert set(inp.deals["job_title"].astype("str")) == set(OCCUPATIONS)
    note = icp.skipped_sentences(inp)[-1]
    assert note.startswith(
        "100% of the job titles ('Unemployed', 'Working Professional', 'Student'"
    )
    assert "segmented by its raw values instead" in note
    model = icp.fit_icp(inp)
    assert model.personas == {"job_title": ["Working Professional"]}
    leads = icp.assign_lead_tiers(
        data.leads, pd.DataFrame(columns=["account_id", "fit_score", "tier", "in_icp"]), model
    )
    expected = data.leads["job_title"].eq("Working Professional")
    assert leads["persona_match"].astype(bool).equals(expected.rename("persona_match"))


def test_real_titles_keep_seniority_and_function():
    _, leads, opps = small_tables()
    inp = icp.prepare_icp(leads=leads, opportunities=opps)
    assert inp.persona == ["seniority", "function"] and "titles" not in inp.skipped


def test_opportunities_without_a_lead_take_their_accounts_only_lead():
    accounts = pd.DataFrame({"account_id": ["a1", "a2", "a3"], "industry": ["P", "Q", "P"]})
    leads = pd.DataFrame(
        {
            "lead_id": ["l1", "l2", "l3", "l4"],
            "account_id": ["a1", "a2", "a3", "a3"],  # a3 has two contacts: no buyer for it
            "job_title": ["CEO", "IT Analyst", "CFO", "Driver"],
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3"],
            "account_id": ["a1", "a2", "a3"],
            "outcome": ["won", "lost", "won"],
        }
    )
    inp = icp.prepare_icp(leads=leads, opportunities=opps, accounts=accounts)
    assert inp.deals["seniority"].astype("str").tolist() == ["C-level", "Individual", "Unknown"]
    assert inp.skipped["buyer"] == (
        "The opportunities do not name their lead (lead_id), so each takes the job title of its "
        "account's only lead (2 of 3 closed outcomes)."
    )
