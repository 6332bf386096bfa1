"""Tables for the meetings: the weekly view of stage volumes and the quarterly business
review (the notebook shows them as they are)."""

from __future__ import annotations

import pandas as pd

from helpers.funnel.conversion import cohort_waterfall, period_start
from helpers.funnel.journeys import Journeys, default_start


def weekly_view(journeys: Journeys, *, weeks: int | None = 13) -> pd.DataFrame:
    """Leads reaching each stage per week (by the week they reached it), for the weekly
    meeting, plus the median response time (hours) of the week's MQLs when known."""
    t = journeys.table
    frames = []
    for s in journeys.stages:
        ok = t[f"reached_{s}"] & t[f"t_{s}"].notna()
        wk = t.loc[ok, f"t_{s}"].dt.to_period("W-SUN").dt.start_time
        frames.append(wk.value_counts().rename(s))
    out = pd.concat(frames, axis=1, sort=True).fillna(0).astype(int)
    out.index.name = "week"
    start = default_start(journeys.stages)
    if "response_hours" in t.columns and t["response_hours"].notna().any():
        ok = t[f"t_{start}"].notna()
        wk = t.loc[ok, f"t_{start}"].dt.to_period("W-SUN").dt.start_time
        out["median_response_hours"] = t.loc[ok, "response_hours"].groupby(wk.to_numpy()).median()
    out = out.reset_index()
    # the export's last week is partial: leave it out
    last_full = journeys.export_date.to_period("W-SUN").start_time
    out = out[out["week"] < last_full]
    return out.tail(weeks).reset_index(drop=True) if weeks else out.reset_index(drop=True)


def quarterly_view(
    journeys: Journeys, censor_days: float | dict | None = None, *, attribution: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The business-review table: per creation quarter, leads, each transition's censored
    conversion (NaN until measured), won leads and revenue, median response hours and,
    when given, the under-worked and low-fit shares of the quarter's lost leads."""
    wf = cohort_waterfall(journeys, censor_days, "Q")
    rates = wf.pivot(index="cohort", columns="transition", values="rate")[journeys.transitions]
    t = journeys.table
    q = period_start(t["entered_at"], "Q")
    out = pd.DataFrame({"leads": t.groupby(q).size()})
    out = out.join(rates)
    if "won" in journeys.stages:
        out["won"] = t.groupby(q)["reached_won"].sum()
        out["won_revenue"] = t.groupby(q)["won_amount"].sum()
    if "response_hours" in t.columns and t["response_hours"].notna().any():
        out["median_response_hours"] = t.groupby(q)["response_hours"].median()
    if attribution is not None and len(attribution):
        aq = pd.to_datetime(attribution["month"]).dt.to_period("Q").dt.start_time
        sh = pd.crosstab(aq, attribution["cause"], normalize="index")
        for c in ("low-fit", "under-worked"):
            if c in sh.columns:
                out[f"{c}_share"] = sh[c]
    out.index = [str(pd.Timestamp(i).to_period("Q")) for i in out.index]
    out.index.name = "quarter"
    return out.reset_index()
