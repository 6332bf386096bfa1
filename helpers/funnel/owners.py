"""The by-rep view: speed-to-lead, touches and conversion per lead owner (hashed ``owner_id``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.funnel.conversion import eligibility, span_window
from helpers.funnel.journeys import Journeys, default_start, default_target


def rep_table(
    journeys: Journeys,
    *,
    plateau: int | None = None,
    sla_hours: float = 24.0,
    start: str | None = None,
    target: str | None = None,
    censor_days: float | dict | None = None,
    min_leads: int = 20,
) -> pd.DataFrame:
    """Speed-to-lead and touches by rep (hashed ``owner_id``), among old-enough leads.

    Returns
    -------
    DataFrame, one row per rep with at least ``min_leads`` leads: ``owner_id``, ``leads``,
    ``median_response_hours``, ``within_sla`` (share answered within ``sla_hours``),
    ``never`` (share never touched), ``median_touches``, ``below_plateau`` (share of
    lost leads closed with fewer touches than the plateau), ``rate`` (conversion to
    ``target``) with ``low`` / ``high``.
    """
    t = journeys.table
    if "owner_id" not in t.columns or not t["owner_id"].notna().any():
        raise ValueError("The leads table has no owner_id (rep), so the by-rep view is skipped.")
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = eligibility(journeys, f"{start}->{target}", k)
    d = t.loc[elig, ["owner_id"]].copy()
    d["converted"] = conv[elig]
    rh = t.loc[elig, "response_hours"] if "response_hours" in t.columns else pd.Series(np.nan, index=d.index)
    d["response_hours"] = rh
    d["within_sla"] = rh <= sla_hours
    d["never"] = rh.isna()
    touches = t.loc[elig, "sales_touches"] if "sales_touches" in t.columns else pd.Series(np.nan, index=d.index)
    d["touches"] = touches
    d["lost_below"] = (~d["converted"]) & (touches < plateau) if plateau is not None else np.nan
    d["lost"] = ~d["converted"]
    g = d.groupby("owner_id").agg(
        leads=("converted", "size"), converted=("converted", "sum"),
        median_response_hours=("response_hours", "median"), within_sla=("within_sla", "mean"),
        never=("never", "mean"), median_touches=("touches", "median"),
        lost=("lost", "sum"), lost_below=("lost_below", "sum"),
    )
    g = g[g["leads"] >= min_leads]
    g["below_plateau"] = (np.where(g["lost"] > 0, g["lost_below"] / g["lost"].where(g["lost"] > 0, 1), np.nan)
                          if plateau is not None else np.nan)
    g["rate"] = g["converted"] / g["leads"]
    g["low"], g["high"] = wilson_interval(g["converted"], g["leads"])
    return g.drop(columns=["lost", "lost_below"]).reset_index().sort_values("rate").reset_index(drop=True)
