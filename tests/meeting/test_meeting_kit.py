"""What ``alignment-edge run`` and ``alignment-edge brief`` write: the four pieces of the kit,
each skipped with a sentence when the data cannot feed it, never failing."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from markupsafe import escape

from helpers import meeting


def test_the_runs_report_holds_the_kit(case):
    for name in meeting.KIT_FILES.values():
        assert (case.report / name).is_file(), name
    html = (case.report / "brief.html").read_text(encoding="utf-8")
    assert str(escape(case.inputs.name)) in html
    assert "Three questions the data raises" in html


def test_kit_on_a_report_with_only_the_tables(sample_run, tmp_path):
    """Without the modules' outputs the brief and the SLA's data terms are still written; the
    QBR skips the ICP and score blocks, the sheet restates what exists."""
    bare = tmp_path / "bare"
    shutil.copytree(sample_run / "tables", bare / "tables")
    result = meeting.write_meeting_kit(bare)
    assert set(result.written) == {"sla", "brief", "qbr", "signoff"}, result.skipped
    qbr = (bare / "qbr.html").read_text(encoding="utf-8")
    assert "run module 01" in qbr and "run module 04" in qbr
    sheet = (bare / "signoff.html").read_text(encoding="utf-8")
    assert "icp.yml is missing" in sheet
    assert "meeting kit: sla.yml, brief.html, qbr.html, signoff.html" in result.sentence()


def test_kit_reuses_the_stored_journeys_and_writes_the_same_files(sample_run, tmp_path, monkeypatch):
    """With the derived tables stored (as the runner does after the load) the kit computes
    no journeys, stage times or sales work of its own, and writes byte-identical files."""
    from helpers.data import derive_tables
    from helpers.funnel import org as funnel_org
    from helpers.revenue import funnel_model, levers

    keep = ("tables", "summary.json", "icp.yml", "mql_definition.yml", "scored_leads.csv")
    runs = {}
    for name in ("computed", "stored"):
        runs[name] = tmp_path / name
        for item in keep:
            src = sample_run / item
            (shutil.copytree if src.is_dir() else shutil.copy)(src, runs[name] / item)
    meeting.write_meeting_kit(runs["computed"])
    assert derive_tables(runs["stored"]) == {"journeys": 4859, "revenue_times": 5000}
    for mod, fn in ((funnel_org, "compute_from_org"), (funnel_model, "stage_times"),
                    (levers, "sales_work")):
        monkeypatch.setattr(mod, fn, lambda *a, _fn=fn, **k: pytest.fail(f"{_fn} recomputed"))
    result = meeting.write_meeting_kit(runs["stored"])
    assert set(result.written) == {"sla", "brief", "qbr", "signoff"}, result.skipped
    for name in meeting.KIT_FILES.values():
        assert (runs["stored"] / name).read_bytes() == (runs["computed"] / name).read_bytes(), name


def test_kit_never_raises_on_a_folder_without_tables(tmp_path):
    result = meeting.write_meeting_kit(tmp_path)
    assert result.written == {}
    assert "no validated tables" in result.skipped["kit"]
    assert result.sentence().startswith("meeting kit: nothing written; skipped kit")


def test_write_brief_for_a_chosen_week(sample_org_dir, tmp_path):
    path, brief = meeting.write_brief(sample_org_dir, week="2024-06-05", report_dir=tmp_path)
    assert path == tmp_path / "brief_2024-06-03.html"
    assert brief.week == pd.Timestamp("2024-06-03") and not brief.no_data
    assert "Week 2024-06-03 to 2024-06-09" in path.read_text(encoding="utf-8")


def test_write_brief_for_a_week_without_data(sample_org_dir, tmp_path):
    out = tmp_path / "my_brief.html"
    path, brief = meeting.write_brief(
        sample_org_dir, week="2030-01-01", out=out, report_dir=tmp_path
    )
    assert path == out
    assert brief.no_data.startswith("The week of 2029-12-31 to 2030-01-06 is after this export")
    assert "choose a week in that range with --week" in path.read_text(encoding="utf-8")
