"""The readiness contract: what each module, and each section inside it, needs from the data.

Every notebook of the curriculum declares here what it needs (a :class:`Contract`): the
inputs without which the module cannot run at all, and the inputs of each of its sections.
:func:`assess` holds an organization's validated tables against every contract and returns
one :class:`Decision` per module and per section: *run* or *skip*, with one sentence saying
what is missing, where, and what to do. ``alignment-edge check`` prints the decisions, the
data-check notebook shows them, and the runner obeys them: a module that cannot run is not
executed but recorded as skipped, with its sentence.

The contract is conservative: it only says *skip* where the module certainly cannot run (a
module may still stop itself with :func:`helpers.core.report.skip_module` on a finer
ground, e.g. a history too short to measure a conversion). Parameters a decision depends on
(``deal_size``, ``alignment_start``, the data-sufficiency gate...) are read from the
parameters given, else from :data:`PARAMETER_DEFAULTS` (the notebooks' own defaults; a test
keeps them equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core import schema

#: The notebook parameters decisions depend on, with the notebooks' defaults.
PARAMETER_DEFAULTS: dict[str, Any] = {
    "deal_size": 0.0,
    "revenue_plan": 0.0,
    "alignment_start": "",
    "min_leads": 1000,
    "min_conversions": 120,
    "label_stage": "opportunity",
}
LEAD_DATES = ("created_at", "mql_at", "sal_at", "sql_at")


class View:
    """The tables, parameters and date-only columns a decision looks at.

    Parameters
    ----------
    data : OrgData or mapping
        ``OrgData`` or ``{table: DataFrame or None}``.
    parameters : mapping, optional
        Notebook parameters (``-p`` values), over ``org.yml: parameters`` and the
        defaults of :data:`PARAMETER_DEFAULTS`.
    """

    def __init__(self, data: Any, parameters: Mapping[str, Any] | None = None) -> None:
        if isinstance(data, Mapping):
            self.tables = {t: data.get(t) for t in schema.TABLES}
            self.date_only: Mapping[str, list[str]] = data.get("date_only", {}) or {}
        else:
            self.tables = {t: getattr(data, t, None) for t in schema.TABLES}
            self.date_only = getattr(data, "date_only", {}) or {}
        config = data.get("config") if isinstance(data, Mapping) else getattr(data, "config", None)
        from_org_yml = dict(getattr(config, "parameters", None) or {})
        self.stages = list(getattr(config, "stages", None) or schema.STAGES)
        self.params = {**PARAMETER_DEFAULTS, **from_org_yml, **dict(parameters or {})}

    def df(self, table: str) -> pd.DataFrame | None:
        """The table, or None when absent or empty."""
        df = self.tables.get(table)
        return df if df is not None and len(df) else None

    def has(self, table: str, *columns: str) -> bool:
        """True when ``table`` has rows and every column exists with at least one value."""
        df = self.df(table)
        return df is not None and all(c in df.columns and bool(df[c].notna().any()) for c in columns)

    def filled(self, table: str, *columns: str) -> list[str]:
        """The columns of ``columns`` that ``table`` has with values."""
        return [c for c in columns if self.has(table, c)]

    def features(self, table: str) -> list[str]:
        """The table's extra (non-canonical) columns that hold values."""
        df = self.df(table)
        if df is None:
            return []
        return [c for c in df.columns if c not in schema.TABLES[table] and df[c].notna().any()]

    def outcomes(self) -> pd.Series:
        """Closed outcomes (True won, False lost) as the modules read them."""
        opps = self.df("opportunities")
        if opps is not None and "outcome" in opps.columns:
            out = opps["outcome"].astype("string").str.strip().str.lower()
            closed = out[out.isin(["won", "lost"])]
            if closed.nunique() == 2 or not self.has("leads", "converted"):
                return closed.eq("won").astype(bool)
        if self.has("leads", "converted"):
            return self.tables["leads"]["converted"].dropna().astype(bool)
        return pd.Series([], dtype=bool)

    def won(self) -> pd.DataFrame | None:
        """The won opportunities (None without an opportunities table with outcomes)."""
        opps = self.df("opportunities")
        if opps is None or "outcome" not in opps.columns:
            return None
        return opps[opps["outcome"].astype("string").str.lower().eq("won").fillna(False)]

    def linked(self) -> bool:
        """True when opportunities name their lead (``opportunities.lead_id``)."""
        return self.has("opportunities", "lead_id") and self.has("leads", "lead_id")

    def dated_deals(self) -> bool:
        """Opportunities linked to leads with dates on both sides (conversions in time)."""
        return self.linked() and self.has("leads", "created_at") and bool(
            self.filled("opportunities", "created_at", "closed_at")
        )

    def conversions(self) -> tuple[int, int]:
        """(leads, conversions) the classifier could learn from, roughly, for its
        ``label_stage`` parameter (``sql``, ``opportunity`` or ``won``)."""
        leads = self.df("leads")
        if leads is None:
            return 0, 0
        stage = str(self.params.get("label_stage") or "opportunity")
        converted = pd.Series(False, index=leads.index)
        if not self.dated_deals():  # the classifier reads the converted flag, else the stage
            if self.has("leads", "converted"):
                return len(leads), int(leads["converted"].fillna(False).astype(bool).sum())
            if self.has("leads", "stage") and stage in self.stages:
                rank = leads["stage"].astype("string").str.lower().map(
                    {s: i for i, s in enumerate(self.stages)}
                )
                return len(leads), int((rank >= self.stages.index(stage)).fillna(False).sum())
            return len(leads), 0
        if "converted" in leads.columns:
            converted |= leads["converted"].fillna(False).astype(bool)
        if stage == "sql" and "sql_at" in leads.columns:
            converted |= leads["sql_at"].notna()
        if self.linked():
            opps = self.tables["opportunities"]
            if stage == "won" and "outcome" in opps.columns:
                opps = opps[opps["outcome"].astype("string").str.lower().eq("won").fillna(False)]
            ids = set(opps["lead_id"].dropna().astype("string"))
            converted |= leads["lead_id"].astype("string").isin(ids).to_numpy()
        return len(leads), int(converted.sum())


#: ``lacks(view)``: None when the need is met, else what is missing (a clause), or a
#: ``(missing, fix)`` pair when the fix depends on the data.
Check = Callable[[View], str | tuple[str, str] | None]


@dataclass(frozen=True)
class Need:
    """One input a module or a section needs.

    Attributes
    ----------
    what : str
        What is needed, naming canonical tables and columns.
    lacks : callable
        ``lacks(view)``: None when met, else a clause saying what is missing.
    fix : str
        What to do about it (a clause starting with a verb).
    """

    what: str
    lacks: Check
    fix: str


@dataclass(frozen=True)
class Section:
    """A section of a notebook and the inputs it needs."""

    key: str
    title: str
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class Contract:
    """What one notebook needs: the module as a whole, then each of its sections."""

    notebook: str
    module: str
    title: str
    needs: tuple[Need, ...]
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Run or skip, for a module (``section`` None) or one of its sections."""

    notebook: str
    module: str
    section: str | None
    title: str
    runs: bool
    reason: str

    @property
    def status(self) -> str:
        return "run" if self.runs else "skip"


def _sentence(title: str, need: Need, lack: str, fix: str | None = None) -> str:
    """``"<Title> is skipped: it needs <what>, but <lack>; <fix>."``"""
    subject = title[0].upper() + title[1:]
    plural = subject.endswith("s") and not subject.endswith("ss")
    verb, it = ("are", "they need") if plural else ("is", "it needs")
    return f"{subject} {verb} skipped: {it} {need.what}, but {lack}; {fix or need.fix}."


def _first_lack(needs: tuple[Need, ...], view: View, title: str) -> str | None:
    for need in needs:
        lack = need.lacks(view)
        if isinstance(lack, tuple):  # (what is missing, a fix better than the need's own)
            return _sentence(title, need, *lack)
        if lack is not None:
            return _sentence(title, need, lack)
    return None


def decide(contract: Contract, view: View) -> list[Decision]:
    """The module's decision, then one per section (all skipped when the module is)."""
    why = _first_lack(contract.needs, view, contract.title)
    nb, mod = contract.notebook, contract.module
    out = [Decision(nb, mod, None, contract.title, why is None, why or "")]
    for s in contract.sections:
        if why is not None:
            out.append(Decision(nb, mod, s.key, s.title, False, "The module is skipped."))
            continue
        lack = _first_lack(s.needs, view, s.title)
        out.append(Decision(nb, mod, s.key, s.title, lack is None, lack or ""))
    return out


class Readiness:
    """The decisions for every module and section of the curriculum."""

    def __init__(self, decisions: list[Decision]) -> None:
        self.decisions = decisions

    def modules(self) -> list[Decision]:
        """One decision per module, in notebook order."""
        return [d for d in self.decisions if d.section is None]

    def module(self, key: str) -> Decision | None:
        """The decision for a notebook (``"03_revenue_growth"``) or module (``"03_revenue"``)."""
        for d in self.modules():
            if key in (d.notebook, d.module):
                return d
        return None

    def skip_reason(self, key: str) -> str | None:
        """Why a notebook cannot run (None when it can, or when no contract names it)."""
        d = self.module(key)
        return None if d is None or d.runs else d.reason

    def sections(self, key: str) -> list[Decision]:
        """The section decisions of one module."""
        d = self.module(key)
        return [s for s in self.decisions if d is not None and s.section and s.notebook == d.notebook]

    def runnable(self) -> list[str]:
        """Module keys that can run (``"01_icp"``...)."""
        return [d.module for d in self.modules() if d.runs]

    def not_runnable(self) -> list[str]:
        """Module keys that cannot run."""
        return [d.module for d in self.modules() if not d.runs]

    def table(self) -> pd.DataFrame:
        """``notebook, module, section, status, reason``: one row per module and section."""
        rows = [
            (d.notebook, d.module, d.section or "(module)", d.title, d.status, d.reason or "-")
            for d in self.decisions
        ]
        cols = ["notebook", "module", "section", "title", "status", "reason"]
        return pd.DataFrame(rows, columns=cols)

    def figures(self) -> dict[str, Any]:
        """What ``summary.json`` records: runnable modules, and why the others are skipped."""
        return {
            "modules_runnable": self.runnable(),
            "modules_not_runnable": self.not_runnable(),
            "modules_skipped": {d.module: d.reason for d in self.modules() if not d.runs},
            "sections_skipped": {
                f"{d.module}.{d.section}": d.reason
                for d in self.decisions
                if d.section and not d.runs and self.module(d.module).runs
            },
        }

    def text_lines(self) -> list[str]:
        """The modules and sections, run / skip with the reason, for ``alignment-edge check``."""
        out = []
        for m in self.modules():
            sections = self.sections(m.notebook)
            if not m.runs:
                out += [f"  {m.notebook:<20} skip", f"      {m.reason}"]
                continue
            n_run = sum(s.runs for s in sections)
            count = f" ({n_run} of {len(sections)} sections)" if sections else ""
            out.append(f"  {m.notebook:<20} run{count}")
            for s in sections:
                out.append(f"      {s.status:<5} {s.title}")
                if not s.runs:
                    out.append(f"            {s.reason}")
        return out


def assess(data: Any, parameters: Mapping[str, Any] | None = None) -> Readiness:
    """Hold the data against every module's contract.

    Parameters
    ----------
    data : OrgData or mapping of tables
        The validated canonical tables.
    parameters : mapping, optional
        Notebook parameters: either one flat mapping (``org.yml: parameters`` and ``-p``
        values), or ``{notebook key: parameters}`` as the runner resolves them.

    Returns
    -------
    Readiness
    """
    from helpers.data.contracts import CONTRACTS

    per_notebook = bool(parameters) and all(
        isinstance(v, Mapping) and k in {c.notebook for c in CONTRACTS}
        for k, v in dict(parameters).items()
    )
    decisions: list[Decision] = []
    for contract in CONTRACTS:
        params = parameters.get(contract.notebook, {}) if per_notebook else parameters
        decisions += decide(contract, View(data, params))
    return Readiness(decisions)


__all__ = [
    "PARAMETER_DEFAULTS",
    "Contract",
    "Decision",
    "Need",
    "Readiness",
    "Section",
    "View",
    "assess",
    "decide",
]
