"""The exact model's expectations: ``p_true``, expected stage counts, and driver importance.

Because the sales process does not depend on a lead's attributes given the period and the
rep, the probability that a lead becomes an opportunity within the horizon, given what is
known at the scoring moment, is computed *exactly* (``lead_truths.csv: p_true``): the oracle
for the lead-scoring classifier. The same algebra gives each lead's expected stages under
either regime, from which the truths and the revenue plan are computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.config import SynthConfig, cfg_channel_index
from helpers.synth.model import _deal_log_median, _fit_points, _mql_rule, _q_logit, _sigmoid
from helpers.synth.vocabulary import TRANSITIONS


@dataclass
class TruthInputs:
    """What the truths are computed from: the generator's draws (one row per lead).

    ``ex`` holds the rows of the exported leads; ``L`` the lead attributes (``ind``, ``size``,
    ``sen``, ``fun``, ``sen_win``, ``fun_win``, ``src``, ``eng``); ``A`` the accounts;
    ``tables_reg`` the per-rep process distributions of each period; ``t_align`` the
    alignment start (UTC seconds) when effective, else None.
    """

    cfg: SynthConfig
    ex: np.ndarray
    period: np.ndarray
    rep: np.ndarray
    tables_reg: list
    regimes: tuple
    L: dict
    fit: np.ndarray
    low_fit: np.ndarray
    inbound: np.ndarray
    eng: np.ndarray
    q: np.ndarray
    wp: np.ndarray
    mql: np.ndarray
    rej_p: np.ndarray
    p_true: np.ndarray
    created: np.ndarray
    scoring: np.ndarray
    opp_at: np.ndarray
    t_export: int
    touched: np.ndarray
    k: np.ndarray
    bucket: np.ndarray
    is_opp: np.ndarray
    won: np.ndarray
    closed_at: np.ndarray
    A: dict
    n_burn_m: int
    t_align: int | None


def exact_p_true(
    cfg: SynthConfig, period: np.ndarray, mql: np.ndarray, rej_p: np.ndarray,
    tables_reg: list, rep: np.ndarray, q: np.ndarray,
) -> np.ndarray:
    """P(opportunity within the horizon | what is known at the scoring moment), per lead."""
    p_true = np.zeros(period.size)
    for p_ in (0, 1):
        sel = period == p_
        p_true[sel] = (
            mql[sel] * (1 - rej_p[sel]) * tables_reg[p_]["A"][rep[sel]] * q[sel]
            * cfg.sql_to_opportunity
        )
    return p_true


def _mean_amount(cfg: SynthConfig, L: dict) -> np.ndarray:
    """Expected deal amount (mean of the lognormal) for leads with attributes ``L``."""
    return np.exp(_deal_log_median(cfg, L) + cfg.deal_sigma**2 / 2)


def _expected(
    c: TruthInputs, idx: np.ndarray, per: np.ndarray | int, mql: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per-lead expected stage probabilities for leads ``idx`` under period(s) ``per``."""
    cfg = c.cfg
    per = np.broadcast_to(np.asarray(per), idx.shape)
    fit, eng, inb = c.fit[idx], c.eng[idx], c.inbound[idx]
    is_mql = np.zeros(idx.size, dtype=bool)
    rej = np.zeros(idx.size)
    A_ = np.zeros(idx.size)
    touched = np.zeros(idx.size)
    for p_ in (0, 1):
        s = per == p_
        reg = c.regimes[p_]
        m_, _ = _mql_rule(reg, fit[s], eng[s], inb[s])
        is_mql[s] = m_
        rej[s] = np.where(c.low_fit[idx][s], reg.reject_low_fit, reg.reject_other)
        A_[s] = c.tables_reg[p_]["A"][c.rep[idx][s]]
        touched[s] = c.tables_reg[p_]["touched"][c.rep[idx][s]]
    if mql is not None:
        is_mql = mql
    p_mql = is_mql.astype(float)
    p_sal = p_mql * (1 - rej) * touched
    p_sql = p_mql * (1 - rej) * A_ * c.q[idx]
    p_opp = p_sql * cfg.sql_to_opportunity
    p_won = p_opp * c.wp[idx]
    mean_amount = _mean_amount(cfg, {k: v[idx] for k, v in c.L.items()})
    return {
        "mql": p_mql, "sal": p_sal, "sql": p_sql, "opportunity": p_opp, "won": p_won,
        "revenue": p_won * mean_amount,
    }


def _rates(e: dict[str, np.ndarray], n_inq: int | None = None) -> dict[str, float]:
    """Expected conversion rate of each transition (NaN when no lead enters it)."""
    stages = ["mql", "sal", "sql", "opportunity", "won"]
    tot = {s: float(e[s].sum()) for s in stages}
    n0 = n_inq if n_inq is not None else len(e["mql"])
    prev = [n0] + [tot[s] for s in stages[:-1]]
    return {
        tr: (tot[s] / p if p > 0 else float("nan")) for tr, s, p in zip(TRANSITIONS, stages, prev)
    }


def _leak_ranking(rates: dict[str, float], n_inq: float, avg_deal: float) -> list[dict]:
    """Leads lost at each transition, and the revenue they would have brought downstream."""
    r = [rates[t] for t in TRANSITIONS]
    entering = [n_inq]
    for x in r[:-1]:
        entering.append(entering[-1] * x)
    down = np.ones(len(r))
    for i in range(len(r) - 2, -1, -1):
        down[i] = down[i + 1] * r[i + 1]
    rows = []
    for i, t in enumerate(TRANSITIONS):
        lost = entering[i] * (1 - r[i])
        rows.append(
            {"transition": t, "lost_leads": lost, "lost_revenue": lost * down[i] * avg_deal}
        )
    return rows



def _p_true_for(
    c: TruthInputs, L: dict, fit: np.ndarray, low_fit: np.ndarray, idx: np.ndarray, rep: np.ndarray,
    period: np.ndarray,
) -> np.ndarray:
    """``p_true`` of leads with attributes ``L``, fit, rep and period (the MQL rule re-run)."""
    cfg = c.cfg
    q = _sigmoid(_q_logit(cfg, L))
    inbound = L["src"] == cfg_channel_index(cfg, "Inbound Call")
    out = np.zeros(idx.size)
    for p_ in (0, 1):
        s = period == p_
        reg = c.regimes[p_]
        m_, _ = _mql_rule(reg, fit[s], L["eng"][s], inbound[s])
        rej = np.where(low_fit[s], reg.reject_low_fit, reg.reject_other)
        out[s] = m_ * (1 - rej) * c.tables_reg[p_]["A"][rep[s]] * q[s] * cfg.sql_to_opportunity
    return out


def _driver_importance(c: TruthInputs) -> dict[str, float]:
    """Mean absolute change of ``p_true`` when one feature is shuffled across leads."""
    cfg = c.cfg
    rng = np.random.default_rng(cfg.seed + 1)
    ex = c.ex
    if ex.size > 200_000:  # a fixed subsample is plenty for averages of |change|
        ex = np.sort(rng.choice(ex, size=200_000, replace=False))
    base_L = {k_: v[ex].copy() for k_, v in c.L.items()}
    rep = c.rep[ex]
    per = c.period[ex]

    def p_of(L, rep_=rep, per_=per):  # p_true with attributes, reps or periods swapped
        fit = _fit_points(cfg, L["ind"], L["size"], L["sen_win"], L["fun_win"])
        return _p_true_for(c, L, fit, fit < cfg.low_fit_points, ex, rep_, per_)

    base = p_of(base_L)
    perm = rng.permutation(ex.size)
    groups = {
        "source": ["src"],
        "industry": ["ind"],
        "employees": ["size"],
        "seniority": ["sen", "sen_win"],
        "function": ["fun", "fun_win"],
        "marketing_touches": ["eng"],
    }
    out = {}
    for name, cols in groups.items():
        L = dict(base_L)
        for col in cols:
            L[col] = base_L[col][perm]
        out[name] = float(np.mean(np.abs(p_of(L) - base)))
    out["owner"] = float(np.mean(np.abs(p_of(base_L, rep_=rep[perm]) - base)))
    out["created_at"] = float(np.mean(np.abs(p_of(base_L, per_=per[perm]) - base)))
    out["country"] = 0.0
    out["company_size_band"] = 0.0
    return out
