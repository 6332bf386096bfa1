"""Scenarios: a driver-based projection of today's funnel against the aligned funnel.

Leads x stage conversions x deal size, each stage with its median lag; Monte Carlo
draws combine the rates' Beta posteriors, the deal size's uncertainty, the levers'
uncertainty and the luck of which deals close. :func:`estimate_growth` gives the
top-of-funnel volume growth both scenarios share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.revenue.common import as_timestamp, last_complete_month

if TYPE_CHECKING:
    from helpers.revenue.funnel_model import DealSize
    from helpers.revenue.levers import Lever


def _multipliers(
    transitions: Sequence[str], levers: Sequence[Lever], n_draws: int, use_draws: bool
) -> np.ndarray:
    """Multipliers (draws x conversions) the levers apply to each stage conversion."""
    m = np.ones((n_draws, len(transitions)))
    for lv in levers:
        if lv.transition not in transitions:
            raise ValueError(
                f"The lever '{lv.name}' moves {lv.transition}, which is not a stage conversion "
                f"of this funnel ({', '.join(transitions)})."
            )
        j = list(transitions).index(lv.transition)
        if use_draws:
            d = np.asarray(lv.draws, dtype=float)
            if len(d) != n_draws:
                d = np.resize(d, n_draws)
            m[:, j] *= d
        else:
            m[:, j] *= lv.multiplier
    return m


def _expected_wins(
    inquiries0: float,
    growth: float,
    rates: np.ndarray,
    lags: np.ndarray,
    mult: np.ndarray,
    horizon: int,
    ramp_months: int,
    volume_mult: float = 1.0,
) -> np.ndarray:
    """Expected wins per month (draws x months) of a lagged multiplicative funnel.

    A lead arriving in month ``a`` meets conversion ``j`` in month
    ``a + sum(lags before j)`` and wins in ``a + sum(lags)``. A lever on
    conversion ``j`` applies to leads meeting it from month 0 on, phased in
    linearly over ``ramp_months``; the pipeline already in flight keeps today's
    rates. ``volume_mult`` scales arrivals from month 0 on.
    """
    t = np.arange(horizon)
    total = int(lags.sum())
    after = np.cumsum(lags[::-1])[::-1]  # months from meeting conversion j to the win
    s = t[None, :] - after[:, None]  # (k, H): month lead meets conversion j
    if ramp_months and ramp_months > 0:
        phase = np.clip((s + 1) / ramp_months, 0.0, 1.0)
    else:
        phase = (s >= 0).astype(float)
    eff = 1.0 + (mult[:, :, None] - 1.0) * phase[None, :, :]  # (n, k, H)
    r = np.minimum(rates[:, :, None] * eff, 1.0)  # a conversion cannot pass 100%
    arrival = t - total
    vol = inquiries0 * (1.0 + growth) ** arrival * np.where(arrival >= 0, volume_mult, 1.0)
    return vol[None, :] * np.prod(r, axis=1)


@dataclass
class ScenarioResult:
    """Baseline vs aligned projection."""

    monthly: pd.DataFrame
    totals: pd.DataFrame
    uplift: dict
    draws: dict = field(repr=False, default_factory=dict)


def _simulated_revenue(lam: np.ndarray, d: np.ndarray, deal: DealSize, rng) -> np.ndarray:
    """Monthly revenue draws: Poisson wins at the expected rate, deal values spread around ``d``."""
    wins = rng.poisson(lam)
    rev = wins * d[:, None] + deal.sd * np.sqrt(wins) * rng.standard_normal(wins.shape)
    return np.maximum(rev, 0.0)


def _monthly_frame(
    name: str,
    months: pd.DatetimeIndex,
    rev: np.ndarray,
    exp_rev: np.ndarray,
    lam: np.ndarray,
    gross_margin: float,
) -> pd.DataFrame:
    """One scenario's monthly revenue: mean, quantiles, expected revenue, gross profit, wins."""
    qs = np.quantile(rev, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    return pd.DataFrame(
        {
            "month": months,
            "scenario": name,
            "revenue_mean": rev.mean(axis=0),
            "p05": qs[0],
            "p25": qs[1],
            "p50": qs[2],
            "p75": qs[3],
            "p95": qs[4],
            "expected_revenue": exp_rev.mean(axis=0),
            "gross_profit_mean": rev.mean(axis=0) * gross_margin,
            "wins_mean": lam.mean(axis=0),
        }
    )


def _totals_row(
    name: str, rev: np.ndarray, lam: np.ndarray, horizon: int, gross_margin: float, quantiles
) -> dict:
    """One scenario's revenue and gross profit over the horizon, with their interval."""
    lo_q, hi_q = quantiles
    tot = rev.sum(axis=1)
    y1 = rev[:, : min(12, horizon)].sum(axis=1)
    return {
        "scenario": name,
        "revenue": float(tot.mean()),
        "revenue_low": float(np.quantile(tot, lo_q)),
        "revenue_high": float(np.quantile(tot, hi_q)),
        "gross_profit": float(tot.mean() * gross_margin),
        "gross_profit_low": float(np.quantile(tot, lo_q) * gross_margin),
        "gross_profit_high": float(np.quantile(tot, hi_q) * gross_margin),
        "first_year_revenue": float(y1.mean()),
        "wins": float(lam.sum(axis=1).mean()),
    }


def _uplift(
    exp_rev: dict, gross_margin: float, cost_monthly: float, horizon: int, quantiles
) -> tuple[dict, np.ndarray]:
    """Aligned minus baseline expected revenue (same draws), relative and in gross profit."""
    lo_q, hi_q = quantiles
    diff = exp_rev["aligned"].sum(axis=1) - exp_rev["baseline"].sum(axis=1)
    rel = diff / exp_rev["baseline"].sum(axis=1)
    gp = diff * gross_margin - cost_monthly * horizon
    uplift = {
        "revenue": float(diff.mean()),
        "revenue_low": float(np.quantile(diff, lo_q)),
        "revenue_high": float(np.quantile(diff, hi_q)),
        "revenue_pct": float(rel.mean()),
        "revenue_pct_low": float(np.quantile(rel, lo_q)),
        "revenue_pct_high": float(np.quantile(rel, hi_q)),
        "gross_profit": float(gp.mean()),
        "gross_profit_low": float(np.quantile(gp, lo_q)),
        "gross_profit_high": float(np.quantile(gp, hi_q)),
        "p_positive": float((diff > 0).mean()),
        "horizon_months": int(horizon),
    }
    return uplift, diff


def project_scenarios(
    rates: pd.DataFrame,
    deal: DealSize,
    inquiries0: float,
    levers: Sequence[Lever],
    start_month,
    *,
    horizon: int = 24,
    growth: float = 0.0,
    gross_margin: float = 0.7,
    ramp_months: int = 3,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
    alignment_cost_monthly: float = 0.0,
) -> ScenarioResult:
    """Revenue and gross profit, today's funnel (baseline) vs the aligned funnel.

    Driver-based: inquiries (``inquiries0`` a month, growing by ``growth`` a
    month) x stage conversions x win rate x deal size, with each stage's median
    lag; the pipeline already in flight keeps today's rates. The aligned scenario
    multiplies the conversions its levers move. Monte Carlo draws combine the
    rates' Beta posteriors, the deal size's uncertainty, the levers' uncertainty
    and (for the monthly fan) Poisson noise in the number of wins and deal-size
    spread. The uplift uses the same draws in both scenarios.

    Returns
    -------
    ScenarioResult
        ``monthly``: month, scenario, revenue mean and quantiles p05/p25/p50/p75/p95,
        gross_profit_mean, expected_revenue; ``totals``: per scenario, revenue and
        gross profit over the horizon (mean, low, high) and first-year revenue;
        ``uplift``: aligned - baseline (expected revenue, gross profit, relative).
    """
    if horizon < 1:
        raise ValueError("The projection horizon must be at least one month.")
    if not 0 <= gross_margin <= 1:
        raise ValueError("The gross margin is a fraction of revenue between 0 and 1.")
    r = rates.reset_index(drop=True)
    transitions = [f"{a}->{b}" for a, b in zip(r["from_stage"], r["to_stage"])]
    lags = r["lag_months"].to_numpy(dtype=np.int64)
    rng = np.random.default_rng(seed)
    p = rng.beta(r["alpha"].to_numpy(float), r["beta"].to_numpy(float), size=(n_draws, len(r)))
    d = rng.normal(deal.mean, deal.se, size=n_draws) if deal.se > 0 else np.full(n_draws, deal.mean)
    d = np.maximum(d, 0.01 * deal.mean)
    multipliers = {
        "baseline": np.ones((n_draws, len(r))),
        "aligned": _multipliers(transitions, levers, n_draws, use_draws=True),
    }
    months = pd.date_range(as_timestamp(start_month), periods=horizon, freq="MS")
    quantiles = ((1 - interval) / 2, 1 - (1 - interval) / 2)
    monthly, totals, draws, exp_rev = [], [], {}, {}
    for name, m in multipliers.items():
        lam = _expected_wins(inquiries0, growth, p, lags, m, horizon, ramp_months)
        exp_rev[name] = lam * d[:, None]
        rev = _simulated_revenue(lam, d, deal, rng)
        monthly.append(_monthly_frame(name, months, rev, exp_rev[name], lam, gross_margin))
        totals.append(_totals_row(name, rev, lam, horizon, gross_margin, quantiles))
        draws[name] = rev.sum(axis=1)
    uplift, draws["uplift"] = _uplift(
        exp_rev, gross_margin, alignment_cost_monthly, horizon, quantiles
    )
    monthly_df = pd.concat(monthly, ignore_index=True)
    monthly_df["scenario"] = monthly_df["scenario"].astype("string")
    totals_df = pd.DataFrame(totals)
    totals_df["scenario"] = totals_df["scenario"].astype("string")
    return ScenarioResult(monthly_df, totals_df, uplift, draws)


def estimate_growth(counts: pd.Series, as_of, months: int = 24) -> float:
    """Monthly growth of a count series, year over year.

    The last 12 complete months against the 12 before them (``months`` = 24):
    ``(last / previous) ** (1/12) - 1``. Full years cancel seasonality, and a
    ramp-up at the start of an export (its first, partial months) is never used:
    when the history does not cover both years entirely, growth is 0 (volume held
    flat), which :func:`helpers.revenue.growth_sentence` says.
    """
    end = last_complete_month(as_of)
    half = max(1, months // 2)
    start = end - pd.DateOffset(months=2 * half - 1)
    s = counts[(counts.index >= start) & (counts.index <= end)]
    if counts.index.min() >= start or len(s) < 2 * half:
        return 0.0
    prev, last = float(s.iloc[:half].sum()), float(s.iloc[half:].sum())
    if prev <= 0 or last <= 0:
        return 0.0
    return float((last / prev) ** (1.0 / half) - 1.0)
