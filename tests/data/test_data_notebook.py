"""notebooks/00_data_check.ipynb (module 00) executed with papermill: the sample, a thin export."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers import runner as run
from helpers.core import paths

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("notebooks")]

NOTEBOOK = paths.NOTEBOOKS / "00_data_check.ipynb"


def execute(org_dir: Path, out: Path) -> tuple[dict, nbformat.NotebookNode]:
    (nb,) = [n for n in run.discover_notebooks() if n.key == "00_data_check"]
    out.mkdir(parents=True, exist_ok=True)
    run.execute_notebook(nb, out / NOTEBOOK.name, {"org_dir": str(org_dir), "output_dir": str(out)})
    summary = json.loads((out / "summary.json").read_text())
    return summary["00_data_check"], nbformat.read(out / NOTEBOOK.name, as_version=4)


def outputs(nb) -> tuple[str, list]:
    text, errors = [], []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                if o.name == "stderr":
                    errors.append(o.text)
                text.append(o.text)
            elif o.output_type == "error":
                errors.append(f"{o.ename}: {o.evalue}")
            elif "data" in o:
                text.append(o["data"].get("text/plain", ""))
    return "\n".join(text), errors


def test_notebook_is_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in nb.cells
        if c.cell_type == "code"
    )
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    declared = run.read_parameters(NOTEBOOK)
    assert {"org_dir", "output_dir", "seed"} <= set(declared)
    for line in params[0].source.splitlines():
        assert " = " in line and "  # " in line  # one literal per line, each with a comment


def test_on_the_sample(sample_org_dir, tmp_path):
    from helpers.data import datacheck, load_org

    data = load_org(sample_org_dir)
    figures, nb = execute(sample_org_dir, tmp_path / "out")
    text, errors = outputs(nb)
    assert errors == []
    assert figures["rows"] == {t: len(df) for t, df in data.tables().items()}
    assert (figures["date_from"], figures["date_to"]) == datacheck.data_period(data)
    expected = {}
    for issue in data.issues:
        expected[issue.kind] = expected.get(issue.kind, 0) + issue.count
    assert figures["issues"] == expected and figures["issues_total"] == sum(expected.values())
    assert figures["modules_runnable"] == ["00_data_check", "01_icp", "02_funnel", "03_revenue", "04_mql"]
    assert figures["modules_skipped"] == {}
    for png in ("00_missing_values.png", "00_leads_per_month.png"):
        assert (tmp_path / "out" / "figures" / png).stat().st_size > 10_000
    for issue in data.issues:
        assert issue.message in text  # every reported problem is explained
    # personal data never shows up in the report
    raw = (tmp_path / "out" / NOTEBOOK.name).read_text()
    assert "@" not in raw.replace("@media", "")


def test_on_a_thin_export_says_what_is_skipped(tmp_path):
    org = tmp_path / "thin"
    org.mkdir()
    (org / "org.yml").write_text("name: Thin Export\nfiles:\n  leads: {path: leads.csv}\n")
    (org / "leads.csv").write_text(
        "lead_id,job_title,converted\nL1,CTO,yes\nL2,Intern,no\nL3,CFO,no\n"
    )
    figures, nb = execute(org, tmp_path / "out")
    text, errors = outputs(nb)
    assert errors == []
    assert "The leads table has no created_at dates: the leads-per-month chart is skipped." in text
    assert "No quality problems were reported." in text
    assert figures["rows"] == {"leads": 3}
    assert figures["date_from"] is None and figures["issues_total"] == 0
    assert figures["modules_runnable"] == ["00_data_check", "01_icp", "04_mql"]
    assert figures["modules_not_runnable"] == ["02_funnel", "03_revenue"]
    # each skipped module and section is listed with its sentence, as `check` prints it
    assert figures["modules_skipped"]["02_funnel"].startswith("The funnel module is skipped:")
    assert figures["modules_skipped"]["02_funnel"] in text
    assert "00_data_check.leads_per_month" in figures["sections_skipped"]
    assert (tmp_path / "out" / "figures" / "00_missing_values.png").is_file()
    assert not (tmp_path / "out" / "figures" / "00_leads_per_month.png").exists()


def test_padded_headers_are_noted_once_as_check_says(tmp_path):
    from data_fixtures import make_org
    from test_data_datacheck import PADDED_CSV, PADDED_DEALS

    from helpers.data import check_org

    org = make_org(tmp_path, PADDED_DEALS, {"deals.csv": PADDED_CSV})
    _, nb = execute(org, tmp_path / "out")
    text, errors = outputs(nb)
    assert errors == []
    note = ("deals.csv: 3 column names had spaces around them and were trimmed "
            "(' Stage ', ' Amount ', ' Source ').")
    assert text.count(note) == 1 and note in check_org(org).to_text()  # the same sentence
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "load_notes" in c.source]
    assert [o.text for o in cell.outputs if o.output_type == "stream"] == [note + "\n"]
