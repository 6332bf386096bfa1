"""What the notebook shows beside the charts: tables for display, CSV copies, and the
one-sentence readings of each step (stages skipped, growth, the before/after test, profit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.schema import STAGES
from helpers.revenue.common import STAGE_LABELS, last_complete_month
from helpers.revenue.economics import aligned_cac

if TYPE_CHECKING:
    from helpers.revenue.alignment_effect import AlignmentEffect
    from helpers.revenue.scenarios import ScenarioResult


def rates_table(rates: pd.DataFrame, interval: float = 0.9) -> pd.DataFrame:
    """Today's conversions for display: rate with its interval, leads counted, lags.

    Parameters
    ----------
    rates : DataFrame
        :func:`helpers.revenue.stage_rates` output.
    interval : float
        Width of the interval from each rate's Beta posterior (0.9 = 90%).
    """
    from scipy import stats

    r = rates
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    return pd.DataFrame(
        {
            "conversion": [
                f"{STAGE_LABELS.get(a, a)} -> {STAGE_LABELS.get(b, b)}"
                for a, b in zip(r["from_stage"], r["to_stage"])
            ],
            "counted": r["trials"].astype("int64"),
            "converted": r["successes"].astype("int64"),
            "rate": r["rate"],
            "low": stats.beta.ppf(lo, r["alpha"], r["beta"]),
            "high": stats.beta.ppf(hi, r["alpha"], r["beta"]),
            "median_lag_days": r["lag_days_median"],
            "mature_after_days": r["maturity_days"],
        }
    )


def for_csv(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy for a CSV artifact: numbers rounded, dates as YYYY-MM-DD."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(decimals)
        elif pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d").astype("string")
    return out


def skipped_sentence(skipped: Mapping[str, str], kept: Sequence[str] | None = None) -> str:
    """One sentence naming the stages the plan cannot work back through (empty if none).

    With ``kept``, the funnel stages the org does not track at all (not in its
    ``org.yml: stages``) are named too, e.g. a deals-only export without inquiries.
    """
    missing = dict(skipped)
    if kept is not None:
        first = STAGES.index(kept[0]) if kept and kept[0] in STAGES else 0
        for s in STAGES[:first]:
            missing.setdefault(s, "not tracked in this org's stages")
    if not missing:
        return ""
    parts = "; ".join(f"{STAGE_LABELS.get(s, s)} ({why})" for s, why in missing.items())
    top = STAGE_LABELS.get(kept[0], kept[0]).lower() if kept else "the first dated stage"
    return (
        f"The plan works back from won deals to {top} only; stages skipped, as the data lacks "
        f"them: {parts}."
    )


def growth_sentence(counts: pd.Series, as_of, growth: float, given: bool = False) -> str:
    """Where the projection's volume growth comes from, in one sentence."""
    if given:
        return f"Top-of-funnel growth: {growth:+.1%} a month (the lead_growth_monthly parameter)."
    if growth == 0.0 and counts.index.min() >= last_complete_month(as_of) - pd.DateOffset(
        months=23
    ):
        return (
            "Top-of-funnel growth: held flat, as the history is shorter than two full years "
            "(set lead_growth_monthly to plan a growth)."
        )
    return (
        f"Top-of-funnel growth: {growth:+.1%} a month (the last 12 complete months against the 12 "
        "before them)."
    )


def effect_sentence(effect: AlignmentEffect, start) -> str:
    """Plain-language reading of the before/after estimate."""
    start = pd.Timestamp(start)
    lvl = (
        f"After {start:%B %Y}, the revenue level is x{effect.level_ratio:.2f} the pre-start trend "
        f"(95% interval x{effect.level_low:.2f} to x{effect.level_high:.2f}), and monthly growth "
        f"changed by {effect.slope_change:+.1%} (95% interval {effect.slope_low:+.1%} to "
        f"{effect.slope_high:+.1%})."
    )
    if effect.significant:
        verdict = (
            f"The before/after test rejects 'no change' (p = {effect.joint_p:.3f}): the change is "
            "larger than this series' month-to-month noise."
        )
    else:
        verdict = (
            f"The before/after test does not reject 'no change' (p = {effect.joint_p:.3f}): with "
            f"{effect.n_pre} months before and {effect.n_post} after, this history cannot tell the "
            "estimate from noise."
        )
    zero = effect.excluded.get("empty_months_floored", 0)
    if zero:
        verdict += (
            f" {zero} month(s) had no won revenue and were set to half the smallest month for the "
            "log: a sign the series is too thin for a monthly model."
        )
    return f"{lvl} {verdict}"


def profit_sentence(
    economics: pd.DataFrame,
    result: ScenarioResult,
    currency: str,
    alignment_cost_monthly: float = 0.0,
) -> str:
    """The aligned scenario's effect on wins, CAC and profit, in one sentence."""
    t = result.totals.set_index("scenario")
    u = result.uplift
    more = float(t.loc["aligned", "wins"] / t.loc["baseline", "wins"] - 1)
    cac = float(economics.set_index("metric")["value"].get("cac", np.nan))
    cac_part = (
        f"CAC {cac:,.0f} -> {aligned_cac(economics, result):,.0f} {currency}; "
        if np.isfinite(cac)
        else "CAC not measured (no spend); "
    )
    return (
        f"Same spend, {more:+.1%} won deals in the aligned funnel: {cac_part}gross profit "
        f"difference {u['gross_profit']:,.0f} {currency} over {u['horizon_months']} months (90%: "
        f"{u['gross_profit_low']:,.0f} to {u['gross_profit_high']:,.0f}), after "
        f"{alignment_cost_monthly:,.0f} a month of programme cost."
    )
