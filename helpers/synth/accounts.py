"""Phase 2 of generation: accounts, and the person and channel behind each lead.

Accounts get an industry by SIC code (a share of them in the ICP major groups), employees,
revenue, sites and a country. Each lead comes from a channel (``source``) and is attached to
an account and a person with a seniority and a function; the ``low_fit_source`` channel
brings mostly junior people from non-ICP accounts. A few leads are *recycled*: the same
person entering again 30-365 days after an earlier lead (same account, title, email).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core import paths
from helpers.synth.arrays import _cat, _choice_sorted
from helpers.synth.config import SynthConfig
from helpers.synth.model import _fit_points
from helpers.synth.timeline import Timeline
from helpers.synth.vocabulary import (
    _COMPANY_A,
    _COMPANY_B,
    _COMPANY_SUFFIX,
    _FIRST,
    _LAST,
    COUNTRIES,
    DAY,
    FUNCTIONS,
    INDUSTRY_MIX,
    SENIORITIES,
)


def _accounts(cfg: SynthConfig, rng: np.random.Generator, n_acc: int) -> dict[str, np.ndarray]:
    """Draw ``n_acc`` accounts: one array per attribute, plus the ICP flags ``ind`` and ``size``."""
    sic = pd.read_csv(paths.SIC_CODES, dtype=str)
    groups = np.array(list(INDUSTRY_MIX))
    w = np.array([INDUSTRY_MIX[g][1] for g in groups])
    icp = np.isin(groups, cfg.icp_sic_major_groups)
    w = np.where(icp, 0.0, w / w[~icp].sum() * (1 - cfg.icp_industry_share))
    w[icp] = cfg.icp_industry_share / icp.sum()
    gi = rng.choice(len(groups), size=n_acc, p=w)
    major = groups[gi]
    codes = np.empty(n_acc, dtype=object)
    u = rng.random(n_acc)
    for k, g in enumerate(groups):
        sel = gi == k
        if sel.any():
            pool = sic.loc[sic["industry_group"] == g, "sic_code"].to_numpy(dtype=object)
            codes[sel] = pool[(u[sel] * len(pool)).astype(int)]
    employees = np.round(np.exp(rng.normal(math.log(150), 1.5, n_acc)))
    employees = np.clip(employees, 2, 250_000).astype(np.int64)
    rev = employees * np.exp(rng.normal(math.log(180_000), 0.5, n_acc))
    revenue = np.round(rev, -4)
    locations = 1 + rng.poisson(np.maximum(0.0, (employees / 120.0) ** 0.6 - 0.6))
    cw = np.array([c[2] for c in COUNTRIES])
    ci = rng.choice(len(COUNTRIES), size=n_acc, p=cw / cw.sum())
    a = np.array(_COMPANY_A, dtype=object)[rng.integers(len(_COMPANY_A), size=n_acc)]
    b = np.array(_COMPANY_B, dtype=object)[rng.integers(len(_COMPANY_B), size=n_acc)]
    suf = np.array(_COMPANY_SUFFIX, dtype=object)[rng.integers(len(_COMPANY_SUFFIX), size=n_acc)]
    name = pd.Series(a + " " + b + " " + suf).str.strip().to_numpy(dtype=object)
    lo, hi = cfg.icp_employee_range
    return {
        "name": name,
        "industry": np.array([INDUSTRY_MIX[g][0] for g in major], dtype=object),
        "sic_code": codes,
        "major": major,
        "annual_revenue": revenue,
        "employees": employees,
        "locations": locations,
        "country_i": ci,
        "ind": np.isin(major, cfg.icp_sic_major_groups).astype(np.int8),
        "size": ((employees >= lo) & (employees <= hi)).astype(np.int8),
    }


def accounts_table(A: dict[str, np.ndarray], acc_ids: pd.Series) -> pd.DataFrame:
    """The raw ``accounts`` table (``A`` from the accounts draw, ``acc_ids`` their ids)."""
    return pd.DataFrame(
        {
            "account_id": acc_ids,
            "account_name": A["name"],
            "industry": A["industry"],
            "sic_code": A["sic_code"],
            "annual_revenue": A["annual_revenue"].astype(np.int64),
            "employees": A["employees"],
            "locations": A["locations"],
            "country": _cat(A["country_i"], [c[0] for c in COUNTRIES]),
            "region": np.array([c[1] for c in COUNTRIES], dtype=object)[A["country_i"]],
        }
    )


@dataclass
class People:
    """Who each lead is: channel, account, person and the person's fit (one row per lead).

    Person attributes (``acc`` to ``band_blank``) are those of the lead's first appearance:
    a recycled lead (``rec``) copies them from lead ``orig``. Codes index the vocabularies
    (``sen`` into ``SENIORITIES``, ``first_i`` into the first names, ...); ``acc`` is -1 for
    a lead without an account; the ``*_u`` arrays are uniform draws that pick a title and
    its letter case.
    """

    n_acc: int
    A: dict[str, np.ndarray]
    src: np.ndarray
    low: np.ndarray
    acc: np.ndarray
    sen: np.ndarray
    fun: np.ndarray
    first_i: np.ndarray
    last_i: np.ndarray
    email_fmt: np.ndarray
    phone_n: np.ndarray
    area: np.ndarray
    lead_country_i: np.ndarray
    title_u: np.ndarray
    case_u: np.ndarray
    band_shift: np.ndarray
    band_blank: np.ndarray
    orig: np.ndarray
    rec: np.ndarray
    has_acc: np.ndarray
    accc: np.ndarray
    ind: np.ndarray
    size: np.ndarray
    sen_win: np.ndarray
    fun_win: np.ndarray
    fit: np.ndarray


def _persons(
    cfg: SynthConfig, rng: np.random.Generator, A: dict, low: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Account and person attributes of each lead, as first drawn (before recycling)."""
    w_norm = A["employees"].astype(float) ** 0.35
    w_low = w_norm * np.where(A["ind"] == 1, 0.25, 1.0) * np.where(A["size"] == 1, 0.5, 1.0)
    acc = np.where(
        low,
        _choice_sorted(rng, np.cumsum(w_low), n),
        _choice_sorted(rng, np.cumsum(w_norm), n),
    )
    no_acc = rng.random(n) < cfg.no_account_share
    acc = np.where(no_acc, -1, acc)
    sen_p = np.array([0.06, 0.10, 0.18, 0.28, 0.38])
    sen_low = np.array([0.02, 0.04, 0.08, 0.20, 0.66])
    sen = np.where(low, rng.choice(5, size=n, p=sen_low), rng.choice(5, size=n, p=sen_p))
    fun = rng.choice(7, size=n, p=[0.24, 0.18, 0.18, 0.10, 0.12, 0.07, 0.11])
    first_i = rng.integers(len(_FIRST), size=n)
    last_i = rng.integers(len(_LAST), size=n)
    email_fmt = rng.integers(3, size=n)
    phone_n = rng.integers(0, 10_000, size=n)
    area = rng.integers(10, size=n)  # index of the area code (US/Canada phones)
    lead_country_other = rng.random(n) < 0.05
    country_w = np.array([c[2] for c in COUNTRIES]) / sum(c[2] for c in COUNTRIES)
    lead_country_i = np.where(
        (acc < 0) | lead_country_other,
        rng.choice(len(COUNTRIES), size=n, p=country_w),
        np.where(acc >= 0, A["country_i"][np.maximum(acc, 0)], 0),
    )
    return {
        "acc": acc, "sen": sen, "fun": fun, "first_i": first_i, "last_i": last_i,
        "email_fmt": email_fmt, "phone_n": phone_n, "area": area,
        "lead_country_i": lead_country_i,
        "title_u": rng.random(n),
        "case_u": rng.random(n),
        "band_shift": rng.choice(np.array([-1, 0, 0, 0, 0, 0, 0, 1]), size=n),
        "band_blank": rng.random(n) < 0.12,
    }


def _recycle(
    cfg: SynthConfig, rng: np.random.Generator, created: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each lead, the lead whose person it is (itself unless recycled), and the flag."""
    n = created.size
    orig = np.arange(n)
    rec = rng.random(n) < cfg.recycled_share
    lo = np.searchsorted(created, created - 365 * DAY, side="left")
    hi = np.searchsorted(created, created - 30 * DAY, side="right")
    pick = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
    rec &= hi > lo
    orig = np.where(rec, pick, orig)
    for _ in range(20):  # resolve chains (an original that is itself recycled)
        nxt = orig[orig]
        if np.array_equal(nxt, orig):
            break
        orig = nxt
    return orig, rec


def draw_people(cfg: SynthConfig, rng: np.random.Generator, tl: Timeline) -> People:
    """Draw the accounts, each lead's channel and person, and the recycled leads."""
    n = tl.n
    n_acc = cfg.n_accounts or max(40, int(round(cfg.n_leads / 12.5)))
    A = _accounts(cfg, rng, n_acc)
    shares = np.array([c.share for c in cfg.channels])
    src = rng.choice(len(cfg.channels), size=n, p=shares / shares.sum())
    low = src == [c.name for c in cfg.channels].index(cfg.low_fit_source)
    person = _persons(cfg, rng, A, low, n)
    # recycled leads: the same person entering again 30-365 days after an earlier lead
    orig, rec = _recycle(cfg, rng, tl.created)
    person = {k: v[orig] for k, v in person.items()}
    acc, sen, fun = person["acc"], person["sen"], person["fun"]
    has_acc = acc >= 0
    accc = np.maximum(acc, 0)
    ind = np.where(has_acc, A["ind"][accc], 0).astype(np.int8)
    size = np.where(has_acc, A["size"][accc], 0).astype(np.int8)
    sen_win = np.isin(np.array(SENIORITIES)[sen], cfg.winning_seniorities).astype(np.int8)
    fun_win = np.isin(np.array(FUNCTIONS)[fun], cfg.winning_functions).astype(np.int8)
    return People(
        n_acc=n_acc, A=A, src=src, low=low, **person, orig=orig, rec=rec, has_acc=has_acc,
        accc=accc, ind=ind, size=size, sen_win=sen_win, fun_win=fun_win,
        fit=_fit_points(cfg, ind, size, sen_win, fun_win),
    )
