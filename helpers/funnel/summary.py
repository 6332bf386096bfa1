"""The funnel module's key figures for ``summary.json``, from one result object."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from helpers.core.report import plain
from helpers.funnel.attribution import attribution_shares, under_worked_share
from helpers.funnel.journeys import Journeys
from helpers.funnel.speed import SpeedToLead
from helpers.funnel.touches import Plateau


@dataclass
class FunnelResult:
    """What the funnel notebook found; the sections an export cannot support stay None.

    Attributes
    ----------
    journeys : Journeys
    conversion : DataFrame
        :func:`helpers.funnel.conversion_table`.
    ranking : DataFrame
        :func:`helpers.funnel.leakage_ranking` (its first row is the biggest leak).
    cause : dict
        :func:`helpers.funnel.leak_cause` at the biggest leak (empty when not judged).
    speed : SpeedToLead, optional
    plateau : Plateau, optional
    attribution : DataFrame, optional
        :func:`helpers.funnel.attribute_losses`.
    journey : dict, optional
        :func:`helpers.funnel.journey_before_sales`.
    alerts : DataFrame, optional
        :func:`helpers.funnel.alert_counts`.
    fit_source : str
        Where the low-fit flags came from (:func:`helpers.funnel.low_fit_flags`).
    cohorts : DataFrame, optional
        :func:`helpers.funnel.cohort_waterfall`.
    """

    journeys: Journeys
    conversion: pd.DataFrame
    ranking: pd.DataFrame
    cause: dict = field(default_factory=dict)
    speed: SpeedToLead | None = None
    plateau: Plateau | None = None
    attribution: pd.DataFrame | None = None
    journey: dict | None = None
    alerts: pd.DataFrame | None = None
    fit_source: str = ""
    cohorts: pd.DataFrame | None = None


def _funnel_figures(r: FunnelResult) -> dict:
    """Stages, volumes, the stage contract, conversions and the biggest leak."""
    journeys, conv, ranking, cause = r.journeys, r.conversion, r.ranking, r.cause
    biggest = ranking.iloc[0]
    by_leads = ranking.sort_values("lost", ascending=False).iloc[0]
    contract = journeys.contract
    return {
        "stages": list(journeys.stages),
        "leads": int(len(journeys.table)),
        "export_date": journeys.export_date.strftime("%Y-%m-%d"),
        "recycled_dropped": int(journeys.recycled_dropped),
        "skipped_stage_records": int(contract["skipped"].sum()) if len(contract) else 0,
        "reversed_stage_records": int(contract["reversed"].sum()) if len(contract) else 0,
        "recording_start": {s: d.strftime("%Y-%m-%d") for s, d in journeys.recording_start.items()},
        "censor_days": {row.transition: plain(row.k_days, 1) for row in conv.itertuples()},
        "stage_conversion": {row.transition: plain(row.rate) for row in conv.itertuples()},
        "stage_conversion_naive": {row.transition: plain(row.rate_naive) for row in conv.itertuples()},
        "biggest_leak": {
            "stage": str(biggest["transition"]),
            "lost_leads": int(biggest["lost"]),
            "lost_revenue": plain(biggest["lost_revenue"], 0),
            "cause": cause.get("cause"),
            "side": cause.get("side"),
            "explained_share": {k: plain(v) for k, v in cause.get("shares", {}).items()},
        },
        "most_leads_lost": {"stage": str(by_leads["transition"]), "lost_leads": int(by_leads["lost"])},
        "fit_source": r.fit_source,
    }


def _speed_figures(stl: SpeedToLead | None) -> dict | None:
    """Response-time shares, conversion by bucket and the effects against the fastest."""
    if stl is None:
        return None
    adj = stl.adjusted.set_index("bucket")
    return {
        "within_1h": plain(stl.shares["within_1h"]),
        "within_24h": plain(stl.shares["within_24h"]),
        "never": plain(stl.shares["never"]),
        "median_hours": plain(stl.shares["median_hours"], 2),
        "date_only": bool(stl.date_only),
        "conversion_by_bucket": {str(row.bucket): plain(row.rate) for row in stl.by_bucket.itertuples()},
        "effect_vs_fastest_adjusted": {str(b): plain(v) for b, v in adj["rr"].items()},
        "effect_vs_fastest_crude": {str(b): plain(v) for b, v in adj["crude_rr"].items()},
        "effect_low": {str(b): plain(v) for b, v in adj["low"].items()},
        "effect_high": {str(b): plain(v) for b, v in adj["high"].items()},
        "n": int(stl.n),
    }


def _plateau_figures(plateau: Plateau | None) -> dict:
    """The touches plateau, its note and the gains per touch before and after it."""
    if plateau is None:
        return {"touches_plateau": None, "touches_plateau_note": None}
    return {
        "touches_plateau": plateau.touches,
        "touches_plateau_note": plateau.note,
        "touches_gain_before": plain(plateau.slope_before),
        "touches_gain_after": plain(plateau.slope_after),
        "touches_cumulative_plateau": plateau.detail.attrs.get("cumulative_plateau"),
    }


def _attribution_figures(r: FunnelResult) -> dict:
    """Shares of the lost MQLs by cause, their count and the under-worked share."""
    out = {"attribution": None, "lost_mqls": None, "under_worked_share": None}
    att = r.attribution
    if att is not None and len(att):
        sh = attribution_shares(att).set_index("cause")["share"]
        out["attribution"] = {str(c): plain(v) for c, v in sh.items() if not (c == "not judged" and v == 0)}
        out["lost_mqls"] = int(len(att))
        plateau = r.plateau.touches if r.plateau else None
        out["under_worked_share"] = plain(under_worked_share(att, r.journeys, plateau))
    return out


def summary_figures(result: FunnelResult) -> dict:
    """The module's key figures for ``summary.json`` (plain, rounded values).

    Parameters
    ----------
    result : FunnelResult
        What the notebook found; sections left None are recorded as None.

    Returns
    -------
    dict
        The ``02_funnel`` entry of ``summary.json``.
    """
    out = _funnel_figures(result)
    out["speed_to_lead"] = _speed_figures(result.speed)
    out.update(_plateau_figures(result.plateau))
    out.update(_attribution_figures(result))
    journey, alerts, cohorts = result.journey, result.alerts, result.cohorts
    out["journey_before_sales"] = {k: plain(v) for k, v in journey.items()} if journey is not None else None
    out["weekly_alerts"] = {row.transition: int(row.alerts) for row in alerts.itertuples()} if alerts is not None else None
    out["cohort_status"] = (
        {tr: g["status"].value_counts().to_dict() for tr, g in cohorts.groupby("transition", sort=False)}
        if cohorts is not None else None
    )
    return out
