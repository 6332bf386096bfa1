"""Executing one notebook with papermill, and what is done with the executed file.

:func:`execute_notebook` runs a notebook in this environment's kernel (``cwd`` = repo
root) through a papermill engine that writes the partial notebook at most every
:data:`SAVE_EVERY` seconds. The executed file is then pointed at the final report folder
(:func:`finish_notebook`, which also replaces every machine path by its recorded form) and,
with ``--html``, rendered twice in a background thread (:class:`HtmlExports`): the business
report without code and the analyst page with it (:func:`report_paths`). A notebook
stopped by :func:`helpers.core.report.skip_module` is a skip (:func:`skip_reason`); any
other error is a failure, told in one sentence (:func:`failure_sentence`).
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import functools
import json
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import paths
from helpers.runner.kernels import KERNEL_NAME, KERNELSPEC, _kernel_manager_class
from helpers.runner.params import (
    Notebook,
    path_replacements,
    portable_text,
    runner_parameters,
)

if TYPE_CHECKING:  # nbformat is slow to import
    from nbformat import NotebookNode

#: While a notebook runs, its partial output is written at most this often (seconds).
SAVE_EVERY = 2.0
ENGINE_NAME = "alignment-edge"
#: ``ename`` of the error that :func:`helpers.core.report.skip_module` raises.
SKIP_ENAME = "ModuleSkipped"
_ENGINE_REGISTERED: list[str] = []
#: File-name ending of the analyst rendering (with code); the business report is ``.html``.
ANALYST_SUFFIX = ".analyst.html"
INDEX_LINK = "All findings for this organization"
#: Tags that keep a cell, or only its outputs, out of the business report.
_HIDDEN_CELL_TAGS = {
    "parameters", "injected-parameters", "papermill-error-cell-tag", "report-hide", "remove-cell"
}
_HIDDEN_OUTPUT_TAGS = {"report-hide-output", "remove-output"}
#: ``org_dir`` as papermill records it in the executed notebook's metadata.
_ORG_DIR_PARAMETER = re.compile(r'"org_dir": "((?:[^"\\]|\\.)*)"')


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
        Values injected after the ``parameters`` cell; ``org_dir`` and ``output_dir``
        inside the repository are injected relative to it
        (:func:`helpers.runner.params.runner_parameters`).
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
        parameters=runner_parameters(parameters, cwd) or None,
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
    """Record the executed notebook as it belongs in the final report folder.

    Every machine path in it (the run's temporary folder, the report folder, the org
    folder named by its ``org_dir`` parameter, the repository) is replaced by its
    recorded form (:func:`helpers.runner.params.path_replacements`), and the notebook
    names the standard kernelspec. With ``skipped``, papermill's "An Exception was
    encountered" banners are removed: a skipped module is kept in the report like a
    successful one (its last output says why it stopped).
    """
    import nbformat

    text = path.read_text(encoding="utf-8")
    found = _ORG_DIR_PARAMETER.search(text)
    org_dir = json.loads(f'"{found.group(1)}"') if found else None
    text = portable_text(text, path_replacements(tmp_dir, final_dir, org_dir))
    nb = nbformat.reads(text, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    if skipped:
        from papermill.execute import remove_error_markers

        nb = remove_error_markers(nb)
    nbformat.write(nb, str(path))


# --------------------------------------------------------------------------- renderings


def report_paths(nb_path: Path) -> tuple[Path, Path]:
    """The two renderings of an executed notebook: ``(business report, analyst page)``.

    ``02_funnel_leakage.html`` is the report without code (narrative, tables, charts, key
    points) for the people who act on it; ``02_funnel_leakage.analyst.html`` keeps the
    code, for the analyst who checks or reruns it.
    """
    nb_path = Path(nb_path)
    return nb_path.with_suffix(".html"), nb_path.with_name(nb_path.stem + ANALYST_SUFFIX)


def business_notebook(nb: NotebookNode) -> NotebookNode:
    """A copy of an executed notebook reduced to what a business reader needs.

    Removed: the parameters cells, cells tagged ``report-hide`` (or ``remove-cell``),
    the outputs of cells tagged ``report-hide-output`` (or ``remove-output``), warnings
    (stderr), error tracebacks (a skipped module has already printed why) and bare
    Python values (an output that is only ``text/plain`` from a cell's last
    expression); a code cell left without output is dropped. Code itself is left to the
    exporter (``exclude_input``).
    """
    out = copy.deepcopy(nb)
    kept = []
    for cell in out.cells:
        tags = set(cell.metadata.get("tags", []))
        if tags & _HIDDEN_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            hide_all = bool(tags & _HIDDEN_OUTPUT_TAGS)
            cell.outputs = [] if hide_all else [o for o in cell.outputs if _for_business(o)]
            if not cell.outputs:
                continue
        kept.append(cell)
    out.cells = kept
    return out


def _for_business(output: Any) -> bool:
    """Whether a code cell's output belongs in the business report."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") == "stdout" and bool(str(output.get("text", "")).strip())
    if kind == "error":
        return False
    if kind in {"execute_result", "display_data"}:
        return bool(set(output.get("data", {})) - {"text/plain"})
    return True


def _with_links(nb: NotebookNode, links: list[tuple[str, str]]) -> NotebookNode:
    """``nb`` with a first markdown line linking to the index and the other rendering."""
    import nbformat

    line = " · ".join(f"[{label}]({target})" for label, target in links)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(line, metadata={"tags": ["report-links"]}))
    return nb


def export_html(nb_path: Path, html_path: Path, *, code: bool = True) -> None:
    """Write the executed notebook ``nb_path`` as a standalone HTML page.

    Parameters
    ----------
    nb_path : Path
        The executed notebook.
    html_path : Path
        Where to write the page.
    code : bool
        Keep the code cells (the analyst page); False writes the business report: no
        code, no prompts, only what :func:`business_notebook` keeps.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb_path = Path(nb_path)
    nb = nbformat.read(str(nb_path), as_version=4)
    report, analyst = report_paths(nb_path)
    if code:
        exporter = HTMLExporter()
        links = [(INDEX_LINK, "index.html"), ("The report without code", report.name),
                 ("The executed notebook", nb_path.name)]
    else:
        nb = business_notebook(nb)
        exporter = HTMLExporter(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
        )
        links = [(INDEX_LINK, "index.html"),
                 ("The same report with its code, for analysts", analyst.name)]
    nb = _with_links(nb, links)
    resources = {"metadata": {"name": nb_path.stem, "path": str(nb_path.parent)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    Path(html_path).write_text(body, encoding="utf-8")


def export_renderings(nb_path: Path) -> tuple[Path, Path]:
    """Write both renderings of an executed notebook beside it (:func:`report_paths`)."""
    report, analyst = report_paths(nb_path)
    export_html(nb_path, report, code=False)
    export_html(nb_path, analyst, code=True)
    return report, analyst


class HtmlExports:
    """HTML export of executed notebooks in a background thread (``--html``): the
    business report and the analyst page of each (:func:`report_paths`).

    Each export runs while the next notebook's kernel works. Without ``enabled`` every
    method does nothing.
    """

    def __init__(self, enabled: bool) -> None:
        self._pool = cf.ThreadPoolExecutor(max_workers=1) if enabled else None
        self._futures: list[cf.Future] = []

    def submit(self, nb_path: Path) -> None:
        """Write both renderings of ``nb_path`` beside it, in the background
        (:func:`export_renderings`)."""
        if self._pool is not None:
            self._futures.append(self._pool.submit(export_renderings, nb_path))

    def wait(self) -> None:
        """Wait for every export; an export error is a bug worth its traceback."""
        for fut in self._futures:
            fut.result()

    def close(self) -> None:
        """Cancel the exports not started and wait for the running one."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
