"""Funnel leakage: where leads leak, how fast sales responds, how many touches they get,
and whose side each leak is on (module 2).

The analysis starts from one row per lead, its *journey*: the date it reached each
stage of the org's funnel (``org.yml: stages``), whether it became an opportunity and
was won, and when it was closed out. Every metric below reads that table.

Two rules apply everywhere:

* **Right-censoring.** A lead counts in a stage's conversion only once it has had
  ``k`` days to convert (``k`` = the 90th percentile of that stage's lag among leads
  that did convert, or a parameter), counted back from the export date (the latest
  timestamp in the data). Younger leads are left out of the rate - neither converted
  nor lost - because they may still convert.
* **Recycled leads** (the same ``person_key`` entering again) are counted once: the
  record that went furthest down the funnel is kept.

Stages the export never records are collapsed (``Journeys.collapsed``): with no SAL date,
MQL -> SQL is measured directly instead of showing an empty SAL stage.

**The headline is the leak a team can act on**, not the one that loses the most raw revenue
(the final stage does whenever win rates are low): stages are ranked by *recoverable*
revenue, the gap between a group of a stage's leads and a comparable group the org already
has (the fit leads' rate, worked leads or the better-following-up reps, its best comparable
quarter, or a graded external range), and each cause is judged only where it can act:
under-working before the opportunity, low fit anywhere from the MQL, worked-and-lost at the
final stage.

Modules: ``journeys`` (the per-lead table), ``org`` (:func:`from_org`), ``conversion``
(censored stage conversion, cohorts), ``benchmarks`` (external ranges and claims),
``speed`` (speed-to-lead), ``touches`` (touch columns, the buyer's journey, the touches
curve and its plateau), ``fit`` (low-fit leads), ``attribution`` (raw leak ranking, lost
leads' causes and sides), ``gaps`` (recoverable leads per stage and cause), ``headline``
(the actionable ranking and headline), ``alerts`` (weekly leak alerts), ``owners`` (the
by-rep view, owners who under-work), ``sections`` (what the export cannot feed),
``display`` (weekly and quarterly meeting tables), ``summary`` (``summary.json`` figures
and key points) and ``plots`` (charts; matplotlib is imported only when one is drawn).
"""

from helpers.funnel.alerts import alert_counts, weekly_alerts, weekly_alerts_by_transition
from helpers.funnel.attribution import (
    ATTRIBUTION_CAUSES,
    CAUSE_SIDE,
    attribute_losses,
    attribution_shares,
    average_deal,
    leakage_ranking,
    touch_stage,
    under_worked_flags,
    under_worked_share,
)
from helpers.funnel.benchmarks import BENCHMARKS, CLAIMS, benchmark_comparison
from helpers.funnel.conversion import (
    censor_windows,
    cohort_waterfall,
    conversion_table,
    eligibility,
    period_comparison,
    period_start,
    span_window,
    stage_lags,
    stage_volumes,
)
from helpers.funnel.display import quarterly_view, weekly_view
from helpers.funnel.fit import FIT_TIERS, LOW_FIT_TIERS, buyer_profile, fit_proxy, low_fit_flags
from helpers.funnel.gaps import leak_cause, leak_gaps, stage_causes
from helpers.funnel.headline import headline, headline_sentence, leak_gap_table, recoverable_ranking
from helpers.funnel.journeys import (
    DAY,
    HOUR,
    Journeys,
    build_journeys,
    default_start,
    default_target,
    detect_recording_start,
    is_date_only,
    journey_stage,
    split_transition,
    stage_contract,
    transitions,
)
from helpers.funnel.org import from_org, try_from_org
from helpers.funnel.owners import (
    UnderWorkingOwners,
    owners_sentence,
    rep_table,
    under_working_owners,
)
from helpers.funnel.plots import (
    plot_attribution,
    plot_benchmarks,
    plot_censoring_effect,
    plot_cohort_conversion,
    plot_leakage,
    plot_recoverable,
    plot_reps,
    plot_speed_to_lead,
    plot_touch_curve,
    plot_touch_hazard,
    plot_waterfall,
    plot_weekly_alerts,
)
from helpers.funnel.sections import skipped_sections
from helpers.funnel.speed import (
    RESPONSE_BUCKETS,
    RESPONSE_BUCKETS_DAYS,
    SpeedToLead,
    has_first_touch,
    response_bucket,
    speed_to_lead,
)
from helpers.funnel.summary import FunnelResult, key_points, summary_figures
from helpers.funnel.touches import (
    Plateau,
    add_touches,
    curve_from_counts,
    find_plateau,
    has_touch_data,
    journey_before_sales,
    touch_curve,
)

__all__ = [
    "ATTRIBUTION_CAUSES",
    "BENCHMARKS",
    "CAUSE_SIDE",
    "CLAIMS",
    "DAY",
    "FIT_TIERS",
    "FunnelResult",
    "HOUR",
    "Journeys",
    "LOW_FIT_TIERS",
    "Plateau",
    "RESPONSE_BUCKETS",
    "RESPONSE_BUCKETS_DAYS",
    "SpeedToLead",
    "UnderWorkingOwners",
    "add_touches",
    "alert_counts",
    "attribute_losses",
    "attribution_shares",
    "average_deal",
    "benchmark_comparison",
    "build_journeys",
    "buyer_profile",
    "censor_windows",
    "cohort_waterfall",
    "conversion_table",
    "curve_from_counts",
    "default_start",
    "default_target",
    "detect_recording_start",
    "eligibility",
    "find_plateau",
    "fit_proxy",
    "from_org",
    "has_first_touch",
    "has_touch_data",
    "headline",
    "headline_sentence",
    "is_date_only",
    "journey_before_sales",
    "journey_stage",
    "key_points",
    "leak_cause",
    "leak_gap_table",
    "leak_gaps",
    "leakage_ranking",
    "low_fit_flags",
    "period_comparison",
    "period_start",
    "owners_sentence",
    "plot_attribution",
    "plot_benchmarks",
    "plot_censoring_effect",
    "plot_cohort_conversion",
    "plot_leakage",
    "plot_recoverable",
    "plot_reps",
    "plot_speed_to_lead",
    "plot_touch_curve",
    "plot_touch_hazard",
    "plot_waterfall",
    "plot_weekly_alerts",
    "quarterly_view",
    "recoverable_ranking",
    "rep_table",
    "response_bucket",
    "skipped_sections",
    "span_window",
    "speed_to_lead",
    "split_transition",
    "stage_causes",
    "stage_contract",
    "stage_lags",
    "stage_volumes",
    "summary_figures",
    "touch_curve",
    "touch_stage",
    "transitions",
    "try_from_org",
    "under_worked_flags",
    "under_worked_share",
    "under_working_owners",
    "weekly_alerts",
    "weekly_alerts_by_transition",
    "weekly_view",
]
