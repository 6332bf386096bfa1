"""Debrief slides from the solutions (``helpers/workshop/slides.py``)."""

from __future__ import annotations

import nbformat
import pytest

from helpers import workshop

CELLS = [
    ("markdown", "# Workshop 9 - Demo\n\nThe question."),
    ("code", "value = 6"),
    ("markdown", "## Exercise 9.1 - One\n\nRead the table."),
    ("code", "print('a table')"),
    ("markdown", "Notice the table.\n\n## Key points\n\n- one"),
]


def _deck_source(make_solution):
    nb = make_solution(CELLS, hidden=True)  # adds a hidden-check and a solution-tagged cell
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a table\n")]
    return nb


def test_slide_types_follow_the_headings(make_solution):
    source = _deck_source(make_solution)
    deck = workshop.slide_notebook(source)
    types = [c.metadata["slideshow"]["slide_type"] for c in deck.cells]
    # parameters and tagged cells left out; the heading inside the last cell opens a slide
    assert types == ["slide", "slide", "-", "-", "slide"]
    assert deck.cells[-1].source == "## Key points\n\n- one"
    assert "slideshow" not in source.cells[0].metadata  # the solution is not modified


def test_slides_hide_code_and_show_outputs(make_solution):
    html = workshop.slides_html(_deck_source(make_solution))
    assert "reveal" in html and html.count("<section") >= 3
    assert "a table" in html and "print(" not in html
    assert "Solution notes." not in html and "assert answer" not in html


def test_write_slides(make_solution, tmp_path):
    sol = tmp_path / "solutions"
    sol.mkdir()
    nbformat.write(_deck_source(make_solution), sol / "09_demo.ipynb")
    written = workshop.write_slides(["09"], solutions_dir=sol, out_dir=tmp_path / "slides")
    assert [p.name for p in written] == ["09_demo.slides.html"]
    assert written[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="No solution notebook matches 10"):
        workshop.write_slides(["10"], solutions_dir=sol, out_dir=tmp_path)


def test_split_at_headings_keeps_code_fences():
    text = "Discuss.\n\n## Exercise 2\n\n```\n# a comment, not a heading\n```\n# Part two"
    assert workshop.split_at_headings(text) == [
        "Discuss.",
        "## Exercise 2\n\n```\n# a comment, not a heading\n```",
        "# Part two",
    ]
