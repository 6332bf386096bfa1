"""The learning curve that chooses gradient boosting's training size, and the fits it spares
(helpers/scoring/curve.py, with its use in models.py, thresholds.py and summary.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import choose_thresholds, model_case

from helpers import scoring as S
from helpers.scoring import curve as C
from helpers.scoring import models as M
from helpers.scoring import thresholds as T


def test_curve_sizes_double_then_take_every_lead():
    assert C.curve_sizes(430_000, 50_000) == [50_000, 100_000, 200_000, 400_000, 430_000]
    assert C.curve_sizes(50_000, 50_000) == [50_000]
    assert C.curve_sizes(30_000, 50_000) == [30_000]


def _planted(n=12_000, seed=1):
    """One strong number and noise: the curve flattens after a few thousand leads."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 2.0 * x)))).astype(int)
    return pd.DataFrame({"x": x, "noise": rng.normal(size=n)}), y


def _curve(X, y, train, **kw):
    make = lambda: S.make_boosting(["x", "noise"], [], seed=0)  # noqa: E731
    return C.fit_learning_curve(make, X, y, train, fit=M._fit_quiet, predict=M.predict_proba, **kw)


def test_the_curve_stops_when_doubling_the_leads_gains_nothing():
    X, y = _planted()
    train = np.arange(10_000)
    curve = _curve(X, y, train, start=500, min_gain=0.002)
    # the validation slice is the latest 10% of the training leads, never learned from
    assert curve.validation.tolist() == list(range(9_000, 10_000))
    assert not set(curve.rows) & set(curve.validation)
    assert curve.rows.max() == 8_999  # the latest leads before the slice
    t = curve.table
    assert t["training_leads"].tolist()[:2] == [500, 1000]
    assert curve.rows_used == t["training_leads"].iloc[-1] < 9_000  # stopped before all
    assert "gained" in curve.stop or "shrink" in curve.stop
    # the kept model is the last one fitted, and its slice predictions are that model's
    p = M.predict_proba(curve.model, X.iloc[curve.validation])
    assert np.allclose(p, curve.validation_p)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y[curve.validation], p) == pytest.approx(t["validation_auc"].iloc[-1])
    assert f"latest {curve.rows_used:,} of the 10,000" in curve.describe(10_000)
    assert curve.as_records()[0] == {
        "training_leads": 500,
        "validation_auc": round(t["validation_auc"].iloc[0], 4),
    }


def test_without_a_flat_gain_every_training_lead_is_used():
    X, y = _planted(n=4_000)
    curve = _curve(X, y, np.arange(4_000), start=1_000, min_gain=-1.0)
    assert curve.table["training_leads"].tolist() == [1_000, 2_000, 3_600]
    assert curve.rows_used == 3_600 and curve.stop == "every training lead was used"


def test_a_validation_slice_with_one_outcome_gives_no_curve():
    X, y = _planted(n=2_000)
    y[-200:] = 0
    assert _curve(X, y, np.arange(2_000), start=500) is None


@pytest.fixture
def small_curve(monkeypatch):
    """module 4's out-of-time fit with the curve's thresholds scaled down to a test org."""
    monkeypatch.setattr(C, "CURVE_MIN_ROWS", 500)
    monkeypatch.setattr(C, "CURVE_START_ROWS", 200)
    monkeypatch.setattr(C, "MIN_GAIN", -1.0)  # grow to every lead: a known size
    leads, opps, fs, y = model_case(n=3000)
    lab = S.build_labels(leads, opps, horizon_days=30)
    split = S.time_split(lab, test_share=0.25)
    return S.fit_scorers(fs, lab, split, seed=0), fs, lab, opps


def test_fit_scorers_keeps_the_curve_model_and_scores_each_lead_once(small_curve):
    sc, fs, lab, _ = small_curve
    curve = sc.curve
    assert sc.models["gradient boosting"] is curve.model  # not refitted
    n_train = len(sc.split.train)
    n_val = round(0.1 * n_train)
    assert curve.validation.tolist() == sc.split.train[-n_val:].tolist()
    assert curve.rows_used == n_train - n_val
    assert not set(curve.rows) & set(sc.test_rows)  # the test leads stay unseen
    # every lead's probability is the best model's, test leads' reused from the evaluation
    X = S.model_matrix(fs, fs.numeric, fs.categorical)
    assert list(sc.all_predictions) == [sc.best]
    assert np.allclose(sc.all_predictions[sc.best], M.predict_proba(sc.best_model, X))
    assert np.array_equal(sc.all_predictions[sc.best][sc.test_rows], sc.predictions[sc.best])
    assert sc.training_note == curve.describe(n_train)  # under 200k: no word on the linear model


def test_summary_reports_the_training_size_and_the_curve(small_curve):
    sc, fs, lab, _ = small_curve
    figures = S.summary_figures(
        S.ScoringResult(
            lab,
            S.check_sufficiency(lab, min_leads=10, min_conversions=5),
            fs,
            S.check_leaks(fs, lab, sc.split),
            S.RuleSpec(),
            scorers=sc,
        )
    )
    assert figures["training_rows_used"] == sc.curve.rows_used
    assert figures["learning_curve"] == sc.curve.as_records()
    assert [r["training_leads"] for r in figures["learning_curve"]] == [
        200,
        400,
        800,
        1600,
        sc.curve.rows_used,
    ]
    assert figures["learning_curve_stop"] == "every training lead was used"


def test_cost_benefit_cut_reads_the_curve_slice_without_a_new_fit(small_curve, monkeypatch):
    sc, fs, lab, opps = small_curve
    sc.best = "gradient boosting"  # the slice tunes gradient boosting (here the linear model wins)

    def no_fit(*a, **k):
        raise AssertionError("the cost/benefit tuner refitted a model")

    monkeypatch.setattr(T, "cost_benefit_threshold", no_fit)
    opps = opps.assign(amount=10_000.0)
    thr = choose_thresholds(
        sc, fs, lab, opps, sales_reps=2, leads_per_rep_per_week=5, cost_per_mql=300,
        gross_margin=0.7,
    )
    y_val = lab.table["label"].to_numpy()[sc.curve.validation]
    expect, _ = S.profit_threshold(
        sc.curve.validation_p, y_val, gain_per_conversion=7_000, cost_per_mql=300
    )
    assert thr.cost_benefit.probability == pytest.approx(expect)


def test_profit_threshold_averages_the_profit_of_each_fold():
    rng = np.random.default_rng(0)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    groups = np.repeat([0, 1], 500)
    cut, curve = S.profit_threshold(p, y, gain_per_conversion=500, cost_per_mql=100, groups=groups)
    # brute force at one threshold: profit per lead in each fold, then the mean
    t = curve["threshold"].to_numpy()[40]
    by_fold = [
        (((p[g] >= t) & (y[g] == 1)).sum() * 500 - (p[g] >= t).sum() * 100) / g.sum()
        for g in (groups == 0, groups == 1)
    ]
    assert curve["profit_per_lead"].iloc[40] == pytest.approx(np.mean(by_fold))
    assert cut == curve["threshold"].iloc[int(curve["profit_per_lead"].to_numpy().argmax())]
    assert 0.1 < cut < 0.35  # working a lead pays once p > cost / gain = 0.2
    with pytest.raises(ValueError, match="positive"):
        S.profit_threshold(p, y, gain_per_conversion=0, cost_per_mql=100)


def test_without_dates_nothing_is_refitted_after_cross_validation(monkeypatch):
    leads, _, fs, y = model_case()
    flag = leads.drop(columns="created_at").assign(converted=pd.array(y, "boolean"))
    lab = S.build_labels(flag)
    sc = S.fit_scorers(fs, lab, S.time_split(lab))
    assert len(sc.fold_models[sc.best]) == 5 and list(sc.models) == [sc.best]
    monkeypatch.setattr(M, "_fit_quiet", lambda *a, **k: pytest.fail("a model was refitted"))
    monkeypatch.setattr(T, "cost_benefit_threshold", lambda *a, **k: pytest.fail("tuner fit"))
    model, ref = S.final_model(sc, fs, lab)
    assert model is sc.best_model  # fitted on every labelled lead already
    assert np.array_equal(ref, sc.all_predictions[sc.best][np.flatnonzero(lab.table["eligible"])])
    won = flag["lead_id"][y].to_numpy()
    opps = pd.DataFrame({"lead_id": won, "outcome": "won", "amount": 20_000.0})
    thr = choose_thresholds(sc, fs, lab, opps)
    folds = np.concatenate([np.full(len(te), i) for i, (_, te) in enumerate(sc.split.folds)])
    expect, _ = S.profit_threshold(
        sc.predictions[sc.best],
        sc.y_test,
        groups=folds,
        gain_per_conversion=20_000 * 0.7,
        cost_per_mql=300,
    )
    assert thr.cost_benefit.probability == pytest.approx(expect)
    assert any("out-of-fold predictions" in n for n in thr.notes)
