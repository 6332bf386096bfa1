"""Exercises generated from solutions (``helpers/workshop/exercises.py``).

The solutions are tiny notebooks built by hand (``make_solution`` in ``conftest.py``).
"""

from __future__ import annotations

import json

import nbformat
import pytest

from helpers import workshop

# --------------------------------------------------------------------------- generator


def test_exercise_replaces_blocks_with_placeholders(make_solution):
    ex = workshop.exercise_from_solution(make_solution(), "demo.ipynb")
    sources = [c.source for c in ex.cells]
    assert sources[0] == "# Demo\n\nQuestion.\n\n*Your answer here.*\n\nEnd."
    assert sources[2] == "# Exercise 1\nanswer = ...  # Your answer here\ncheck(answer)"
    assert (
        sources[3]
        == "seg = ...  # Your answer here\ncost = ...  # Your answer here\ncheck(seg, cost)"
    )
    assert sources[4] == "def f():\n    ...  # Your answer here\nf()"
    assert sources[5] == "...  # Your answer here"
    joined = "\n".join(sources)
    assert "secret" not in joined and "y * 3" not in joined and "SOLUTION" not in joined


def test_block_stubs_every_answer_the_check_reads():
    source = (
        "rates = table['win_rate']\n"
        "# BEGIN SOLUTION\n"
        "weakest = rates.idxmin()\n"
        "helper = 3\n"
        "cost = rates[weakest] * helper\n"
        "# END SOLUTION\n"
        "check.drop(weakest, cost)"
    )
    assert workshop.strip_code_solution(source) == (
        "rates = table['win_rate']\n"
        "weakest = ...  # Your answer here\n"
        "cost = ...  # Your answer here\n"
        "check.drop(weakest, cost)"
    )
    # nothing read after the block: the names of its last statement
    assert (
        workshop.strip_code_solution("# BEGIN SOLUTION\nx = 1\ny = x\n# END SOLUTION")
        == "y = ...  # Your answer here"
    )


def test_exercise_drops_hidden_cells_outputs_and_metadata(make_solution, solution_cells):
    solution = make_solution()
    ex = workshop.exercise_from_solution(solution, "demo.ipynb")
    assert len(ex.cells) == len(solution_cells)
    assert all(
        c.outputs == [] and c.execution_count is None for c in ex.cells if c.cell_type == "code"
    )
    assert ex.cells[1].metadata == {"tags": ["parameters"]}
    assert "papermill" not in ex.metadata
    assert ex.metadata["kernelspec"]["name"] == "python3"
    assert ex.metadata["alignment_edge"]["generated_from"] == "solutions/demo.ipynb"
    assert [c.id for c in ex.cells] == [c.id for c in solution.cells[: len(solution_cells)]]
    # the solution itself is untouched
    assert solution.cells[1].outputs and "BEGIN SOLUTION" in solution.cells[2].source
    nbformat.validate(ex)


def test_exercise_text_is_deterministic_and_idempotent(make_solution):
    solution = make_solution()
    first = workshop.notebook_text(workshop.exercise_from_solution(solution, "demo.ipynb"))
    again = workshop.notebook_text(workshop.exercise_from_solution(solution, "demo.ipynb"))
    assert first == again
    twice = workshop.exercise_from_solution(nbformat.reads(first, as_version=4), "demo.ipynb")
    assert workshop.notebook_text(twice) == first


@pytest.mark.parametrize(
    "source, message",
    [
        ("# BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n# END SOLUTION", "without"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
        ("# BEGIN SOLUTION\nx = (\n# END SOLUTION", "not valid Python"),
        ("# BEGIN SOLUTION\nd['k'] = 1\n# END SOLUTION", "plain names"),
    ],
)
def test_bad_markers_name_the_cell(make_solution, source, message):
    nb = make_solution([("markdown", "# T"), ("code", "x = 1"), ("code", source)], hidden=False)
    with pytest.raises(workshop.SolutionFormatError, match=message) as info:
        workshop.exercise_from_solution(nb, "bad.ipynb")
    assert "bad.ipynb, cell 3" in str(info.value)


def test_unbalanced_markdown_markers(make_solution):
    nb = make_solution([("markdown", "<!-- BEGIN SOLUTION --> x"), ("code", "x = 1")], hidden=False)
    with pytest.raises(workshop.SolutionFormatError, match="unbalanced"):
        workshop.exercise_from_solution(nb, "bad.ipynb")


def test_generate_exercises_writes_same_names_and_removes_orphans(make_solution, tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    ex.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        nbformat.write(make_solution(), sol / name)
    (ex / "03_gone.ipynb").write_text("{}", encoding="utf-8")
    (ex / "README.md").write_text("guide", encoding="utf-8")
    written = workshop.generate_exercises(sol, ex)
    assert [p.name for p in written] == ["01_a.ipynb", "02_b.ipynb"]
    assert sorted(p.name for p in ex.glob("*.ipynb")) == ["01_a.ipynb", "02_b.ipynb"]
    assert (ex / "README.md").read_text(encoding="utf-8") == "guide"
    assert workshop.stale_exercises(sol, ex) == []
    nb = nbformat.read(ex / "01_a.ipynb", as_version=4)
    assert "BEGIN SOLUTION" not in json.dumps(nb)
    # editing an exercise by hand is detected as drift
    nb.cells[1].source = "x = 3"
    nbformat.write(nb, ex / "01_a.ipynb")
    (ex / "04_extra.ipynb").write_text("{}", encoding="utf-8")
    assert workshop.stale_exercises(sol, ex) == ["01_a.ipynb", "04_extra.ipynb"]


def test_markdown_answers_and_solution_detection():
    source = "Q?\n<!-- BEGIN SOLUTION -->\nA.\n<!-- END SOLUTION -->\nAfter."
    assert workshop.strip_markdown_solution(source) == "Q?\n*Your answer here.*\nAfter."
    assert workshop.has_solution(source) and workshop.has_solution("# BEGIN SOLUTION\nx = 1")
    assert not workshop.has_solution("x = 1  # no block")
