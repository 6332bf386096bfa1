"""helpers.runner.cli: exit codes, one-sentence messages, never a traceback for user errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.core import config
from helpers.runner import cli

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = str(FIXTURES / "notebooks")
TINY_ORG = FIXTURES / "org"
BAD_ORG = FIXTURES / "bad_org"
SCRIPT = Path(sys.executable).parent / "alignment-edge"


def call(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def copy_org(tmp_path: Path, folder: str = "org", leads_edit=None, **org_yml) -> Path:
    dest = tmp_path / folder
    shutil.copytree(TINY_ORG, dest)
    if org_yml:
        cfg = yaml.safe_load((dest / "org.yml").read_text())
        cfg.update(org_yml)
        (dest / "org.yml").write_text(yaml.safe_dump(cfg))
    if leads_edit:
        path = dest / "leads.csv"
        path.write_text(leads_edit(path.read_text()))
    return dest


# --------------------------------------------------------------------------- usage


def test_help_and_missing_command(capsys):
    code, out, _ = call(capsys, "--help")
    assert code == 0
    for sub in ("check", "run", "sample", "init", "score", "exercises"):
        assert sub in out
    code, _, err = call(capsys)
    assert code == 2 and "COMMAND" in err


def test_run_help_lists_options(capsys):
    code, out, _ = call(capsys, "run", "--help")
    assert code == 0
    for opt in ("--only", "-p", "--out", "--html", "--jobs", "--parallel", "--scheduler",
                "--strict"):
        assert opt in out


# --------------------------------------------------------------------------- run: user errors (exit 2)


def test_parameter_typo_exit_2_with_closest_names(capsys, tmp_path):
    code, out, err = call(
        capsys,
        "run",
        TINY_ORG,
        "--notebooks",
        NOTEBOOKS,
        "--out",
        tmp_path / "r",
        "-p",
        "treshold=1",
    )
    assert code == 2
    assert (
        err.startswith("alignment-edge: error: -p treshold") and "did you mean 'threshold'" in err
    )
    assert err.count("\n") == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["-p", "nothing"], "write parameters as name=value"),
        (["--only", "7"], "--only 7: no such notebook"),
        (["-p", "threshold=high"], "expects a number"),
        (["-p", "output_dir=/tmp"], "use --out"),
    ],
)
def test_bad_run_arguments_exit_2(capsys, tmp_path, extra, expected):
    code, _, err = call(
        capsys, "run", TINY_ORG, "--notebooks", NOTEBOOKS, "--out", tmp_path / "r", *extra
    )
    assert code == 2 and expected in err


def test_missing_org_folder_exit_2(capsys, tmp_path):
    code, _, err = call(capsys, "run", tmp_path / "nowhere")
    assert code == 2 and "does not exist" in err


def test_unknown_org_yml_key_exit_2_naming_it(capsys, tmp_path):
    org = copy_org(tmp_path, currensy="EUR")
    code, _, err = call(capsys, "run", org, "--notebooks", NOTEBOOKS, "--out", tmp_path / "r")
    assert code == 2 and "currensy" in err and "currency" in err


def test_fatal_data_error_exit_2_and_nothing_written(capsys, tmp_path):
    code, out, err = call(capsys, "run", BAD_ORG, "--notebooks", NOTEBOOKS, "--out", tmp_path / "r")
    assert code == 2
    assert "leads.csv" in err and "lead_id" in err and "lines 3, 4" in err
    assert not (tmp_path / "r").exists()


def test_org_name_escaping_reports_is_refused(capsys, tmp_path):
    org = copy_org(tmp_path, name="../../etc")
    code, _, err = call(capsys, "run", org, "--notebooks", NOTEBOOKS)
    assert code == 2 and "must be a plain name" in err


def test_out_over_a_non_report_folder_is_refused(capsys, tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    code, _, err = call(capsys, "run", TINY_ORG, "--notebooks", NOTEBOOKS, "--out", keep)
    assert code == 2 and "not a report folder" in err
    assert (keep / "notes.txt").read_text() == "mine"


# --------------------------------------------------------------------------- run: execution


def test_run_success_then_failure_exit_codes(capsys, tmp_path):
    out_dir = tmp_path / "r"
    code, out, err = call(
        capsys,
        "run",
        TINY_ORG,
        "--notebooks",
        NOTEBOOKS,
        "--out",
        out_dir,
        "--only",
        "00",
        "-p",
        "threshold=0.3",
    )
    assert code == 0, err
    assert "[1/1] 00_first" in out and f"report written to {out_dir}" in out
    assert json.loads((out_dir / "summary.json").read_text())["00_first"]["threshold"] == 0.3
    code, out, err = call(
        capsys,
        "run",
        TINY_ORG,
        "--notebooks",
        NOTEBOOKS,
        "--out",
        out_dir,
        "--only",
        "00",
        "-p",
        "fail=true",
    )
    assert code == 1
    assert "FAILED" in out
    # one sentence on stderr: notebook, cell, exception and message, where the notebook is
    assert err.count("\n") == 1
    assert "00_first failed in cell" in err
    assert "ZeroDivisionError: planted failure for the runner tests" in err
    assert str(out_dir / "failed" / "00_first.ipynb") in err
    assert json.loads((out_dir / "summary.json").read_text())["00_first"]["threshold"] == 0.3


def test_run_strict_makes_quality_problems_fatal(capsys, tmp_path):
    # L2 is accepted by sales (sal_at) before it was marketing-qualified (mql_at): reported only
    org = copy_org(
        tmp_path,
        leads_edit=lambda t: t.replace(
            "L3,2024-02-03,A2,webinar,VP Sales,2024-02-04,2024-02-05",
            "L3,2024-02-03,A2,webinar,VP Sales,2024-02-04,2024-02-01",
        ),
    )
    code, out, err = call(capsys, "check", org)
    assert code == 0 and "stage_order" in out
    code, out, _ = call(capsys, "check", org, "--strict")
    assert code == 1 and "FAILED" in out
    code, _, err = call(
        capsys, "run", org, "--strict", "--notebooks", NOTEBOOKS, "--out", tmp_path / "r"
    )
    assert code == 2 and "--strict" in err
    assert not (tmp_path / "r").exists()


def test_multi_org_run_reports_a_table_and_fails_if_one_failed(capsys, tmp_path):
    orgs = tmp_path / "orgs"
    copy_org(orgs, "good", name="Good Org")
    shutil.copytree(BAD_ORG, orgs / "bad")
    code, out, err = call(
        capsys,
        "run",
        orgs,
        "--notebooks",
        NOTEBOOKS,
        "--out",
        tmp_path / "reports",
        "--only",
        "00",
        "--jobs",
        "2",
    )
    assert code == 1
    assert "Running 2 organizations on a local Dask cluster, 2 at a time" in out
    assert "[good] [1/1] 00_first" in out  # progress streamed back from the worker
    table = out[out.index("organization  ") :]
    assert "bad" in table and "FAILED" in table and "good" in table and " ok " in table
    assert "1 of 2 organizations failed" in err
    assert (tmp_path / "reports" / "good-org" / "summary.json").is_file()


def test_run_options_are_checked_before_anything_runs(capsys, tmp_path, monkeypatch):
    from helpers.runner import dask_fleet

    code, _, err = call(capsys, "run", TINY_ORG, "--parallel", "0", "--out", tmp_path / "r")
    assert code == 2 and "--parallel must be at least 1" in err
    monkeypatch.setattr(dask_fleet, "CONNECT_TIMEOUT", "1s")
    code, out, err = call(capsys, "run", TINY_ORG, "--scheduler", "tcp://127.0.0.1:9",
                          "--out", tmp_path / "r")
    assert code == 2 and "on the Dask scheduler tcp://127.0.0.1:9" in out
    assert "Could not reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "r").exists()


def test_run_with_a_skipped_module_exits_0_and_says_so(capsys, tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(FIXTURES / "skipping" / "00_skips.ipynb", nbs)
    org = copy_org(tmp_path, parameters={})
    code, out, err = call(capsys, "run", org, "--notebooks", nbs, "--out", tmp_path / "r")
    assert code == 0, err
    assert "[1/1] 00_skips" in out and "skipped" in out and "no opportunities" in out
    assert "1 notebook skipped (00_skips)" in out and err == ""
    assert (tmp_path / "r" / "00_skips.ipynb").is_file()


# --------------------------------------------------------------------------- check


def test_check_prints_the_data_report(capsys):
    code, out, _ = call(capsys, "check", TINY_ORG)
    assert code == 0
    assert out.startswith("Data check: Tiny Org")
    assert "leads          8 rows from leads.csv" in out
    assert "Result: OK" in out


def test_check_fatal_problem_exit_1(capsys):
    code, out, _ = call(capsys, "check", BAD_ORG)
    assert code == 1
    assert "FAILED" in out and "lines 3, 4" in out


# --------------------------------------------------------------------------- other commands


def test_init_refuses_to_overwrite_an_existing_org_yml(capsys, tmp_path):
    org = copy_org(tmp_path)
    before = (org / "org.yml").read_text()
    code, _, err = call(capsys, "init", org / "leads.csv")
    assert code == 2 and "already exists" in err
    assert (org / "org.yml").read_text() == before


def test_init_drafts_an_org_yml_that_check_accepts(capsys, tmp_path):
    org = tmp_path / "new"
    org.mkdir()
    for f in ("leads.csv", "accounts.csv", "opportunities.csv"):
        shutil.copy(TINY_ORG / f, org / f)
    code, out, err = call(
        capsys, "init", org / "leads.csv", org / "accounts.csv", org / "opportunities.csv"
    )
    assert code == 0, err
    assert (org / "org.yml").is_file() and "alignment-edge check" in out
    config.load_org_config(org)  # a valid org.yml
    code, out, _ = call(capsys, "check", org)
    assert code == 0, out


def test_init_missing_export_exit_2(capsys, tmp_path):
    code, _, err = call(capsys, "init", tmp_path / "nope.csv")
    assert code == 2 and "not found" in err


def test_sample_writes_a_small_org(capsys, tmp_path):
    from helpers import synth

    out_dir = tmp_path / "small"
    code, out, err = call(capsys, "sample", "--leads", 300, "--seed", 5, "--out", out_dir)
    assert code == 0, err
    assert (out_dir / "org.yml").is_file() and (out_dir / "leads.csv").is_file()
    assert "300 leads, seed 5" in out
    code, _, err = call(capsys, "sample", "--scenario", "nope", "--out", out_dir)
    assert code == 2 and "unknown" in err and "sample" in err
    assert synth.SCENARIOS


def test_score_missing_model_exit_2(capsys, tmp_path):
    code, _, err = call(capsys, "score", tmp_path / "model.skops", TINY_ORG)
    assert code == 2 and "model file not found" in err


# --------------------------------------------------------------------------- the installed script


def test_console_script_prints_no_traceback(tmp_path):
    assert SCRIPT.exists(), f"{SCRIPT} is not installed: pip install --no-deps -e ."
    assert "helpers.runner.cli" in SCRIPT.read_text(), "stale entry point: pip install -e ."
    proc = subprocess.run(
        [str(SCRIPT), "run", str(BAD_ORG), "--notebooks", NOTEBOOKS, "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "lead_id" in proc.stderr
