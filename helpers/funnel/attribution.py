"""Where the funnel leaks and whose side each lost lead is on.

:func:`leakage_ranking` ranks transitions by lost leads and lost expected revenue (the raw
table: see :mod:`helpers.funnel.gaps` and :mod:`helpers.funnel.headline` for what is
recoverable); :func:`attribute_losses` classifies every lost lead as low-fit (marketing),
under-worked (sales), worked-and-lost or not judged; :func:`touch_stage` finds the stage the
first sales touch marks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.funnel.conversion import eligibility, period_start, span_window
from helpers.funnel.journeys import (
    HOUR,
    Journeys,
    default_start,
    default_target,
    journey_stage,
)
from helpers.funnel.touches import has_touch_data

ATTRIBUTION_CAUSES = ["low-fit", "under-worked", "worked-and-lost", "not judged"]
CAUSE_SIDE = {"low-fit": "marketing", "under-worked": "sales", "worked-and-lost": "neither", "not judged": "unknown"}


# --------------------------------------------------------------------------- biggest leak


def average_deal(journeys: Journeys) -> float:
    """Average won amount per won lead (NaN when no amount is known)."""
    t = journeys.table
    if "won" not in journeys.stages:
        return float("nan")
    won = t["reached_won"] & (t["won_amount"] > 0)
    return float(t.loc[won, "won_amount"].mean()) if won.any() else float("nan")


def leakage_ranking(conv: pd.DataFrame, avg_deal: float | None = None) -> pd.DataFrame:
    """Rank transitions by lost leads and by lost expected revenue.

    Lost expected revenue = lost leads x the conversion from the next stage to won
    (product of the later stages' censored rates) x the average won deal.

    Parameters
    ----------
    conv : DataFrame
        Output of :func:`helpers.funnel.conversion_table`.
    avg_deal : float, optional
        Average won deal; without it only lost leads are ranked.

    Returns
    -------
    DataFrame sorted by lost expected revenue (or lost leads): ``transition``, ``lost``,
    ``rate``, ``downstream`` (to won), ``lost_revenue``, ``rank_leads``, ``rank_revenue``.
    """
    c = conv[["transition", "lost", "eligible", "rate"]].copy().reset_index(drop=True)
    rates = c["rate"].fillna(0).to_numpy()
    down = np.ones(len(c))
    for i in range(len(c) - 2, -1, -1):
        down[i] = down[i + 1] * rates[i + 1]
    c["downstream"] = down
    has_money = avg_deal is not None and np.isfinite(avg_deal) and avg_deal > 0
    c["lost_revenue"] = c["lost"] * c["downstream"] * avg_deal if has_money else np.nan
    c["rank_leads"] = c["lost"].rank(ascending=False, method="first").astype(int)
    if has_money:
        c["rank_revenue"] = c["lost_revenue"].rank(ascending=False, method="first").astype(int)
        return c.sort_values("rank_revenue").reset_index(drop=True)
    c["rank_revenue"] = c["rank_leads"]
    return c.sort_values("rank_leads").reset_index(drop=True)


# --------------------------------------------------------------------------- lost leads


def _flags(low_fit, n: int) -> np.ndarray:
    """The low-fit flags as a boolean array (all False when not given)."""
    return np.zeros(n, dtype=bool) if low_fit is None else np.asarray(pd.Series(low_fit).fillna(False), dtype=bool)


def under_worked_flags(
    journeys: Journeys, plateau: int | None, sla_hours: float | None, touches_apply: np.ndarray | None = None
) -> np.ndarray:
    """Under-worked leads: first sales touch later than ``sla_hours`` after the start stage
    or none, or (where ``touches_apply`` is True) fewer sales touches than ``plateau``."""
    t = journeys.table
    under = np.zeros(len(t), dtype=bool)
    if not has_touch_data(journeys):
        return under
    if plateau is not None and "sales_touches" in t.columns:
        touches = t["sales_touches"].to_numpy(float)
        few = ~np.isnan(touches) & (touches < plateau)
        under |= few if touches_apply is None else (few & touches_apply)
    if sla_hours is not None and "response_hours" in t.columns and t["first_sales_touch_at"].notna().any():
        rh = t["response_hours"].to_numpy(float)
        under |= np.isnan(rh) | (rh > sla_hours)
    return under


def _stopped_at(journeys: Journeys, start: str, target: str) -> np.ndarray:
    """The transition where each lead stopped between ``start`` and ``target`` ("" if none)."""
    t = journeys.table
    i0 = journeys.stages.index(start)
    i1 = journeys.stages.index(target)
    lost_at = np.full(len(t), "", dtype=object)
    for a, b in zip(journeys.stages[i0:i1], journeys.stages[i0 + 1 : i1 + 1]):
        stop = t[f"reached_{a}"].to_numpy() & ~t[f"reached_{b}"].to_numpy() & (lost_at == "")
        lost_at[stop] = f"{a}->{b}"
    return lost_at


def attribute_losses(
    journeys: Journeys,
    *,
    low_fit: pd.Series | np.ndarray | None = None,
    plateau: int | None = None,
    sla_hours: float | None = 24.0,
    start: str | None = None,
    target: str | None = None,
    touch_target: str | None = None,
    censor_days: float | dict | None = None,
) -> pd.DataFrame:
    """Classify every lost lead (start stage reached, old enough, never reached ``target``,
    by default the opportunity - a deal lost later is a question of win rate, module 1's).

    * ``low-fit`` (marketing side): the lead's ICP tier is C or D (``low_fit`` True);
    * ``under-worked`` (sales side): otherwise, for a lead lost before the opportunity
      (under-working cannot lose a deal already created), a first sales touch later than
      ``sla_hours`` after the start stage, or none; or - for leads lost before
      ``touch_target`` (default: SQL), where the touches curve applies - fewer sales
      touches than the ``plateau``;
    * ``worked-and-lost``: neither - worked as agreed and still lost;
    * ``not judged``: not low-fit, and the export records no sales touches, so how well
      the lead was worked cannot be told.

    Low fit is checked first: a rep who spends little time on a low-fit lead is doing
    the right thing.

    Returns
    -------
    DataFrame, one row per lost lead: ``lead_id``, ``lost_at`` (the transition where it
    stopped), ``month`` (month it reached the start stage), ``cause``, ``side``,
    ``owner_id`` / ``source`` when known.
    """
    start = start or default_start(journeys.stages)
    target = target or journey_stage(journeys.stages)
    touch_target = touch_target or default_target(journeys.stages)
    t = journeys.table
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = eligibility(journeys, f"{start}->{target}", k)
    lost = elig & ~conv
    lf = _flags(low_fit, len(t))
    judged = has_touch_data(journeys)
    under = under_worked_flags(journeys, plateau, sla_hours, ~t[f"reached_{touch_target}"].to_numpy())
    # under-working acts before the opportunity: a deal lost afterwards is never under-worked
    under &= ~t[f"reached_{journey_stage(journeys.stages)}"].to_numpy()
    cause = np.where(lf, "low-fit", np.where(under, "under-worked", "worked-and-lost" if judged else "not judged"))
    stopped = _stopped_at(journeys, start, target)
    out = pd.DataFrame(
        {
            "lead_id": t["lead_id"].to_numpy()[lost],
            "lost_at": stopped[lost],
            "month": period_start(t[f"t_{start}"], "M").to_numpy()[lost],
            "cause": pd.Categorical(cause[lost], categories=ATTRIBUTION_CAUSES),
        }
    )
    out["side"] = out["cause"].map(CAUSE_SIDE).astype("string")
    for c in ("owner_id", "source"):
        if c in t.columns:
            out[c] = t[c].to_numpy()[lost]
    return out


def attribution_shares(att: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts and shares of each cause (optionally by ``month`` or ``lost_at``)."""
    keys = [by, "cause"] if by else ["cause"]
    g = att.groupby(keys, observed=False).size().rename("leads").reset_index()
    tot = g.groupby(by)["leads"].transform("sum") if by else g["leads"].sum()
    g["share"] = np.where(tot > 0, g["leads"] / np.where(tot > 0, tot, 1), np.nan)
    return g


def under_worked_share(att: pd.DataFrame, journeys: Journeys, plateau: int | None) -> float:
    """Share of lost leads closed out with fewer sales touches than the plateau."""
    if plateau is None or att.empty or "sales_touches" not in journeys.table.columns:
        return float("nan")
    touches = journeys.table.set_index("lead_id")["sales_touches"].reindex(att["lead_id"]).to_numpy(float)
    ok = ~np.isnan(touches)
    return float(np.mean(touches[ok] < plateau)) if ok.any() else float("nan")


# --------------------------------------------------------------------------- leak cause


def touch_stage(journeys: Journeys) -> str | None:
    """The stage the first sales touch marks (e.g. ``sal`` when the rep's first touch is
    the acceptance): the first stage whose date equals the first sales touch (same minute,
    or same day for date-only data) for at least half of the leads with both; else None."""
    t = journeys.table
    if "first_sales_touch_at" not in t.columns or not t["first_sales_touch_at"].notna().any():
        return None
    tol = 24.0 if journeys.date_only else 1 / 60
    for s in journeys.stages:
        ok = t[f"dated_{s}"] & t["first_sales_touch_at"].notna()
        if ok.sum() >= 10:
            gap = ((t.loc[ok, "first_sales_touch_at"] - t.loc[ok, f"t_{s}"]) / HOUR).abs()
            if float((gap <= tol).mean()) >= 0.5:
                return s
    return None
