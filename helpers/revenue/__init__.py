"""Module 3: the leads a revenue plan needs, and what alignment is worth.

The seed article asks for "the number of leads needed to achieve the revenue
plan" and quotes "19% faster revenue growth and 15% higher profitability" for
highly aligned B2B organizations. This package makes both concrete for one
organization, with the uncertainty its own data carries. One module per step:

* ``funnel_model`` (with ``stages`` and ``common``): :func:`try_build_funnel`
  measures today's funnel - stage times, conversion rates on mature cohorts with
  Beta posteriors, median lags, deal size, run-rate.
* ``plan``: the **reverse waterfall** (:func:`reverse_waterfall`, :func:`lead_plan`,
  :func:`plan_gap`): revenue plan / deal size -> wins -> opportunities -> SQLs ->
  MQLs -> inquiries, each stage shifted earlier by its median lag, with Monte Carlo
  intervals. Nothing is rounded between stages; only the final counts are rounded
  **up** (:func:`ceil_count`).
* ``levers`` and ``scenarios``: a driver-based projection (:func:`project_scenarios`)
  of today's funnel against an aligned funnel whose levers
  (:func:`alignment_levers`: :func:`worked_lever`, :func:`sla_lever`) come from the
  org's own evidence on under-worked leads and response time (module 2's findings
  when present).
* ``economics``: gross margin, cost per MQL, CAC, payback and, by channel, cost per
  MQL / SQL / won deal and won revenue per unit of spend on mature lead cohorts.
* ``tornado``: revenue per lever improvement (:func:`sensitivity`).
* ``claims``: the published alignment claims with their source and grade, never
  used as proof (:func:`claims_ledger`).
* ``history`` and ``alignment_effect``: level and slope change of log monthly won
  revenue (per inquiry, by lead cohort) at the alignment start date, with
  autocorrelation-robust (Newey-West) errors whose p-values and intervals are
  calibrated by simulation (:func:`alignment_series`, :func:`segmented_regression`).
* ``display`` (tables and sentences shown in the notebook), ``plots`` (charts,
  matplotlib loaded only when one is drawn) and ``summary`` (the figures recorded
  in summary.json from one :class:`RevenueResult`).

Every function takes DataFrames with the canonical column names as defaults and
does no I/O.
"""

from helpers.revenue.alignment_effect import (
    AlignmentEffect,
    estimate_alignment_effect,
    segmented_regression,
)
from helpers.revenue.claims import CLAIM_GRADES, claims_comparison, claims_ledger, org_claim_rows
from helpers.revenue.common import (
    CEIL_TOLERANCE,
    LEAD_STAGE_COLUMNS,
    MONTH_DAYS,
    STAGE_LABELS,
    data_end,
    last_complete_month,
    month_start,
)
from helpers.revenue.display import (
    effect_sentence,
    for_csv,
    growth_sentence,
    profit_sentence,
    rates_table,
    skipped_sentence,
)
from helpers.revenue.economics import (
    aligned_cac,
    channel_investments,
    gross_margin_rate,
    unit_economics,
)
from helpers.revenue.funnel_model import (
    DealSize,
    FunnelModel,
    build_funnel,
    deal_size,
    lag_months,
    monthly_stage_counts,
    run_rate,
    stage_rates,
    try_build_funnel,
)
from helpers.revenue.history import AlignmentSeries, alignment_series, monthly_won_revenue
from helpers.revenue.levers import (
    Lever,
    LeverSet,
    alignment_levers,
    combine_levers,
    conversion_by_touches,
    mature_work,
    sales_work,
    sla_lever,
    worked_lever,
)
from helpers.revenue.plan import (
    PlanTargets,
    ceil_count,
    draw_stage_factors,
    lead_plan,
    plan_gap,
    plan_targets,
    reverse_waterfall,
)
from helpers.revenue.plots import (
    plot_alignment_history,
    plot_channels,
    plot_claims,
    plot_fan_chart,
    plot_gap,
    plot_plan_vs_run_rate,
    plot_tornado,
)
from helpers.revenue.scenarios import ScenarioResult, estimate_growth, project_scenarios
from helpers.revenue.stages import available_stages, stage_times
from helpers.revenue.summary import RevenueResult, summary_figures
from helpers.revenue.tornado import sensitivity

__all__ = [
    "CEIL_TOLERANCE",
    "CLAIM_GRADES",
    "LEAD_STAGE_COLUMNS",
    "MONTH_DAYS",
    "STAGE_LABELS",
    "AlignmentEffect",
    "AlignmentSeries",
    "DealSize",
    "FunnelModel",
    "Lever",
    "LeverSet",
    "PlanTargets",
    "RevenueResult",
    "ScenarioResult",
    "aligned_cac",
    "alignment_levers",
    "alignment_series",
    "available_stages",
    "build_funnel",
    "ceil_count",
    "channel_investments",
    "claims_comparison",
    "claims_ledger",
    "combine_levers",
    "conversion_by_touches",
    "data_end",
    "deal_size",
    "draw_stage_factors",
    "effect_sentence",
    "estimate_alignment_effect",
    "estimate_growth",
    "for_csv",
    "gross_margin_rate",
    "growth_sentence",
    "lag_months",
    "last_complete_month",
    "lead_plan",
    "mature_work",
    "month_start",
    "monthly_stage_counts",
    "monthly_won_revenue",
    "org_claim_rows",
    "plan_gap",
    "plan_targets",
    "plot_alignment_history",
    "plot_channels",
    "plot_claims",
    "plot_fan_chart",
    "plot_gap",
    "plot_plan_vs_run_rate",
    "plot_tornado",
    "profit_sentence",
    "project_scenarios",
    "rates_table",
    "reverse_waterfall",
    "run_rate",
    "sales_work",
    "segmented_regression",
    "sensitivity",
    "skipped_sentence",
    "sla_lever",
    "stage_rates",
    "stage_times",
    "summary_figures",
    "try_build_funnel",
    "unit_economics",
    "worked_lever",
]
