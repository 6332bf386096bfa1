"""The probability model behind a lead's story: fit, conversion, win and the sales process.

A worked MQL becomes an SQL with probability ``q(lead) * g(k) * m(bucket)``: ``q`` from fit and
intent (:func:`_q_logit`), ``g`` rising with sales touches up to the plateau
(:func:`_touch_curve`), ``m`` the first-response multiplier. Each rep has their own
first-response and touch-count distributions under each sales regime (:func:`_rep_tables`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from helpers.synth.config import SalesRegime, SynthConfig
from helpers.synth.vocabulary import BUCKETS, FUNCTIONS, SENIORITIES


def _fit_points(cfg: SynthConfig, ind, size, sen_win, fun_win) -> np.ndarray:
    """Fit points: 2 x ICP industry + 1 x ICP employees + 2 x winning seniority + 1 x function."""
    return 2 * ind + 1 * size + 2 * sen_win + 1 * fun_win


def _q_logit(cfg: SynthConfig, L: dict) -> np.ndarray:
    """Log-odds of ``q``, the probability that a worked MQL becomes an SQL (before touches)."""
    sen_eff = np.array([cfg.conv_seniority[s] for s in SENIORITIES])
    fun_eff = np.array([cfg.conv_function[f] for f in FUNCTIONS])
    src_eff = np.array([c.intent for c in cfg.channels])
    return (
        cfg.conv_base
        + cfg.conv_industry * L["ind"]
        + cfg.conv_size * L["size"]
        + sen_eff[L["sen"]]
        + fun_eff[L["fun"]]
        + src_eff[L["src"]]
        + cfg.conv_engagement * np.log1p(L["eng"])
    )


def _sigmoid(x):
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def _win_prob(cfg: SynthConfig, L: dict) -> np.ndarray:
    """Probability that an opportunity of a lead with attributes ``L`` is won."""
    return _sigmoid(
        cfg.win_base + cfg.win_industry * L["ind"] + cfg.win_size * L["size"]
        + cfg.win_seniority * L["sen_win"] + cfg.win_function * L["fun_win"]
    )


def _deal_log_median(cfg: SynthConfig, L: dict) -> np.ndarray:
    """Log of the median deal amount (larger in the ICP industries and employee band)."""
    return math.log(cfg.deal_median) + cfg.deal_industry * L["ind"] + cfg.deal_size * L["size"]


def _mql_rule(reg: SalesRegime, fit, eng, inbound) -> tuple[np.ndarray, np.ndarray]:
    """(is MQL, touches needed to cross the rule) under ``reg``."""
    need = np.maximum(reg.mql_min_touches, reg.mql_min_score - fit)
    need = np.maximum(need, 1)
    mql = (eng >= need) & (fit >= reg.mql_min_fit)
    mql = mql | inbound
    need = np.where(inbound, 1, need)
    return mql, need


def _touch_curve(cfg: SynthConfig) -> np.ndarray:
    """g(k) for k = 0..max_touches."""
    k = np.arange(cfg.max_touches + 1)
    g = (np.minimum(k, cfg.touches_plateau) / cfg.touches_plateau) ** cfg.touches_curvature
    g[0] = 0.0
    return g


def _touches_pmf(cfg: SynthConfig, under: float, mean: float) -> np.ndarray:
    """P(k touches | touched) for k = 0..max_touches (k=0 has probability 0)."""
    K = cfg.max_touches
    ku = max(1, min(3, cfg.touches_plateau - 1))
    p = np.zeros(K + 1)
    p[1 : ku + 1] += under / ku
    j = np.arange(K - 1)  # k = 1 + j, j = 0..K-2; tail mass at k = K
    logpmf = -mean + j * math.log(mean) - np.array([math.lgamma(x + 1) for x in j])
    pm = np.exp(logpmf)
    reg = np.r_[pm, max(0.0, 1 - pm.sum())]
    p[1:] += (1 - under) * reg
    return p


@dataclass
class _Reps:
    """Sales reps: names, how much more than average each under-works, how fast each responds."""

    names: np.ndarray
    under_mult: np.ndarray
    speed: np.ndarray


def _rep_tables(cfg: SynthConfig, reps: _Reps, reg: SalesRegime) -> dict[str, np.ndarray]:
    """Per-rep process distributions under ``reg``."""
    base = np.array([reg.response[b] for b in BUCKETS])
    w = np.stack([reps.speed, np.ones_like(reps.speed), 1 / reps.speed, 1 / reps.speed], axis=1)
    resp = base[None, :] * w
    resp = resp / resp.sum(axis=1, keepdims=True)
    under = np.clip(reg.under_worked_share * reps.under_mult, 0, 0.95)
    g = _touch_curve(cfg)
    pmf = np.stack([_touches_pmf(cfg, u, reg.touches_mean) for u in under])  # reps x (K+1)
    G = pmf @ g  # E[g(k) | touched]
    m = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    A = (resp * m[None, :]).sum(axis=1) * G  # P(SQL | accepted, q=1)
    return {"resp": resp, "under": under, "pmf": pmf, "G": G, "A": A, "touched": 1 - resp[:, 3]}
