"""Executing a run's notebooks as a graph: independent notebooks at the same time.

Each notebook of a run is a :class:`NotebookJob`: a thread that starts the notebook's
kernel ahead (imports preloaded), waits until the :class:`NotebookGraph` releases it, runs
the notebook in that kernel and stops it. The graph releases a notebook once every
notebook it depends on (:func:`helpers.runner.graph.dependencies`) has succeeded or
skipped its module, with at most ``parallel`` notebooks running at once, the earliest in
teaching order first; a notebook's kernel is started as soon as every notebook it depends
on has been released, so that kernel start-up and imports overlap the work before it. The
first failure stops the run: nothing new is released and the notebooks still running are
stopped (their kernels killed).

Every kernel is started, used and stopped by its job's thread (each thread has its own
event loop); the scheduler's thread only releases jobs and reads their outcomes.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.runner.execute import skip_reason
from helpers.runner.kernels import kill_kernel, start_ahead, stop_kernel
from helpers.runner.params import Notebook

#: Outcome statuses: ran to the end, stopped by ``report.skip_module``, failed, or stopped
#: by the runner after another notebook failed (or the run was interrupted).
OK, SKIPPED, FAILED, CANCELLED = "ok", "skipped", "failed", "cancelled"
#: Executes one notebook: ``execute(notebook, kernel)``; raises when a cell fails.
Executor = Callable[[Notebook, Any], None]


def default_parallel() -> int:
    """Notebooks a run executes at the same time by default: the cores this process may use.

    1 where ``summary.json`` cannot be locked between processes (no ``fcntl``: Windows),
    since notebooks running together each add their figures to it.
    """
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        cores = os.cpu_count() or 1
    return max(1, cores)


@dataclass
class Outcome:
    """How one notebook of a run ended.

    Attributes
    ----------
    status : str
        :data:`OK`, :data:`SKIPPED`, :data:`FAILED` or :data:`CANCELLED`.
    seconds : float
        From its release to its end (waiting for a kernel still booting included).
    reason : str or None
        Why it skipped its module (``SKIPPED``).
    error : BaseException or None
        What it raised (``FAILED``).
    """

    notebook: Notebook
    status: str
    seconds: float = 0.0
    reason: str | None = None
    error: BaseException | None = None

    @property
    def key(self) -> str:
        """The notebook's stem."""
        return self.notebook.key


class NotebookJob:
    """One notebook in its own thread: kernel started ahead, executed when released.

    Parameters
    ----------
    notebook : Notebook
    outcomes : queue.Queue
        Receives the job's :class:`Outcome` (before its kernel is stopped, so that nobody
        waits for a kernel's exit).
    start_kernel : callable, optional
        ``start_kernel(notebook) -> kernel or None`` (default
        :func:`helpers.runner.kernels.start_ahead`; None lets papermill start one).
    """

    def __init__(
        self,
        notebook: Notebook,
        outcomes: queue.Queue,
        start_kernel: Callable[[Notebook], Any] | None = None,
    ) -> None:
        self.notebook = notebook
        self._outcomes = outcomes
        self._start_kernel = start_kernel or start_ahead
        self._go = threading.Event()
        self._execute: Executor | None = None
        self._cancelled = False
        self._kernel: Any = None
        self._thread = threading.Thread(
            target=self._main, name=f"notebook {notebook.key}", daemon=True
        )

    @property
    def started(self) -> bool:
        """True once the job's thread (and so its kernel) was started."""
        return self._thread.ident is not None

    def start(self, kernel: bool = True) -> None:
        """Start the thread: the kernel boots and preloads the notebook's imports (with
        ``kernel=False`` none is started: for a notebook that will not need one)."""
        if not self.started:
            if not kernel:
                self._start_kernel = _no_kernel
            self._thread.start()

    def release(self, execute: Executor) -> None:
        """Execute the notebook with ``execute`` (as soon as its kernel is started)."""
        self._execute = execute
        self.start()
        self._go.set()

    @property
    def thread_name(self) -> str:
        """The name of the job's thread (log records of a cancelled job are dropped)."""
        return self._thread.name

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancelled

    def cancel(self) -> None:
        """Stop the job: it never executes, or its kernel is killed if it is executing."""
        self._cancelled = True
        self._go.set()
        kill_kernel(self._kernel)

    def join(self) -> None:
        """Wait for the thread (its kernel is stopped when it ends)."""
        if self.started:
            self._thread.join()

    def _main(self) -> None:
        try:
            kernel = self._kernel = self._start_kernel(self.notebook)
        except Exception:  # noqa: BLE001 - only an optimisation: papermill starts one
            kernel = None
        ran = False
        try:
            self._go.wait()
            if self._cancelled or self._execute is None:
                return
            ran = True
            self._outcomes.put(self._run(kernel))
        finally:
            stop_kernel(kernel, now=not ran or self._cancelled)

    def _run(self, kernel: Any) -> Outcome:
        t0 = time.perf_counter()
        try:
            self._execute(self.notebook, kernel)  # type: ignore[misc]
            status, reason, error = OK, None, None
        except BaseException as exc:  # noqa: BLE001 - every outcome goes to the scheduler
            reason = skip_reason(exc)
            status, error = (SKIPPED, None) if reason is not None else (FAILED, exc)
        if self._cancelled:
            status = CANCELLED
        return Outcome(self.notebook, status, time.perf_counter() - t0, reason, error)


class NotebookGraph:
    """The notebooks of one run and the order their dependencies allow.

    Making the graph starts the kernels of the notebooks that depend on nothing (while
    the runner loads the data); :meth:`run` executes everything; :meth:`close` stops
    whatever is left (never raises).

    Parameters
    ----------
    notebooks : sequence of Notebook
        The run's notebooks in teaching order.
    deps : mapping
        Notebook stem -> the stems it waits for (:func:`helpers.runner.graph.dependencies`).
    parallel : int
        Notebooks executed at the same time, at most.
    start_kernel : callable, optional
        Passed to each :class:`NotebookJob`.
    """

    def __init__(
        self,
        notebooks: Sequence[Notebook],
        deps: Mapping[str, Sequence[str]],
        parallel: int = 1,
        start_kernel: Callable[[Notebook], Any] | None = None,
    ) -> None:
        self.order = [nb.key for nb in notebooks]
        self.deps = {k: tuple(deps.get(k, ())) for k in self.order}
        self.parallel = max(1, int(parallel))
        self._outcomes: queue.Queue[Outcome] = queue.Queue()
        self.jobs = {nb.key: NotebookJob(nb, self._outcomes, start_kernel) for nb in notebooks}
        self._released: set[str] = set()
        self._needs_kernel: Callable[[str], bool] = lambda key: True
        # papermill logs "Kernel died..." for a notebook the runner stopped on purpose.
        self._quiet = _DropCancelled(self.jobs.values())
        logging.getLogger("papermill").addFilter(self._quiet)
        self._start_ahead()

    def _start_ahead(self) -> None:
        """Start the kernel of every notebook whose dependencies were all released."""
        for key in self.order:
            if all(d in self._released for d in self.deps[key]):
                self.jobs[key].start(kernel=self._needs_kernel(key))

    def _ready(self, done: Mapping[str, Outcome]) -> list[str]:
        """Notebooks not released yet whose dependencies all succeeded or skipped."""
        return [
            k for k in self.order
            if k not in self._released
            and all(d in done and done[d].status in (OK, SKIPPED) for d in self.deps[k])
        ]

    def run(
        self,
        execute: Executor,
        on_done: Callable[[Outcome], None],
        needs_kernel: Callable[[str], bool] | None = None,
    ) -> list[Outcome]:
        """Execute the notebooks; ``on_done`` sees each outcome as it comes (not the
        cancelled ones). ``needs_kernel(key)`` False: the notebook will not execute any
        cell (e.g. its module is skipped before it starts), so no kernel is started for
        it, unless one already was.

        Returns
        -------
        list of Outcome
            In teaching order, for the notebooks that were released; after a failure the
            notebooks never released are missing and those stopped are ``CANCELLED``.
        """
        if needs_kernel is not None:
            self._needs_kernel = needs_kernel
        done: dict[str, Outcome] = {}
        running: set[str] = set()
        failed = False
        while True:
            if not failed:
                for key in self._ready(done)[: self.parallel - len(running)]:
                    self._released.add(key)
                    running.add(key)
                    self.jobs[key].release(execute)
                self._start_ahead()
            if not running:
                break
            outcome = self._next_outcome()
            running.discard(outcome.key)
            done[outcome.key] = outcome
            if outcome.status != CANCELLED:
                on_done(outcome)
            if outcome.status == FAILED and not failed:
                failed = True
                for key in running:
                    self.jobs[key].cancel()
        return [done[k] for k in self.order if k in done]

    def _next_outcome(self) -> Outcome:
        # A timeout keeps the wait interruptible (Ctrl-C) on every platform.
        while True:
            try:
                return self._outcomes.get(timeout=0.5)
            except queue.Empty:
                continue

    def close(self) -> None:
        """Cancel every job that has not ended, and wait for their threads (never raises)."""
        for job in self.jobs.values():
            try:
                job.cancel()
            except Exception:  # noqa: BLE001 - closing must not fail
                pass
        for job in self.jobs.values():
            job.join()
        logging.getLogger("papermill").removeFilter(self._quiet)


def _no_kernel(notebook: Notebook) -> None:
    """No kernel: papermill starts one itself if the notebook does execute."""
    return None


class _DropCancelled(logging.Filter):
    """Drop the log records of jobs that were cancelled (their kernel was killed)."""

    def __init__(self, jobs: Iterable[NotebookJob]) -> None:
        super().__init__()
        self._jobs = list(jobs)

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(j.cancelled and j.thread_name == record.threadName for j in self._jobs)
