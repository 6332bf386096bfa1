"""Phase 5 of generation: deals, and the raw ``opportunities`` table.

An opportunity is won with a probability raised by the ICP, has a lognormal amount (larger in
the ICP) and a 30-150 day cycle, and belongs to an account executive. Deals of leads created
before the exported history appear without their lead when still open at its start or
closed inside it; open deals sit in a stage that follows their age.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.arrays import _cat, _ids
from helpers.synth.config import SynthConfig
from helpers.synth.leads import Export
from helpers.synth.model import _deal_log_median, _win_prob
from helpers.synth.people import _staff_names
from helpers.synth.timeline import Timeline
from helpers.synth.vocabulary import DAY, NAT, OPEN_DEAL_STAGES


@dataclass
class Deals:
    """Each lead's would-be deal (one row per lead; meaningful where it is an opportunity).

    Attributes
    ----------
    wp, won : ndarray
        Win probability; won.
    amount, margin, cyc : ndarray
        Amount (rounded to 100), gross margin, sales cycle in days.
    closed_at : ndarray
        Close time (NAT when not an opportunity; not yet cut at the export).
    ae_names, ae : ndarray
        The account executives and each deal's one.
    """

    wp: np.ndarray
    won: np.ndarray
    amount: np.ndarray
    margin: np.ndarray
    cyc: np.ndarray
    closed_at: np.ndarray
    ae_names: np.ndarray
    ae: np.ndarray


def draw_deals(
    cfg: SynthConfig, rng: np.random.Generator, L: dict, is_opp: np.ndarray,
    opp_at: np.ndarray, rep_names: np.ndarray,
) -> Deals:
    """Draw each opportunity's outcome, amount, margin, cycle and account executive."""
    n = is_opp.size
    wp = _win_prob(cfg, L)
    won = is_opp & (rng.random(n) < wp)
    amount = np.exp(_deal_log_median(cfg, L) + rng.normal(0, cfg.deal_sigma, n))
    amount = np.round(amount, -2)
    cyc = np.where(
        won,
        np.clip(np.exp(rng.normal(math.log(55), 0.35, n)), 30, 120),
        np.clip(np.exp(rng.normal(math.log(45), 0.5, n)), 14, 150),
    )
    closed_at = np.where(is_opp, opp_at + (cyc * DAY).astype(np.int64), NAT)
    margin = np.round(0.6 + 0.2 * rng.beta(4, 4, n), 3)
    n_aes = cfg.n_aes or max(3, rep_names.size // 2)
    ae_names = _staff_names(rng, n_aes, taken=set(rep_names))
    return Deals(
        wp=wp, won=won, amount=amount, margin=margin, cyc=cyc, closed_at=closed_at,
        ae_names=ae_names, ae=rng.integers(n_aes, size=n),
    )


def opportunities_table(
    tl: Timeline, xp: Export, deals: Deals, *, is_opp: np.ndarray, opp_at: np.ndarray,
    closed_c: np.ndarray, has_acc: np.ndarray, accc: np.ndarray,
) -> pd.DataFrame:
    """The raw ``opportunities`` table, in order of creation (``closed_c``: cut close times)."""
    t_export, won = tl.t_export, deals.won
    # deals of leads older than the history are exported (without their lead) when
    # still open at its start or closed inside it
    in_window = tl.exported | (deals.closed_at >= tl.t_start)
    oi = np.flatnonzero(is_opp & (opp_at != NAT) & (opp_at < t_export) & in_window)
    oi = oi[np.argsort(opp_at[oi], kind="stable")]
    o_closed = closed_c[oi]
    o_open = o_closed == NAT
    age = (t_export - opp_at[oi]) / (deals.cyc[oi] * DAY)
    o_stage = np.where(o_open, np.clip((age * 4).astype(int), 0, 3), np.where(won[oi], 4, 5))
    return pd.DataFrame(
        {
            "opportunity_id": _ids("OPP-", np.arange(1, oi.size + 1), 6),
            "lead_id": xp.lead_id_of(oi),
            "account_id": _cat(np.where(has_acc[oi], accc[oi], -1), xp.acc_ids),
            "created_at": xp.clock(opp_at[oi]),
            "closed_at": xp.clock(o_closed),
            "stage": _cat(o_stage, OPEN_DEAL_STAGES + ("Closed Won", "Closed Lost")),
            "outcome": _cat(np.where(o_open, 2, np.where(won[oi], 0, 1)), ["Won", "Lost", "Open"]),
            "amount": deals.amount[oi],
            "gross_margin": deals.margin[oi],
            "owner": _cat(deals.ae[oi], deals.ae_names),
        }
    )
