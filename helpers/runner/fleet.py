"""Several organizations in one command: one report folder each, at the same time.

:func:`expand_org_dirs` reads the command line's folders, :func:`plan_outputs` gives each
org its report folder (``<parent>/<org slug>``), :func:`run_many` runs them on Dask - a
local cluster sized to this machine, or the workers of a running scheduler
(:mod:`helpers.runner.dask_fleet`) - each org as :func:`run_one` (a failure in one org does
not stop the others), and :func:`results_table` prints the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from helpers.core import paths
from helpers.runner.output import default_out
from helpers.runner.run import RunResult, run_org


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


def run_one(
    org_dir: Path, kwargs: dict, echo: Callable[[str], None] | None = None
) -> RunResult:
    """Run one org of a fleet, turning any error into a failed :class:`RunResult`.

    Used by every fleet: processes of this machine (:func:`run_many`) and Dask workers
    (:mod:`helpers.runner.dask_fleet`). ``echo`` receives the org's progress lines
    (default: printed with the org's folder name in front).
    """
    name = Path(org_dir).name

    def printed(line: str) -> None:
        print(f"[{name}] {line}", flush=True)

    started = time.perf_counter()
    try:
        return run_org(org_dir, echo=echo or printed, progress_bar=False, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the final table
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return RunResult(
            org_dir=Path(org_dir),
            out=kwargs.get("out"),
            ok=False,
            message=msg,
            seconds=time.perf_counter() - started,
        )


def run_many(
    org_dirs: Sequence[str | Path],
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    echo: Callable[[str], None] | None = None,
    **kwargs: Any,
) -> list[RunResult]:
    """Run several organizations at the same time, one report folder each, on Dask.

    Parameters
    ----------
    org_dirs : sequence of path-like
        Organization folders (already expanded, see :func:`expand_org_dirs`).
    out : path-like, optional
        Parent folder of the reports (default ``reports/``): ``<out>/<org slug>``.
    jobs : int, optional
        Organizations at the same time on this machine (default: one per core, at most
        one per org); ignored with ``scheduler``.
    scheduler : str, optional
        A running Dask scheduler (address or scheduler file); default: a local cluster.
    **kwargs
        Passed to :func:`helpers.runner.run_org` (``only``, ``parameters``, ``html``,
        ``strict``, ``notebooks_dir``, ``parallel``).

    Returns
    -------
    list of RunResult
        In the order of ``org_dirs``; a failure in one org does not stop the others.
    """
    from helpers.runner.dask_fleet import run_fleet

    workers = None if scheduler is not None else jobs
    return run_fleet(org_dirs, scheduler=scheduler, out=out, workers=workers, echo=echo, **kwargs)


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
