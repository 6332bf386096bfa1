"""The sign-off sheet restates icp.yml, mql_definition.yml and sla.yml, with their evidence,
and says which agreement is missing."""

from __future__ import annotations

import pytest

from helpers import meeting


@pytest.fixture(scope="module")
def sheet(case):
    return case, meeting.signoff_from_report(case.report)


def test_sheet_restates_the_three_agreements(sheet):
    case, s = sheet
    icp, mql = case.inputs.icp, case.inputs.mql
    assert s.org == case.inputs.name
    assert s.icp["rule"] == icp["rule"]["text"]
    ev = icp["rule"]["evidence"]
    assert (
        f"{ev['opportunities']} closed deals inside the rule won {ev['win_rate']:.0%}"
        in (s.icp["evidence"])
    )
    assert s.mql["kind"] == "points"
    assert s.mql["threshold_points"] == mql["threshold_points"]
    points = [b["points"] for f in mql["features"] for b in f["bins"]]
    assert [b["points"] for f in s.mql["features"] for b in f["bins"]] == points
    sides = [t["side"] for t in s.sla]
    assert sides == ["Marketing", "Marketing", "Sales", "Sales"]
    assert f"at least {case.truths['funnel']['touches_plateau']} touches" in s.sla[3]["term"]
    assert s.missing == {}


def test_rendered_sheet_has_the_signature_lines(sheet):
    case, s = sheet
    html = meeting.render_signoff(s)
    for role in ("Head of marketing", "Head of sales", "CEO"):
        assert role in html
    assert f"points reach {case.inputs.mql['threshold_points']}" in html
    assert "final call on the ideal customer" in html


def test_missing_agreements_are_named():
    s = meeting.signoff_sheet(None, None, None, org="Acme")
    assert s.icp is None and s.mql is None and s.sla is None
    assert "run module 01" in s.missing["icp"] and "run module 04" in s.missing["mql"]
    html = meeting.render_signoff(s)
    assert "icp.yml is missing" in html


def test_below_the_gate_the_agreed_rule_is_signed():
    mql = {
        "definition": "A lead is an MQL when it meets every agreed rule below.",
        "rule": "ICP tier in {A, B} and at least 2 marketing touches",
        "why_rules": "Only 400 labelled leads (minimum 1,000).",
        "label": "Label: ...",
    }
    s = meeting.signoff_sheet(None, mql, None, org="Acme")
    assert s.mql["kind"] == "rule"
    html = meeting.render_signoff(s)
    assert "at least 2 marketing touches" in html and "Only 400 labelled leads" in html


def test_text_from_the_data_is_escaped():
    icp = {"rule": {"text": "<script>alert(1)</script>", "conditions": [], "evidence": {}}}
    html = meeting.render_signoff(meeting.signoff_sheet(icp, None, None, org="A & B <Corp>"))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "A &amp; B &lt;Corp&gt;" in html
