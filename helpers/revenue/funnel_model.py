"""The org's funnel as the revenue module sees it: rates, lags, deal size, run-rate.

:func:`try_build_funnel` is the notebook's entry point: it builds a
:class:`FunnelModel` from an ``OrgData`` or says in one sentence why it cannot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core.schema import STAGES
from helpers.core.stats import beta_posterior
from helpers.data.derived import read_derived, write_derived
from helpers.revenue.common import (
    MONTH_DAYS,
    STAGE_LABELS,
    as_timestamp,
    data_end,
    has_values,
    last_complete_month,
    month_start,
    quantile_days,
    won_mask,
)
from helpers.revenue.display import rates_table
from helpers.revenue.stages import available_stages, stage_times

#: The stored stage times of the revenue model and its levers' sales work.
REVENUE_TIMES = "revenue_times"


def _transition_sample(
    times: pd.DataFrame, opportunities: pd.DataFrame | None, s: str, t: str
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Entry times into ``s``, whether each entry reached ``t``, and the lags of those that did.

    The ``opportunity -> won`` conversion is counted on opportunities, the others on leads.
    """
    if s == "opportunity" and t == "won":
        if opportunities is None or not has_values(opportunities, "created_at"):
            raise ValueError("The win rate needs opportunities.created_at.")
        o = opportunities[opportunities["created_at"].notna()]
        is_won = won_mask(o)
        start_t = o["created_at"]
        lag = (
            (o["closed_at"] - o["created_at"])[is_won]
            if "closed_at" in o.columns
            else pd.Series(dtype="timedelta64[ns]")
        )
        return start_t, pd.Series(is_won, index=o.index), lag
    reached_s = times[f"reached_{s}"] & times[s].notna()
    start_t = times.loc[reached_s, s]
    success = times.loc[reached_s, f"reached_{t}"]
    conv = success & times.loc[reached_s, t].notna()
    lag = (times.loc[reached_s, t] - start_t)[conv]
    return start_t, success, lag


def _mature_rate(
    s: str,
    t: str,
    sample: tuple[pd.Series, pd.Series, pd.Series],
    as_of: pd.Timestamp,
    *,
    window_months: int,
    maturity_quantile: float,
    max_maturity_days: float,
    prior: tuple[float, float],
) -> dict:
    """One row of :func:`stage_rates`: the conversion ``s -> t`` on mature recent entries."""
    start_t, success, lag = sample
    med = quantile_days(lag, 0.5)
    p90 = quantile_days(lag, maturity_quantile)
    maturity = min(p90 if np.isfinite(p90) else 0.0, max_maturity_days)
    cutoff = as_of - pd.Timedelta(days=maturity)
    win_start = cutoff - pd.DateOffset(months=window_months)
    mature = start_t <= cutoff
    recent = mature & (start_t > win_start)
    use = recent if recent.sum() > 0 else mature
    if use.sum() == 0:
        raise ValueError(
            f"No {STAGE_LABELS.get(s, s)} is old enough to measure the conversion {s} -> {t} "
            f"(leads need about {maturity:.0f} days to convert); the data history is too short."
        )
    n = int(use.sum())
    k = int(success[use.to_numpy()].sum())
    if k == 0:
        raise ValueError(
            f"No conversion {s} -> {t} was observed among {n} mature {STAGE_LABELS.get(s, s)}; "
            "the plan cannot be worked back through this stage."
        )
    a, b = beta_posterior(k, n, prior)
    return {
        "from_stage": s,
        "to_stage": t,
        "trials": n,
        "successes": k,
        "rate": k / n,
        "alpha": float(a),
        "beta": float(b),
        "lag_days_median": med if np.isfinite(med) else 0.0,
        "lag_days_p90": p90 if np.isfinite(p90) else 0.0,
        "maturity_days": maturity,
        "window_start": start_t[use].min(),
        "window_end": start_t[use].max(),
    }


def stage_rates(
    times: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
    as_of,
    *,
    window_months: int = 12,
    maturity_quantile: float = 0.9,
    max_maturity_days: float = 365.0,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """Stage-to-stage conversion rates on mature recent cohorts, with Beta posteriors.

    Right-censoring rule: for the conversion ``s -> t``, a lead counts only if it
    reached ``s`` at least *maturity* days before the data end, where maturity is
    the ``maturity_quantile`` (90%) of the observed ``s -> t`` lag (capped at
    ``max_maturity_days``); leads too young to have converted are not counted as
    lost. Among mature leads, the last ``window_months`` months of entries into
    ``s`` give today's rate (all history when that window is empty). The
    ``opportunity -> won`` rate is counted on opportunities (open ones older than
    the maturity count as not won); the others on leads.

    Returns
    -------
    DataFrame
        ``from_stage, to_stage, trials, successes, rate, alpha, beta,
        lag_days_median, lag_days_p90, maturity_days, window_start, window_end``.
    """
    as_of = as_timestamp(as_of)
    times = times.reset_index(drop=True)  # positions, not lead ids: same rows, faster selections
    rows = [
        _mature_rate(
            s,
            t,
            _transition_sample(times, opportunities, s, t),
            as_of,
            window_months=window_months,
            maturity_quantile=maturity_quantile,
            max_maturity_days=max_maturity_days,
            prior=prior,
        )
        for s, t in zip(stages[:-1], stages[1:])
    ]
    if not rows:
        raise ValueError(
            "At least two measurable stages (one of them 'won') are needed for a reverse waterfall."
        )
    out = pd.DataFrame(rows)
    out["lag_months"] = lag_months(out["lag_days_median"])
    return out


def lag_months(lag_days) -> np.ndarray:
    """Whole-month lags per conversion whose running sums from the bottom stay rounded right.

    Rounding each stage's lag separately would lose the sales cycle (five lags of
    ten days are 50 days, not 0 months): the cumulative lag from each stage to
    the win is rounded, and the per-stage lags are its differences.
    """
    d = np.asarray(lag_days, dtype=float)
    after = np.round(np.cumsum(d[::-1])[::-1] / MONTH_DAYS).astype("int64")
    nxt = np.append(after[1:], 0)
    return after - nxt


@dataclass
class DealSize:
    """Average won deal value and its uncertainty."""

    mean: float
    sd: float
    n: int
    se: float
    window_start: pd.Timestamp | None = None
    window_end: pd.Timestamp | None = None


def deal_size(
    opportunities: pd.DataFrame,
    as_of,
    *,
    window_months: int = 12,
    amount: str = "amount",
    outcome: str = "outcome",
    closed_at: str = "closed_at",
) -> DealSize:
    """Average value of deals won in the last ``window_months`` (all history if none)."""
    if not has_values(opportunities, amount, outcome):
        raise ValueError("Deal size needs opportunities with amount and outcome.")
    o = opportunities
    won = won_mask(o, outcome)
    w = o[won & o[amount].notna().to_numpy()]
    if w.empty:
        raise ValueError("No won deal has an amount: the revenue plan cannot be turned into wins.")
    as_of = as_timestamp(as_of)
    if closed_at in w.columns and w[closed_at].notna().any():
        recent = w[w[closed_at] > as_of - pd.DateOffset(months=window_months)]
        if len(recent) >= 5:
            w = recent
    vals = w[amount].astype(float)
    n = len(vals)
    sd = float(vals.std(ddof=1)) if n > 1 else 0.0
    start = w[closed_at].min() if closed_at in w.columns else None
    end = w[closed_at].max() if closed_at in w.columns else None
    return DealSize(float(vals.mean()), sd, n, sd / math.sqrt(n) if n > 1 else 0.0, start, end)


def monthly_stage_counts(
    times: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
) -> pd.DataFrame:
    """Count of entries into each stage by calendar month of the stage event.

    Lead stages count leads by their stage timestamp; ``opportunity`` and ``won``
    count opportunities by ``created_at`` and won ``closed_at``; ``revenue`` is
    won revenue by close month.
    """
    series = {}
    for s in stages:
        if s in ("opportunity", "won") and opportunities is not None:
            if s == "opportunity":
                t = opportunities["created_at"] if "created_at" in opportunities.columns else None
            else:
                t = opportunities.loc[won_mask(opportunities), "closed_at"]
        else:
            t = times[s]
        if t is None:
            continue
        t = t.dropna()
        series[s] = month_start(t).value_counts()
    if opportunities is not None and has_values(opportunities, "amount", "closed_at"):
        won = won_mask(opportunities)
        w = opportunities.loc[won & opportunities["closed_at"].notna().to_numpy()]
        series["revenue"] = w["amount"].groupby(month_start(w["closed_at"]).to_numpy()).sum()
    out = pd.DataFrame(series).sort_index()
    if out.empty:
        return out
    full = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(full).fillna(0.0)
    out.index.name = "month"
    return out


def run_rate(counts: pd.DataFrame, as_of, months: int = 6) -> pd.Series:
    """Average monthly count per stage over the last ``months`` complete months."""
    end = last_complete_month(as_of)
    start = end - pd.DateOffset(months=months - 1)
    window = counts.loc[(counts.index >= start) & (counts.index <= end)]
    if window.empty:
        raise ValueError("No complete month of data is available to measure the current run-rate.")
    out = window.reindex(pd.date_range(start, end, freq="MS")).fillna(0.0).mean()
    out.name = "run_rate"
    out.attrs["window"] = (start, end)
    return out


@dataclass
class FunnelModel:
    """The org's funnel as the revenue module sees it (see :func:`build_funnel`).

    Attributes
    ----------
    stages : list of str
        Measurable stages, top to ``won``.
    skipped : dict
        ``{stage: reason}`` for the org's stages the data lacks.
    as_of : Timestamp
        Data end (the export's latest timestamp).
    times : DataFrame
        :func:`stage_times` output.
    rates : DataFrame
        :func:`stage_rates` output (today's conversions, lags, Beta posteriors).
    deal : DealSize
    counts : DataFrame
        :func:`monthly_stage_counts` output.
    current : Series
        :func:`run_rate` output.
    """

    stages: list
    skipped: dict
    as_of: pd.Timestamp
    times: pd.DataFrame
    rates: pd.DataFrame
    deal: DealSize
    counts: pd.DataFrame
    current: pd.Series
    opportunities: pd.DataFrame | None = field(default=None, repr=False)
    #: Sales work of each MQL (:func:`helpers.revenue.levers.sales_work`) stored with the
    #: tables, or None (the levers then measure it).
    work: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def top_stage(self) -> str:
        """The first measurable stage (the top of the funnel the plan works back to)."""
        return self.stages[0]

    @property
    def transitions(self) -> list[str]:
        """Stage conversions as ``"from->to"`` labels, in funnel order."""
        return [f"{a}->{b}" for a, b in zip(self.rates["from_stage"], self.rates["to_stage"])]

    @property
    def cycle_days(self) -> float:
        """Sum of the median stage lags: top stage to won."""
        return float(self.rates["lag_days_median"].sum())

    @property
    def maturity_months(self) -> int:
        """Whole months after which 95% of a cohort's wins have closed (top stage to won)."""
        t = self.times
        top = self.top_stage
        ok = t["reached_won"] & t["won"].notna() & t[top].notna()
        days = quantile_days((t["won"] - t[top])[ok], 0.95)
        if not np.isfinite(days):
            days = float(self.rates["maturity_days"].sum())
        return max(1, int(math.ceil(days / MONTH_DAYS)))

    @property
    def first_projection_month(self) -> pd.Timestamp:
        """The first month after the last complete month of data."""
        return last_complete_month(self.as_of) + pd.DateOffset(months=1)

    def won_history(self) -> pd.DataFrame:
        """Won revenue by close month (``month``, ``revenue``), complete months only."""
        if "revenue" not in self.counts.columns:
            return pd.DataFrame(
                {"month": pd.Series(dtype="datetime64[ns]"), "revenue": pd.Series(dtype=float)}
            )
        return pd.DataFrame(
            {"month": self.counts.index, "revenue": self.counts["revenue"].to_numpy()}
        )

    def trailing_revenue(self, months: int = 12) -> float:
        """Won revenue over the last ``months`` complete months."""
        if "revenue" not in self.counts.columns:
            return float("nan")
        end = last_complete_month(self.as_of)
        idx = self.counts.index
        c = self.counts.loc[(idx <= end) & (idx > end - pd.DateOffset(months=months)), "revenue"]
        return float(c.sum())

    def rates_table(self, interval: float = 0.9) -> pd.DataFrame:
        """Today's conversions for display (:func:`helpers.revenue.display.rates_table`)."""
        return rates_table(self.rates, interval)


def build_funnel(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str] = STAGES,
    *,
    window_months: int = 12,
    run_rate_months: int = 6,
    times: pd.DataFrame | None = None,
) -> FunnelModel:
    """Everything the revenue module needs from an org's leads and opportunities.

    ``times`` is :func:`stage_times` of these tables when already computed (stored with
    the tables). Raises ``ValueError`` (with a sentence) when the data cannot support a
    plan: no won deal with an amount, no dated stage before ``won``, too short a history.
    """
    kept, skipped = available_stages(leads, opportunities, stages)
    as_of = data_end(leads, opportunities)
    if times is None:
        times = stage_times(leads, opportunities, kept)
    rates = stage_rates(times, opportunities, kept, as_of, window_months=window_months)
    deal = deal_size(opportunities, as_of, window_months=window_months)
    counts = monthly_stage_counts(times, opportunities, kept)
    counts = counts[counts.index <= last_complete_month(as_of)]
    current = run_rate(counts, as_of, run_rate_months)
    return FunnelModel(kept, skipped, as_of, times, rates, deal, counts, current, opportunities)


def try_build_funnel(
    data, *, window_months: int = 12, run_rate_months: int = 6, deal_size_value: float = 0.0
) -> tuple[FunnelModel | None, str]:
    """:func:`build_funnel` on an ``OrgData``, or ``(None, sentence)`` when the data cannot.

    ``deal_size_value`` > 0 replaces the measured deal size (for exports whose won
    deals carry no amount).
    """
    opps = data.opportunities
    if opps is None or not has_values(opps, "outcome"):
        return None, (
            "The opportunities table (with outcome) is missing: the revenue module needs won "
            "deals, so it is skipped."
        )
    if deal_size_value <= 0 and not has_values(opps, "amount"):
        return None, (
            "Won deals carry no amount (opportunities.amount): set the deal_size parameter to the "
            "average won deal value to run the revenue module; it is skipped."
        )
    if deal_size_value > 0 and not has_values(opps, "amount"):
        opps = opps.assign(
            amount=float(deal_size_value)
        )  # every won deal valued at the given average
    stored = _stored_tables(data, opps)
    try:
        model = build_funnel(
            data.leads,
            opps,
            data.config.stages,
            window_months=window_months,
            run_rate_months=run_rate_months,
            times=None if stored is None else stored[0]["table"],
        )
    except ValueError as exc:
        return None, f"{exc} The revenue module is skipped."
    if stored is not None and "work" in stored[0]:
        model.work = stored[0]["work"]
        model.work.attrs["touch_source"] = stored[1].get("touch_source")
    if deal_size_value > 0:
        model.deal = DealSize(float(deal_size_value), 0.0, model.deal.n, 0.0)
    return model, ""


def _stored_tables(data, opps) -> tuple[dict, dict] | None:
    """The stored stage times (and sales work) of these tables, when they apply: the
    measured amounts are used and the stages kept are the stored ones."""
    if opps is not getattr(data, "opportunities", None):
        return None  # amounts filled in from the deal_size parameter: stored won amounts differ
    stored = read_derived(data, REVENUE_TIMES)
    if stored is None:
        return None
    try:
        kept, _ = available_stages(data.leads, opps, data.config.stages)
    except ValueError:
        return None
    return stored if stored[1].get("stages") == kept else None


def store_revenue_tables(data, out_dir) -> dict:
    """Compute the revenue model's per-lead tables once and store them with the tables.

    Stores :func:`stage_times` (and, when the org has MQLs, the sales work of each MQL
    behind the alignment levers, :func:`helpers.revenue.levers.sales_work`) in
    ``out_dir/tables``. Returns ``{"revenue_times": rows}``, or an empty dict when the
    export cannot feed the revenue module (notebook 03 then says why, as before).
    """
    from helpers.revenue.levers import sales_work, work_target

    opps = data.opportunities
    if opps is None or not has_values(opps, "outcome", "amount"):
        return {}
    try:
        kept, _ = available_stages(data.leads, opps, data.config.stages)
        times = stage_times(data.leads, opps, kept)
    except ValueError:
        return {}
    frames, meta = {"table": times}, {"stages": kept}
    if "mql" in kept:
        try:
            work = sales_work(
                times,
                data.leads,
                data.activities,
                "mql",
                work_target(kept),
                data_end(data.leads, opps),
            )
        except ValueError:
            work = None
        if work is not None:
            frames["work"] = work
            meta["touch_source"] = work.attrs.get("touch_source")
    write_derived(out_dir, REVENUE_TIMES, frames, meta=meta)
    return {REVENUE_TIMES: len(times)}
