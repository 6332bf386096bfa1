"""Planted data-quality problems: what the loader must report without failing.

Four stage timestamps going backwards, three opportunities whose lead was deleted (copies of
lost deals, so revenue is unchanged) and two lost deals typed with a minus sign. Each is
recorded in ``truths.yml`` under ``quirks`` with the ids involved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.synth.arrays import _ids


def _sal_before_mql(rng: np.random.Generator, leads: pd.DataFrame) -> dict:
    """Type ``sal_at`` before ``mql_at`` on four leads (changes ``leads`` in place)."""
    cand = np.flatnonzero((leads["sal_at"].notna() & leads["mql_at"].notna()).to_numpy())
    pick = np.sort(rng.choice(cand, size=min(4, cand.size), replace=False))
    sal = leads["sal_at"].to_numpy().copy()
    hours = rng.integers(1, 72, size=pick.size).astype("timedelta64[h]")
    sal[pick] = leads["mql_at"].to_numpy()[pick] - hours
    leads["sal_at"] = sal
    return {
        "count": int(pick.size), "lead_ids": leads["lead_id"].iloc[pick].tolist(),
        "what": "sal_at typed before mql_at (stage timestamps going backwards)",
    }


def _orphan_opportunities(
    rng: np.random.Generator, leads: pd.DataFrame, opps: pd.DataFrame
) -> tuple[pd.DataFrame, dict]:
    """Append copies of three lost deals whose lead id is not in ``leads``."""
    lost = np.flatnonzero(((opps["outcome"] == "Lost") & opps["lead_id"].notna()).to_numpy())
    rows = np.sort(rng.choice(lost, size=min(3, lost.size), replace=False))
    extra = opps.iloc[rows].copy()
    n0 = len(opps)
    extra["opportunity_id"] = _ids("OPP-", np.arange(n0 + 1, n0 + 1 + len(extra)), 6).to_numpy()
    width = len(leads["lead_id"].iloc[0]) - 1
    ghost = [f"L{int('9' * width) - i:0{width}d}" for i in range(len(extra))]
    opps = pd.concat(
        [opps.astype({"lead_id": "str"}), extra.astype({"lead_id": "str"}).assign(lead_id=ghost)],
        ignore_index=True,
    )
    return opps, {
        "count": len(extra), "opportunity_ids": extra["opportunity_id"].tolist(),
        "lead_ids": ghost,
        "what": "lead_id not in leads (the lead was deleted); copies of lost deals, "
        "so revenue is unchanged",
    }


def _negative_amounts(rng: np.random.Generator, opps: pd.DataFrame, n0: int) -> dict:
    """Type two lost deals' amounts (among the first ``n0``) negative, in place."""
    lost2 = np.flatnonzero((opps["outcome"] == "Lost").to_numpy()[:n0])
    neg = np.sort(rng.choice(lost2, size=min(2, lost2.size), replace=False))
    amt = opps["amount"].to_numpy().copy()
    amt[neg] = -amt[neg]
    opps["amount"] = amt
    return {
        "count": int(neg.size), "opportunity_ids": opps["opportunity_id"].iloc[neg].tolist(),
        "what": "lost deals whose amount was typed with a minus sign",
    }


def plant_quirks(rng: np.random.Generator, tables: dict[str, pd.DataFrame]) -> dict:
    """Plant a few data-quality problems (reported by the loader, not fatal).

    Changes ``tables["leads"]`` and ``tables["opportunities"]``; returns the ``quirks``
    section of the truths.
    """
    leads, opps = tables["leads"], tables["opportunities"]
    out: dict[str, Any] = {}
    out["sal_before_mql"] = _sal_before_mql(rng, leads)
    n0 = len(opps)
    opps, out["orphan_opportunities"] = _orphan_opportunities(rng, leads, opps)
    out["negative_amounts"] = _negative_amounts(rng, opps, n0)
    tables["opportunities"] = opps
    tables["leads"] = leads
    return out
