"""The summary.json figures read from one result object (helpers/scoring/summary.py, result.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from scoring_fixtures import model_case

from helpers import scoring as S


@pytest.fixture(scope="module")
def learned():
    """Every step of module 4 on a small dated case: a result with a learned score."""
    leads, opps, fs, _ = model_case()
    labels = S.build_labels(leads, opps, horizon_days=30)
    gate = S.check_sufficiency(labels, min_leads=100, min_conversions=20)
    split = S.time_split(labels, test_share=0.25)
    leaks = S.find_leaks(fs, labels, split)
    fs = S.drop_leaks(fs, leaks)
    rule = S.RuleSpec()
    scorers = S.fit_scorers(fs, labels, split, rule=rule)
    thresholds = S.choose_thresholds(
        scorers,
        fs,
        labels,
        opps,
        summary={},
        sales_reps=2,
        leads_per_rep_per_week=5,
        touches_per_rep_per_week=0,
        touches_plateau_default=6,
    )
    points = S.fit_points_table(fs, labels, scorers, mql_share=thresholds.chosen.share_of_leads)
    drift = S.drift_report(scorers, fs, labels)
    return S.ScoringResult(
        labels,
        gate,
        fs,
        leaks,
        rule,
        scorers=scorers,
        thresholds=thresholds,
        points=points,
        drift=drift,
    )


def test_summary_of_a_learned_score(learned):
    s = S.summary_figures(learned)
    m = learned.scorers.metrics.set_index("scorer")
    assert s["sufficiency"] is True and s["scorer_used"] == learned.scorers.best
    assert s["validation"] == "out-of-time" and s["test_leads"] == len(learned.scorers.test_rows)
    assert s["auc_boosting"] == round(float(m.loc["gradient boosting", "roc_auc"]), 3)
    assert s["lift_top10"] == round(float(m.loc[learned.scorers.best, "lift_top10"]), 2)
    assert s["threshold_method"] == "sales capacity"
    assert s["threshold_probability"] == round(learned.thresholds.chosen.probability, 4)
    assert s["cost_benefit_threshold"] is None  # no deal amounts: no cost/benefit cut
    assert s["threshold_points"] == learned.points.threshold_points
    assert s["points_features"] == learned.points.importance["feature"].tolist()
    assert s["drift_latest_period"] == str(learned.drift["period"].iloc[-1])
    assert isinstance(s["drift_flag"], bool)
    assert s["excluded_leaks"] == learned.excluded_leaks
    assert not learned.learned  # no deployment bundle yet: the outputs would be the rule's
    # few training leads: every one trained gradient boosting, no learning curve
    assert s["training_rows_used"] == len(learned.scorers.split.train)
    assert "learning_curve" not in s


def test_summary_sentence_reads_the_outcome_in_plain_words(learned):
    s = S.summary_figures(learned)
    text = S.summary_sentence(s)
    n = len(learned.scorers.test_rows)
    assert text.startswith(
        f"The lead score uses {learned.scorers.best}, tested on the latest {n:,}"
    )
    assert f"converts {s['lift_top10']:.1f} times as often" in text
    leaks = {"excluded_leaks": ["budget_confirmed"], "suspicious_fields": ["notes"]}
    text = S.summary_sentence({**s, **leaks, "validation": "stratified 5-fold"})
    assert f"by cross-validation on {n:,} leads" in text
    assert "give away the outcome: budget_confirmed." in text
    assert text.endswith("To review with sales operations: notes.")
    below = {"sufficiency": False, "sufficiency_message": "Too little history: 300 leads."}
    assert S.summary_sentence(below) == (
        "The agreed MQL rule stays in use: Too little history: 300 leads. "
        "No field was left out as a leak."
    )
    assert "{" not in text  # a sentence, not a dict


def test_summary_below_the_gate_reports_the_agreed_rule(learned):
    gate = S.check_sufficiency(learned.labels, min_leads=10**6, min_conversions=10**6)
    result = S.ScoringResult(learned.labels, gate, learned.features, learned.leaks, learned.rule)
    s = S.summary_figures(result)
    assert s["sufficiency"] is False and s["scorer_used"] == "agreed rule"
    assert s["agreed_rule"] == "at least 2 marketing touches before scoring"
    assert 0 <= s["auc_rule"] <= 1 and 0 <= s["rule_mql_share"] <= 1
    assert "auc_boosting" not in s and "threshold_points" not in s


def test_rule_outputs_below_the_gate(learned, tmp_path):
    gate = S.check_sufficiency(learned.labels, min_leads=10**6, min_conversions=10**6)
    result = S.ScoringResult(learned.labels, gate, learned.features, learned.leaks, learned.rule)
    written = S.write_module_outputs(tmp_path, result, org_name="Tiny")
    assert set(written) == {"scored_leads", "definition"}
    scored = pd.read_csv(written["scored_leads"])
    assert {"lead_id", "conditions_met", "mql", "reasons_for", "reasons_against"} <= set(
        scored.columns
    )
    assert not (tmp_path / "mql_model.skops").exists()


def test_summary_and_model_card_of_an_undated_flag_export_say_only_what_is_known(tmp_path):
    leads, _, fs, y = model_case()
    flag = leads.drop(columns="created_at").assign(converted=pd.array(y, "boolean"))
    labels = S.build_labels(flag)
    gate = S.check_sufficiency(labels, min_leads=100, min_conversions=20)
    split = S.time_split(labels)
    leaks = S.check_leaks(fs, labels, split)
    fit = S.fit_guarded(S.drop_leaks(fs, leaks), labels, split, leaks)
    thr = S.choose_thresholds(
        fit.scorers,
        fit.features,
        labels,
        None,
        summary={},
        sales_reps=2,
        leads_per_rep_per_week=5,
        touches_per_rep_per_week=0,
        touches_plateau_default=6,
    )
    points = S.fit_points_table(fit.features, labels, fit.scorers, mql_share=0.2)
    bundle = S.deployment_bundle(fit.scorers, fit.features, labels, points=points, thresholds=thr)
    scored = S.score_leads(bundle, fit.features, labels, fit.scorers)
    result = S.ScoringResult(
        labels,
        gate,
        fit.features,
        fit.leaks,
        S.RuleSpec(),
        scorers=fit.scorers,
        thresholds=thr,
        points=points,
        bundle=bundle,
        scored=scored,
        accuracy=fit.checks,
    )
    s = S.summary_figures(result)
    assert "horizon_days" not in s and "score_after_days" not in s  # no horizon applied
    assert (
        s["validation"].startswith("stratified") and "no creation dates" in s["validation_reason"]
    )
    assert s["threshold_method"] == "top 20%" and s["suspicious_fields"] == []
    assert "process progress (values)" in s["leak_checks_not_run"]
    S.write_module_outputs(tmp_path, result, org_name="Lead list")
    card = (tmp_path / "mql_model_card.md").read_text(encoding="utf-8")
    assert "None" not in card and "horizon_days" not in card and "data_from" not in card
    assert "The leads carry no creation dates" in card and "cross-validated" in card
    assert "same test leads" not in card
