"""Run the curriculum for one organization with papermill.

One run = load and validate the org's data once, write the validated tables into the
run's folder, then execute ``notebooks/NN_*.ipynb``, each in the ``python3`` kernel of the
environment this code runs in; notebooks that do not need each other's results run at the
same time (:mod:`helpers.runner.graph`). The steps of :func:`run_org`:

1. :func:`plan_run` - check everything before anything runs: the org's config, the
   notebooks, their parameters and dependencies, the report folder (nothing is touched on
   an error);
2. load the data (the first notebooks' kernels start meanwhile) and make the run's
   temporary folder (:mod:`helpers.runner.output`);
3. with ``--only``, carry the previous report over; write the validated tables;
4. :func:`_execute_all` - execute the notebooks as a graph
   (:class:`helpers.runner.scheduler.NotebookGraph`); a notebook stopped by
   ``report.skip_module`` is a skip, any other error ends the run;
5. record the ``_run`` entry of ``summary.json`` and swap the folder into place.

The report and ``summary.json`` are the same whatever ran at the same time: each notebook
reads only the tables and the results of the notebooks it waits for.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core import paths
from helpers.runner import output, site, skips
from helpers.runner.execute import (
    HtmlExports,
    execute_notebook,
    failure_sentence,
    finish_notebook,
)
from helpers.runner.graph import ModuleIO, dependencies
from helpers.runner.params import (
    Notebook,
    describe_overrides,
    discover_notebooks,
    known_notebooks,
    resolve_parameters,
    select_notebooks,
)
from helpers.runner.scheduler import FAILED, OK, SKIPPED, NotebookGraph, Outcome, default_parallel
from helpers.runner.summary import RUN_KEY, RunFacts, write_run_entry


@dataclass
class RunResult:
    """What a run produced (picklable: crosses process boundaries in multi-org runs).

    Attributes
    ----------
    ok : bool
        True when every notebook succeeded or skipped and the report is in place.
    notebooks : list of str
        The notebooks executed, skipped ones included, in order.
    skipped : dict
        Notebook key -> the reason it gave for skipping its module.
    message : str
        Where the report is, or why the run failed (one sentence).
    failed_notebook : Path or None
        The partially executed notebook kept in ``<report>/failed/``.
    """

    org_dir: Path
    out: Path | None
    ok: bool
    notebooks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""
    failed_notebook: Path | None = None
    org_name: str | None = None
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunPlan:
    """A run checked before anything runs: what to execute, with what, and where."""

    org_path: Path
    config: Any
    selected: list[Notebook]
    injected: dict[str, dict[str, Any]]
    target: Path
    overrides: str
    merge: bool
    deps: dict[str, tuple[str, ...]] = field(default_factory=dict)


def plan_run(
    org_dir: str | Path,
    *,
    out: str | Path | None = None,
    only: Iterable[str] | None = None,
    parameters: dict[str, Any] | None = None,
    notebooks_dir: str | Path | None = None,
    reports_dir: str | Path | None = None,
    module_io: Mapping[str, ModuleIO] | None = None,
) -> RunPlan:
    """Check an org's config, the notebooks, their parameters and the report folder.

    Arguments as :func:`run_org`. Nothing is executed and nothing is written.

    Raises
    ------
    helpers.core.config.ConfigError, helpers.core.paths.PathEscapeError, ValueError
        For a bad config, a bad parameter or an unsafe report folder.
    """
    from helpers.core import config as config_mod

    org_path = paths.resolve(org_dir)
    if not org_path.is_dir():
        raise ValueError(f"The organization folder {org_path} does not exist.")
    cfg = config_mod.load_org_config(org_path)
    all_nbs = discover_notebooks(notebooks_dir)
    selected = select_notebooks(all_nbs, only)
    known = known_notebooks(all_nbs, notebooks_dir)
    cli = parameters or {}
    injected = resolve_parameters(selected, cfg.parameters, cli, all_notebooks=known)
    target = paths.resolve(out) if out is not None else output.default_out(cfg.name, reports_dir)
    target = target.resolve()
    output.check_target(target, org_path)
    overrides = describe_overrides(injected, cfg.parameters, cli)
    deps = dependencies([nb.key for nb in selected], module_io)
    return RunPlan(
        org_path, cfg, selected, injected, target, overrides, merge=bool(only), deps=deps
    )


def run_org(
    org_dir: str | Path,
    *,
    out: str | Path | None = None,
    only: Iterable[str] | None = None,
    parameters: dict[str, Any] | None = None,
    html: bool = False,
    strict: bool = False,
    notebooks_dir: str | Path | None = None,
    reports_dir: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
    progress_bar: bool | None = None,
    parallel: int | None = None,
    module_io: Mapping[str, ModuleIO] | None = None,
) -> RunResult:
    """Run the curriculum (or ``only`` some notebooks) for one organization.

    Parameters
    ----------
    org_dir : path-like
        The organization folder (its ``org.yml`` and export files).
    out : path-like, optional
        Report folder; default ``reports/<org slug>``.
    only : iterable of str, optional
        Notebook numbers or names to run (``["02"]``); the rest of the previous
        report, ``summary.json`` included, is kept and merged.
    parameters : dict, optional
        ``-p`` overrides (highest precedence).
    html : bool
        Also export every executed notebook to HTML beside it.
    strict : bool
        Treat reported data-quality problems as fatal.
    notebooks_dir : path-like, optional
        Folder of ``NN_*.ipynb`` notebooks (default the curriculum's ``notebooks/``).
    reports_dir : path-like, optional
        Parent of the default report folder (default ``reports/``).
    echo : callable, optional
        Receives one progress line per notebook (default: print to stdout).
    progress_bar : bool, optional
        papermill's cell progress bar; default on only when stderr is a terminal and
        notebooks run one at a time.
    parallel : int, optional
        Notebooks executed at the same time, at most (default: this machine's cores; 1
        runs them one after another in teaching order). Which ones may run together is
        :func:`helpers.runner.graph.dependencies`.
    module_io : mapping, optional
        What each notebook reads and writes (default
        :data:`helpers.runner.graph.MODULE_IO`); notebooks it does not name wait for every
        notebook before them.

    Returns
    -------
    RunResult
        ``ok`` is False when a notebook failed (``message`` says why in one sentence);
        a notebook that skipped its module is listed in ``skipped`` and is no failure.

    Raises
    ------
    helpers.data.DataError, helpers.core.config.ConfigError, helpers.core.paths.PathEscapeError, ValueError
        For problems found before anything runs (bad data, bad config, bad parameter,
        unsafe output path). Nothing is executed and no report is touched.
    """
    started = time.perf_counter()
    plan = plan_run(
        org_dir, out=out, only=only, parameters=parameters,
        notebooks_dir=notebooks_dir, reports_dir=reports_dir, module_io=module_io,
    )
    parallel = default_parallel() if parallel is None else parallel
    if parallel < 1:
        raise ValueError(f"parallel must be at least 1 notebook at a time, not {parallel}.")
    return _execute_plan(
        plan,
        strict=strict,
        html=html,
        echo=echo or _echo_default,
        progress_bar=(sys.stderr.isatty() if progress_bar is None else progress_bar)
        and parallel == 1,
        started=started,
        parallel=parallel,
    )


def _execute_plan(
    plan: RunPlan,
    *,
    strict: bool,
    html: bool,
    echo: Callable[[str], None],
    progress_bar: bool,
    started: float,
    parallel: int,
) -> RunResult:
    """Load, write the tables, execute the notebooks, record and swap into place."""
    from helpers.data import load_org

    # The kernels of the notebooks that wait for nobody start now, while the data loads;
    # the others start as soon as the notebooks they wait for are under way.
    graph = NotebookGraph(plan.selected, plan.deps, parallel=parallel)
    try:
        data = load_org(plan.org_path, strict=strict)
        ready = skips.assess(data, plan.injected)  # which modules the data can feed
        tmp = output.make_workspace(plan.target)
    except BaseException:
        graph.close()
        raise
    # HTML export runs in a thread while the next notebook's kernel works.
    exports = HtmlExports(enabled=html)
    stop: list[Callable[[], None]] = []
    try:
        previous = _keep_previous(plan, tmp)
        facts = _write_tables(data, tmp)
        # Per-lead derivations several modules share are computed once, in a thread, while
        # the first notebooks (which need only the tables) run; the others wait for them.
        derived = _DeriveStep(data, tmp, plan.injected.get("02_funnel_leakage", {}))
        stop.append(derived.wait)  # never delete the folder under a thread still writing it
        # The kernels read the tables just written; the runner keeps only what the summary
        # needs, so that its copy of the data does not add to the kernels' memory.
        del data
        if plan.overrides:
            echo(f"Parameters: {plan.overrides}")
        result = _execute_all(
            plan, tmp, graph, exports, echo=echo, progress_bar=progress_bar, ready=ready,
            derived=derived,
        )
        derived.wait()
        skips.fail_on_skips(result, strict)  # --strict: a skipped module is a failure
        if result.ok:
            _write_meeting_kit(plan, tmp, echo)  # brief, QBR pack, sla.yml, sign-off sheet
            exports.wait()
            write_run_entry(tmp, facts, result.notebooks, previous)
            site.write_index(tmp)  # index.html, from summary.json and the artifacts
            output.normalise_permissions(tmp)
            output.swap_into_place(tmp, plan.target)
            result.message = _success_message(plan.target, result.skipped)
        result.seconds = time.perf_counter() - started
        return result
    finally:
        graph.close()
        exports.close()
        for wait in stop:
            wait()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


class _DeriveStep:
    """:func:`helpers.data.derive_tables` in a thread: the journeys, stage times and sales work
    that notebooks 02, 03 and the meeting kit share, stored with the tables once. It never
    fails a run (a derivation left out is computed by its notebook); ``wait`` blocks until it
    is written and then lets the runner's copy of the data go."""

    def __init__(self, data: Any, tmp: Path, params: dict) -> None:
        self._data: Any = data
        self._thread = threading.Thread(
            target=self._run, args=(tmp, dict(params)), name="derive-tables", daemon=True
        )
        self._thread.start()

    def _run(self, tmp: Path, params: dict) -> None:
        from helpers.data import derive_tables

        try:
            derive_tables(tmp, params, data=self._data)
        except Exception:  # noqa: BLE001 - the notebooks derive what is missing themselves
            pass
        finally:
            self._data = None

    def wait(self) -> None:
        """Block until the derived tables are written (idempotent)."""
        if self._thread.is_alive():
            self._thread.join()
            _release_memory()


def _keep_previous(plan: RunPlan, tmp: Path) -> dict:
    """With ``--only``: the previous report, less the outputs of the notebooks about to run
    again, copied into ``tmp``; returns its ``_run`` entry (empty without one)."""
    if not (plan.merge and plan.target.is_dir() and (plan.target / output.SUMMARY).is_file()):
        return {}
    from helpers.core import report

    output.copy_previous(plan.target, tmp)
    previous = report.read_summary(tmp).get(RUN_KEY, {})
    output.forget_outputs(tmp, plan.selected)
    return previous


def _write_tables(data: Any, tmp: Path) -> RunFacts:
    """Write the validated tables the notebooks read; the facts ``_run`` needs from them."""
    from helpers.data import write_tables

    write_tables(data, tmp)
    return RunFacts.of(data)


def _execute_all(
    plan: RunPlan,
    tmp: Path,
    graph: NotebookGraph,
    exports: HtmlExports,
    *,
    echo: Callable[[str], None],
    progress_bar: bool,
    ready: Any = None,
    derived: _DeriveStep | None = None,
) -> RunResult:
    """Execute the notebooks as a graph, one progress line each as they end; the first
    failure stops the run. A notebook the readiness contract (``ready``) says the data
    cannot feed is not executed: a short page says why (:mod:`helpers.runner.skips`).

    A notebook that skipped its module is kept like a successful one (HTML included) and
    the notebooks after it run. After a failure the partial notebook is kept in
    ``failed/``, the notebooks still running are stopped and ``ok`` is False.
    """
    result = RunResult(org_dir=plan.org_path, out=plan.target, ok=False, org_name=plan.config.name)
    total = len(plan.selected)
    ended: list[str] = []

    def execute(nb: Notebook, kernel: Any) -> None:
        skips.skip_unready(nb, ready, tmp, plan.config.name, kernel)  # raises when not ready
        if derived is not None and plan.deps.get(nb.key):  # 00 and 01 need only the tables
            derived.wait()
        params = {**plan.injected[nb.key], "org_dir": str(plan.org_path), "output_dir": str(tmp)}
        execute_notebook(nb, tmp / nb.path.name, params, progress_bar=progress_bar, kernel=kernel)

    def on_done(outcome: Outcome) -> None:
        ended.append(outcome.key)
        head = f"[{len(ended)}/{total}] {outcome.key:<28}"
        nb_out = tmp / outcome.notebook.path.name
        if outcome.status == FAILED:
            echo(f"{head} FAILED {outcome.seconds:6.1f} s")
            if not result.message:  # the first failure is the cause; later ones follow it
                saved = output.save_failed(nb_out, plan.target, tmp)
                result.message = failure_sentence(outcome.error, outcome.notebook, saved)
                result.failed_notebook = saved
            return
        finish_notebook(nb_out, tmp, plan.target, skipped=outcome.status == SKIPPED)
        exports.submit(nb_out)
        if outcome.status == OK:
            echo(f"{head} ok     {outcome.seconds:6.1f} s")
        else:
            echo(f"{head} skipped {outcome.seconds:6.1f} s ({outcome.reason})")

    def needs_kernel(key: str) -> bool:  # a module the data cannot feed runs no cell
        return ready is None or ready.skip_reason(key) is None

    outcomes = graph.run(execute, on_done, needs_kernel=needs_kernel)
    kept = [o for o in outcomes if o.status in (OK, SKIPPED)]
    result.notebooks = [o.key for o in kept]  # teaching order, whatever order they ended in
    result.skipped = {o.key: o.reason or "" for o in kept if o.status == SKIPPED}
    result.ok = len(kept) == total
    return result


def _write_meeting_kit(plan: RunPlan, tmp: Path, echo: Callable[[str], None]) -> None:
    """Write the meeting kit from the modules' results (:func:`helpers.meeting.write_meeting_kit`)
    when the run executed the curriculum's notebooks; a piece the results cannot feed is skipped
    with one line, and nothing here fails the run."""
    if not any(nb.path.parent == paths.NOTEBOOKS.resolve() for nb in plan.selected):
        return
    try:
        from helpers.meeting import write_meeting_kit

        t0 = time.perf_counter()
        kit = write_meeting_kit(tmp, injected=plan.injected)
        echo(f"{kit.sentence()} ({time.perf_counter() - t0:.1f} s)")
    except Exception as exc:  # noqa: BLE001 - the kit never fails a run
        echo(f"meeting kit: skipped ({str(exc).strip() or type(exc).__name__})")


def _success_message(target: Path, skipped: dict[str, str]) -> str:
    """``"report written to <target>"``, naming the notebooks that skipped their module."""
    message = f"report written to {target}"
    if skipped:
        n = len(skipped)
        names = ", ".join(skipped)
        message += f"; {n} notebook{'s' if n > 1 else ''} skipped ({names})"
    return message


def _release_memory() -> None:
    """Hand the memory of dropped tables back to the system (Arrow keeps a pool)."""
    import gc

    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is pinned
        pass


def _echo_default(line: str) -> None:
    print(line, flush=True)
