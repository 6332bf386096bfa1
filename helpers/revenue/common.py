"""Constants and small helpers shared by every step of the revenue module.

Stage labels and the lead-table timestamp of each stage, the month arithmetic
(data end, last complete month, month starts), and the column checks every step
makes before it reads a table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Average days in a month, used to turn day lags into whole months.
MONTH_DAYS = 30.4375
#: Tolerance under which a count is considered whole before rounding up
#: (so 80.0000000001 wins stay 80, not 81).
CEIL_TOLERANCE = 1e-9
#: Lead stages whose timestamps live on the leads table.
LEAD_STAGE_COLUMNS = {"inquiry": "created_at", "mql": "mql_at", "sal": "sal_at", "sql": "sql_at"}
#: How each stage is named in tables, charts and sentences.
STAGE_LABELS = {
    "inquiry": "Inquiries",
    "mql": "MQLs",
    "sal": "SALs",
    "sql": "SQLs",
    "opportunity": "Opportunities",
    "won": "Won deals",
}


def has_values(df: pd.DataFrame | None, *cols: str) -> bool:
    """Whether ``df`` exists and every one of ``cols`` is a column with at least one value."""
    return df is not None and all(c in df.columns and df[c].notna().any() for c in cols)


def won_mask(opportunities: pd.DataFrame, outcome: str = "outcome") -> np.ndarray:
    """Boolean array: which opportunities are won (outcome ``won``, any case; missing = not won)."""
    return (opportunities[outcome].astype("string").str.lower() == "won").fillna(False).to_numpy()


def as_timestamp(x) -> pd.Timestamp:
    """``x`` as a timezone-naive ``Timestamp``."""
    return pd.Timestamp(x).tz_localize(None) if pd.Timestamp(x).tzinfo else pd.Timestamp(x)


def month_start(values) -> pd.Series:
    """First day of the month of each timestamp."""
    s = pd.to_datetime(pd.Series(values))
    return s.dt.to_period("M").dt.to_timestamp()


def data_end(leads: pd.DataFrame | None, opportunities: pd.DataFrame | None = None) -> pd.Timestamp:
    """The snapshot date of an export: the latest lead or opportunity timestamp."""
    latest = []
    for df in (leads, opportunities):
        if df is None:
            continue
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any():
                latest.append(df[col].max())
    if not latest:
        raise ValueError(
            "No dated lead or opportunity was found: the revenue module needs created_at or "
            "closed_at dates."
        )
    return pd.Timestamp(max(latest))


def last_complete_month(as_of) -> pd.Timestamp:
    """First day of the last calendar month fully covered by data ending at ``as_of``."""
    as_of = as_timestamp(as_of)
    month = as_of.to_period("M")
    if (as_of + pd.Timedelta(days=1)).to_period("M") != month:
        return month.to_timestamp()
    return (month - 1).to_timestamp()


def quantile_days(td: pd.Series, q: float) -> float:
    """The ``q`` quantile of a series of time spans, in days (negative spans count as 0)."""
    d = td.dt.total_seconds() / 86400.0
    d = d[d.notna()].clip(lower=0)
    return float(d.quantile(q)) if len(d) else float("nan")
