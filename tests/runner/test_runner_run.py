"""helpers.runner.run: one organization end to end - transactional output, ``failed/``,
the ``--only`` merge, and notebooks that skip their module.

Runner mechanics use two tiny notebooks (``tests/runner/fixtures/notebooks``, saved with a
kernelspec this machine does not have), one that skips its module
(``tests/runner/fixtures/skipping``) and a hand-written 8-lead org
(``tests/runner/fixtures/org``), so each execution takes about a second.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import runner as run
from helpers.core import paths
from helpers.data import DataError

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
SKIPPING = FIXTURES / "skipping" / "00_skips.ipynb"
TINY_ORG = FIXTURES / "org"
BAD_ORG = FIXTURES / "bad_org"
SKIP_REASON = "no opportunities in this export"


def copy_org(tmp_path: Path, folder: str = "org", **org_yml_changes) -> Path:
    dest = tmp_path / folder
    shutil.copytree(TINY_ORG, dest)
    if org_yml_changes:
        cfg = yaml.safe_load((dest / "org.yml").read_text())
        cfg.update(org_yml_changes)
        (dest / "org.yml").write_text(yaml.safe_dump(cfg))
    return dest


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _run(org, out, **kw):
    lines: list[str] = []
    kw.setdefault("notebooks_dir", NOTEBOOKS)
    result = run.run_org(org, out=out, echo=lines.append, progress_bar=False, **kw)
    return result, lines


def skipping_notebooks(tmp_path: Path) -> Path:
    """A notebooks folder: ``00_skips`` (skips its module), then ``01_second``."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(SKIPPING, folder / SKIPPING.name)
    shutil.copy(NOTEBOOKS / "01_second.ipynb", folder / "01_second.ipynb")
    return folder


# --------------------------------------------------------------------------- full runs


def test_run_writes_the_report_and_puts_it_in_place(tmp_path):
    out = tmp_path / "reports" / "tiny"
    result, lines = _run(TINY_ORG, out, parameters={"threshold": 0.75}, html=True)
    assert result.ok, result.message
    assert result.notebooks == ["00_first", "01_second"]
    assert lines[0] == "Parameters: label='from-org-yml' (org.yml), threshold=0.75 (-p)"
    assert len(lines) == 3 and lines[1].startswith("[1/2] 00_first") and lines[1].endswith(" s")
    summary = json.loads((out / "summary.json").read_text())
    # precedence end to end: -p threshold for both, org.yml label, default window
    assert summary["00_first"]["threshold"] == 0.75 and summary["01_second"]["threshold"] == 0.75
    assert summary["00_first"]["label"] == "from-org-yml"
    assert summary["01_second"]["window"] == 3
    assert summary["00_first"]["tables"] is True  # validated tables were written before
    assert summary["00_first"]["org"] == "org"
    entry = summary["_run"]
    assert entry["org"] == "Tiny Org" and entry["currency"] == "EUR"
    assert entry["notebooks"] == ["00_first", "01_second"]
    assert entry["data_from"] == "2024-01-05" and entry["data_to"] == "2024-04-28"
    assert {"python", "pandas", "papermill", "alignment-edge"} <= set(entry["versions"])
    assert not any("second" in k or "time" in k for k in entry)
    for name in (
        "00_first.ipynb",
        "01_second.ipynb",
        "00_first.html",
        "01_second.html",
        "figures/00_line.png",
    ):
        assert (out / name).is_file(), name
    assert (out / "tables").is_dir()
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "summary.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask
    assert "<title>00_first</title>" in (out / "00_first.html").read_text()
    # executed notebooks point at the final folder and the standard kernel
    executed = nbformat.read(out / "00_first.ipynb", as_version=4)
    assert executed.metadata.kernelspec.name == "python3"
    assert ".tmp-" not in (out / "00_first.ipynb").read_text()
    assert summary["00_first"]["output_dir"].startswith(str(out.parent))
    # nothing left beside the report
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny"]


def test_failing_notebook_keeps_the_previous_report(tmp_path):
    out = tmp_path / "tiny"
    first, _ = _run(TINY_ORG, out, parameters={"threshold": 0.6}, only=["00"])
    assert first.ok
    before = tree(out)
    result, lines = _run(TINY_ORG, out, parameters={"fail": True, "threshold": 0.1})
    assert not result.ok
    assert len(lines) == 2 and "FAILED" in lines[1]
    # one sentence: notebook, exception name and message, where the partial notebook is
    assert "00_first failed" in result.message
    assert "ZeroDivisionError: planted failure for the runner tests" in result.message
    assert str(out / "failed" / "00_first.ipynb") in result.message
    assert result.message.count(". ") == 0 and "\n" not in result.message
    # previous report untouched, plus the failed/ folder
    after = {k: v for k, v in tree(out).items() if not k.startswith("failed/")}
    assert after == before
    partial = nbformat.read(out / "failed" / "00_first.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in partial.cells[0].metadata.get("tags", [])
    errors = [
        o
        for c in partial.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert errors and errors[0].ename == "ZeroDivisionError"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]
    # a later successful run replaces the whole report: failed/ and stray files go
    (out / "stale.txt").write_text("from an older run")
    again, _ = _run(TINY_ORG, out)
    assert again.ok and not (out / "failed").exists() and not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


def test_first_run_failing_leaves_only_the_failed_notebook(tmp_path):
    out = tmp_path / "tiny"
    result, _ = _run(TINY_ORG, out, parameters={"fail": True})
    assert not result.ok
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "failed",
        "failed/00_first.ipynb",
    ]
    run.check_target(out, TINY_ORG)  # the next run may write there


def test_only_merges_into_the_existing_summary(tmp_path):
    out = tmp_path / "tiny"
    assert _run(TINY_ORG, out, parameters={"threshold": 0.6}, html=True)[0].ok
    from helpers.core import report

    report.record(out, "01_second", {"stale": "from an older version"})
    result, lines = _run(TINY_ORG, out, only=["01"], parameters={"threshold": 0.9, "window": 7})
    assert result.ok and result.notebooks == ["01_second"] and len(lines) == 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["00_first"]["threshold"] == 0.6  # kept from the first run
    assert summary["01_second"] == {"threshold": 0.9, "window": 7}
    assert summary["_run"]["notebooks"] == ["00_first", "01_second"]
    assert summary["_run"]["last_run"] == ["01_second"]
    assert (out / "00_first.ipynb").is_file() and (out / "figures" / "00_line.png").is_file()
    # the rerun notebook's HTML from the first run is not left behind stale; the other's stays
    assert (out / "00_first.html").is_file() and not (out / "01_second.html").exists()


def test_fatal_data_error_runs_nothing(tmp_path):
    out = tmp_path / "bad"
    with pytest.raises(DataError, match="L2"):
        _run(BAD_ORG, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_parameter_typo_runs_nothing(tmp_path):
    out = tmp_path / "tiny"
    with pytest.raises(ValueError, match="'threshold'"):
        _run(TINY_ORG, out, parameters={"treshold": 1})
    assert not out.exists()


def test_unknown_org_parameter_is_refused(tmp_path):
    org = copy_org(tmp_path, parameters={"windw": 4})
    with pytest.raises(ValueError, match="'window'"):
        _run(org, tmp_path / "out")


def test_default_out_comes_from_the_org_name(tmp_path):
    org = copy_org(tmp_path, "src", name="Tiny Org 2")
    result = run.run_org(
        org,
        reports_dir=tmp_path / "reports",
        notebooks_dir=NOTEBOOKS,
        echo=lambda _line: None,
        only=["01"],
    )
    assert result.ok and result.out == (tmp_path / "reports" / "tiny-org-2").resolve()
    evil = copy_org(tmp_path, "evil", name="../../outside")
    with pytest.raises(paths.PathEscapeError):
        run.run_org(evil, reports_dir=tmp_path / "reports", notebooks_dir=NOTEBOOKS)



# --------------------------------------------------------------------------- skipped modules


def test_a_skipped_module_is_kept_like_a_success_and_the_run_goes_on(tmp_path):
    org = copy_org(tmp_path, parameters={})  # its label is for a notebook not in this folder
    out = tmp_path / "reports" / "tiny"
    result, lines = _run(org, out, notebooks_dir=skipping_notebooks(tmp_path), html=True)
    assert result.ok, result.message
    assert result.notebooks == ["00_skips", "01_second"]  # the next notebook still ran
    assert result.skipped == {"00_skips": SKIP_REASON}
    assert len(lines) == 2  # no parameter is injected: no "Parameters:" line
    assert lines[0].startswith("[1/2] 00_skips") and " skipped " in lines[0]
    assert lines[0].endswith(f" s ({SKIP_REASON})")
    assert lines[1].startswith("[2/2] 01_second") and " ok " in lines[1]
    assert str(out) in result.message and "1 notebook skipped (00_skips)" in result.message
    summary = json.loads((out / "summary.json").read_text())
    assert summary["00_skips"] == {"skipped": SKIP_REASON}  # recorded once, by the notebook
    assert summary["01_second"]["window"] == 3
    assert summary["_run"]["notebooks"] == ["00_skips", "01_second"]
    # the executed notebook and its HTML are in the report; nothing is in failed/
    for name in ("00_skips.ipynb", "00_skips.html", "01_second.ipynb", "01_second.html"):
        assert (out / name).is_file(), name
    assert not (out / "failed").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny"]
    kept = nbformat.read(out / "00_skips.ipynb", as_version=4)
    assert kept.metadata.kernelspec.name == "python3"
    assert not any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in kept.cells)
    outputs = [o for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("ename") == "ModuleSkipped" for o in outputs)
    assert f"Module skipped: {SKIP_REASON}" in "".join(o.get("text", "") for o in outputs)
    assert kept.cells[-1].get("execution_count") is None  # the notebook stopped at the skip


def test_a_module_that_has_its_inputs_runs_normally(tmp_path):
    org = copy_org(tmp_path, parameters={})
    out = tmp_path / "tiny"
    nbs = skipping_notebooks(tmp_path)
    result, lines = _run(org, out, notebooks_dir=nbs, parameters={"missing": False})
    assert result.ok and result.skipped == {} and " ok " in lines[2]
    assert json.loads((out / "summary.json").read_text())["00_skips"] == {"ran": True}
    # rerun with --only and the inputs missing: the skip replaces the module's old figures
    again, _ = _run(org, out, notebooks_dir=nbs, only=["00"])
    assert again.ok and again.skipped == {"00_skips": SKIP_REASON}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["00_skips"] == {"skipped": SKIP_REASON} and "01_second" in summary


@pytest.mark.notebook
def test_run_derives_shared_tables_once_and_the_notebooks_reuse_them(sample_run):
    """The runner stores the journeys and the revenue module's per-lead tables with the
    validated tables (``derive_tables`` in a thread while 00 and 01 run); what notebook 02
    and 03 would compute from the tables is what was stored."""
    from helpers.data import read_derived, read_tables
    from helpers.funnel import org as funnel

    manifest = json.loads((sample_run / "tables" / "manifest.json").read_text())
    assert {"journeys", "revenue_times"} <= set(manifest["derived"])
    for entry in manifest["derived"].values():
        assert entry["inputs"] == manifest["inputs"]  # derived from these very inputs
    data = read_tables(sample_run)
    stored = read_derived(sample_run, "journeys", manifest["derived"]["journeys"]["params"])
    assert stored is not None
    fresh = funnel.compute_from_org(data)
    kept = funnel.from_org(data)  # reads the stored table
    assert kept.stages == fresh.stages
    assert kept.table.reset_index(drop=True).equals(fresh.table.reset_index(drop=True))
