"""What is in an organization's data: tables, columns, dates, gaps, and which modules can run.

The data-check notebook (``00_data_check``) is built from these functions. They take the
canonical tables (an ``OrgData`` or a dict ``{table: DataFrame or None}``) and return tidy
DataFrames; the plot functions take those DataFrames and return the ``Axes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers import schema
from helpers.plots import PALETTE, get_ax, percent_formatter

#: Lead attributes (besides the firmographics of ``accounts``) that the ICP module can use.
LEAD_ATTRIBUTES = ("job_title", "source")
FIRMOGRAPHICS = ("industry", "sic_code", "annual_revenue", "employees", "locations", "country", "region")
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
        ``table, column, first, last, filled, missing_share``; first/last are dates
        (day precision), ``NaT`` when the column is empty.
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
            first = s.min().normalize() if filled else pd.NaT
            last = s.max().normalize() if filled else pd.NaT
            rows.append((table, str(col), first, last, filled, 1 - filled / n if n else 0.0))
    out = pd.DataFrame(rows, columns=["table", "column", "first", "last", "filled", "missing_share"])
    for c in ("first", "last"):
        out[c] = pd.to_datetime(out[c])
    return out


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
        ``month`` (first day of the month) and ``leads``.

    Raises
    ------
    ValueError
        When the column is absent or empty.
    """
    if date_col not in leads.columns or not leads[date_col].notna().any():
        raise ValueError(f"The leads table has no '{date_col}' dates, so leads per month cannot be counted.")
    months = leads[date_col].dropna().dt.to_period("M")
    counts = months.value_counts().sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    counts = counts.reindex(full, fill_value=0)
    return pd.DataFrame({"month": full.to_timestamp(), "leads": counts.to_numpy(dtype="int64")})


def plot_missing(missing: pd.DataFrame, ax=None, *, top: int = 25):
    """Horizontal bars: share of missing values per column (columns with gaps only).

    Parameters
    ----------
    missing : DataFrame
        Output of :func:`missing_values`.
    ax : Axes, optional
    top : int
        Show at most this many columns, the most incomplete first.
    """
    ax = get_ax(ax, figsize=(8, max(2.5, 0.32 * min(top, max(1, len(missing))) + 1.2)))
    gaps = missing[missing["missing_share"] > 0].sort_values("missing_share", ascending=False).head(top)
    if gaps.empty:
        ax.text(0.5, 0.5, "No missing values", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        labels = (gaps["table"] + "." + gaps["column"]).tolist()[::-1]
        values = gaps["missing_share"].to_numpy()[::-1]
        colors = [
            PALETTE["neutral"] if k == "feature" else PALETTE["marketing"]
            for k in gaps["kind"].tolist()[::-1]
        ]
        ax.barh(labels, values, color=colors)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Missing values (% of rows)")
    ax.set_ylabel("table.column")
    ax.set_title("Missing values by column")
    return ax


def plot_leads_per_month(monthly: pd.DataFrame, ax=None):
    """Bar chart of leads created per month (output of :func:`leads_per_month`)."""
    ax = get_ax(ax)
    ax.bar(monthly["month"], monthly["leads"], width=25, color=PALETTE["marketing"])
    ax.set_title("Leads created per month")
    ax.set_xlabel("Month created")
    ax.set_ylabel("Leads (count)")
    return ax


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
    leads = t.get("leads")
    lead_features = (
        [c for c in leads.columns if c not in schema.TABLES["leads"] or c in LEAD_ATTRIBUTES]
        if leads is not None
        else []
    )
    lead_attrs = [c for c in lead_features if has(t, "leads", c)]
    firmo = [c for c in FIRMOGRAPHICS if has(t, "accounts", c)]
    rows: list[Readiness] = []

    # 01: outcome + attributes
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
    rows.append(Readiness("01_define_icp", "01_icp", not missing,
                          "opportunities.outcome (or leads.converted) + accounts or lead attributes",
                          "; ".join(missing) or "-", "; ".join(notes) or "-"))

    # 02: created_at
    missing = [] if has(t, "leads", "created_at") else ["leads.created_at"]
    notes = []
    stage_cols = [c for c in ("mql_at", "sal_at", "sql_at") if has(t, "leads", c)]
    if not stage_cols:
        notes.append("no stage dates (mql_at, sal_at, sql_at): stage conversion from leads.stage only")
    if not has(t, "activities") and not has(t, "leads", "sales_touches"):
        notes.append("no activities or sales_touches: touches analysis skipped")
    if not has(t, "activities") and not has(t, "leads", "first_sales_touch_at"):
        notes.append("no activities or first_sales_touch_at: speed-to-lead skipped")
    rows.append(Readiness("02_funnel_leakage", "02_funnel", not missing, "leads.created_at",
                          "; ".join(missing) or "-", "; ".join(notes) or "-"))

    # 03: won amounts with dates
    ok3 = _won_with_money(t)
    missing = [] if ok3 else ["won opportunities with amount and closed_at"]
    notes = []
    if not has(t, "plan"):
        notes.append("no plan table: lead plan uses a target given as a parameter")
    if not has(t, "spend"):
        notes.append("no spend table: CAC and payback skipped")
    if not has(t, "opportunities", "gross_margin"):
        notes.append("no gross_margin: profit uses the margin parameter")
    rows.append(Readiness("03_revenue_growth", "03_revenue", ok3,
                          "won opportunities with amount and closed_at",
                          "; ".join(missing) or "-", "; ".join(notes) or "-"))

    # 04: label source
    label = has(t, "opportunities", "lead_id") or has(t, "leads", "converted")
    missing = [] if label else ["a label: opportunities.lead_id or leads.converted"]
    notes = []
    if not has(t, "leads", "created_at"):
        notes.append("no leads.created_at: stratified instead of out-of-time validation")
    rows.append(Readiness("04_mql_classifier", "04_mql", label,
                          "opportunities linked to leads (lead_id) or leads.converted",
                          "; ".join(missing) or "-", "; ".join(notes) or "-"))
    return pd.DataFrame([r.__dict__ for r in rows])


def issue_counts(issues: pd.DataFrame) -> dict[str, int]:
    """Rows affected per kind of reported problem, e.g. ``{"stage_order": 12}``."""
    if issues is None or len(issues) == 0:
        return {}
    return {str(k): int(v) for k, v in issues.groupby("kind", sort=True)["count"].sum().items()}


def key_figures(data: Any, readiness: pd.DataFrame, issues: pd.DataFrame | None = None) -> dict:
    """The figures ``00_data_check`` records in ``summary.json``."""
    first, last = data_period(data)
    counts = issue_counts(issues) if issues is not None else {}
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
    "key_figures",
    "leads_per_month",
    "missing_values",
    "module_readiness",
    "plot_leads_per_month",
    "plot_missing",
    "row_counts",
    "table_overview",
    "tables_of",
]

_ = np  # numpy kept for vectorised helpers below
