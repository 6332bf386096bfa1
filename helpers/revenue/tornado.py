"""Sensitivity (the tornado chart's table): revenue when one driver or lever moves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.revenue.common import STAGE_LABELS
from helpers.revenue.scenarios import _expected_wins, _multipliers

if TYPE_CHECKING:
    from helpers.revenue.funnel_model import DealSize
    from helpers.revenue.levers import Lever


def sensitivity(
    rates: pd.DataFrame,
    deal: DealSize,
    inquiries0: float,
    levers: Sequence[Lever] = (),
    *,
    horizon: int = 12,
    growth: float = 0.0,
    step: float = 0.10,
    ramp_months: int = 0,
    gross_margin: float = 1.0,
) -> pd.DataFrame:
    """Revenue over the horizon when one driver moves, all else at today's values.

    Each stage conversion, the deal size and the inquiry volume move by
    ``-step`` and ``+step`` (relative) from month 0; each lever moves its
    conversion by its own multiplier. Because of the stage lags, a change late in
    the funnel pays sooner than the same change at the top, which is why the bars
    differ within a finite horizon.

    Returns
    -------
    DataFrame
        ``driver``, ``kind`` ("driver"/"lever"), ``low``, ``high`` (revenue change
        against the baseline, currency), ``low_pct``, ``high_pct``, ``swing``;
        sorted by the gain (``high``), largest first: the lever to pull first on
        top. Pass ``gross_margin`` to read gross profit instead of revenue.
    """
    r = rates.reset_index(drop=True)
    transitions = [f"{a}->{b}" for a, b in zip(r["from_stage"], r["to_stage"])]
    lags = r["lag_months"].to_numpy(dtype=np.int64)
    p = r["rate"].to_numpy(float)[None, :]
    one = np.ones((1, len(r)))

    def total(mult=one, vol=1.0, dmult=1.0):
        lam = _expected_wins(inquiries0, growth, p, lags, mult, horizon, ramp_months, vol)
        return float(lam.sum() * deal.mean * dmult * gross_margin)

    base = total()
    rows = []
    for j, tr in enumerate(transitions):
        a, b = tr.split("->")
        lo, hi = one.copy(), one.copy()
        lo[0, j], hi[0, j] = 1 - step, 1 + step
        label = f"{STAGE_LABELS.get(a, a)} -> {STAGE_LABELS.get(b, b)} conversion"
        rows.append((label, "driver", total(lo) - base, total(hi) - base))
    rows.append(("Deal size", "driver", total(dmult=1 - step) - base, total(dmult=1 + step) - base))
    top = STAGE_LABELS.get(r["from_stage"].iloc[0], r["from_stage"].iloc[0])
    rows.append((f"{top} volume", "driver", total(vol=1 - step) - base, total(vol=1 + step) - base))
    for lv in levers:
        m = _multipliers(transitions, [lv], 1, use_draws=False)
        rows.append((lv.name, "lever", 0.0, total(m) - base))
    out = pd.DataFrame(rows, columns=["driver", "kind", "low", "high"])
    out["low_pct"] = out["low"] / base
    out["high_pct"] = out["high"] / base
    out["swing"] = (out["high"] - out["low"]).abs()
    out = out.sort_values("high", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["baseline"] = base
    out["driver"] = out["driver"].astype("string")
    out["kind"] = out["kind"].astype("string")
    return out
