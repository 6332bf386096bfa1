"""Phase 6 of generation: nurture touches, and the raw ``activities`` table.

Marketing touches before the scoring moment come from the engagement phase; after it, leads
get nurture touches, and deals bring touches after their SQL (never before scoring: they
depend on the outcome, so they must not change what is known at the scoring moment). The
table holds every marketing and sales touch of the exported leads before the export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.arrays import _cat, _group_positions
from helpers.synth.leads import Export
from helpers.synth.sales import Sales
from helpers.synth.stages import Engagement
from helpers.synth.timeline import Timeline
from helpers.synth.vocabulary import ACTIVITY_TYPES, DAY, HOUR, MARKETING_TYPES


@dataclass
class Nurture:
    """Marketing touches after the scoring moment: lead, time and type code of each."""

    owner: np.ndarray
    time: np.ndarray
    type: np.ndarray


def draw_nurture(
    rng: np.random.Generator, scoring: np.ndarray, is_opp: np.ndarray, sql_at: np.ndarray
) -> Nurture:
    """Draw the nurture touches after each lead's scoring moment (more for deals)."""
    n = scoring.size
    n_post = rng.poisson(4.5, n) + np.where(is_opp, rng.poisson(1.5, n), 0)
    p_owner, _ = _group_positions(n_post)
    after_sql = is_opp[p_owner] & (rng.random(p_owner.size) < 0.5)
    post_base = np.where(after_sql, np.maximum(sql_at[p_owner], scoring[p_owner]), scoring[p_owner])
    post_time = post_base + HOUR + (rng.exponential(100, p_owner.size) * DAY).astype(np.int64)
    post_type = rng.choice(np.array([3, 0, 2, 1]), size=p_owner.size, p=[0.45, 0.3, 0.12, 0.13])
    return Nurture(p_owner, post_time, post_type)


def _packed_touches(
    tl: Timeline, xp: Export, eng: Engagement, nurture: Nurture, sales: Sales
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exported touches before the export, sorted by (time, lead, type).

    Returns the type codes (into ``ACTIVITY_TYPES``), exported lead numbers and times.
    The sort runs on one packed integer: 28 bits for the lead, 4 for the type.
    """
    a_lead = np.concatenate(
        [eng.pre_owner, np.arange(tl.n), eng.w_owner, nurture.owner, sales.s_owner]
    )
    a_time = np.concatenate([eng.pre_time, tl.created, eng.w_time, nurture.time, sales.s_time])
    a_type = np.concatenate([
        eng.pre_type, eng.first_type, eng.win_type, nurture.type,
        sales.s_type + len(MARKETING_TYPES),
    ]).astype(np.int8)
    keep = tl.exported[a_lead] & (a_time < tl.t_export)
    if xp.ex.size >= 2**24:
        raise ValueError("The generator handles at most 16 million leads.")
    t0 = int(a_time[keep].min()) if keep.any() else 0
    packed = ((a_time[keep] - t0) << 28) | (xp.lead_no[a_lead[keep]] << 4) | a_type[keep]
    del a_lead, a_time, a_type
    packed.sort()
    a_type = (packed & 15).astype(np.int8)
    a_no = (packed >> 4) & (2**24 - 1)
    a_time = (packed >> 28) + t0
    return a_type, a_no, a_time


def activities_table(
    tl: Timeline, xp: Export, eng: Engagement, nurture: Nurture, sales: Sales
) -> pd.DataFrame:
    """The raw ``activities`` table: one row per touch, sales touches owned by the lead's rep."""
    a_type, a_no, a_time = _packed_touches(tl, xp, eng, nurture, sales)
    is_sales = a_type >= len(MARKETING_TYPES)
    return pd.DataFrame(
        {
            "lead_id": pd.Categorical.from_codes(a_no, categories=pd.Index(xp.lead_ids)),
            "occurred_at": xp.clock(a_time),
            "activity_type": _cat(a_type, ACTIVITY_TYPES),
            "team": _cat(is_sales.astype(np.int8), ["marketing", "sales"]),
            "owner": _cat(np.where(is_sales, sales.rep[xp.ex][a_no], -1), sales.reps.names),
        }
    )
