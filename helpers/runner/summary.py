"""The runner's own entry of ``summary.json``: ``_run``.

It names the org, its currency, the dates its data covers, the notebooks in the report and
the versions of the main packages; no timings or run dates (they would change on every run).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_KEY = "_run"
#: Packages whose versions are recorded in ``summary.json: _run.versions``.
VERSIONED_PACKAGES = (
    "pandas",
    "numpy",
    "scikit-learn",
    "statsmodels",
    "scipy",
    "matplotlib",
    "papermill",
)


@dataclass(frozen=True)
class RunFacts:
    """What ``summary.json: _run`` needs from a load, without the tables."""

    name: str | None
    currency: str | None
    config: Any
    period: tuple[str | None, str | None]

    @classmethod
    def of(cls, data: Any) -> RunFacts:
        """The facts of a loaded org (``helpers.data.OrgData``)."""
        from helpers.data import datacheck

        return cls(getattr(data, "name", None), getattr(data, "currency", None),
                   getattr(data, "config", None), datacheck.data_period(data))


def _versions() -> dict[str, str]:
    import helpers

    out = {"alignment-edge": helpers.__version__, "python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - pinned env
            continue
    return out


def run_entry(data: Any, notebooks_run: Sequence[str], previous: dict | None = None) -> dict:
    """The ``_run`` entry of ``summary.json``: org, currency, data dates, notebooks, versions.

    No timings or run dates (they would change on every run). With ``--only`` the
    notebooks of the previous entry are kept in ``notebooks``.
    """
    from helpers.data import datacheck

    period = getattr(data, "period", None)
    first, last = period if period is not None else datacheck.data_period(data)
    before = list((previous or {}).get("notebooks", []))
    notebooks = sorted(set(before) | set(notebooks_run))
    config = getattr(data, "config", None)
    return {
        "org": getattr(data, "name", None) or getattr(config, "name", None),
        "currency": getattr(data, "currency", None) or getattr(config, "currency", None),
        "data_from": first,
        "data_to": last,
        "notebooks": notebooks,
        "last_run": list(notebooks_run),
        "versions": _versions(),
    }


def write_run_entry(
    folder: Path, facts: RunFacts, notebooks_run: Sequence[str], previous: dict | None
) -> None:
    """Add the ``_run`` entry to ``folder/summary.json`` (written atomically)."""
    from helpers.core import report

    summary = report.read_summary(folder)
    summary[RUN_KEY] = run_entry(facts, notebooks_run, previous)
    report.atomic_write_text(
        folder / "summary.json",
        json.dumps(report.to_jsonable(summary), indent=2, sort_keys=True) + "\n",
    )
