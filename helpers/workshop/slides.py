"""Slides for the debriefs, generated from the solutions with nbconvert's reveal.js exporter.

``make slides`` (``python -m helpers.workshop slides``) writes one HTML deck per solution into
``reports/slides/``: every ``#`` / ``##`` heading starts a slide, the rest of a section follows
on the same (scrollable) slide, code is hidden and its charts, tables and checks are shown, so
a mixed room sees what it read in the notebook. The decks load reveal.js from its CDN (fine on
a facilitator's laptop; open the HTML in a browser, press F for full screen, S for notes).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.core import paths

if TYPE_CHECKING:  # nbformat is slow to import
    import nbformat

#: Where ``make slides`` writes the decks (``reports/`` is never committed).
SLIDES_DIR = paths.REPORTS / "slides"

#: Cells with one of these tags stay out of the slides (the facilitator's note on top).
HIDDEN_TAGS = frozenset({"solution", "hidden-check", "parameters"})


def slide_type(cell) -> str:
    """``"slide"`` for a markdown cell opening with a ``#`` or ``##`` heading, else ``"-"``."""
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith(("# ", "## ")):
            return "slide"
    return "-"


def split_at_headings(source: str) -> list[str]:
    """A markdown cell's text cut before each ``#`` / ``##`` heading (outside code fences).

    A discussion prompt and the next exercise's heading often share a cell; on slides the
    heading must open a new slide.
    """
    parts, current, fenced = [], [], False
    for line in source.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith(("# ", "## ")) and any(x.strip() for x in current):
            parts.append("\n".join(current).strip("\n"))
            current = []
        current.append(line)
    parts.append("\n".join(current).strip("\n"))
    return [p for p in parts if p.strip()]


def slide_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with reveal.js slide types set, and the facilitator-only cells removed.

    Markdown cells are cut at their headings (:func:`split_at_headings`) so that every
    ``#`` / ``##`` heading opens a slide. The solution itself is not modified.
    """
    import nbformat

    deck = copy.deepcopy(nb)
    cells = []
    for cell in deck.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & HIDDEN_TAGS:
            continue
        pieces = [cell]
        if cell.cell_type == "markdown":
            texts = split_at_headings(cell.source)
            pieces = [cell] + [nbformat.v4.new_markdown_cell(t) for t in texts[1:]]
            cell.source = texts[0] if texts else cell.source
        for piece in pieces:
            piece.metadata["slideshow"] = {"slide_type": slide_type(piece)}
            cells.append(piece)
    deck.cells = cells
    return deck


def slides_html(nb: nbformat.NotebookNode) -> str:
    """The reveal.js deck of a notebook (code hidden, outputs shown) as one HTML page."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        reveal_scroll=True,
    )
    body, _ = exporter.from_notebook_node(slide_notebook(nb))
    return body


def write_slides(
    names: Sequence[str] | None = None,
    *,
    solutions_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> list[Path]:
    """Write ``NN_topic.slides.html`` for the chosen solutions (default: all).

    Parameters
    ----------
    names : sequence of str, optional
        Solution file names or prefixes (``"03"``).
    solutions_dir, out_dir : path-like, optional
        Default ``solutions/`` and ``reports/slides/``.

    Raises
    ------
    ValueError
        When a name matches no solution.
    """
    import nbformat

    from helpers.core.report import atomic_write_text
    from helpers.workshop.exercises import solution_paths

    available = solution_paths(solutions_dir)
    chosen = available
    if names:
        chosen = [p for p in available if any(p.name.startswith(n) for n in names)]
        unknown = [n for n in names if not any(p.name.startswith(n) for p in available)]
        if unknown:
            raise ValueError(
                f"No solution notebook matches {', '.join(unknown)}; "
                f"available: {', '.join(p.name for p in available)}."
            )
    out = Path(out_dir) if out_dir is not None else SLIDES_DIR
    written = []
    for path in chosen:
        target = out / f"{path.stem}.slides.html"
        atomic_write_text(target, slides_html(nbformat.read(path, as_version=4)))
        written.append(target)
    return written
