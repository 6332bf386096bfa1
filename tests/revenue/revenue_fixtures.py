"""Hand-checkable fixtures of the revenue tests: stage rates, a six-lead org, sales work,
and monthly series with a known level change."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The reverse waterfall's hand example: $2.4M at $30k deals needs 7,112 inquiries.
HAND_RATES = {"inquiry->mql": 0.25, "mql->sql": 0.60, "sql->opportunity": 0.50, "opportunity->won": 0.15}


def rates_frame(rows) -> pd.DataFrame:
    """Stage rates from ``(from_stage, to_stage, alpha, beta)`` rows; ``rate`` is the posterior mode."""
    df = pd.DataFrame(rows, columns=["from_stage", "to_stage", "alpha", "beta"])
    df["rate"] = (df["alpha"] - 1) / (df["alpha"] + df["beta"] - 2)
    return df


def two_stage() -> pd.DataFrame:
    """Inquiry -> SQL at 50% (1-month lag), SQL -> won at 40% (2-month lag)."""
    r = rates_frame([("inquiry", "sql", 501.0, 501.0), ("sql", "won", 401.0, 601.0)])
    r["rate"] = [0.5, 0.4]
    r["lag_months"] = [1, 2]
    return r


def fixture_org() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six leads and four deals, dated by hand (data end: 2024-12-31)."""
    d = pd.to_datetime
    leads = pd.DataFrame(
        {
            "lead_id": pd.array(["L1", "L2", "L3", "L4", "L5", "L6"], dtype="string"),
            "created_at": d(["2024-01-05", "2024-01-10", "2024-02-01", "2024-03-01", "2024-03-15", "2024-12-20"]),
            "mql_at": d(["2024-01-06", "2024-01-12", None, "2024-03-02", "2024-03-16", "2024-12-21"]),
            "sal_at": d(["2024-01-07", None, None, "2024-03-04", None, None]),
            "sql_at": d(["2024-01-20", "2024-01-25", None, None, None, None]),
            "source": pd.array(["web", "web", "events", "events", "web", "web"], dtype="string"),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.array(["O1", "O2", "O3", "O4"], dtype="string"),
            "lead_id": pd.array(["L1", "L2", pd.NA, "L4"], dtype="string"),
            "created_at": d(["2024-01-25", "2024-02-01", "2024-02-15", "2024-12-01"]),
            "closed_at": d(["2024-03-01", "2024-04-01", "2024-05-01", None]),
            "outcome": pd.array(["won", "lost", "won", "open"], dtype="string"),
            "amount": [30_000.0, 20_000.0, 50_000.0, 10_000.0],
            "gross_margin": [0.8, 0.6, 0.7, np.nan],
        }
    )
    return leads, opps


def work_table(rows) -> pd.DataFrame:
    """Sales work from ``(touches, converted, response_hours, count)`` rows."""
    recs = []
    for touches, conv, hours, n in rows:
        recs += [(pd.Timestamp("2024-01-01"), float(touches), hours, conv)] * n
    return pd.DataFrame(recs, columns=["start", "touches", "response_hours", "converted"])


def monthly_series(seed, n=36, start=18, jump=0.0, sd=0.2, rho=0.3, growth=0.01) -> pd.DataFrame:
    """Monthly revenue: 1M growing ``growth`` a month, AR(1) noise, a ``jump`` in logs at ``start``."""
    rng = np.random.default_rng(seed)
    e = np.zeros(n)
    for i in range(n):
        e[i] = (rho * e[i - 1] if i else 0.0) + rng.normal(0, sd)
    t = np.arange(n)
    y = np.log(1e6) + growth * t + jump * (t >= start) + e
    return pd.DataFrame({"month": pd.date_range("2023-01-01", periods=n, freq="MS"), "revenue": np.exp(y)})
