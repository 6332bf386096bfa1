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
