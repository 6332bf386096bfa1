"""The planted truths written to ``truths.yml``: what each module's analysis must recover.

:func:`_truths` assembles four sections from the generator's draws and the exact model
(:mod:`helpers.synth.expected`): ``icp`` (segments, effects, win rates), ``funnel`` (rates,
the leak and its cause, the touches plateau, response-time effects), ``alignment`` (what the
program changed) and ``scoring`` (drivers, the leaky column, the oracle's AUC).

Figures are rounded with :func:`helpers.core.report.plain` where they are always finite.
Rates over a group that can be empty in a tiny organization (a segment, the mature leads) use
:func:`_round_keep_nan`: NaN stays NaN, written ``.nan`` in ``truths.yml`` as before, where
``plain`` would write ``null``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.report import plain
from helpers.synth.config import SalesRegime
from helpers.synth.expected import (
    TruthInputs,
    _driver_importance,
    _expected,
    _leak_ranking,
    _mean_amount,
    _rates,
)
from helpers.synth.model import _touch_curve
from helpers.synth.vocabulary import BUCKETS, DAY, FUNCTIONS, INDUSTRY_MIX, NAT, SENIORITIES


def _round_keep_nan(x: float, nd: int) -> float:
    """``x`` rounded to ``nd`` decimals as a float; NaN stays NaN (unlike ``plain``)."""
    return float(round(float(x), nd))


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for labels ``y`` (NaN with one class only)."""
    y = y.astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _rule_text(reg: SalesRegime) -> str:
    """The MQL rule of a regime, in words."""
    s = (
        f"inbound call, or at least {reg.mql_min_touches} marketing touches and fit points + "
        f"touches >= {reg.mql_min_score}"
    )
    if reg.mql_min_fit:
        s += f" with fit points >= {reg.mql_min_fit}"
    return s


# --------------------------------------------------------------------------- computed steps


@dataclass
class _Funnel:
    """The expected funnel of the exported leads.

    ``e_own`` holds each lead's expected stages under its own period; the rates apply the
    ``before`` regime, the ``after`` regime, and each lead's own period to every lead.
    """

    e_own: dict
    rates_before: dict
    rates_after: dict
    rates_own: dict
    by_revenue: list  # leak ranking, largest lost revenue first
    by_leads: list  # transitions after the MQL, most lost leads first
    revenue_ratio: float


def _expected_funnel(c: TruthInputs) -> _Funnel:
    """Expected rates: each regime applied to every exported lead, and each lead's own period."""
    ex = c.ex
    e_b = _expected(c, ex, 0)
    e_a = _expected(c, ex, 1)
    e_own = _expected(c, ex, c.period[ex], mql=c.mql[ex])
    rates_own = _rates(e_own)
    avg_deal = float(e_own["revenue"].sum() / e_own["won"].sum())
    ranking = _leak_ranking(rates_own, ex.size, avg_deal)
    post_mql = [r for r in ranking if r["transition"] != "inquiry->mql"]
    return _Funnel(
        e_own=e_own,
        rates_before=_rates(e_b),
        rates_after=_rates(e_a),
        rates_own=rates_own,
        by_revenue=sorted(ranking, key=lambda r: -r["lost_revenue"]),
        by_leads=sorted(post_mql, key=lambda r: -r["lost_leads"]),
        revenue_ratio=float(e_a["revenue"].sum() / e_b["revenue"].sum()),
    )


def _process_shares(c: TruthInputs, p_: int) -> dict:
    """Process shares in period ``p_``, averaged over reps with the leads' own assignment."""
    ex, cfg = c.ex, c.cfg
    t = c.tables_reg[p_]
    sel = c.mql[ex] & (c.period[ex] == p_)
    reps_ = c.rep[ex][sel] if sel.any() else c.rep[ex]
    resp = t["resp"][reps_].mean(axis=0)
    pmf = t["pmf"][reps_].mean(axis=0)
    under = float(pmf[1 : cfg.touches_plateau].sum())
    lowfit = c.low_fit[ex][sel] if sel.any() else c.low_fit[ex]
    reg = c.regimes[p_]
    rej = float(np.mean(np.where(lowfit, reg.reject_low_fit, reg.reject_other)))
    return {
        "first_response_share": {b: plain(v, 3) for b, v in zip(BUCKETS, resp)},
        "under_worked_share": plain(under, 3),
        "touches_mean": plain(float((np.arange(pmf.size) * pmf).sum()), 2),
        "rejected_share": plain(rej, 3),
    }


def _sql_rates(c: TruthInputs) -> tuple[dict, dict]:
    """Expected SQL rate by number of sales touches and by response bucket (own period)."""
    cfg, ex = c.cfg, c.ex
    mi = ex[c.mql[ex]]
    pm = c.period[ex][c.mql[ex]]
    acc_w = 1 - c.rej_p[mi]
    resp = np.stack([c.tables_reg[p_]["resp"] for p_ in (0, 1)])[pm, c.rep[mi]]  # m x 4
    pmf = np.stack([c.tables_reg[p_]["pmf"] for p_ in (0, 1)])[pm, c.rep[mi]]  # m x K+1
    G = np.stack([c.tables_reg[p_]["G"] for p_ in (0, 1)])[pm, c.rep[mi]]
    m_eff = np.array([cfg.response_effect[b] for b in BUCKETS[:3]])
    mbar = (resp[:, :3] * m_eff).sum(axis=1) / resp[:, :3].sum(axis=1)
    p_touch = acc_w * resp[:, :3].sum(axis=1)
    g = _touch_curve(cfg)
    conv_k = {}
    for kk in range(1, cfg.max_touches + 1):
        w = p_touch * pmf[:, kk]
        conv_k[kk] = plain((w * c.q[mi] * mbar).sum() / w.sum() * g[kk], 3) if w.sum() > 0 else None
    conv_r = {}
    for bi, b in enumerate(BUCKETS[:3]):
        w = acc_w * resp[:, bi]
        conv_r[b] = _round_keep_nan((w * c.q[mi] * G).sum() / w.sum() * m_eff[bi], 3)
    conv_r["never"] = 0.0
    return conv_k, conv_r


def _mature(c: TruthInputs) -> np.ndarray:
    """Exported leads whose scoring horizon ended before the export."""
    cfg = c.cfg
    return c.created[c.ex] + (cfg.score_after_days + cfg.horizon_days) * DAY <= c.t_export


def _lost_mql_causes(c: TruthInputs, mature: np.ndarray) -> dict:
    """Why mature MQLs without a deal were lost, as the generator knows it."""
    cfg, ex = c.cfg, c.ex
    lost = ex[c.mql[ex] & ~c.is_opp[ex] & mature]
    lf = c.low_fit[lost]
    uw = ~lf & (~c.touched[lost] | (c.k[lost] < cfg.touches_plateau) | (c.bucket[lost] == 2))
    return {
        "low-fit": _round_keep_nan(lf.mean(), 3),
        "under-worked": _round_keep_nan(uw.mean(), 3),
        "worked-and-lost": _round_keep_nan(1 - lf.mean() - uw.mean(), 3),
    }


def _won_lag_days(c: TruthInputs) -> float:
    """Median days from inquiry to a won deal closed before the export (NaN without any)."""
    ex = c.ex
    won_ex = ex[c.won[ex] & c.is_opp[ex] & (c.closed_at[ex] < c.t_export)]
    if not won_ex.size:
        return float("nan")
    return np.median((c.closed_at[won_ex] - c.created[won_ex]) / DAY)


# --------------------------------------------------------------------------- sections


def _icp_settings(c: TruthInputs) -> dict:
    """The ICP as planted: segments and the effects on conversion, winning and deal size."""
    cfg = c.cfg
    groups = list(cfg.icp_sic_major_groups)
    return {
        "sic_major_groups": groups,
        "industries": sorted({INDUSTRY_MIX[g_][0] for g_ in groups}),
        "employee_range": list(cfg.icp_employee_range),
        "winning_seniorities": list(cfg.winning_seniorities),
        "winning_functions": list(cfg.winning_functions),
        "conversion_effects": {
            "what": "log-odds effects on q, the probability that a worked MQL becomes an SQL",
            "industry": cfg.conv_industry,
            "employees": cfg.conv_size,
            "seniority": dict(cfg.conv_seniority),
            "function": dict(cfg.conv_function),
            "source": {ch.name: ch.intent for ch in cfg.channels},
            "marketing_touches_log1p": cfg.conv_engagement,
        },
        "win_rate_effects": {
            "what": "log-odds effects on the win probability of an opportunity",
            "base": cfg.win_base,
            "industry": cfg.win_industry,
            "employees": cfg.win_size,
            "winning_seniority": cfg.win_seniority,
            "winning_function": cfg.win_function,
        },
        "deal_size_multiplier": {
            "industry": plain(math.exp(cfg.deal_industry), 2),
            "employees": plain(math.exp(cfg.deal_size), 2),
        },
        "account_share": {
            "industry": plain(c.A["ind"].mean(), 3),
            "employees": plain(c.A["size"].mean(), 3),
            "both": plain((c.A["ind"] & c.A["size"]).mean(), 3),
        },
    }


def _icp_rates(c: TruthInputs, e_own: dict) -> dict:
    """Expected win rates, lead-to-opportunity rates and deal sizes by segment (own period)."""
    cfg, ex = c.cfg, c.ex
    w_opp = e_own["opportunity"]
    ind, size = c.L["ind"][ex], c.L["size"][ex]
    icp = (ind == 1) & (size == 1)
    wpx = c.wp[ex]
    mean_amount = _mean_amount(cfg, {k_: v[ex] for k_, v in c.L.items()})

    def wr(mask):  # expected win rate among the segment's deals
        ok = w_opp[mask].sum() > 0
        return plain((w_opp[mask] * wpx[mask]).sum() / w_opp[mask].sum(), 3) if ok else None

    def deal(mask):  # expected average won deal
        ww = w_opp[mask] * wpx[mask]
        return plain((ww * mean_amount[mask]).sum() / ww.sum(), 0) if ww.sum() > 0 else None

    def conv(mask):  # expected lead-to-opportunity rate (NaN for an empty segment)
        return _round_keep_nan(w_opp[mask].mean(), 4)

    sen_lab = np.array(SENIORITIES)[c.L["sen"][ex]]
    fun_lab = np.array(FUNCTIONS)[c.L["fun"][ex]]
    win_sen = np.isin(sen_lab, cfg.winning_seniorities)
    win_fun = np.isin(fun_lab, cfg.winning_functions)
    return {
        "lead_share_icp": plain(icp.mean(), 3),
        "win_rate": {
            "icp": wr(icp), "non_icp": wr(~icp),
            "icp_industry": wr(ind == 1), "other_industry": wr(ind == 0),
            "icp_employees": wr(size == 1), "other_employees": wr(size == 0),
            "winning_seniorities": wr(win_sen), "other_seniorities": wr(~win_sen),
            "winning_functions": wr(win_fun), "other_functions": wr(~win_fun),
        },
        "lead_to_opportunity": {
            "icp": conv(icp), "non_icp": conv(~icp),
            "icp_industry": conv(ind == 1), "other_industry": conv(ind == 0),
            "icp_employees": conv(size == 1), "other_employees": conv(size == 0),
        },
        "by_seniority": {
            s_: {"lead_to_opportunity": conv(sen_lab == s_), "win_rate": wr(sen_lab == s_)}
            for s_ in SENIORITIES
        },
        "by_function": {
            f_: {"lead_to_opportunity": conv(fun_lab == f_), "win_rate": wr(fun_lab == f_)}
            for f_ in FUNCTIONS
        },
        "avg_won_deal": {"icp": deal(icp), "non_icp": deal(~icp)},
    }


def _icp_truths(c: TruthInputs, f: _Funnel) -> dict:
    """The ``icp`` section."""
    return {
        **_icp_settings(c),
        **_icp_rates(c, f.e_own),
        "fit_points": "2 x ICP industry + 1 x ICP employees + 2 x winning seniority + 1 x "
        "winning function",
        "low_fit": f"fit points below {c.cfg.low_fit_points}",
    }


def _funnel_truths(c: TruthInputs, f: _Funnel, proc: tuple[dict, dict], mature: np.ndarray) -> dict:
    """The ``funnel`` section: stages, the leak and its cause, touches and response effects."""
    cfg = c.cfg
    g = _touch_curve(cfg)
    conv_k, conv_r = _sql_rates(c)
    under_worked = {"before": proc[0]["under_worked_share"], "after": proc[1]["under_worked_share"]}
    return {
        "stages": ["inquiry", "mql", "sal", "sql", "opportunity", "won"],
        "stage_definitions": {
            "mql": "the marketing rule (fit points and marketing touches) is met; inbound calls "
            "always",
            "sal": "first sales touch (the rep starts working the lead)",
            "sql": "qualified by the rep after its last touch",
            "opportunity": "a deal created from the SQL",
            "won": "the deal closed won",
        },
        "leak_stage": cfg.leak_stage,
        "leak_cause": cfg.leak_cause,
        "leak_ranking": [
            {
                "transition": r_["transition"],
                "lost_leads": _round_keep_nan(r_["lost_leads"], 1),
                "lost_revenue": _round_keep_nan(r_["lost_revenue"], 0),
            }
            for r_ in f.by_revenue
        ],
        "biggest_leak_by_revenue": f.by_revenue[0]["transition"],
        "biggest_leak_by_leads_after_mql": f.by_leads[0]["transition"],
        "touches_plateau": cfg.touches_plateau,
        "touches_curve": {int(kk): plain(g[kk], 3) for kk in range(1, cfg.max_touches + 1)},
        "expected_sql_rate_by_touches": conv_k,
        "response_time_effect": {b: cfg.response_effect[b] for b in BUCKETS[:3]},
        "expected_sql_rate_by_response": conv_r,
        "response_note": "the multipliers are causal; raw rates by bucket mix periods (faster "
        "responses after the alignment start coincide with better MQLs): compare within a period",
        "low_fit_source": cfg.low_fit_source,
        "conversion_rates": {
            "all": {k_: _round_keep_nan(v, 3) for k_, v in f.rates_own.items()},
            "before": {k_: _round_keep_nan(v, 3) for k_, v in f.rates_before.items()},
            "after": {k_: _round_keep_nan(v, 3) for k_, v in f.rates_after.items()},
        },
        "under_worked_share": under_worked,
        "under_worked_definition": f"a touched MQL with fewer than {cfg.touches_plateau} sales "
        "touches",
        "lost_mql_causes": _lost_mql_causes(c, mature),
        "lost_mql_causes_rule": "low-fit if fit points below the low-fit line; else under-worked "
        "if never touched, fewer touches than the plateau or first response after 24h; else "
        "worked-and-lost (mature MQLs without a deal)",
        "lead_to_won": plain(f.e_own["won"].sum() / c.ex.size, 4),
    }


def _alignment_truths(c: TruthInputs, f: _Funnel, proc: tuple[dict, dict]) -> dict:
    """The ``alignment`` section: what the program changed, and the revenue it brought."""
    cfg, regs = c.cfg, c.regimes

    def before_after(key: str) -> dict:
        return {"before": proc[0][key], "after": proc[1][key]}

    return {
        "start": cfg.alignment_start,
        "effective": bool(cfg.alignment_effective),
        "applies_to": "leads created on or after the start date",
        "changes": {
            "mql_rule": {"before": _rule_text(regs[0]), "after": _rule_text(regs[1])},
            "mql_rate": {
                "before": _round_keep_nan(f.rates_before["inquiry->mql"], 3),
                "after": _round_keep_nan(f.rates_after["inquiry->mql"], 3),
            },
            "under_worked_share": before_after("under_worked_share"),
            "first_response_share": before_after("first_response_share"),
            "mean_sales_touches": before_after("touches_mean"),
            "rejected_mql_share": before_after("rejected_share"),
        },
        "revenue_ratio": _round_keep_nan(f.revenue_ratio, 3),
        "revenue_ratio_definition": "expected won revenue per inquiry after / before (both "
        "regimes applied to the same leads), i.e. the level change of monthly won revenue with "
        "the trend removed",
        "trend_change": 0.0,
        "lead_growth_monthly": cfg.lead_growth_monthly,
        "lead_to_close_days_median": _round_keep_nan(_won_lag_days(c), 0),
    }


def _scoring_truths(c: TruthInputs, mature: np.ndarray) -> dict:
    """The ``scoring`` section: label, drivers (``p_true`` sensitivity), leaky column, oracle."""
    cfg, ex = c.cfg, c.ex
    # drivers: mean absolute change of p_true when one feature is scrambled
    imp = _driver_importance(c)
    attrs = {k_: v for k_, v in imp.items() if k_ not in ("owner", "created_at")}
    top = max(attrs.values())
    ranked = sorted(attrs.items(), key=lambda kv: -kv[1])
    drivers = [k_ for k_, v in ranked if v >= 0.55 * top][:4]
    # the oracle on mature leads
    opp_ex = c.opp_at[ex]
    label = (opp_ex != NAT) & (opp_ex <= c.scoring[ex] + cfg.horizon_days * DAY)
    auc = _auc(c.p_true[ex][mature], label[mature])
    return {
        "horizon_days": cfg.horizon_days,
        "score_after_days": cfg.score_after_days,
        "label": "an opportunity created no later than created_at + score_after_days + "
        "horizon_days",
        "known_at_scoring": "account firmographics, job title, source, owner, marketing touches "
        "up to the scoring moment and whether the lead is an MQL; not the sales team's actions",
        "p_true": "lead_truths.csv: exact probability of the label given what is known at scoring",
        "drivers": drivers,
        "driver_importance": {
            k_: plain(v, 4) for k_, v in sorted(imp.items(), key=lambda kv: -kv[1])
        },
        "driver_importance_definition": "mean absolute change of p_true when the feature is "
        "shuffled across leads; drivers = lead attributes within 55% of the strongest (at most "
        "4); owner and created_at (the period) are process effects, not lead attributes",
        "leaky_column": cfg.leaky_column,
        "leaky_note": "filled when the lead reaches SQL (after the outcome), rarely otherwise",
        "mature_leads": int(mature.sum()),
        "base_rate_mature": _round_keep_nan(label[mature].mean(), 4),
        "oracle_auc_mature": _round_keep_nan(auc, 4),
    }


def _truths(c: TruthInputs) -> dict:
    """The planted truths (``truths.yml`` without ``quirks`` and ``config``)."""
    cfg = c.cfg
    f = _expected_funnel(c)
    proc = (_process_shares(c, 0), _process_shares(c, 1 if cfg.alignment_effective else 0))
    mature = _mature(c)
    return {
        "scenario": cfg.scenario,
        "name": cfg.name,
        "seed": cfg.seed,
        "n_leads": int(c.ex.size),
        "history": {
            "start": cfg.start, "export_date": cfg.export_date.isoformat(), "months": cfg.months,
        },
        "icp": _icp_truths(c, f),
        "funnel": _funnel_truths(c, f, proc, mature),
        "alignment": _alignment_truths(c, f, proc),
        "scoring": _scoring_truths(c, mature),
    }
