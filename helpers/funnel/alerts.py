"""Weekly leak alerts: each week's conversion within ``k`` days against its normal range.

A week is judged only once it is mature (its last day at least ``k`` days before the
export date), so a young cohort never raises an alarm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.funnel.conversion import censor_windows
from helpers.funnel.journeys import DAY, Journeys, split_transition

ALERT_COLUMNS = ["week", "leads", "converted_k", "rate_k", "mature", "status", "baseline", "lower", "alert"]


def _weekly_counts(journeys: Journeys, transition: str, k_days: float) -> pd.DataFrame:
    """Leads reaching the transition's first stage each week (every week in the range) and
    those reaching the next stage within ``k_days``, with ``rate_k``."""
    t = journeys.table
    a, b = split_transition(transition)
    base = t[f"reached_{a}"] & t[f"t_{a}"].notna()
    t_a = t.loc[base, f"t_{a}"]
    within = (t.loc[base, f"reached_{b}"] & ((t.loc[base, f"t_{b}"] - t_a) / DAY <= k_days)).to_numpy()
    week = t_a.dt.to_period("W-SUN").dt.start_time
    d = pd.DataFrame({"week": week.to_numpy(), "converted_k": within.astype(int), "leads": 1})
    g = d.groupby("week").sum().reset_index().sort_values("week")
    if g.empty:
        return g
    full = pd.DataFrame({"week": pd.date_range(g["week"].min(), g["week"].max(), freq="7D")})
    g = full.merge(g, on="week", how="left").fillna({"leads": 0, "converted_k": 0})
    g["rate_k"] = np.where(g["leads"] > 0, g["converted_k"] / g["leads"].where(g["leads"] > 0, 1), np.nan)
    return g


def weekly_alerts(
    journeys: Journeys,
    transition: str,
    k_days: float,
    *,
    window: int = 8,
    n_sd: float = 3.0,
    min_leads: int = 10,
    min_history: int = 4,
) -> pd.DataFrame:
    """Weekly conversion within ``k_days`` of a transition, with leak alerts.

    Each week's cohort is the leads that reached the transition's first stage that week;
    its rate is the share that reached the next stage within ``k_days``. A week is judged
    only once it is *mature* (its last day is at least ``k_days`` before the export date),
    so a young cohort never raises an alarm. Its normal range comes from the previous
    ``window`` mature weeks: the median minus ``n_sd`` robust standard deviations
    (1.4826 x median absolute deviation, never less than the week's own binomial
    standard error). An alert needs ``min_leads`` leads in the week and at least
    ``min_history`` earlier mature weeks.

    Returns
    -------
    DataFrame, one row per week: ``week`` (Monday), ``leads``, ``converted_k``,
    ``rate_k``, ``mature``, ``status`` (mature / too young / not recorded), ``baseline``,
    ``lower``, ``alert``.
    """
    g = _weekly_counts(journeys, transition, k_days)
    if g.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    week_end = g["week"] + pd.Timedelta(days=7)
    g["mature"] = (journeys.export_date - week_end) / DAY >= k_days
    start = journeys.recording_start.get(split_transition(transition)[1])
    if start is not None:
        g.loc[g["week"] < start, "mature"] = False
    usable = g["rate_k"].where(g["mature"] & (g["leads"] >= min_leads))
    hist = usable.shift(1)
    g["baseline"] = hist.rolling(window, min_periods=min_history).median()
    mad = hist.rolling(window, min_periods=min_history).apply(
        lambda x: np.nanmedian(np.abs(x - np.nanmedian(x))), raw=True
    )
    p = g["baseline"].clip(0, 1)
    binom = np.sqrt(p * (1 - p) / g["leads"].where(g["leads"] > 0))
    sd = np.maximum(1.4826 * mad, binom)
    g["lower"] = g["baseline"] - n_sd * sd
    g["alert"] = (g["mature"] & (g["leads"] >= min_leads) & g["lower"].notna() & (g["rate_k"] < g["lower"])).astype(bool)
    g["leads"] = g["leads"].astype(int)
    g["converted_k"] = g["converted_k"].astype(int)
    status = np.where(g["mature"], "mature", "too young")
    if start is not None:
        status = np.where(g["week"] < start, "not recorded", status)
    g["status"] = status
    return g[ALERT_COLUMNS]


def weekly_alerts_by_transition(
    journeys: Journeys, censor_days: float | dict | None = None, **kwargs
) -> dict[str, pd.DataFrame]:
    """:func:`weekly_alerts` of every transition whose next stage the export dates, each with
    its censoring window ``k`` (a stage known only from a flag has no week to judge).

    ``kwargs`` (``window``, ``n_sd``, ``min_leads``, ``min_history``) go to :func:`weekly_alerts`.
    """
    ks = censor_windows(journeys, censor_days)
    t = journeys.table
    dated = [tr for tr in journeys.transitions if t[f"dated_{split_transition(tr)[1]}"].any()]
    return {tr: weekly_alerts(journeys, tr, ks[tr], **kwargs) for tr in dated}


def alert_counts(weekly: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Alerts per transition: ``transition``, ``alerts`` (weeks alerted), ``last_alert`` (week)."""
    return pd.DataFrame([{"transition": tr, "alerts": int(w["alert"].sum()),
                          "last_alert": w.loc[w["alert"], "week"].max()} for tr, w in weekly.items()])
