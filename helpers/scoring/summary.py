"""The key figures of module 4 recorded in ``summary.json`` (plain, rounded numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import roc_auc_score

from helpers.core.report import plain
from helpers.scoring.points import feature_attribute
from helpers.scoring.rule import rule_is_mql, rule_scores

if TYPE_CHECKING:
    import pandas as pd

    from helpers.scoring.models import Scorers
    from helpers.scoring.points import PointsTable
    from helpers.scoring.result import ScoringResult
    from helpers.scoring.thresholds import Thresholds


def summary_figures(result: ScoringResult) -> dict[str, Any]:
    """The key figures of module 4 for ``summary.json``.

    Parameters
    ----------
    result : ScoringResult
        What the module computed.

    Returns
    -------
    dict
        The label and the gate always; below the gate (or without a model) the agreed rule's
        figures; else the scorers', and the threshold's, points table's and drift's when they ran.
    """
    labels, gate = result.labels, result.gate
    out: dict[str, Any] = {"label_stage": labels.label_stage}
    if labels.mode == "dated":  # a flag label has no horizon and no scoring delay
        out["horizon_days"] = labels.horizon_days
        out["score_after_days"] = labels.score_after_days
    out.update(
        {
            "label_mode": labels.mode,
            "eligible_leads": labels.n_eligible,
            "conversions": labels.n_conversions,
            "sufficiency": bool(gate.ok),
            "sufficiency_message": gate.message,
        }
    )
    out.update(_leak_figures(result))
    if not gate.ok or result.scorers is None:
        out["scorer_used"] = "agreed rule"
        out.update(_rule_figures(result))
        return out
    out.update(_scorer_figures(result.scorers))
    if result.thresholds is not None:
        out.update(_threshold_figures(result.thresholds))
    if result.points is not None:
        out.update(_points_figures(result.points))
    if result.drift is not None and len(result.drift):
        out.update(_drift_figures(result.drift))
    return out


def _leak_figures(result: ScoringResult) -> dict[str, Any]:
    """The leakage check: fields excluded, suspicious and kept on purpose, with their signals,
    the checks that could not run, the user's decisions and the implausible-accuracy check."""
    t = result.leak_table
    out: dict[str, Any] = {
        "excluded_leaks": result.excluded_leaks,
        "suspicious_fields": result.fields_with("suspicious"),
        "kept_on_purpose": result.fields_with("kept on purpose"),
    }
    if len(t) and "signals" in t.columns:
        flagged = t[t["verdict"].ne("clean")]
        out["leak_signals"] = dict(zip(flagged["feature"], flagged["signals"]))
        decided = t[t["decision"].astype(bool)]
        out["field_decisions"] = dict(zip(decided["feature"], decided["decision"]))
    checks = getattr(result.leaks, "checks", None)
    if checks is not None:
        out["leak_checks_not_run"] = checks.loc[~checks["ran"], "check"].tolist()
        out["leak_check_cv_auc"] = plain(result.leaks.cv_auc, 3)
    fired = [c for c in result.accuracy if c.action != "none"]
    if fired:
        out["implausible_accuracy"] = {
            "validated_auc": plain(fired[0].auc, 3),
            "line": fired[0].line,
            "action": "refit" if any(c.action == "refit" for c in fired) else "announced",
            "fields": [f for c in fired if c.action == "refit" for f in c.carriers],
            "auc_after": plain(result.accuracy[-1].auc, 3),
        }
    return out


def _rule_figures(result: ScoringResult) -> dict[str, Any]:
    """The agreed rule in words, its ROC AUC and MQL share on the labelled leads."""
    rule, fs = result.rule, result.features
    if rule is None or fs is None:
        return {}
    out: dict[str, Any] = {"agreed_rule": rule.describe(list(fs.frame.columns))}
    elig = result.labels.table["eligible"].to_numpy()
    y = result.labels.table["label"].to_numpy()[elig]
    if len(np.unique(y)) == 2:
        out["auc_rule"] = plain(roc_auc_score(y, rule_scores(fs.frame[elig], rule)), 3)
        out["rule_mql_share"] = plain(rule_is_mql(fs.frame[elig], rule).mean(), 3)
    return out


def _scorer_figures(scorers: Scorers) -> dict[str, Any]:
    """The validation and the three scorers' test metrics (the best model's in detail)."""
    m = scorers.metrics.set_index("scorer")
    best = m.loc[scorers.best]
    return {
        "validation": scorers.split.kind,
        "validation_reason": scorers.split.reason,
        "test_leads": int(len(scorers.test_rows)),
        "test_from": str(scorers.split.cut.date()) if scorers.split.cut is not None else None,
        "auc_rule": plain(m.loc["agreed rule", "roc_auc"], 3),
        "auc_logistic": plain(m.loc["logistic regression", "roc_auc"], 3),
        "auc_boosting": plain(m.loc["gradient boosting", "roc_auc"], 3),
        "best_model": scorers.best,
        "scorer_used": scorers.best,
        "pr_auc": plain(best["pr_auc"], 3),
        "lift_top10": plain(best["lift_top10"], 2),
        "precision_top10": plain(best["precision_top10"], 3),
        "lift_top20": plain(best["lift_top20"], 2),
        "brier": plain(best["brier"], 4),
        "base_rate": plain(best["base_rate"], 3),
        "rule_lift_top10": plain(m.loc["agreed rule", "lift_top10"], 2),
        **_training_figures(scorers),
    }


def _training_figures(scorers: Scorers) -> dict[str, Any]:
    """How many training leads gradient boosting learned from, and its learning curve when the
    training leads were many enough to need one."""
    curve = scorers.curve
    if curve is None:
        return {"training_rows_used": int(len(scorers.split.train))}
    return {
        "training_rows_used": curve.rows_used,
        "learning_curve": curve.as_records(),
        "learning_curve_stop": curve.stop,
    }


def _threshold_figures(thresholds: Thresholds) -> dict[str, Any]:
    """The MQL cut used and what it means for a week of sales work."""
    c = thresholds.chosen
    cost_benefit = thresholds.cost_benefit
    return {
        "threshold_method": c.method,
        "threshold_probability": plain(c.probability, 4),
        "mql_share": plain(c.share_of_leads, 3),
        "weekly_leads": plain(c.weekly_leads, 1),
        "expected_weekly_mqls": plain(c.weekly_mqls, 1),
        "expected_mql_conversion": plain(c.conversion_rate, 3),
        "expected_weekly_conversions": plain(c.weekly_conversions, 2),
        "expected_weekly_revenue": plain(c.weekly_revenue, 0),
        "cost_benefit_threshold": plain(cost_benefit.probability, 4) if cost_benefit else None,
    }


def _points_figures(points: PointsTable) -> dict[str, Any]:
    """The points table's threshold, agreement with the best model and its attributes."""
    features = points.importance["feature"]
    return {
        "threshold_points": int(points.threshold_points),
        "points_rank_correlation": plain(points.agreement["rank_correlation"], 3),
        "points_auc": plain(points.agreement["auc_points"], 3),
        "points_features": features.tolist(),
        "points_attributes": list(dict.fromkeys(feature_attribute(f) for f in features)),
    }


def _drift_figures(drift: pd.DataFrame) -> dict[str, Any]:
    """The latest period's PSI and whether it calls for a retrain."""
    last = drift.iloc[-1]
    return {
        "drift_latest_period": str(last["period"]),
        "drift_latest_psi": plain(last["psi"], 3),
        "drift_flag": bool(last["drift"]),
    }


def summary_sentence(figures: dict[str, Any]) -> str:
    """Module 4's outcome in plain words for the business report (from :func:`summary_figures`).

    Which score is used and how well it was tested, then the fields excluded as leaks and
    those left for a person to review.
    """
    scorer = figures.get("scorer_used", "agreed rule")
    if not figures.get("sufficiency") or scorer == "agreed rule":
        head = f"The agreed MQL rule stays in use: {figures.get('sufficiency_message', '')}".strip()
    else:
        n = figures.get("test_leads", 0)
        how = (
            f"on the latest {n:,} leads (trained on earlier ones)"
            if figures.get("validation") == "out-of-time"
            else f"by cross-validation on {n:,} leads"
        )
        head = (
            f"The lead score uses {scorer}, tested {how}: its best tenth converts "
            f"{figures.get('lift_top10', float('nan')):.1f} times as often as the average lead."
        )
    excluded = figures.get("excluded_leaks") or []
    suspicious = figures.get("suspicious_fields") or []
    leaks = (
        f"Left out because they give away the outcome: {', '.join(excluded)}."
        if excluded
        else "No field was left out as a leak."
    )
    review = f"To review with sales operations: {', '.join(suspicious)}." if suspicious else ""
    return " ".join(x for x in (head, leaks, review) if x)
