"""The runner: notebook discovery, parameter precedence, transactional output, multi-org runs.

Runner mechanics use two tiny notebooks (``tests/fixtures/run/notebooks``, saved with a
kernelspec this machine does not have) and a hand-written 8-lead org
(``tests/fixtures/run/org``), so each execution takes about a second.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import run
from helpers.core import paths

FIXTURES = Path(__file__).parent / "fixtures" / "run"
NOTEBOOKS = FIXTURES / "notebooks"
TINY_ORG = FIXTURES / "org"
BAD_ORG = FIXTURES / "bad_org"


def nb(key: str, **declared: str) -> run.Notebook:
    """A Notebook description without a file (for the parameter logic)."""
    declared = {"org_dir": "'x'", "output_dir": "'y'", **declared}
    types = {}
    for k, v in declared.items():
        types[k] = type(eval(v)).__name__  # noqa: S307 - literals written in this test
    return run.Notebook(
        path=Path(f"/nb/{key}.ipynb"), number=key[:2], declared=declared, inferred_types=types
    )


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


# --------------------------------------------------------------------------- discovery


def test_discover_orders_notebooks_and_reads_declared_parameters(tmp_path):
    for name in ("10_last.ipynb", "00_first.ipynb", "notes.ipynb", "3_bad.ipynb"):
        shutil.copy(NOTEBOOKS / "00_first.ipynb", tmp_path / name)
    shutil.copy(NOTEBOOKS / "01_second.ipynb", tmp_path / "02_middle.ipynb")
    found = run.discover_notebooks(tmp_path)
    assert [n.key for n in found] == ["00_first", "02_middle", "10_last"]
    assert found[1].number == "02"
    assert list(found[0].declared) == ["org_dir", "output_dir", "threshold", "label", "fail"]
    assert found[0].inferred_types["threshold"] == "float"
    assert found[0].inferred_types["fail"] == "bool"
    assert found[1].declared["window"] == "3"


def test_discover_empty_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="No notebooks"):
        run.discover_notebooks(tmp_path)


def test_select_by_number_or_name():
    nbs = [nb("00_data_check"), nb("02_funnel_leakage"), nb("03_revenue_growth")]
    assert [n.key for n in run.select_notebooks(nbs, ["2"])] == ["02_funnel_leakage"]
    assert [n.key for n in run.select_notebooks(nbs, ["03", "00"])] == [
        "00_data_check",
        "03_revenue_growth",
    ]
    assert [n.key for n in run.select_notebooks(nbs, ["02_funnel_leakage.ipynb"])] == [
        "02_funnel_leakage"
    ]
    assert run.select_notebooks(nbs, None) == nbs
    with pytest.raises(
        ValueError, match=r"--only 7: no such notebook; available: 00 \(00_data_check\)"
    ):
        run.select_notebooks(nbs, ["7"])


# --------------------------------------------------------------------------- parameters


def test_parse_parameter_args_reads_yaml_literals():
    got = run.parse_parameter_args(
        [
            "n=12",
            "rate=0.5",
            "name=Acme Corp",
            "flag=true",
            "items=[a, 2]",
            "start=2024-07-01",
            "empty=",
            "text='12'",
        ]
    )
    assert got == {
        "n": 12,
        "rate": 0.5,
        "name": "Acme Corp",
        "flag": True,
        "items": ["a", 2],
        "start": "2024-07-01",
        "empty": None,
        "text": "12",
    }


@pytest.mark.parametrize("bad", ["noequals", "=3", "2x=1"])
def test_parse_parameter_args_refuses_malformed(bad):
    with pytest.raises(ValueError, match="-p"):
        run.parse_parameter_args([bad])


def test_precedence_notebook_default_then_org_then_cli():
    a = nb("01_a", threshold="0.5", label="'nb'", window="3")
    b = nb("02_b", threshold="0.25")
    got = run.resolve_parameters(
        [a, b], {"threshold": 0.6, "label": "org"}, {"threshold": 0.9, "window": 5}
    )
    assert got == {
        "01_a": {"threshold": 0.9, "label": "org", "window": 5},
        "02_b": {"threshold": 0.9},
    }
    # without -p, org.yml wins over the default; without either, nothing is injected (default kept)
    got = run.resolve_parameters([a, b], {"label": "org"}, {})
    assert got == {"01_a": {"label": "org"}, "02_b": {}}


def test_cli_typo_is_an_error_naming_the_closest_names():
    a = nb("01_a", threshold="0.5", thresholds_max="3", window="3")
    with pytest.raises(ValueError) as exc:
        run.resolve_parameters([a], {}, {"treshold": 0.7})
    msg = str(exc.value)
    assert "-p treshold" in msg and "'threshold'" in msg and "01_a" in msg
    assert "window" not in msg  # only the close names


def test_cli_name_declared_only_by_an_unselected_notebook_is_an_error():
    a, b = nb("01_a", threshold="0.5"), nb("02_b", window="3")
    with pytest.raises(ValueError, match="no notebook in this run"):
        run.resolve_parameters([a], {}, {"window": 4}, all_notebooks=[a, b])


def test_org_parameter_goes_only_to_notebooks_declaring_it():
    a, b = nb("01_a", threshold="0.5"), nb("02_b", window="3")
    got = run.resolve_parameters([a], {"window": 9}, {}, all_notebooks=[a, b])
    assert got == {"01_a": {}}


def test_org_parameter_no_notebook_declares_is_an_error():
    a, b = nb("01_a", threshold="0.5"), nb("02_b", window="3")
    with pytest.raises(ValueError, match=r"org.yml parameters: 'windw'.*'window'"):
        run.resolve_parameters([a], {"windw": 9}, {}, all_notebooks=[a, b])


def test_text_where_a_number_is_expected_is_an_error():
    a = nb("01_a", threshold="0.5", label="'x'")
    with pytest.raises(ValueError, match="expects a number"):
        run.resolve_parameters([a], {}, {"threshold": "high"})
    # an int where a float is declared is fine, as is any value for a text parameter
    assert run.resolve_parameters([a], {}, {"threshold": 1, "label": 3}) == {
        "01_a": {"threshold": 1, "label": 3}
    }


@pytest.mark.parametrize("name", ["org_dir", "output_dir"])
def test_runner_parameters_cannot_be_overridden(name):
    with pytest.raises(ValueError, match="set by the runner"):
        run.resolve_parameters([nb("01_a")], {}, {name: "/tmp/x"})


# --------------------------------------------------------------------------- output paths


def test_org_slug_and_default_out(tmp_path):
    assert run.org_slug("Acme Corp (EU)") == "acme-corp-eu"
    assert run.org_slug("Sample") == "sample"
    assert run.default_out("Tiny Org", tmp_path) == tmp_path.resolve() / "tiny-org"
    assert run.default_out("Tiny Org") == paths.REPORTS.resolve() / "tiny-org"


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", "x\\y", "a..b"])
def test_org_name_that_would_escape_reports_is_refused(name):
    with pytest.raises(paths.PathEscapeError):
        run.default_out(name)


def test_org_name_without_letters_is_refused():
    with pytest.raises(ValueError, match="no letters or digits"):
        run.org_slug("!!!")


# --------------------------------------------------------------------------- full runs


@pytest.fixture
def loader():
    return pytest.importorskip(
        "helpers.data.load", reason="the loader (helpers/load.py) is not available"
    )


def _run(org, out, **kw):
    lines: list[str] = []
    kw.setdefault("notebooks_dir", NOTEBOOKS)
    result = run.run_org(org, out=out, echo=lines.append, progress_bar=False, **kw)
    return result, lines


def test_run_writes_the_report_and_puts_it_in_place(loader, tmp_path):
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


def test_failing_notebook_keeps_the_previous_report(loader, tmp_path):
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


def test_first_run_failing_leaves_only_the_failed_notebook(loader, tmp_path):
    out = tmp_path / "tiny"
    result, _ = _run(TINY_ORG, out, parameters={"fail": True})
    assert not result.ok
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "failed",
        "failed/00_first.ipynb",
    ]
    run._check_target(out, TINY_ORG)  # the next run may write there


def test_only_merges_into_the_existing_summary(loader, tmp_path):
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


def test_fatal_data_error_runs_nothing(loader, tmp_path):
    out = tmp_path / "bad"
    with pytest.raises(loader.DataError, match="L2"):
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


def test_out_that_is_not_a_report_folder_is_refused(tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("do not delete")
    with pytest.raises(ValueError, match="not a report folder"):
        _run(TINY_ORG, precious)
    assert (precious / "thesis.docx").read_text() == "do not delete"
    with pytest.raises(ValueError, match="overlaps the organization folder"):
        _run(TINY_ORG, TINY_ORG / "report")


def test_default_out_comes_from_the_org_name(loader, tmp_path):
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


# --------------------------------------------------------------------------- several orgs


def test_expand_org_dirs(tmp_path):
    a = copy_org(tmp_path / "orgs", "a")
    b = copy_org(tmp_path / "orgs", "b")
    (tmp_path / "orgs" / "notes").mkdir()
    assert run.expand_org_dirs([tmp_path / "orgs"]) == [a, b]
    assert run.expand_org_dirs([b, a, b]) == [b, a]
    with pytest.raises(ValueError, match="no org.yml"):
        run.expand_org_dirs([tmp_path / "orgs" / "notes"])
    with pytest.raises(ValueError, match="does not exist"):
        run.expand_org_dirs([tmp_path / "nowhere"])


def test_multi_org_run_one_failure_does_not_stop_the_others(loader, tmp_path):
    orgs = tmp_path / "orgs"
    good1 = copy_org(orgs, "good1", name="Good One")
    failing = copy_org(orgs, "failing", name="Failing", parameters={"fail": True})
    bad = orgs / "bad"
    shutil.copytree(BAD_ORG, bad)
    out = tmp_path / "reports"
    results = run.run_many(
        run.expand_org_dirs([orgs]), out=out, jobs=2, notebooks_dir=NOTEBOOKS, only=["00"]
    )
    by_name = {r.org_dir.name: r for r in results}
    assert [r.org_dir.name for r in results] == ["bad", "failing", "good1"]
    assert by_name["good1"].ok and by_name["good1"].notebooks == ["00_first"]
    assert not by_name["failing"].ok and "ZeroDivisionError" in by_name["failing"].message
    assert not by_name["bad"].ok and "L2" in by_name["bad"].message
    assert json.loads((out / "good-one" / "summary.json").read_text())["_run"]["org"] == "Good One"
    assert (out / "failing" / "failed" / "00_first.ipynb").is_file()
    assert not (out / "bad-org").exists()
    table = run.results_table(results)
    assert "FAILED" in table and "good1" in table and str(out / "good-one") in table
    assert good1.is_dir() and failing.is_dir()


def test_multi_org_same_name_is_refused(tmp_path):
    a = copy_org(tmp_path, "a")
    b = copy_org(tmp_path, "b")
    with pytest.raises(ValueError, match="same organization name"):
        run.plan_outputs([a, b], tmp_path / "reports")


def test_org_parameters_of_the_curriculum_are_valid_with_other_notebooks(tmp_path):
    """An org.yml written for the curriculum runs with another notebooks folder."""
    curriculum = {n for nb in run.discover_notebooks() for n in nb.declared} - set(
        run.RUNNER_PARAMETERS
    )
    name = sorted(curriculum - {"threshold", "label", "fail", "window"})[0]
    org = copy_org(tmp_path, parameters={name: 1})
    with pytest.raises(ValueError, match="'treshold'"):  # reaches the -p check: org.yml was fine
        _run(org, tmp_path / "out", parameters={"treshold": 1})
