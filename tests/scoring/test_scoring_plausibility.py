"""Implausible accuracy: a validated AUC above the line names its carriers, which are excluded
and the models refitted (helpers/scoring/plausibility.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import scoring as S


def test_auc_interval_narrows_with_more_leads():
    lo_small, hi_small = S.auc_interval(0.9, 30, 300)
    lo_big, hi_big = S.auc_interval(0.9, 300, 3000)
    assert lo_small < lo_big < 0.9 < hi_big < hi_small
    assert np.isnan(S.auc_interval(0.9, 0, 10)[0])


def _case(leak: bool, n=4000, seed=9):
    """Dated leads with two honest drivers and, optionally, a leak no field signal names."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2022-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 700, n)), "D")
    x = rng.normal(size=n)
    c = rng.choice(["web", "event", "list"], n)
    y = rng.random(n) < 1 / (1 + np.exp(-(-1.8 + 0.9 * x + 0.7 * (c == "event"))))
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "created_at": created.floor("s")})
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"O{i}" for i in range(int(y.sum()))],
            "lead_id": leads["lead_id"][y].to_numpy(),
            "created_at": (leads["created_at"][y] + pd.Timedelta(days=3)).to_numpy(),
            "outcome": "won",
        }
    )
    frame = pd.DataFrame({"channel": pd.Series(c, dtype="str"), "x": x})
    if leak:  # a number typed in after the outcome, under a neutral name: single AUC ~0.92
        frame["field_q"] = y + rng.normal(0, 0.5, n)
    numeric = [k for k in frame if k != "channel"]
    fs = S.FeatureSet(frame, numeric, ["channel"], {k: k for k in frame}, {})
    labels = S.build_labels(leads, opps, horizon_days=30)
    return fs, labels


@pytest.fixture(scope="module")
def leaky_fit():
    fs, labels = _case(leak=True)
    split = S.time_split(labels)
    rep = S.check_leaks(fs, labels, split)
    fit = S.fit_guarded(S.drop_leaks(fs, rep), labels, split, rep)
    return fs, labels, split, rep, fit


def test_a_leak_no_field_signal_excludes_is_caught_by_its_accuracy(leaky_fit):
    fs, labels, split, rep, fit = leaky_fit
    t = rep.table.set_index("feature")
    assert t.loc["field_q", "single_auc"] < 0.95  # under the single-field line
    assert t.loc["field_q", "verdict"] == "suspicious"  # only an outsized contribution
    first = fit.checks[0]
    assert first.action == "refit" and first.carriers == ["field_q"]
    assert first.auc > 0.9 and "almost certainly a leak" in first.message
    assert fit.refitted == ["field_q"] and fit.checks[-1].action == "none"
    assert "field_q" not in fit.features.columns
    final = fit.leaks.table.set_index("feature")
    assert final.loc["field_q", "verdict"] == "excluded"
    assert "implausible accuracy" in final.loc["field_q", "signals"]
    # the refitted models match the ones fitted without the leak by hand
    by_hand = S.fit_scorers(fs.drop(["field_q"], "by hand"), labels, split)
    got = fit.scorers.metrics.set_index("scorer")["roc_auc"]
    want = by_hand.metrics.set_index("scorer")["roc_auc"]
    assert (got - want).abs().max() <= 0.02


def test_the_summary_records_the_refit(leaky_fit):
    fs, labels, split, _, fit = leaky_fit
    gate = S.check_sufficiency(labels)
    result = S.ScoringResult(
        labels,
        gate,
        fit.features,
        fit.leaks,
        S.RuleSpec(),
        scorers=fit.scorers,
        accuracy=fit.checks,
    )
    s = S.summary_figures(result)
    assert s["excluded_leaks"] == ["field_q"]
    ia = s["implausible_accuracy"]
    assert ia["action"] == "refit" and ia["fields"] == ["field_q"] and ia["line"] == 0.9
    assert ia["validated_auc"] > 0.9 >= ia["auc_after"]
    assert ia["auc_after"] == pytest.approx(max(s["auc_logistic"], s["auc_boosting"]), abs=1e-3)


def test_a_plausible_score_is_left_alone():
    fs, labels = _case(leak=False)
    split = S.time_split(labels)
    rep = S.check_leaks(fs, labels, split)
    fit = S.fit_guarded(S.drop_leaks(fs, rep), labels, split, rep)
    assert [c.action for c in fit.checks] == ["none"] and fit.refitted == []
    assert "plausible" in fit.message and rep.excluded == [] and rep.suspicious == []


def test_fields_kept_on_purpose_are_never_named(leaky_fit):
    fs, labels, split, _, _ = leaky_fit
    rep = S.check_leaks(fs, labels, split, decisions={"field_q": {"keep": True}})
    assert rep.kept_on_purpose == ["field_q"]
    fit = S.fit_guarded(S.drop_leaks(fs, rep), labels, split, rep, max_rounds=1)
    assert "field_q" in fit.features.columns
    assert all("field_q" not in c.carriers for c in fit.checks)


def test_without_dates_the_leak_is_named_by_the_fold_models_without_a_refit(monkeypatch):
    from helpers.scoring import leak_signals, plausibility

    fs, labels = _case(leak=True)
    flag = labels.table[["lead_id"]].assign(converted=pd.array(labels.table["label"], "boolean"))
    undated = S.build_labels(flag)
    split = S.time_split(undated)
    assert split.folds is not None
    scorers = S.fit_scorers(fs, undated, split)

    def no_refit(*a, **k):
        raise AssertionError("the permutation check refitted a model")

    monkeypatch.setattr(leak_signals, "permutation_contribution", no_refit)
    monkeypatch.setattr(plausibility, "fit_scorers", no_refit)
    losses = S.permutation_losses(scorers, fs, undated).set_index("feature")["auc_loss"]
    assert losses.idxmax() == "field_q" and losses["field_q"] > 0.05  # the leak carries most
    assert losses.drop("field_q").max() < losses["field_q"] / 2
