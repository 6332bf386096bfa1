"""The actionable headline: stages ranked by the revenue a team could recover, beside the raw table.

:func:`recoverable_ranking` prices each stage's recoverable leads (:func:`helpers.funnel.leak_gaps`)
like the raw table prices its lost leads (x the conversion from the next stage to won x the
average won deal); :func:`headline` names the stage with the most recoverable revenue, the cause
on that stage and its side - one row, so the three always agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.funnel.attribution import CAUSE_SIDE, leakage_ranking
from helpers.funnel.gaps import GAP_COLUMNS, GAP_TABLE_COLUMNS, leak_gaps
from helpers.funnel.journeys import Journeys

RANKING_COLUMNS = [
    "transition",
    "eligible",
    "lost",
    "rate",
    "attainable_rate",
    "downstream",
    "lost_revenue",
    "recoverable_leads",
    "recoverable_wins",
    "recoverable_revenue",
    "cause",
    "cause_leads",
    "side",
    "reference",
    "low_fit_gap",
    "under_worked_gap",
    "worked_and_lost_gap",
    "judged",
    "rank_raw",
    "rank",
]

#: What the headline says when the export cannot tell whose side a stage's gap is on.
NOT_JUDGED_CAUSE = "cause cannot be judged from this export (no sales touches recorded)"


def leak_gap_table(journeys: Journeys, **kwargs) -> pd.DataFrame:
    """:func:`helpers.funnel.leak_gaps` of every transition, one row per (transition, cause).

    ``kwargs`` (``low_fit``, ``plateau``, ``sla_hours``, ``censor_days``, ``owners``, ...)
    go to :func:`helpers.funnel.leak_gaps`.
    """
    frames = [
        f for f in (leak_gaps(journeys, tr, **kwargs) for tr in journeys.transitions) if len(f)
    ]
    return (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GAP_TABLE_COLUMNS)
    )


def _stage_row(raw: pd.Series, g: pd.DataFrame) -> dict:
    """One transition's recoverable leads, cause and reference from its gaps ``g``."""
    row = {
        "transition": raw["transition"],
        "eligible": int(raw["eligible"]),
        "lost": int(raw["lost"]),
        "rate": raw["rate"],
        "downstream": raw["downstream"],
        "lost_revenue": raw["lost_revenue"],
        "judged": bool(len(g)),
        "low_fit_gap": np.nan,
        "under_worked_gap": np.nan,
        "worked_and_lost_gap": np.nan,
    }
    if not len(g):
        return {
            **row,
            "recoverable_leads": np.nan,
            "cause_leads": np.nan,
            "cause": None,
            "side": None,
            "reference": "before the MQL: not judged",
        }
    for c, v in zip(g["cause"], g["recoverable"]):
        row[GAP_COLUMNS[c]] = float(v)
    top = g.loc[g["recoverable"].idxmax()]
    residual = g[g["cause"].isin(["worked-and-lost", "not judged"])]
    if top["recoverable"] > 0:
        cause, ref = top["cause"], top["reference"]
    elif len(residual):
        cause, ref = residual["cause"].iloc[0], residual["reference"].iloc[0]
    else:
        cause, ref = None, "no group of its leads falls significantly short of a comparable group"
    rec = float(min(g["recoverable"].sum(), raw["lost"]))
    row["cause_leads"] = float(top["recoverable"])
    return {
        **row,
        "recoverable_leads": rec,
        "cause": cause,
        "side": CAUSE_SIDE.get(cause) if cause else None,
        "reference": ref,
    }


def recoverable_ranking(
    journeys: Journeys,
    conv: pd.DataFrame,
    avg_deal: float | None = None,
    *,
    gaps: pd.DataFrame | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Rank transitions by recoverable revenue, with the raw lost revenue beside it.

    A transition's recoverable leads are the sum of its causes' gaps (capped at the leads it
    loses); recoverable wins = recoverable leads x the conversion from the next stage to won;
    recoverable revenue = recoverable wins x the average won deal. Transitions before the
    start stage (MQL) are kept with NaN: the MQL definition's filter is not judged.

    Parameters
    ----------
    journeys : Journeys
    conv : DataFrame
        :func:`helpers.funnel.conversion_table`.
    avg_deal : float, optional
        Average won deal (:func:`helpers.funnel.average_deal`); without it the ranking is by
        recoverable wins and the revenue columns are NaN.
    gaps : DataFrame, optional
        :func:`leak_gap_table` when already computed; else computed with ``kwargs``.

    Returns
    -------
    DataFrame sorted by recoverable wins (largest first): the columns of ``RANKING_COLUMNS``;
    ``rank`` orders the actionable ranking, ``rank_raw`` the raw one (lost revenue, or lost
    leads x downstream conversion without amounts).
    """
    raw = leakage_ranking(conv, avg_deal).set_index("transition", drop=False)
    gaps = leak_gap_table(journeys, **kwargs) if gaps is None else gaps
    out = pd.DataFrame(
        [_stage_row(raw.loc[tr], gaps[gaps["transition"] == tr]) for tr in journeys.transitions]
    )
    money = avg_deal is not None and np.isfinite(avg_deal) and avg_deal > 0
    out["recoverable_wins"] = out["recoverable_leads"] * out["downstream"]
    out["recoverable_revenue"] = out["recoverable_wins"] * avg_deal if money else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["attainable_rate"] = out["rate"] + np.where(
            out["eligible"] > 0, out["recoverable_leads"] / out["eligible"], np.nan
        )
    lost_wins = out["lost"] * out["downstream"]
    out["rank_raw"] = lost_wins.rank(ascending=False, method="first").astype(int)
    out["rank"] = (
        out["recoverable_wins"].fillna(-1).rank(ascending=False, method="first").astype(int)
    )
    return out.sort_values("rank")[RANKING_COLUMNS].reset_index(drop=True)


def headline(ranking: pd.DataFrame) -> dict:
    """The leak to act on: the first row of :func:`recoverable_ranking` when it recovers anything.

    Returns
    -------
    dict: ``stage``, ``cause``, ``side``, ``recoverable_leads``, ``recoverable_revenue``,
    ``rate``, ``attainable_rate``, ``reference``, ``lost_leads``, ``lost_revenue`` (the
    stage's raw figures); ``stage`` None (with a ``note``) when no stage falls short of an
    attainable rate.
    """
    judged = ranking[ranking["recoverable_wins"].fillna(0) > 0]
    if judged.empty:
        return {
            "stage": None,
            "cause": None,
            "side": None,
            "recoverable_leads": 0.0,
            "recoverable_revenue": 0.0,
            "note": "no stage falls short of a rate the organization itself reaches",
        }
    r = judged.iloc[0]
    return {
        "stage": str(r["transition"]),
        "cause": r["cause"],
        "side": r["side"],
        "cause_leads": float(r["cause_leads"]),
        "recoverable_leads": float(r["recoverable_leads"]),
        "recoverable_revenue": float(r["recoverable_revenue"]),
        "rate": float(r["rate"]),
        "attainable_rate": float(r["attainable_rate"]),
        "reference": r["reference"],
        "lost_leads": int(r["lost"]),
        "lost_revenue": float(r["lost_revenue"]),
    }


def headline_sentence(h: dict, currency: str = "USD") -> str:
    """The headline in one sentence (where, which cause, whose side, how much); a cause that
    cannot be judged is said as such (:data:`NOT_JUDGED_CAUSE`), never as a cause."""
    if h.get("stage") is None:
        return "No stage falls significantly short of a rate this organization already reaches: no leak is recoverable."
    money = h.get("recoverable_revenue")
    worth = (
        f" (about {currency} {money:,.0f})"
        if money is not None and np.isfinite(money) and money > 0
        else ""
    )
    who = {"marketing": "marketing's side", "sales": "sales' side", "neither": "neither side"}.get(
        h["side"], "side unknown"
    )
    what = f"whose {NOT_JUDGED_CAUSE}" if h["cause"] == "not judged" else f"{h['cause']} ({who})"
    return (
        f"The leak to act on first is {h['stage']}, {what}: at the rate of {h['reference']}, "
        f"{h['cause_leads']:,.0f} more of its leads would move on; with every cause, {h['recoverable_leads']:,.0f} "
        f"leads{worth} are recoverable, lifting the stage from {h['rate']:.0%} to {h['attainable_rate']:.0%}."
    )
