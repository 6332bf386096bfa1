"""helpers/data/validation.py: fatal checks (required values, unique ids) and reported problems."""

from __future__ import annotations

import shutil

import pytest
from data_fixtures import BASIC, edit, fatal, leads_only, make_org, reported

from helpers.data import DataError, load_org


def test_missing_required_column(org):
    edit(org / "activities.csv", "lead_id,occurred_at", "person,occurred_at")
    err = fatal(org)
    msg = str(err)
    assert "activities.csv" in msg and "'lead_id'" in msg and "columns.activities.lead_id" in msg
    assert err.lines == [1] and err.column == "lead_id"


def test_duplicate_ids(org):
    edit(org / "accounts.csv", "A3,Gamma", "A1,Gamma")
    err = fatal(org)
    msg = str(err)
    assert "accounts.csv" in msg and "account_id" in msg and "lines 2, 4" in msg and "'A1'" in msg
    assert err.lines == [2, 4]


def test_duplicate_ids_after_normalising(org):
    # "103.0" is the id 103: a second "103" is a duplicate
    edit(org / "leads.csv", "105,2024-07-01", "103,2024-07-01")
    err = fatal(org)
    assert "leads.csv" in str(err) and "'Lead ID'" in str(err) and err.lines == [4, 7]


def test_no_issues_on_clean_org(basic):
    assert basic.issues == []


def test_reported_problems_have_counts_and_lines(tmp_path):
    shutil.copytree(BASIC, tmp_path / "org")
    org = tmp_path / "org"
    leads = (org / "leads.csv").read_text()
    leads = leads.replace("2024-01-12 14:30,A2", "2024-01-12 14:30,A9")  # orphan account
    leads = leads.replace("2024-01-12 10:00,2024-01-15", "2024-01-10 08:00,2024-01-15")  # sal before mql
    (org / "leads.csv").write_text(leads)
    opps = (org / "opportunities.csv").read_text().replace(",3.25,", ",-3.25,")
    opps = opps.replace("O1,Closed Won,2024-01-16,2024-02-20", "O1,Closed Won,2024-01-01,2024-01-05")
    (org / "opportunities.csv").write_text(opps)
    data = load_org(org)
    kinds = {(i.kind, i.table, i.column): i for i in data.issues}
    orphan = kinds[("orphan_key", "leads", "account_id")]
    assert orphan.count == 1 and orphan.lines == [3] and orphan.file == "leads.csv" and "'A9'" in orphan.message
    order = kinds[("stage_order", "leads", "sal_at")]
    assert order.lines == [2] and "mql_at" in order.message
    neg = kinds[("negative_amount", "opportunities", "amount")]
    assert neg.lines == [4] and "Amount (kEUR)" in neg.message
    won = kinds[("won_before_lead", "opportunities", "closed_at")]
    assert won.lines == [2] and won.count == 1
    with pytest.raises(DataError, match="--strict"):
        load_org(org, strict=True)


def test_stale_open_leads(tmp_path):
    cfg = leads_only({"parameters": {"horizon_days": 30}, "columns": {"leads": {"converted": "won"}}})
    org = make_org(tmp_path, cfg, {
        "leads.csv": "lead_id,created_at,mql_at,won,disqualified_at\n1,2024-01-01,2024-01-02,no,\n"
                     "2,2024-01-02,2024-01-02,yes,\n3,2024-01-03,2024-01-04,no,2024-01-20\n"
                     "4,2024-03-01,2024-03-01,no,\n5,2024-01-01,,no,\n",
    })
    # 1 is qualified, open and old; 2 converted, 3 disqualified, 4 recent, 5 never qualified
    data = load_org(org)
    (issue,) = data.issues
    assert issue.kind == "stale_open_lead" and issue.count == 1 and issue.lines == [2]
    assert "30 days" in issue.message


def test_orphan_foreign_key_isreported(org):
    edit(org / "activities.csv", "104,2024-03-06", "999,2024-03-06")
    issue = reported(org, "orphan_key")
    assert issue.file == "activities.csv" and issue.column == "lead_id" and issue.lines == [5]
    assert "'999'" in issue.message and "activities.csv" in issue.message


def test_stage_timestamps_backwards_arereported(org):
    edit(org / "leads.csv", "2024-01-13 08:00,,,No", "2024-01-11 08:00,,,No")
    issue = reported(org, "stage_order")
    assert issue.file == "leads.csv" and issue.column == "mql_at" and issue.lines == [3]
    assert "created_at" in issue.message and "column 'mql_at'" in issue.message


def test_negative_amount_isreported(org):
    edit(org / "spend.csv", "2024-01-01,other,200.5", "2024-01-01,other,-200.5")
    issue = reported(org, "negative_amount")
    assert issue.file == "spend.csv" and issue.column == "amount" and issue.lines == [3] and issue.count == 1


def test_money_looking_gross_margin_asks_whether_it_is_a_gross_profit(org):
    edit(org / "opportunities.csv", "12.5,0.7", "12.5,8750")
    err = fatal(org)
    msg = str(err)
    assert "opportunities.csv, column 'gross_margin' (opportunities.gross_margin)" in msg
    assert "'8750.0' at line 2" in msg and "not between -1 and 1" in msg
    assert "Did you mean the gross profit amount?" in msg and "opportunities.gross_profit" in msg
    assert err.lines == [2] and err.key == "columns.opportunities.gross_margin"


def test_percent_gross_margin_asks_for_a_scale(org):
    edit(org / "opportunities.csv", "12.5,0.7", "12.5,70")
    edit(org / "opportunities.csv", "8,0.6", "8,60")
    msg = str(fatal(org))
    assert "look like percentages" in msg and "gross_margin: 0.01" in msg and "lines 2, 3" not in msg


def test_negative_counts_are_fatal(tmp_path):
    org = make_org(tmp_path, leads_only({"columns": {"leads": {"sales_touches": "Calls"}}}),
                   {"leads.csv": "lead_id,Calls\nL1,3\nL2,-2\n"})
    err = fatal(org)
    assert "(leads.sales_touches)" in str(err) and "at least 0" in str(err) and err.lines == [3]
    assert "cannot be negative" in str(err)


def test_gross_margin_in_range_and_gross_profit_load(org):
    edit(org / "opportunities.csv", "gross_margin", "gross_profit")
    data = load_org(org)
    assert "gross_profit" in data.opportunities.columns and "gross_margin" not in data.opportunities
