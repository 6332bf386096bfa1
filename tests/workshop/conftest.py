"""Tiny solution notebooks built by hand, for the generator, command-line and execution tests."""

from __future__ import annotations

import nbformat
import pytest

#: A solution with every kind of block the generator handles.
SOLUTION_CELLS = [
    (
        "markdown",
        "# Demo\n\nQuestion.\n\n<!-- BEGIN SOLUTION -->\n**Answer.** The secret.\n"
        "<!-- END SOLUTION -->\n\nEnd.",
    ),
    ("code", "x = 2"),
    (
        "code",
        "# Exercise 1\n# BEGIN SOLUTION\ny = x * 3\nanswer = y + 1\n# END SOLUTION\ncheck(answer)",
    ),
    ("code", "# BEGIN SOLUTION\nseg, cost = 'a', 0.1\n# END SOLUTION\ncheck(seg, cost)"),
    ("code", "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\nf()"),
    ("code", "# BEGIN SOLUTION\nplot_something()\n# END SOLUTION"),
]


def _make_solution(cells=SOLUTION_CELLS, hidden: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(source))
    if hidden:
        nb.cells.append(
            nbformat.v4.new_code_cell("assert answer == 7", metadata={"tags": ["hidden-check"]})
        )
        nb.cells.append(
            nbformat.v4.new_markdown_cell("Solution notes.", metadata={"tags": ["solution"]})
        )
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    nb.cells[1].execution_count = 4
    nb.metadata["papermill"] = {"duration": 1.0}
    return nb


@pytest.fixture
def solution_cells() -> list[tuple[str, str]]:
    """The (cell type, source) pairs of the demo solution."""
    return SOLUTION_CELLS


@pytest.fixture
def make_solution():
    """``make_solution(cells=SOLUTION_CELLS, hidden=True)``: a solution notebook.

    With ``hidden``, a ``hidden-check`` and a ``solution`` cell follow ``cells``; the second
    cell is the parameters cell, with an output and an execution count; the notebook has
    papermill metadata (all of which the generator must drop).
    """
    return _make_solution
