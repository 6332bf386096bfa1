"""Phase 7 of generation: monthly program spend by channel, and the revenue plan.

Spend follows each channel's inquiries times its cost per lead, with noise. The plan holds
revenue targets for the last 12 months of history (ambitious, usually missed) and the 12
months after the export (above the run-rate, growing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth.config import SynthConfig
from helpers.synth.expected import TruthInputs, _expected
from helpers.synth.timezones import local_midnight_utc


def _spend(
    cfg: SynthConfig, rng: np.random.Generator, months: np.ndarray, src: np.ndarray,
    month_idx: np.ndarray, chan_names: list[str],
) -> pd.DataFrame:
    """The raw ``spend`` table: program cost by month and channel (months with spend only)."""
    nm, nc = len(months), len(chan_names)
    cnt = np.zeros((nm, nc))
    np.add.at(cnt, (month_idx, src), 1)
    cpl = np.array([c.cost_per_lead for c in cfg.channels])
    amt = cnt * cpl[None, :] * np.exp(rng.normal(0, 0.08, (nm, nc)))
    amt = np.round(amt, 0)
    mm = np.repeat(months.astype("datetime64[D]"), nc)
    channel = np.tile(np.array(chan_names, dtype=object), nm)
    df = pd.DataFrame({"month": mm, "channel": channel, "amount": amt.ravel()})
    return df[df["amount"] > 0].reset_index(drop=True)


def _plan(cfg: SynthConfig, c: TruthInputs, months: np.ndarray) -> pd.DataFrame:
    """Revenue targets: the last 12 months of history and the 12 months after the export."""
    ex = c.ex
    per_lead = [_expected(c, ex, p_)["revenue"].mean() for p_ in (0, 1)]
    lag = 3  # months from inquiry to closed deal, roughly
    nm = cfg.months
    m = np.arange(nm + 12)
    arrivals = (1 + cfg.lead_growth_monthly) ** (m - lag)
    arrivals = arrivals * cfg.n_leads / arrivals[lag : nm + lag].sum()
    lead_month = months[c.n_burn_m :][0] + (m - lag)
    t_lead = np.array(
        [local_midnight_utc(str(x), cfg.timezone) for x in lead_month.astype("datetime64[D]")]
    )
    after = t_lead >= (c.t_align if c.t_align is not None else np.iinfo(np.int64).max)
    # expected won revenue by close month
    level = arrivals * np.where(after, per_lead[1], per_lead[0])
    hist_months = months[-12:]
    hist = np.round(level[nm - 12 : nm] * 1.15, -3)  # an ambitious plan, usually missed
    fut_months = np.arange(months[-1] + 1, months[-1] + 13, dtype="datetime64[M]")
    # above the run-rate, growing
    fut = np.round(level[nm - 1] * 1.10 * (1 + cfg.plan_growth_monthly) ** np.arange(1, 13), -3)
    return pd.DataFrame(
        {
            "period": np.r_[hist_months, fut_months].astype("datetime64[D]"),
            "revenue_target": np.r_[hist, fut],
        }
    )
