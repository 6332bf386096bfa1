"""Several organizations in one command: one report folder each, in parallel processes.

:func:`expand_org_dirs` reads the command line's folders, :func:`plan_outputs` gives each
org its report folder (``<parent>/<org slug>``), :func:`run_many` runs them in a process
pool (a failure in one org does not stop the others) and :func:`results_table` prints the
outcome.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from helpers.core import paths
from helpers.runner.output import default_out
from helpers.runner.run import RunResult, _echo_default, run_org


def expand_org_dirs(items: Sequence[str | Path]) -> list[Path]:
    """Org folders from the command line: each item is an org (has ``org.yml``) or a
    folder whose sub-folders are orgs.

    Raises
    ------
    ValueError
        When an item is neither.
    """
    from helpers.core.config import ORG_FILE

    orgs: list[Path] = []
    for item in items:
        p = paths.resolve(item)
        if (p / ORG_FILE).is_file():
            orgs.append(p)
            continue
        if p.is_dir():
            subs = sorted(d for d in p.iterdir() if d.is_dir() and (d / ORG_FILE).is_file())
            if subs:
                orgs.extend(subs)
                continue
            raise ValueError(
                f"{p} has no {ORG_FILE} and no organization folders inside it; "
                f"draft one with `alignment-edge init EXPORT.csv --out {item}`."
            )
        raise ValueError(f"The organization folder {p} does not exist.")
    seen: set[Path] = set()
    unique = []
    for o in orgs:
        if o not in seen:
            seen.add(o)
            unique.append(o)
    return unique


def plan_outputs(org_dirs: Sequence[Path], out_parent: str | Path | None) -> dict[Path, Path]:
    """Report folder of each org in a multi-org run: ``<parent>/<org slug>``.

    Raises
    ------
    ValueError
        When two orgs would write to the same folder.
    """
    from helpers.core.config import load_org_config

    parent = paths.resolve(out_parent) if out_parent is not None else paths.REPORTS
    plan: dict[Path, Path] = {}
    owners: dict[Path, Path] = {}
    for org in org_dirs:
        try:
            name = load_org_config(org).name
            target = default_out(name, parent)
        except Exception:  # noqa: BLE001 - the org's own run reports the problem
            target = parent / org.name
        if target in owners:
            raise ValueError(
                f"{owners[target]} and {org} would both write to {target} "
                "(same organization name); rename one in its org.yml."
            )
        owners[target] = org
        plan[org] = target
    return plan


def _run_one_in_child(org_dir: Path, kwargs: dict) -> RunResult:
    """Worker: run one org, turning any error into a failed RunResult."""
    name = org_dir.name

    def echo(line: str) -> None:
        print(f"[{name}] {line}", flush=True)

    started = time.perf_counter()
    try:
        return run_org(org_dir, echo=echo, progress_bar=False, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the final table
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return RunResult(
            org_dir=org_dir,
            out=kwargs.get("out"),
            ok=False,
            message=msg,
            seconds=time.perf_counter() - started,
        )


def _process_context():
    """fork where available: workers start at once with this process's imports, and
    scripts that call :func:`run_many` without an ``if __name__ == "__main__"`` guard
    work; spawn elsewhere."""
    import multiprocessing as mp

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    import papermill  # noqa: F401 - imported once here (slow), inherited by forked workers

    import helpers.data  # noqa: F401

    return mp.get_context(method)


def run_many(
    org_dirs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    echo: Callable[[str], None] | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Run several organizations in parallel processes, one report folder each.

    Parameters
    ----------
    org_dirs : sequence of path-like
        Organization folders (already expanded, see :func:`expand_org_dirs`).
    out : path-like, optional
        Parent folder of the reports (default ``reports/``): ``<out>/<org slug>``.
    jobs : int, optional
        Number of processes (default: number of CPUs, at most the number of orgs).
    **kwargs
        Passed to :func:`helpers.runner.run_org` (``only``, ``parameters``, ``html``,
        ``strict``, ``notebooks_dir``).

    Returns
    -------
    list of RunResult
        In the order of ``org_dirs``; a failure in one org does not stop the others.
    """
    echo = echo or _echo_default
    orgs = [paths.resolve(o) for o in org_dirs]
    plan = plan_outputs(orgs, out)
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(orgs)))
    results: dict[Path, RunResult] = {}
    ctx = _process_context()
    with cf.ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
        futures = {
            pool.submit(_run_one_in_child, org, {**kwargs, "out": plan[org]}): org for org in orgs
        }
        for fut in cf.as_completed(futures):
            org = futures[fut]
            try:
                results[org] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker process died
                results[org] = RunResult(
                    org_dir=org, out=plan[org], ok=False, message=f"{type(exc).__name__}: {exc}"
                )
    return [results[o] for o in orgs]


def results_table(results: Sequence[RunResult]) -> str:
    """A plain-text table of a multi-org run: org, status, time, report or cause."""
    rows = [("organization", "status", "seconds", "report / cause")]
    for r in results:
        status = "ok" if r.ok else "FAILED"
        detail = str(r.out) if r.ok else r.message
        rows.append((r.org_dir.name, status, f"{r.seconds:.1f}", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for j, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3])
        if j == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]))
    return "\n".join(lines)
