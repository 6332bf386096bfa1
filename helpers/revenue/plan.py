"""The revenue plan and the leads it needs: plan targets, the reverse waterfall, the
monthly lead plan with Monte Carlo intervals, and the gap against today's run-rate.

Rounding rule: nothing is rounded between stages; only the final counts are
rounded **up** (:func:`ceil_count`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.revenue.common import (
    CEIL_TOLERANCE,
    MONTH_DAYS,
    has_values,
    last_complete_month,
    month_start,
)

if TYPE_CHECKING:
    from helpers.revenue.funnel_model import DealSize


def ceil_count(x, tol: float = CEIL_TOLERANCE):
    """Round counts **up** to whole units, ignoring floating-point dust.

    The reverse waterfall rounds only its final counts, up: a plan that needs
    7,111.1 inquiries needs 7,112. A value within ``tol`` (relative) of a whole
    number is that number (80.00000000001 wins are 80 wins).

    Parameters
    ----------
    x : float or array-like
        Unrounded counts.
    tol : float
        Relative tolerance.

    Returns
    -------
    int or ndarray of float
        Rounded-up counts (an ``int`` for a scalar input; NaN stays NaN).
    """
    arr = np.asarray(x, dtype=float)
    near = np.round(arr)
    close = np.abs(arr - near) <= tol * np.maximum(1.0, np.abs(arr))
    out = np.where(close, near, np.ceil(arr))
    if out.ndim == 0:
        return int(out) if np.isfinite(out) else float("nan")
    return out


def _rates_frame(rates) -> pd.DataFrame:
    """Accept a DataFrame (from_stage, to_stage, rate) or a sequence/mapping of rates."""
    if isinstance(rates, pd.DataFrame):
        missing = {"from_stage", "to_stage", "rate"} - set(rates.columns)
        if missing:
            raise ValueError(f"The rates table needs the columns {sorted(missing)}.")
        return rates.reset_index(drop=True)
    if isinstance(rates, Mapping):
        rows = []
        for key, rate in rates.items():
            a, b = key.split("->") if isinstance(key, str) else key
            rows.append((a.strip(), b.strip(), float(rate)))
    else:
        rows = [(a, b, float(r)) for a, b, r in rates]
    return pd.DataFrame(rows, columns=["from_stage", "to_stage", "rate"])


def _check_chain(rates: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless the conversions chain from the top stage to ``won``."""
    if rates.empty:
        raise ValueError("At least one stage conversion is needed to work back from wins to leads.")
    if rates["to_stage"].iloc[-1] != "won":
        raise ValueError(
            "The last stage conversion must end at 'won' (wins are what the plan pays for)."
        )
    for i in range(1, len(rates)):
        if rates["from_stage"].iloc[i] != rates["to_stage"].iloc[i - 1]:
            raise ValueError(
                "Stage conversions must form a chain from the first stage to 'won' "
                f"(got {rates['to_stage'].iloc[i - 1]} then {rates['from_stage'].iloc[i]})."
            )
    bad = rates[(rates["rate"] <= 0) | (rates["rate"] > 1) | rates["rate"].isna()]
    if not bad.empty:
        r = bad.iloc[0]
        raise ValueError(
            f"The conversion {r['from_stage']} -> {r['to_stage']} is {r['rate']}; "
            "it must be above 0 and at most 1 (100%)."
        )


def reverse_waterfall(revenue: float, deal_size: float, rates) -> pd.DataFrame:
    """Work back from a revenue target to the count needed at every funnel stage.

    ``wins = revenue / deal_size``; each earlier stage needs ``next / rate``.
    Nothing is rounded between stages; ``needed_rounded`` rounds each final count
    up (:func:`ceil_count`).

    Parameters
    ----------
    revenue : float
        Revenue target.
    deal_size : float
        Average won deal value.
    rates : DataFrame or sequence or mapping
        Stage conversions in funnel order ending at ``won``: a DataFrame with
        ``from_stage, to_stage, rate``, a list of ``(from, to, rate)`` or a dict
        ``{"inquiry->mql": 0.25, ...}``.

    Returns
    -------
    DataFrame
        ``stage``, ``needed`` (unrounded), ``needed_rounded`` (rounded up), from
        the top stage down to ``won``.

    Examples
    --------
    >>> reverse_waterfall(2_400_000, 30_000, {"inquiry->mql": .25, "mql->sql": .6,
    ...     "sql->opportunity": .5, "opportunity->won": .15}).iloc[0]["needed_rounded"]
    7112
    """
    if not deal_size or deal_size <= 0 or not np.isfinite(deal_size):
        raise ValueError("The average deal size must be a positive amount.")
    if revenue < 0:
        raise ValueError("The revenue target cannot be negative.")
    r = _rates_frame(rates)
    _check_chain(r)
    wins = revenue / deal_size
    stages = list(r["from_stage"]) + ["won"]
    needed = [wins]
    for rate in r["rate"].to_numpy()[::-1]:
        needed.append(needed[-1] / rate)
    needed = needed[::-1]
    out = pd.DataFrame({"stage": stages, "needed": needed})
    out["needed_rounded"] = ceil_count(out["needed"].to_numpy()).astype("int64")
    return out


def draw_stage_factors(
    rates: pd.DataFrame,
    deal_mean: float,
    deal_se: float = 0.0,
    n_draws: int = 4000,
    seed: int = 42,
) -> pd.DataFrame:
    """Monte Carlo draws of "count needed at each stage per unit of revenue".

    Each stage's conversion is drawn from its Beta posterior (columns ``alpha``,
    ``beta``) and the deal size from Normal(``deal_mean``, ``deal_se``) (kept
    above 1% of the mean). Multiplying a row by a revenue target gives one draw of
    the reverse waterfall, so every month of a plan shares the same draws.

    Returns
    -------
    DataFrame
        ``n_draws`` rows, one column per stage (top stage ... ``won``).
    """
    r = rates.reset_index(drop=True) if isinstance(rates, pd.DataFrame) else _rates_frame(rates)
    if not {"alpha", "beta"} <= set(r.columns):
        raise ValueError("Draws need the Beta posterior of each rate (columns alpha and beta).")
    if n_draws < 2:
        raise ValueError("Use at least 2 Monte Carlo draws.")
    rng = np.random.default_rng(seed)
    p = rng.beta(r["alpha"].to_numpy(float), r["beta"].to_numpy(float), size=(n_draws, len(r)))
    if deal_se and deal_se > 0:
        d = rng.normal(deal_mean, deal_se, size=n_draws)
        d = np.maximum(d, 0.01 * deal_mean)
    else:
        d = np.full(n_draws, float(deal_mean))
    wins_per_unit = 1.0 / d
    # cumulative product from the bottom: needed at stage i = wins / prod(rates after i)
    inv = 1.0 / p
    cum = np.cumprod(inv[:, ::-1], axis=1)[:, ::-1]
    cols = list(r["from_stage"]) + ["won"]
    data = np.column_stack([cum * wins_per_unit[:, None], wins_per_unit])
    return pd.DataFrame(data, columns=cols)


@dataclass
class PlanTargets:
    """Monthly revenue targets and where they came from (one sentence)."""

    targets: pd.Series
    source: str

    @property
    def annual(self) -> float:
        """Revenue over the first 12 planned months (scaled when fewer)."""
        t = self.targets.iloc[:12]
        return float(t.sum() * 12 / len(t)) if len(t) else 0.0


def _monthly_plan(plan: pd.DataFrame, period: str, target: str) -> pd.Series:
    """The plan table as one target per calendar month (quarters and years spread evenly)."""
    p = plan[[period, target]].dropna().sort_values(period)
    p = pd.DataFrame(
        {"month": month_start(p[period]).to_numpy(), "t": p[target].astype(float).to_numpy()}
    )
    p = p.groupby("month")["t"].sum()
    gaps = p.index.to_series().diff().dt.days.dropna()
    step = int(round(gaps.median() / MONTH_DAYS)) if len(gaps) else 1
    if step > 1:  # quarterly/yearly plan: spread each period over its months
        idx = p.index.repeat(step) + pd.to_timedelta(0, "D")
        offs = np.tile(np.arange(step), len(p))
        idx = pd.DatetimeIndex([i + pd.DateOffset(months=int(k)) for i, k in zip(idx, offs)])
        p = pd.Series(np.repeat(p.to_numpy() / step, step), index=idx)
    return p


def plan_targets(
    plan: pd.DataFrame | None,
    as_of,
    *,
    revenue_plan: float = 0.0,
    trailing_revenue: float | None = None,
    plan_growth: float = 0.2,
    months: int = 12,
    period: str = "period",
    target: str = "revenue_target",
) -> PlanTargets:
    """Monthly revenue targets for the lead plan.

    Precedence: a positive ``revenue_plan`` (annual target, spread evenly over the
    ``months`` after the data end) > the ``plan`` table's months after the last
    complete month > the plan table's last ``months`` periods (a past plan: what
    was needed) > the trailing 12 months' won revenue grown by ``plan_growth``.
    Quarterly or yearly plan periods are spread evenly over their months.
    """
    start = last_complete_month(as_of) + pd.DateOffset(months=1)
    future_months = pd.date_range(start, periods=months, freq="MS")
    if revenue_plan and revenue_plan > 0:
        s = pd.Series(revenue_plan / 12.0, index=future_months, name="revenue_target")
        return PlanTargets(
            s, f"the revenue_plan parameter ({revenue_plan:,.0f} a year), spread evenly"
        )
    if plan is not None and has_values(plan, period, target):
        p = _monthly_plan(plan, period, target)
        fut = p[p.index >= start]
        if len(fut):
            s = fut.iloc[: max(months, len(fut))]
            return PlanTargets(
                s.rename("revenue_target"), "the plan table (months after the data end)"
            )
        s = p.iloc[-months:]
        return PlanTargets(
            s.rename("revenue_target"),
            "the plan table (its last months, all before the data end: what the plan needed)",
        )
    if trailing_revenue is None or trailing_revenue <= 0:
        raise ValueError(
            "No revenue plan: add a plan table, set the revenue_plan parameter, or provide won "
            "revenue history."
        )
    annual = trailing_revenue * (1 + plan_growth)
    s = pd.Series(annual / 12.0, index=future_months, name="revenue_target")
    return PlanTargets(
        s,
        f"no plan table: the last 12 months' won revenue grown by {plan_growth:.0%} "
        f"({annual:,.0f} a year)",
    )


def _interval_quantiles(interval: float) -> tuple[float, float]:
    """Lower and upper quantiles of a central interval (0.9 -> 0.05, 0.95)."""
    return (1 - interval) / 2, 1 - (1 - interval) / 2


def lead_plan(
    targets: pd.Series,
    rates: pd.DataFrame,
    deal: DealSize,
    *,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
) -> pd.DataFrame:
    """The monthly count needed at every stage, arriving early enough for the plan.

    For each plan month ``m`` and stage ``s``: ``needed = target_m / deal size /
    product of the conversions after s`` (observed rates, no rounding between
    stages), arriving in month ``m - lag(s -> won)`` where the lag is the sum of
    the median stage lags (whole months). ``needed_rounded`` rounds up the final
    count; ``mc_mean``, ``low`` and ``high`` come from Monte Carlo draws of the
    rates' Beta posteriors and of the deal size.

    Returns
    -------
    DataFrame
        ``plan_month, revenue_target, stage, arrival_month, lead_time_months,
        needed, needed_rounded, mc_mean, low, high``.
    """
    r = rates.reset_index(drop=True)
    point = reverse_waterfall(1.0, deal.mean, r).set_index("stage")["needed"]
    draws = draw_stage_factors(r, deal.mean, deal.se, n_draws=n_draws, seed=seed)
    lo_q, hi_q = _interval_quantiles(interval)
    q = draws.quantile([lo_q, hi_q])
    mean = draws.mean()
    lags = list(r["lag_months"].to_numpy())
    stages = list(r["from_stage"]) + ["won"]
    lead_time = {s: int(sum(lags[i:])) for i, s in enumerate(stages)}
    t = targets.astype(float)
    frames = []
    for s in stages:
        f = pd.DataFrame(
            {
                "plan_month": t.index,
                "revenue_target": t.to_numpy(),
                "stage": s,
                "lead_time_months": lead_time[s],
            }
        )
        f["arrival_month"] = [m - pd.DateOffset(months=lead_time[s]) for m in t.index]
        f["needed"] = t.to_numpy() * point[s]
        f["mc_mean"] = t.to_numpy() * mean[s]
        f["low"] = t.to_numpy() * q.loc[lo_q, s]
        f["high"] = t.to_numpy() * q.loc[hi_q, s]
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["needed_rounded"] = ceil_count(out["needed"].to_numpy()).astype("int64")
    out["stage"] = out["stage"].astype("string")
    columns = [
        "plan_month",
        "revenue_target",
        "stage",
        "arrival_month",
        "lead_time_months",
        "needed",
        "needed_rounded",
        "mc_mean",
        "low",
        "high",
    ]
    return out[columns]


def plan_gap(
    targets: pd.Series,
    rates: pd.DataFrame,
    deal: DealSize,
    current: pd.Series,
    *,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Monthly count needed per stage (plan average) against the current run-rate.

    Returns
    -------
    DataFrame
        One row per stage (``revenue`` first): ``needed_per_month`` (at observed
        rates), ``low``, ``high`` (Monte Carlo interval), ``needed_rounded``,
        ``run_rate``, ``gap`` (needed - run-rate; positive = short),
        ``gap_pct`` (gap / needed), ``p_enough`` (share of draws where the
        run-rate covers the need).
    """
    r = rates.reset_index(drop=True)
    avg = float(targets.astype(float).mean())
    point = reverse_waterfall(avg, deal.mean, r).set_index("stage")["needed"]
    draws = draw_stage_factors(r, deal.mean, deal.se, n_draws=n_draws, seed=seed) * avg
    lo_q, hi_q = _interval_quantiles(interval)
    rows = [
        {
            "stage": "revenue",
            "needed_per_month": avg,
            "low": avg,
            "high": avg,
            "needed_rounded": avg,
            "run_rate": float(current.get("revenue", np.nan)),
        }
    ]
    for s in point.index:
        rows.append(
            {
                "stage": s,
                "needed_per_month": float(point[s]),
                "low": float(draws[s].quantile(lo_q)),
                "high": float(draws[s].quantile(hi_q)),
                "needed_rounded": float(ceil_count(point[s])),
                "run_rate": float(current.get(s, np.nan)),
            }
        )
    out = pd.DataFrame(rows)
    out["gap"] = out["needed_per_month"] - out["run_rate"]
    out["gap_pct"] = out["gap"] / out["needed_per_month"]
    p_enough = [float("nan")]
    for s in point.index:
        rr = current.get(s, np.nan)
        p_enough.append(float((draws[s] <= rr).mean()) if np.isfinite(rr) else float("nan"))
    out["p_enough"] = p_enough
    out["stage"] = out["stage"].astype("string")
    return out
