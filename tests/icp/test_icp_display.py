"""What the notebook shows: notes, rounded tables, one-sentence readings (helpers/icp/display.py)."""

from __future__ import annotations

import pytest
from icp_fixtures import planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_sample_note_only_when_too_few_outcomes(planted):
    _, _, inp, _, _, _ = planted
    assert icp.sample_note(inp, min_n=30) is None
    note = icp.sample_note(inp, min_n=len(inp.deals))
    assert note.startswith(f"Only {len(inp.deals):,} closed outcomes") and "no segment" in note


def test_dimension_note_names_the_missing_data(planted):
    _, _, inp, _, _, _ = planted
    assert icp.dimension_note(inp, ["sic_major_group", "industry"]) is None
    note = icp.dimension_note(inp, ["sic_code"])
    assert note.startswith("Section skipped: accounts has no sic_code values")


def test_tables_for_display(planted):
    _, _, inp, model, tables, _ = planted
    bands = icp.table_for(tables, "employee_band")
    assert set(bands["dimension"]) == {"employee_band"} and bands.index[0] == 0
    shown = icp.show_table(tables, "industry", n=2)
    assert shown.index.name == "Industry" and len(shown) == 2
    assert (
        "segment" not in shown.columns and (shown["win_rate"] == shown["win_rate"].round(3)).all()
    )
    top = icp.show_top(icp.top_segments(tables))
    assert list(top.columns) == [
        "dimension",
        "segment",
        "opportunities",
        "win_rate",
        "ci_low",
        "ci_high",
        "lift",
    ]
    assert "Employees" in set(top["dimension"])
    evidence = icp.show_evidence(model)
    assert set(evidence["dimension"]) == {"Industry", "Employees", "Seniority"}
    assert (evidence["odds ratio"] > 1).all()


def test_readings_of_the_model(planted):
    accounts, _, inp, model, _, art = planted
    assert set(icp.icp_segments(model)) == {"P", "Q", "201-500", "501-1,000", "C-level"}
    assert icp.describe_personas(model) == "seniority in {C-level}; no function stands out"
    assert icp.heatmap_pair(inp) == ("industry", "employee_band")
    ev = art["rule"]["evidence"]
    assert icp.rule_point(art) == (ev["leads_share"], ev["win_rate"])
    counts = icp.tier_counts(icp.assign_tiers(accounts, art))
    assert list(counts) == list(icp.TIERS) and sum(counts.values()) == 70
    assert icp.tier_counts(None) == {}
    sentence = icp.tier_sentence(counts)
    assert sentence.startswith("Of the 70 accounts, ") and "{" not in sentence
    assert all(f" in tier {tier}" in sentence for tier in counts)


def test_tier_sentence_reads_as_a_sentence():
    assert icp.tier_sentence({"A": 18, "B": 131, "C": 251, "D": 0}) == (
        "Of the 400 accounts, 18 are in tier A, 131 in tier B, 251 in tier C and none in tier D."
    )
    assert icp.tier_sentence({"A": 1, "B": 1, "C": 0, "D": 1_200}) == (
        "Of the 1,202 accounts, 1 is in tier A, 1 in tier B, none in tier C and 1,200 in tier D."
    )
    assert icp.tier_sentence({"A": 0, "B": 0, "C": 1, "D": 0}) == "The one account is in tier C."
    assert icp.tier_sentence(icp.tier_counts(None)) == "There are no accounts to give tiers to."


def test_title_examples(planted):
    _, leads, _, _, _, _ = planted
    t = icp.title_examples(leads, n=2)
    assert list(t.columns) == ["job_title", "leads", "seniority", "function"] and len(t) == 2
    assert t["leads"].tolist() == [700, 700]
    assert icp.title_examples(leads.drop(columns="job_title")).empty
