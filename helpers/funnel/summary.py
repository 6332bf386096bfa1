"""The funnel module's key figures for ``summary.json``, from one result object."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from helpers.core.report import plain
from helpers.funnel.attribution import attribution_shares, under_worked_share
from helpers.funnel.headline import NOT_JUDGED_CAUSE, headline
from helpers.funnel.journeys import Journeys
from helpers.funnel.owners import UnderWorkingOwners
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
        :func:`helpers.funnel.leakage_ranking`: the raw table (lost revenue).
    cause : dict
        :func:`helpers.funnel.leak_cause` at the headline stage (empty when not judged).
    recoverable : DataFrame, optional
        :func:`helpers.funnel.recoverable_ranking`: its first row is the headline (the
        biggest leak a team can act on); without it the raw table's first row is.
    owners : UnderWorkingOwners, optional
        :func:`helpers.funnel.under_working_owners`.
    skipped : dict
        :func:`helpers.funnel.skipped_sections`: section -> why it draws nothing.
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
    recoverable: pd.DataFrame | None = None
    owners: UnderWorkingOwners | None = None
    skipped: dict = field(default_factory=dict)


def _leak_figures(r: FunnelResult) -> dict:
    """The headline (biggest recoverable leak), the raw biggest leak and both rankings."""
    ranking, cause = r.ranking, r.cause
    raw = ranking.iloc[0]
    explained = {k: plain(v) for k, v in cause.get("shares", {}).items()}
    if r.recoverable is not None:
        h = headline(r.recoverable)
        big = {"stage": h["stage"], "cause": h["cause"], "side": h["side"], "cause_leads": plain(h.get("cause_leads"), 0),
               "recoverable_leads": plain(h["recoverable_leads"], 0), "recoverable_revenue": plain(h["recoverable_revenue"], 0),
               "rate": plain(h.get("rate")), "attainable_rate": plain(h.get("attainable_rate")),
               "reference": h.get("reference", h.get("note")), "lost_leads": h.get("lost_leads"),
               "lost_revenue": plain(h.get("lost_revenue"), 0), "explained_share": explained}
        rec = r.recoverable.set_index("transition")
        table = {tr: {"lost_revenue": plain(row.lost_revenue, 0), "recoverable_revenue": plain(row.recoverable_revenue, 0),
                      "recoverable_leads": plain(row.recoverable_leads, 0), "cause": row.cause}
                 for tr, row in rec.iterrows()}
        raw_cause = rec.loc[raw["transition"], "cause"]
    else:
        big = {"stage": str(raw["transition"]), "lost_leads": int(raw["lost"]), "lost_revenue": plain(raw["lost_revenue"], 0),
               "cause": cause.get("cause"), "side": cause.get("side"), "explained_share": explained}
        table, raw_cause = None, cause.get("cause")
    return {
        "biggest_leak": big,
        "biggest_raw_leak": {"stage": str(raw["transition"]), "lost_leads": int(raw["lost"]),
                             "lost_revenue": plain(raw["lost_revenue"], 0), "cause": raw_cause},
        "leak_ranking": table,
    }


def _funnel_figures(r: FunnelResult) -> dict:
    """Stages, volumes, the stage contract, conversions and the leaks."""
    journeys, conv, ranking = r.journeys, r.conversion, r.ranking
    by_leads = ranking.sort_values("lost", ascending=False).iloc[0]
    contract = journeys.contract
    return {
        "stages": list(journeys.stages),
        "collapsed_stages": list(journeys.collapsed),
        "leads": int(len(journeys.table)),
        "export_date": journeys.export_date.strftime("%Y-%m-%d"),
        "recycled_dropped": int(journeys.recycled_dropped),
        "skipped_stage_records": int(contract["skipped"].sum()) if len(contract) else 0,
        "reversed_stage_records": int(contract["reversed"].sum()) if len(contract) else 0,
        "recording_start": {s: d.strftime("%Y-%m-%d") for s, d in journeys.recording_start.items()},
        "censor_days": {row.transition: plain(row.k_days, 1) for row in conv.itertuples()},
        "stage_conversion": {row.transition: plain(row.rate) for row in conv.itertuples()},
        "stage_conversion_naive": {row.transition: plain(row.rate_naive) for row in conv.itertuples()},
        **_leak_figures(r),
        "most_leads_lost": {"stage": str(by_leads["transition"]), "lost_leads": int(by_leads["lost"])},
        "fit_source": r.fit_source,
        "skipped_sections": dict(r.skipped),
    }


def _owner_figures(o: UnderWorkingOwners | None) -> dict | None:
    """The owners who under-work: how many, who (hashed), their figures and shares."""
    if o is None:
        return None
    tab = o.table.set_index("owner_id") if len(o.table) else o.table
    owners = []
    for oid in o.flagged:
        row = tab.loc[oid]
        owners.append({"owner_id": str(oid), "leads": int(row["leads"]),
                       **{k: plain(row[k]) for k in ("slow_share", "peers_slow_share", "p_response", "closed_touches",
                                                    "peers_closed_touches", "p_touches") if k in tab.columns}})
    ba = o.before_after
    return {
        "count": len(o.flagged),
        "tested": int(len(o.table)),
        "measures": list(o.metrics),
        "alpha": o.alpha,
        "test": "each owner vs the others: slow-answer share (one-sided z test) and touches before closing a lead "
                "out (one-sided Mann-Whitney), Holm across owners per measure; flagged when every measure is worse",
        "owners": owners,
        "share_of_mqls": plain(o.share_of_mqls),
        "share_of_lost_mqls": plain(o.share_of_lost),
        "before_after": {k: plain(v) for k, v in ba.items()} if ba else None,
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
    out["under_working_owners"] = _owner_figures(result.owners)
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


def _pct(v) -> str:
    return "n/a" if v is None else f"{v:.0%}"


def _owner_point(o: dict) -> str:
    """The owners who under-work, in one sentence."""
    if o["count"] == 0:
        return (f"No rep under-works significantly more than the others ({o['tested']} reps tested, "
                "with a multiple-comparison guard).")
    ids = ", ".join(x["owner_id"] for x in o["owners"])
    text = (f"{o['count']} of {o['tested']} reps (hashed: {ids}) answer slower and give up sooner than their peers; "
            f"their leads are {_pct(o['share_of_mqls'])} of the MQLs and {_pct(o['share_of_lost_mqls'])} of the lost ones")
    ba = o.get("before_after")
    if ba:
        text += (f"; after the alignment start ({ba['alignment_start']}) their under-worked share went from "
                 f"{_pct(ba['under_worked_before'])} to {_pct(ba['under_worked_after'])} "
                 f"(peers: {_pct(ba['peers_before'])} to {_pct(ba['peers_after'])}): {ba['changed']}")
    return text + "."


def key_points(figures: dict, currency: str = "USD") -> list[str]:
    """This org's key points, read from the ``02_funnel`` figures of :func:`summary_figures`."""
    points = []
    big, raw = figures["biggest_leak"], figures.get("biggest_raw_leak") or {}
    if big.get("stage") is None:
        points.append("No stage falls significantly short of a rate this organization already reaches: "
                      "no leak is recoverable.")
    elif "recoverable_leads" in big:
        money = big.get("recoverable_revenue")
        worth = f" (about {currency} {money:,.0f})" if money else ""
        what = f"its {NOT_JUDGED_CAUSE}" if big["cause"] == "not judged" else f"{big['cause']} ({big['side']} side)"
        points.append(f"The leak to act on first is {big['stage']}: {what}, "
                      f"{big['recoverable_leads']:,.0f} leads recoverable{worth} against {big['reference']}.")
    else:
        points.append(f"The biggest leak is {big['stage']} ({big['lost_leads']:,} leads lost); cause: {big['cause']}.")
    if big.get("stage") and raw.get("stage") and raw["stage"] != big["stage"] and raw.get("lost_revenue"):
        rec = ((figures.get("leak_ranking") or {}).get(raw["stage"]) or {}).get("recoverable_revenue") or 0
        points.append(f"By raw lost revenue {raw['stage']} leaks most ({currency} {raw['lost_revenue'] or 0:,.0f}), "
                      f"but only {currency} {rec:,.0f} of it is recoverable: the rest is the price of its conversion "
                      "rate, not a gap to a rate the organization reaches.")
    if figures.get("under_working_owners"):
        points.append(_owner_point(figures["under_working_owners"]))
    att = figures.get("attribution")
    if att:
        points.append(f"Lost MQLs: {_pct(att.get('low-fit'))} low-fit (marketing), {_pct(att.get('under-worked'))} "
                      f"under-worked (sales), {_pct(att.get('worked-and-lost'))} worked and lost.")
    if figures.get("touches_plateau"):
        points.append(f"Conversion stops rising after {figures['touches_plateau']} sales touches "
                      "(the article says 6 or 7).")
    if figures.get("collapsed_stages"):
        points.append(f"Stages the export does not record were collapsed: {', '.join(figures['collapsed_stages'])}.")
    points += list((figures.get("skipped_sections") or {}).values())
    return points
