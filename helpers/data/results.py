"""What a load returns: ``OrgData`` and the records it carries.

``QualityIssue`` (a reported, non-fatal problem), ``PiiFinding`` (emails or phone numbers
found in free text), ``SourceFile`` (how one table was read and mapped). All of them are
plain dataclasses that round-trip through the tables' manifest (``to_dict``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.config import OrgConfig
from helpers.data.errors import join_ints
from helpers.data.sources import unit_for

_TABLE_NAMES = frozenset(schema.TABLES)


@dataclass
class QualityIssue:
    """A reported (non-fatal) data quality problem: counted, with example lines.

    Attributes
    ----------
    kind : str
        ``stage_order``, ``orphan_key``, ``negative_amount``, ``won_before_lead`` or
        ``stale_open_lead``.
    table, column : str
        Canonical table and column.
    count : int
        Number of rows concerned.
    lines : list of int
        The file's own line numbers (or sheet/row numbers) of a few example rows.
    message : str
        One sentence: what, where, what to do.
    file : str or None
        The file the example lines refer to (relative to the org folder).
    """

    kind: str
    table: str
    column: str
    count: int
    lines: list[int]
    message: str
    file: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class PiiFinding:
    """Emails or phone numbers found (and redacted) in a kept text column."""

    table: str
    column: str
    source_column: str
    file: str
    kind: str  # "email" or "phone"
    count: int
    lines: list[int]
    redacted: bool = True

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """One sentence for the check report: where, how many, what was done."""
        what = "email addresses" if self.kind == "email" else "phone numbers"
        rows = "row contains" if self.count == 1 else "rows contain"
        unit = unit_for(self.file) + ("s" if len(self.lines) > 1 else "")
        if self.redacted:
            done = (
                f"they are replaced by '[{self.kind} removed]' in the loaded table. Remove "
                "them from the export, or leave the column unmapped."
            )
        else:
            done = (
                f"this key is kept as it is: list {self.column} under hash_columns."
                f"{self.table} in org.yml to replace it by a keyed hash (in every table that "
                "uses it)."
            )
        return (
            f"{self.file}, column '{self.source_column}' ({self.table}.{self.column}): "
            f"{self.count:,} {rows} {what} ({unit} {join_ints(self.lines)}); " + done
        )


@dataclass
class SourceFile:
    """How one canonical table was read and mapped (for the data report)."""

    table: str
    path: str
    format: str
    rows_read: int = 0
    rows_kept: int = 0
    columns_in_file: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    constants: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)
    dropped_personal: dict[str, str] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    #: Said once in the data check (e.g. column names trimmed of spaces).
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: Placeholder of a table ``read_tables`` will read from disk on first use.
UNREAD: object = type("Unread", (), {"__repr__": lambda self: "UNREAD"})()


@dataclass(eq=False)
class OrgData:
    """An organization's validated canonical tables (``None`` where the org lacks one)."""

    config: OrgConfig
    org_dir: Path
    accounts: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    opportunities: pd.DataFrame | None = None
    spend: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    issues: list[QualityIssue] = field(default_factory=list)
    source_files: dict[str, SourceFile] = field(default_factory=dict)
    #: table -> datetime columns that hold dates only (midnight): hour-level analyses skip them.
    date_only: dict[str, list[str]] = field(default_factory=dict)
    pii: list[PiiFinding] = field(default_factory=list)
    #: table -> 0-based data-row position in the table's main file, aligned with the rows.
    source_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: The run folder the tables were read from (``read_tables``): where derived tables live.
    tables_from: Path | None = field(default=None, repr=False)
    #: table -> (reader, rows): tables on disk not read yet (read on first use).
    pending: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Only tables passed as ``UNREAD`` wait for a read: a table given explicitly (e.g. by
        # ``dataclasses.replace(data, activities=None)``) is never read over later, and a copy
        # never shares its pending reads with the original.
        mine = {
            t: v for t, v in self.__dict__["pending"].items()
            if object.__getattribute__(self, t) is UNREAD
        }
        object.__setattr__(self, "pending", mine)
        for t in _TABLE_NAMES:
            if t not in mine and object.__getattribute__(self, t) is UNREAD:
                object.__setattr__(self, t, None)

    def __getattribute__(self, name: str):
        if name in _TABLE_NAMES:
            pending = object.__getattribute__(self, "pending")
            if name in pending:
                reader, _ = pending.pop(name)
                df, rows = reader()
                object.__setattr__(self, name, df)
                if rows is not None:
                    object.__getattribute__(self, "source_rows")[name] = rows
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value) -> None:
        if name in _TABLE_NAMES and "pending" in self.__dict__:
            self.__dict__["pending"].pop(name, None)  # a table set by hand is not read later
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        rows = {t: n for t, (_, n) in self.pending.items()}
        rows.update({t: len(df) for t, df in self.tables(read=False).items()})
        sizes = ", ".join(f"{t}: {rows[t]:,} rows" for t in schema.TABLES if t in rows)
        return f"OrgData({self.name!r}; {sizes}; {len(self.issues)} reported issue(s))"

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def currency(self) -> str:
        return self.config.currency

    def table(self, name: str) -> pd.DataFrame | None:
        """The canonical table ``name`` (``None`` when absent)."""
        if name not in schema.TABLES:
            raise ValueError(f"unknown table '{name}'; tables are: {', '.join(schema.TABLES)}")
        return getattr(self, name)

    def tables(self, read: bool = True) -> dict[str, pd.DataFrame]:
        """The tables present, by name, in contract order (``read=False``: only those
        already read from disk)."""
        names = [t for t in schema.TABLES if read or t not in self.pending]
        return {t: getattr(self, t) for t in names if getattr(self, t) is not None}

    def has(self, table: str, *columns: str) -> bool:
        """True when ``table`` has rows and each column exists with at least one value."""
        df = self.table(table)
        if df is None or len(df) == 0:
            return False
        return all(c in df.columns and bool(df[c].notna().any()) for c in columns)

    def is_date_only(self, table: str, column: str) -> bool:
        """True when a datetime column only holds dates (no time of day)."""
        return column in self.date_only.get(table, [])
