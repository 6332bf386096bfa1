"""What is in an organization's data: tables, columns, dates, gaps, and which modules can run.

The data-check notebook (``00_data_check``) is built from these functions. They take the
canonical tables (an ``OrgData`` or a dict ``{table: DataFrame or None}``) and return tidy
DataFrames or plain figures; the charts drawn from them are in :mod:`helpers.data.plots`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core import schema
from helpers.data.text import isin_values

#: Lead attributes (besides the firmographics of ``accounts``) that the ICP module can use.
LEAD_ATTRIBUTES = ("job_title", "source")
FIRMOGRAPHICS = (
    "industry",
    "sic_code",
    "annual_revenue",
    "employees",
    "locations",
    "country",
    "region",
)
#: Notebook key -> module key in summary.json.
MODULES = {
    "01_define_icp": "01_icp",
    "02_funnel_leakage": "02_funnel",
    "03_revenue_growth": "03_revenue",
    "04_mql_classifier": "04_mql",
}


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


# --------------------------------------------------------------------------- modules


@dataclass(frozen=True)
class Readiness:
    """Whether one module can run on the data, and what it lacks."""

    notebook: str
    module: str
    can_run: bool
    needs: str
    missing: str
    notes: str


def _won_with_money(tables) -> bool:
    opp = tables.get("opportunities")
    if not has(tables, "opportunities", "outcome", "amount", "closed_at"):
        return False
    won = opp["outcome"].astype("string").str.lower().eq("won").fillna(False)
    return bool((won & opp["amount"].notna() & opp["closed_at"].notna()).any())


def module_readiness(data: Any) -> pd.DataFrame:
    """Which curriculum modules can run on this data, and what each one lacks.

    The needs: ``01_define_icp`` an outcome (opportunities with ``outcome``, or
    ``leads.converted``) and attributes to segment on (``accounts`` firmographics or lead
    attributes such as ``job_title``); ``02_funnel_leakage`` ``leads.created_at``;
    ``03_revenue_growth`` won opportunities with ``amount`` and ``closed_at``;
    ``04_mql_classifier`` a label source (opportunities linked to leads by ``lead_id``, or
    ``leads.converted``).

    Returns
    -------
    DataFrame
        ``notebook, module, can_run, needs, missing, notes`` (notes list optional
        inputs that are absent, i.e. sections that will be skipped).
    """
    t = tables_of(data)
    rows = [_icp_readiness(t), _funnel_readiness(t), _revenue_readiness(t), _mql_readiness(t)]
    return pd.DataFrame([r.__dict__ for r in rows])


def _readiness(
    notebook: str,
    module: str,
    needs: str,
    missing: list[str],
    notes: list[str],
    can_run: bool | None = None,
) -> Readiness:
    return Readiness(
        notebook,
        module,
        not missing if can_run is None else can_run,
        needs,
        "; ".join(missing) or "-",
        "; ".join(notes) or "-",
    )


def _icp_readiness(t: Mapping[str, pd.DataFrame | None]) -> Readiness:
    """01: an outcome and attributes to segment on."""
    leads = t.get("leads")
    lead_features = (
        [c for c in leads.columns if c not in schema.TABLES["leads"] or c in LEAD_ATTRIBUTES]
        if leads is not None
        else []
    )
    lead_attrs = [c for c in lead_features if has(t, "leads", c)]
    firmo = [c for c in FIRMOGRAPHICS if has(t, "accounts", c)]
    outcome = has(t, "opportunities", "outcome") or has(t, "leads", "converted")
    attrs = bool(firmo) or bool(lead_attrs)
    missing = []
    if not outcome:
        missing.append("an outcome: opportunities.outcome or leads.converted")
    if not attrs:
        missing.append("attributes: accounts firmographics or lead attributes (job_title, ...)")
    notes = []
    if not has(t, "accounts"):
        notes.append("no accounts table: firmographic segments skipped")
    elif not has(t, "leads", "account_id") and not has(t, "opportunities", "account_id"):
        notes.append("accounts cannot be linked (no account_id on leads or opportunities)")
    if not has(t, "leads", "job_title"):
        notes.append("no leads.job_title: job-title segments skipped")
    return _readiness(
        "01_define_icp",
        "01_icp",
        "opportunities.outcome (or leads.converted) + accounts or lead attributes",
        missing,
        notes,
    )


def _funnel_readiness(t: Mapping[str, pd.DataFrame | None]) -> Readiness:
    """02: lead creation dates."""
    missing = [] if has(t, "leads", "created_at") else ["leads.created_at"]
    notes = []
    stage_cols = [c for c in ("mql_at", "sal_at", "sql_at") if has(t, "leads", c)]
    if not stage_cols:
        notes.append(
            "no stage dates (mql_at, sal_at, sql_at): stage conversion from leads.stage only"
        )
    if not has(t, "activities") and not has(t, "leads", "sales_touches"):
        notes.append("no activities or sales_touches: touches analysis skipped")
    if not has(t, "activities") and not has(t, "leads", "first_sales_touch_at"):
        notes.append("no activities or first_sales_touch_at: speed-to-lead skipped")
    return _readiness("02_funnel_leakage", "02_funnel", "leads.created_at", missing, notes)


def _revenue_readiness(t: Mapping[str, pd.DataFrame | None]) -> Readiness:
    """03: won amounts with dates."""
    ok = _won_with_money(t)
    missing = [] if ok else ["won opportunities with amount and closed_at"]
    notes = []
    if not has(t, "plan"):
        notes.append("no plan table: lead plan uses a target given as a parameter")
    if not has(t, "spend"):
        notes.append("no spend table: CAC and payback skipped")
    if not has(t, "opportunities", "gross_margin"):
        notes.append("no gross_margin: profit uses the margin parameter")
    return _readiness(
        "03_revenue_growth",
        "03_revenue",
        "won opportunities with amount and closed_at",
        missing,
        notes,
        can_run=ok,
    )


def _mql_readiness(t: Mapping[str, pd.DataFrame | None]) -> Readiness:
    """04: a label source."""
    label = has(t, "opportunities", "lead_id") or has(t, "leads", "converted")
    missing = [] if label else ["a label: opportunities.lead_id or leads.converted"]
    notes = []
    if not has(t, "leads", "created_at"):
        notes.append("no leads.created_at: stratified instead of out-of-time validation")
    return _readiness(
        "04_mql_classifier",
        "04_mql",
        "opportunities linked to leads (lead_id) or leads.converted",
        missing,
        notes,
        can_run=label,
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


def key_figures(data: Any, readiness: pd.DataFrame, issues: Any = None) -> dict:
    """The figures ``00_data_check`` records in ``summary.json``.

    Row counts per table, the data's date range, rows concerned by each kind of reported
    problem (and their total), and the modules that can and cannot run.
    """
    first, last = data_period(data)
    counts = issue_counts(issues if issues is not None else _attr(data, "issues", []))
    return {
        "rows": row_counts(data),
        "date_from": first,
        "date_to": last,
        "issues": counts,
        "issues_total": int(sum(counts.values())),
        "modules_runnable": readiness.loc[readiness["can_run"], "module"].tolist(),
        "modules_not_runnable": readiness.loc[~readiness["can_run"], "module"].tolist(),
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
    "module_readiness",
    "row_counts",
    "table_overview",
    "tables_of",
]
