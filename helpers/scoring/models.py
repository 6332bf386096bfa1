"""Step 5, validation: the out-of-time split, the three scorers and the model to deploy.

:func:`time_split` trains on earlier leads and tests on the latest whenever the leads are
dated (stratified cross-validation only without dates, and it says why); :func:`fit_scorers`
compares the agreed rule, a logistic regression and gradient boosting on the same test leads;
:func:`final_model` refits the best one on every labelled lead. No model is fitted twice on the
same leads: with many training leads gradient boosting learns from the size its learning curve
chooses (``curve``), every lead is predicted once per model that needs it, and after
cross-validation the model fitted on every eligible lead is the one deployed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    QuantileTransformer,
    SplineTransformer,
)

from helpers.scoring import curve as curve_module
from helpers.scoring.curve import LearningCurve, fit_learning_curve
from helpers.scoring.features import FeatureSet, model_matrix
from helpers.scoring.metrics import evaluate
from helpers.scoring.rule import RuleSpec, rule_scores

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult

#: Below this many rows a model fits on one thread: on a small shared machine (2 cores, tests
#: run by two workers) OpenMP threads fighting for the cores make small fits 10-20 times slower.
SINGLE_THREAD_ROWS = 10**12  # i.e. always: measured 5x slower with 2 threads under load
#: The logistic regression and the points table learn from at most this many of the latest
#: training leads (a linear model gains nothing from more; gradient boosting uses them all).
MAX_LINEAR_ROWS = 200_000
#: From this many training leads on, the evaluated model is deployed without a refit.
REFIT_MAX_ROWS = 300_000


@dataclass
class Split:
    """Which eligible leads train and which test (positions in the leads' order).

    ``kind`` is ``"out-of-time"`` or ``"stratified k-fold"``; ``reason`` says why that
    validation was chosen.
    """

    train: np.ndarray
    test: np.ndarray
    kind: str
    cut: pd.Timestamp | None
    description: str
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None
    reason: str = ""


def time_split(
    labels: LabelResult, *, test_share: float = 0.25, seed: int = 42, min_dated: float = 0.9
) -> Split:
    """Out-of-time split whenever the leads have creation dates (train on earlier leads, test on
    the latest ``test_share``), stratified cross-validation only without them.

    Lead dates decide, not conversion dates: an export whose label is a conversion flag but
    whose leads are dated is still tested on its latest leads. Eligible leads without a date
    (when at least ``min_dated`` of them have one) only train.
    """
    t = labels.table
    elig = np.flatnonzero(t["eligible"].to_numpy())
    created = t["created_at"].to_numpy()[elig]
    dated = ~pd.isna(created)
    y = t["label"].to_numpy()
    if len(elig) and dated.mean() >= min_dated:
        split = _out_of_time(t, elig[dated], elig[~dated], test_share, y)
        if split is not None:
            flag = " (the conversion flag itself is not dated)" if labels.mode == "flag" else ""
            split.reason = (
                f"The leads have creation dates{flag}, so the score is tested as it will be "
                "used: trained on earlier leads, scored on the latest ones."
            )
            return split
        why = "the latest leads hold only one outcome, so an out-of-time test is impossible"
    elif len(elig) and dated.any():
        why = f"only {dated.mean():.0%} of the leads have a creation date"
    else:
        why = "the leads have no creation dates"
    split = _stratified(elig, y[elig], seed)
    split.reason = (
        f"Stratified cross-validation because {why}: every lead is scored by a model that did "
        "not see it, but periods are mixed, which usually overstates next quarter's accuracy."
    )
    return split


def _out_of_time(
    t: pd.DataFrame, dated: np.ndarray, undated: np.ndarray, test_share: float, y: np.ndarray
) -> Split | None:
    """Train on the earlier dated leads (and the undated ones), test on the latest."""
    created = t["created_at"].to_numpy()
    order = dated[np.argsort(created[dated], kind="stable")]
    n_test = max(1, int(round(test_share * len(order))))
    cut = pd.Timestamp(created[order[-n_test]])
    test = order[created[order] >= cut.to_datetime64()]
    train = np.concatenate([undated, order[created[order] < cut.to_datetime64()]])
    if len(np.unique(y[test])) < 2 or len(np.unique(y[train])) < 2:
        return None
    extra = f" ({len(undated):,} undated leads train only)" if len(undated) else ""
    desc = (
        f"Out-of-time: trained on {len(train):,} leads created before {cut:%Y-%m-%d}{extra}, "
        f"tested on the {len(test):,} created from then on."
    )
    return Split(train, test, "out-of-time", cut, desc)


def _stratified(elig: np.ndarray, y: np.ndarray, seed: int) -> Split:
    """Stratified k-fold cross-validation of the eligible leads (k up to 5)."""
    k = int(min(5, np.bincount(y, minlength=2).min()))
    if k < 2:
        raise ValueError("Cross-validation needs at least 2 converted and 2 other leads.")
    skf = StratifiedKFold(k, shuffle=True, random_state=seed)
    folds = [(elig[a], elig[b]) for a, b in skf.split(elig, y)]
    desc = (
        f"Stratified {k}-fold cross-validation on {len(elig):,} leads (every lead is scored by "
        "a model that did not see it, but periods are mixed)."
    )
    return Split(elig, elig, f"stratified {k}-fold", None, desc, folds)


def make_logistic(numeric: list[str], categorical: list[str], *, C: float = 0.5) -> Pipeline:
    """Logistic regression with smooth (spline) effects for numbers and one-hot categories.

    Expects :func:`model_matrix` input (text features as category codes).
    """
    num = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("rank", QuantileTransformer(n_quantiles=100, subsample=100_000, random_state=0)),
            ("spline", SplineTransformer(n_knots=4, degree=2, extrapolation="constant")),
        ]
    )
    cat = Pipeline(
        [
            ("missing", SimpleImputer(strategy="constant", fill_value=-1)),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    steps = []
    if categorical:
        steps.append(("cat", cat, categorical))
    if numeric:
        steps.append(("num", num, numeric))
        steps.append(("missing", MissingIndicator(features="all", error_on_new=False), numeric))
    pre = ColumnTransformer(steps, sparse_threshold=0.0)
    return Pipeline([("prepare", pre), ("model", LogisticRegression(C=C, max_iter=3000))])


def make_boosting(numeric: list[str], categorical: list[str], *, seed: int = 42) -> Pipeline:
    """Histogram gradient boosting with native categories (from :func:`model_matrix` codes)."""
    mask = [True] * len(categorical) + [False] * len(numeric)
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=mask if categorical else None,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=25,
        random_state=seed,
    )
    return Pipeline([("model", model)])


@dataclass
class Scorers:
    """The three scorers fitted on the training leads and their test predictions.

    ``models`` holds each model fitted on the training leads; with cross-validation only the
    better one is fitted on every eligible lead (the other's final fit would never be used).

    ``all_predictions`` and ``train_predictions`` hold the best model's probabilities on every
    lead and on the training leads (the other model's are never needed, so never computed).
    ``curve`` is gradient boosting's learning curve (None when every training lead trained
    it); ``fold_models`` the models of each cross-validation fold (None out-of-time).
    """

    test_rows: np.ndarray
    y_test: np.ndarray
    predictions: dict[str, np.ndarray]
    models: dict[str, Pipeline]
    metrics: pd.DataFrame
    best: str
    train_predictions: dict[str, np.ndarray]
    all_predictions: dict[str, np.ndarray]
    split: Split
    rule: RuleSpec
    numeric: list[str]
    categorical: list[str]
    curve: LearningCurve | None = None
    fold_models: dict[str, list[Pipeline]] | None = None

    @property
    def training_note(self) -> str:
        """How many training leads gradient boosting learned from, and why, in one sentence."""
        n = len(self.split.train)
        linear = (
            f" The logistic regression learned from the latest {MAX_LINEAR_ROWS:,}."
            if n > MAX_LINEAR_ROWS
            else ""
        )
        if self.curve is not None:
            return self.curve.describe(n) + linear
        if not linear:
            return f"Both models learned from all {n:,} training leads."
        return f"Gradient boosting learned from all {n:,} training leads.{linear}"

    @property
    def best_model(self) -> Pipeline:
        """The fitted model with the higher test ROC AUC."""
        return self.models[self.best]


SCORER_NAMES = ("agreed rule", "logistic regression", "gradient boosting")


def fit_scorers(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split,
    *,
    rule: RuleSpec | None = None,
    seed: int = 42,
) -> Scorers:
    """Fit the logistic regression and gradient boosting on the training leads and score the
    test leads with them and with the agreed rule. The best model is the one with the higher
    test ROC AUC."""
    rule = rule or RuleSpec()
    X = model_matrix(fs, fs.numeric, fs.categorical)
    y = labels.table["label"].to_numpy()
    if len(np.unique(y[split.train])) < 2:
        raise ValueError(
            "The training leads are all converted or all not converted: a score cannot be learned."
        )
    if not fs.columns:
        raise ValueError(
            "No usable feature is left after the leakage check: nothing to learn from."
        )
    makers = {
        "logistic regression": lambda: make_logistic(fs.numeric, fs.categorical),
        "gradient boosting": lambda: make_boosting(fs.numeric, fs.categorical, seed=seed),
    }
    if split.folds is None:
        test = split.test
        models, curve = _fit_out_of_time(makers, X, y, split.train, seed)
        preds = {name: predict_proba(m, X.iloc[test]) for name, m in models.items()}
        fold_models = None
    else:
        test = np.concatenate([te for _, te in split.folds])
        preds, fold_models = _fit_folds(makers, X, y, split, seed)
        models, curve = {}, None
    preds = {"agreed rule": rule_scores(fs.frame.iloc[test], rule), **preds}
    metrics = evaluate(y[test], preds, probabilities={"logistic regression", "gradient boosting"})
    model_rows = metrics[metrics.scorer != "agreed rule"]
    best = str(model_rows.sort_values("roc_auc", ascending=False).scorer.iloc[0])
    if split.folds is not None:  # the model deployed: the best one, on every eligible lead
        tr = (
            latest_rows(split.train, MAX_LINEAR_ROWS)
            if best == "logistic regression"
            else split.train
        )
        models[best] = _fit_quiet(makers[best](), X.iloc[tr], y[tr])
    known = preds[best] if split.folds is None else None  # its test leads are scored already
    all_p = {best: _predict_all(models[best], X, test, known)}
    train_p = {best: all_p[best][split.train]}
    return Scorers(
        test,
        y[test],
        preds,
        models,
        metrics,
        best,
        train_p,
        all_p,
        split,
        rule,
        fs.numeric,
        fs.categorical,
        curve,
        fold_models,
    )


def _predict_all(
    model: Pipeline, X: pd.DataFrame, test: np.ndarray, test_p: np.ndarray | None
) -> np.ndarray:
    """The model's probabilities on every lead, reusing ``test_p`` (its predictions on the
    ``test`` rows) when given: each lead is predicted once."""
    if test_p is None:
        return predict_proba(model, X)
    out = np.empty(len(X), dtype="float64")
    rest = np.ones(len(X), dtype=bool)
    rest[test] = False
    out[test] = test_p
    if rest.any():
        out[rest] = predict_proba(model, X.iloc[np.flatnonzero(rest)])
    return out


def _fit_out_of_time(
    makers: dict, X: pd.DataFrame, y: np.ndarray, train: np.ndarray, seed: int
) -> tuple[dict[str, Pipeline], LearningCurve | None]:
    """Each model fitted once on the training leads: the logistic regression on the latest
    ``MAX_LINEAR_ROWS``, gradient boosting on all of them or, past ``CURVE_MIN_ROWS``, on the
    size its learning curve chooses (:func:`fit_learning_curve`)."""
    models: dict[str, Pipeline] = {}
    curve = None
    for name, make in makers.items():
        if name == "gradient boosting" and len(train) > curve_module.CURVE_MIN_ROWS:
            curve = fit_learning_curve(make, X, y, train, fit=_fit_quiet, predict=predict_proba)
            if curve is not None:
                models[name] = curve.model
                continue
        tr = latest_rows(train, MAX_LINEAR_ROWS, seed) if name == "logistic regression" else train
        models[name] = _fit_quiet(make(), X.iloc[tr], y[tr])
    return models, curve


def _fit_folds(
    makers: dict, X: pd.DataFrame, y: np.ndarray, split: Split, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, list[Pipeline]]]:
    """Out-of-fold predictions of each model and its fold models (reused by the permutation
    check); only the better model is then fitted on every eligible lead (by the caller)."""
    preds: dict[str, np.ndarray] = {}
    fold_models: dict[str, list[Pipeline]] = {}
    for name, make in makers.items():
        out, fold_models[name] = [], []
        for tr, te in split.folds:
            tr = latest_rows(tr, MAX_LINEAR_ROWS, seed) if name == "logistic regression" else tr
            m = _fit_quiet(make(), X.iloc[tr], y[tr])
            fold_models[name].append(m)
            out.append(predict_proba(m, X.iloc[te]))
        preds[name] = np.concatenate(out)
    return preds, fold_models


def _quiet(n_rows: int = 0):
    """Silence library warnings (stable notebook text); one thread for small data."""
    from contextlib import ExitStack

    from threadpoolctl import threadpool_limits

    stack = ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    if n_rows < SINGLE_THREAD_ROWS:
        stack.enter_context(threadpool_limits(limits=1))
    return stack


def latest_rows(rows: np.ndarray, max_rows: int, seed: int = 42) -> np.ndarray:
    """At most ``max_rows`` of ``rows``: the last ones (rows are in time order when dated)."""
    rows = np.asarray(rows)
    return rows if len(rows) <= max_rows else rows[-max_rows:]


def _fit_quiet(model, X: pd.DataFrame, y: np.ndarray):
    """``model.fit(X, y)`` with library warnings silenced (see :func:`_quiet`)."""
    with _quiet(len(y)):
        return model.fit(X, y)


def predict_proba(model: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """Probability of converting (library warnings silenced)."""
    with _quiet(len(X)):
        return model.predict_proba(X)[:, 1]


def final_model(
    scorers: Scorers, fs: FeatureSet, labels: LabelResult, *, seed: int = 42
) -> tuple[Pipeline, np.ndarray]:
    """Refit the best model on every labelled lead (the model to deploy).

    When the training leads already number ``REFIT_MAX_ROWS`` or more, the evaluated model is
    kept as it is (refitting on a few more leads would change little and cost minutes); so is
    it when it already learned from every labelled lead (cross-validation: no refit on the
    same leads).

    Returns the fitted pipeline and its probabilities on those leads (the reference
    distribution for the 1-99 score).
    """
    rows = np.flatnonzero(labels.table["eligible"].to_numpy())
    same_rows = np.array_equal(np.sort(scorers.split.train), rows)  # cross-validation
    if same_rows or len(scorers.split.train) >= REFIT_MAX_ROWS:  # never the same fit twice
        return scorers.best_model, scorers.all_predictions[scorers.best][rows]
    else:
        X = model_matrix(fs, fs.numeric, fs.categorical)
        y = labels.table["label"].to_numpy()
        make = (
            make_boosting(fs.numeric, fs.categorical, seed=seed)
            if scorers.best == "gradient boosting"
            else make_logistic(fs.numeric, fs.categorical)
        )
        model = _fit_quiet(make, X.iloc[rows], y[rows])
    return model, predict_proba(model, X.iloc[rows])
