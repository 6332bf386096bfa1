"""helpers.revenue.stages: which stages the data can measure, and when each lead reached each."""

from __future__ import annotations

import pandas as pd
import pytest
from revenue_fixtures import fixture_org

from helpers import revenue as rv


def test_stage_times_backfills_skipped_stages():
    leads, opps = fixture_org()
    stages = ["inquiry", "mql", "sal", "sql", "opportunity", "won"]
    t = rv.stage_times(leads, opps, stages)
    # L2 skipped SAL (SQL without SAL): it passed SAL, at its SQL time
    assert bool(t.loc["L2", "reached_sal"]) and t.loc["L2", "sal"] == pd.Timestamp("2024-01-25")
    # L4 has an opportunity without an SQL date: it passed SQL, at the opportunity time
    assert bool(t.loc["L4", "reached_sql"]) and t.loc["L4", "sql"] == pd.Timestamp("2024-12-01")
    assert t["reached_won"].tolist() == [True, False, False, False, False, False]
    assert t.loc["L1", "won_amount"] == 30_000.0 and t.loc["L2", "won_amount"] == 0.0
    assert t.loc["L1", "won"] == pd.Timestamp("2024-03-01")


def test_available_stages_say_what_is_missing():
    leads, opps = fixture_org()
    kept, skipped = rv.available_stages(leads.drop(columns=["sal_at"]), opps, ["inquiry", "mql", "sal", "sql", "opportunity", "won"])
    assert kept == ["inquiry", "mql", "sql", "opportunity", "won"]
    assert skipped == {"sal": "leads.sal_at is missing or empty"}
    assert "SALs" in rv.skipped_sentence(skipped)
    assert rv.skipped_sentence({}, ["inquiry", "won"]) == ""
    deals_only = rv.skipped_sentence({"sal": "leads.sal_at is missing or empty"}, ["opportunity", "won"])
    assert deals_only.startswith("The plan works back from won deals to opportunities only")
    assert "Inquiries (not tracked" in deals_only and "SALs (leads.sal_at" in deals_only
    # opportunities not linked to leads: only the deal stages remain (as in a deals-only export)
    kept, skipped = rv.available_stages(leads, opps.drop(columns=["lead_id"]), ["inquiry", "mql", "opportunity", "won"])
    assert kept == ["opportunity", "won"] and set(skipped) == {"inquiry", "mql"}
    with pytest.raises(ValueError, match="won deals"):
        rv.available_stages(leads, None, ["inquiry", "won"])
