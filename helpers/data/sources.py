"""One input file: where it is, how to read it, and how to name its rows in messages.

A ``Source`` reads a CSV (also ``.csv.gz``), Parquet or Excel file named in ``org.yml``,
only the columns the mapping needs. Rows are named by the file's own numbers: CSV line
numbers (header = line 1, quoted newlines and blank lines counted), Excel sheet rows,
Parquet row numbers. Column names are trimmed of surrounding spaces (some CRMs write
``" lead_id "``), said once in :attr:`Source.notes`. The CSV specifics (encoding, delimiter,
ragged rows, a file that is not CSV text) are in :mod:`helpers.data.csv_files`.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import paths
from helpers.core.config import FileSpec, JoinSpec
from helpers.data import csv_files
from helpers.data.errors import N_EXAMPLES, DataError, OrgPathError, closest, join_ints, short_list
from helpers.data.text import as_text


def format_of(path: str) -> str | None:
    """``"csv"``, ``"parquet"`` or ``"excel"`` from a file name (None when unsupported)."""
    low = path.lower()
    if low.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz", ".txt.gz")):
        return "csv"
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".xlsx", ".xlsm")):
        return "excel"
    return None


def unit_for(file: str | None) -> str:
    """How a file's rows are named in messages: ``line`` (CSV) or ``row``."""
    if file is None:
        return "row"
    return "line" if format_of(file) == "csv" else "row"


class Source:
    """One input file of a canonical table (the main file or a joined one)."""

    def __init__(self, org_dir: Path, table: str, spec: FileSpec | JoinSpec, key: str) -> None:
        self.table = table
        self.spec = spec
        self.key = key
        self.rel = spec.path
        self.path = self._locate(org_dir)
        self.fmt = format_of(spec.path)
        self.gz = spec.path.lower().endswith(".gz")
        self._check_file()
        self.header: list[str] = []
        #: What the data check says once about this file (e.g. names trimmed of spaces).
        self.notes: list[str] = []
        self._file_names: dict[str, str] = {}
        self._record_lines: np.ndarray | None = None
        self._excel: pd.DataFrame | None = None
        self.n_rows = 0

    def _locate(self, org_dir: Path) -> Path:
        spec, key = self.spec, self.key
        try:
            path = paths.safe_join(org_dir, spec.path, what=f"{key}.path in org.yml")
        except paths.PathEscapeError as exc:
            raise OrgPathError(str(exc), file=spec.path, key=f"{key}.path") from None
        if format_of(spec.path) is None:
            raise DataError(
                f"{spec.path}: unsupported file type for {key}.path in org.yml; use .csv, "
                ".csv.gz, .parquet or .xlsx (save an old .xls as .xlsx).",
                file=spec.path,
                key=f"{key}.path",
            )
        return path

    def _check_file(self) -> None:
        spec, key = self.spec, self.key
        if not self.path.is_file():
            folder = self.path.parent
            present = (
                sorted(p.name for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
            )
            raise DataError(
                f"{spec.path}: file not found (named by {key}.path in org.yml, looked in "
                f"{folder}).{closest(self.path.name, present)} Copy the export there "
                "or correct the path.",
                file=spec.path,
                key=f"{key}.path",
            )
        if self.path.stat().st_size == 0:
            raise DataError(
                f"{spec.path}: the file is empty (0 bytes). Export it again, or remove "
                f"{key} from org.yml if the organization has no such data.",
                file=spec.path,
                key=key,
            )

    # ---- line numbers
    @property
    def unit(self) -> str:
        return "line" if self.fmt == "csv" else "row"

    def raw_bytes(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.gz else data

    def line_bytes(self) -> bytes:
        """The file's bytes with one byte per newline and quote (UTF-16/32 re-encoded)."""
        raw = self.raw_bytes()
        enc = self.spec.encoding
        if csv_files.ascii_compatible(enc):
            return raw
        return raw.decode(enc, errors="replace").lstrip("\ufeff").encode("utf-8")

    def lines(self, positions: np.ndarray | list[int]) -> list[int]:
        """File line numbers (CSV), sheet rows (Excel) or row numbers (Parquet) of data rows."""
        pos = np.asarray(positions, dtype="int64")
        if self.fmt == "excel":
            return [int(p) + 2 for p in pos]
        if self.fmt == "parquet":
            return [int(p) + 1 for p in pos]
        if self._record_lines is None:
            self._record_lines = csv_record_lines(self.line_bytes())
        rl = self._record_lines
        return [int(rl[p]) if 0 <= p < len(rl) else int(p) + 2 for p in pos]

    def where(self, positions: np.ndarray, count: int | None = None) -> str:
        """``"lines 2, 5 and 3 more"`` for data-row positions (the first few are named)."""
        pos = np.asarray(positions)[:N_EXAMPLES]
        lines = self.lines(pos)
        count = len(positions) if count is None else count
        label = f"{self.unit} {lines[0]}" if len(lines) == 1 else f"{self.unit}s {join_ints(lines)}"
        if count > len(lines):
            label += f" and {count - len(lines):,} more"
        return label

    # ---- reading
    def read_header(self) -> list[str]:
        """The file's column names, trimmed of spaces (fatal when a name repeats)."""
        if self.fmt == "csv":
            self.header = csv_files.sniff_header(self)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            try:
                self.header = list(pq.read_schema(self.path).names)
            except Exception as exc:  # noqa: BLE001 - any reader failure is the file's
                raise DataError(
                    f"{self.rel}: not a readable Parquet file ({exc}).", file=self.rel, key=self.key
                ) from None
        else:
            self._excel = read_excel_sheet(self)
            self.header = [str(c) for c in self._excel.columns]
        self._trim_names()
        dups = sorted({h for h in self.header if self.header.count(h) > 1})
        if dups:
            raise DataError(
                f"{self.rel}, line 1: the header repeats the column name(s) {short_list(dups)}; "
                "rename them in the export so each column has its own name.",
                file=self.rel,
                column=dups[0],
                lines=[1],
                key=self.key,
            )
        if self._excel is not None:
            self._excel.columns = self.header
        return self.header

    def _trim_names(self) -> None:
        """Column names without surrounding spaces; the file's own names are kept for
        reading, and the trimming is said once in :attr:`notes`."""
        padded = [h for h in self.header if h.strip() and h != h.strip()]
        self._file_names = {h.strip(): h for h in padded}
        if padded:
            self.header = [h.strip() if h in padded else h for h in self.header]
            n = len(padded)
            self.notes.append(
                f"{self.rel}: {n} column name{'s' if n > 1 else ''} had spaces around "
                f"{'them' if n > 1 else 'it'} and {'were' if n > 1 else 'was'} trimmed "
                f"({', '.join(repr(h) for h in padded[:5])}{' ...' if n > 5 else ''})."
            )

    def read(self, columns: list[str]) -> pd.DataFrame:
        """The data rows, only ``columns`` (trimmed names); CSV cells as text,
        Parquet/Excel typed."""
        in_file = [self._file_names.get(c, c) for c in columns]
        if self.fmt == "csv":
            df = csv_files.read_columns(self, in_file)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            df = pq.read_table(self.path, columns=in_file).to_pandas()
        else:
            df = self._excel[columns].copy()
        if self.fmt != "excel" and self._file_names:
            names = self._file_names
            df = df.rename(columns={names[c]: c for c in columns if c in names})
        self.n_rows = len(df)
        if len(df) == 0:
            raise DataError(
                f"{self.rel}: the file has a header but no data rows. Export it again, or remove "
                f"{self.key} from org.yml.",
                file=self.rel,
                key=self.key,
            )
        return df


# --------------------------------------------------------------------------- Excel


def read_excel_sheet(src: Source) -> pd.DataFrame:
    """The whole sheet named by ``org.yml`` (the first by default), each column typed."""
    import zipfile

    sheet = src.spec.sheet if src.spec.sheet is not None else 0
    try:
        df = pd.read_excel(src.path, sheet_name=sheet, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(
            f"{src.rel}: not a readable .xlsx workbook ({exc}).", file=src.rel, key=src.key
        ) from None
    except (ValueError, IndexError, KeyError):
        import openpyxl

        wb = openpyxl.load_workbook(src.path, read_only=True)
        names = wb.sheetnames
        wb.close()
        raise DataError(
            f"{src.rel}: no sheet {sheet!r} (named by {src.key}.sheet in org.yml); the workbook "
            f"has {short_list(names)}.{closest(str(sheet), names)}",
            file=src.rel,
            key=f"{src.key}.sheet",
        ) from None
    df.columns = [str(c) for c in df.columns]
    if len(df.columns) == 0 or len(df) == 0:
        raise DataError(
            f"{src.rel}: sheet {sheet!r} is empty. Export it again or set {src.key}.sheet.",
            file=src.rel,
            key=src.key,
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
    if all(
        issubclass(k, int | float | np.number) and not issubclass(k, bool | np.bool_) for k in kinds
    ):
        return pd.to_numeric(s).astype("float64")
    if all(issubclass(k, bool | np.bool_) for k in kinds):
        return s.astype("boolean")
    return as_text(s)


# --------------------------------------------------------------------------- CSV line numbers


def csv_record_lines(raw: bytes) -> np.ndarray:
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
