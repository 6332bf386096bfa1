"""Phase 4 of generation: the sales process, from MQL to SQL and opportunity.

The process is independent of the lead's attributes given the period (before or after the
alignment start) and the rep: sales may reject a low-fit MQL; otherwise the first response
falls in a bucket (<1h, 1-24h, >24h, never) and the rep makes ``k`` touches (an under-worked
share gets 1-3). A worked MQL becomes an SQL with probability ``q(lead) * g(k) * m(bucket)``,
and an SQL an opportunity with a fixed probability. Leads that stop get a disqualification
reason and time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.synth.arrays import _group_cumsum, _group_positions
from helpers.synth.config import SynthConfig, n_sales_reps
from helpers.synth.model import _q_logit, _rep_tables, _Reps, _sigmoid, _touch_curve
from helpers.synth.people import _staff_names
from helpers.synth.stages import Engagement
from helpers.synth.timeline import Timeline
from helpers.synth.vocabulary import BUCKETS, DAY, HOUR, NAT


@dataclass
class Sales:
    """How sales worked each lead (one row per lead, or per sales touch).

    Attributes
    ----------
    reps, rep : _Reps, ndarray
        The sales reps and each lead's rep.
    tables_reg : list of dict
        Per-rep process distributions in each period (see ``_rep_tables``).
    low_fit, rej_p, rejected : ndarray
        Fit below the low-fit line; probability that sales rejects the MQL; rejected.
    accepted, touched, bucket, k : ndarray
        Accepted MQL; touched at least once; first-response bucket (3 = never); touches.
    q, is_sql, is_opp : ndarray
        Probability that a worked MQL becomes an SQL (before touches); reached SQL;
        became an opportunity.
    s_owner, s_time, s_type : ndarray
        Lead, time and type code (into ``SALES_TYPES``) of each sales touch.
    last_touch_at, sal_at, sql_at, opp_at : ndarray
        Stage times (NAT when not reached; not yet cut at the export).
    reason, disq_at : ndarray
        Disqualification reason (code into ``REASONS``, -1 none) and time.
    """

    reps: _Reps
    rep: np.ndarray
    tables_reg: list
    low_fit: np.ndarray
    rej_p: np.ndarray
    rejected: np.ndarray
    accepted: np.ndarray
    bucket: np.ndarray
    touched: np.ndarray
    k: np.ndarray
    q: np.ndarray
    is_sql: np.ndarray
    is_opp: np.ndarray
    s_owner: np.ndarray
    s_time: np.ndarray
    s_type: np.ndarray
    last_touch_at: np.ndarray
    sal_at: np.ndarray
    sql_at: np.ndarray
    opp_at: np.ndarray
    reason: np.ndarray
    disq_at: np.ndarray


def _assign_reps(
    cfg: SynthConfig, rng: np.random.Generator, rec: np.ndarray, orig: np.ndarray
) -> tuple[_Reps, np.ndarray]:
    """Draw the reps (names, how much they under-work, how fast they respond) and assign leads."""
    n_reps = n_sales_reps(cfg)
    rep_names = _staff_names(rng, n_reps)
    um = np.exp(rng.normal(0, cfg.rep_spread, n_reps))
    reps = _Reps(rep_names, um / um.mean(), np.exp(rng.normal(0, cfg.rep_spread, n_reps)))
    rep = rng.integers(n_reps, size=rec.size)
    rep[:] = np.where(rec, rep[orig], rep)  # a recycled person usually goes back to the same rep
    return reps, rep


def _first_response(
    cfg: SynthConfig, rng: np.random.Generator, period: np.ndarray, eng: Engagement,
    low_fit: np.ndarray, rep: np.ndarray, tables_reg: list,
) -> dict[str, np.ndarray]:
    """Rejection, first-response bucket and delay, and the number of touches of each MQL."""
    n, mql, regimes = period.size, eng.mql, eng.regimes
    rej_p = np.where(
        period == 0,
        np.where(low_fit, regimes[0].reject_low_fit, regimes[0].reject_other),
        np.where(low_fit, regimes[1].reject_low_fit, regimes[1].reject_other),
    )
    rejected = mql & (rng.random(n) < rej_p)
    accepted = mql & ~rejected
    # 2 x reps x 4
    resp_cum = np.stack([np.cumsum(tables_reg[p_]["resp"], axis=1) for p_ in (0, 1)])
    cum = resp_cum[period, rep]  # n x 4
    bucket = (rng.random(n)[:, None] > cum).sum(axis=1)
    bucket = np.minimum(bucket, 3)
    bucket = np.where(accepted, bucket, 3)
    touched = accepted & (bucket < 3)
    pmf_cum = np.stack([np.cumsum(tables_reg[p_]["pmf"], axis=1) for p_ in (0, 1)])
    kcum = pmf_cum[period, rep]  # n x (K+1)
    k = (rng.random(n)[:, None] > kcum).sum(axis=1)
    k = np.clip(k, 1, cfg.max_touches)
    k = np.where(touched, k, 0)
    delay = np.select(
        [bucket == 0, bucket == 1, bucket == 2],
        [
            rng.uniform(120, 3600, n), rng.uniform(3600, 24 * 3600, n),
            24 * 3600 * np.exp(rng.uniform(0, math.log(7), n)),
        ],
        0.0,
    ).astype(np.int64)
    return {
        "rej_p": rej_p, "rejected": rejected, "accepted": accepted, "bucket": bucket,
        "touched": touched, "k": k, "delay": delay,
    }


def _qualify(
    cfg: SynthConfig, rng: np.random.Generator, L: dict, touched: np.ndarray, k: np.ndarray,
    bucket: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``q`` of each lead, and whether a worked MQL became an SQL and then an opportunity."""
    n = touched.size
    q = _sigmoid(_q_logit(cfg, L))
    g = _touch_curve(cfg)
    m_eff = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    p_sql = np.where(touched, q * g[k] * m_eff[bucket], 0.0)
    is_sql = touched & (rng.random(n) < p_sql)
    is_opp = is_sql & (rng.random(n) < cfg.sql_to_opportunity)
    return q, is_sql, is_opp


def _sales_touches(
    rng: np.random.Generator, k: np.ndarray, delay: np.ndarray, mql_at: np.ndarray,
    touched: np.ndarray, is_sql: np.ndarray, is_opp: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each sales touch (lead, time, type) and the SAL, SQL and opportunity times."""
    n = k.size
    s_owner, s_pos = _group_positions(k)
    gaps = np.where(
        s_pos == 0, delay[s_owner], rng.uniform(1 * DAY, 4 * DAY, s_owner.size).astype(np.int64)
    )
    s_time = mql_at[s_owner] + _group_cumsum(gaps, k)
    s_type = rng.choice(np.array([0, 1, 3, 2]), size=s_owner.size, p=[0.42, 0.38, 0.12, 0.08])
    last = s_pos == k[s_owner] - 1
    s_type = np.where(last & is_sql[s_owner], 2, s_type)
    first_touch_at = np.full(n, NAT)
    last_touch_at = np.full(n, NAT)
    first_touch_at[s_owner[s_pos == 0]] = s_time[s_pos == 0]
    last_touch_at[s_owner[last]] = s_time[last]
    sql_at = np.where(is_sql, last_touch_at + rng.integers(1800, 2 * DAY, size=n), NAT)
    return {
        "s_owner": s_owner, "s_time": s_time, "s_type": s_type, "last_touch_at": last_touch_at,
        "sal_at": np.where(touched, first_touch_at, NAT),
        "sql_at": sql_at,
        "opp_at": np.where(is_opp, sql_at + rng.integers(3600, 14 * DAY, size=n), NAT),
    }


def _disqualify(
    cfg: SynthConfig, rng: np.random.Generator, created: np.ndarray, low: np.ndarray,
    mql: np.ndarray, mql_at: np.ndarray, s: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Disqualification reason (codes into ``REASONS``) and time of the leads that stop."""
    n = created.size
    touched, is_sql, is_opp, k = s["touched"], s["is_sql"], s["is_opp"], s["k"]
    reason = np.full(n, -1, dtype=np.int64)
    disq_at = np.full(n, NAT)
    worked_lost = touched & ~is_sql
    under_k = k < cfg.touches_plateau
    ru = np.array([0, 0, 1, 2])[rng.integers(4, size=n)]
    rl = 3 + rng.integers(5, size=n)
    lost_at = s["last_touch_at"] + rng.integers(1 * DAY, 10 * DAY, size=n)
    disq_at = np.where(worked_lost, lost_at, disq_at)
    reason = np.where(worked_lost, np.where(under_k, ru, rl), reason)
    sql_lost = is_sql & ~is_opp
    disq_at = np.where(sql_lost, s["sql_at"] + rng.integers(7 * DAY, 30 * DAY, size=n), disq_at)
    reason = np.where(sql_lost, 8 + rng.integers(2, size=n), reason)
    disq_at = np.where(s["rejected"], mql_at + rng.integers(HOUR, 72 * HOUR, size=n), disq_at)
    reason = np.where(s["rejected"], 10, reason)
    aged = s["accepted"] & (s["bucket"] == 3) & (rng.random(n) < 0.5)
    disq_at = np.where(aged, mql_at + rng.integers(60 * DAY, 120 * DAY, size=n), disq_at)
    reason = np.where(aged, 11, reason)
    junk = ~mql & (rng.random(n) < np.where(low, 0.35, 0.15))
    disq_at = np.where(junk, created + rng.integers(1 * DAY, 30 * DAY, size=n), disq_at)
    reason = np.where(junk, np.array([12, 13, 14, 10, 15])[rng.integers(5, size=n)], reason)
    return reason, disq_at


def draw_sales(
    cfg: SynthConfig, rng: np.random.Generator, tl: Timeline, eng: Engagement, *,
    L: dict, fit: np.ndarray, low: np.ndarray, rec: np.ndarray, orig: np.ndarray,
) -> Sales:
    """Draw the reps and how each MQL was worked, up to the opportunity or disqualification.

    ``L`` holds the lead attributes (``ind``, ``size``, ``sen``, ``fun``, ``src``, ``eng``, ...);
    ``low`` marks leads from the low-fit channel; ``rec``/``orig`` the recycled leads.
    """
    reps, rep = _assign_reps(cfg, rng, rec, orig)
    tables_reg = [_rep_tables(cfg, reps, eng.regimes[p_]) for p_ in (0, 1)]
    low_fit = fit < cfg.low_fit_points
    s = _first_response(cfg, rng, tl.period, eng, low_fit, rep, tables_reg)
    q, s["is_sql"], s["is_opp"] = _qualify(cfg, rng, L, s["touched"], s["k"], s["bucket"])
    s.update(_sales_touches(
        rng, s["k"], s.pop("delay"), eng.mql_at, s["touched"], s["is_sql"], s["is_opp"]
    ))
    reason, disq_at = _disqualify(cfg, rng, tl.created, low, eng.mql, eng.mql_at, s)
    return Sales(
        reps=reps, rep=rep, tables_reg=tables_reg, low_fit=low_fit, q=q, reason=reason,
        disq_at=disq_at, **s,
    )
