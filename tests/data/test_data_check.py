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


def test_check_names_the_org_even_when_it_fails(tmp_path):
    org = make_org(tmp_path, {**leads_only(), "name": "Acme Export"}, {"leads.csv": "lead_id\n1\n1\n"})
    assert check_org(org).to_text().startswith("Data check: Acme Export (")
    (org / "org.yml").write_text("name: [unclosed\n")
    assert check_org(org).to_text().startswith("Data check: ? (")


def test_check_lists_modules_and_sections(tmp_path):
    rep = check_org(BASIC)
    text = rep.to_text()
    assert "Modules (run or skip, by section)" in text
    assert "  02_funnel_leakage    run (" in text
    assert rep.to_dict()["readiness"]["modules_runnable"][0] == "00_data_check"
    thin = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,job_title\nL1,CTO\n"})
    text = check_org(thin).to_text()
    assert "  03_revenue_growth    skip\n      The revenue module is skipped:" in text
    assert "Result: OK" in text  # skips are not failures


def test_a_file_feeding_two_tables_is_noted_once(tmp_path):
    from test_data_datacheck import PADDED_CSV, PADDED_DEALS

    from helpers.data import datacheck, load_org

    org = make_org(tmp_path, PADDED_DEALS, {"deals.csv": PADDED_CSV})
    text = check_org(org).to_text()
    note = datacheck.load_notes(load_org(org))[0]
    assert text.count(note) == 1, text  # under leads, the first table the file feeds
    assert text.index(note) < text.index("  opportunities  1 row from deals.csv")
