"""The repository's workshop material: ``solutions/`` and the ``exercises/`` generated from them.

The conventions are read from the committed notebooks; the two-way check executes every
exercise (each check must say "not answered yet", no cell may fail, from a working directory
outside the repository) and every solution (each check must pass).
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from helpers import workshop
from helpers.core import paths

SOLUTION_PATHS = workshop.solution_paths()
NAMES = [p.name for p in SOLUTION_PATHS]
CHECK_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)


def _read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _check_calls(nb) -> list[str]:
    return [m for c in nb.cells if c.cell_type == "code" for m in CHECK_CALL.findall(c.source)]


def test_the_workshop_has_its_six_notebooks():
    assert NAMES == [
        "01_define_icp.ipynb",
        "02_funnel_leakage.ipynb",
        "03_revenue_growth.ipynb",
        "04_mql_classifier.ipynb",
        "05_capstone.ipynb",
        "06_alignment_meeting.ipynb",
    ]
    assert [p.stem for p in SOLUTION_PATHS] == list(workshop.NOTEBOOK_CHECKS)


def test_same_file_names_in_both_folders():
    exercises = sorted(p.name for p in paths.EXERCISES.glob("*.ipynb"))
    assert exercises == NAMES


def test_committed_exercises_equal_the_generator_output():
    assert workshop.stale_exercises() == [], (
        "run `make exercises`: the exercises differ from their solutions"
    )


def test_every_check_is_used_by_exactly_one_exercise():
    used = [name for p in SOLUTION_PATHS for name in _check_calls(_read(p))]
    assert sorted(used) == sorted(workshop.Checks.exercises().values())
    for path in SOLUTION_PATHS:  # each notebook calls its own class's checks, in order
        mine = list(workshop.NOTEBOOK_CHECKS[path.stem].exercises().values())
        assert _check_calls(_read(path)) == mine, path.name


#: Exercises read from something other than a new display: the question's own numbers (a
#: worked example), or the display of the exercise before.
READ_ELSEWHERE = {
    "revenue_hand_waterfall": "the numbers are in the question",
    "revenue_gap": "the plan gap table shown for exercise 3.2",
    "revenue_profit_claim": "the like-with-like table shown for exercise 3.6",
}


@pytest.mark.parametrize("name", NAMES)
def test_a_table_or_chart_is_shown_before_every_exercise(name):
    """Every exercise can be answered by reading a display: since the previous exercise, a
    cell has shown a table, a chart or printed figures."""
    shown = False
    for cell in _read(paths.SOLUTIONS / name).cells:
        if cell.cell_type != "code":
            continue
        call = CHECK_CALL.search(cell.source)
        if call:
            assert shown or call.group(1) in READ_ELSEWHERE, (name, call.group(1))
            shown = False
            continue
        for output in cell.get("outputs", []):  # a chart, a table, a printed figure
            if output.get("output_type") in ("stream", "execute_result", "display_data"):
                shown = True


@pytest.mark.parametrize("name", NAMES)
def test_solution_conventions(name):
    path = paths.SOLUTIONS / name
    nb = _read(path)
    assert path.stat().st_size < 1_000_000, "keep solutions small (< 1 MB with outputs)"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    calls = _check_calls(nb)
    assert len(calls) >= 5, "each workshop has at least 5 self-checked exercises"
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            assert "# BEGIN SOLUTION" in cell.source, (
                "a check follows an answer block in the same cell"
            )
            assert CHECK_CALL.search(cell.source.strip().splitlines()[-1]), (
                "the check is the cell's last line"
            )
        if cell.cell_type == "code" and cell.source.strip():
            # nbval runs cells without storing history, so IPython ignores a trailing ';':
            # plot cells assign their Axes instead (ax = ...), which never prints a repr
            assert not cell.source.rstrip().endswith(";"), cell.source
    # committed outputs: no error, every check right
    assert workshop.error_outputs(nb) == []
    results = workshop.check_outputs(nb)
    assert [r["status"] for r in results] == ["correct"] * len(calls), "run `make solutions`"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert (
                "image/png" not in output.get("data", {})
                or len(output["data"]["image/png"]) < 200_000
            )


@pytest.mark.parametrize("name", NAMES)
def test_exercises_hold_no_answers_and_no_outputs(name):
    solution = _read(paths.SOLUTIONS / name)
    exercise = _read(paths.EXERCISES / name)
    text = json.dumps(exercise)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert all(not c.get("outputs") for c in exercise.cells if c.cell_type == "code")
    assert not any("solution" in c.metadata.get("tags", []) for c in exercise.cells)
    assert _check_calls(exercise) == _check_calls(solution)
    assert text.count(workshop.ANSWER_COMMENT) >= len(_check_calls(solution))


# --------------------------------------------------------------------------- the two-way check


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every solution and every untouched exercise, executed from a folder outside the repo."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    solutions = [_read(p) for p in SOLUTION_PATHS]
    exercises = [_read(paths.EXERCISES / n) for n in NAMES]
    done = workshop.execute_notebooks(exercises + solutions, cwd=cwd, workers=2, allow_errors=True)
    return dict(zip(NAMES, done[: len(NAMES)])), dict(zip(NAMES, done[len(NAMES) :]))


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_runs_and_every_check_fails(executed, name):
    exercise = executed[0][name]
    assert workshop.error_outputs(exercise) == []  # every setup cell runs
    statuses = [r["status"] for r in workshop.check_outputs(exercise)]
    assert statuses == ["unanswered"] * len(_check_calls(exercise))


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", NAMES)
def test_solution_runs_and_every_check_passes(executed, name):
    solution = executed[1][name]
    assert workshop.error_outputs(solution) == []
    results = workshop.check_outputs(solution)
    assert [r["status"] for r in results] == ["correct"] * len(_check_calls(solution)), results
