"""helpers.runner.execute: what a notebook's error means (a skip or a failure, in one
sentence). Executing notebooks is tested in test_runner_kernels.py and test_runner_run.py."""

from __future__ import annotations

from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from helpers import runner as run


def _error(ename: str, evalue: str) -> PapermillExecutionError:
    return PapermillExecutionError(
        cell_index=3, exec_count=4, source="x", ename=ename, evalue=evalue, traceback=[]
    )


def test_skip_reason_only_for_module_skipped():
    assert run.skip_reason(_error("ModuleSkipped", "no  opportunities\ntable")) == (
        "no opportunities table"
    )
    assert run.skip_reason(_error("ModuleSkipped", "")) == "no reason given"
    assert run.skip_reason(_error("ZeroDivisionError", "division by zero")) is None
    assert run.skip_reason(ValueError("ModuleSkipped")) is None


def test_failure_sentence_names_notebook_cell_error_and_partial_file():
    nb = run.Notebook(path=Path("/nb/02_funnel.ipynb"), number="02")
    saved = Path("/r/failed/02_funnel.ipynb")
    sentence = run.failure_sentence(_error("KeyError", "'stage'\n"), nb, saved)
    assert sentence == (
        "02_funnel failed in cell [4] with KeyError: 'stage'; "
        "the partially executed notebook is /r/failed/02_funnel.ipynb."
    )
    long = run.failure_sentence(RuntimeError("x" * 500), nb, None)
    assert long.startswith("02_funnel failed with RuntimeError: xxx") and long.endswith("....")
    assert len(long) < 450
