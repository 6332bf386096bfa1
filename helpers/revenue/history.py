"""The org's monthly revenue history that the before/after test runs on.

Two series: won revenue per inquiry by the month the lead was created (cohort) or
won revenue by close month (close), each with its right-censoring or transition
months to leave out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.revenue.common import (
    MONTH_DAYS,
    has_values,
    last_complete_month,
    month_start,
    quantile_days,
    won_mask,
)


def monthly_won_revenue(
    opportunities: pd.DataFrame,
    *,
    amount: str = "amount",
    outcome: str = "outcome",
    closed_at: str = "closed_at",
) -> pd.DataFrame:
    """Won revenue and number of wins by close month (months without a win are 0)."""
    if not has_values(opportunities, amount, outcome, closed_at):
        raise ValueError(
            "Monthly won revenue needs opportunities with outcome, closed_at and amount."
        )
    won = won_mask(opportunities, outcome)
    w = opportunities.loc[won & opportunities[closed_at].notna().to_numpy()]
    if w.empty:
        raise ValueError("No won deal has a close date.")
    m = month_start(w[closed_at]).to_numpy()
    out = pd.DataFrame(
        {"revenue": w[amount].fillna(0.0).groupby(m).sum(), "wins": w.groupby(m).size()}
    )
    full = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(full).fillna(0.0)
    out.index.name = "month"
    return out.reset_index()


@dataclass
class AlignmentSeries:
    """The monthly series the before/after test runs on, and how it was cut.

    ``frame`` has ``month``, ``revenue`` (the value regressed), ``won_revenue``,
    ``inquiries`` (cohort series only) and ``wins``; ``exclude_last`` and
    ``transition_months`` are what :func:`segmented_regression` should leave out;
    ``description`` says it in one sentence.
    """

    frame: pd.DataFrame
    kind: str
    exclude_last: int
    transition_months: int
    description: str


def _cohort_series(
    times: pd.DataFrame, end: pd.Timestamp, censor_quantile: float
) -> tuple[pd.DataFrame, int, int, str]:
    """Won revenue per inquiry by lead creation month; the still-converting months left out."""
    ok = times["inquiry"].notna()
    m = month_start(times.loc[ok, "inquiry"]).to_numpy()
    g = pd.DataFrame(
        {
            "won_revenue": times.loc[ok, "won_amount"].to_numpy(float),
            "wins": times.loc[ok, "reached_won"].to_numpy(float),
        }
    ).groupby(m)
    f = pd.DataFrame(
        {"won_revenue": g["won_revenue"].sum(), "wins": g["wins"].sum(), "inquiries": g.size()}
    )
    f = f.reindex(pd.date_range(f.index.min(), end, freq="MS")).fillna(0.0)
    f = f[f["inquiries"] > 0]
    f["revenue"] = f["won_revenue"] / f["inquiries"]
    lag = (times["won"] - times["inquiry"])[times["reached_won"] & times["won"].notna()]
    days = quantile_days(lag, censor_quantile)
    excl = int(math.ceil(days / MONTH_DAYS)) if np.isfinite(days) else 0
    desc = (
        f"won revenue per inquiry by the month the lead was created (lead-volume growth divided "
        f"out); the last {excl} complete months are left out because {censor_quantile:.0%} of "
        f"wins take up to {days:.0f} days from inquiry, so younger leads are still converting"
    )
    return f, excl, 0, desc


def _close_series(
    times: pd.DataFrame | None, opportunities: pd.DataFrame, end: pd.Timestamp, linked: bool
) -> tuple[pd.DataFrame, int, int, str]:
    """Won revenue by close month; one median sales cycle after the start left out."""
    f = monthly_won_revenue(opportunities).set_index("month")
    f = f[f.index <= end]
    f["won_revenue"] = f["revenue"]
    if linked:
        lag = (times["won"] - times["inquiry"])[times["reached_won"] & times["won"].notna()]
    else:
        o = opportunities
        won = won_mask(o)
        lag = (
            (o["closed_at"] - o["created_at"])[won]
            if "created_at" in o.columns
            else pd.Series(dtype="timedelta64[ns]")
        )
    med = quantile_days(lag, 0.5)
    trans = int(round(med / MONTH_DAYS)) if np.isfinite(med) else 0
    desc = (
        f"won revenue by close month; the {trans} months after the start are a transition left "
        f"out (deals closing then were mostly worked before it: median cycle {med:.0f} days); no "
        "recent month is left out, as a month's closed revenue is complete once the month is over"
    )
    return f, 0, trans, desc


def alignment_series(
    times: pd.DataFrame | None,
    opportunities: pd.DataFrame,
    as_of,
    *,
    kind: str = "auto",
    censor_quantile: float = 0.95,
) -> AlignmentSeries:
    """Monthly won revenue for the before/after test, with censoring handled.

    ``kind="cohort"``: won revenue per inquiry by the lead's creation month. Lead
    volume growth is divided out, and a change applied to leads from a date shows
    as a sharp step; the last months are right-censored (their leads have not had
    time to close), so the last ``ceil(q95 of inquiry-to-won days / month)`` complete
    months are left out. ``kind="close"``: won revenue by close month (orgs whose
    deals are not linked to dated leads); a month's revenue is complete once the
    month is over, but deals closing just after the start come from leads worked
    before it, so one median sales cycle after the start is a transition left out.
    ``"auto"`` picks the cohort series when leads are linked to won deals.
    """
    end = last_complete_month(as_of)
    linked = (
        times is not None
        and "inquiry" in times.columns
        and "won" in times.columns
        and bool(times["reached_won"].any())
    )
    if kind == "auto":
        kind = "cohort" if linked else "close"
    if kind == "cohort":
        if not linked:
            raise ValueError(
                "The cohort series needs dated leads linked to won deals (opportunities.lead_id)."
            )
        f, excl, trans, desc = _cohort_series(times, end, censor_quantile)
    elif kind == "close":
        f, excl, trans, desc = _close_series(times, opportunities, end, linked)
    else:
        raise ValueError("The alignment series is 'cohort', 'close' or 'auto'.")
    f.index.name = "month"
    return AlignmentSeries(f.reset_index(), kind, excl, trans, desc)
