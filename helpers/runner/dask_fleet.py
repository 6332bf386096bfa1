"""Fleets of organizations on Dask distributed: one organization per task.

``alignment-edge run --scheduler ADDRESS ORG...`` sends each organization to a worker of
a running Dask cluster (:func:`run_fleet`); without ``--scheduler``, several organizations
run on a :class:`distributed.LocalCluster` sized to this machine
(:func:`local_cluster_size`). Each task is one :func:`helpers.runner.run_org` on the
worker that runs it (:func:`run_org_task`): its progress lines come back to the command
as Dask events while it runs, its :class:`helpers.runner.RunResult` when it ends, and an
organization that fails (bad data, a failing notebook, a worker that died) is reported in
the final table without stopping the others.

Every worker needs this environment (``requirements.lock``) and must see the
organization folders and the report folder at the same paths as the command (a shared
file system); ``docs/fleets.md`` shows how to start a scheduler and workers on several
machines and how to run a fleet every week.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from helpers.core import paths
from helpers.runner.fleet import plan_outputs, run_one
from helpers.runner.run import RunResult, _echo_default
from helpers.runner.scheduler import default_parallel

#: The Dask event topic that carries the organizations' progress lines.
PROGRESS_TOPIC = "alignment-edge-progress"
#: Seconds to wait for an org's last progress lines once its result is in.
FLUSH_SECONDS = 5.0
#: Seconds allowed to reach a scheduler.
CONNECT_TIMEOUT = "15s"


def local_cluster_size(n_orgs: int, cores: int | None = None) -> tuple[int, int]:
    """Workers of the local cluster and notebooks each organization runs at the same time.

    One single-threaded worker per core, at most one per organization; the cores left
    over go to each organization's own notebooks (so the machine is used, not
    oversubscribed).

    Returns
    -------
    tuple of int
        ``(workers, parallel)``.
    """
    cores = max(1, cores or default_parallel())
    workers = max(1, min(n_orgs, cores))
    return workers, max(1, cores // workers)


def run_org_task(org_dir: str, kwargs: dict) -> RunResult:
    """The Dask task: run one organization on this worker (never raises).

    Its progress lines are sent as events on :data:`PROGRESS_TOPIC` (``{"id", "line"}``),
    then ``{"id", "end": True}``. Without ``parallel`` in ``kwargs``, the notebooks of the
    organization share this machine's cores with the worker's other threads.
    """
    from distributed import get_worker

    worker = get_worker()
    task_id = kwargs.pop("task_id", org_dir)

    def echo(line: str) -> None:
        worker.log_event(PROGRESS_TOPIC, {"id": task_id, "line": line})

    if kwargs.get("parallel") is None:
        kwargs["parallel"] = max(1, default_parallel() // max(1, worker.state.nthreads))
    try:
        return run_one(Path(org_dir), kwargs, echo=echo)
    finally:
        worker.log_event(PROGRESS_TOPIC, {"id": task_id, "end": True})


class _Progress:
    """Prints the progress events of a fleet as they come, org by org."""

    def __init__(self, labels: dict[str, str], echo: Callable[[str], None]) -> None:
        self._labels = labels
        self._echo = echo
        self._ended: dict[str, threading.Event] = {k: threading.Event() for k in labels}

    def __call__(self, event: tuple[float, Any]) -> None:
        _, msg = event
        task_id = msg.get("id") if isinstance(msg, dict) else None
        if task_id not in self._labels:
            return  # another fleet on the same scheduler
        if msg.get("end"):
            self._ended[task_id].set()
        else:
            self._echo(f"[{self._labels[task_id]}] {msg.get('line', '')}")

    def flush(self, task_id: str) -> None:
        """Wait (a little) until the last lines of a finished org were printed."""
        self._ended[task_id].wait(FLUSH_SECONDS)


@contextlib.contextmanager
def connect(
    scheduler: str | None, n_orgs: int, workers: int | None = None
) -> Iterator[tuple[Any, int | None]]:
    """A Dask client: to ``scheduler`` (an address or a scheduler file), else to a new
    local cluster of :func:`local_cluster_size` (closed on exit).

    Yields
    ------
    tuple
        ``(client, parallel)``: ``parallel`` is the notebooks each org runs at the same
        time on the local cluster, None on a scheduler's workers (each decides).

    Raises
    ------
    ValueError
        When the scheduler cannot be reached (one sentence saying what to do).
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = _client_for(scheduler, Client)
        try:
            yield client, None
        finally:
            client.close()
        return
    n_workers, parallel = local_cluster_size(n_orgs)
    if workers is not None:
        n_workers = max(1, workers)
        parallel = max(1, default_parallel() // n_workers)
    # No memory limit: the notebooks' kernels, not the worker, hold an org's data.
    with LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True,
        dashboard_address=None, memory_limit=0, silence_logs=40,
    ) as cluster, Client(cluster) as client:
        yield client, parallel


def _client_for(scheduler: str, client_class: Any) -> Any:
    """A client of the scheduler at ``scheduler`` (``tcp://host:8786`` or a scheduler file)."""
    as_file = Path(scheduler)
    try:
        if as_file.is_file():
            return client_class(scheduler_file=str(as_file), timeout=CONNECT_TIMEOUT)
        return client_class(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(
            f"Could not reach the Dask scheduler at {scheduler} ({reason}); start one with "
            "`dask scheduler` and give its address (tcp://HOST:8786) or scheduler file, or "
            "leave out --scheduler to run on this machine."
        ) from None


def run_fleet(
    org_dirs: Sequence[str | Path],
    *,
    scheduler: str | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    echo: Callable[[str], None] | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Run several organizations on a Dask cluster, one report folder each.

    Parameters
    ----------
    org_dirs : sequence of path-like
        Organization folders (already expanded, see
        :func:`helpers.runner.expand_org_dirs`).
    scheduler : str, optional
        Address (``tcp://host:8786``) or scheduler file of a running Dask scheduler;
        default: a local cluster sized to this machine.
    out : path-like, optional
        Parent folder of the reports (default ``reports/``): ``<out>/<org slug>``.
    workers : int, optional
        Workers of the local cluster (default :func:`local_cluster_size`).
    echo : callable, optional
        Receives each progress line, ``"[<org folder>] <line>"`` (default: printed).
    **kwargs
        Passed to :func:`helpers.runner.run_org` (``only``, ``parameters``, ``html``,
        ``strict``, ``notebooks_dir``, ``parallel``).

    Returns
    -------
    list of RunResult
        In the order of ``org_dirs``; a failure in one org does not stop the others.
    """
    from distributed import as_completed

    echo = echo or _echo_default
    orgs = [paths.resolve(o) for o in org_dirs]
    plan = plan_outputs(orgs, out)
    if kwargs.get("notebooks_dir") is not None:  # a worker may run in another folder
        kwargs["notebooks_dir"] = str(paths.resolve(kwargs["notebooks_dir"]))
    run_id = uuid.uuid4().hex[:8]
    ids = {org: f"{run_id}-{i}" for i, org in enumerate(orgs)}
    progress = _Progress({ids[o]: o.name for o in orgs}, echo)
    results: dict[Path, RunResult] = {}
    with connect(scheduler, len(orgs), workers) as (client, parallel):
        client.subscribe_topic(PROGRESS_TOPIC, progress)
        try:
            futures = {}
            for org in orgs:
                task = {**kwargs, "out": str(plan[org]), "task_id": ids[org]}
                if parallel is not None and task.get("parallel") is None:
                    task["parallel"] = parallel
                key = f"alignment-edge-{plan[org].name}-{ids[org]}"
                futures[client.submit(run_org_task, str(org), task, key=key, pure=False)] = org
            for fut in as_completed(futures):
                org = futures[fut]
                results[org] = _gathered(fut, org, plan[org])
                if fut.status == "finished":  # a lost task sends no last line
                    progress.flush(ids[org])
        finally:
            client.unsubscribe_topic(PROGRESS_TOPIC)
    return [results[o] for o in orgs]


def _gathered(future: Any, org: Path, out: Path) -> RunResult:
    """The result of one org's task, or a failed result saying why the task was lost."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker died, or the task could not run
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return RunResult(
            org_dir=org, out=out, ok=False,
            message=f"the Dask task of this organization was lost ({type(exc).__name__}: "
            f"{reason}); look at the workers' logs, then run it again.",
        )
