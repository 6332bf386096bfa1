"""helpers/core/report.py: summary.json recording, plain() rounding, skips, safe artifact writing."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from helpers.core import report


def test_record_merges_modules_and_keeps_other_entries(tmp_path):
    report.record(tmp_path, "01_icp", {"win_rate": np.float64(0.25), "n": np.int64(3)})
    report.record(tmp_path, "02_funnel", {"leak": "sal->sql"})
    entry = report.record(tmp_path, "01_icp", {"coverage": 0.4})
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["01_icp"] == {"win_rate": 0.25, "n": 3, "coverage": 0.4} == entry
    assert summary["02_funnel"] == {"leak": "sal->sql"}


def test_to_jsonable_handles_nan_dates_and_frames():
    out = report.to_jsonable(
        {"nan": float("nan"), "ts": pd.Timestamp("2024-01-02"), "na": pd.NA,
         "df": pd.DataFrame({"a": [1, 2]}), "s": pd.Series({"x": np.float32(0.5)})}
    )
    assert out == {"nan": None, "ts": "2024-01-02T00:00:00", "na": None,
                   "df": [{"a": 1}, {"a": 2}], "s": {"x": 0.5}}
    json.dumps(out)


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_escaped(cell):
    assert report.escape_csv_text(cell) == "'" + cell


def test_numbers_and_plain_text_are_unchanged():
    assert report.escape_csv_text(-5) == -5
    assert report.escape_csv_text(1.5) == 1.5
    assert report.escape_csv_text("Acme") == "Acme"


def test_write_csv_safe_round_trips(tmp_path):
    df = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "reason": ["=HYPERLINK(x)", "a\rb", "ok"],
                       "score": [-3.5, 10.0, np.nan]})
    path = report.write_csv_safe(df, tmp_path / "out.csv")
    back = pd.read_csv(path)
    assert back["reason"].tolist() == ["'=HYPERLINK(x)", "a\rb", "ok"]
    assert back["score"].iloc[0] == -3.5 and pd.isna(back["score"].iloc[2])
    assert len(back) == 3
    assert df["reason"].iloc[0] == "=HYPERLINK(x)"  # the caller's frame is not modified


def test_atomic_write_leaves_no_temp_files_and_usual_mode(tmp_path):
    path = report.atomic_write_text(tmp_path / "a" / "x.txt", "hello")
    assert path.read_text() == "hello"
    assert [p.name for p in path.parent.iterdir()] == ["x.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_yaml_round_trip(tmp_path):
    data = {"rules": ["industry in {73}"], "tiers": {"A": 0.5}, "when": pd.Timestamp("2024-03-01")}
    report.write_yaml(data, tmp_path / "icp.yml")
    assert report.read_yaml(tmp_path / "icp.yml") == {
        "rules": ["industry in {73}"], "tiers": {"A": 0.5}, "when": "2024-03-01T00:00:00"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.123456, 0.1235),
        (np.float64(2 / 3), 0.6667),
        (np.int64(7), 7.0),
        (float("nan"), None),
        (float("inf"), None),
        (-np.inf, None),
        (None, None),
        ("n/a", "n/a"),
        (True, True),
        (np.bool_(False), False),
        ([1, 2], [1, 2]),
    ],
)
def test_plain_rounds_numbers_and_keeps_the_rest(value, expected):
    out = report.plain(value)
    assert out == expected and type(out) is type(expected)


def test_plain_decimals():
    assert report.plain(12.5, 0) == 12.0
    assert report.plain(1 / 3, 2) == 0.33
    json.dumps({"x": report.plain(np.float32(0.5))})


def test_skip_module_records_the_reason_and_stops(tmp_path, capsys):
    report.record(tmp_path, "00_data_check", {"rows": 3})
    with pytest.raises(report.ModuleSkipped, match="no opportunities"):
        report.skip_module(tmp_path, "03_revenue", "no opportunities in this export")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["03_revenue"] == {"skipped": "no opportunities in this export"}
    assert summary["00_data_check"] == {"rows": 3}  # other modules are kept
    assert "Module skipped: no opportunities in this export" in capsys.readouterr().out


def test_skip_module_without_an_output_folder_only_stops(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(report.ModuleSkipped) as exc:
        report.skip_module(None, "03_revenue", "no plan")
    assert str(exc.value) == "no plan" and list(tmp_path.iterdir()) == []
    assert exc.value._render_traceback_() == ["Module skipped: no plan"]
    assert "Module skipped: no plan" in capsys.readouterr().out
