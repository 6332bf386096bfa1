"""Which funnel stages an org's data can measure, and when each lead reached each one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.core.schema import STAGES
from helpers.data import isin_values, positions_in
from helpers.revenue.common import LEAD_STAGE_COLUMNS, has_values, won_mask


def available_stages(
    leads: pd.DataFrame | None,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str] = STAGES,
) -> tuple[list[str], dict[str, str]]:
    """The org's stages the data can measure, and why the others are skipped.

    A lead stage is measurable when its timestamp column has values; ``opportunity``
    when opportunities are dated; ``won`` when opportunities have outcomes and close
    dates. Lead stages count only when opportunities are linked to leads
    (``opportunities.lead_id``): otherwise lead counts cannot be tied to wins. A
    skipped middle stage is simply passed over (MQL -> SQL when SAL is missing).

    Returns
    -------
    (list of str, dict)
        Stages kept (funnel order), and ``{stage: reason}`` for each stage skipped.
    """
    has_opps = has_values(opportunities, "outcome")
    linked = has_opps and has_values(opportunities, "lead_id") and has_values(leads, "lead_id")
    kept: list[str] = []
    skipped: dict[str, str] = {}
    for s in stages:
        if s in LEAD_STAGE_COLUMNS:
            ok = has_values(leads, LEAD_STAGE_COLUMNS[s])
            why = f"leads.{LEAD_STAGE_COLUMNS[s]} is missing or empty"
        elif s == "opportunity":
            ok = has_opps and has_values(opportunities, "created_at")
            why = "opportunities.created_at is missing or empty"
        else:
            ok = has_opps and has_values(opportunities, "closed_at")
            why = "no opportunities with outcome and closed_at"
        if ok:
            kept.append(s)
        else:
            skipped[s] = why
    if "won" not in kept:
        raise ValueError(
            "The revenue module needs won deals: an opportunities table with outcome, closed_at "
            "and amount."
        )
    lead_part = [s for s in kept if s in LEAD_STAGE_COLUMNS]
    if lead_part and not linked:
        for s in lead_part:
            skipped[s] = "opportunities are not linked to leads (opportunities.lead_id)"
        kept = [s for s in kept if s not in LEAD_STAGE_COLUMNS]
    if len(kept) < 2:
        raise ValueError(
            "The reverse waterfall needs at least one dated stage before 'won' "
            "(e.g. opportunities.created_at or leads.created_at)."
        )
    return kept, skipped


def _reindex_unique(values: pd.Series, index: pd.Index) -> pd.Series:
    """``values.reindex(index)`` for a Series whose index does not repeat (per-lead
    aggregates), looked up in Arrow: fast with millions of text ids."""
    if len(values) == 0 or len(index) == 0:
        return values.reindex(index)
    pos = positions_in(index, values.index)
    found = pos >= 0
    out = values.iloc[np.where(found, pos, 0)].where(found)
    out.index = index
    return out


def stage_times(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
    *,
    lead_id: str = "lead_id",
) -> pd.DataFrame:
    """When each lead reached each stage (one row per lead, one column per stage).

    Lead stages come from their timestamp columns; ``opportunity`` is the lead's
    first opportunity, ``won`` its first won opportunity's close date. A lead that
    skipped a stage (e.g. an SQL time without an SAL time) has passed it: it gets
    the time of its next reached stage. Columns ``reached_<stage>`` say whether
    the lead passed the stage (also when the time is unknown); ``won_amount`` is
    the total of its won deals.
    """
    if leads is None or lead_id not in leads.columns:
        raise ValueError(
            "The leads table with lead_id is needed to follow leads through the funnel."
        )
    ids = leads[lead_id].astype("string")
    out = pd.DataFrame(index=pd.Index(ids, name=lead_id))
    reached = pd.DataFrame(index=out.index)
    opp_first = won_first = won_amt = None
    if opportunities is not None and has_values(opportunities, "lead_id"):
        o = opportunities[opportunities["lead_id"].notna()]
        key = o["lead_id"].astype("string")
        if "created_at" in o.columns:
            opp_first = o["created_at"].groupby(key).min()
        opp_any = pd.Series(True, index=pd.Index(key.unique()))
        ow = o[won_mask(o)]
        wkey = ow["lead_id"].astype("string")
        won_first = ow["closed_at"].groupby(wkey).min() if "closed_at" in ow.columns else None
        won_any = pd.Series(True, index=pd.Index(wkey.unique()))
        won_amt = (
            ow["amount"].groupby(wkey).sum() if "amount" in ow.columns else pd.Series(dtype=float)
        )
    linked = opportunities is not None and has_values(opportunities, "lead_id")
    for s in stages:
        if s in LEAD_STAGE_COLUMNS:
            col = LEAD_STAGE_COLUMNS[s]
            t = pd.Series(leads[col].to_numpy(), index=out.index) if col in leads.columns else None
            out[s] = t if t is not None else pd.NaT
            reached[s] = out[s].notna()
        elif s == "opportunity":
            out[s] = _reindex_unique(opp_first, out.index) if opp_first is not None else pd.NaT
            reached[s] = (
                pd.Series(isin_values(out.index, opp_any.index), index=out.index)
                if linked
                else False
            )
        elif s == "won":
            out[s] = _reindex_unique(won_first, out.index) if won_first is not None else pd.NaT
            reached[s] = (
                pd.Series(isin_values(out.index, won_any.index), index=out.index)
                if linked
                else False
            )
    _backfill_passed_stages(out, reached, list(stages))
    out["won_amount"] = (
        _reindex_unique(won_amt, out.index).fillna(0.0) if won_amt is not None else 0.0
    )
    return out


def _backfill_passed_stages(out: pd.DataFrame, reached: pd.DataFrame, stages: list[str]) -> None:
    """Passing a later stage means passing the earlier ones, at the next known time.

    Fills ``out[stage]`` (a skipped stage gets the time of the next reached stage)
    and adds ``out["reached_<stage>"]``, in place.
    """
    reached_bf = reached[stages[::-1]].astype(bool).cummax(axis=1)[stages]
    arr = np.column_stack(
        [pd.to_datetime(out[s]).to_numpy("datetime64[ns]").astype("int64") for s in stages]
    ).astype(float)
    arr[arr == float(np.iinfo(np.int64).min)] = np.nan
    later = np.full_like(arr, np.nan)
    if len(stages) > 1:
        rev_min = np.fmin.accumulate(arr[:, ::-1], axis=1)[:, ::-1]
        later[:, :-1] = rev_min[:, 1:]
    filled = np.where(np.isnan(arr), later, arr)
    for i, s in enumerate(stages):
        col = filled[:, i]
        vals = pd.to_datetime(
            np.where(np.isnan(col), np.iinfo(np.int64).min, col).astype("int64"), unit="ns"
        )
        out[s] = pd.Series(vals, index=out.index).where(~np.isnan(col), pd.NaT)
        out[f"reached_{s}"] = reached_bf[s].to_numpy()
