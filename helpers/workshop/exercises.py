"""Exercises generated from solutions: the solution is the single source.

Each exercise in a solution (``solutions/NN_topic.ipynb``) puts its answer code between
``# BEGIN SOLUTION`` and ``# END SOLUTION`` and ends with a self-check call::

    # BEGIN SOLUTION
    rankable = industry[industry["reliable"] & ~industry["pooled"]]
    top_industry = rankable.sort_values("win_rate", ascending=False)["segment"].iloc[0]
    # END SOLUTION
    check.icp_top_industry(top_industry)

:func:`exercise_from_solution` turns a solution into an exercise: the block becomes
``top_industry = ...  # Your answer here`` (one line per answer the rest of the cell
reads), markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes
*Your answer here.*, cells tagged ``solution`` or ``hidden-check`` are removed, and every
output is cleared so no chart gives an answer away. :func:`generate_exercises` writes
``exercises/`` from ``solutions/``; :func:`stale_exercises` names the committed exercises that
differ from what it would write.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.core import paths

if TYPE_CHECKING:  # nbformat is slow to import: only the generator and the runner need it
    import nbformat

BEGIN_SOLUTION = "# BEGIN SOLUTION"
END_SOLUTION = "# END SOLUTION"
ANSWER_COMMENT = "# Your answer here"
MD_BEGIN_SOLUTION = "<!-- BEGIN SOLUTION -->"
MD_END_SOLUTION = "<!-- END SOLUTION -->"
MD_ANSWER_PLACEHOLDER = "*Your answer here.*"
#: Cells with one of these tags are dropped from the exercise.
REMOVED_TAGS = frozenset({"solution", "hidden-check"})
KERNEL_NAME = "python3"
#: The kernelspec written in exercises and in re-executed solutions.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
NB_VERSION = 4


class SolutionFormatError(ValueError):
    """A solution notebook's markers cannot be turned into an exercise."""


def _assigned_names(tree: ast.Module) -> list[str]:
    """Names bound at the top level of a block, in order.

    ``a = ...``, ``a, b = ...``, ``a: int = ...`` and ``a += ...`` bind ``a`` (and ``b``).
    """
    names: list[str] = []

    def add(target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if target.id not in names:
                names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                add(elt)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            add(node.target)
    return names


def _last_targets(tree: ast.Module, where: str) -> list[str]:
    """Names assigned by the block's last statement (``[]`` when it is not an assignment)."""
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.AnnAssign) and isinstance(last.target, ast.Name):
        return [last.target.id]
    if not isinstance(last, ast.Assign):
        return []
    names = []
    target = last.targets[-1]  # a = b = x: the outermost name is the answer
    for elt in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
        if not isinstance(elt, ast.Name):
            raise SolutionFormatError(
                f"{where}: the last line of a solution block must assign plain names "
                f"(e.g. 'answer = ...'), not '{ast.unparse(elt)}'."
            )
        names.append(elt.id)
    return names


def _used_names(code: str) -> set[str] | None:
    """Names read by ``code`` (``None`` when it does not parse on its own)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _block_stub(block: list[str], indent: str, rest: str, where: str) -> list[str]:
    """The exercise lines replacing one solution block.

    One ``name = ...  # Your answer here`` line for every name the block assigns that
    the rest of the cell reads (typically the check call), else for the names its last
    statement assigns; a block that assigns nothing becomes ``...  # Your answer here``.
    """
    code = textwrap.dedent("\n".join(block))
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SolutionFormatError(
            f"{where}: the solution block is not valid Python ({exc.msg})."
        ) from exc
    last = _last_targets(tree, where)
    used = _used_names(rest)
    assigned = _assigned_names(tree)
    if used is None:
        names = [n for n in assigned if re.search(rf"(?<![\w.]){re.escape(n)}\b", rest)]
    else:
        names = [n for n in assigned if n in used]
    names = names or last
    if not names:
        return [f"{indent}...  {ANSWER_COMMENT}"]
    return [f"{indent}{name} = ...  {ANSWER_COMMENT}" for name in names]


def _solution_blocks(lines: list[str], where: str) -> list[tuple[int, int]]:
    """The (begin line, end line) of every solution block, 0-based; checks the markers pair up."""
    blocks: list[tuple[int, int]] = []
    begin = None
    for number, line in enumerate(lines):
        marker = line.strip()
        if marker.startswith(BEGIN_SOLUTION):
            if begin is not None:
                raise SolutionFormatError(
                    f"{where}, line {number + 1}: '{BEGIN_SOLUTION}' inside another block."
                )
            begin = number
        elif marker.startswith(END_SOLUTION):
            if begin is None:
                raise SolutionFormatError(
                    f"{where}, line {number + 1}: '{END_SOLUTION}' without a '{BEGIN_SOLUTION}'."
                )
            blocks.append((begin, number))
            begin = None
    if begin is not None:
        raise SolutionFormatError(
            f"{where}: '{BEGIN_SOLUTION}' is never closed by '{END_SOLUTION}'."
        )
    return blocks


def strip_code_solution(source: str, where: str = "cell") -> str:
    """Replace every ``# BEGIN SOLUTION`` / ``# END SOLUTION`` block of a code cell.

    Parameters
    ----------
    source : str
        The code cell's source.
    where : str
        Named in error messages (notebook and cell).

    Returns
    -------
    str
        The source with each block replaced by ``name = ...  # Your answer here`` for each
        name the block assigns and the rest of the cell reads (see :func:`_block_stub`).
    """
    lines = source.split("\n")
    out: list[str] = []
    position = 0
    for first, last in _solution_blocks(lines, where):
        out.extend(lines[position:first])
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        rest = "\n".join(
            line for line in lines[last + 1 :] if not line.strip().startswith(("# BEGIN", "# END"))
        )
        out.extend(_block_stub(lines[first + 1 : last], indent, rest, where))
        position = last + 1
    out.extend(lines[position:])
    return "\n".join(out)


def strip_markdown_solution(source: str, where: str = "cell") -> str:
    """Replace markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``."""
    pattern = re.compile(
        re.escape(MD_BEGIN_SOLUTION) + r"(.*?)" + re.escape(MD_END_SOLUTION), re.DOTALL
    )
    result = pattern.sub(MD_ANSWER_PLACEHOLDER, source)
    if MD_BEGIN_SOLUTION in result or MD_END_SOLUTION in result:
        raise SolutionFormatError(
            f"{where}: unbalanced '{MD_BEGIN_SOLUTION}' / '{MD_END_SOLUTION}'."
        )
    return result


def has_solution(source: str) -> bool:
    """True when a cell's source holds a solution block (code or markdown)."""
    return any(m in source for m in (BEGIN_SOLUTION, MD_BEGIN_SOLUTION))


def exercise_from_solution(
    solution: nbformat.NotebookNode, name: str = "notebook"
) -> nbformat.NotebookNode:
    """Build the exercise notebook from a solution notebook (the solution is not modified).

    Parameters
    ----------
    solution : NotebookNode
        The solution notebook (with or without outputs).
    name : str
        File name, used in error messages and in the exercise's metadata.

    Returns
    -------
    NotebookNode
        Same cells (and cell ids) without the answers, without cells tagged ``solution`` or
        ``hidden-check``, without outputs or execution counts, with minimal metadata.
    """
    import nbformat

    exercise = nbformat.v4.new_notebook()
    exercise.nbformat, exercise.nbformat_minor = solution.nbformat, solution.nbformat_minor
    exercise.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
        "alignment_edge": {
            "generated_from": f"solutions/{name}",
            "edit": "edit the solution, then run `make exercises`",
        },
    }
    cells = []
    for index, cell in enumerate(solution.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVED_TAGS:
            continue
        where = f"{name}, cell {index + 1}"
        new = copy.deepcopy(cell)
        source = "".join(new.source) if isinstance(new.source, list) else new.source
        metadata = {"tags": sorted(tags)} if tags else {}
        if new.cell_type == "code":
            new.source = strip_code_solution(source, where)
            new.outputs = []
            new.execution_count = None
        elif new.cell_type == "markdown":
            new.source = strip_markdown_solution(source, where)
            new.pop("attachments", None)
        else:
            new.source = source
        new.metadata = metadata
        cells.append(new)
    exercise.cells = cells
    return exercise


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text a notebook is written with (stable across runs)."""
    import nbformat

    return nbformat.writes(nb, version=NB_VERSION) + "\n"


def solution_paths(solutions_dir: str | Path | None = None) -> list[Path]:
    """Solution notebooks in teaching order (``NN_topic.ipynb``)."""
    folder = Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def exercise_text(solution_path: str | Path) -> str:
    """What :func:`generate_exercises` writes for one solution."""
    import nbformat

    solution_path = Path(solution_path)
    solution = nbformat.read(solution_path, as_version=NB_VERSION)
    return notebook_text(exercise_from_solution(solution, solution_path.name))


def generate_exercises(
    solutions_dir: str | Path | None = None, exercises_dir: str | Path | None = None
) -> list[Path]:
    """Write ``exercises/NN_topic.ipynb`` for every ``solutions/NN_topic.ipynb``.

    Exercise notebooks whose solution no longer exists are removed, so both folders hold
    the same file names. Files are only rewritten when their text changes.

    Returns
    -------
    list of Path
        The exercise notebooks, in teaching order.
    """
    exercises = Path(exercises_dir) if exercises_dir is not None else paths.EXERCISES
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    sources = solution_paths(solutions_dir)
    names = {p.name for p in sources}
    for solution_path in sources:
        target = exercises / solution_path.name
        text = exercise_text(solution_path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    for stale in exercises.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    return written


def stale_exercises(
    solutions_dir: str | Path | None = None, exercises_dir: str | Path | None = None
) -> list[str]:
    """Names of exercises that differ from (or are missing from) what the generator makes."""
    exercises = Path(exercises_dir) if exercises_dir is not None else paths.EXERCISES
    sources = solution_paths(solutions_dir)
    names = {p.name for p in sources}
    stale = []
    for solution_path in sources:
        target = exercises / solution_path.name
        if not target.exists() or (
            target.read_text(encoding="utf-8") != exercise_text(solution_path)
        ):
            stale.append(solution_path.name)
    stale += sorted(p.name for p in exercises.glob("*.ipynb") if p.name not in names)
    return stale


