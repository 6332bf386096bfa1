"""Phase 1 of generation: when leads arrive.

Monthly inquiry counts follow growth and a mild season, over the exported history and a
burn-in before it (whose deals appear in the export without their lead). Each inquiry gets a
day in its month and a local time of day, mostly business hours. All times are UTC seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth.config import SynthConfig
from helpers.synth.timezones import local_midnight_utc
from helpers.synth.vocabulary import DAY, HOUR

#: Relative monthly inquiry level, January to December.
_SEASON = np.array([0.3, 0.5, 0.6, 0.3, 0.2, -0.2, -0.8, -0.8, 0.4, 0.6, 0.2, -1.0])


@dataclass
class Timeline:
    """The history's calendar and each lead's creation time (sorted), in UTC seconds.

    Attributes
    ----------
    months : ndarray of datetime64[M]
        Burn-in months, then the exported months.
    n_burn_m : int
        Number of burn-in months (the exported history starts at ``months[n_burn_m]``).
    t_start, t_export : int
        Start of the exported history; the export moment (nothing at or after it is kept).
    t_align : int
        Start of the alignment program; the largest int64 when it changed nothing.
    created, month_of : ndarray
        Creation time and month index of each lead (sorted by time).
    exported : ndarray of bool
        Lead created inside the exported history.
    period : ndarray of int8
        0 before, 1 on or after the alignment start.
    scoring : ndarray
        The scoring moment, ``created + score_after_days``.
    """

    months: np.ndarray
    n_burn_m: int
    t_start: int
    t_export: int
    t_align: int
    created: np.ndarray
    month_of: np.ndarray
    exported: np.ndarray
    period: np.ndarray
    scoring: np.ndarray

    @property
    def n(self) -> int:
        """Number of leads, burn-in included."""
        return self.created.size

    @property
    def alignment_start(self) -> int | None:
        """UTC seconds of an effective alignment start, else None."""
        return None if self.t_align == np.iinfo(np.int64).max else self.t_align


def _months(cfg: SynthConfig) -> tuple[np.ndarray, int]:
    """Burn-in and exported months, and the number of burn-in months."""
    s = np.datetime64(cfg.start[:7], "M")
    m = np.arange(s - cfg.burn_in_months, s + cfg.months, dtype="datetime64[M]")
    return m, cfg.burn_in_months


def _monthly_counts(
    cfg: SynthConfig, rng: np.random.Generator, months: np.ndarray, n_burn_m: int
) -> np.ndarray:
    """Inquiries per month: ``n_leads`` in the exported window, burn-in at the same level."""
    m_idx = np.arange(len(months)) - n_burn_m
    cal = months.astype(int) % 12
    weight = (1 + cfg.lead_growth_monthly) ** m_idx * (1 + cfg.seasonality * _SEASON[cal])
    win = m_idx >= 0
    counts = np.zeros(len(months), dtype=np.int64)
    counts[win] = rng.multinomial(cfg.n_leads, weight[win] / weight[win].sum())
    n_burn = int(round(cfg.n_leads * weight[~win].sum() / weight[win].sum()))
    counts[~win] = rng.multinomial(n_burn, weight[~win] / weight[~win].sum())
    return counts


def _creation_times(
    rng: np.random.Generator, months: np.ndarray, counts: np.ndarray, tz: str
) -> tuple[np.ndarray, np.ndarray]:
    """Creation time (UTC seconds, sorted) and month index of each lead."""
    n = int(counts.sum())
    month_of = np.repeat(np.arange(len(months)), counts)
    m_start = np.array(
        [local_midnight_utc(str(m), tz) for m in months.astype("datetime64[D]")], dtype=np.int64
    )
    last_end = local_midnight_utc(str((months[-1] + 1).astype("datetime64[D]")), tz)
    m_end = np.r_[m_start[1:], last_end]
    day_len = (m_end - m_start) // DAY
    day = (rng.random(n) * day_len[month_of]).astype(np.int64)
    # time of day: mostly business hours (local), some evenings
    hour = np.where(rng.random(n) < 0.85, rng.normal(12.5, 2.6, n), rng.uniform(6, 23.5, n))
    hour = np.clip(hour, 6.0, 23.9)
    created = m_start[month_of] + day * DAY + (hour * HOUR).astype(np.int64)
    created = np.minimum(created, m_end[month_of] - 60)
    order = np.argsort(created, kind="stable")
    return created[order], month_of[order]


def draw_timeline(cfg: SynthConfig, rng: np.random.Generator) -> Timeline:
    """Draw monthly inquiry counts and each lead's creation time."""
    tz = cfg.timezone
    months, n_burn_m = _months(cfg)
    t_start = local_midnight_utc(cfg.start, tz)
    t_export = local_midnight_utc(cfg.export_date, tz)
    t_align = (
        local_midnight_utc(cfg.alignment_start, tz)
        if cfg.alignment_start is not None and cfg.alignment_effective
        else np.iinfo(np.int64).max
    )
    counts = _monthly_counts(cfg, rng, months, n_burn_m)
    created, month_of = _creation_times(rng, months, counts, tz)
    return Timeline(
        months=months,
        n_burn_m=n_burn_m,
        t_start=t_start,
        t_export=t_export,
        t_align=t_align,
        created=created,
        month_of=month_of,
        exported=created >= t_start,
        period=(created >= t_align).astype(np.int8),  # 0 before, 1 after the alignment start
        scoring=created + cfg.score_after_days * DAY,
    )
