"""Executing notebooks and reading their checks back (``helpers/workshop/execute.py``)."""

from __future__ import annotations

import nbformat
import pytest

from helpers import workshop

TINY_CELLS = [
    ("markdown", "# Tiny"),
    ("code", "value = 6  # parameters"),
    ("code", "from helpers import workshop\nprint('ready')"),
    (
        "code",
        "# BEGIN SOLUTION\nanswer = value * 7\n# END SOLUTION\n"
        "workshop.check_number('1.1', answer, value * 7, what='the product', hint='multiply.')",
    ),
    (
        "code",
        "# BEGIN SOLUTION\nside = 'sales'\n# END SOLUTION\n"
        "workshop.check_choice('1.2', side, 'sales', what='the side', hint='look at touches.')",
    ),
]


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_tiny_notebook_two_way(make_solution, tmp_path):
    solution = make_solution(TINY_CELLS, hidden=False)
    exercise = workshop.exercise_from_solution(solution, "tiny.ipynb")
    workshop.execute_in_place(solution, cwd=tmp_path)
    workshop.execute_in_place(exercise, cwd=tmp_path)
    assert [c["status"] for c in workshop.check_outputs(solution)] == ["correct", "correct"]
    assert [c["status"] for c in workshop.check_outputs(exercise)] == ["unanswered", "unanswered"]
    assert workshop.error_outputs(exercise) == []
    assert exercise.cells[2].outputs[0]["text"] == "ready\n"


def test_outputs_are_read_back_in_cell_order():
    v4 = nbformat.v4
    wrong = workshop.CheckResult("1.1", "incorrect", "that is not it.", "look again.")
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_markdown_cell("# T"),
        v4.new_code_cell(
            "check.x(1)",
            outputs=[
                v4.new_output("execute_result", data=wrong._repr_mimebundle_(), execution_count=1)
            ],
        ),
        v4.new_code_cell(
            "1 / 0",
            outputs=[
                v4.new_output(
                    "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
                )
            ],
        ),
    ]
    assert workshop.check_outputs(nb) == [{**wrong.to_dict(), "cell": 2}]
    assert workshop.error_outputs(nb) == ["cell 3: ZeroDivisionError: division by zero"]
    run = workshop.SolutionRun("01_a.ipynb", 1.0, workshop.check_outputs(nb))
    assert [c["exercise"] for c in run.failed_checks] == ["1.1"]


def test_unknown_solution_names_are_refused(tmp_path):
    (tmp_path / "01_a.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="No solution notebook matches 02; available: 01_a.ipynb"):
        workshop.execute_solutions(["01", "02"], solutions_dir=tmp_path)
