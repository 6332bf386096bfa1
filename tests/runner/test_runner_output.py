"""helpers.runner.output: where a report goes, and which folders a run refuses to replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import runner as run
from helpers.core import paths

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY_ORG = FIXTURES / "org"


def _run(org, out):
    return run.run_org(org, out=out, notebooks_dir=NOTEBOOKS, echo=lambda _: None, progress_bar=False)


def test_org_slug_and_default_out(tmp_path):
    """The report folder is ``reports/<org slug>`` (the one slug rule of helpers.core.paths)."""
    assert paths.org_slug("Acme Corp (EU)") == "acme-corp-eu"
    assert paths.org_slug("Sample") == "sample"
    assert run.default_out("Tiny Org", tmp_path) == tmp_path.resolve() / "tiny-org"
    assert run.default_out("Tiny Org") == paths.REPORTS.resolve() / "tiny-org"


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", "x\\y", "a..b"])
def test_org_name_that_would_escape_reports_is_refused(name):
    with pytest.raises(paths.PathEscapeError):
        run.default_out(name)


def test_org_name_without_letters_is_refused():
    with pytest.raises(ValueError, match="no letters or digits"):
        paths.org_slug("!!!")


def test_out_that_is_not_a_report_folder_is_refused(tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("do not delete")
    with pytest.raises(ValueError, match="not a report folder"):
        _run(TINY_ORG, precious)
    assert (precious / "thesis.docx").read_text() == "do not delete"
    with pytest.raises(ValueError, match="overlaps the organization folder"):
        _run(TINY_ORG, TINY_ORG / "report")


def test_forget_outputs_removes_both_renderings_of_a_rerun_notebook(tmp_path):
    """``--only 02`` leaves no stale report of 02: notebook, business and analyst HTML,
    charts and summary entry go; the other modules' files stay."""
    import json

    from helpers.runner import output

    nb = run.Notebook(path=Path("/nb/02_funnel_leakage.ipynb"), number="02")
    (tmp_path / "figures").mkdir()
    names = ["02_funnel_leakage.ipynb", "02_funnel_leakage.html",
             "02_funnel_leakage.analyst.html", "figures/02_leakage.png",
             "01_define_icp.html", "01_define_icp.analyst.html", "figures/01_tiers.png"]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "summary.json").write_text(json.dumps({"01_icp": {"a": 1}, "02_funnel": {}}))
    output.forget_outputs(tmp_path, [nb])
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["01_define_icp.analyst.html", "01_define_icp.html", "figures/01_tiers.png",
                    "summary.json"]
    assert json.loads((tmp_path / "summary.json").read_text()) == {"01_icp": {"a": 1}}
