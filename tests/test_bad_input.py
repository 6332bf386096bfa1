"""Every bad input of the data contract: one clear message, input files untouched.

Fatal problems raise ``DataError`` (``check`` exits non-zero); reported problems are
counted with example lines and only fail with ``strict``. Each message names the file,
the column or org.yml key, and the file's own line numbers (header = line 1).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from helpers.core import paths
from helpers.core.config import ConfigError
from helpers.data import DataError, check_org, load_org

BASIC = Path(__file__).parent / "fixtures" / "load" / "basic"
FIXTURES = Path(__file__).parent / "fixtures" / "load"


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def org(tmp_path) -> Path:
    dst = tmp_path / "org"
    shutil.copytree(BASIC, dst)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_config(org: Path, change) -> None:
    cfg = yaml.safe_load((org / "org.yml").read_text(encoding="utf-8"))
    change(cfg)
    (org / "org.yml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")


def fatal(org: Path) -> DataError:
    """Load ``org`` expecting a fatal error; check the input folder is unchanged and the
    check report shows the same message without a traceback."""
    before = snapshot(org)
    with pytest.raises(DataError) as exc:
        load_org(org)
    report = check_org(org)
    assert report.exit_code == 1 and report.error == str(exc.value)
    assert "Traceback" not in report.to_text()
    assert snapshot(org) == before
    return exc.value


# --------------------------------------------------------------------------- fatal


def test_missing_required_column(org):
    edit(org / "activities.csv", "lead_id,occurred_at", "person,occurred_at")
    err = fatal(org)
    msg = str(err)
    assert "activities.csv" in msg and "'lead_id'" in msg and "columns.activities.lead_id" in msg
    assert err.lines == [1] and err.column == "lead_id"


def test_mapped_column_not_in_file(org):
    edit(org / "leads.csv", "Lead ID,Created", "LeadID,Created")
    err = fatal(org)
    assert "leads.csv" in str(err) and "'Lead ID'" in str(err) and "columns.leads.lead_id" in str(err)
    assert "Did you mean 'LeadID'" in str(err)
    assert err.key == "columns.leads.lead_id" and err.lines == [1]


def test_wrong_type_in_numeric_column(org):
    edit(org / "spend.csv", "2024-02-01,paid,1700", "2024-02-01,paid,about 1700")
    err = fatal(org)
    msg = str(err)
    assert "spend.csv" in msg and "column 'amount'" in msg and "line 4" in msg and "'about 1700'" in msg
    assert err.file == "spend.csv" and err.column == "amount" and err.lines == [4]


def test_text_in_amount_with_decimal_comma_hint(org):
    edit(org / "opportunities.csv", "Ann Smith,8,0.6", 'Ann Smith,"8,75",0.6')
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "Amount (kEUR)" in str(err) and err.lines == [3]
    assert 'decimal: ","' in str(err) and err.key == "files.opportunities.decimal"


def test_unparsable_date(org):
    edit(org / "activities.csv", "102,2024-01-13 09:00", "102,13th of January")
    err = fatal(org)
    assert "activities.csv" in str(err) and "'occurred_at'" in str(err) and err.lines == [4]
    assert "date_formats.activities.occurred_at" in str(err)


def test_impossible_date(org):
    edit(org / "opportunities.csv", "O3,Closed Lost,2024-01-20,2024-02-01", "O3,Closed Lost,2024-01-20,2024-02-30")
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "closed_at" in str(err) and "impossible" in str(err)
    assert err.lines == [4]


def test_date_not_matching_declared_format(org):
    edit_config(org, lambda c: c.setdefault("date_formats", {}).setdefault("plan", {}).update(period="%d/%m/%Y"))
    err = fatal(org)
    assert "plan.csv" in str(err) and "'%d/%m/%Y'" in str(err) and err.lines == [2, 3]
    assert err.key == "date_formats.plan.period"


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


def test_empty_file(org):
    (org / "plan.csv").write_bytes(b"")
    err = fatal(org)
    assert "plan.csv" in str(err) and "empty" in str(err) and err.key == "files.plan"


def test_header_only_file(org):
    (org / "spend.csv").write_text("month,channel,amount\n")
    err = fatal(org)
    assert "spend.csv" in str(err) and "no data rows" in str(err)


def test_file_not_found(org):
    (org / "activities.csv").rename(org / "activity.csv")
    err = fatal(org)
    assert "activities.csv" in str(err) and "files.activities.path" in str(err)
    assert "Did you mean 'activity.csv'" in str(err)


def test_unknown_org_yml_key(org):
    edit(org / "org.yml", "hash_columns:", "hash_colums:")
    err = fatal(org)
    assert isinstance(err, ConfigError)
    assert "unknown key 'hash_colums'" in str(err) and "Did you mean 'hash_columns'" in str(err)
    assert "org.yml" in str(err)


def test_mistyped_nested_key(org):
    edit(org / "org.yml", "spend: {path: spend.csv}", "spend: {path: spend.csv, delimeter: ';'}")
    err = fatal(org)
    assert "files.spend.delimeter" in str(err) and "Did you mean 'delimiter'" in str(err)


def test_wrong_type_of_key(org):
    edit(org / "org.yml", "amount: 1000", "amount: a thousand")
    err = fatal(org)
    assert "scales.opportunities.amount" in str(err)


def test_key_naming_no_column(org):
    edit(org / "org.yml", "    source:\n      Google Ads", "    sourcee:\n      Google Ads")
    err = fatal(org)
    assert "values.leads.sourcee" in str(err) and "Did you mean 'source'" in str(err)
    assert err.key == "values.leads.sourcee"


def test_path_escaping_org_folder(org, tmp_path):
    (tmp_path / "secret.csv").write_text("lead_id\n1\n")
    edit(org / "org.yml", "leads: {path: leads.csv}", "leads: {path: ../secret.csv}")
    err = fatal(org)
    assert isinstance(err, paths.PathEscapeError)
    assert "files.leads.path" in str(err) and "outside" in str(err)
    edit(org / "org.yml", "../secret.csv", str(tmp_path / "secret.csv"))
    err = fatal(org)
    assert "absolute path" in str(err)


def test_latin1_read_as_utf8_then_loads_with_encoding(org):
    (org / "accounts.csv").write_bytes(
        "account_id,name,industry,sic_code,annual_revenue,employees,country\n"
        "A1,Acme,Software,7372,1200000,250,US\n"
        "A2,Société Générale,Banking,6021,300000,40,FR\n"
        "A3,Gamma,Health,8062,,900,DE\n".encode("latin-1")
    )
    err = fatal(org)
    msg = str(err)
    assert "accounts.csv" in msg and "line 3" in msg and "column 'name'" in msg
    assert "encoding: latin-1" in msg and err.key == "files.accounts.encoding"
    edit(org / "org.yml", "accounts: {path: accounts.csv}", "accounts: {path: accounts.csv, encoding: latin-1}")
    data = load_org(org)
    assert data.accounts["name"][1] == "Société Générale"


def test_french_excel_csv_semicolons_and_decimal_commas(org):
    src = FIXTURES / "spend_fr.csv"
    shutil.copy(src, org / "spend.csv")
    err = fatal(org)
    msg = str(err)
    assert "spend.csv" in msg and "line 1" in msg
    assert 'delimiter: ";"' in msg and 'decimal: ","' in msg and "files.spend" in msg
    edit(org / "org.yml", "spend: {path: spend.csv}", "spend: {path: spend.csv, delimiter: ';', decimal: ','}")
    data = load_org(org)
    assert data.spend["amount"].tolist() == [1500.25, 200.5, 1700.0]
    assert data.spend["channel"].tolist() == ["paid", "other", "paid"]


def test_ragged_row(org):
    edit(org / "plan.csv", "2024-02-01,25000", "2024-02-01,25000,extra")
    err = fatal(org)
    assert "plan.csv" in str(err) and "line 3" in str(err) and "3 fields where the header has 2" in str(err)


def test_unknown_outcome_label(org):
    edit(org / "opportunities.csv", "O2,Open,", "O2,Pending,")
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "'Pending'" in str(err) and "values.opportunities.outcome" in str(err)
    assert err.lines == [3]


def test_several_problems_reported_together(org):
    edit(org / "spend.csv", "2024-02-01,paid,1700", "2024-02-01,paid,x")
    edit(org / "plan.csv", "2024-02-01,25000", "2024-02-31,25000")
    err = fatal(org)
    assert "2 problems" in str(err) and "spend.csv" in str(err) and "plan.csv" in str(err)
    assert len(err.errors) == 2


# --------------------------------------------------------------------------- reported (exit 0 unless strict)


def _reported(org: Path, kind: str):
    before = snapshot(org)
    report = check_org(org)
    assert report.exit_code == 0 and report.ok
    strict = check_org(org, strict=True)
    assert strict.exit_code == 1
    assert snapshot(org) == before
    (issue,) = [i for i in report.issues if i.kind == kind]
    assert issue.message in report.to_text().replace("\n   ", " ") or issue.kind in report.to_text()
    return issue


def test_orphan_foreign_key_is_reported(org):
    edit(org / "activities.csv", "104,2024-03-06", "999,2024-03-06")
    issue = _reported(org, "orphan_key")
    assert issue.file == "activities.csv" and issue.column == "lead_id" and issue.lines == [5]
    assert "'999'" in issue.message and "activities.csv" in issue.message


def test_stage_timestamps_backwards_are_reported(org):
    edit(org / "leads.csv", "2024-01-13 08:00,,,No", "2024-01-11 08:00,,,No")
    issue = _reported(org, "stage_order")
    assert issue.file == "leads.csv" and issue.column == "mql_at" and issue.lines == [3]
    assert "created_at" in issue.message and "column 'mql_at'" in issue.message


def test_negative_amount_is_reported(org):
    edit(org / "spend.csv", "2024-01-01,other,200.5", "2024-01-01,other,-200.5")
    issue = _reported(org, "negative_amount")
    assert issue.file == "spend.csv" and issue.column == "amount" and issue.lines == [3] and issue.count == 1
