"""The data report of ``alignment-edge check``: what was loaded, and what is wrong with it.

``check_org`` never raises for a data problem: a fatal one becomes ``report.error`` (exit
code 1); reported quality problems are listed (and are fatal with ``strict``).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core import schema
from helpers.data.errors import DataError
from helpers.data.loader import load_org
from helpers.data.results import OrgData, PiiFinding, QualityIssue

if TYPE_CHECKING:
    from helpers.data.readiness import Readiness


@dataclass
class TableSummary:
    """What ``check`` found for one table."""

    table: str
    files: list[str]
    rows: int
    rows_read: int
    columns: list[str]
    features: list[str]
    missing: dict[str, int]
    date_ranges: dict[str, tuple[str, str]]
    date_only: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def text_lines(self, said: set[str] | None = None) -> list[str]:
        """The table's lines in the check report (rows, columns, date ranges, gaps); a note
        already in ``said`` (an earlier table read the same file) is not repeated."""
        src = " + ".join(self.files)
        kept = "" if self.rows == self.rows_read else f" (of {self.rows_read:,} read)"
        out = [
            f"  {self.table:<14} {self.rows:,} row{'' if self.rows == 1 else 's'}{kept} from {src}",
            f"  {'':<14} columns: {', '.join(self.columns)}",
        ]
        for col, (lo, hi) in self.date_ranges.items():
            tag = " (dates only)" if col in self.date_only else ""
            out.append(f"  {'':<14} {col}: {lo} .. {hi}{tag}")
        said = set() if said is None else said
        out += [f"  {'':<14} note: {n}" for n in self.notes if n not in said]
        said.update(self.notes)
        miss = {c: n for c, n in self.missing.items() if n}
        if miss:
            parts = [f"{c} {n:,} ({n / max(self.rows, 1):.0%})" for c, n in miss.items()]
            out.append(f"  {'':<14} missing values: {', '.join(parts)}")
        return out


@dataclass
class CheckReport:
    """The data report of ``alignment-edge check``."""

    org_dir: str
    name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    tables: dict[str, TableSummary] = field(default_factory=dict)
    issues: list[QualityIssue] = field(default_factory=list)
    pii: list[PiiFinding] = field(default_factory=list)
    dropped_personal: dict[str, dict[str, str]] = field(default_factory=dict)
    hashed: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    strict: bool = False
    #: Which modules and sections can run (``helpers.data.readiness``); None on a fatal error.
    readiness: Readiness | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing is fatal (with ``strict``, no reported problem either)."""
        return self.error is None and not (self.strict and self.issues)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        d = dataclasses.asdict(dataclasses.replace(self, readiness=None))
        d["ok"] = self.ok
        d["readiness"] = self.readiness.figures() if self.readiness is not None else None
        return d

    def to_text(self) -> str:
        """A readable report for the command line."""
        out = [f"Data check: {self.name or '?'} ({self.org_dir})"]
        if self.currency:
            out.append(
                f"Currency {self.currency}, time zone {self.timezone} (timestamps shown in UTC)"
            )
        if self.error is not None:
            out += ["", "FAILED - fix this before running the curriculum:", _indent(self.error, 2)]
            return "\n".join(out) + "\n"
        out += ["", "Tables"]
        said: set[str] = set()  # a file's notes are said once, under the first table it feeds
        for t in schema.TABLES:
            s = self.tables.get(t)
            out += [f"  {t:<14} not provided"] if s is None else s.text_lines(said)
        out += ["", "Personal data", *self._personal_data_lines()]
        out += self._issue_lines()
        if self.readiness is not None:
            out += ["", "Modules (run or skip, by section)", *self.readiness.text_lines()]
        out += [
            "",
            "Result: " + ("OK" if self.ok else "FAILED (--strict: quality problems are fatal)"),
        ]
        return "\n".join(out) + "\n"

    def _personal_data_lines(self) -> list[str]:
        out = []
        for t, cols in self.hashed.items():
            if cols:
                out.append(f"  {t}: replaced by a keyed hash: {', '.join(cols)}")
        for t, cols in self.dropped_personal.items():
            if cols:
                out.append(
                    f"  {t}: dropped (look like personal data; list under hash_columns to keep "
                    f"as a key): {', '.join(f'{k} <- {v!r}' for k, v in cols.items())}"
                )
        for f in self.pii:
            out.append(_indent("- " + f.describe(), 2))
        return out or ["  none found"]

    def _issue_lines(self) -> list[str]:
        if not self.issues:
            return ["", "Quality problems: none"]
        tail = "fatal with --strict" if self.strict else "reported; --strict makes them fatal"
        out = ["", f"Quality problems ({len(self.issues)}, {tail})"]
        for k, i in enumerate(self.issues, 1):
            out.append(_indent(f"{k}. [{i.kind}] {i.table}.{i.column}: {i.message}", 2))
        return out


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line for line in text.splitlines())


def summarize(data: OrgData, strict: bool = False) -> CheckReport:
    """The check report of already-loaded data (with the modules' readiness)."""
    from helpers.data.readiness import assess

    rep = CheckReport(
        org_dir=str(data.org_dir),
        name=data.name,
        currency=data.currency,
        timezone=data.config.timezone,
        issues=list(data.issues),
        pii=list(data.pii),
        strict=strict,
        readiness=assess(data),
    )
    for t, df in data.tables().items():
        sf = data.source_files.get(t)
        ranges = {}
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any():
                fmt = "%Y-%m-%d" if data.is_date_only(t, col) else "%Y-%m-%d %H:%M"
                ranges[col] = (df[col].min().strftime(fmt), df[col].max().strftime(fmt))
        rep.tables[t] = TableSummary(
            table=t,
            files=[sf.path, *sf.joins] if sf else [],
            rows=len(df),
            rows_read=sf.rows_read if sf else len(df),
            columns=list(df.columns),
            features=list(sf.features) if sf else [],
            missing={c: int(df[c].isna().sum()) for c in df.columns},
            date_ranges=ranges,
            date_only=list(data.date_only.get(t, [])),
            notes=list(sf.notes) if sf else [],
        )
        if sf:
            rep.dropped_personal[t] = dict(sf.dropped_personal)
            rep.hashed[t] = list(sf.hashed)
    return rep


def check_org(org_dir: str | os.PathLike, strict: bool = False) -> CheckReport:
    """Validate an organization's data and describe it (never raises for data problems).

    ``report.exit_code`` is 1 when a fatal problem was found (``report.error``), or with
    ``strict`` when any quality problem was reported; ``report.to_text()`` is the text
    ``alignment-edge check`` prints.
    """
    try:
        data = load_org(org_dir)
    except DataError as exc:
        return CheckReport(
            org_dir=str(org_dir), name=_org_name(org_dir), error=str(exc), strict=strict
        )
    return summarize(data, strict=strict)


def _org_name(org_dir: str | os.PathLike) -> str | None:
    """The org's name from its ``org.yml`` when that much can be read (None otherwise)."""
    from helpers.core import paths
    from helpers.core.config import ORG_FILE, yaml_load

    try:
        raw = yaml_load((paths.resolve(org_dir) / ORG_FILE).read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - any unreadable org.yml: the name is unknown
        return None
    name = raw.get("name") if isinstance(raw, dict) else None
    return str(name) if isinstance(name, str | int | float) and str(name).strip() else None
