"""helpers/data/datacheck.py on tiny hand-made tables (numbers computable by hand)."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from data_fixtures import ts

from helpers.core import paths
from helpers.data import datacheck as dc
from helpers.data import load_org
from helpers.data.readiness import assess

TINY_ORG = paths.REPO_ROOT / "tests" / "runner" / "fixtures" / "org"

ISSUES = [
    {
        "kind": "stage_order",
        "table": "leads",
        "column": "sal_at",
        "count": 1,
        "lines": [2],
        "file": "leads.csv",
        "message": "one lead goes backwards",
    },
    {
        "kind": "orphan_key",
        "table": "opportunities",
        "column": "lead_id",
        "count": 1,
        "lines": [4],
        "file": "opps.csv",
        "message": "an orphan",
    },
    {
        "kind": "orphan_key",
        "table": "leads",
        "column": "account_id",
        "count": 2,
        "lines": [3, 5],
        "file": "leads.csv",
        "message": "two orphans",
    },
]


def test_tables_of_accepts_mapping_and_object(tables):
    assert set(dc.tables_of(tables)) == {
        "accounts",
        "leads",
        "activities",
        "opportunities",
        "spend",
        "plan",
    }
    obj = SimpleNamespace(**tables)
    assert dc.tables_of(obj)["leads"] is tables["leads"]
    assert dc.tables_of(obj)["spend"] is None


def test_table_overview(tables):
    ov = dc.table_overview(tables).set_index("table")
    assert ov.loc["leads", "present"] and ov.loc["leads", "rows"] == 4
    assert (
        ov.loc["leads", "columns_found"]
        == "lead_id, created_at, account_id, job_title, mql_at, sal_at"
    )
    assert "source" in ov.loc["leads", "columns_missing"]
    assert ov.loc["leads", "features"] == "budget"
    assert not ov.loc["spend", "present"] and ov.loc["spend", "rows"] == 0
    # a column present but empty counts as missing
    assert "employees" in ov.loc["accounts", "columns_found"]
    assert dc.row_counts(tables) == {"accounts": 2, "leads": 4, "opportunities": 3}


def test_missing_values(tables):
    mv = dc.missing_values(tables).set_index(["table", "column"])
    assert mv.loc[("leads", "created_at"), "missing"] == 1
    assert mv.loc[("leads", "created_at"), "missing_share"] == pytest.approx(0.25)
    assert mv.loc[("leads", "mql_at"), "missing_share"] == pytest.approx(0.5)
    assert mv.loc[("leads", "budget"), "kind"] == "feature"
    assert mv.loc[("leads", "lead_id"), "kind"] == "id"
    assert mv.loc[("accounts", "employees"), "missing_share"] == pytest.approx(0.5)


def test_date_ranges_and_period(tables):
    dr = dc.date_ranges(tables).set_index(["table", "column"])
    assert dr.loc[("leads", "created_at"), "first"] == "2024-01-10"
    assert dr.loc[("leads", "created_at"), "last"] == "2024-03-05"
    assert dr.loc[("leads", "created_at"), "filled"] == 3
    assert dr.loc[("leads", "sal_at"), "missing_share"] == pytest.approx(0.5)
    assert dc.data_period(tables) == ("2023-12-01", "2024-04-30")
    no_dates = {"leads": pd.DataFrame({"lead_id": ["L1"]})}
    assert dc.data_period(no_dates) == (None, None)


def test_data_period_ignores_plan_and_spend(tables):
    plan = pd.DataFrame({"period": ts("2030-01-01"), "revenue_target": [1.0]})
    assert dc.data_period({**tables, "plan": plan})[1] == "2024-04-30"


def test_leads_per_month_fills_gaps_and_flags_partial_months(leads):
    monthly = dc.leads_per_month(leads)
    assert monthly["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert monthly["leads"].tolist() == [2, 0, 1]
    # data runs from Jan 10 to Mar 5: January and March are only partly covered
    assert monthly["partial"].tolist() == [True, False, True]


def test_leads_per_month_full_months_are_not_partial():
    leads = pd.DataFrame({"created_at": ts("2024-01-01 08:00", "2024-02-29 17:00")})
    assert dc.leads_per_month(leads)["partial"].tolist() == [False, False]


def test_leads_per_month_without_dates_is_an_error():
    with pytest.raises(ValueError, match="no 'created_at' dates"):
        dc.leads_per_month(pd.DataFrame({"lead_id": ["L1"], "created_at": [pd.NaT]}))


def test_issue_table_and_counts():
    t = dc.issue_table(ISSUES)
    assert t["kind"].tolist() == ["orphan_key", "orphan_key", "stage_order"]
    assert t["count"].tolist() == [2, 1, 1]
    assert t.loc[0, "example_lines"] == "3, 5"
    assert dc.issue_counts(ISSUES) == {"orphan_key": 3, "stage_order": 1}
    assert dc.issue_counts(t) == {"orphan_key": 3, "stage_order": 1}
    assert dc.issue_table([]).columns.tolist()[:4] == ["kind", "table", "column", "count"]
    assert dc.issue_counts([]) == {}


def test_issue_rows_stage_order(tables):
    rows = dc.issue_rows(tables, "stage_order", "leads", "sal_at")
    assert rows["lead_id"].tolist() == ["L1"]  # sal 01-09 before created 01-10 and mql 01-11
    assert rows.columns.tolist() == ["lead_id", "created_at", "mql_at", "sal_at"]
    assert rows.attrs["total"] == 1
    rows = dc.issue_rows(tables, "stage_order", "leads", "mql_at")
    assert rows["lead_id"].tolist() == ["L2"]  # mql 01-19 before created 01-20


def test_issue_rows_other_kinds(tables):
    orphans = dc.issue_rows(tables, "orphan_key", "opportunities", "lead_id")
    assert orphans["opportunity_id"].tolist() == ["O3"]
    acc = dc.issue_rows(tables, "orphan_key", "leads", "account_id")
    assert acc["account_id"].tolist() == ["A9"]
    neg = dc.issue_rows(tables, "negative_amount", "opportunities", "amount")
    assert neg["amount"].tolist() == [-50.0]
    closed_early = dc.issue_rows(tables, "stage_order", "opportunities", "closed_at")
    assert closed_early["opportunity_id"].tolist() == ["O2"]
    won_early = dc.issue_rows(tables, "won_before_lead", "opportunities", "closed_at")
    assert won_early.empty  # O1 closes after L1 was created; O3's lead is unknown
    assert dc.issue_rows(tables, "stale_open_lead", "leads", "created_at").empty
    assert dc.issue_rows(tables, "stage_order", "spend", "month").empty


def test_issue_rows_agree_with_the_loader(tmp_path):
    """Example rows are recomputed; their totals match the loader's reported counts."""
    org = tmp_path / "org"
    shutil.copytree(TINY_ORG, org)
    leads = (org / "leads.csv").read_text()
    leads = leads.replace(
        "L3,2024-02-03,A2,webinar,VP Sales,2024-02-04,2024-02-05",
        "L3,2024-02-03,A2,webinar,VP Sales,2024-02-04,2024-02-01",
    )
    leads = leads.replace("L5,2024-03-01,A3", "L5,2024-03-01,A7")
    (org / "leads.csv").write_text(leads)
    opps = (
        (org / "opportunities.csv")
        .read_text()
        .replace(
            "O2,L3,A2,lost,2024-02-10,2024-03-30,8000", "O2,L9,A2,lost,2024-02-10,2024-01-30,-8000"
        )
    )
    (org / "opportunities.csv").write_text(opps)
    data = load_org(org)
    kinds = {(i.kind, i.table, i.column) for i in data.issues}
    assert {
        ("stage_order", "leads", "sal_at"),
        ("orphan_key", "leads", "account_id"),
        ("orphan_key", "opportunities", "lead_id"),
        ("negative_amount", "opportunities", "amount"),
        ("stage_order", "opportunities", "closed_at"),
    } <= kinds
    for issue in data.issues:
        rows = dc.issue_rows(data, issue.kind, issue.table, issue.column)
        if issue.kind in {"stage_order", "orphan_key", "negative_amount"}:
            assert rows.attrs["total"] == issue.count, issue.message


def test_personal_data_table():
    data = SimpleNamespace(
        leads=pd.DataFrame({"owner_id": ["h1", None, "h2"], "notes": ["x", "y", "z"]}),
        source_files={
            "leads": SimpleNamespace(
                mapped={"owner_id": "Owner", "notes": "Notes"},
                hashed=["owner_id"],
                dropped_personal={"contact": "Contact Name"},
                columns_in_file=["Owner", "Notes", "Contact Name", "Email"],
            )
        },
        pii=[
            SimpleNamespace(
                table="leads",
                column="notes",
                source_column="Notes",
                kind="email",
                count=2,
                lines=[3, 7],
            )
        ],
    )
    pdt = dc.personal_data(data)
    got = {(r.treatment, r.source_column): r for r in pdt.itertuples()}
    assert got[("keyed hash", "Owner")].rows == 2
    assert ("dropped", "Contact Name") in got
    assert got[("emails removed", "Notes")].rows == 2
    assert got[("emails removed", "Notes")].example_lines == "3, 7"
    assert ("not loaded", "Email") in got
    assert len(pdt) == 4


def test_personal_data_found_in_free_text_by_the_loader(tmp_path):
    org = tmp_path / "org"
    shutil.copytree(TINY_ORG, org)
    lines = (org / "leads.csv").read_text().splitlines()
    lines[0] += ",comment"
    lines[1] += ",call back at jane.doe@example.com"
    lines[2:] = [line + ",fine" for line in lines[2:]]
    (org / "leads.csv").write_text("\n".join(lines) + "\n")
    cfg = yaml.safe_load((org / "org.yml").read_text())
    cfg["columns"] = {"leads": {"comment": "comment"}}
    (org / "org.yml").write_text(yaml.safe_dump(cfg))
    pdt = dc.personal_data(load_org(org))
    hit = pdt[pdt["treatment"] == "emails removed"]
    assert hit["source_column"].tolist() == ["comment"] and hit["rows"].tolist() == [1]
    assert hit["example_lines"].tolist() == ["2"]


def test_key_figures(tables):
    readiness = assess(tables)
    figures = dc.key_figures(SimpleNamespace(**tables, issues=ISSUES), readiness)
    assert figures["rows"] == {"accounts": 2, "leads": 4, "opportunities": 3}
    assert (figures["date_from"], figures["date_to"]) == ("2023-12-01", "2024-04-30")
    assert figures["issues"] == {"orphan_key": 3, "stage_order": 1} and figures["issues_total"] == 4
    assert figures["modules_runnable"] == ["00_data_check", "01_icp", "02_funnel", "03_revenue", "04_mql"]
    assert figures["modules_not_runnable"] == [] and figures["modules_skipped"] == {}
    # sections the data cannot feed are named with their sentence
    assert "02_funnel.speed_to_lead" in figures["sections_skipped"]
    assert "03_revenue.economics" in figures["sections_skipped"]


PADDED_DEALS = {
    "name": "Padded deals",
    "files": {"opportunities": {"path": "deals.csv"}, "leads": {"from": "opportunities"}},
    "columns": {
        "opportunities": {"opportunity_id": "Id", "outcome": "Stage", "created_at": "Created",
                          "closed_at": "Closed", "amount": "Amount"},
        "leads": {"source": "Source"},
    },
    "values": {"opportunities": {"outcome": {"Won": "won", "Lost": "lost"}}},
}
PADDED_CSV = "Id, Stage ,Created,Closed, Amount , Source \nD1,Won,2024-01-05,2024-02-01,100,Web\n"


def test_load_notes_says_each_file_once(tmp_path):
    from data_fixtures import make_org

    # one file feeds two tables (leads: from opportunities): its note is said once
    data = load_org(make_org(tmp_path, PADDED_DEALS, {"deals.csv": PADDED_CSV}))
    note = ("deals.csv: 3 column names had spaces around them and were trimmed "
            "(' Stage ', ' Amount ', ' Source ').")
    assert data.source_files["leads"].notes == data.source_files["opportunities"].notes == [note]
    assert dc.load_notes(data) == [note]
    # a notebook's data (load_for_notebook) keeps them: loaded, then read back as stored
    from helpers.data import load_for_notebook

    for _ in ("loaded and stored", "read from the stored tables"):
        assert dc.load_notes(load_for_notebook(tmp_path / "org", tmp_path / "out")) == [note]
    # clean headers, or plain tables (nothing read from files): nothing to say
    assert dc.load_notes(load_org(TINY_ORG)) == []
    assert dc.load_notes({"leads": data.leads}) == []
