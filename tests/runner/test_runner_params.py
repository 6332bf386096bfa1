"""helpers.runner.params: notebook discovery, ``--only``, ``-p`` parsing and the precedence
notebook default < ``org.yml: parameters`` < ``-p``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import runner as run
from helpers.core import paths

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY_ORG = FIXTURES / "org"


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


def test_org_parameters_of_the_curriculum_are_valid_with_other_notebooks(tmp_path):
    """An org.yml written for the curriculum runs with another notebooks folder."""
    curriculum = {n for nb in run.discover_notebooks() for n in nb.declared} - set(
        run.RUNNER_PARAMETERS
    )
    name = sorted(curriculum - {"threshold", "label", "fail", "window"})[0]
    org = copy_org(tmp_path, parameters={name: 1})
    with pytest.raises(ValueError, match="'treshold'"):  # reaches the -p check: org.yml was fine
        run.run_org(
            org, out=tmp_path / "out", parameters={"treshold": 1}, notebooks_dir=NOTEBOOKS,
            echo=lambda _: None, progress_bar=False,
        )


# --------------------------------------------------------------------------- runner paths


def test_runner_paths_inside_the_repository_are_injected_relative():
    given = {"org_dir": str(paths.SAMPLE_ORG), "output_dir": str(paths.REPORTS / ".s.tmp-1"),
             "threshold": 0.5}
    assert run.runner_parameters(given) == {
        "org_dir": "datasets/sample", "output_dir": "reports/.s.tmp-1", "threshold": 0.5
    }
    # the kernel needs absolute paths outside the repository, or in another working directory
    outside = {"org_dir": "/srv/exports/acme", "output_dir": "/srv/reports/acme"}
    assert run.runner_parameters(outside) == outside
    assert run.runner_parameters(given, cwd=paths.NOTEBOOKS) == given
    assert run.runner_parameters(None) == {}


def test_path_replacements_turn_machine_paths_into_recorded_ones(tmp_path):
    work = tmp_path / "reports" / ".acme.tmp-x1"
    final = tmp_path / "reports" / "acme"
    org = tmp_path / "exports" / "acme_crm"
    text = (
        f'output_dir = "{work}"\norg_dir = "{org}"\nsaved {work}/figures/a.png in {final}\n'
        f'input_path: {paths.NOTEBOOKS}/02_funnel.ipynb; cwd {paths.REPO_ROOT}'
    )
    done = run.portable_text(text, run.path_replacements(work, final, org))
    assert done == (
        'output_dir = "acme"\norg_dir = "acme_crm"\nsaved acme/figures/a.png in acme\n'
        "input_path: notebooks/02_funnel.ipynb; cwd ."
    )
    # inside the repository: the relative temporary folder becomes the report's
    inner = run.path_replacements(paths.REPORTS / ".s.tmp-1", paths.REPORTS / "s")
    assert run.portable_text('output_dir = "reports/.s.tmp-1"', inner) == 'output_dir = "reports/s"'
