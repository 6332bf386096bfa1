"""Executing notebooks: the solutions re-executed in place (for nbval), and their checks read back.

:func:`execute_solutions` (``python -m helpers.workshop execute-solutions``) re-executes
solutions top to bottom from the repository root and stores their outputs, which nbval
compares against; :func:`execute_notebooks` runs several notebooks at once (the tests'
two-way check); :func:`check_outputs` and :func:`error_outputs` read an executed notebook.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import paths
from helpers.workshop.exercises import (
    KERNELSPEC,
    NB_VERSION,
    notebook_text,
    solution_paths,
)
from helpers.workshop.results import CHECK_MIME

if TYPE_CHECKING:  # nbformat is slow to import
    import nbformat


def execute_in_place(
    nb: nbformat.NotebookNode,
    *,
    cwd: str | Path | None = None,
    timeout: int = 600,
    allow_errors: bool = False,
) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom in the environment's ``python3`` kernel, in place.

    A thin adapter over the project's one executor,
    :func:`helpers.runner.execute_notebook` (papermill), that leaves no papermill metadata
    or timings in the notebook, so that re-executed solutions stay clean for nbval.

    Parameters
    ----------
    nb : NotebookNode
        Executed in place (outputs replaced) and returned.
    cwd : path, optional
        Working directory of the kernel (default: the repository root).
    timeout : int
        Seconds allowed per cell.
    allow_errors : bool
        Keep going after a failing cell (cells tagged ``raises-exception`` always may fail).

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell fails and ``allow_errors`` is False.
    """
    from helpers.runner.execute import execute_notebook

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    done = execute_notebook(
        nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors, clean=True
    )
    nb.cells = done.cells
    nb.metadata = done.metadata
    return nb


def _execute_text(text: str, cwd: str, timeout: int, allow_errors: bool) -> str:
    """Execute a notebook given as JSON text; return the executed notebook as text.

    The process-pool worker of :func:`execute_notebooks` (notebooks cross processes as text).
    """
    import nbformat

    nb = nbformat.reads(text, as_version=NB_VERSION)
    execute_in_place(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors)
    return nbformat.writes(nb, version=NB_VERSION)


def execute_notebooks(
    notebooks: Sequence[nbformat.NotebookNode],
    *,
    cwd: str | Path | None = None,
    timeout: int = 600,
    workers: int = 2,
    allow_errors: bool = False,
) -> list[nbformat.NotebookNode]:
    """Execute several notebooks at once, each in its own process and kernel.

    Worker processes are started with ``spawn``: a script calling this must guard its
    entry point with ``if __name__ == "__main__":``.

    Parameters
    ----------
    notebooks : sequence of NotebookNode
        Not modified; executed copies are returned in the same order.
    cwd : path, optional
        Working directory of every kernel (default: the repository root).
    workers : int
        Notebooks executed at the same time.
    allow_errors : bool
        Keep executing after a failing cell (the error is in the cell's outputs, see
        :func:`error_outputs`) instead of raising.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell fails and ``allow_errors`` is False.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import nbformat

    where = str(Path(cwd) if cwd is not None else paths.REPO_ROOT)
    texts = [nbformat.writes(nb, version=NB_VERSION) for nb in notebooks]
    if workers <= 1 or len(texts) <= 1:
        done = [_execute_text(t, where, timeout, allow_errors) for t in texts]
    else:
        context = multiprocessing.get_context("spawn")
        n = len(texts)
        with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
            done = list(
                pool.map(_execute_text, texts, [where] * n, [timeout] * n, [allow_errors] * n)
            )
    return [nbformat.reads(t, as_version=NB_VERSION) for t in done]


def check_outputs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Every self-check result displayed in an executed notebook, in cell order.

    Each item is :meth:`CheckResult.to_dict` plus ``cell`` (the cell's position, from 1).
    """
    results = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if CHECK_MIME in data:
                item = dict(data[CHECK_MIME])
                item["cell"] = index + 1
                results.append(item)
    return results


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """One line per error output in an executed notebook (empty when it ran cleanly)."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {index + 1}: {output.get('ename')}: {output.get('evalue')}")
    return errors


@dataclass
class SolutionRun:
    """What re-executing one solution gave."""

    name: str
    seconds: float
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        """The checks that did not pass."""
        return [c for c in self.checks if not c["passed"]]


def _clean_solution_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata so a re-execution only changes what nbval compares."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    info = nb.metadata.get("language_info", {})
    lexer = {"pygments_lexer": info["pygments_lexer"]} if "pygments_lexer" in info else {}
    nb.metadata["language_info"] = {"name": "python", **lexer}
    for cell in nb.cells:
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)


def execute_solution(path: str | Path, *, timeout: int = 600) -> SolutionRun:
    """Re-execute one solution top to bottom (cwd = repository root) and save it with outputs."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=NB_VERSION)
    start = time.perf_counter()
    execute_in_place(nb, cwd=paths.REPO_ROOT, timeout=timeout)
    seconds = time.perf_counter() - start
    _clean_solution_metadata(nb)
    path.write_text(notebook_text(nb), encoding="utf-8")
    return SolutionRun(path.name, seconds, check_outputs(nb))


def _matches(path: Path, name: str) -> bool:
    """A solution named by its file name or a prefix of it (``01``)."""
    return path.name == name or path.name.startswith(name)


def execute_solutions(
    names: Sequence[str] | None = None, *, solutions_dir: str | Path | None = None
) -> list[SolutionRun]:
    """Re-execute solutions in place, storing their outputs (what nbval compares against).

    Parameters
    ----------
    names : sequence of str, optional
        File names (``01_define_icp.ipynb``) or prefixes (``01``); all solutions by default.
    solutions_dir : path, optional
        Folder of the solutions (default: ``solutions/``).

    Raises
    ------
    ValueError
        When a name matches no solution.
    """
    available = solution_paths(solutions_dir)
    if names:
        chosen = [p for p in available if any(_matches(p, n) for n in names)]
        unknown = [n for n in names if not any(_matches(p, n) for p in available)]
        if unknown:
            raise ValueError(
                f"No solution notebook matches {', '.join(unknown)}; "
                f"available: {', '.join(p.name for p in available)}."
            )
    else:
        chosen = available
    return [execute_solution(p) for p in chosen]


