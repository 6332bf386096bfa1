"""The follow-up scenario's draws: accounts, leads, how reps work them, deals, and the raw tables.

One seeded generator, one row per lead (times are whole local seconds since the epoch, ``NAT``
when a stage is not reached). The phases, in order (the order of the draws is part of the seed):
inquiries and accounts, the MQL, the rep and how they answer and follow up, the SQL (dated at the
rep's last touch: there is no SAL), the deal and its outcome, the cut at the export, the tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core import paths
from helpers.synth.followup import BUCKETS, FollowUpConfig
from helpers.synth.people import _title_table
from helpers.synth.vocabulary import (
    _COMPANY_A,
    _COMPANY_B,
    _FIRST,
    _LAST,
    COUNTRIES,
    DAY,
    FUNCTIONS,
    HOUR,
    INDUSTRY_MIX,
    NAT,
    SENIORITIES,
)

_SALES_TYPES = np.array(["call", "email", "meeting", "linkedin"], dtype=object)
_MARKETING_TYPES = np.array(
    ["web_visit", "content_download", "webinar", "email_click"], dtype=object
)
_STATUS = np.array(["New", "MQL", "SQL", "Opportunity", "Customer", "Disqualified"], dtype=object)


def _ts(date: str) -> int:
    return int(np.datetime64(date, "s").astype(np.int64))


def touch_pmf(cfg: FollowUpConfig, under: float) -> np.ndarray:
    """P(k touches | touched), k = 0..max_touches: ``under`` gives up after 1-2 touches, the
    rest get ``1 + Poisson(touches_mean)`` (the tail pooled at ``max_touches``)."""
    K, mu = cfg.max_touches, cfg.touches_mean
    j = np.arange(K - 1)
    pois = np.exp(-mu + j * math.log(mu) - np.array([math.lgamma(x + 1) for x in j]))
    p = np.zeros(K + 1)
    p[1:K] = (1 - under) * pois
    p[K] = (1 - under) * max(0.0, 1 - pois.sum())
    p[1:3] += under / 2
    return p


def touch_gain(cfg: FollowUpConfig) -> np.ndarray:
    """g(k) = min(k, plateau) / plateau for k = 0..max_touches: each touch adds the same until
    the plateau, none after."""
    k = np.arange(cfg.max_touches + 1)
    return np.minimum(k, cfg.touches_plateau) / cfg.touches_plateau


@dataclass
class Story:
    """Every lead's story (one row per lead) and the accounts, before the cut at the export."""

    created: np.ndarray
    acc: np.ndarray
    icp: np.ndarray
    mql: np.ndarray
    mql_at: np.ndarray
    rep: np.ndarray
    problem: np.ndarray
    bucket: np.ndarray
    k: np.ndarray
    p_sql: np.ndarray
    sql: np.ndarray
    opp: np.ndarray
    won: np.ndarray
    touch_lead: np.ndarray
    touch_time: np.ndarray
    sql_at: np.ndarray
    opp_at: np.ndarray
    closed_at: np.ndarray
    amount: np.ndarray
    accounts: dict
    rep_names: np.ndarray
    problem_reps: np.ndarray
    src: np.ndarray
    t_export: int


def _created(cfg: FollowUpConfig, rng: np.random.Generator) -> np.ndarray:
    """Inquiry times: monthly volumes growing by ``lead_growth_monthly``, uniform in the month."""
    months = np.arange(
        np.datetime64(cfg.start, "M"), np.datetime64(cfg.start, "M") + cfg.months + 1
    )
    edges = months.astype("datetime64[s]").astype(np.int64)
    w = (1 + cfg.lead_growth_monthly) ** np.arange(cfg.months)
    m = rng.choice(cfg.months, size=cfg.n_leads, p=w / w.sum())
    t = edges[m] + (rng.random(cfg.n_leads) * (edges[m + 1] - edges[m])).astype(np.int64)
    return np.sort(t)


def _accounts(cfg: FollowUpConfig, rng: np.random.Generator, n_acc: int) -> dict:
    """Accounts: a SIC code (``icp_account_share`` of them in the ICP major groups), employees,
    revenue, country and a name."""
    sic = pd.read_csv(paths.SIC_CODES, dtype=str)
    groups = np.array(list(INDUSTRY_MIX))
    is_icp = np.isin(groups, cfg.icp_sic_major_groups)
    w = np.array([INDUSTRY_MIX[g][1] for g in groups])
    w = np.where(
        is_icp,
        cfg.icp_account_share / is_icp.sum(),
        w / w[~is_icp].sum() * (1 - cfg.icp_account_share),
    )
    gi = rng.choice(len(groups), size=n_acc, p=w)
    u = rng.random(n_acc)
    codes = np.empty(n_acc, dtype=object)
    for g in np.unique(gi):
        pool = sic.loc[sic["industry_group"] == groups[g], "sic_code"].to_numpy(dtype=object)
        codes[gi == g] = pool[(u[gi == g] * len(pool)).astype(int)]
    employees = np.clip(np.round(np.exp(rng.normal(math.log(180), 1.3, n_acc))), 3, 80_000).astype(
        np.int64
    )
    cw = np.array([c[2] for c in COUNTRIES])
    a = np.array(_COMPANY_A, dtype=object)[rng.integers(len(_COMPANY_A), size=n_acc)]
    b = np.array(_COMPANY_B, dtype=object)[rng.integers(len(_COMPANY_B), size=n_acc)]
    return {
        "account_id": np.array([f"C{i:05d}" for i in range(1, n_acc + 1)], dtype=object),
        "account_name": a + " " + b + " GmbH",
        "industry": np.array([INDUSTRY_MIX[groups[g]][0] for g in gi], dtype=object),
        "sic_code": codes,
        "employees": employees,
        "annual_revenue": np.round(
            employees * np.exp(rng.normal(math.log(150_000), 0.4, n_acc)), -4
        ),
        "country": np.array([c[0] for c in COUNTRIES], dtype=object)[
            rng.choice(len(COUNTRIES), n_acc, p=cw / cw.sum())
        ],
        "icp": is_icp[gi],
    }


def _work(
    cfg: FollowUpConfig, rng: np.random.Generator, n: int, problem: np.ndarray, mql: np.ndarray
):
    """First-response bucket, its delay (seconds) and the touches of each MQL."""
    normal = np.cumsum([cfg.response[b] for b in BUCKETS])
    bad = np.cumsum([cfg.problem_response[b] for b in BUCKETS])
    cum = np.where(problem[:, None], bad[None, :], normal[None, :])
    bucket = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), 3)
    bucket = np.where(mql, bucket, 3)
    delay = np.select(
        [bucket == 0, bucket == 1, bucket == 2],
        [
            rng.uniform(120, HOUR, n),
            rng.uniform(HOUR, 24 * HOUR, n),
            24 * HOUR * np.exp(rng.uniform(0.05, math.log(10), n)),
        ],
        0,
    ).astype(np.int64)
    pmf = np.stack(
        [touch_pmf(cfg, cfg.under_worked_share), touch_pmf(cfg, cfg.problem_under_worked_share)]
    )
    kcum = np.cumsum(pmf, axis=1)[problem.astype(int)]
    k = np.clip((rng.random(n)[:, None] > kcum).sum(axis=1), 1, cfg.max_touches)
    return bucket, delay, np.where(bucket < 3, k, 0)


def _touch_times(rng, k, first_at):
    """Lead and time of each sales touch: the first at ``first_at``, then every 1-5 days."""
    lead = np.repeat(np.arange(k.size), k)
    pos = np.arange(lead.size) - np.repeat(np.cumsum(k) - k, k)
    gaps = np.where(pos == 0, 0, rng.uniform(DAY, 5 * DAY, lead.size)).astype(np.int64)
    start = np.repeat(np.cumsum(k) - k, k)
    csum = np.cumsum(gaps)
    offset = csum - np.r_[0, csum][start]
    return lead, first_at[lead] + offset


def draw_story(cfg: FollowUpConfig, rng: np.random.Generator) -> Story:
    """Draw every lead's story (see the module docstring for the phases, in order).

    Length: the phases of one lead's story in the order of the draws, which is part of the
    seed; splitting it would scatter one story over several functions.
    """
    n = cfg.n_leads
    created = _created(cfg, rng)
    A = _accounts(cfg, rng, max(50, n // 8))
    acc = rng.integers(len(A["account_id"]), size=n)
    icp = A["icp"][acc]
    src = rng.choice(
        len(cfg.channels),
        size=n,
        p=np.array(list(cfg.channels.values())) / sum(cfg.channels.values()),
    )
    mql = rng.random(n) < np.where(icp, cfg.mql_rate_icp, cfg.mql_rate_other)
    mql_at = np.where(
        mql, created + np.minimum(rng.exponential(2 * DAY, n), 10 * DAY).astype(np.int64) + 60, NAT
    )
    order = rng.permutation(cfg.n_reps)
    names = np.array(
        [
            f"{_FIRST[i % len(_FIRST)]} {_LAST[(7 * i + 3) % len(_LAST)]}"
            for i in rng.permutation(60)[: cfg.n_reps]
        ],
        dtype=object,
    )
    problem_reps = np.sort(order[: cfg.problem_reps])
    rep = rng.integers(cfg.n_reps, size=n)
    before = created < _ts(cfg.alignment_start)
    problem = np.isin(rep, problem_reps) & before & mql
    bucket, delay, k = _work(cfg, rng, n, problem, mql)
    m_eff = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    p_sql = np.where(icp, cfg.sql_rate_icp, cfg.sql_rate_other) * touch_gain(cfg)[k] * m_eff[bucket]
    sql = mql & (rng.random(n) < p_sql)
    touch_lead, touch_time = _touch_times(rng, k, np.where(mql, mql_at + delay, 0))
    last = np.full(n, NAT)
    np.maximum.at(last, touch_lead, touch_time)
    sql_at = np.where(sql, last + rng.integers(HOUR, 2 * DAY, n), NAT)
    opp = sql & (rng.random(n) < cfg.sql_to_opportunity)
    opp_at = np.where(opp, sql_at + rng.integers(DAY, 10 * DAY, n), NAT)
    won = opp & (rng.random(n) < np.where(icp, cfg.win_rate_icp, cfg.win_rate_other))
    closed_at = np.where(opp, opp_at + rng.integers(20 * DAY, 120 * DAY, n), NAT)
    amount = np.round(np.exp(rng.normal(math.log(cfg.deal_median), cfg.deal_sigma, n)), -2)
    t_export = int(np.datetime64(np.datetime64(cfg.start, "M") + cfg.months, "s").astype(np.int64))
    return Story(
        created,
        acc,
        icp,
        mql,
        mql_at,
        rep,
        problem,
        bucket,
        k,
        p_sql,
        sql,
        opp,
        won,
        touch_lead,
        touch_time,
        sql_at,
        opp_at,
        closed_at,
        amount,
        A,
        names,
        problem_reps,
        src,
        t_export,
    )


# --------------------------------------------------------------------------- tables


def _cut(t: np.ndarray, t_export: int) -> np.ndarray:
    return np.where((t != NAT) & (t < t_export), t, NAT)


def _dt(t: np.ndarray) -> np.ndarray:
    return np.where(t == NAT, np.datetime64("NaT"), t.astype("datetime64[s]")).astype(
        "datetime64[s]"
    )


def _disqualified(rng, s: Story, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Close-out time and reason of the leads that stop."""
    n = s.created.size
    worked_lost = s.mql & (s.k > 0) & ~s.sql
    aged = s.mql & (s.k == 0) & (rng.random(n) < 0.5)
    junk = ~s.mql & (rng.random(n) < 0.35)
    sql_lost = s.sql & ~s.opp
    at = np.select(
        [worked_lost, aged, junk, sql_lost],
        [
            last + rng.integers(DAY, 10 * DAY, n),
            s.mql_at + rng.integers(60 * DAY, 120 * DAY, n),
            s.created + rng.integers(DAY, 20 * DAY, n),
            s.sql_at + rng.integers(7 * DAY, 30 * DAY, n),
        ],
        NAT,
    )
    reasons = np.array(
        ["", "No response", "Not interested", "Aged out", "Not a fit", "No project"], dtype=object
    )
    code = np.select([worked_lost, aged, junk, sql_lost], [1 + rng.integers(2, size=n), 3, 4, 5], 0)
    return at, reasons[code]


def leads_table(cfg: FollowUpConfig, rng: np.random.Generator, s: Story) -> pd.DataFrame:
    """The raw leads export: no ``sal_at`` column (the rep qualifies straight to SQL)."""
    n, t_export = s.created.size, s.t_export
    titles, off, cnt = _title_table()
    sen = rng.integers(len(SENIORITIES), size=n)  # no buyer profile: titles are drawn at random
    fun = rng.integers(len(FUNCTIONS), size=n)
    title = titles[off[sen, fun] + (rng.random(n) * cnt[sen, fun]).astype(int)]
    first = np.array(_FIRST, dtype=object)[rng.integers(len(_FIRST), size=n)]
    lastn = np.array(_LAST, dtype=object)[rng.integers(len(_LAST), size=n)]
    ids = np.array([f"F{i:07d}" for i in range(1, n + 1)], dtype=object)
    email = (
        pd.Series(first).str.lower().str[0]
        + pd.Series(lastn).str.lower()
        + "."
        + pd.Series(ids).str[-6:]
        + "@example.org"
    )
    last_touch = np.full(n, NAT)
    np.maximum.at(last_touch, s.touch_lead, s.touch_time)
    disq_at, reason = _disqualified(rng, s, last_touch)
    mql_at, sql_at = _cut(s.mql_at, t_export), _cut(s.sql_at, t_export)
    opp_at, disq = _cut(s.opp_at, t_export), _cut(disq_at, t_export)
    won = s.won & (_cut(s.closed_at, t_export) != NAT) & (opp_at != NAT)
    status = np.select(
        [won, opp_at != NAT, disq != NAT, sql_at != NAT, mql_at != NAT], [4, 3, 5, 2, 1], 0
    )
    return pd.DataFrame(
        {
            "lead_id": ids,
            "created_at": _dt(s.created),
            "first_name": first,
            "last_name": lastn,
            "email": email.to_numpy(dtype=object),
            "job_title": title,
            "lead_source": np.array(list(cfg.channels), dtype=object)[s.src],
            "status": _STATUS[status],
            "owner": s.rep_names[s.rep],
            "account_id": s.accounts["account_id"][s.acc],
            "mql_at": _dt(mql_at),
            "sql_at": _dt(sql_at),
            "disqualified_at": _dt(disq),
            "disqualify_reason": np.where(disq != NAT, reason, None),
        }
    )


def opportunities_table(s: Story, lead_ids: np.ndarray) -> pd.DataFrame:
    """Deals created before the export; a deal still open at the export has no close date."""
    idx = np.flatnonzero(s.opp & (s.opp_at < s.t_export))
    closed = s.closed_at[idx] < s.t_export
    outcome = np.where(closed, np.where(s.won[idx], "Won", "Lost"), "Open")
    return pd.DataFrame(
        {
            "opportunity_id": np.array(
                [f"D-{i:06d}" for i in range(1, idx.size + 1)], dtype=object
            ),
            "lead_id": lead_ids[idx],
            "account_id": s.accounts["account_id"][s.acc[idx]],
            "created_at": _dt(s.opp_at[idx]),
            "closed_at": _dt(np.where(closed, s.closed_at[idx], NAT)),
            "stage": np.where(
                closed, np.where(s.won[idx], "Closed Won", "Closed Lost"), "Proposal"
            ),
            "outcome": outcome,
            "amount": s.amount[idx],
            "owner": s.rep_names[s.rep[idx]],
        }
    )


def activities_table(rng: np.random.Generator, s: Story, lead_ids: np.ndarray) -> pd.DataFrame:
    """Marketing touches around the inquiry (1 + Poisson(1.5) per lead) and every sales touch."""
    n = s.created.size
    m = 1 + rng.poisson(1.5, n)
    m_lead = np.repeat(np.arange(n), m)
    m_time = s.created[m_lead] + rng.integers(-20 * DAY, 2 * DAY, m_lead.size)
    m_type = _MARKETING_TYPES[rng.integers(len(_MARKETING_TYPES), size=m_lead.size)]
    s_type = _SALES_TYPES[rng.choice(4, size=s.touch_lead.size, p=[0.45, 0.35, 0.08, 0.12])]
    lead = np.r_[m_lead, s.touch_lead]
    time = np.r_[m_time, s.touch_time]
    keep = time < s.t_export
    df = pd.DataFrame(
        {
            "lead_id": lead_ids[lead[keep]],
            "occurred_at": _dt(time[keep]),
            "activity_type": np.r_[m_type, s_type][keep],
            "team": np.r_[
                np.full(m_lead.size, "marketing", dtype=object),
                np.full(s.touch_lead.size, "sales", dtype=object),
            ][keep],
            "owner": np.r_[
                np.full(m_lead.size, None, dtype=object), s.rep_names[s.rep[s.touch_lead]]
            ][keep],
        }
    )
    return df.sort_values(["occurred_at", "lead_id"], kind="stable").reset_index(drop=True)


def spend_table(cfg: FollowUpConfig, rng: np.random.Generator, s: Story) -> pd.DataFrame:
    """Monthly program cost per channel: its inquiries times a cost per lead, with noise."""
    month = s.created.astype("datetime64[s]").astype("datetime64[M]")
    cost = np.array([60.0, 80.0, 45.0, 90.0, 200.0, 120.0, 20.0])[: len(cfg.channels)]
    d = (
        pd.DataFrame({"month": month, "channel": s.src})
        .value_counts()
        .rename("leads")
        .reset_index()
    )
    d["amount"] = np.round(d["leads"] * cost[d["channel"]] * np.exp(rng.normal(0, 0.08, len(d))), 0)
    d["channel"] = np.array(list(cfg.channels), dtype=object)[d["channel"]]
    d["month"] = d["month"].to_numpy().astype("datetime64[D]")
    return d.sort_values(["month", "channel"])[["month", "channel", "amount"]].reset_index(
        drop=True
    )


def plan_table(s: Story) -> pd.DataFrame:
    """Revenue targets: the last 12 months (15% above what was won) and the 12 months after the
    export (10% above the last year's monthly average, growing 3% a month)."""
    won = s.won & (s.closed_at < s.t_export)
    month = s.closed_at[won].astype("datetime64[s]").astype("datetime64[M]")
    by_month = pd.Series(s.amount[won]).groupby(month).sum()
    last = np.datetime64(s.t_export - 1, "s").astype("datetime64[M]")
    hist = np.arange(last - 11, last + 1)
    won_hist = by_month.reindex(hist, fill_value=0.0).to_numpy()
    fut = np.arange(last + 1, last + 13)
    level = won_hist.mean()
    return pd.DataFrame(
        {
            "period": np.r_[hist, fut].astype("datetime64[D]"),
            "revenue_target": np.r_[
                np.round(won_hist * 1.15 + 1, -3),
                np.round(level * 1.1 * 1.03 ** np.arange(1, 13), -3),
            ],
        }
    )


def accounts_table(s: Story) -> pd.DataFrame:
    """The raw accounts export."""
    A = s.accounts
    return pd.DataFrame(
        {
            k: A[k]
            for k in (
                "account_id",
                "account_name",
                "industry",
                "sic_code",
                "employees",
                "annual_revenue",
                "country",
            )
        }
    )
