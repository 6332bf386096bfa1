"""Each leak signal on its own: the planted leak is caught, the honest strong field is kept
(helpers/scoring/leak_signals.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import scoring as S
from helpers.scoring import leak_signals as sig

RULES = S.LeakRules()


@pytest.fixture(scope="module")
def case():
    """3,000 leads, 15% converting, with an honest strong channel and planted leaks."""
    rng = np.random.default_rng(12)
    n = 3000
    channel = rng.choice(
        ["Inbound Call", "Webinar", "Paid Social", "Search"], n, p=[0.08, 0.3, 0.3, 0.32]
    )
    logit = -2.2 + 2.0 * (channel == "Inbound Call") - 1.2 * (channel == "Paid Social")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    worked = rng.random(n) < np.where(y == 1, 0.95, 0.5)
    # a sales status: "Closed" for most converted leads, "Ringing" for many others
    status = np.where(
        y == 1,
        rng.choice(["Closed by sales", "Will revert", None], n, p=[0.6, 0.3, 0.1]),
        np.where(worked, rng.choice(["Ringing", "Will revert", None], n, p=[0.5, 0.2, 0.3]), None),
    )
    rating = np.where(
        rng.random(n) < np.where(y == 1, 0.8, 0.12), rng.choice(["High", "Low"], n), None
    )
    age = rng.uniform(0, 700, n)
    stage_changes = rng.poisson(0.3 + 1.5 * y + age / 200)
    engaged = rng.poisson(1 + 1.5 * y)  # honest: grows with intent, not with age
    frame = pd.DataFrame(
        {
            "channel": pd.Series(channel, dtype="str"),
            "status": pd.Series(status, dtype="str"),
            "rating": pd.Series(rating, dtype="str"),
            "stage_changes": stage_changes.astype(float),
            "engagement": engaged.astype(float),
        }
    )
    return frame, y, age


def test_near_pure_level_is_caught_and_a_strong_honest_channel_is_not(case):
    frame, y, _ = case
    found = sig.near_pure_signal(frame["status"], y, RULES)
    assert found is not None and found.strong
    assert "'Closed by sales' converts 100%" in found.evidence
    assert "'Ringing' never converts" in found.evidence
    # Inbound Call converts far more often than the rest, Paid Social rarely: neither is pure
    assert sig.near_pure_signal(frame["channel"], y, RULES) is None
    # a level converting almost never (but not never) is only a warning: a junk channel
    rng = np.random.default_rng(0)
    junk = pd.Series(rng.choice(["a", "b"], len(y)), dtype="str")
    junk[(y == 0) & (rng.random(len(y)) < 0.4)] = "junk"
    junk[np.flatnonzero(y == 1)[:3]] = "junk"
    weak = sig.near_pure_signal(junk, y, RULES)
    assert weak is not None and not weak.strong and "'junk' converts 0.3%" in weak.evidence


def test_near_pure_needs_enough_leads_and_a_moderate_rate(case):
    frame, y, _ = case
    tiny = pd.Series(np.where(np.arange(len(y)) < 20, "rare", "common"), dtype="str")
    y2 = y.copy()
    y2[:20] = 1  # a 20-lead level that always converts: too small to judge
    assert sig.near_pure_signal(tiny, y2, RULES) is None
    assert sig.near_pure_signal(frame["status"], np.ones_like(y), RULES) is None


def test_missingness_catches_a_rating_filled_after_contact(case):
    frame, y, _ = case
    found = sig.missingness_signal(frame["rating"], y, RULES)
    assert found is not None and found.strong
    assert "filled for 8" in found.evidence and "converted leads" in found.evidence
    assert sig.missingness_signal(frame["channel"], y, RULES) is None  # always filled
    fp, fn = sig.fill_rates(frame["rating"], y)
    assert fp > 0.7 and fn < 0.2


def test_missingness_of_numbers_counts_zero_as_empty():
    rng = np.random.default_rng(3)
    y = (rng.random(2000) < 0.2).astype(int)
    seconds = np.where(
        rng.random(2000) < np.where(y == 1, 0.9, 0.15), rng.uniform(60, 900, 2000), 0
    )
    found = sig.missingness_signal(pd.Series(seconds), y, RULES)
    assert found is not None and found.strong and "not zero" in found.evidence


def test_progress_by_name_and_by_value(case):
    frame, y, age = case
    by_name = sig.progress_signal("Elapsed Days In Sales Stage", np.nan, RULES)
    assert by_name is not None and by_name.strong and "stage" in by_name.evidence
    rho = sig.age_correlation(frame["stage_changes"], y, age)
    assert rho > 0.3
    by_value = sig.progress_signal("field_7", rho, RULES)
    assert by_value is not None and not by_value.strong and "age at the export" in by_value.evidence
    honest = sig.age_correlation(frame["engagement"], y, age)
    assert abs(honest) < 0.1
    assert sig.progress_signal("engagement", honest, RULES) is None
    assert np.isnan(sig.age_correlation(frame["engagement"], y, None))  # no dates: not run


def test_single_auc_and_after_moment_lines():
    assert sig.single_auc_signal(0.97, RULES).strong
    assert sig.single_auc_signal(0.93, RULES) is None
    assert sig.after_moment_signal(0.8, RULES).strong
    assert sig.after_moment_signal(0.2, RULES) is None


def test_outsized_contribution_flags_a_field_the_model_leans_on(case):
    frame, y, _ = case
    rng = np.random.default_rng(4)
    X = pd.DataFrame(
        {
            "channel": pd.factorize(frame["channel"])[0].astype(float),
            "engagement": frame["engagement"],
            "noise": rng.normal(size=len(y)),
            "leaky": y + rng.normal(0, 0.45, len(y)),  # a neutral name, single AUC ~0.94
        }
    )

    def make():
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=60, random_state=0)

    contrib = sig.permutation_contribution(X, y, make, seed=0)
    single = {c: S.single_feature_auc(X[c], y) for c in X}
    found = sig.contribution_signals(contrib, single, RULES)
    assert set(found) == {"leaky"}
    assert contrib.loss["leaky"] > 5 * max(contrib.loss["channel"], contrib.loss["engagement"])
    honest = sig.permutation_contribution(X.drop(columns="leaky"), y, make, seed=0)
    single = {c: S.single_feature_auc(X[c], y) for c in honest.loss}
    assert sig.contribution_signals(honest, single, RULES) == {}


@pytest.mark.parametrize(
    "s",
    [
        pd.Series(["a", None, "b", "a", "b", "b"], dtype="str"),
        pd.Series([1.0, np.nan, 2.5, 3.0, 1.0, 7.0]),  # a number: only missing vs filled
        pd.Series([0.0, 1.0, np.nan, 1.0, 0.0, 1.0]),  # a 0/1 flag: its values are levels
        pd.Series([True, False, None, True, True, False], dtype=object),
    ],
)
def test_level_counts_name_and_count_each_level(s):
    y = np.array([1, 0, 0, 1, 1, 0])
    g = sig._level_counts(s, y)
    # the levels as text (missing named), counted one lead at a time
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if numeric and s.nunique() > 2:
        text = np.where(s.isna(), "(missing)", "")
    elif numeric:
        text = [("(missing)" if pd.isna(v) else f"{v:g}") for v in s]
    else:
        text = [("(missing)" if pd.isna(v) else str(v)) for v in s]
    slow = pd.DataFrame({"v": list(text), "y": y}).groupby("v")["y"].agg(["size", "sum"])
    assert g.index.tolist() == slow.index.tolist()
    assert g["size"].tolist() == slow["size"].tolist()
    assert g["sum"].tolist() == slow["sum"].astype(float).tolist()
