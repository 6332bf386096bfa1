"""Phase 3 of generation, and the lead stages as exported.

*Marketing engagement and the MQL* (:func:`draw_engagement`): touches before the inquiry,
the inquiry itself and touches in the first ``score_after_days`` days; a marketing rule on fit
points and engagement (tightened when the alignment program starts) makes the MQL, no later
than the scoring moment. *Censoring* (:func:`censor`): every stage time at or after the export
moment is cut, and each lead's CRM status follows from the stages it reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.arrays import _group_positions
from helpers.synth.config import SalesRegime, SynthConfig
from helpers.synth.model import _mql_rule
from helpers.synth.timeline import Timeline
from helpers.synth.vocabulary import DAY, LEAD_STATUS, MARKETING_TYPES, NAT


@dataclass
class Engagement:
    """Marketing touches up to the scoring moment and the MQL (one row per lead, or touch).

    Attributes
    ----------
    regimes : tuple of SalesRegime
        The regime of each period (before, after the alignment start).
    n_pre, n_win, eng : ndarray
        Touches before the inquiry, in the window after it, and known at scoring (both plus
        the inquiry).
    inbound, mql : ndarray of bool
        Lead from an inbound call; lead is an MQL.
    mql_at : ndarray
        MQL moment (NAT when not an MQL).
    pre_owner, pre_time, pre_type, w_owner, w_time, win_type : ndarray
        Lead, time and type code (into ``MARKETING_TYPES``) of each touch before the inquiry
        and in the window.
    first_type : ndarray
        Type code of each lead's inquiry.
    """

    regimes: tuple[SalesRegime, SalesRegime]
    n_pre: np.ndarray
    n_win: np.ndarray
    eng: np.ndarray
    inbound: np.ndarray
    mql: np.ndarray
    mql_at: np.ndarray
    pre_owner: np.ndarray
    pre_time: np.ndarray
    pre_type: np.ndarray
    w_owner: np.ndarray
    w_time: np.ndarray
    win_type: np.ndarray
    first_type: np.ndarray


def _mql_by_period(
    regimes: tuple, period: np.ndarray, fit: np.ndarray, eng: np.ndarray, inbound: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(is MQL, touches needed to cross the rule) under each lead's own period's regime."""
    mql = np.zeros(period.size, dtype=bool)
    need = np.ones(period.size, dtype=np.int64)
    for p_ in (0, 1):
        m_, nd = _mql_rule(regimes[p_], fit, eng, inbound)
        sel = period == p_
        mql[sel] = m_[sel]
        need[sel] = nd[sel]
    return mql, need


def _window_touches(
    cfg: SynthConfig, rng: np.random.Generator, tl: Timeline, n_win: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lead and time of each touch in the window after the inquiry, sorted within lead."""
    w_owner, _ = _group_positions(n_win)
    w_off = rng.random(w_owner.size)
    o = np.lexsort((w_off, w_owner))
    w_off = w_off[o]
    S = cfg.score_after_days * DAY
    w_time = tl.created[w_owner] + np.maximum(60, (w_off * S).astype(np.int64))
    w_time = np.minimum(w_time, tl.scoring[w_owner] - 60)
    return w_owner, w_time


def _mql_moment(
    rng: np.random.Generator, tl: Timeline, mql: np.ndarray, need: np.ndarray,
    n_pre: np.ndarray, n_win: np.ndarray, w_time: np.ndarray,
) -> np.ndarray:
    """The MQL moment: the touch that crosses the rule (the inquiry itself when enough before)."""
    created, n = tl.created, tl.n
    j = need - n_pre - 1  # 1-based index among window touches; <= 0: at the inquiry
    win_start = np.cumsum(n_win) - n_win
    at_touch = mql & (j >= 1)
    cross = created.copy()
    if w_time.size:
        pos = np.minimum(win_start + np.maximum(j, 1) - 1, w_time.size - 1)
        cross = np.where(at_touch, w_time[pos], created)
    return np.where(mql, np.minimum(cross + rng.integers(60, 30 * 60, size=n), tl.scoring - 1), NAT)


def draw_engagement(
    cfg: SynthConfig, rng: np.random.Generator, tl: Timeline, src: np.ndarray,
    sen: np.ndarray, fit: np.ndarray,
) -> Engagement:
    """Draw marketing touches up to the scoring moment, the MQL and its moment."""
    lam_pre = np.array([c.touches_before for c in cfg.channels])[src]
    lam_win = np.array([c.touches_early for c in cfg.channels])[src] * np.where(sen <= 1, 0.9, 1.0)
    n_pre = rng.poisson(lam_pre)
    n_win = rng.poisson(lam_win)
    eng = n_pre + 1 + n_win  # touches known at the scoring moment (the inquiry counts)
    inbound = src == [c.name for c in cfg.channels].index("Inbound Call")
    regimes = (cfg.before, cfg.after if cfg.alignment_effective else cfg.before)
    mql, need = _mql_by_period(regimes, tl.period, fit, eng, inbound)
    w_owner, w_time = _window_touches(cfg, rng, tl, n_win)
    mql_at = _mql_moment(rng, tl, mql, need, n_pre, n_win, w_time)
    pre_owner, _ = _group_positions(n_pre)
    before = (rng.random(pre_owner.size) * 45 * DAY).astype(np.int64)
    pre_time = tl.created[pre_owner] - before - 300
    pre_type = rng.choice(np.array([0, 1, 3]), size=pre_owner.size, p=[0.8, 0.1, 0.1])
    win_type = rng.choice(np.array([0, 3, 1, 2]), size=w_owner.size, p=[0.45, 0.3, 0.15, 0.1])
    first_type = np.array([MARKETING_TYPES.index(c.first_touch) for c in cfg.channels])[src]
    return Engagement(
        regimes=regimes, n_pre=n_pre, n_win=n_win, eng=eng, inbound=inbound, mql=mql,
        mql_at=mql_at, pre_owner=pre_owner, pre_time=pre_time, pre_type=pre_type,
        w_owner=w_owner, w_time=w_time, win_type=win_type, first_type=first_type,
    )


@dataclass
class Censored:
    """Stage times as exported (NAT at or after the export moment) and each lead's status.

    ``status`` holds codes into the labels of ``LEAD_STATUS``.
    """

    mql_at: np.ndarray
    sal_at: np.ndarray
    sql_at: np.ndarray
    opp_at: np.ndarray
    disq_at: np.ndarray
    closed_at: np.ndarray
    status: np.ndarray


def cut_at(t: np.ndarray, t_export: int) -> np.ndarray:
    """Times before ``t_export``; NAT for the others (not yet happened at the export)."""
    return np.where((t != NAT) & (t < t_export), t, NAT)


def _status(c: Censored, won: np.ndarray) -> np.ndarray:
    """Each lead's CRM status: its furthest stage, disqualified, or won."""
    n = c.mql_at.size
    has_opp = c.opp_at != NAT
    won_c = has_opp & won & (c.closed_at != NAT)
    stage_no = {s_: i for i, s_ in enumerate(LEAD_STATUS)}  # codes into LEAD_STATUS labels
    status = np.full(n, stage_no["inquiry"])
    status = np.where(c.mql_at != NAT, stage_no["mql"], status)
    status = np.where(c.sal_at != NAT, stage_no["sal"], status)
    status = np.where(c.sql_at != NAT, stage_no["sql"], status)
    status = np.where((c.disq_at != NAT) & ~has_opp, stage_no["disqualified"], status)
    status = np.where(has_opp, stage_no["opportunity"], status)
    return np.where(won_c, stage_no["won"], status)


def censor(
    t_export: int, *, mql_at: np.ndarray, sal_at: np.ndarray, sql_at: np.ndarray,
    opp_at: np.ndarray, disq_at: np.ndarray, closed_at: np.ndarray, won: np.ndarray,
) -> Censored:
    """Cut every stage time at the export moment and derive each lead's status."""
    c = Censored(
        mql_at=cut_at(mql_at, t_export),
        sal_at=cut_at(sal_at, t_export),
        sql_at=cut_at(sql_at, t_export),
        opp_at=cut_at(opp_at, t_export),
        disq_at=cut_at(disq_at, t_export),
        closed_at=cut_at(closed_at, t_export),
        status=np.empty(0),
    )
    c.status = _status(c, won)
    return c
