"""helpers/data/check.py: the report of ``alignment-edge check``."""

from __future__ import annotations

from data_fixtures import BASIC, leads_only, make_org

from helpers.data import check_org


def test_check_report_text(tmp_path):
    rep = check_org(BASIC)
    assert rep.ok and rep.exit_code == 0
    text = rep.to_text()
    assert "leads          5 rows from leads.csv" in text
    assert "opportunities" in text and "(dates only)" in text
    assert "leads.csv, column 'Notes'" in text and "line 5" in text
    assert "dropped" in text and "email <- 'Email'" in text
    assert "Result: OK" in text
    d = rep.to_dict()
    assert d["tables"]["leads"]["rows"] == 5 and d["ok"]


def test_check_report_on_fatal(tmp_path):
    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id\n1\n1\n"})
    rep = check_org(org)
    assert not rep.ok and rep.exit_code == 1
    assert "FAILED" in rep.to_text() and "lines 2, 3" in rep.to_text()
