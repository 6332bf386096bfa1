"""The revenue module's key figures for ``summary.json``.

The notebook gathers what it computed in one :class:`RevenueResult`;
:func:`summary_figures` turns it into plain, rounded values, one section at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.core.report import plain
from helpers.revenue.alignment_effect import AlignmentEffect
from helpers.revenue.economics import aligned_cac
from helpers.revenue.funnel_model import FunnelModel
from helpers.revenue.history import AlignmentSeries
from helpers.revenue.levers import LeverSet
from helpers.revenue.plan import PlanTargets
from helpers.revenue.scenarios import ScenarioResult


@dataclass
class RevenueResult:
    """Everything module 3 computed for one org; the optional parts are ``None`` when skipped.

    Attributes
    ----------
    model : FunnelModel
        :func:`helpers.revenue.try_build_funnel` output.
    plan : PlanTargets
        :func:`helpers.revenue.plan_targets` output.
    gap : DataFrame
        :func:`helpers.revenue.plan_gap` output.
    scenarios : ScenarioResult, optional
        :func:`helpers.revenue.project_scenarios` output.
    levers : LeverSet, optional
        :func:`helpers.revenue.alignment_levers` output.
    economics : DataFrame, optional
        :func:`helpers.revenue.unit_economics` output.
    channels : DataFrame, optional
        :func:`helpers.revenue.channel_investments` output.
    tornado : DataFrame, optional
        :func:`helpers.revenue.sensitivity` output.
    effect : AlignmentEffect, optional
        :func:`helpers.revenue.estimate_alignment_effect`'s estimate.
    series : AlignmentSeries, optional
        The series that estimate ran on.
    gross_margin : float, optional
        Gross margin used (measured or assumed).
    growth : float, optional
        Monthly top-of-funnel growth used in the projection.
    """

    model: FunnelModel
    plan: PlanTargets
    gap: pd.DataFrame
    scenarios: ScenarioResult | None = None
    levers: LeverSet | None = None
    economics: pd.DataFrame | None = None
    channels: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    effect: AlignmentEffect | None = None
    series: AlignmentSeries | None = None
    gross_margin: float | None = None
    growth: float | None = None


def _plan_figures(model: FunnelModel, plan: PlanTargets, gap: pd.DataFrame) -> dict:
    """The funnel, the plan and the leads it needs against today's run-rate."""
    g = gap.set_index("stage")
    top = model.top_stage
    return {
        "stages": list(model.stages),
        "skipped_stages": dict(model.skipped),
        "as_of": f"{model.as_of:%Y-%m-%d}",
        "plan_source": plan.source,
        "plan_annual_revenue": plain(plan.annual, 0),
        "plan_monthly_revenue": plain(g.loc["revenue", "needed_per_month"], 0),
        "run_rate_revenue": plain(g.loc["revenue", "run_rate"], 0),
        "deal_size": plain(model.deal.mean, 0),
        "stage_conversion": {
            t: plain(r, 3) for t, r in zip(model.transitions, model.rates["rate"])
        },
        "lead_time_months": int(model.rates["lag_months"].sum()),
        "cycle_days": plain(model.cycle_days, 1),
        "top_stage": top,
        "leads_needed_per_month": plain(g.loc[top, "needed_per_month"], 1),
        "leads_needed_rounded": int(g.loc[top, "needed_rounded"]),
        "leads_needed_low": plain(g.loc[top, "low"], 1),
        "leads_needed_high": plain(g.loc[top, "high"], 1),
        "run_rate_top": plain(g.loc[top, "run_rate"], 1),
        "gap_top": plain(g.loc[top, "gap"], 1),
        "gap_pct_top": plain(g.loc[top, "gap_pct"], 3),
        "p_run_rate_enough": plain(g.loc[top, "p_enough"], 3),
        "wins_needed_per_month": plain(g.loc["won", "needed_per_month"], 2),
        "needed_per_month": {
            s: plain(v, 1) for s, v in g["needed_per_month"].drop("revenue").items()
        },
        "mqls_needed_per_month": (
            plain(g.loc["mql", "needed_per_month"], 1) if "mql" in g.index else None
        ),
    }


def _scenario_figures(result: ScenarioResult | None) -> dict | None:
    """Baseline and aligned revenue over the horizon, and the uplift with its interval."""
    if result is None:
        return None
    t = result.totals.set_index("scenario")
    u = result.uplift
    return {
        "horizon_months": u["horizon_months"],
        "baseline_revenue": plain(t.loc["baseline", "revenue"], 0),
        "baseline_revenue_low": plain(t.loc["baseline", "revenue_low"], 0),
        "baseline_revenue_high": plain(t.loc["baseline", "revenue_high"], 0),
        "aligned_revenue": plain(t.loc["aligned", "revenue"], 0) if "aligned" in t.index else None,
        "uplift_revenue": plain(u["revenue"], 0),
        "uplift_pct": plain(u["revenue_pct"], 3),
        "uplift_pct_low": plain(u["revenue_pct_low"], 3),
        "uplift_pct_high": plain(u["revenue_pct_high"], 3),
        "uplift_gross_profit": plain(u["gross_profit"], 0),
        "uplift_gross_profit_low": plain(u["gross_profit_low"], 0),
        "uplift_gross_profit_high": plain(u["gross_profit_high"], 0),
        "p_uplift_positive": plain(u["p_positive"], 3),
    }


def _lever_figures(levers: LeverSet) -> dict:
    """Each lever's conversion and multiplier (with its interval), and the plateau used."""
    return {
        "levers": {
            lv.name: {
                "transition": lv.transition,
                "multiplier": plain(lv.multiplier, 3),
                "low": plain(lv.low, 3),
                "high": plain(lv.high, 3),
            }
            for lv in levers.levers
        },
        "touches_plateau_used": levers.plateau,
    }


def _economics_figures(
    economics: pd.DataFrame, gross_margin: float | None, scenarios: ScenarioResult | None
) -> dict:
    """Gross margin, spend, cost per MQL / SQL, CAC (today's and aligned) and payback."""
    e = economics.set_index("metric")["value"]
    out = {
        "gross_margin": plain(
            gross_margin if gross_margin is not None else e.get("gross_margin"), 3
        )
    }
    for k in ("marketing_spend", "cost_per_mql", "cost_per_sql", "cac", "payback_months"):
        out[k] = plain(e.get(k), 1)
    out["won_revenue_12m"] = plain(e.get("won_revenue"), 0)
    if scenarios is not None:
        out["cac_aligned"] = plain(aligned_cac(economics, scenarios), 1)
    return out


def _channel_figures(channels: pd.DataFrame) -> dict:
    """The cohort window, the best and worst channels, and revenue per unit of spend."""
    c = channels.dropna(subset=["revenue_per_spend"])
    ranked = c.sort_values("revenue_per_spend")
    return {
        "window": [f"{d:%Y-%m}" for d in channels.attrs.get("window", ())],
        "best_revenue_per_spend": str(ranked.iloc[-1]["channel"]) if len(c) else None,
        "worst_revenue_per_spend": str(ranked.iloc[0]["channel"]) if len(c) else None,
        "revenue_per_spend": {
            str(r.channel): plain(r.revenue_per_spend, 2) for r in c.itertuples()
        },
    }


def _effect_figures(effect: AlignmentEffect | None, series: AlignmentSeries | None) -> dict | None:
    """The before/after estimate (floats rounded to 4 decimals) and the series it ran on."""
    if effect is None:
        return None
    out = {k: plain(v, 4) if isinstance(v, float) else v for k, v in effect.as_dict().items()}
    out["series"] = series.kind if series is not None else None
    return out


def summary_figures(result: RevenueResult) -> dict:
    """The module's key figures for ``summary.json`` (plain, rounded values).

    Parameters
    ----------
    result : RevenueResult
        What the notebook computed; sections whose part is ``None`` are recorded as
        ``None`` (scenario, alignment effect) or left out (levers, economics,
        channels, tornado).
    """
    out = _plan_figures(result.model, result.plan, result.gap)
    out["lead_growth_monthly"] = plain(result.growth, 4)
    out["scenario"] = _scenario_figures(result.scenarios)
    if result.levers is not None:
        out.update(_lever_figures(result.levers))
    if result.economics is not None:
        out.update(_economics_figures(result.economics, result.gross_margin, result.scenarios))
    if result.channels is not None and len(result.channels):
        out["channels"] = _channel_figures(result.channels)
    if result.tornado is not None and len(result.tornado):
        out["tornado_top"] = str(result.tornado.iloc[0]["driver"])
    out["alignment_effect"] = _effect_figures(result.effect, result.series)
    return out
