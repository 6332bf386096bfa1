"""Executing one notebook with papermill, and what is done with the executed file.

:func:`execute_notebook` runs a notebook in this environment's kernel (``cwd`` = repo
root) through a papermill engine that writes the partial notebook at most every
:data:`SAVE_EVERY` seconds. The executed file is then pointed at the final report folder
(:func:`finish_notebook`) and, with ``--html``, exported in a background thread
(:class:`HtmlExports`). A notebook stopped by :func:`helpers.core.report.skip_module` is a
skip (:func:`skip_reason`); any other error is a failure, told in one sentence
(:func:`failure_sentence`).
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import functools
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import paths
from helpers.runner.kernels import KERNEL_NAME, KERNELSPEC, _kernel_manager_class
from helpers.runner.params import Notebook

if TYPE_CHECKING:  # nbformat is slow to import
    from nbformat import NotebookNode

#: While a notebook runs, its partial output is written at most this often (seconds).
SAVE_EVERY = 2.0
ENGINE_NAME = "alignment-edge"
#: ``ename`` of the error that :func:`helpers.core.report.skip_module` raises.
SKIP_ENAME = "ModuleSkipped"
_ENGINE_REGISTERED: list[str] = []


def execute_notebook(
    nb: Notebook | NotebookNode | str | Path,
    out_path: Path | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    progress_bar: bool = False,
    kernel: Any = None,
    cwd: str | Path | None = None,
    timeout: int | None = None,
    allow_errors: bool = False,
    clean: bool = False,
) -> NotebookNode:
    """Execute a notebook with papermill in this environment's kernel: the one executor.

    The runner executes the curriculum's notebooks with it (parameters injected, the
    executed file written to ``out_path``); the workshop re-executes solutions and
    exercises with it (``clean=True``: no papermill metadata is left in the notebook).

    Parameters
    ----------
    nb : Notebook, NotebookNode or path
        What to execute (a NotebookNode is not modified).
    out_path : path, optional
        Where papermill writes the executed notebook (also while it runs); None writes
        nothing.
    parameters : dict, optional
        Values injected after the ``parameters`` cell.
    kernel : kernel manager, optional
        A kernel already started by :func:`helpers.runner.start_kernel` (the caller stops
        it with :func:`helpers.runner.stop_kernel`); default: papermill starts and stops a
        fresh one.
    cwd : path, optional
        The kernel's working directory (default: the repository root).
    timeout : int, optional
        Seconds allowed per cell (default: no limit).
    allow_errors : bool
        Keep executing after a failing cell and return the notebook with the error in the
        cell's outputs, instead of raising.
    clean : bool
        Remove papermill's metadata, error banners and timings from the result.

    Returns
    -------
    NotebookNode
        The executed notebook.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell raises (and ``allow_errors`` is False); ``out_path`` then holds the
        partially executed notebook.
    """
    import papermill as pm

    source = nb.path if isinstance(nb, Notebook) else nb
    if not isinstance(source, str | Path):
        source = copy.deepcopy(source)
    extra = _engine_options(kernel, allow_errors, clean)
    run = functools.partial(
        pm.execute_notebook,
        source,
        parameters=parameters or None,
        engine_name=_engine_name(),
        kernel_name=KERNEL_NAME,
        language="python",
        cwd=str(cwd if cwd is not None else paths.REPO_ROOT),
        progress_bar=progress_bar,
        log_output=False,
        kernel_manager_class=_kernel_manager_class(),
        execution_timeout=timeout,
        **extra,
    )
    if not allow_errors:
        done = run(str(out_path) if out_path is not None else None)
    else:
        done = _run_keeping_errors(run, out_path)
    return strip_papermill(done) if clean else done


def _engine_options(kernel: Any, allow_errors: bool, clean: bool) -> dict[str, Any]:
    """Keyword arguments papermill passes on to its engine and nbclient."""
    extra: dict[str, Any] = {"km": kernel} if kernel is not None else {}
    if allow_errors:
        extra["allow_errors"] = True
    if clean:
        extra["record_timing"] = False
    return extra


def _run_keeping_errors(run: Any, out_path: Path | None) -> NotebookNode:
    """Run ``run(output_path)``; on a cell error return the executed notebook anyway."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(out_path) if out_path is not None else Path(tmp) / "executed.ipynb"
        try:
            return run(str(target))
        except PapermillExecutionError:
            return nbformat.read(target, as_version=4)


def strip_papermill(nb: NotebookNode) -> NotebookNode:
    """Remove what papermill adds to a notebook (metadata, timings, error banner cells)."""
    nb.metadata.pop("papermill", None)
    nb.cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags")
        if tags is not None and not tags:
            cell.metadata.pop("tags")
    return nb


def _engine_name() -> str:
    """papermill's engine, writing the executed notebook at most every ``SAVE_EVERY``
    seconds while it runs (papermill writes it twice per cell, which costs seconds on a
    notebook with many charts), and always when it ends or fails."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if _ENGINE_REGISTERED:
        return ENGINE_NAME

    class ThrottledManager(NotebookExecutionManager):
        def save(self, **kwargs):
            now = time.monotonic()
            last = self.__dict__.get("_last_write")
            if self.__dict__.get("_final") or last is None or now - last >= SAVE_EVERY:
                super().save(**kwargs)
                self._last_write = now

        def notebook_complete(self, **kwargs):
            self._final = True
            super().notebook_complete(**kwargs)

    class ThrottledEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):
            nb_man = ThrottledManager(nb, output_path=output_path, progress_bar=progress_bar,
                                      log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE_NAME, ThrottledEngine)
    _ENGINE_REGISTERED.append(ENGINE_NAME)
    return ENGINE_NAME


# --------------------------------------------------------------------------- outcome


def skip_reason(exc: BaseException) -> str | None:
    """The reason a notebook gave for skipping its module, or None if ``exc`` is a failure.

    A notebook that calls :func:`helpers.core.report.skip_module` stops with
    ``ModuleSkipped``; papermill reports it as a ``PapermillExecutionError`` whose
    ``ename`` is ``"ModuleSkipped"`` and whose ``evalue`` is the reason.
    """
    if getattr(exc, "ename", None) != SKIP_ENAME:
        return None
    return " ".join(str(getattr(exc, "evalue", "") or "").split()) or "no reason given"


def failure_sentence(exc: BaseException, nb: Notebook, saved: Path | None) -> str:
    """The cause of a notebook failure in one sentence."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc)
    evalue = " ".join(str(evalue).split())
    if len(evalue) > 400:
        evalue = evalue[:397] + "..."
    count = getattr(exc, "exec_count", None)
    cell = f" in cell [{count}]" if count is not None else ""
    where = f"; the partially executed notebook is {saved}" if saved else ""
    msg = f": {evalue}" if evalue else ""
    return f"{nb.key} failed{cell} with {ename}{msg}{where}."


# --------------------------------------------------------------------------- executed file


def finish_notebook(path: Path, tmp_dir: Path, final_dir: Path, *, skipped: bool = False) -> None:
    """Point the executed notebook at the final report folder and the standard kernelspec.

    With ``skipped``, papermill's "An Exception was encountered" banners are removed: a
    skipped module is kept in the report like a successful one (its last output says why
    it stopped).
    """
    import nbformat

    text = path.read_text(encoding="utf-8")
    text = text.replace(str(tmp_dir), str(final_dir))
    nb = nbformat.reads(text, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if skipped:
        from papermill.execute import remove_error_markers

        nb = remove_error_markers(nb)
    nbformat.write(nb, str(path))


def export_html(nb_path: Path, html_path: Path) -> None:
    """Write the executed notebook ``nb_path`` as a standalone HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(nb_path), as_version=4)
    resources = {"metadata": {"name": nb_path.stem, "path": str(nb_path.parent)}}
    body, _ = HTMLExporter().from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")


class HtmlExports:
    """HTML export of executed notebooks in a background thread (``--html``).

    Each export runs while the next notebook's kernel works. Without ``enabled`` every
    method does nothing.
    """

    def __init__(self, enabled: bool) -> None:
        self._pool = cf.ThreadPoolExecutor(max_workers=1) if enabled else None
        self._futures: list[cf.Future] = []

    def submit(self, nb_path: Path) -> None:
        """Export ``nb_path`` to the ``.html`` file beside it, in the background."""
        if self._pool is not None:
            self._futures.append(
                self._pool.submit(export_html, nb_path, nb_path.with_suffix(".html"))
            )

    def wait(self) -> None:
        """Wait for every export; an export error is a bug worth its traceback."""
        for fut in self._futures:
            fut.result()

    def close(self) -> None:
        """Cancel the exports not started and wait for the running one."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
