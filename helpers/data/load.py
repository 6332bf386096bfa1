"""Read an organization's export files, map them onto the canonical tables, validate them.

``load_org(org_dir)`` is the one way data enters the curriculum::

    raw files (CSV, .csv.gz, Parquet, Excel) + org.yml
        -> read (declared encoding, delimiter, sheet; only the columns the mapping needs)
        -> map columns, values, constants, scales, date formats, time zone
        -> drop or hash personal data, redact emails / phone numbers in free text
        -> validate: fatal problems raise ``DataError``; quality problems are reported
        -> OrgData(accounts, leads, activities, opportunities, spend, plan, issues)

Every message names the file, the column and the file's own line numbers (the header is
line 1, so the first data row is line 2; Excel sheets give sheet rows, Parquet files give
row numbers) and says what to do. Input files are only ever read.

``check_org`` turns a load into a readable report for ``alignment-edge check``;
``write_tables`` / ``read_tables`` / ``load_for_notebook`` keep the validated tables as
Parquet beside a run's report, with a manifest of input hashes so that a notebook reuses
them only while the inputs are unchanged.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import gzip
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import paths, schema
from helpers.core.config import (
    ORG_FILE,
    ConfigError,
    FileSpec,
    JoinSpec,
    OrgConfig,
    load_org_config,
)

#: Bumped whenever the canonical tables written by ``write_tables`` change shape.
LOADER_VERSION = 1
TABLES_DIR = "tables"
MANIFEST = "manifest.json"
#: Cell texts read as missing in every column (besides ``org.yml: na_values``).
DEFAULT_NA_VALUES = ("", "NULL", "null", "Null", "NaN", "nan", "N/A", "n/a", "#N/A", "None", "NaT")
#: When no ``*horizon*`` parameter is set, a lead still open after this many days is reported.
DEFAULT_OPEN_LEAD_DAYS = 365
#: How many example rows a message quotes.
N_EXAMPLES = 5
_SOURCE_ROW = "_source_row"
# Columns this long whose first rows repeat a few values are converted per distinct value.
_DICT_MIN_ROWS = 200_000
_DICT_SAMPLE = 50_000
_DICT_MAX_UNIQUE = 2_000

_DATE_CANDIDATES = (
    "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y", "%d/%m/%y",
    "%m/%d/%y %H:%M", "%d/%m/%y %H:%M", "%d-%m-%Y", "%m-%d-%Y", "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y/%m/%d",
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y%m%d", "%d %b %Y", "%b %d, %Y", "%d %B %Y",
    "%B %d, %Y",
)
_EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_PHONE_RE = (
    r"(?<![\w+./:-])(?!\d{4}-\d{2}-\d{2})(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
    r"\d{1,5}(?:[ .-]?\d{1,5}){1,7}(?![\w/:-])"
)
_PERSONAL_NAME_PATTERNS = (
    (re.compile(r"(^|_)(e_?mail|e_?mail_address|email_addr)$"), "an email address"),
    (re.compile(r"(^|_)(phone|phone_number|telephone|tel|mobile|mobile_phone|cell|cell_phone|fax)$"),
     "a phone number"),
    (re.compile(r"(^|_)(first|last|full|given|family|middle|sur|contact|person|owner|rep)_?name$"),
     "a person's name"),
    (re.compile(r"^(name|surname|firstname|lastname|fullname|contact)$"), "a person's name"),
    (re.compile(r"(^|_)(street|street_address|home_address|linkedin|linkedin_url)$"),
     "a personal address or profile"),
)


# --------------------------------------------------------------------------- results


class DataError(ValueError):
    """A fatal problem with an organization's data or ``org.yml``: nothing can run.

    The message is meant for the analyst (file, column, line numbers, what to do).
    ``errors`` lists every fatal problem found in the load (this one first).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        lines: list[int] | None = None,
        key: str | None = None,
        errors: list[DataError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.column = column
        self.lines = list(lines or [])
        self.key = key
        self.errors = errors if errors is not None else [self]


class OrgConfigError(DataError, ConfigError):
    """``org.yml`` is missing or invalid (both a ``DataError`` and a ``ConfigError``)."""


class OrgPathError(DataError, paths.PathEscapeError):
    """A path in ``org.yml`` leaves the organization folder."""


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
        what = "email addresses" if self.kind == "email" else "phone numbers"
        return (
            f"{self.file}, column '{self.source_column}' ({self.table}.{self.column}): "
            f"{self.count:,} {'row contains' if self.count == 1 else 'rows contain'} {what} "
            f"({_unit_for(self.file)}{'s' if len(self.lines) > 1 else ''} {_join_ints(self.lines)}); "
            + (f"they are replaced by '[{self.kind} removed]' in the loaded table. Remove them from the "
               "export, or leave the column unmapped."
               if self.redacted else
               f"this key is kept as it is: list {self.column} under hash_columns.{self.table} in "
               "org.yml to replace it by a keyed hash (in every table that uses it).")
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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


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

    def __repr__(self) -> str:
        sizes = ", ".join(f"{t}: {len(df):,} rows" for t, df in self.tables().items())
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

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name, in contract order."""
        return {t: getattr(self, t) for t in schema.TABLES if getattr(self, t) is not None}

    def has(self, table: str, *columns: str) -> bool:
        """True when ``table`` has rows and each column exists with at least one value."""
        df = self.table(table)
        if df is None or len(df) == 0:
            return False
        return all(c in df.columns and bool(df[c].notna().any()) for c in columns)

    def is_date_only(self, table: str, column: str) -> bool:
        """True when a datetime column only holds dates (no time of day)."""
        return column in self.date_only.get(table, [])


# --------------------------------------------------------------------------- small utilities


def spec_kind(table: str, column: str) -> str | None:
    """The canonical kind of ``table.column`` (None for a feature column)."""
    col = schema.TABLES[table].get(column)
    return col.kind if col else None


def _join_ints(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


def _unit_for(file: str | None) -> str:
    if file is None:
        return "row"
    return "line" if _format_of(file) == "csv" else "row"


def _format_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz", ".txt.gz")):
        return "csv"
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".xlsx", ".xlsm")):
        return "excel"
    return None


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _personal_reason(*names: str) -> str | None:
    """Why a column name looks like personal data (None when it does not)."""
    for name in names:
        n = _norm_name(name)
        for pattern, reason in _PERSONAL_NAME_PATTERNS:
            if pattern.search(n):
                return reason
    return None


def _closest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if not close:
        low = {o.lower(): o for o in options}
        close = [low[k] for k in difflib.get_close_matches(name.lower(), list(low), n=1, cutoff=0.5)]
    return f" Did you mean '{close[0]}'?" if close else ""


def _short_list(names: list[str], limit: int = 25) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _quote(v: Any) -> str:
    text = str(v)
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) or s.dtype == object


def _as_text(s: pd.Series) -> pd.Series:
    """Any column as text (integral numbers without '.0', dates in ISO form)."""
    if pd.api.types.is_string_dtype(s) and s.dtype != object:
        return s
    if pd.api.types.is_bool_dtype(s):
        out = s.astype("boolean").map({True: "true", False: "false"})
        return out.astype("str")
    if pd.api.types.is_numeric_dtype(s):
        f = s.astype("float64")
        integral = f.notna() & np.isfinite(f) & (f == np.floor(f)) & (f.abs() < 2**53)
        out = pd.Series(pd.NA, index=s.index, dtype="object")
        if integral.any():
            out[integral] = f[integral].astype("int64").astype(str)
        rest = f.notna() & ~integral
        if rest.any():
            out[rest] = f[rest].astype(str)
        return out.astype("str")
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False).astype("str")
    return s.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else _obj_text(v)).astype("str")


def _obj_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | pd.Timestamp):
        text = v.isoformat(sep=" ")
        return text[:10] if text.endswith("00:00:00") else text
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


# --------------------------------------------------------------------------- sources


class _Source:
    """One input file: where it is, how to read it, how to name its rows in messages."""

    def __init__(self, org_dir: Path, table: str, spec: FileSpec | JoinSpec, key: str) -> None:
        self.table = table
        self.spec = spec
        self.key = key
        self.rel = spec.path
        try:
            self.path = paths.safe_join(org_dir, spec.path, what=f"{key}.path in org.yml")
        except paths.PathEscapeError as exc:
            raise OrgPathError(str(exc), file=spec.path, key=f"{key}.path") from None
        fmt = _format_of(spec.path)
        if fmt is None:
            raise DataError(
                f"{spec.path}: unsupported file type for {key}.path in org.yml; use .csv, "
                ".csv.gz, .parquet or .xlsx (save an old .xls as .xlsx).",
                file=spec.path, key=f"{key}.path",
            )
        self.fmt = fmt
        self.gz = spec.path.lower().endswith(".gz")
        if not self.path.is_file():
            present = sorted(p.name for p in self.path.parent.glob("*") if p.is_file()) if self.path.parent.is_dir() else []
            raise DataError(
                f"{spec.path}: file not found (named by {key}.path in org.yml, looked in "
                f"{self.path.parent}).{_closest(self.path.name, present)} Copy the export there "
                "or correct the path.",
                file=spec.path, key=f"{key}.path",
            )
        if self.path.stat().st_size == 0:
            raise DataError(
                f"{spec.path}: the file is empty (0 bytes). Export it again, or remove "
                f"{key} from org.yml if the organization has no such data.",
                file=spec.path, key=key,
            )
        self.header: list[str] = []
        self._record_lines: np.ndarray | None = None
        self.n_rows = 0

    # ---- line numbers
    @property
    def unit(self) -> str:
        return "line" if self.fmt == "csv" else "row"

    def raw_bytes(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.gz else data

    def lines(self, positions: np.ndarray | list[int]) -> list[int]:
        """File line numbers (CSV), sheet rows (Excel) or row numbers (Parquet) of data rows."""
        pos = np.asarray(positions, dtype="int64")
        if self.fmt == "excel":
            return [int(p) + 2 for p in pos]
        if self.fmt == "parquet":
            return [int(p) + 1 for p in pos]
        if self._record_lines is None:
            self._record_lines = _csv_record_lines(self.raw_bytes())
        rl = self._record_lines
        return [int(rl[p]) if 0 <= p < len(rl) else int(p) + 2 for p in pos]

    def where(self, positions: np.ndarray, count: int | None = None) -> str:
        pos = np.asarray(positions)[:N_EXAMPLES]
        lines = self.lines(pos)
        count = len(positions) if count is None else count
        label = f"{self.unit} {lines[0]}" if len(lines) == 1 else f"{self.unit}s {_join_ints(lines)}"
        if count > len(lines):
            label += f" and {count - len(lines):,} more"
        return label

    # ---- reading
    def read_header(self) -> list[str]:
        if self.fmt == "csv":
            self.header = self._sniff_csv()
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            try:
                self.header = list(pq.read_schema(self.path).names)
            except Exception as exc:  # noqa: BLE001 - any reader failure is the file's
                raise DataError(f"{self.rel}: not a readable Parquet file ({exc}).", file=self.rel, key=self.key) from None
        else:
            self._excel = self._read_excel_all()
            self.header = [str(c) for c in self._excel.columns]
        dups = sorted({h for h in self.header if self.header.count(h) > 1})
        if dups:
            raise DataError(
                f"{self.rel}, line 1: the header repeats the column name(s) {_short_list(dups)}; "
                "rename them in the export so each column has its own name.",
                file=self.rel, column=dups[0], lines=[1], key=self.key,
            )
        return self.header

    def _head_text(self) -> str:
        size = 1 << 18
        if self.gz:
            with gzip.open(self.path, "rb") as fh:
                head = fh.read(size)
        else:
            with open(self.path, "rb") as fh:
                head = fh.read(size)
        if not head.strip(b"\r\n\t \xef\xbb\xbf"):
            raise DataError(
                f"{self.rel}: the file is empty. Export it again, or remove {self.key} from org.yml.",
                file=self.rel, key=self.key,
            )
        enc = self.spec.encoding
        try:
            text = head.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                raise self._encoding_error() from None
            text = head[: exc.start].decode(enc)
        except LookupError:
            raise DataError(
                f"{self.rel}: unknown encoding '{enc}' in {self.key}.encoding of org.yml; use e.g. "
                "utf-8, latin-1 or cp1252.", file=self.rel, key=f"{self.key}.encoding",
            ) from None
        return text.lstrip("\ufeff")

    def _sniff_csv(self) -> list[str]:
        text = self._head_text()
        all_lines = text.splitlines()
        lines = [ln for ln in all_lines if ln.strip()]
        header_line = lines[0]
        delim = self.spec.delimiter
        if len(delim) != 1:
            raise DataError(
                f"{self.rel}: {self.key}.delimiter in org.yml must be one character (got {delim!r}).",
                file=self.rel, key=f"{self.key}.delimiter",
            )
        header = next(csv.reader([header_line], delimiter=delim))
        sample = lines[1:21]
        best, best_n = None, len(header)
        for cand in (",", ";", "\t", "|"):
            if cand == delim:
                continue
            n = len(next(csv.reader([header_line], delimiter=cand)))
            if n > best_n and all(len(next(csv.reader([ln], delimiter=cand))) == n for ln in sample):
                best, best_n = cand, n
        if best is not None:
            shown = {"\t": "\\t"}.get(best, best)
            msg = (
                f"{self.rel}, line 1: the columns are separated by '{shown}', not '{delim}' "
                f"({best_n} columns with '{shown}', {len(header)} with '{delim}'). "
                f"Set `delimiter: \"{shown}\"` under {self.key} in org.yml"
            )
            body = "\n".join(sample)
            if best == ";" and re.search(r"\d,\d", body):
                ex = re.search(r"-?\d+,\d+", body)
                msg += (
                    f", and `decimal: \",\"` too: numbers use a decimal comma (e.g. '{ex.group(0)}')"
                    if ex else ", and `decimal: \",\"` if numbers use a decimal comma"
                )
            raise DataError(msg + ".", file=self.rel, lines=[1], key=f"{self.key}.delimiter")
        if not sample:
            raise DataError(
                f"{self.rel}: the file has a header but no data rows. Export it again, or remove "
                f"{self.key} from org.yml.", file=self.rel, key=self.key,
            )
        return header

    def _encoding_error(self) -> DataError:
        raw = self.raw_bytes()
        enc = self.spec.encoding
        try:
            raw.decode(enc)
            pos, end = 0, 0
        except UnicodeDecodeError as exc:
            pos, end = exc.start, exc.end
        line = raw.count(b"\n", 0, pos) + 1
        start = raw.rfind(b"\n", 0, pos) + 1
        stop = raw.find(b"\n", pos)
        stop = len(raw) if stop < 0 else stop
        prefix = raw[start:pos].decode(enc, errors="replace")
        column = None
        header = self.header
        if not header:
            first = raw.split(b"\n", 1)[0].decode(enc, errors="replace").lstrip("\ufeff").rstrip("\r")
            header = next(csv.reader([first], delimiter=self.spec.delimiter), [])
        if line > 1 and header:
            in_quote, fields = False, 0
            for ch in prefix:
                if ch == '"':
                    in_quote = not in_quote
                elif ch == self.spec.delimiter and not in_quote:
                    fields += 1
            column = header[fields] if fields < len(header) else None
        snippet = raw[max(start, pos - 20): min(stop, pos + 20)].decode("cp1252", errors="replace").strip()
        where = f", column '{column}'" if column else ""
        return DataError(
            f"{self.rel}, line {line}{where}: byte 0x{raw[pos:end or pos + 1].hex()} is not valid "
            f"{enc} text (around {snippet!r}): the file was saved in another encoding, probably "
            f"Latin-1 / Windows-1252. Set `encoding: latin-1` (or `cp1252`) under {self.key} in "
            "org.yml.",
            file=self.rel, column=column, lines=[line], key=f"{self.key}.encoding",
        )

    def read(self, columns: list[str]) -> pd.DataFrame:
        """The data rows, only ``columns``; CSV cells as text, Parquet/Excel typed."""
        if self.fmt == "csv":
            df = self._read_csv(columns)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            df = pq.read_table(self.path, columns=columns).to_pandas()
        else:
            df = self._excel[columns].copy()
        self.n_rows = len(df)
        if len(df) == 0:
            raise DataError(
                f"{self.rel}: the file has a header but no data rows. Export it again, or remove "
                f"{self.key} from org.yml.", file=self.rel, key=self.key,
            )
        return df

    def _read_csv(self, columns: list[str]) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        bad_rows: list[tuple[int, int, str]] = []

        def on_invalid(row: Any) -> str:
            bad_rows.append((row.expected_columns, row.actual_columns, row.text))
            return "skip"

        enc = self.spec.encoding
        pa_enc = "utf8" if enc.lower().replace("-", "").replace("_", "") == "utf8" else enc
        try:
            table = pacsv.read_csv(
                self.path,
                read_options=pacsv.ReadOptions(encoding=pa_enc, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.spec.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in columns},
                    include_columns=columns,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except UnicodeDecodeError:
            raise self._encoding_error() from None
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
                raise self._encoding_error() from None
            raise DataError(f"{self.rel}: could not be read as CSV ({exc}).", file=self.rel, key=self.key) from None
        if bad_rows:
            raw = self.raw_bytes().decode(enc, errors="replace")
            found = []
            for _exp, _act, text in bad_rows[:N_EXAMPLES]:
                idx = raw.find(text)
                found.append(raw.count("\n", 0, idx) + 1 if idx >= 0 else None)
            lines = [ln for ln in found if ln is not None]
            exp, act, _ = bad_rows[0]
            hint = (
                " A text cell with the separator inside must be quoted; if numbers use a decimal "
                "comma, the file is probably ';'-separated: set `delimiter: \";\"` and `decimal: \",\"`."
                if self.spec.delimiter == "," else ""
            )
            if act == 1:
                hint += (" A one-field line is often a report footer ('Generated by ...'): export the "
                         "report as 'Details only' or delete those lines.")
            raise DataError(
                f"{self.rel}, line{'s' if len(lines) > 1 else ''} {_join_ints(lines)}: {act} fields "
                f"where the header has {exp} ({len(bad_rows):,} such rows).{hint} Fix the export "
                f"or the delimiter under {self.key} in org.yml.",
                file=self.rel, lines=lines, key=f"{self.key}.delimiter",
            )
        return table.to_pandas()

    def _read_excel_all(self) -> pd.DataFrame:
        import zipfile

        sheet = self.spec.sheet if self.spec.sheet is not None else 0
        try:
            df = pd.read_excel(self.path, sheet_name=sheet, dtype=object, engine="openpyxl")
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"{self.rel}: not a readable .xlsx workbook ({exc}).", file=self.rel, key=self.key) from None
        except (ValueError, IndexError, KeyError):
            import openpyxl

            wb = openpyxl.load_workbook(self.path, read_only=True)
            names = wb.sheetnames
            wb.close()
            raise DataError(
                f"{self.rel}: no sheet {sheet!r} (named by {self.key}.sheet in org.yml); the workbook "
                f"has {_short_list(names)}.{_closest(str(sheet), names)}",
                file=self.rel, key=f"{self.key}.sheet",
            ) from None
        df.columns = [str(c) for c in df.columns]
        if len(df.columns) == 0 or len(df) == 0:
            raise DataError(
                f"{self.rel}: sheet {sheet!r} is empty. Export it again or set {self.key}.sheet.",
                file=self.rel, key=self.key,
            )
        out = {c: _excel_column(df[c]) for c in df.columns}
        return pd.DataFrame(out, index=df.index)


def _excel_column(s: pd.Series) -> pd.Series:
    """Type an Excel column from its cells: dates, numbers, booleans, else text."""
    nn = s.dropna()
    if len(nn) == 0:
        return pd.Series(np.nan, index=s.index, dtype="str")
    kinds = {type(v) for v in nn}
    if all(issubclass(k, dt.datetime | dt.date | pd.Timestamp) for k in kinds):
        return pd.to_datetime(s)
    if all(issubclass(k, int | float | np.number) and not issubclass(k, bool | np.bool_) for k in kinds):
        return pd.to_numeric(s).astype("float64")
    if all(issubclass(k, bool | np.bool_) for k in kinds):
        return s.astype("boolean")
    return _as_text(s)


def _csv_record_lines(raw: bytes) -> np.ndarray:
    """Physical line number of each data record of a CSV (quotes and blank lines handled)."""
    if not raw:
        return np.zeros(0, dtype="int64")
    buf = np.frombuffer(raw, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    if raw.find(b'"') >= 0:
        quotes = np.flatnonzero(buf == 34)
        seps = nl[np.searchsorted(quotes, nl) % 2 == 0]
    else:
        seps = nl
    starts = np.concatenate([[0], seps + 1])
    ends = np.concatenate([seps, [len(raw)]])
    length = ends - starts
    first = buf[np.minimum(starts, len(buf) - 1)]
    blank = (length == 0) | ((length == 1) & (first == 13))
    line_of = np.searchsorted(nl, starts) + 1
    kept = line_of[~blank]
    return kept[1:]  # the first kept record is the header


# --------------------------------------------------------------------------- hashing


def secret_key_path(org_name: str) -> Path:
    """Where the organization's HMAC key lives (``helpers.core.paths.SECRETS/<slug>.key``)."""
    return Path(paths.SECRETS) / paths.safe_name(paths.org_slug(org_name) + ".key", what="org name")


def _secret_key(org_name: str) -> bytes:
    path = secret_key_path(org_name)
    reports = Path(paths.REPORTS).resolve()
    if reports == path.parent.resolve() or reports in path.parent.resolve().parents:
        raise DataError(f"The secrets folder {path.parent} is inside reports/; set ALIGNMENT_EDGE_SECRETS elsewhere.")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    for _ in range(50):  # another process may be writing it right now
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return bytes.fromhex(text)
        import time

        time.sleep(0.02)
    raise DataError(f"{path}: the secret key file is damaged; delete it (hashed keys will change).")


def keyed_hash(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of each value (case and surrounding spaces ignored), 16 hex characters.

    The same value always gives the same key within an organization, so hashed columns
    still join; without the secret the original value cannot be recovered or guessed.
    """
    text = _as_text(values)
    norm = text.str.strip().str.lower()
    codes, uniques = pd.factorize(norm, use_na_sentinel=True)
    hashed = [hmac.digest(key, u.encode("utf-8"), "sha256").hex()[:16] for u in uniques.tolist()]
    return _from_codes(codes, hashed, values.index)


# --------------------------------------------------------------------------- the load


@dataclass
class _Col:
    """A mapped column under construction: its values and where they came from."""

    target: str
    source: str | None
    src: _Source | None
    pos: np.ndarray | None  # data-row positions in ``src``, aligned with the table rows


class _Loader:
    def __init__(self, config: OrgConfig, org_dir: Path) -> None:
        self.config = config
        self.org_dir = org_dir
        self.errors: list[DataError] = []
        self.issues: list[QualityIssue] = []
        self.pii: list[PiiFinding] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.cols: dict[str, dict[str, _Col]] = {}
        self.main_src: dict[str, _Source] = {}
        self.source_rows: dict[str, np.ndarray] = {}
        self.source_files: dict[str, SourceFile] = {}
        self.date_only: dict[str, list[str]] = {}
        self._key: bytes | None = None
        na = set(DEFAULT_NA_VALUES) | set(config.na_values)
        self.na_tokens = sorted(na - {""})

    # ---- helpers
    def fail(self, message: str, **kw: Any) -> None:
        self.errors.append(DataError(message, **kw))

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = _secret_key(self.config.name)
        return self._key

    # ---- config references that name no column
    def check_config_tables(self) -> None:
        cfg = self.config
        for field_name in ("columns", "hash_columns", "values", "constants", "scales", "date_formats"):
            for table in getattr(cfg, field_name):
                if table not in cfg.files:
                    self.fail(
                        f"org.yml: {field_name}.{table} is set but files.{table} is not: add "
                        f"files.{table}.path or remove {field_name}.{table}.",
                        key=f"{field_name}.{table}",
                    )
        for table, cols in cfg.constants.items():
            for col in cols:
                if col in cfg.columns.get(table, {}):
                    self.fail(
                        f"org.yml: {table}.{col} is set both under columns and under constants; keep one.",
                        key=f"constants.{table}.{col}",
                    )

    # ---- one table
    def load_table(self, table: str) -> None:
        cfg = self.config
        spec = cfg.files[table]
        self._current_spec = spec
        try:
            sources = [_Source(self.org_dir, table, spec, f"files.{table}")]
            sources += [_Source(self.org_dir, table, j, f"files.{table}.join[{i}]") for i, j in enumerate(spec.join)]
            for s in sources:
                s.read_header()
        except DataError as exc:
            self.errors.append(exc)
            return
        main = sources[0]
        self.main_src[table] = main
        info = SourceFile(table=table, path=main.rel, format=main.fmt, columns_in_file=list(main.header),
                          joins=[s.rel for s in sources[1:]])
        self.source_files[table] = info

        # which file holds each source column (first file that has it)
        owner: dict[str, int] = {}
        for i, s in enumerate(sources):
            for h in s.header:
                owner.setdefault(h, i)

        def find(name: str) -> str | None:
            if name in owner:
                return name
            low = [h for h in owner if h.strip().casefold() == name.strip().casefold()]
            return low[0] if len(low) == 1 else None

        canon = schema.TABLES[table]
        mapping: dict[str, str] = {}
        ok = True
        for target, source in cfg.columns.get(table, {}).items():
            found = find(source)
            if found is None:
                ok = False
                files = " / ".join(s.rel for s in sources)
                self.fail(
                    f"{files}: column '{source}' (columns.{table}.{target} in org.yml) is not in the "
                    f"file.{_closest(source, list(owner))} The file has: {_short_list(list(owner))}.",
                    file=main.rel, column=source, lines=[1], key=f"columns.{table}.{target}",
                )
            else:
                mapping[target] = found
        constants = cfg.constants.get(table, {})
        mapped_sources = set(mapping.values())
        for c in canon:
            if c not in mapping and c not in constants and c in owner and c not in mapped_sources:
                mapping[c] = c
        hashed = set(cfg.hash_columns.get(table, []))
        for h in sorted(hashed):
            if h not in mapping and h not in constants:
                found = find(h)
                if found is None:
                    ok = False
                    self.fail(
                        f"org.yml: hash_columns.{table} names '{h}', which is neither a mapped column "
                        f"of {table} nor a column of {main.rel}.{_closest(h, list(mapping) + list(owner))}",
                        file=main.rel, column=h, key=f"hash_columns.{table}",
                    )
                else:
                    mapping[h] = found
        for field_name in ("values", "scales", "date_formats"):
            for col in getattr(cfg, field_name).get(table, {}):
                if col not in mapping and col not in constants:
                    ok = False
                    self.fail(
                        f"org.yml: {field_name}.{table}.{col} refers to no column of {table} (mapped "
                        f"columns: {_short_list(sorted(mapping) + sorted(constants))}).{_closest(col, list(mapping))}",
                        key=f"{field_name}.{table}.{col}",
                    )
        wne = []
        for col in spec.where_not_empty:
            found = find(col)
            if found is None:
                ok = False
                self.fail(
                    f"{main.rel}: column '{col}' (files.{table}.where_not_empty in org.yml) is not in "
                    f"the file.{_closest(col, list(owner))}",
                    file=main.rel, column=col, lines=[1], key=f"files.{table}.where_not_empty",
                )
            else:
                wne.append(found)
        join_keys = []
        for i, j in enumerate(spec.join, start=1):
            if j.on not in sources[i].header:
                ok = False
                self.fail(
                    f"{sources[i].rel}: join key '{j.on}' (files.{table}.join[{i - 1}].on) is not in "
                    f"the file.{_closest(j.on, sources[i].header)}",
                    file=sources[i].rel, column=j.on, lines=[1], key=f"files.{table}.join[{i - 1}].on",
                )
            elif owner.get(j.on, i) >= i:
                ok = False
                self.fail(
                    f"{main.rel}: join key '{j.on}' (files.{table}.join[{i - 1}].on) must also be a "
                    f"column of {main.rel} (or of a file joined before it).",
                    file=main.rel, column=j.on, lines=[1], key=f"files.{table}.join[{i - 1}].on",
                )
            join_keys.append(j.on)
        if not ok:
            return

        # read only the needed columns of each file
        needed = set(mapping.values()) | set(wne) | set(join_keys)
        per_file: list[list[str]] = [[] for _ in sources]
        for col in needed:
            per_file[owner[col]].append(col)
        for i, j in enumerate(spec.join, start=1):
            if j.on not in per_file[i]:
                per_file[i].append(j.on)
        if not per_file[0]:
            per_file[0].append(main.header[0])
        try:
            frame = main.read(sorted(per_file[0], key=main.header.index))
        except DataError as exc:
            self.errors.append(exc)
            return
        info.rows_read = len(frame)
        frame["_p0"] = np.arange(len(frame), dtype="int64")
        for i, (src, j) in enumerate(zip(sources[1:], spec.join, strict=True), start=1):
            try:
                other = src.read(sorted(per_file[i], key=src.header.index))
            except DataError as exc:
                self.errors.append(exc)
                return
            other[f"_p{i}"] = np.arange(len(other), dtype="int64")
            rkey = _norm_id(self._clean(other[j.on]))
            dup = rkey.notna() & rkey.duplicated(keep=False)
            if dup.any():
                pos = other.loc[dup, f"_p{i}"].to_numpy()
                self.fail(
                    f"{src.rel}, column '{j.on}': the join key repeats ({src.where(pos)}), so each "
                    f"row of {main.rel} would match several rows. Remove the duplicates, or join on a "
                    f"unique column (files.{table}.join[{i - 1}].on).",
                    file=src.rel, column=j.on, lines=src.lines(pos[:N_EXAMPLES]), key=f"files.{table}.join[{i - 1}].on",
                )
                return
            other = other.drop(columns=[j.on])
            other["__k"] = rkey
            other = other[rkey.notna()]
            left = frame.assign(__k=_norm_id(self._clean(frame[j.on])))
            frame = left.merge(other, how="left", on="__k", sort=False).drop(columns="__k")
            frame[f"_p{i}"] = frame[f"_p{i}"].fillna(-1).astype("int64")
        for col in wne:
            frame = frame[self._clean(frame[col]).notna()]
        frame = frame.reset_index(drop=True)
        n = len(frame)
        info.rows_kept = n
        if n == 0:
            self.fail(
                f"{main.rel}: no row is left after files.{table}.where_not_empty "
                f"({', '.join(spec.where_not_empty)}); check those column names and values.",
                file=main.rel, key=f"files.{table}.where_not_empty",
            )
            return

        out: dict[str, pd.Series] = {}
        colinfo: dict[str, _Col] = {}
        n_err = len(self.errors)
        for target, source in mapping.items():
            i = owner[source]
            c = _Col(target, source, sources[i], frame[f"_p{i}"].to_numpy())
            if target not in canon and target not in hashed:
                reason = _personal_reason(target, source)
                if reason is not None:
                    info.dropped_personal[target] = source
                    continue
            if spec_kind(table, target) == "id" and target not in hashed and _personal_reason(source):
                hashed.add(target)  # an email (or name) used as a key: kept only as a keyed hash
            series = self._column(table, c, frame[source], hashed=target in hashed or target == "owner_id")
            if series is not None:
                out[target] = series
                colinfo[target] = c
                info.mapped[target] = source
        for target, value in constants.items():
            c = _Col(target, None, None, None)
            raw = pd.Series([None if value is None else _obj_text(value)] * n, dtype="str")
            series = self._column(table, c, raw, hashed=target in hashed or target == "owner_id", constant=True)
            if series is not None:
                out[target] = series
                colinfo[target] = c
                info.constants.append(target)
        if len(self.errors) > n_err:
            return
        order = [c for c in canon if c in out] + [c for c in out if c not in canon]
        df = pd.DataFrame({c: out[c] for c in order}, index=pd.RangeIndex(n))
        info.hashed = sorted(c for c in df.columns if c in hashed or c == "owner_id")
        info.features = [c for c in df.columns if c not in canon]
        self.cols[table] = colinfo
        self.source_rows[table] = frame["_p0"].to_numpy()
        self._validate_table(table, df)
        self._scan_pii(table, df)
        self.tables[table] = df

    def _clean(self, s: pd.Series) -> pd.Series:
        """Text with surrounding spaces removed and NA tokens / empty cells as missing."""
        t = _as_text(s).str.strip()
        return t.mask(t.isin(self.na_tokens) | (t == ""))

    # ---- one column
    def _column(self, table: str, c: _Col, raw: pd.Series, *, hashed: bool, constant: bool = False) -> pd.Series | None:
        """One mapped column, typed. Long repetitive text columns are converted once per
        distinct value and expanded back (same result, a fraction of the work)."""
        if len(raw) >= _DICT_MIN_ROWS and _is_text(raw) and raw.iloc[:_DICT_SAMPLE].nunique(dropna=False) <= _DICT_MAX_UNIQUE:
            codes, uniq = pd.factorize(raw, use_na_sentinel=False)
            if len(uniq) <= max(_DICT_MAX_UNIQUE * 4, len(raw) // 20):
                first = np.full(len(uniq), -1, dtype="int64")
                first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
                cu = _Col(c.target, c.source, c.src, None if c.pos is None else c.pos[first])
                n_err = len(self.errors)
                res = self._column_values(table, cu, pd.Series(uniq, dtype=raw.dtype), hashed=hashed)
                if len(self.errors) == n_err and res is not None:
                    return res.iloc[codes].reset_index(drop=True)
                del self.errors[n_err:]  # redo on every row, so messages count rows and quote lines
        return self._column_values(table, c, raw, hashed=hashed)

    def _column_values(self, table: str, c: _Col, raw: pd.Series, *, hashed: bool) -> pd.Series | None:
        cfg = self.config
        spec = schema.TABLES[table].get(c.target)
        kind = spec.kind if spec else None
        vmap = cfg.values.get(table, {}).get(c.target)
        fmt = cfg.date_formats.get(table, {}).get(c.target)
        typed = not _is_text(raw)
        if typed and vmap is None and not hashed and kind not in ("bool",):
            clean = raw
        else:
            text = _as_text(raw)
            stripped = text.str.strip()
            empty = stripped.isna() | (stripped == "")
            na_tok = stripped.isin(self.na_tokens)
            clean = stripped.mask(empty | na_tok)
            mapped = pd.Series(False, index=raw.index)
            if vmap:
                clean, mapped = _apply_value_map(clean, vmap)
            if kind == "bool" or (kind is None and not hashed and _looks_boolean(clean, cfg) and fmt is None):
                return self._bool(table, c, clean, empty & ~mapped)
        if hashed:
            if kind == "id":
                clean = _norm_id(clean)
            return keyed_hash(clean, self.key)
        if kind is None:
            kind = "datetime" if fmt else self._infer_kind(clean, c.src.spec if c.src else self._current_spec)
        if kind == "id":
            return _norm_id(clean)
        if kind == "str":
            return self._category(table, c, _as_text(clean) if typed else clean)
        if kind == "sic":
            return self._sic(table, c, _as_text(clean) if typed else clean)
        if kind in ("float", "int"):
            return self._number(table, c, clean)
        if kind == "datetime":
            return self._datetime(table, c, clean, fmt)
        if kind == "bool":
            return clean.astype("boolean")
        raise AssertionError(kind)

    def _infer_kind(self, s: pd.Series, spec: FileSpec | JoinSpec) -> str:
        """Type of a feature column from its values: number, date, else text."""
        if not _is_text(s):
            if pd.api.types.is_bool_dtype(s):
                return "bool"
            if pd.api.types.is_numeric_dtype(s):
                return "float"
            if pd.api.types.is_datetime64_any_dtype(s):
                return "datetime"
            return "str"
        nn = s.dropna()
        if len(nn) == 0:
            return "str"
        uniq = pd.Series(nn.unique()).astype("str")
        if uniq.str.match(r"^0\d").any():  # leading zeros: a code, not a number
            return "str"
        nums = _parse_numbers(uniq, spec.decimal, spec.thousands, self.config.currency)
        if nums.notna().all():
            return "float"
        if uniq.str.match(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$").all():
            return "datetime"
        return "str"

    def _where(self, c: _Col, mask: np.ndarray) -> tuple[str, list[int], str | None]:
        if c.src is None:
            return "", [], None
        pos = c.pos[np.asarray(mask, dtype=bool)]
        return f" ({c.src.where(pos)})", c.src.lines(pos[:N_EXAMPLES]), c.src.rel

    def _label(self, table: str, c: _Col) -> str:
        if c.src is None:
            return f"org.yml constants.{table}.{c.target}"
        return f"{c.src.rel}, column '{c.source}' ({table}.{c.target})"

    def _examples(self, values: pd.Series, c: _Col, mask: np.ndarray) -> str:
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))[:3]
        if c.src is None:
            return ", ".join(_quote(values.iloc[i]) for i in idx)
        lines = c.src.lines(c.pos[idx])
        return ", ".join(f"{_quote(values.iloc[i])} at {c.src.unit} {ln}" for i, ln in zip(idx, lines, strict=True))

    def _bad(self, table: str, c: _Col, values: pd.Series, mask: np.ndarray, what: str, todo: str, key: str | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        where, lines, file = self._where(c, mask)
        examples = self._examples(values, c, mask)
        if count == 1:  # "are not numbers" -> "is not a number" style agreement
            what = _singular(what)
        self.fail(
            f"{self._label(table, c)}: {count:,} value{'s' if count > 1 else ''} {what}{where}, e.g. "
            f"{examples}. {todo}",
            file=file, column=c.source or c.target, lines=lines, key=key,
        )

    def _bool(self, table: str, c: _Col, clean: pd.Series, empty: pd.Series) -> pd.Series | None:
        b = self.config.booleans
        true_set = {t.lower() for t in b.true} | {"true"}
        false_set = {t.lower() for t in b.false} | {"false"}
        low = clean.str.lower()
        out = pd.Series(pd.NA, index=clean.index, dtype="boolean")
        out[low.isin(true_set).to_numpy()] = True
        out[low.isin(false_set).to_numpy()] = False
        if "" in false_set:
            out[empty.to_numpy()] = False
        bad = clean.notna() & ~low.isin(true_set | false_set)
        if bad.any():
            self._bad(
                table, c, clean, bad.to_numpy(), "are not yes/no values",
                f"Add them to booleans.true / booleans.false, or map them under values.{table}.{c.target} in org.yml.",
                key=f"values.{table}.{c.target}",
            )
            return None
        return out

    def _category(self, table: str, c: _Col, s: pd.Series) -> pd.Series | None:
        allowed = {"outcome": schema.OUTCOMES, "team": schema.TEAMS}.get(c.target)
        if allowed is None or table not in ("opportunities", "activities"):
            return s.astype("str")
        low = s.str.strip().str.lower()
        bad = low.notna() & ~low.isin(allowed)
        if bad.any():
            found = sorted(set(s[bad].unique()))[:8]
            self._bad(
                table, c, s, bad.to_numpy(), f"are not one of {', '.join(allowed)}",
                f"Map each label under values.{table}.{c.target} in org.yml, e.g. "
                + ", ".join(f"'{v}': {allowed[0]}" for v in found[:3]) + ".",
                key=f"values.{table}.{c.target}",
            )
            return None
        return low.astype("str")

    def _sic(self, table: str, c: _Col, s: pd.Series) -> pd.Series | None:
        t = s.str.replace(r"\.0+$", "", regex=True)
        ok = t.str.fullmatch(r"\d{1,4}")
        bad = t.notna() & ~ok.fillna(False).astype(bool)
        if bad.any():
            self._bad(table, c, s, bad.to_numpy(), "are not SIC codes (1 to 4 digits)",
                      "Fix them in the export or list them in na_values.")
            return None
        return t.str.zfill(4).astype("str")

    def _number(self, table: str, c: _Col, s: pd.Series) -> pd.Series | None:
        spec = self._current_spec if c.src is None else c.src.spec
        if not _is_text(s):
            out = pd.to_numeric(s, errors="coerce").astype("float64") if not pd.api.types.is_bool_dtype(s) else s.astype("float64")
        else:
            out = _parse_numbers(s, spec.decimal, spec.thousands, self.config.currency)
            bad = s.notna() & out.isna()
            if bad.any():
                vals = s[bad]
                key = f"{c.src.key if c.src else 'constants'}"
                if vals.str.fullmatch(r"-?\d+,\d+").mean() > 0.5 and spec.decimal != ",":
                    todo = (f"They use a decimal comma: set `decimal: \",\"` under {key} in org.yml "
                            "(and `delimiter: \";\"` if the file is ';'-separated).")
                    key = f"{key}.decimal"
                elif vals.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").mean() > 0.5:
                    todo = f"They use ',' between thousands: set `thousands: \",\"` under {key} in org.yml."
                    key = f"{key}.thousands"
                else:
                    todo = (f"Fix them in the export, add tokens such as 'n/a' to na_values, or map them "
                            f"under values.{table}.{c.target} in org.yml.")
                self._bad(table, c, s, bad.to_numpy(), "are not numbers", todo, key=key)
                return None
        scale = self.config.scales.get(table, {}).get(c.target)
        if scale is not None:
            out = out * float(scale)
        return out

    def _datetime(self, table: str, c: _Col, s: pd.Series, fmt: str | None) -> pd.Series | None:
        tz = self.config.timezone
        key = f"date_formats.{table}.{c.target}"
        if pd.api.types.is_datetime64_any_dtype(s):
            ts = pd.Series(s)
            aware = ts.dt.tz is not None
            if aware:
                ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
            return self._finish_dates(table, c, ts, naive_local=not aware, tz=tz)
        if not _is_text(s):
            self._bad(table, c, _as_text(s), s.notna().to_numpy(), "are numbers, not dates",
                      "Export dates as text or date cells.", key=key)
            return None
        excel = c.src is not None and c.src.fmt == "excel"
        if fmt:
            try:
                parsed = pd.to_datetime(s, format=fmt, errors="coerce")
            except ValueError as exc:
                self.fail(f"org.yml: {key} '{fmt}' is not a valid date format ({exc}).", key=key)
                return None
            if excel:
                rest = parsed.isna() & s.notna()
                if rest.any():
                    parsed = parsed.astype("datetime64[ns]")
                    parsed[rest] = pd.to_datetime(s[rest], format="ISO8601", errors="coerce").astype("datetime64[ns]")
            bad = s.notna() & parsed.isna()
            if bad.any():
                self._bad(table, c, s, bad.to_numpy(), f"do not match the date format '{fmt}' or are impossible dates",
                          f"Fix them in the export, or correct {key} in org.yml.", key=key)
                return None
            return self._finish_dates(table, c, parsed, naive_local=True, tz=tz)
        nn = s.dropna()
        if len(nn) == 0:
            return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        fast = _arrow_timestamps(s)
        if fast is not None:
            return self._finish_dates(table, c, fast, naive_local=True, tz=tz)
        aware = False
        try:
            parsed = pd.to_datetime(s, format="ISO8601", errors="coerce")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
                aware = True
        except (ValueError, TypeError):
            has_tz = s.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
            parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
            parsed[has_tz] = pd.to_datetime(s[has_tz], format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
            local = pd.to_datetime(s[~has_tz], format="ISO8601", errors="coerce").astype("datetime64[ns]")
            local = _localize(local, tz)
            parsed[~has_tz] = local
            aware = True  # already converted: no further shift
        bad = s.notna() & parsed.isna()
        if bad.any():
            iso_like = s[bad].str.match(r"^\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)
            if iso_like.all():
                self._bad(table, c, s, bad.to_numpy(), "are impossible dates",
                          "Fix them in the export (or list the token in na_values).", key=key)
                return None
            chosen = _guess_format(s[bad & ~s.str.match(r"^\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)])
            if isinstance(chosen, tuple):
                example = s[bad].iloc[0]
                self._bad(table, c, s, bad.to_numpy(), "have an ambiguous day/month order",
                          f"Set {key} in org.yml to '{chosen[0]}' or '{chosen[1]}' (e.g. {example!r}).", key=key)
                return None
            if chosen is None:
                self._bad(table, c, s, bad.to_numpy(), "are not dates",
                          f"Fix them in the export, or set {key} in org.yml (e.g. '%d/%m/%Y').", key=key)
                return None
            if aware:
                self._bad(table, c, s, bad.to_numpy(), f"are in the format '{chosen}' while others carry a time zone",
                          f"Export one date format, or set {key} in org.yml.", key=key)
                return None
            parsed = parsed.astype("datetime64[ns]")
            parsed[bad] = pd.to_datetime(s[bad], format=chosen, errors="coerce").astype("datetime64[ns]")
            still = s.notna() & parsed.isna()
            if still.any():
                self._bad(table, c, s, still.to_numpy(), f"do not match the format '{chosen}' of the other dates",
                          f"Fix them in the export, or set {key} in org.yml.", key=key)
                return None
        return self._finish_dates(table, c, parsed, naive_local=not aware, tz=tz)

    def _finish_dates(self, table: str, c: _Col, ts: pd.Series, *, naive_local: bool, tz: str) -> pd.Series | None:
        ts = pd.Series(ts)
        years = ts.dt.year
        bad = ts.notna() & ((years < 1900) | (years > 2200))
        if bad.any():
            self._bad(table, c, _as_text(ts), bad.to_numpy(), "are impossible dates (year before 1900 or after 2200)",
                      "Fix them in the export.", key=f"date_formats.{table}.{c.target}")
            return None
        ts = ts.astype("datetime64[ns]")
        nn = ts.dropna()
        date_only = naive_local and bool((nn == nn.dt.normalize()).all())
        if date_only and c.target not in self.date_only.get(table, []):
            self.date_only.setdefault(table, []).append(c.target)
        elif naive_local and tz != "UTC":
            ts = _localize(ts, tz)
        return ts

    # ---- table checks (fatal)
    def _validate_table(self, table: str, df: pd.DataFrame) -> None:
        main = self.main_src[table]
        cols = self.cols[table]
        for req in schema.required_columns(table):
            if req not in df.columns:
                has = sorted(self.config.columns.get(table, {}))
                self.fail(
                    f"{main.rel}: required column '{req}' of {table} is missing. Map it in org.yml "
                    f"under columns.{table}.{req} (the export's column that holds it), e.g. "
                    f"`{req}: \"{(main.header or ['Column name'])[0]}\"`. The file has: "
                    f"{_short_list(main.header)}." + (f" Mapped so far: {', '.join(has)}." if has else ""),
                    file=main.rel, column=req, lines=[1], key=f"columns.{table}.{req}",
                )
                continue
            empty = df[req].isna().to_numpy()
            if empty.any():
                c = cols[req]
                where, lines, file = self._where(c, empty)
                self.fail(
                    f"{self._label(table, c)}: required value missing in {int(empty.sum()):,} rows{where}. "
                    f"Fill it in the export, or keep only complete rows with files.{table}.where_not_empty.",
                    file=file, column=c.source or req, lines=lines, key=f"columns.{table}.{req}",
                )
        pk = schema.PRIMARY_KEYS[table]
        if pk and pk in df.columns:
            dup = df[pk].duplicated(keep=False) & df[pk].notna()
            if dup.any():
                c = cols[pk]
                first = df.loc[dup, pk].iloc[0]
                pos = np.flatnonzero(((df[pk] == first) & dup).to_numpy())
                ex = ""
                if c.src is not None:
                    ex = f" (e.g. {_quote(first)} at {c.src.unit}s {_join_ints(c.src.lines(c.pos[pos][:N_EXAMPLES]))})"
                where, lines, file = self._where(c, dup.to_numpy())
                self.fail(
                    f"{self._label(table, c)}: {int(dup.sum()):,} rows share an id with another row{where}"
                    f"{ex}. Each {table[:-1] if table.endswith('s') else table} needs its own id: remove the "
                    "duplicates from the export or map a unique column.",
                    file=file, column=c.source or pk, lines=lines, key=f"columns.{table}.{pk}",
                )

    # ---- personal data in free text
    def _scan_pii(self, table: str, df: pd.DataFrame) -> None:
        canon = schema.TABLES[table]
        skip = set(self.source_files[table].hashed)
        for col in list(df.columns):
            s = df[col]
            if col in skip or not pd.api.types.is_string_dtype(s):
                continue
            if col in canon and canon[col].kind == "sic":
                continue
            c = self.cols[table][col]
            if c.src is None:
                continue
            email, phone = _pii_masks(s)
            if col in canon and canon[col].kind == "id":
                # keys are never rewritten (joins would break): say where, and how to hash them
                if email.any():
                    pos = c.pos[email]
                    self.pii.append(PiiFinding(table, col, c.source or col, c.src.rel, "email", int(email.sum()),
                                               c.src.lines(pos[:N_EXAMPLES]), redacted=False))
                continue
            redacted = s
            for kind, mask, pattern in (("email", email, _EMAIL_RE), ("phone", phone, _PHONE_RE)):
                if mask.any():
                    pos = c.pos[mask]
                    self.pii.append(PiiFinding(table, col, c.source or col, c.src.rel, kind, int(mask.sum()),
                                               c.src.lines(pos[:N_EXAMPLES])))
                    repl = _redact_phone if kind == "phone" else f"[{kind} removed]"
                    sub = redacted[mask].str.replace(pattern, repl, regex=True)
                    redacted = redacted.copy()
                    redacted[mask] = sub
            if redacted is not s:
                df[col] = redacted.astype("str")

    # ---- cross-table checks (reported)
    def report(self, kind: str, table: str, column: str, mask: np.ndarray, message: tuple[str, str], todo: str,
               col_for_lines: str | None = None) -> None:
        """Record a reported problem; ``message`` is (singular, plural) text after the count."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if count == 0:
            return
        c = self.cols[table].get(col_for_lines or column)
        src = c.src if c is not None and c.src is not None else self.main_src[table]
        pos_all = c.pos if c is not None and c.src is not None else self.source_rows[table]
        pos = pos_all[mask]
        pos = pos[pos >= 0]
        lines = src.lines(pos[:N_EXAMPLES]) if len(pos) else []
        where = f" ({src.where(pos, count)})" if len(pos) else ""
        text = message[0] if count == 1 else message[1]
        self.issues.append(QualityIssue(
            kind=kind, table=table, column=column, count=count, lines=lines,
            message=f"{src.rel}, column '{c.source if c is not None and c.source else column}': "
                    f"{count:,} {text}{where}. {todo}",
            file=src.rel,
        ))

    def cross_checks(self) -> None:
        t = self.tables
        self._stage_order()
        for (table, col), (rtable, rcol) in schema.FOREIGN_KEYS.items():
            if table in t and rtable in t and col in t[table].columns and rcol in t[rtable].columns:
                s = t[table][col]
                orphan = s.notna().to_numpy() & ~_isin(s, t[rtable][rcol])
                if orphan.any():
                    ex = ", ".join(_quote(v) for v in pd.unique(s[orphan])[:3])
                    self.report(
                        "orphan_key", table, col, orphan,
                        (f"{table[:-1]} has a {col} that is not in {rtable} (e.g. {ex})",
                         f"{table} have a {col} that is not in {rtable} (e.g. {ex})"),
                        f"Check that both exports cover the same period and use the same ids; these "
                        f"rows stay, without their {rtable[:-1]} data.",
                    )
        for table, cols in schema.TABLES.items():
            if table not in t:
                continue
            for col, spec in cols.items():
                if spec.money and col in t[table].columns:
                    neg = (t[table][col] < 0).fillna(False).to_numpy()
                    self.report("negative_amount", table, col, neg,
                                (f"{table} row has a negative {col}", f"{table} rows have a negative {col}"),
                                "Credit notes or refunds belong outside this export; analyses count them as they are.")
        self._won_before_lead()
        self._stale_open_leads()

    def _cmp_dates(self, table_a: str, col_a: str, a: pd.Series, table_b: str, col_b: str, b: pd.Series) -> pd.Series:
        """a < b, at day level when either column holds dates only."""
        if col_a in self.date_only.get(table_a, []) or col_b in self.date_only.get(table_b, []):
            return a.dt.normalize() < b.dt.normalize()
        return a < b

    def _stage_order(self) -> None:
        leads = self.tables.get("leads")
        if leads is not None:
            order = [schema.STAGE_TIMESTAMPS[s] for s in schema.STAGES if s in schema.STAGE_TIMESTAMPS]
            present = [c for c in order if c in leads.columns]
            for k in range(1, len(present)):
                later = present[k]
                bad = pd.Series(False, index=leads.index)
                names = []
                for earlier in present[:k]:
                    m = self._cmp_dates("leads", later, leads[later], "leads", earlier, leads[earlier]).fillna(False)
                    if m.any():
                        names.append(earlier)
                    bad |= m
                if bad.any():
                    self.report("stage_order", "leads", later, bad.to_numpy(),
                                (f"lead has {later} earlier than {' / '.join(names)}",
                                 f"leads have {later} earlier than {' / '.join(names)}"),
                                "Stage dates should only move forward; check how the CRM records them. "
                                "Funnel timings skip these rows where they matter.")
        opps = self.tables.get("opportunities")
        if opps is not None and {"created_at", "closed_at"} <= set(opps.columns):
            bad = self._cmp_dates("opportunities", "closed_at", opps["closed_at"], "opportunities", "created_at",
                                  opps["created_at"]).fillna(False)
            self.report("stage_order", "opportunities", "closed_at", bad.to_numpy(),
                        ("opportunity is closed before it was created", "opportunities are closed before they were created"),
                        "Check the export's created and closed dates.")

    def _won_before_lead(self) -> None:
        opps, leads = self.tables.get("opportunities"), self.tables.get("leads")
        if opps is None or leads is None or not {"lead_id", "closed_at"} <= set(opps.columns) or "created_at" not in leads:
            return
        created = leads.drop_duplicates("lead_id").set_index("lead_id")["created_at"]
        lead_created = opps["lead_id"].map(created)
        won = (opps["outcome"] == "won").to_numpy() if "outcome" in opps else np.ones(len(opps), bool)
        before = self._cmp_dates("opportunities", "closed_at", opps["closed_at"], "leads", "created_at", lead_created)
        bad = before.fillna(False).to_numpy() & won
        self.report("won_before_lead", "opportunities", "closed_at", bad,
                    ("won deal is closed before its lead was created", "won deals are closed before their lead was created"),
                    "The lead's created date is probably a later re-capture; conversion timings skip these deals.")

    def _stale_open_leads(self) -> None:
        leads = self.tables.get("leads")
        if leads is None or "created_at" not in leads.columns or not leads["created_at"].notna().any():
            return
        horizons = [float(v) for k, v in self.config.parameters.items()
                    if "horizon" in k.lower() and isinstance(v, int | float) and not isinstance(v, bool)]
        days = max(horizons) if horizons else DEFAULT_OPEN_LEAD_DAYS
        events = [self.tables[t] for t in ("leads", "activities", "opportunities") if t in self.tables]
        ends = [df[col].max() for df in events for col in df.columns
                if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any()]
        as_of = max(ends)
        stamps = [c for c in ("mql_at", "sal_at", "sql_at") if c in leads.columns]
        if not stamps and "stage" not in leads.columns:
            return  # nothing says which leads were qualified: cannot tell open from dormant
        qualified = pd.Series(False, index=leads.index)
        for c in stamps:
            qualified |= leads[c].notna()
        if "stage" in leads.columns:
            qualified |= leads["stage"].isin(["mql", "sal", "sql", "opportunity"]).fillna(False).astype(bool)
        open_ = qualified.copy()
        if "converted" in leads:
            open_ &= ~leads["converted"].fillna(False).astype(bool)
        if "disqualified_at" in leads:
            open_ &= leads["disqualified_at"].isna()
        opps = self.tables.get("opportunities")
        if opps is not None and "lead_id" in opps:
            open_ &= ~_isin(leads["lead_id"], opps["lead_id"])
        old = open_ & (leads["created_at"] < as_of - pd.Timedelta(days=days))
        self.report("stale_open_lead", "leads", "created_at", old.fillna(False).to_numpy(),
                    (f"qualified lead (MQL or later) is still open (no opportunity, conversion or "
                     f"disqualification) more than {days:g} days before the export's last date {as_of:%Y-%m-%d}",
                     f"qualified leads (MQL or later) are still open (no opportunity, conversion or "
                     f"disqualification) more than {days:g} days before the export's last date {as_of:%Y-%m-%d}"),
                    "Close them out in the CRM (disqualified date) or map the column that records it; "
                    "analyses count them as not converted.")


def _isin(s: pd.Series, values: pd.Series) -> np.ndarray:
    """``s.isin(values)`` for long text columns (vectorised in Arrow; missing values -> False)."""
    return isin_values(s, values)


def _as_arrow(values: Any):
    """The Arrow array behind ``values`` (a Series, Index, array or list), one chunk."""
    import pyarrow as pa

    arr = values.array if isinstance(values, pd.Series | pd.Index) else values
    if hasattr(arr, "__arrow_array__"):
        out = arr.__arrow_array__()
    else:
        out = pa.array(np.asarray(arr, dtype=object) if not isinstance(arr, np.ndarray) else arr,
                       from_pandas=True)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def isin_values(s: pd.Series, values: Any) -> np.ndarray:
    """``s.isin(values)`` as a boolean array, fast for long text columns.

    pandas checks a text column against a list of values one value at a time; this
    builds the value set once in Arrow, so a million ids take a fraction of a second.
    Missing values of ``s`` give False (missing values in ``values`` are ignored).

    Parameters
    ----------
    s : Series
        Column to test (any dtype; text columns gain the most).
    values : Series, Index, array or list
        Values to look for.

    Returns
    -------
    numpy.ndarray of bool
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = _as_arrow(s)
        vset = _as_arrow(values)
        if vset.null_count:
            vset = vset.drop_null()
        if vset.type != arr.type:
            vset = vset.cast(arr.type)
        return pc.is_in(arr, value_set=vset, skip_nulls=True).fill_null(False).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, TypeError, ValueError):
        vals = pd.Series(values).dropna().unique()
        return s.isin(vals).fillna(False).to_numpy(dtype=bool)


def text_equals(s: pd.Series, value: str) -> np.ndarray:
    """``s.str.lower() == value`` as a boolean array (missing -> False).

    Computed once per distinct value: an activity log repeats a handful of team or type
    names over millions of rows, and lower-casing every row costs seconds.
    """
    codes, uniques = pd.factorize(s)
    hit = np.asarray(pd.Index(uniques).astype("string").str.lower() == value, dtype=bool)
    return np.append(hit, False)[codes]  # code -1 (missing) -> the appended False


def positions_in(keys: Any, index: Any) -> np.ndarray:
    """Position of each of ``keys`` in ``index`` (int64, -1 when absent or missing).

    The same as ``pd.Index(index).get_indexer(keys)`` for an ``index`` without repeated
    values, computed in Arrow: with text ids pandas converts both sides to Python
    strings first, which costs seconds on millions of rows.

    Raises
    ------
    ValueError
        When ``index`` repeats a value (a key would have several positions).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        karr = _as_arrow(keys)
        iarr = _as_arrow(index)
        if iarr.type != karr.type:
            iarr = iarr.cast(karr.type)
        valid = iarr.drop_null() if iarr.null_count else iarr
        if pc.count_distinct(valid).as_py() != len(valid):
            raise ValueError("positions_in needs an index without repeated values.")
        pos = pc.index_in(karr, value_set=iarr, skip_nulls=True).fill_null(-1)
        return pos.to_numpy(zero_copy_only=False).astype("int64", copy=False)
    except (pa.ArrowException, TypeError):
        return pd.Index(index).get_indexer(keys).astype("int64", copy=False)


def _arrow_array(s: pd.Series):
    """The Arrow array behind a text column (converted when the column is not Arrow-backed)."""
    import pyarrow as pa

    if hasattr(s.array, "__arrow_array__"):
        arr = s.array.__arrow_array__()
    else:
        arr = pa.array(s.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _arrow_timestamps(s: pd.Series) -> pd.Series | None:
    """ISO timestamps without an offset, parsed by Arrow (fast); None when any value is not one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = _arrow_array(s)
        out = pc.cast(arr, pa.timestamp("ns"))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="datetime64[ns]")


def _from_codes(codes: np.ndarray, values: list, index: pd.Index) -> pd.Series:
    """A text column from per-row codes into ``values`` (code -1 = missing), built in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dic = pa.array(list(values) + [None], type=pa.large_string())
    idx = np.where(codes < 0, len(values), codes).astype("int64")
    out = pc.take(dic, pa.array(idx)).to_pandas()
    out.index = index
    return out.astype("str")


def _localize(ts: pd.Series, tz: str) -> pd.Series:
    if tz == "UTC":
        return ts
    local = ts.dt.tz_localize(tz, ambiguous=np.zeros(len(ts), dtype=bool), nonexistent="shift_forward")
    return local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")


def _norm_id(s: pd.Series) -> pd.Series:
    """Ids as text: integral numbers without '.0', surrounding spaces removed."""
    s = _as_text(s)
    dotted = s.str.contains(".", regex=False).fillna(False).astype(bool)
    if dotted.any():
        s = s.copy()
        s[dotted] = s[dotted].str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return s.astype("str")


def _apply_value_map(clean: pd.Series, vmap: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    """Replace export values by canonical ones (ignoring case); '*' = any other value."""
    table = {str(k).strip().lower(): v for k, v in vmap.items() if k != "*"}
    low = clean.str.lower()
    hit = low.isin(list(table)).fillna(False).astype(bool)
    if "*" in vmap:
        wild = clean.notna() & ~hit
    else:
        wild = pd.Series(False, index=clean.index)
    if not hit.any() and not wild.any():
        return clean, hit
    codes, uniq = pd.factorize(clean, use_na_sentinel=True)
    new = []
    for u in uniq.tolist():
        k = u.strip().lower()
        v = table[k] if k in table else vmap.get("*", u) if "*" in vmap else u
        new.append(None if v is None else _obj_text(v))
    return _from_codes(codes, new, clean.index), (hit | wild)


def _looks_boolean(clean: pd.Series, cfg: OrgConfig) -> bool:
    nn = clean.dropna()
    if len(nn) == 0:
        return False
    uniq = {str(u).lower() for u in nn.unique()[:50]}
    if len(uniq) > 2 or uniq <= {"0", "1"}:
        return False
    tokens = {t.lower() for t in cfg.booleans.true + cfg.booleans.false} | {"true", "false"}
    return uniq <= tokens and bool(uniq & {"true", "false", "yes", "no", "y", "n"})


def _parse_numbers(s: pd.Series, decimal: str, thousands: str | None, currency: str) -> pd.Series:
    """Text to float64 (NaN where not a number); spaces and currency marks ignored."""
    if decimal == "." and thousands is None:
        out = pd.to_numeric(s, errors="coerce")
        rest = s.notna() & out.isna()
        if not rest.any():
            return out.astype("float64")
        out = out.astype("float64")
        out[rest] = pd.to_numeric(_strip_money(s[rest], currency), errors="coerce")
        return out
    t = _strip_money(s, currency)
    if thousands:
        t = t.str.replace(thousands, "", regex=False)
    if decimal != ".":
        t = t.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(t, errors="coerce").astype("float64")


def _strip_money(s: pd.Series, currency: str) -> pd.Series:
    t = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    return t.str.replace(rf"^(?:[$€£¥]|{re.escape(currency)})|(?:[$€£¥]|{re.escape(currency)})$", "", regex=True)


def _guess_format(values: pd.Series) -> str | tuple[str, str] | None:
    """The one date format that parses every value; a pair when day/month is ambiguous."""
    uniq = pd.Series(values.dropna().unique()[:2000]).astype("str")
    fits = []
    for fmt in _DATE_CANDIDATES:
        parsed = pd.to_datetime(uniq, format=fmt, errors="coerce")
        if parsed.notna().all():
            fits.append(fmt)
    if not fits:
        return None
    if len(fits) == 1:
        return fits[0]
    return (fits[0], fits[1])


def _is_phone(text: str) -> bool:
    """A phone-like match has 9 to 15 digits (E.164 allows at most 15)."""
    return 9 <= sum(ch.isdigit() for ch in text) <= 15


def _redact_phone(m: re.Match) -> str:
    return "[phone removed]" if _is_phone(m.group(0)) else m.group(0)


def _pii_masks(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a text column that contain an email address / a phone number."""
    if len(s) > 50_000:
        codes, uniq = pd.factorize(s)
        if len(uniq) < len(s) // 2:
            e, p = _pii_masks(pd.Series(uniq, dtype="str"))
            valid = codes >= 0
            em = np.zeros(len(s), bool)
            ph = np.zeros(len(s), bool)
            em[valid] = e[codes[valid]]
            ph[valid] = p[codes[valid]]
            return em, ph
    import pyarrow.compute as pc

    arr = _arrow_array(s)
    has_at = pc.match_substring(arr, "@").fill_null(False).to_numpy(zero_copy_only=False)
    digits = pc.match_substring_regex(arr, r"\d[\d .()/-]{7,}\d").fill_null(False).to_numpy(zero_copy_only=False)
    email = np.zeros(len(s), dtype=bool)
    phone = np.zeros(len(s), dtype=bool)
    if has_at.any():
        email[has_at] = s[has_at].str.contains(_EMAIL_RE, regex=True).fillna(False).to_numpy(dtype=bool)
    if digits.any():
        cand = s[digits].str.replace(_EMAIL_RE, " ", regex=True)
        found = cand.str.findall(_PHONE_RE)
        phone[digits] = found.map(lambda ms: any(_is_phone(m) for m in ms) if isinstance(ms, list) else False).to_numpy(dtype=bool)
    return email, phone


# --------------------------------------------------------------------------- public API


def load_org(org_dir: str | os.PathLike, *, strict: bool = False) -> OrgData:
    """Read, map and validate an organization's data.

    Parameters
    ----------
    org_dir : path-like
        Folder with ``org.yml`` and the export files it names (relative paths resolve
        against the repository root when they do not exist from the working directory).
    strict : bool
        Make reported quality problems fatal too.

    Returns
    -------
    OrgData
        The canonical tables, reported issues and where every column came from.

    Raises
    ------
    DataError
        A fatal problem (missing file or column, unparsable value, duplicate id, bad
        ``org.yml``...): the message names file, column, line numbers and what to do.
    """
    org = paths.resolve(org_dir)
    if not org.is_dir():
        raise DataError(f"{org}: organization folder not found.", file=str(org))
    try:
        config = load_org_config(org)
    except ConfigError as exc:
        raise OrgConfigError(str(exc), file=str(org / ORG_FILE)) from None
    loader = _Loader(config, org)
    loader.check_config_tables()
    if not loader.errors:
        for table in schema.TABLES:
            if table in config.files:
                loader.load_table(table)
    if loader.errors:
        raise _combined(loader.errors)
    loader.cross_checks()
    data = OrgData(
        config=config, org_dir=org, issues=loader.issues, source_files=loader.source_files,
        date_only=loader.date_only, pii=loader.pii, source_rows=loader.source_rows,
        **loader.tables,
    )
    if strict and data.issues:
        text = "\n".join(f"- {i.message}" for i in data.issues)
        first = data.issues[0]
        raise DataError(
            f"{len(data.issues)} data quality problem(s) (fatal because of --strict):\n{text}",
            file=first.file, column=first.column, lines=first.lines,
        )
    return data


def _combined(errors: list[DataError]) -> DataError:
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    text = f"{len(errors)} problems stop the load:\n" + "\n".join(f"{k}. {e.message}" for k, e in enumerate(errors, 1))
    cls = OrgConfigError if isinstance(first, ConfigError) else DataError
    return cls(text, file=first.file, column=first.column, lines=first.lines, key=first.key, errors=errors)


# --------------------------------------------------------------------------- check report


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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


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

    @property
    def ok(self) -> bool:
        """True when nothing is fatal (with ``strict``, no reported problem either)."""
        return self.error is None and not (self.strict and self.issues)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["ok"] = self.ok
        return d

    def to_text(self) -> str:
        """A readable report for the command line."""
        out = [f"Data check: {self.name or '?'} ({self.org_dir})"]
        if self.currency:
            out.append(f"Currency {self.currency}, time zone {self.timezone} (timestamps shown in UTC)")
        if self.error is not None:
            out += ["", "FAILED - fix this before running the curriculum:", _indent(self.error, 2)]
            return "\n".join(out) + "\n"
        out += ["", "Tables"]
        for t in schema.TABLES:
            s = self.tables.get(t)
            if s is None:
                out.append(f"  {t:<14} not provided")
                continue
            src = " + ".join(s.files)
            kept = "" if s.rows == s.rows_read else f" (of {s.rows_read:,} read)"
            out.append(f"  {t:<14} {s.rows:,} rows{kept} from {src}")
            out.append(f"  {'':<14} columns: {', '.join(s.columns)}")
            for col, (lo, hi) in s.date_ranges.items():
                tag = " (dates only)" if col in s.date_only else ""
                out.append(f"  {'':<14} {col}: {lo} .. {hi}{tag}")
            miss = {c: n for c, n in s.missing.items() if n}
            if miss:
                parts = [f"{c} {n:,} ({n / max(s.rows, 1):.0%})" for c, n in miss.items()]
                out.append(f"  {'':<14} missing values: {', '.join(parts)}")
        out += ["", "Personal data"]
        any_pd = False
        for t, cols in self.hashed.items():
            if cols:
                any_pd = True
                out.append(f"  {t}: replaced by a keyed hash: {', '.join(cols)}")
        for t, cols in self.dropped_personal.items():
            if cols:
                any_pd = True
                out.append(f"  {t}: dropped (look like personal data; list under hash_columns to keep "
                           f"as a key): {', '.join(f'{k} <- {v!r}' for k, v in cols.items())}")
        for f in self.pii:
            any_pd = True
            out.append(_indent("- " + f.describe(), 2))
        if not any_pd:
            out.append("  none found")
        if self.issues:
            tail = "fatal with --strict" if self.strict else "reported; --strict makes them fatal"
            out += ["", f"Quality problems ({len(self.issues)}, {tail})"]
            for k, i in enumerate(self.issues, 1):
                out.append(_indent(f"{k}. [{i.kind}] {i.table}.{i.column}: {i.message}", 2))
        else:
            out += ["", "Quality problems: none"]
        out += ["", "Result: " + ("OK" if self.ok else "FAILED (--strict: quality problems are fatal)")]
        return "\n".join(out) + "\n"


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line for line in text.splitlines())


def summarize(data: OrgData, strict: bool = False) -> CheckReport:
    """The check report of already-loaded data."""
    rep = CheckReport(org_dir=str(data.org_dir), name=data.name, currency=data.currency,
                      timezone=data.config.timezone, issues=list(data.issues), pii=list(data.pii), strict=strict)
    for t, df in data.tables().items():
        sf = data.source_files.get(t)
        ranges = {}
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any():
                only = data.is_date_only(t, col)
                fmt = "%Y-%m-%d" if only else "%Y-%m-%d %H:%M"
                ranges[col] = (df[col].min().strftime(fmt), df[col].max().strftime(fmt))
        rep.tables[t] = TableSummary(
            table=t, files=[sf.path, *sf.joins] if sf else [], rows=len(df),
            rows_read=sf.rows_read if sf else len(df), columns=list(df.columns),
            features=list(sf.features) if sf else [], missing={c: int(df[c].isna().sum()) for c in df.columns},
            date_ranges=ranges, date_only=list(data.date_only.get(t, [])),
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
        return CheckReport(org_dir=str(org_dir), error=str(exc), strict=strict)
    return summarize(data, strict=strict)


# --------------------------------------------------------------------------- validated tables on disk


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(org_dir: str | os.PathLike, config: OrgConfig | None = None) -> list[str]:
    """The org's input files named in org.yml (relative paths, main files and joins)."""
    org = paths.resolve(org_dir)
    config = config or load_org_config(org)
    rel = []
    for spec in config.files.values():
        for p in [spec.path, *[j.path for j in spec.join]]:
            if p not in rel:
                rel.append(p)
    return rel


def input_hashes(org_dir: str | os.PathLike, config: OrgConfig | None = None) -> dict[str, str]:
    """SHA-256 of org.yml and of each input file (the manifest's fingerprint)."""
    org = paths.resolve(org_dir)
    config = config or load_org_config(org)
    out = {ORG_FILE: _sha256(org / ORG_FILE)}
    for rel in input_files(org, config):
        p = paths.safe_join(org, rel, what="input path")
        out[rel] = _sha256(p) if p.is_file() else "missing"
    return out


def write_tables(data: OrgData, out_dir: str | os.PathLike) -> Path:
    """Write the validated tables to ``out_dir/tables/*.parquet`` with ``manifest.json``.

    The manifest holds the SHA-256 of org.yml and of every input file, the issues, the
    date-only columns and where each table came from; ``load_for_notebook`` reuses the
    tables only while those hashes match. Returns the tables folder.
    """
    from helpers.core.report import atomic_write_text

    folder = Path(out_dir) / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    manifest_path.unlink(missing_ok=True)  # never leave a manifest that matches new files half-written
    tables = {}
    for t, df in data.tables().items():
        out = df.copy()
        if t in data.source_rows:
            out[_SOURCE_ROW] = data.source_rows[t]
        target = folder / f"{t}.parquet"
        tmp = folder / f".{t}.parquet.tmp"
        # LZ4 decompresses faster than the default Snappy: every notebook reads these files.
        out.to_parquet(tmp, index=False, compression="lz4")
        os.replace(tmp, target)
        tables[t] = {"file": target.name, "rows": len(df)}
    for stale in folder.glob("*.parquet"):
        if stale.stem not in tables:
            stale.unlink()
    manifest = {
        "loader_version": LOADER_VERSION,
        "org_dir": str(data.org_dir),
        "name": data.name,
        "inputs": input_hashes(data.org_dir, data.config),
        "config": data.config.model_dump(mode="json"),
        "tables": tables,
        "date_only": data.date_only,
        "issues": [i.to_dict() for i in data.issues],
        "pii": [p.to_dict() for p in data.pii],
        "source_files": {t: s.to_dict() for t, s in data.source_files.items()},
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, default=str) + "\n")
    return folder


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The tables' manifest of a run folder, or None."""
    path = Path(out_dir) / TABLES_DIR / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_tables(out_dir: str | os.PathLike) -> OrgData:
    """Read validated tables written by ``write_tables`` (no validation is repeated)."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise DataError(f"{Path(out_dir) / TABLES_DIR / MANIFEST}: no validated tables here; run the data check first.")
    config = OrgConfig.model_validate(manifest["config"])
    folder = Path(out_dir) / TABLES_DIR
    tables, rows = {}, {}
    for t, meta in manifest["tables"].items():
        df = pd.read_parquet(folder / meta["file"])
        if _SOURCE_ROW in df.columns:
            rows[t] = df.pop(_SOURCE_ROW).to_numpy()
        tables[t] = df
    return OrgData(
        config=config, org_dir=Path(manifest["org_dir"]),
        issues=[QualityIssue(**i) for i in manifest["issues"]],
        source_files={t: SourceFile(**s) for t, s in manifest["source_files"].items()},
        date_only={t: list(v) for t, v in manifest["date_only"].items()},
        pii=[PiiFinding(**p) for p in manifest["pii"]],
        source_rows=rows, **tables,
    )


def tables_match(org_dir: str | os.PathLike, out_dir: str | os.PathLike) -> bool:
    """True when ``out_dir`` holds validated tables of the current org.yml and inputs."""
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get("loader_version") != LOADER_VERSION:
        return False
    org = paths.resolve(org_dir)
    if manifest.get("org_dir") != str(org):
        return False
    try:
        return manifest.get("inputs") == input_hashes(org)
    except (ConfigError, paths.PathEscapeError, OSError):
        return False


def load_for_notebook(org_dir: str | os.PathLike, output_dir: str | os.PathLike) -> OrgData:
    """The org's validated tables for a notebook.

    Reuses ``output_dir/tables/`` when its manifest matches the current org.yml and input
    files (as written by the runner), otherwise loads and validates the data and writes
    the tables there for the next notebook.
    """
    org = paths.resolve(org_dir)
    out = paths.resolve(output_dir)
    if tables_match(org, out):
        return read_tables(out)
    data = load_org(org)
    write_tables(data, out)
    return data


def _singular(what: str) -> str:
    """Verb agreement for one bad value: 'are not numbers' -> 'is not a number'."""
    special = {
        "are not numbers": "is not a number",
        "are not yes/no values": "is not a yes/no value",
        "are not dates": "is not a date",
        "are impossible dates": "is an impossible date",
        "are numbers, not dates": "is a number, not a date",
        "are not SIC codes (1 to 4 digits)": "is not a SIC code (1 to 4 digits)",
    }
    if what in special:
        return special[what]
    for plural, single in (("are ", "is "), ("have ", "has "), ("do not ", "does not ")):
        if what.startswith(plural):
            return single + what[len(plural):].replace(" or are ", " or is ")
    return what
