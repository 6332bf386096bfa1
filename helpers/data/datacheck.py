"""What is in an organization's data: tables, columns, dates, gaps, problems, personal data.

The data-check notebook (``00_data_check``) is built from these functions; which modules can
run is :mod:`helpers.data.readiness`. They take the canonical tables (an ``OrgData`` or a
dict ``{table: DataFrame or None}``) and return tidy DataFrames or plain figures; the charts
drawn from them are in :mod:`helpers.data.plots`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core import schema
from helpers.data.text import isin_values

if TYPE_CHECKING:
    from helpers.data.readiness import Readiness


def tables_of(data: Any) -> dict[str, pd.DataFrame | None]:
    """The canonical tables of ``data`` (an ``OrgData`` or a mapping) as a dict.

    Tables the org lacks are ``None``; the dict always has the six canonical names.
    """
    if isinstance(data, Mapping):
        return {t: data.get(t) for t in schema.TABLES}
    return {t: getattr(data, t, None) for t in schema.TABLES}


def has(tables: Mapping[str, pd.DataFrame | None], table: str, *columns: str) -> bool:
    """True when ``table`` is present and every column in ``columns`` has some values."""
    df = tables.get(table)
    if df is None or len(df) == 0:
        return False
    return all(c in df.columns and bool(df[c].notna().any()) for c in columns)


def _kind(table: str, column: str) -> str:
    col = schema.TABLES.get(table, {}).get(column)
    return col.kind if col is not None else "feature"


def table_overview(data: Any) -> pd.DataFrame:
    """One row per canonical table: present, rows, canonical columns found and missing, features.

    Returns
    -------
    DataFrame
        Columns ``table, present, rows, columns_found, columns_missing, features``; the
        column lists are comma-separated text (``"-"`` when empty).
    """
    rows = []
    for table, df in tables_of(data).items():
        canonical = schema.canonical_columns(table)
        if df is None:
            rows.append((table, False, 0, "-", "-", "-"))
            continue
        found = [c for c in canonical if c in df.columns and df[c].notna().any()]
        missing = [c for c in canonical if c not in found]
        features = [c for c in df.columns if c not in canonical]
        rows.append(
            (
                table,
                True,
                int(len(df)),
                ", ".join(found) or "-",
                ", ".join(missing) or "-",
                ", ".join(map(str, features)) or "-",
            )
        )
    return pd.DataFrame(
        rows, columns=["table", "present", "rows", "columns_found", "columns_missing", "features"]
    )


def load_notes(data: Any) -> list[str]:
    """What the loader adjusted while reading the export's files (e.g. column names trimmed
    of spaces), one sentence each and each once, even when several tables read one file.

    The same sentences ``alignment-edge check`` prints as the tables' notes; empty for a
    mapping of tables (nothing was read from files).
    """
    files = _attr(data, "source_files") or {}
    notes = [n for t in schema.TABLES if t in files for n in _attr(files[t], "notes", [])]
    return list(dict.fromkeys(notes))


def row_counts(data: Any) -> dict[str, int]:
    """Rows per present table, e.g. ``{"leads": 5000, "accounts": 400}``."""
    return {t: int(len(df)) for t, df in tables_of(data).items() if df is not None}


def missing_values(data: Any) -> pd.DataFrame:
    """Share of missing values of every column of every present table.

    Returns
    -------
    DataFrame
        ``table, column, kind, rows, missing, missing_share`` (share as a fraction),
        sorted by table order then column order.
    """
    rows = []
    for table, df in tables_of(data).items():
        if df is None:
            continue
        n = len(df)
        miss = df.isna().sum()
        for col in df.columns:
            m = int(miss[col])
            rows.append((table, str(col), _kind(table, str(col)), n, m, m / n if n else 0.0))
    return pd.DataFrame(
        rows, columns=["table", "column", "kind", "rows", "missing", "missing_share"]
    )


def date_ranges(data: Any) -> pd.DataFrame:
    """First and last value of every date/time column, and how many are missing.

    Returns
    -------
    DataFrame
        ``table, column, first, last, filled, missing_share``; first/last are ISO dates
        (``"2024-07-01"``, UTC), missing when the column is empty.
    """
    rows = []
    for table, df in tables_of(data).items():
        if df is None:
            continue
        for col in df.columns:
            s = df[col]
            if not pd.api.types.is_datetime64_any_dtype(s):
                continue
            n = len(s)
            filled = int(s.notna().sum())
            first = s.min().strftime("%Y-%m-%d") if filled else None
            last = s.max().strftime("%Y-%m-%d") if filled else None
            rows.append((table, str(col), first, last, filled, 1 - filled / n if n else 0.0))
    return pd.DataFrame(
        rows, columns=["table", "column", "first", "last", "filled", "missing_share"]
    )


def data_period(data: Any) -> tuple[str | None, str | None]:
    """The span of the org's history: earliest and latest date among leads, activities and
    opportunities (``created_at``, ``occurred_at``, ``closed_at``...), as ISO dates.

    Returns ``(None, None)`` when no date column has values.
    """
    tables = tables_of(data)
    firsts, lasts = [], []
    for table in ("leads", "activities", "opportunities"):
        df = tables.get(table)
        if df is None:
            continue
        for col in df.columns:
            s = df[col]
            if pd.api.types.is_datetime64_any_dtype(s) and s.notna().any():
                firsts.append(s.min())
                lasts.append(s.max())
    if not firsts:
        return None, None
    return min(firsts).date().isoformat(), max(lasts).date().isoformat()


def leads_per_month(leads: pd.DataFrame, date_col: str = "created_at") -> pd.DataFrame:
    """Leads created per calendar month (months without leads included with 0).

    Parameters
    ----------
    leads : DataFrame
        The leads table.
    date_col : str
        Creation timestamp column.

    Returns
    -------
    DataFrame
        ``month`` (first day of the month), ``leads`` and ``partial`` (True for a first
        or last month that the data covers only in part: its count is not comparable).

    Raises
    ------
    ValueError
        When the column is absent or empty.
    """
    if date_col not in leads.columns or not leads[date_col].notna().any():
        raise ValueError(
            f"The leads table has no '{date_col}' dates, so leads per month cannot be counted."
        )
    dates = leads[date_col].dropna()
    months = dates.dt.to_period("M")
    counts = months.value_counts().sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    counts = counts.reindex(full, fill_value=0)
    start, end = dates.min().normalize(), dates.max().normalize()
    partial = (full.start_time < start) | (full.end_time.normalize() > end)
    return pd.DataFrame(
        {
            "month": full.to_timestamp(),
            "leads": counts.to_numpy(dtype="int64"),
            "partial": partial,
        }
    )


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def issue_table(issues: Any) -> pd.DataFrame:
    """The reported (non-fatal) quality problems as a table.

    Parameters
    ----------
    issues : list
        ``OrgData.issues`` (objects or dicts with ``kind, table, column, count, lines,
        file, message``).

    Returns
    -------
    DataFrame
        ``kind, table, column, count, file, example_lines, message``; one row per problem,
        the largest counts first within each kind. Empty (with those columns) when clean.
    """
    cols = ["kind", "table", "column", "count", "file", "example_lines", "message"]
    rows = []
    for i in issues or []:
        lines = _attr(i, "lines", []) or []
        rows.append(
            (
                str(_attr(i, "kind")),
                str(_attr(i, "table")),
                str(_attr(i, "column")),
                int(_attr(i, "count", 0)),
                _attr(i, "file") or "-",
                ", ".join(str(n) for n in lines) or "-",
                str(_attr(i, "message", "")),
            )
        )
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["kind", "count"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)


def issue_counts(issues: Any) -> dict[str, int]:
    """Rows concerned per kind of reported problem, e.g. ``{"stage_order": 12}``.

    Accepts ``OrgData.issues`` or the output of :func:`issue_table`.
    """
    table = issues if isinstance(issues, pd.DataFrame) else issue_table(issues)
    if len(table) == 0:
        return {}
    return {str(k): int(v) for k, v in table.groupby("kind", sort=True)["count"].sum().items()}


def _before(a: pd.Series, b: pd.Series, day_level: bool) -> pd.Series:
    if day_level:
        a, b = a.dt.normalize(), b.dt.normalize()
    return (a < b).fillna(False).astype(bool)


def issue_rows(data: Any, kind: str, table: str, column: str, *, n: int = 5) -> pd.DataFrame:
    """Example rows of the canonical table behind one reported problem.

    Covers ``stage_order`` (a stage date earlier than an earlier stage's, or a deal closed
    before it was created), ``orphan_key`` (an id missing from the table it refers to),
    ``negative_amount`` and ``won_before_lead``; other kinds give an empty frame (their
    message names the file's lines).

    Parameters
    ----------
    data : OrgData or mapping of tables
    kind, table, column : str
        As in a reported problem.
    n : int
        Number of example rows.

    Returns
    -------
    DataFrame
        Up to ``n`` rows with the key and the columns the problem is about, and
        ``total`` in ``.attrs`` (rows concerned).
    """
    t = tables_of(data)
    df = t.get(table)
    empty = pd.DataFrame()
    if df is None or column not in df.columns:
        return empty
    date_only = _attr(data, "date_only", {}) or {}
    day = column in date_only.get(table, [])
    key = schema.PRIMARY_KEYS.get(table) or "lead_id"
    show: list[str] = []
    if kind == "stage_order" and table == "leads":
        order = [schema.STAGE_TIMESTAMPS[s] for s in schema.STAGES if s in schema.STAGE_TIMESTAMPS]
        present = [c for c in order if c in df.columns]
        if column not in present:
            return empty
        earlier = present[: present.index(column)]
        mask = pd.Series(False, index=df.index)
        for e in earlier:
            mask |= _before(df[column], df[e], day or e in date_only.get(table, []))
        show = [*earlier, column]
    elif kind == "stage_order" and table == "opportunities" and "created_at" in df.columns:
        mask = _before(df["closed_at"], df["created_at"], day)
        show = ["created_at", "closed_at"]
    elif kind == "orphan_key":
        ref = schema.FOREIGN_KEYS.get((table, column))
        other = t.get(ref[0]) if ref else None
        if other is None or ref[1] not in other.columns:
            return empty
        mask = pd.Series(
            df[column].notna().to_numpy(bool) & ~isin_values(df[column], other[ref[1]]),
            index=df.index,
        )
        show = [column]
    elif kind == "negative_amount":
        mask = (df[column] < 0).fillna(False).astype(bool)
        show = [column]
    elif kind == "won_before_lead" and t.get("leads") is not None and "lead_id" in df.columns:
        leads = t["leads"]
        if "created_at" not in leads.columns:
            return empty
        created = leads.drop_duplicates("lead_id").set_index("lead_id")["created_at"]
        lead_created = df["lead_id"].map(created)
        won = (
            df["outcome"].eq("won").fillna(False).astype(bool) if "outcome" in df.columns else True
        )
        mask = _before(df[column], lead_created, day) & won
        out = df.loc[mask, [c for c in (key, "lead_id", column) if c in df.columns]].head(n).copy()
        out.insert(len(out.columns) - 1, "lead_created_at", lead_created[mask].head(n))
        out.attrs["total"] = int(mask.sum())
        return out.reset_index(drop=True)
    else:
        return empty
    cols = [c for c in dict.fromkeys([key, *show]) if c in df.columns]
    out = df.loc[mask, cols].head(n).reset_index(drop=True)
    out.attrs["total"] = int(mask.sum())
    return out


def personal_data(data: Any) -> pd.DataFrame:
    """Where personal data was found and what the loader did with it.

    Returns
    -------
    DataFrame
        ``table, column, source_column, treatment, rows, example_lines`` with treatments
        ``keyed hash`` (a key kept, the value replaced; ``rows`` with a value), ``dropped``
        (a mapped column that looked personal), ``emails removed`` / ``phone numbers
        removed`` (found in free text and redacted) and ``not loaded`` (export columns left
        out of the mapping: they never reach a notebook).
    """
    rows = []
    sources = _attr(data, "source_files", {}) or {}
    for table, sf in sources.items():
        mapped = _attr(sf, "mapped", {}) or {}
        df = tables_of(data).get(table)
        for col in _attr(sf, "hashed", []) or []:
            filled = int(df[col].notna().sum()) if df is not None and col in df.columns else None
            rows.append((table, col, mapped.get(col, col), "keyed hash", filled, "-"))
        for col, src in (_attr(sf, "dropped_personal", {}) or {}).items():
            rows.append((table, col, str(src), "dropped", None, "-"))
    for f in _attr(data, "pii", []) or []:
        what = "emails removed" if _attr(f, "kind") == "email" else "phone numbers removed"
        lines = ", ".join(str(n) for n in _attr(f, "lines", []) or []) or "-"
        rows.append(
            (
                _attr(f, "table"),
                _attr(f, "column"),
                _attr(f, "source_column"),
                what,
                int(_attr(f, "count", 0)),
                lines,
            )
        )
    for table, sf in sources.items():
        used = set((_attr(sf, "mapped", {}) or {}).values())
        used |= set((_attr(sf, "dropped_personal", {}) or {}).values())
        for col in _attr(sf, "columns_in_file", []) or []:
            if col not in used:
                rows.append((table, "-", col, "not loaded", None, "-"))
    out = pd.DataFrame(
        rows, columns=["table", "column", "source_column", "treatment", "rows", "example_lines"]
    )
    out["rows"] = out["rows"].astype("Int64")
    return out


def key_figures(data: Any, readiness: Readiness, issues: Any = None) -> dict:
    """The figures ``00_data_check`` records in ``summary.json``.

    Row counts per table, the data's date range, rows concerned by each kind of reported
    problem (and their total), the modules that can and cannot run (with the reason for
    each skipped module and section, from :func:`helpers.data.readiness.assess`).
    """
    first, last = data_period(data)
    counts = issue_counts(issues if issues is not None else _attr(data, "issues", []))
    return {
        "rows": row_counts(data),
        "date_from": first,
        "date_to": last,
        "issues": counts,
        "issues_total": int(sum(counts.values())),
        **readiness.figures(),
    }


__all__ = [
    "data_period",
    "date_ranges",
    "has",
    "issue_counts",
    "issue_rows",
    "issue_table",
    "personal_data",
    "key_figures",
    "leads_per_month",
    "missing_values",
    "row_counts",
    "table_overview",
    "tables_of",
]
