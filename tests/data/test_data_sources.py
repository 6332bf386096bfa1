"""helpers/data/sources.py: finding the files, reading Parquet, Excel and .csv.gz, line numbers."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
import yaml
from data_fixtures import edit, fatal, leads_only, make_org

from helpers.core import paths
from helpers.data import DataError, load_org


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


def test_path_escaping_org_folder(org, tmp_path):
    (tmp_path / "secret.csv").write_text("lead_id\n1\n")
    edit(org / "org.yml", "leads: {path: leads.csv}", "leads: {path: ../secret.csv}")
    err = fatal(org)
    assert isinstance(err, paths.PathEscapeError)
    assert "files.leads.path" in str(err) and "outside" in str(err)
    edit(org / "org.yml", "../secret.csv", str(tmp_path / "secret.csv"))
    err = fatal(org)
    assert "absolute path" in str(err)


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


def test_line_numbers_survive_quoted_newlines(tmp_path):
    org = make_org(tmp_path, leads_only({"columns": {"leads": {"sales_touches": "touches"}}}), {
        "leads.csv": 'lead_id,note,touches\n1,"two\nlines",1\n\n2,x,2\n3,y,oops\n',
    })
    with pytest.raises(DataError) as exc:
        load_org(org)
    assert exc.value.lines == [6]  # header 1, row 1 on lines 2-3, blank line 4, row 2 line 5


def test_padded_header_names_are_trimmed_and_said_once(tmp_path):
    """Some CRMs pad names (``" lead_id "``); the fix suggested used to be to map
    ``lead_id: " lead_id "``."""
    from helpers.core.config import load_org_config
    from helpers.data.sources import Source

    cfg = leads_only({"columns": {"leads": {"source": "LEAD SOURCE"}}})
    text = ' lead_id ,created_at , Lead Source \nL1,2024-01-05,Web\nL2,2024-01-09,Fair\n'
    org = make_org(tmp_path, cfg, {"leads.csv": text})
    data = load_org(org)
    assert data.leads["lead_id"].tolist() == ["L1", "L2"]  # canonical name, found as it is
    assert data.leads["source"].tolist() == ["Web", "Fair"]  # case ignored: unambiguous
    src = Source(org, "leads", load_org_config(org).files["leads"], "files.leads")
    assert src.read_header() == ["lead_id", "created_at", "Lead Source"]
    assert src.notes == [
        "leads.csv: 3 column names had spaces around them and were trimmed "
        "(' lead_id ', 'created_at ', ' Lead Source ')."
    ]
    assert list(src.read(["lead_id", "Lead Source"]).columns) == ["lead_id", "Lead Source"]
    from helpers.data import check_org

    text = check_org(org).to_text()
    assert text.count("had spaces around them and were trimmed") == 1, text
    assert data.source_files["leads"].notes == src.notes
