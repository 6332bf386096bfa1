"""The follow-up scenario's planted truths, computed exactly from its model, and its folder.

What module 2 must recover (``truths.yml: funnel``): the stages the export records (no SAL),
the leak to act on - the stage and cause with the most *recoverable* revenue, computed from the
model's own probabilities with the same references module 2 uses (worked leads of the same fit,
the better-following-up reps, the fit leads' rate) - the owners who under-work, and the share of
lost MQLs from outside the ICP. :func:`generate_followup` and :func:`write_followup_org` are the
scenario's :func:`helpers.synth.generate` and :func:`helpers.synth.write_org`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.core.report import plain
from helpers.synth.followup import BUCKETS, FollowUpConfig
from helpers.synth.followup_story import (
    Story,
    accounts_table,
    activities_table,
    draw_story,
    leads_table,
    opportunities_table,
    plan_table,
    spend_table,
    touch_gain,
    touch_pmf,
)
from helpers.synth.vocabulary import DAY


def _process(cfg: FollowUpConfig, problem: bool) -> dict:
    """Expected g(k) m(b) of an MQL worked by the normal or the problem process: overall, among
    the leads module 2 calls under-worked (no answer, an answer after 24 h, fewer touches than
    the plateau) and among the others, with the share of each."""
    resp = np.array([(cfg.problem_response if problem else cfg.response)[b] for b in BUCKETS])
    pmf = touch_pmf(cfg, cfg.problem_under_worked_share if problem else cfg.under_worked_share)
    m = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    grid = resp[:, None] * pmf[None, :]  # P(bucket, k)
    value = m[:, None] * touch_gain(cfg)[None, :]
    under = np.zeros_like(grid, dtype=bool)
    under[2:, :] = True  # answered after 24 h, or never
    under[:, : cfg.touches_plateau] = True
    return {
        "all": float((grid * value).sum()),
        "p_under": float(grid[under].sum()),
        "s_under": float((grid * value)[under].sum()),
        "p_worked": float(grid[~under].sum()),
        "s_worked": float((grid * value)[~under].sum()),
    }


def _gaps(cfg: FollowUpConfig, s: Story) -> dict:
    """Expected recoverable wins per stage and cause, over the exported MQLs."""
    mq = s.mql & (s.mql_at < s.t_export)
    proc = {False: _process(cfg, False), True: _process(cfg, True)}
    q = {True: cfg.sql_rate_icp, False: cfg.sql_rate_other}
    n = {
        (p, f): int((mq & (s.problem == p) & (s.icp == f)).sum())
        for p in (False, True)
        for f in (False, True)
    }
    worked_gap = 0.0
    for f in (False, True):  # under-worked vs worked leads of the same fit
        pu = sum(n[p, f] * proc[p]["p_under"] for p in proc)
        su = sum(n[p, f] * proc[p]["s_under"] for p in proc)
        pw = sum(n[p, f] * proc[p]["p_worked"] for p in proc)
        sw = sum(n[p, f] * proc[p]["s_worked"] for p in proc)
        worked_gap += q[f] * (sw / pw * pu - su) if pu and pw else 0.0
    owner_gap = sum(
        n[True, f] * q[f] * (proc[False]["all"] - proc[True]["all"]) for f in (False, True)
    )
    fit_gap = (q[True] - q[False]) * sum(n[p, False] * proc[p]["all"] for p in proc)
    sql = sum(n[p, f] * q[f] * proc[p]["all"] for p in proc for f in (False, True))
    opp_fit = {
        f: cfg.sql_to_opportunity * sum(n[p, f] * q[f] * proc[p]["all"] for p in proc)
        for f in (False, True)
    }
    win = {True: cfg.win_rate_icp, False: cfg.win_rate_other}
    won = sum(opp_fit[f] * win[f] for f in opp_fit)
    w_bar = won / sum(opp_fit.values())
    down = cfg.sql_to_opportunity * w_bar
    wins = {
        "mql->sql": {"under-worked": max(worked_gap, owner_gap) * down, "low-fit": fit_gap * down},
        "sql->opportunity": {"under-worked": 0.0, "low-fit": 0.0},
        "opportunity->won": {
            "low-fit": opp_fit[False] * (win[True] - win[False]),
            "worked-and-lost": 0.0,
        },
    }
    return {
        "wins": wins,
        "sql": sql,
        "opp": sum(opp_fit.values()),
        "won": won,
        "w_bar": w_bar,
        "mqls": int(mq.sum()),
        "under_worked_wins": {"worked_leads": worked_gap * down, "owners": owner_gap * down},
    }


def _lost_non_icp_share(s: Story, mature_days: int = 150) -> float:
    """Share of non-ICP leads among the mature MQLs that never became an opportunity (as drawn)."""
    mature = s.mql & (s.created <= s.t_export - mature_days * DAY)
    lost = mature & ~(s.opp & (s.opp_at < s.t_export))
    return float((~s.icp[lost]).mean()) if lost.any() else float("nan")


def followup_truths(cfg: FollowUpConfig, s: Story) -> dict:
    """The planted truths (``truths.yml`` without ``config``)."""
    g = _gaps(cfg, s)
    flat = sorted(
        ((st, c, v) for st, d in g["wins"].items() for c, v in d.items()), key=lambda x: -x[2]
    )
    stage, cause, top = flat[0]
    mq = s.mql & (s.mql_at < s.t_export)
    exported = s.created < s.t_export
    side = {"under-worked": "sales", "low-fit": "marketing", "worked-and-lost": "neither"}[cause]
    return {
        "scenario": cfg.scenario,
        "name": cfg.name,
        "seed": cfg.seed,
        "n_leads": int(exported.sum()),
        "history": {
            "start": cfg.start,
            "export_date": str(np.datetime64(s.t_export, "s").astype("datetime64[D]")),
            "months": cfg.months,
        },
        "mechanics": [
            "no SAL date: the rep qualifies straight to SQL, dated at the last touch",
            f"a low win rate: {cfg.win_rate_icp:.0%} in the ICP, {cfg.win_rate_other:.0%} outside it",
            "job titles drawn at random: no buyer profile wins",
            f"{cfg.problem_reps} of {cfg.n_reps} reps answer late or never and give up early until the "
            f"alignment start ({cfg.alignment_start})",
        ],
        "icp": {
            "sic_major_groups": list(cfg.icp_sic_major_groups),
            "account_share": plain(s.accounts["icp"].mean(), 3),
            "lead_share": plain(s.icp.mean(), 3),
            "mql_share": plain(s.icp[mq].mean(), 3),
            "win_rate": {"icp": cfg.win_rate_icp, "non_icp": cfg.win_rate_other},
            "buyer_profile": [],
        },
        "funnel": {
            "stages": ["inquiry", "mql", "sql", "opportunity", "won"],
            "collapsed": ["sal"],
            "leak_stage": stage,
            "leak_cause": cause,
            "leak_side": side,
            "leak_margin": plain(top / flat[1][2], 2) if flat[1][2] > 0 else None,
            "recoverable_wins_expected": {
                st: {c: plain(v, 1) for c, v in d.items()} for st, d in g["wins"].items()
            },
            "under_worked_wins_by_reference": {
                k: plain(v, 1) for k, v in g["under_worked_wins"].items()
            },
            "conversion_rates": {
                "mql->sql": plain(g["sql"] / g["mqls"], 3),
                "sql->opportunity": cfg.sql_to_opportunity,
                "opportunity->won": plain(g["w_bar"], 3),
            },
            "touches_plateau": cfg.touches_plateau,
            "response_time_effect": dict(cfg.response_effect),
            "lost_mql_non_icp_share": plain(_lost_non_icp_share(s), 3),
            "under_working_owners": {
                "count": cfg.problem_reps,
                "names": sorted(s.rep_names[s.problem_reps].tolist()),
                "ends": cfg.alignment_start,
                "share_of_mqls": plain(np.isin(s.rep[mq], s.problem_reps).mean(), 3),
            },
        },
        "alignment": {
            "start": cfg.alignment_start,
            "applies_to": "leads created on or after the start date",
        },
    }


def generate_followup(cfg: FollowUpConfig):
    """Generate the follow-up scenario: raw tables, truths and per-lead truths (a ``SynthOrg``)."""
    from helpers.synth.generator import SynthOrg

    cfg.validate()
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 20251206]))
    s = draw_story(cfg, rng)
    leads = leads_table(cfg, rng, s)
    ids = leads["lead_id"].to_numpy(dtype=object)
    tables = {
        "accounts": accounts_table(s),
        "leads": leads[s.created < s.t_export].reset_index(drop=True),
        "activities": activities_table(rng, s, ids),
        "opportunities": opportunities_table(s, ids),
        "spend": spend_table(cfg, rng, s),
        "plan": plan_table(s),
    }
    lead_truths = pd.DataFrame(
        {
            "lead_id": ids,
            "icp": s.icp,
            "problem_rep": np.isin(s.rep, s.problem_reps),
            "problem_process": s.problem,
            "p_sql": np.round(s.p_sql, 4),
        }
    )
    return SynthOrg(cfg, tables, followup_truths(cfg, s), lead_truths)


def followup_org_yaml(cfg: FollowUpConfig) -> dict:
    """The ``org.yml`` of the follow-up scenario: default stages (the SAL is never recorded)."""
    return {
        "name": cfg.name,
        "currency": cfg.currency,
        "timezone": cfg.timezone,
        "files": {
            t: {"path": f"{t}.csv"}
            for t in ("accounts", "leads", "activities", "opportunities", "spend", "plan")
        },
        "columns": {
            "accounts": {"name": "account_name"},
            "leads": {
                "source": "lead_source",
                "stage": "status",
                "owner_id": "owner",
                "person_key": "email",
            },
            "activities": {"owner_id": "owner"},
            "opportunities": {"owner_id": "owner"},
        },
        "hash_columns": {"leads": ["person_key"]},
        "values": {
            "leads": {
                "stage": {
                    "New": "inquiry",
                    "MQL": "mql",
                    "SQL": "sql",
                    "Opportunity": "opportunity",
                    "Customer": "won",
                    "Disqualified": "disqualified",
                }
            },
            "opportunities": {"outcome": {"Won": "won", "Lost": "lost", "Open": "open"}},
        },
        "parameters": {
            "alignment_start": cfg.alignment_start,
            "horizon_days": cfg.horizon_days,
            "score_after_days": cfg.score_after_days,
            "sales_reps": cfg.n_reps,
        },
    }


def write_followup_org(cfg: FollowUpConfig, out_dir: str | Path, fmt: str = "csv") -> Path:
    """Generate ``cfg`` and write its folder: raw CSV files, ``org.yml``, ``truths.yml``, ``lead_truths.csv``."""
    from helpers.synth.writer import write_csv

    if fmt != "csv":
        raise ValueError("The follow-up scenario is written as CSV only (fmt='csv').")
    org = generate_followup(cfg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in org.tables.items():
        write_csv(df, out / f"{name}.csv")
    write_csv(org.lead_truths, out / "lead_truths.csv")
    dump = {"sort_keys": False, "allow_unicode": True, "width": 100}
    header = "# Generated by helpers.synth (follow-up scenario): synthetic, no real people or companies.\n"
    (out / "org.yml").write_text(
        header + yaml.safe_dump(followup_org_yaml(cfg), **dump), encoding="utf-8"
    )
    truths = {**org.truths, "config": cfg.to_dict()}
    (out / "truths.yml").write_text(header + yaml.safe_dump(truths, **dump), encoding="utf-8")
    return out
