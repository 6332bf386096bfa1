"""helpers.data.load: readers, mapping, types, time zones, hashing, personal data, manifest."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.core import paths
from helpers.data import DataError, OrgData, load, load_org

BASIC = Path(__file__).parent / "fixtures" / "load" / "basic"


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


@pytest.fixture(scope="module")
def basic() -> OrgData:
    with pytest.MonkeyPatch.context() as mp:
        import tempfile

        mp.setattr(paths, "SECRETS", Path(tempfile.mkdtemp()) / "secrets")
        return load_org(BASIC)


def make_org(tmp_path: Path, config: dict, files: dict[str, str | bytes]) -> Path:
    """Write an org folder: org.yml from ``config`` and the given files."""
    org = tmp_path / "org"
    org.mkdir(exist_ok=True)
    (org / "org.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (org / name).write_bytes(data)
    return org


def leads_only(extra: dict | None = None, **spec) -> dict:
    cfg = {"name": "T", "files": {"leads": {"path": "leads.csv", **spec}}}
    cfg.update(extra or {})
    return cfg


# --------------------------------------------------------------------------- the basic org


def test_tables_and_dtypes(basic):
    assert set(basic.tables()) == {"accounts", "leads", "activities", "opportunities", "spend", "plan"}
    leads = basic.leads
    assert leads["lead_id"].tolist() == ["101", "102", "103", "104", "105"]  # "103.0" -> "103"
    assert pd.api.types.is_string_dtype(leads["lead_id"])
    assert leads["created_at"].dtype == "datetime64[ns]"
    assert leads["converted"].dtype == "boolean"
    assert leads["score"].dtype == "float64"
    assert basic.name == "Fixture Org" and basic.currency == "EUR"


def test_timezone_to_naive_utc(basic):
    created = basic.leads["created_at"]
    # Europe/Paris: UTC+1 in winter, UTC+2 in summer
    assert created[0] == pd.Timestamp("2024-01-10 08:00")
    assert created[2] == pd.Timestamp("2024-01-31 23:00")  # local midnight -> previous day UTC
    assert created[4] == pd.Timestamp("2024-07-01 10:00")
    assert created.dt.tz is None


def test_date_only_columns_stay_dates(basic):
    assert basic.date_only["opportunities"] == ["created_at", "closed_at"]
    assert basic.opportunities["created_at"][0] == pd.Timestamp("2024-01-16")
    assert basic.is_date_only("spend", "month")
    assert not basic.is_date_only("leads", "created_at")


def test_column_mapping_features_and_drops(basic):
    leads = basic.leads
    # canonical names map automatically, non-canonical targets are features, the rest is dropped
    assert {"account_id", "source", "job_title", "mql_at"} <= set(leads.columns)
    assert {"notes", "score", "region_code", "person_key"} <= set(leads.columns)
    assert "Lead ID" not in leads.columns and "Email" not in leads.columns
    # "email: Email" looks like personal data and is not hashed: dropped, and said so
    assert "email" not in leads.columns
    assert basic.source_files["leads"].dropped_personal == {"email": "Email"}
    assert leads["region_code"].tolist()[:3] == ["01", "02", "01"]  # leading zeros: text


def test_values_map_with_wildcard_and_case(basic):
    assert basic.leads["source"].tolist()[:4] == ["paid", "paid", "other", "paid"]
    assert pd.isna(basic.leads["source"][4])  # empty stays missing, not '*'
    assert basic.opportunities["outcome"].tolist() == ["won", "open", "lost"]
    assert basic.activities["team"].tolist() == ["marketing", "sales", "sales", "sales"]


def test_booleans_and_empty_cells(basic):
    assert basic.leads["converted"].tolist() == [True, False, False, False, False]


def test_scales_and_sic(basic):
    assert basic.opportunities["amount"].tolist() == [12500.0, 8000.0, 3250.0]
    assert basic.accounts["sic_code"].tolist() == ["7372", "0521", "8062"]


def test_owner_hashed_consistently(basic):
    owners = basic.leads["owner_id"]
    assert owners[0] == owners[2] == owners[3]  # "Ann Smith" and "ann smith"
    assert owners[0] != owners[1]
    assert len(owners[0]) == 16 and "Ann" not in owners[0]
    # the same rep gets the same key in every table
    assert basic.activities["owner_id"][1] == owners[0]
    assert basic.opportunities["owner_id"][0] == owners[0]
    assert basic.source_files["leads"].hashed == ["owner_id", "person_key"]


def test_hash_uses_per_org_secret(tmp_path, monkeypatch):
    s = pd.Series(["Ann Smith", None], dtype="str")
    a = load.keyed_hash(s, b"k" * 32)
    b = load.keyed_hash(s, b"j" * 32)
    assert a[0] != b[0] and pd.isna(a[1])
    key_file = load.secret_key_path("Fixture Org")
    assert key_file.parent == paths.SECRETS and key_file.name == "fixture-org.key"
    k1 = load._secret_key("Fixture Org")
    assert load._secret_key("Fixture Org") == k1 and key_file.is_file()
    assert (key_file.stat().st_mode & 0o777) == 0o600


def test_pii_in_free_text_found_and_redacted(basic):
    found = {(p.column, p.kind): p for p in basic.pii}
    email = found[("notes", "email")]
    assert email.file == "leads.csv" and email.source_column == "Notes"
    assert email.lines == [5]  # lead 104 starts on line 5 (its note spans lines 5-6)
    phone = found[("notes", "phone")]
    assert phone.lines == [3]
    notes = basic.leads["notes"]
    assert notes[1] == "call him on [phone removed]"
    assert "dee@acme.example" not in notes[3] and "[email removed]" in notes[3]


def test_line_numbers_survive_quoted_newlines(tmp_path):
    org = make_org(tmp_path, leads_only({"columns": {"leads": {"sales_touches": "touches"}}}), {
        "leads.csv": 'lead_id,note,touches\n1,"two\nlines",1\n\n2,x,2\n3,y,oops\n',
    })
    with pytest.raises(DataError) as exc:
        load_org(org)
    assert exc.value.lines == [6]  # header 1, row 1 on lines 2-3, blank line 4, row 2 line 5


def test_no_issues_on_clean_org(basic):
    assert basic.issues == []


def test_has(basic):
    assert basic.has("leads", "created_at", "mql_at")
    assert not basic.has("leads", "disqualified_at")
    assert basic.has("opportunities")
    with pytest.raises(ValueError, match="unknown table"):
        basic.has("deals")


# --------------------------------------------------------------------------- readers


def _basic_leads_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "lead_id": [1, 2, 3],
        "created_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 11:00", "2024-01-03 12:00"]),
        "amount_k": [1.5, 2.0, None],
        "vip": [True, False, None],
    })


def test_parquet_reader_reads_typed_columns(tmp_path):
    org = tmp_path / "org"
    org.mkdir()
    df = _basic_leads_frame()
    df["unused"] = "x"
    df.to_parquet(org / "leads.parquet", index=False)
    cfg = leads_only({"columns": {"leads": {"amount_k": "amount_k", "vip": "vip"}}})
    cfg["files"]["leads"]["path"] = "leads.parquet"
    (org / "org.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    data = load_org(org)
    assert data.leads["lead_id"].tolist() == ["1", "2", "3"]
    assert data.leads["created_at"][1] == pd.Timestamp("2024-01-02 11:00")
    assert data.leads["amount_k"].tolist()[:2] == [1.5, 2.0]
    assert "unused" not in data.leads
    assert data.leads["vip"].dtype == "boolean"


def test_parquet_reads_only_needed_columns(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    org = tmp_path / "org"
    org.mkdir()
    df = _basic_leads_frame()
    df["big_unused"] = "x" * 100
    df.to_parquet(org / "leads.parquet", index=False)
    (org / "org.yml").write_text(yaml.safe_dump(leads_only(path="leads.parquet")), encoding="utf-8")
    asked = []
    real = pq.read_table

    def spy(path, columns=None, **kw):
        asked.append(columns)
        return real(path, columns=columns, **kw)

    monkeypatch.setattr(pq, "read_table", spy)
    load_org(org)
    assert asked == [["lead_id", "created_at"]]


def test_excel_reader_with_sheet(tmp_path):
    org = tmp_path / "org"
    org.mkdir()
    df = pd.DataFrame({
        "Lead": [1001.0, 1002.0],
        "Created": pd.to_datetime(["2024-05-01", "2024-05-03"]),
        "SIC": [521, 7372],
    })
    with pd.ExcelWriter(org / "export.xlsx") as xw:
        pd.DataFrame({"a": [1]}).to_excel(xw, sheet_name="Notes", index=False)
        df.to_excel(xw, sheet_name="Leads", index=False)
    cfg = leads_only({"columns": {"leads": {"lead_id": "Lead", "created_at": "Created"}}},
                     path="export.xlsx", sheet="Leads")
    (org / "org.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    data = load_org(org)
    assert data.leads["lead_id"].tolist() == ["1001", "1002"]  # never "1001.0"
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-03")]
    assert data.date_only["leads"] == ["created_at"]

    cfg["files"]["leads"]["sheet"] = "Leadz"
    (org / "org.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with pytest.raises(DataError, match=r"no sheet 'Leadz'.*'Leads'") as exc:
        load_org(org)
    assert exc.value.key == "files.leads.sheet"


def test_excel_row_numbers_in_messages(tmp_path):
    org = tmp_path / "org"
    org.mkdir()
    pd.DataFrame({"lead_id": ["a", "b", "a"]}).to_excel(org / "l.xlsx", index=False)
    (org / "org.yml").write_text(yaml.safe_dump(leads_only(path="l.xlsx")), encoding="utf-8")
    with pytest.raises(DataError, match=r"l\.xlsx.*rows 2, 4") as exc:
        load_org(org)
    assert exc.value.lines == [2, 4]


def test_csv_gz_reader(tmp_path):
    text = "lead_id,created_at\n1,2024-01-01\n2,2024-01-05\n2,2024-01-06\n"
    org = make_org(tmp_path, leads_only(path="leads.csv.gz"), {"leads.csv.gz": gzip.compress(text.encode())})
    with pytest.raises(DataError) as exc:
        load_org(org)
    assert exc.value.lines == [3, 4]
    (org / "leads.csv.gz").write_bytes(gzip.compress(text.replace("2,2024-01-06", "3,2024-01-06").encode()))
    assert load_org(org).leads["lead_id"].tolist() == ["1", "2", "3"]


def test_join_and_where_not_empty(tmp_path):
    cfg = {
        "name": "T",
        "files": {
            "leads": {"path": "mql.csv", "join": [{"path": "deals.csv", "on": "mql_id"}]},
            "opportunities": {"path": "deals.csv"},
        },
        "columns": {
            "leads": {"lead_id": "mql_id", "converted": "won_date", "segment": "segment"},
            "opportunities": {"opportunity_id": "mql_id", "lead_id": "mql_id", "closed_at": "won_date"},
        },
        "constants": {"opportunities": {"outcome": "won"}},
        "values": {"leads": {"converted": {"*": True}}},
    }
    org = make_org(tmp_path, cfg, {
        "mql.csv": "mql_id,origin\nm1,web\nm2,social\nm3,web\n",
        "deals.csv": "mql_id,won_date,segment\nm2,2024-02-01,pets\nm3,bad-date,\n",
    })
    with pytest.raises(DataError) as exc:
        load_org(org)
    # the joined file's own line numbers are quoted for its columns
    assert exc.value.file == "deals.csv" and exc.value.lines == [3]
    (org / "deals.csv").write_text("mql_id,won_date,segment\nm2,2024-02-01,pets\nm3,2024-03-01,\n")
    data = load_org(org)
    assert data.leads["converted"].tolist() == [False, True, True]
    assert data.leads["segment"].tolist()[1] == "pets"
    assert data.opportunities["outcome"].tolist() == ["won", "won"]

    cfg["files"]["opportunities"]["where_not_empty"] = ["segment"]
    (org / "org.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    data = load_org(org)
    assert data.opportunities["opportunity_id"].tolist() == ["m2"]
    assert data.source_rows["opportunities"].tolist() == [0]
    assert data.source_files["opportunities"].rows_read == 2


def test_join_key_duplicates_are_fatal(tmp_path):
    cfg = {"name": "T", "files": {"leads": {"path": "a.csv", "join": [{"path": "b.csv", "on": "id"}]}},
           "columns": {"leads": {"lead_id": "id", "x": "x"}}}
    org = make_org(tmp_path, cfg, {"a.csv": "id\n1\n2\n", "b.csv": "id,x\n1,a\n1,b\n"})
    with pytest.raises(DataError, match="join key repeats") as exc:
        load_org(org)
    assert exc.value.file == "b.csv" and exc.value.lines == [2, 3]


def test_date_formats_and_flexible_dates(tmp_path):
    cfg = leads_only({"columns": {"leads": {"d1": "d1", "d2": "d2"}},
                      "date_formats": {"leads": {"d1": "%d-%m-%Y"}}})
    org = make_org(tmp_path, cfg, {
        "leads.csv": "lead_id,created_at,d1,d2\n1,03/25/2024,01-02-2018,2024-01-01T10:00:00Z\n"
                     "2,12/31/2024,31-12-2017,2024-01-01T12:00:00+02:00\n",
    })
    data = load_org(org)
    # unambiguous month-first dates are recognised without a format
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-12-31")]
    assert data.leads["d1"].tolist() == [pd.Timestamp("2018-02-01"), pd.Timestamp("2017-12-31")]
    # explicit offsets are converted to UTC
    assert data.leads["d2"].tolist() == [pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-01-01 10:00")]


def test_ambiguous_day_month_is_fatal(tmp_path):
    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,created_at\n1,01/02/2024\n2,03/04/2024\n"})
    with pytest.raises(DataError, match=r"ambiguous day/month.*date_formats\.leads\.created_at") as exc:
        load_org(org)
    assert exc.value.lines == [2, 3]


def test_numbers_with_currency_and_spaces(tmp_path):
    cfg = leads_only({"columns": {"leads": {"budget": "budget"}}}, thousands=" ")
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,budget\n1,$1 200.50\n2,3 000\n3,\n"})
    vals = load_org(org).leads["budget"].tolist()
    assert vals[:2] == [1200.5, 3000.0] and np.isnan(vals[2])


def test_na_values(tmp_path):
    cfg = leads_only({"na_values": ["Select", "-"], "columns": {"leads": {"score": "score"}}})
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,source,score\n1,Select,-\n2,web,N/A\n3,NA,4\n"})
    data = load_org(org)
    assert data.leads["source"].isna().tolist() == [True, False, False]  # "NA" (North America) stays
    assert data.leads["score"].isna().tolist() == [True, True, False]


# --------------------------------------------------------------------------- reported problems


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


# --------------------------------------------------------------------------- check report


def test_check_report_text(tmp_path):
    rep = load.check_org(BASIC)
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
    rep = load.check_org(org)
    assert not rep.ok and rep.exit_code == 1
    assert "FAILED" in rep.to_text() and "lines 2, 3" in rep.to_text()


# --------------------------------------------------------------------------- validated tables


def test_write_read_tables_round_trip(tmp_path, basic):
    folder = load.write_tables(basic, tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t}.parquet" for t in basic.tables()] + ["manifest.json"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"org.yml", "accounts.csv", "leads.csv", "activities.csv",
                                       "opportunities.csv", "spend.csv", "plan.csv"}
    assert len(manifest["inputs"]["leads.csv"]) == 64
    back = load.read_tables(tmp_path / "run")
    for t, df in basic.tables().items():
        pd.testing.assert_frame_equal(back.table(t), df)
    assert back.date_only == basic.date_only
    assert back.pii == basic.pii and back.issues == basic.issues
    assert back.source_rows["leads"].tolist() == [0, 1, 2, 3, 4]
    assert back.config == basic.config


def test_load_for_notebook_reuses_until_inputs_change(tmp_path, monkeypatch):
    org = tmp_path / "org"
    shutil.copytree(BASIC, org)
    out = tmp_path / "run"
    calls = []
    real = load.load_org
    monkeypatch.setattr(load, "load_org", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = load.load_for_notebook(org, out)
    assert calls == [1] and (out / "tables" / "manifest.json").is_file()
    again = load.load_for_notebook(org, out)
    assert calls == [1]  # reused the Parquet tables
    pd.testing.assert_frame_equal(again.leads, first.leads)
    # an input file changes -> load and validate again
    with open(org / "plan.csv", "a") as fh:
        fh.write("2024-03-01,30000\n")
    third = load.load_for_notebook(org, out)
    assert calls == [1, 1] and len(third.plan) == 3
    # org.yml changes -> again
    (org / "org.yml").write_text((org / "org.yml").read_text().replace("Fixture Org", "Fixture Org 2"))
    assert load.load_for_notebook(org, out).name == "Fixture Org 2" and len(calls) == 3
    assert load.tables_match(org, out)


def test_100k_leads_load_quickly(tmp_path):
    """A vectorised smoke check at 100k rows (1M leads + 10M activities is a benchmark)."""
    import time

    n = 100_000
    rng = np.random.default_rng(0)
    created = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s")
    df = pd.DataFrame({
        "lead_id": np.arange(n).astype(str),
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "source": rng.choice(["web", "event", "paid"], n),
        "owner_id": rng.choice(["Ann", "Bob", "Cy"], n),
        "notes": rng.choice(["ok", "call me", "mail x@y.com"], n),
    })
    org = tmp_path / "org"
    org.mkdir()
    df.to_csv(org / "leads.csv", index=False)
    (org / "org.yml").write_text(yaml.safe_dump(leads_only({"timezone": "Europe/Paris",
                                                            "columns": {"leads": {"notes": "notes"}}})))
    t0 = time.perf_counter()
    data = load_org(org)
    assert len(data.leads) == n
    assert time.perf_counter() - t0 < 10


def test_per_value_conversion_gives_the_same_tables(monkeypatch):
    """Long repetitive columns are converted per distinct value: same tables, same messages."""
    basic = load_org(BASIC)
    monkeypatch.setattr(load, "_DICT_MIN_ROWS", 1)
    monkeypatch.setattr(load, "_DICT_MAX_UNIQUE", 100)
    again = load_org(BASIC)
    for t, df in basic.tables().items():
        pd.testing.assert_frame_equal(again.table(t), df)
    assert again.date_only == basic.date_only and again.pii == basic.pii


def test_per_value_conversion_keeps_row_level_messages(monkeypatch, tmp_path):
    monkeypatch.setattr(load, "_DICT_MIN_ROWS", 1)
    rows = "".join(f"{i},{'soon' if i in (3, 7) else '2024-01-0' + str(1 + i % 3)}\n" for i in range(1, 10))
    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,created_at\n" + rows})
    with pytest.raises(DataError, match="2 values are not dates") as exc:
        load_org(org)
    assert exc.value.lines == [4, 8]


def test_report_footer_hint(tmp_path):
    org = make_org(tmp_path, leads_only(), {
        "leads.csv": 'lead_id,created_at\n1,2024-01-01\n\n"Generated By: Jane"\n',
    })
    with pytest.raises(DataError, match="Details only") as exc:
        load_org(org)
    assert exc.value.lines == [4]


def test_email_used_as_key_is_hashed_or_reported(tmp_path):
    cfg = {
        "name": "T",
        "files": {"leads": {"path": "leads.csv"}, "activities": {"path": "acts.csv"}},
        "columns": {"leads": {"lead_id": "Email"}, "activities": {"lead_id": "Who"}},
    }
    org = make_org(tmp_path, cfg, {
        "leads.csv": "Email,created_at\nann@x.example,2024-01-01\nbob@x.example,2024-01-02\n",
        "acts.csv": "Who,occurred_at,activity_type\nANN@x.example,2024-01-03,call\n",
    })
    data = load_org(org)
    # a key column named like personal data is hashed; case is ignored so keys still join
    assert "lead_id" in data.source_files["leads"].hashed
    assert not data.leads["lead_id"].str.contains("@").any()
    # a key whose name does not say so keeps its values, and check says where the emails are
    (finding,) = data.pii
    assert (finding.table, finding.column, finding.lines, finding.redacted) == ("activities", "lead_id", [2], False)
    assert "hash_columns.activities" in finding.describe()
    assert data.issues[0].kind == "orphan_key"  # the clear email does not match the hashed one
