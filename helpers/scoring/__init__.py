"""Module 4: a leakage-safe, time-aware MQL classifier turned into an agreed points table.

The steps, each a function a notebook calls in turn (the file that holds it in brackets):

1. :func:`try_build_labels` / :func:`build_labels` (``labels``) - converted (to SQL,
   opportunity or won) within ``horizon_days`` of the scoring moment (``created_at +
   score_after_days``); leads too young to know are excluded, never counted as failures.
   Lead-only exports without dates use their ``converted`` flag; an export that cannot tell who
   converted gives the reason module 4 is skipped.
2. :func:`build_features` (``features``, ``activities``, ``icp_tiers``) - firmographics, job
   title seniority and function, source, ICP tier, extra lead attributes, and marketing activity
   counts **up to the scoring moment**.
3. :func:`check_leaks` (``leakage``, ``leak_signals``, ``field_rules``, ``audit``) - every
   field gets a verdict (excluded / suspicious / kept on purpose / clean) from independent
   signals (single-field AUC, recorded after the scoring moment, near-pure levels,
   outcome-related missingness, process progress by name or value, outsized contribution),
   with the user's ``org.yml: field_decisions``; :func:`drop_leaks` removes the excluded
   fields and :func:`feature_audit` lists every field with an honest timing column.
4. :func:`check_sufficiency` (``gate``) - the data-sufficiency gate (1,000 leads / 120
   conversions); below it the agreed rule (``rule``) is used.
5. :func:`fit_guarded` (``models``, ``metrics``, ``plausibility``) - the agreed rule, a
   logistic regression and gradient boosting, compared out-of-time whenever the leads are dated
   (stratified cross-validation without dates); with many training leads gradient boosting
   learns from the size its learning curve chooses (``curve``); a validated AUC above the
   plausibility line names the fields that carry it, which are excluded and the models refitted.
6. :func:`choose_thresholds` (``thresholds``) - the sales-capacity cut and the cost/benefit cut
   (without dates: capacity from ``weekly_leads``, else cost/benefit, else a top share).
7. :func:`fit_points_table` (``points``, ``bins``) - an integer points table (the explicit MQL
   definition) and the reasons each lead gets, read from the points.
8. :func:`drift_report` (``drift``) - score calibration and PSI by period.
9. :func:`deployment_bundle`, :func:`score_leads`, :func:`save_model` / :func:`load_model`
   (skops with a fixed allowlist) and :func:`score_org` (``deployment``, ``scores``, ``card``).
10. :class:`ScoringResult` (``result``) gathers the results; :func:`write_module_outputs`
    (``outputs``) writes the artifacts and :func:`summary_figures` (``summary``) the figures.

Charts live in ``plots`` (each takes ``ax=None`` and returns the Axes) and are re-exported here:
``scoring.plot_gains(...)``. Importing this package loads no plotting library.
"""

from helpers.scoring.activities import activity_counts
from helpers.scoring.audit import UNKNOWN_TIMING, calendar_fields, feature_audit, field_timing
from helpers.scoring.bins import information_value
from helpers.scoring.card import model_card
from helpers.scoring.curve import (
    CURVE_MIN_ROWS,
    CURVE_START_ROWS,
    MIN_GAIN,
    LearningCurve,
    curve_sizes,
    fit_learning_curve,
)
from helpers.scoring.deployment import (
    ALLOWED_TYPES,
    MODEL_FORMAT,
    deployment_bundle,
    load_model,
    make_bundle,
    save_model,
    score_frame,
    score_leads,
    score_org,
    scorecard_from_bundle,
    scored_leads_table,
)
from helpers.scoring.drift import drift_by_period, drift_report, psi
from helpers.scoring.features import (
    FEATURE_LABELS,
    MISSING,
    NOT_FEATURES,
    OTHER,
    SALES_ACTIONS,
    FeatureSet,
    build_features,
    fit_vocabulary,
    model_matrix,
    title_function,
    title_seniority,
)
from helpers.scoring.field_rules import (
    CALENDAR_WORDS,
    PROGRESS_NAMES,
    calendar_reason,
    progress_name,
)
from helpers.scoring.gate import Sufficiency, check_sufficiency, skip_note
from helpers.scoring.icp_tiers import icp_definition, icp_tiers_for_leads, recompute_icp
from helpers.scoring.labels import (
    LABEL_STAGES,
    RECORDING_GAP_DAYS,
    LabelResult,
    NoLabelError,
    build_labels,
    conversion_times,
    export_date,
    try_build_labels,
)
from helpers.scoring.leak_signals import SIGNAL_NAMES, LeakRules, Signal
from helpers.scoring.leakage import (
    KNOWN_AT,
    VERDICTS,
    LeakReport,
    check_leaks,
    decision_of,
    detect_leaks,
    drop_leaks,
    field_decisions,
    find_leaks,
    single_feature_auc,
)
from helpers.scoring.metrics import evaluate, gains_table, reliability_table
from helpers.scoring.models import (
    MAX_LINEAR_ROWS,
    REFIT_MAX_ROWS,
    SCORER_NAMES,
    SINGLE_THREAD_ROWS,
    Scorers,
    Split,
    final_model,
    fit_scorers,
    latest_rows,
    make_boosting,
    make_logistic,
    predict_proba,
    time_split,
)
from helpers.scoring.outputs import write_module_outputs, write_outputs
from helpers.scoring.plausibility import (
    AccuracyCheck,
    GuardedFit,
    auc_interval,
    check_accuracy,
    fit_guarded,
    permutation_losses,
)
from helpers.scoring.plots import (
    BAND_COLORS,
    SCORER_COLORS,
    VERDICT_COLORS,
    plot_drift,
    plot_gains,
    plot_leak_report,
    plot_metrics,
    plot_points_table,
    plot_reason_frequency,
    plot_reliability,
    plot_score_bands,
    plot_threshold,
)
from helpers.scoring.points import (
    FEATURE_ATTRIBUTE,
    PointsTable,
    Scorecard,
    feature_attribute,
    fit_points_table,
    fit_scorecard,
    lead_reasons,
    points_threshold,
    reason_frequency,
    scorecard_agreement,
    scorecard_definition,
    scorecard_points,
    scorecard_probability,
)
from helpers.scoring.result import ScoringResult
from helpers.scoring.rule import (
    RuleSpec,
    rule_definition,
    rule_is_mql,
    rule_scored_leads,
    rule_scored_table,
    rule_scores,
)
from helpers.scoring.scores import (
    assign_bands,
    band_table,
    reference_quantiles,
    score_test_leads,
    to_score,
)
from helpers.scoring.summary import summary_figures, summary_sentence
from helpers.scoring.thresholds import (
    Threshold,
    Thresholds,
    capacity_threshold,
    choose_thresholds,
    cost_benefit_threshold,
    leads_per_rep,
    profit_threshold,
    threshold_at,
    touches_plateau,
    value_per_conversion,
    weekly_lead_inflow,
)

__all__ = [
    "ALLOWED_TYPES",
    "BAND_COLORS",
    "CALENDAR_WORDS",
    "FEATURE_ATTRIBUTE",
    "FEATURE_LABELS",
    "KNOWN_AT",
    "LABEL_STAGES",
    "MAX_LINEAR_ROWS",
    "MISSING",
    "MODEL_FORMAT",
    "NOT_FEATURES",
    "OTHER",
    "PROGRESS_NAMES",
    "RECORDING_GAP_DAYS",
    "REFIT_MAX_ROWS",
    "SALES_ACTIONS",
    "SCORER_COLORS",
    "SCORER_NAMES",
    "SIGNAL_NAMES",
    "SINGLE_THREAD_ROWS",
    "UNKNOWN_TIMING",
    "VERDICT_COLORS",
    "VERDICTS",
    "AccuracyCheck",
    "FeatureSet",
    "GuardedFit",
    "LabelResult",
    "NoLabelError",
    "LeakReport",
    "LeakRules",
    "PointsTable",
    "RuleSpec",
    "Scorecard",
    "Scorers",
    "LearningCurve",
    "CURVE_MIN_ROWS",
    "CURVE_START_ROWS",
    "MIN_GAIN",
    "curve_sizes",
    "fit_learning_curve",
    "profit_threshold",
    "ScoringResult",
    "Signal",
    "Split",
    "Sufficiency",
    "Threshold",
    "Thresholds",
    "activity_counts",
    "assign_bands",
    "auc_interval",
    "band_table",
    "build_features",
    "build_labels",
    "calendar_fields",
    "calendar_reason",
    "capacity_threshold",
    "check_accuracy",
    "check_leaks",
    "check_sufficiency",
    "choose_thresholds",
    "conversion_times",
    "cost_benefit_threshold",
    "decision_of",
    "deployment_bundle",
    "detect_leaks",
    "drift_by_period",
    "drift_report",
    "drop_leaks",
    "evaluate",
    "export_date",
    "feature_attribute",
    "feature_audit",
    "field_timing",
    "final_model",
    "find_leaks",
    "fit_guarded",
    "fit_points_table",
    "fit_scorecard",
    "fit_scorers",
    "field_decisions",
    "fit_vocabulary",
    "gains_table",
    "icp_definition",
    "icp_tiers_for_leads",
    "information_value",
    "latest_rows",
    "lead_reasons",
    "leads_per_rep",
    "load_model",
    "make_boosting",
    "make_bundle",
    "make_logistic",
    "model_card",
    "model_matrix",
    "permutation_losses",
    "plot_drift",
    "plot_gains",
    "plot_leak_report",
    "plot_metrics",
    "plot_points_table",
    "plot_reason_frequency",
    "plot_reliability",
    "plot_score_bands",
    "plot_threshold",
    "points_threshold",
    "predict_proba",
    "progress_name",
    "psi",
    "reason_frequency",
    "recompute_icp",
    "reference_quantiles",
    "reliability_table",
    "rule_definition",
    "rule_is_mql",
    "rule_scored_leads",
    "rule_scored_table",
    "rule_scores",
    "save_model",
    "score_frame",
    "score_leads",
    "score_org",
    "score_test_leads",
    "scorecard_agreement",
    "scorecard_definition",
    "scorecard_from_bundle",
    "scorecard_points",
    "scorecard_probability",
    "scored_leads_table",
    "single_feature_auc",
    "skip_note",
    "summary_figures",
    "summary_sentence",
    "threshold_at",
    "time_split",
    "title_function",
    "title_seniority",
    "to_score",
    "touches_plateau",
    "try_build_labels",
    "value_per_conversion",
    "weekly_lead_inflow",
    "write_module_outputs",
    "write_outputs",
]
