"""The notebooks of a run as a graph: which module needs which other module's results.

Every notebook reads the validated tables the runner writes before any notebook starts;
some also read what an earlier module wrote into the report folder. :data:`MODULE_IO` says,
for each curriculum notebook, what it reads and writes there:

- ``00_data_check`` and ``01_define_icp`` read only the tables;
- ``02_funnel_leakage`` reads ``icp.yml`` (written by ``01_define_icp``);
- ``03_revenue_growth`` and ``04_mql_classifier`` read module 2's figures in
  ``summary.json`` (``04`` also reads ``icp.yml``).

:func:`dependencies` turns that into edges between the notebooks of one run, so that
independent notebooks can run at the same time (:func:`stages` lists the waves). A
notebook the table does not know (another notebooks folder) may read anything its
predecessors wrote: it waits for all of them, and every later notebook waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: What every notebook reads: the validated tables written before the first notebook.
TABLES = "tables"


@dataclass(frozen=True)
class ModuleIO:
    """What one notebook reads from, and writes into, the report folder.

    Attributes
    ----------
    reads : tuple of str
        Artifacts it reads: file names (``"icp.yml"``) or ``"summary:<key>"`` for an entry
        of ``summary.json``; :data:`TABLES` is always available.
    writes : tuple of str
        Artifacts it writes, in the same notation.
    """

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()


#: The curriculum's notebooks, by stem. Checked against the notebooks' code by the tests.
MODULE_IO: dict[str, ModuleIO] = {
    "00_data_check": ModuleIO(reads=(TABLES,), writes=("summary:00_data_check",)),
    "01_define_icp": ModuleIO(reads=(TABLES,), writes=("icp.yml", "summary:01_icp")),
    "02_funnel_leakage": ModuleIO(reads=(TABLES, "icp.yml"), writes=("summary:02_funnel",)),
    "03_revenue_growth": ModuleIO(
        reads=(TABLES, "summary:02_funnel"),
        writes=("lead_plan.csv", "scenarios.csv", "summary:03_revenue"),
    ),
    "04_mql_classifier": ModuleIO(
        reads=(TABLES, "icp.yml", "summary:02_funnel"),
        writes=("mql_definition.yml", "scored_leads.csv", "summary:04_mql"),
    ),
}


def dependencies(
    keys: Sequence[str], io: Mapping[str, ModuleIO] | None = None
) -> dict[str, tuple[str, ...]]:
    """The notebooks each notebook of a run must wait for.

    Parameters
    ----------
    keys : sequence of str
        The run's notebooks (stems), in teaching order.
    io : mapping, optional
        Stem -> :class:`ModuleIO` (default :data:`MODULE_IO`).

    Returns
    -------
    dict
        Stem -> the earlier notebooks of ``keys`` that write something it reads, plus
        every earlier notebook ``io`` does not know (and, for a notebook ``io`` does not
        know, every earlier notebook). An artifact written by a notebook that is not part
        of the run comes from the previous report (``--only``).
    """
    io = MODULE_IO if io is None else io
    deps: dict[str, tuple[str, ...]] = {}
    for i, key in enumerate(keys):
        earlier = keys[:i]
        if key not in io:
            deps[key] = tuple(earlier)
            continue
        reads = set(io[key].reads)
        deps[key] = tuple(
            k for k in earlier if k not in io or reads & set(io[k].writes)
        )
    return deps


def stages(deps: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Waves of notebooks: each wave needs only the waves before it (for display and tests).

    Raises
    ------
    ValueError
        When the dependencies form a cycle or name a notebook that is not in ``deps``.
    """
    level: dict[str, int] = {}
    remaining = dict(deps)
    while remaining:
        ready = [k for k, d in remaining.items() if all(x in level for x in d)]
        if not ready:
            raise ValueError(f"The notebooks {', '.join(remaining)} wait for each other.")
        for k in ready:
            level[k] = 1 + max((level[x] for x in remaining[k]), default=-1)
            del remaining[k]
    waves: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for k in deps:
        waves[level[k]].append(k)
    return waves


def describe(deps: Mapping[str, Sequence[str]]) -> str:
    """The waves in one line: ``"00_data_check + 01_define_icp -> 02_funnel_leakage -> ..."``."""
    return " -> ".join(" + ".join(w) for w in stages(deps))
