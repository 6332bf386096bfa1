"""helpers.revenue.claims: the published claims, their sources and grades."""

from __future__ import annotations

from helpers import revenue as rv


def test_claims_ledger_grades_and_sources():
    led = rv.claims_ledger().set_index("claim")
    art = led[led["where_seen"].str.contains("seed article")]
    assert sorted(art["figure"].tolist()) == [0.15, 0.19]
    assert (art["grade"] == "D").all() and not art["primary_source_found"].any()
    assert set(led["attributed_to"]) == {"SiriusDecisions", "Aberdeen Group", "IDC"}
    assert (led.loc[led["attributed_to"] != "SiriusDecisions", "grade"] == "C").all()
    assert rv.claims_ledger(idc_cost=0.2).set_index("attributed_to").loc["IDC", "figure"] == 0.2
