"""helpers.runner.skips: a module the readiness contract says cannot run is not executed;
it leaves a short page and a ``{"skipped": reason}`` entry, and ``--strict`` fails the run.

A stub notebook saved as ``03_revenue_growth.ipynb`` stands for the revenue module (the
contract is looked up by notebook name), so each run takes seconds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from helpers import runner as run
from helpers.data import load_org
from helpers.data.readiness import assess
from helpers.runner import skips
from helpers.runner.execute import skip_reason
from helpers.runner.run import RunResult

STUB = Path(__file__).parent / "fixtures" / "notebooks" / "00_first.ipynb"


def leads_only_org(tmp_path: Path) -> Path:
    org = tmp_path / "org"
    org.mkdir()
    (org / "org.yml").write_text("name: Leads Only\nfiles:\n  leads: {path: leads.csv}\n")
    (org / "leads.csv").write_text("lead_id,job_title,converted\nL1,CTO,yes\nL2,Intern,no\n")
    return org


def stub_notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(STUB, folder / "00_first.ipynb")
    shutil.copy(STUB, folder / "03_revenue_growth.ipynb")  # the contract of the revenue module
    return folder


def test_skip_page_says_why_and_what_the_module_needs(tmp_path):
    ready = assess(load_org(leads_only_org(tmp_path)))
    page = skips.skip_page("03 - Model revenue growth", ready, "03_revenue_growth", "Acme")
    text = "\n".join(c.source for c in page.cells)
    assert text.startswith("# 03 - Model revenue growth\n\n**Not run on Acme's data.** ")
    assert ready.skip_reason("03_revenue_growth") in text
    assert "- Won deals (opportunities with outcome won)." in text
    assert "--only 03" in text and page.metadata["alignment_edge"]["skipped"]
    assert all(c.cell_type == "markdown" for c in page.cells)


def test_not_ready_is_counted_as_a_skip():
    assert skip_reason(skips.NotReady("the data lacks X.")) == "the data lacks X."


def test_strict_turns_skips_into_a_failure():
    result = RunResult(org_dir=Path("."), out=None, ok=True, skipped={"03_revenue_growth": "Why."})
    skips.fail_on_skips(result, strict=False)
    assert result.ok
    skips.fail_on_skips(result, strict=True)
    assert not result.ok
    assert result.message.startswith("03_revenue_growth was skipped, which --strict makes a failure: Why.")


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_run_records_the_skip_and_strict_fails(tmp_path):
    org, nbs = leads_only_org(tmp_path), stub_notebooks(tmp_path)
    reason = assess(load_org(org)).skip_reason("03_revenue_growth")
    out = tmp_path / "report"
    result = run.run_org(org, out=out, notebooks_dir=nbs, html=True, echo=lambda _: None)
    assert result.ok, result.message
    assert result.skipped == {"03_revenue_growth": reason}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["03_revenue"] == {"skipped": reason}
    assert "03_revenue_growth" in summary["_run"]["notebooks"]
    page = nbformat.read(out / "03_revenue_growth.ipynb", as_version=4)
    assert "Not run on Leads Only's data." in page.cells[0].source
    assert "Not run" in (out / "03_revenue_growth.html").read_text()
    # --strict: the same skip fails the run and leaves the previous report in place
    before = (out / "summary.json").read_bytes()
    strict = run.run_org(org, out=out, notebooks_dir=nbs, strict=True, echo=lambda _: None)
    assert not strict.ok and strict.message.startswith("03_revenue_growth was skipped")
    assert (out / "summary.json").read_bytes() == before
