"""The raw ``leads`` table, its leaky column, and ``lead_truths``.

Only leads created inside the exported history are written (:class:`Export` numbers them);
the leaky column is filled when a lead reaches SQL (after the outcome), rarely otherwise, so
a scoring model that uses it looks too good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.accounts import People
from helpers.synth.arrays import _cat, _ids, _text
from helpers.synth.config import SynthConfig
from helpers.synth.people import (
    _companies,
    _email_domains,
    _emails,
    _job_titles,
    _notes,
    _phones,
    _size_bands,
)
from helpers.synth.stages import Censored, cut_at
from helpers.synth.timeline import Timeline
from helpers.synth.timezones import LocalClock
from helpers.synth.vocabulary import (
    _FIRST,
    _LAST,
    COUNTRIES,
    DAY,
    FUNCTIONS,
    LEAD_STATUS,
    NAT,
    REASONS,
    SENIORITIES,
)


@dataclass
class Export:
    """Which leads are exported, their ids, the account ids, and the local clock.

    ``ex`` holds the internal rows of the exported leads; ``lead_no`` gives each internal
    row its position among them (-1 for a lead before the history).
    """

    ex: np.ndarray
    lead_no: np.ndarray
    lead_ids: pd.Series
    acc_ids: pd.Series
    clock: LocalClock

    def lead_id_of(self, rows: np.ndarray) -> pd.Categorical:
        """Lead ids of internal ``rows`` (missing for leads before the history)."""
        return pd.Categorical.from_codes(self.lead_no[rows], categories=pd.Index(self.lead_ids))


def export_index(cfg: SynthConfig, tl: Timeline, n_acc: int) -> Export:
    """Number the exported leads and accounts; a clock covering the whole history."""
    lo, hi = int(tl.created.min()) - 400 * DAY, tl.t_export + 400 * DAY
    ex = np.flatnonzero(tl.exported)
    n_ex = ex.size
    lead_no = np.full(tl.n, -1, dtype=np.int64)
    lead_no[ex] = np.arange(n_ex)
    width = max(7, len(str(n_ex)))
    return Export(
        ex=ex,
        lead_no=lead_no,
        lead_ids=_ids("L", np.arange(1, n_ex + 1), width),  # str Series, position = lead_no
        acc_ids=_ids("A", np.arange(1, n_acc + 1), 6),
        clock=LocalClock.covering(cfg.timezone, lo, hi),
    )


@dataclass
class Leak:
    """The leaky column before censoring: value (code or amount) and when it was filled."""

    value: np.ndarray
    time: np.ndarray


def draw_leaky_column(
    cfg: SynthConfig, rng: np.random.Generator, *, sql_at: np.ndarray, touched: np.ndarray,
    last_touch_at: np.ndarray, amount: np.ndarray,
) -> Leak:
    """Fill the leaky column: at SQL for (almost) all leads that reach it, rarely otherwise.

    ``yes_no`` columns hold codes (0 "Yes", 1 "No", -1 empty); ``amount`` columns an
    estimate of the deal amount (NaN empty).
    """
    n = sql_at.size
    leak_u = rng.random(n)
    reached = sql_at != NAT
    if cfg.leaky_kind == "yes_no":
        leak_val = np.where(reached, np.where(leak_u < 0.9, 0, 1), -1)
        stray = ~reached & touched & (leak_u < 0.08)
        leak_val = np.where(stray, np.where(leak_u < 0.015, 0, 1), leak_val)
    else:
        est = np.round(amount * np.exp(rng.normal(0, 0.25, n)), -3)
        stray = ~reached & touched & (leak_u < 0.04)
        leak_val = np.where(reached | stray, est, np.nan)
    leak_time = np.where(reached, sql_at, np.where(stray, last_touch_at, NAT))
    return Leak(leak_val, leak_time)


def _leaky_column(cfg: SynthConfig, leak: Leak, t_export: int, ex: np.ndarray):
    """The leaky column as exported: empty where it was filled after the export."""
    leak_known = cut_at(leak.time, t_export) != NAT
    if cfg.leaky_kind == "yes_no":
        return _cat(np.where(leak_known, leak.value, -1)[ex], ["Yes", "No"])
    return np.where(leak_known, leak.value, np.nan)[ex].astype(float)


def leads_table(
    cfg: SynthConfig, rng: np.random.Generator, tl: Timeline, xp: Export, p: People, *,
    cens: Censored, leak: Leak, rep: np.ndarray, rep_names: np.ndarray, reason: np.ndarray,
) -> pd.DataFrame:
    """The raw ``leads`` table of the exported leads (draws the free-text notes)."""
    ex, loc = xp.ex, xp.clock
    first = _text(p.first_i[ex], _FIRST)
    last_n = _text(p.last_i[ex], _LAST)
    domains, dom_code = _email_domains(p)
    email = _emails(p, ex, domains, dom_code)
    phone = _phones(p, ex)
    domain = _text(dom_code[ex], domains)
    notes = _notes(rng, ex.size, first, last_n, domain, phone, email)
    return pd.DataFrame(
        {
            "lead_id": xp.lead_ids,
            "created_at": loc(tl.created[ex]),
            "first_name": first,
            "last_name": last_n,
            "email": email,
            "phone": phone,
            "company": _companies(p, ex),
            "job_title": _job_titles(p, ex),
            "lead_source": _cat(p.src[ex], [c.name for c in cfg.channels]),
            "status": _cat(cens.status[ex], list(LEAD_STATUS.values())),
            "owner": _cat(rep[ex], rep_names),
            "account_id": _cat(np.where(p.has_acc[ex], p.accc[ex], -1), xp.acc_ids),
            "country": _cat(p.lead_country_i[ex], [c[0] for c in COUNTRIES]),
            "company_size_band": _size_bands(p, ex),
            "mql_at": loc(cens.mql_at[ex]),
            "sal_at": loc(cens.sal_at[ex]),
            "sql_at": loc(cens.sql_at[ex]),
            "disqualified_at": loc(cens.disq_at[ex]),
            "disqualify_reason": _cat(np.where(cens.disq_at[ex] != NAT, reason[ex], -1), REASONS),
            cfg.leaky_column: _leaky_column(cfg, leak, tl.t_export, ex),
            "notes": notes,
        }
    )


def lead_truths_table(
    xp: Export, p: People, *, p_true: np.ndarray, eng: np.ndarray, period: np.ndarray
) -> pd.DataFrame:
    """``lead_truths``: each exported lead's exact ``p_true`` and its true segment labels."""
    ex = xp.ex
    return pd.DataFrame(
        {
            "lead_id": xp.lead_ids,
            "p_true": np.round(p_true[ex], 6),
            "seniority": _cat(p.sen[ex], SENIORITIES),
            "function": _cat(p.fun[ex], FUNCTIONS),
            "icp_industry": p.ind[ex].astype(bool),
            "icp_size": p.size[ex].astype(bool),
            "fit_points": p.fit[ex],
            "marketing_touches_at_scoring": eng[ex],
            "period": _cat(period[ex], ["before", "after"]),
            "person_first_lead_id": xp.lead_id_of(p.orig[ex]),
        }
    )
