"""Checks on the typed tables: fatal ones (required values, unique ids) and reported ones.

``validate_table`` stops the load when a required column or value is missing or an id
repeats. ``QualityChecks`` looks across tables and only reports (``QualityIssue``): stage
dates going backwards, ids pointing nowhere, negative amounts, deals won before their lead
existed, and qualified leads left open for too long. Each report counts the rows and names
the file's line numbers of a few of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.config import OrgConfig
from helpers.data.errors import N_EXAMPLES, join_ints, quote, short_list
from helpers.data.mapping import Col
from helpers.data.results import QualityIssue
from helpers.data.sources import Source
from helpers.data.text import isin_values

#: When no ``*horizon*`` parameter is set, a lead still open after this many days is reported.
DEFAULT_OPEN_LEAD_DAYS = 365


# --------------------------------------------------------------------------- fatal


def validate_table(
    table: str,
    df: pd.DataFrame,
    cols: dict[str, Col],
    main: Source,
    config: OrgConfig,
    fail: Callable[..., None],
) -> None:
    """Required columns present and filled, primary key unique, numbers in their range
    (problems go to ``fail``)."""
    _required_values(table, df, cols, main, config, fail)
    _unique_ids(table, df, cols, fail)
    _value_ranges(table, df, cols, fail)


def _required_values(
    table: str,
    df: pd.DataFrame,
    cols: dict[str, Col],
    main: Source,
    config: OrgConfig,
    fail: Callable[..., None],
) -> None:
    for req in schema.required_columns(table):
        if req not in df.columns:
            has = sorted(config.columns.get(table, {}))
            fail(
                f"{main.rel}: required column '{req}' of {table} is missing. Map it in org.yml "
                f"under columns.{table}.{req} (the export's column that holds it), e.g. "
                f'`{req}: "{(main.header or ["Column name"])[0]}"`. The file has: '
                f"{short_list(main.header)}."
                + (f" Mapped so far: {', '.join(has)}." if has else ""),
                file=main.rel,
                column=req,
                lines=[1],
                key=f"columns.{table}.{req}",
            )
            continue
        empty = df[req].isna().to_numpy()
        if empty.any():
            c = cols[req]
            where, lines, file = c.where(empty)
            fail(
                f"{c.label(table)}: required value missing in {int(empty.sum()):,} rows{where}. "
                "Fill it in the export, or keep only complete rows with "
                f"files.{table}.where_not_empty.",
                file=file,
                column=c.source or req,
                lines=lines,
                key=f"columns.{table}.{req}",
            )


def _unique_ids(
    table: str, df: pd.DataFrame, cols: dict[str, Col], fail: Callable[..., None]
) -> None:
    pk = schema.PRIMARY_KEYS[table]
    if not pk or pk not in df.columns:
        return
    dup = df[pk].duplicated(keep=False) & df[pk].notna()
    if not dup.any():
        return
    c = cols[pk]
    first = df.loc[dup, pk].iloc[0]
    pos = np.flatnonzero(((df[pk] == first) & dup).to_numpy())
    ex = ""
    if c.src is not None:
        shown = join_ints(c.src.lines(c.pos[pos][:N_EXAMPLES]))
        ex = f" (e.g. {quote(first)} at {c.src.unit}s {shown})"
    where, lines, file = c.where(dup.to_numpy())
    fail(
        f"{c.label(table)}: {int(dup.sum()):,} rows share an id with another row{where}"
        f"{ex}. Each {table[:-1] if table.endswith('s') else table} needs its own id: remove the "
        "duplicates from the export or map a unique column.",
        file=file,
        column=c.source or pk,
        lines=lines,
        key=f"columns.{table}.{pk}",
    )


#: (table, column) -> (lowest, highest) allowed value (None: no bound). Counts cannot be
#: negative; a gross margin is a fraction of the deal's amount (a loss-making deal is < 0).
VALUE_RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("opportunities", "gross_margin"): (-1.0, 1.0),
    ("leads", "sales_touches"): (0.0, None),
    ("leads", "marketing_touches"): (0.0, None),
    ("accounts", "employees"): (0.0, None),
    ("accounts", "locations"): (0.0, None),
}


def _range_todo(table: str, column: str, values: pd.Series) -> str:
    """What to do about values out of range: a "did you mean" where the mistake is common."""
    if (table, column) == ("opportunities", "gross_margin"):
        high = values[values > 1]
        if len(high) and (high <= 100).all():
            return (
                "gross_margin is a fraction of the amount (0.35 for 35%); these look like "
                "percentages: add `gross_margin: 0.01` under scales.opportunities in org.yml. "
                "Did you mean a gross profit amount instead? Then map this column as "
                "opportunities.gross_profit"
            )
        return (
            "gross_margin is a fraction of the amount (0.35 for 35%), and these look like "
            "money. Did you mean the gross profit amount? Map this column as "
            "opportunities.gross_profit instead of gross_margin, or give the margin as a "
            "fraction"
        )
    return f"A {column.replace('_', ' ')} count cannot be negative: fix them in the export or list them in na_values"


def _value_ranges(
    table: str, df: pd.DataFrame, cols: dict[str, Col], fail: Callable[..., None]
) -> None:
    """Numbers outside :data:`VALUE_RANGES` (a margin above 100%, a negative count)."""
    for (t, column), (low, high) in VALUE_RANGES.items():
        if t != table or column not in df.columns:
            continue
        values = df[column]
        bad = pd.Series(False, index=df.index)
        if low is not None:
            bad |= (values < low).fillna(False)
        if high is not None:
            bad |= (values > high).fillna(False)
        if not bad.any():
            continue
        c = cols[column]
        mask = bad.to_numpy(dtype=bool)
        _, lines, file = c.where(mask)
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        fail(
            f"{c.label(table)}: {int(mask.sum()):,} values are not {bounds} "
            f"(e.g. {c.examples(values.astype('string'), mask)}). "
            f"{_range_todo(table, column, values[bad])}.",
            file=file,
            column=c.source or column,
            lines=lines,
            key=f"columns.{table}.{column}",
        )


# --------------------------------------------------------------------------- reported


class QualityChecks:
    """Cross-table checks on the loaded tables; ``run()`` returns the reported problems.

    Parameters
    ----------
    tables : dict of DataFrame
        The typed canonical tables.
    cols : dict
        ``table -> column -> Col`` (where each value came from).
    main_src, source_rows : dict
        Each table's main file and the rows' positions in it.
    date_only : dict
        ``table -> columns`` holding dates only (compared at day level).
    parameters : dict
        ``org.yml: parameters``; the largest ``*horizon*`` sets the stale-lead age.
    leads_are_deals : bool
        The leads are read from the opportunities' file (``files.leads.from``): a deal
        closed before its lead is then the deal's own closed-before-created problem, reported
        once.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        cols: dict[str, dict[str, Col]],
        main_src: dict[str, Source],
        source_rows: dict[str, np.ndarray],
        date_only: dict[str, list[str]],
        parameters: dict,
        leads_are_deals: bool = False,
    ) -> None:
        self.tables = tables
        self.cols = cols
        self.main_src = main_src
        self.source_rows = source_rows
        self.date_only = date_only
        self.parameters = parameters
        self.leads_are_deals = leads_are_deals
        self.issues: list[QualityIssue] = []

    def run(self) -> list[QualityIssue]:
        self._stage_order()
        self._orphan_keys()
        self._negative_amounts()
        if not self.leads_are_deals:
            self._won_before_lead()
        self._stale_open_leads()
        return self.issues

    def report(
        self,
        kind: str,
        table: str,
        column: str,
        mask: np.ndarray,
        message: tuple[str, str],
        todo: str,
        col_for_lines: str | None = None,
    ) -> None:
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
        name = c.source if c is not None and c.source else column
        self.issues.append(
            QualityIssue(
                kind=kind,
                table=table,
                column=column,
                count=count,
                lines=lines,
                message=f"{src.rel}, column '{name}': {count:,} {text}{where}. {todo}",
                file=src.rel,
            )
        )

    def _cmp_dates(
        self, table_a: str, col_a: str, a: pd.Series, table_b: str, col_b: str, b: pd.Series
    ) -> pd.Series:
        """a < b, at day level when either column holds dates only."""
        if col_a in self.date_only.get(table_a, []) or col_b in self.date_only.get(table_b, []):
            return a.dt.normalize() < b.dt.normalize()
        return a < b

    def _orphan_keys(self) -> None:
        t = self.tables
        for (table, col), (rtable, rcol) in schema.FOREIGN_KEYS.items():
            if table in t and rtable in t and col in t[table].columns and rcol in t[rtable].columns:
                s = t[table][col]
                orphan = s.notna().to_numpy() & ~isin_values(s, t[rtable][rcol])
                if orphan.any():
                    ex = ", ".join(quote(v) for v in pd.unique(s[orphan])[:3])
                    self.report(
                        "orphan_key",
                        table,
                        col,
                        orphan,
                        (
                            f"{table[:-1]} has a {col} that is not in {rtable} (e.g. {ex})",
                            f"{table} have a {col} that is not in {rtable} (e.g. {ex})",
                        ),
                        "Check that both exports cover the same period and use the same ids; "
                        f"these rows stay, without their {rtable[:-1]} data.",
                    )

    def _negative_amounts(self) -> None:
        t = self.tables
        for table, cols in schema.TABLES.items():
            if table not in t:
                continue
            for col, spec in cols.items():
                if spec.money and col in t[table].columns:
                    neg = (t[table][col] < 0).fillna(False).to_numpy()
                    self.report(
                        "negative_amount",
                        table,
                        col,
                        neg,
                        (
                            f"{table} row has a negative {col}",
                            f"{table} rows have a negative {col}",
                        ),
                        "Credit notes or refunds belong outside this export; analyses count "
                        "them as they are.",
                    )

    def _stage_order(self) -> None:
        leads = self.tables.get("leads")
        if leads is not None:
            order = [
                schema.STAGE_TIMESTAMPS[s] for s in schema.STAGES if s in schema.STAGE_TIMESTAMPS
            ]
            present = [c for c in order if c in leads.columns]
            for k in range(1, len(present)):
                later = present[k]
                bad = pd.Series(False, index=leads.index)
                names = []
                for earlier in present[:k]:
                    m = self._cmp_dates(
                        "leads", later, leads[later], "leads", earlier, leads[earlier]
                    ).fillna(False)
                    if m.any():
                        names.append(earlier)
                    bad |= m
                if bad.any():
                    self.report(
                        "stage_order",
                        "leads",
                        later,
                        bad.to_numpy(),
                        (
                            f"lead has {later} earlier than {' / '.join(names)}",
                            f"leads have {later} earlier than {' / '.join(names)}",
                        ),
                        "Stage dates should only move forward; check how the CRM records them. "
                        "Funnel timings skip these rows where they matter.",
                    )
        opps = self.tables.get("opportunities")
        if opps is not None and {"created_at", "closed_at"} <= set(opps.columns):
            bad = self._cmp_dates(
                "opportunities",
                "closed_at",
                opps["closed_at"],
                "opportunities",
                "created_at",
                opps["created_at"],
            ).fillna(False)
            self.report(
                "stage_order",
                "opportunities",
                "closed_at",
                bad.to_numpy(),
                (
                    "opportunity is closed before it was created",
                    "opportunities are closed before they were created",
                ),
                "Check the export's created and closed dates.",
            )

    def _won_before_lead(self) -> None:
        opps, leads = self.tables.get("opportunities"), self.tables.get("leads")
        if (
            opps is None
            or leads is None
            or not {"lead_id", "closed_at"} <= set(opps.columns)
            or "created_at" not in leads
        ):
            return
        created = leads.drop_duplicates("lead_id").set_index("lead_id")["created_at"]
        lead_created = opps["lead_id"].map(created)
        won = (
            (opps["outcome"] == "won").to_numpy() if "outcome" in opps else np.ones(len(opps), bool)
        )
        before = self._cmp_dates(
            "opportunities", "closed_at", opps["closed_at"], "leads", "created_at", lead_created
        )
        bad = before.fillna(False).to_numpy() & won
        self.report(
            "won_before_lead",
            "opportunities",
            "closed_at",
            bad,
            (
                "won deal is closed before its lead was created",
                "won deals are closed before their lead was created",
            ),
            "The lead's created date is probably a later re-capture; conversion timings skip "
            "these deals.",
        )

    def _stale_open_leads(self) -> None:
        leads = self.tables.get("leads")
        if (
            leads is None
            or "created_at" not in leads.columns
            or not leads["created_at"].notna().any()
        ):
            return
        stamps = [c for c in ("mql_at", "sal_at", "sql_at") if c in leads.columns]
        if not stamps and "stage" not in leads.columns:
            return  # nothing says which leads were qualified: cannot tell open from dormant
        horizons = [
            float(v)
            for k, v in self.parameters.items()
            if "horizon" in k.lower() and isinstance(v, int | float) and not isinstance(v, bool)
        ]
        days = max(horizons) if horizons else DEFAULT_OPEN_LEAD_DAYS
        as_of = self._export_date()
        old = self._open_qualified(leads, stamps) & (
            leads["created_at"] < as_of - pd.Timedelta(days=days)
        )
        tail = (
            f"still open (no opportunity, conversion or disqualification) more than {days:g} days "
            f"before the export's last date {as_of:%Y-%m-%d}"
        )
        self.report(
            "stale_open_lead",
            "leads",
            "created_at",
            old.fillna(False).to_numpy(),
            (
                f"qualified lead (MQL or later) is {tail}",
                f"qualified leads (MQL or later) are {tail}",
            ),
            "Close them out in the CRM (disqualified date) or map the column that records it; "
            "analyses count them as not converted.",
        )

    def _export_date(self) -> pd.Timestamp:
        """The latest date of the leads, activities and opportunities."""
        events = [
            self.tables[t] for t in ("leads", "activities", "opportunities") if t in self.tables
        ]
        ends = [
            df[col].max()
            for df in events
            for col in df.columns
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any()
        ]
        return max(ends)

    def _open_qualified(self, leads: pd.DataFrame, stamps: list[str]) -> pd.Series:
        """Leads at MQL or later with no conversion, disqualification or opportunity."""
        qualified = pd.Series(False, index=leads.index)
        for c in stamps:
            qualified |= leads[c].notna()
        if "stage" in leads.columns:
            qualified |= (
                leads["stage"].isin(["mql", "sal", "sql", "opportunity"]).fillna(False).astype(bool)
            )
        open_ = qualified.copy()
        if "converted" in leads:
            open_ &= ~leads["converted"].fillna(False).astype(bool)
        if "disqualified_at" in leads:
            open_ &= leads["disqualified_at"].isna()
        opps = self.tables.get("opportunities")
        if opps is not None and "lead_id" in opps:
            open_ &= ~isin_values(leads["lead_id"], opps["lead_id"])
        return open_
