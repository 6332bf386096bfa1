"""helpers/core/stats.py: the one Wilson interval, Mantel-Haenszel, two-proportion test, Beta, HAC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core import stats

# --------------------------------------------------------------------------- Wilson


def test_wilson_interval_known_values():
    low, high = stats.wilson_interval([5, 0, 10], [10, 10, 10])
    np.testing.assert_allclose(low, [0.236593, 0.0, 0.722467], atol=1e-5)
    np.testing.assert_allclose(high, [0.763407, 0.277533, 1.0], atol=1e-5)
    lo, hi = stats.wilson_interval(5, 10)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.2366, 0.7634)


def test_wilson_interval_of_no_trials_is_nan():
    low, high = stats.wilson_interval([5, 0], [10, 0])
    assert low[0] == pytest.approx(0.2366, abs=1e-4) and high[0] == pytest.approx(0.7634, abs=1e-4)
    assert np.isnan(low[1]) and np.isnan(high[1])
    lo0, hi0 = stats.wilson_interval(0, 0)
    assert np.isnan(lo0) and np.isnan(hi0)


def test_wilson_bounds_contain_the_proportion_and_stay_in_0_1():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 500, 2000)
    wins = rng.binomial(n, rng.uniform(0, 1, 2000))
    wins[:50], wins[50:100] = 0, n[50:100]  # the edges: no wins, all wins
    low, high = stats.wilson_interval(wins, n)
    p = wins / n
    assert (low <= p).all() and (p <= high).all()
    assert (low >= 0).all() and (high <= 1).all()
    assert (low[:50] == 0).all() and (high[50:100] == 1).all()


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_matches_statsmodels(confidence):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = stats.wilson_interval(37, 120, confidence=confidence)
    slo, shi = proportion_confint(37, 120, alpha=1 - confidence, method="wilson")
    assert lo == pytest.approx(slo, abs=1e-9) and hi == pytest.approx(shi, abs=1e-9)


def test_z95_is_the_exact_quantile():
    from scipy.stats import norm

    assert stats.Z95 == pytest.approx(norm.ppf(0.975), abs=1e-15)


# --------------------------------------------------------------------------- Mantel-Haenszel


def test_mantel_haenszel_removes_confounding_by_stratum():
    # Within each source the bucket makes no difference; crude RR is 2.33 because the
    # fast-answered source also converts better.
    t = pd.DataFrame(
        {
            "source": ["A", "A", "B", "B"],
            "exposed": [True, False, True, False],
            "converted": [40, 10, 2, 8],
            "n": [80, 20, 20, 80],
        }
    )
    r = stats.mantel_haenszel_rr(t, stratum="source")
    assert r["crude_rr"] == pytest.approx(42 / 18)
    assert r["rr"] == pytest.approx(1.0)
    assert r["low"] < 1 < r["high"]


def test_mantel_haenszel_single_stratum_is_the_risk_ratio():
    t = pd.DataFrame({"s": ["x", "x"], "exposed": [True, False], "converted": [30, 10], "n": [100, 100]})
    r = stats.mantel_haenszel_rr(t, stratum="s")
    assert r["rr"] == pytest.approx(3.0) and r["crude_rr"] == pytest.approx(3.0)
    # Greenland-Robins variance of log RR for one 2x2 table: 1/a - 1/n1 + 1/c - 1/n0
    se = np.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)
    assert r["low"] == pytest.approx(3.0 * np.exp(-1.96 * se))
    assert r["high"] == pytest.approx(3.0 * np.exp(1.96 * se))


def test_mantel_haenszel_without_a_comparison_group_is_nan():
    t = pd.DataFrame({"s": ["x"], "exposed": [True], "converted": [3], "n": [10]})
    r = stats.mantel_haenszel_rr(t, stratum="s")
    assert all(np.isnan(r[k]) for k in ("rr", "low", "high", "crude_rr"))


# --------------------------------------------------------------------------- two proportions


def test_two_proportion_p():
    assert stats.two_proportion_p(50, 100, 50, 100) == pytest.approx(1.0)
    assert stats.two_proportion_p(80, 100, 20, 100) < 1e-10
    assert np.isnan(stats.two_proportion_p(1, 0, 5, 10))
    assert stats.two_proportion_p(0, 10, 0, 10) == 1.0  # no variance: no evidence


def test_two_proportion_p_matches_statsmodels():
    from statsmodels.stats.proportion import proportions_ztest

    _, p = proportions_ztest([30, 45], [100, 110])
    assert stats.two_proportion_p(30, 100, 45, 110) == pytest.approx(p, rel=1e-12)


# --------------------------------------------------------------------------- Beta


def test_beta_posterior_flat_prior():
    a, b = stats.beta_posterior(30, 100)
    assert (a, b) == (31.0, 71.0)
    a, b = stats.beta_posterior([0, 5], [10, 5], prior=(0.5, 2.0))
    np.testing.assert_allclose(a, [0.5, 5.5])
    np.testing.assert_allclose(b, [12.0, 2.0])
    with pytest.raises(ValueError):
        stats.beta_posterior(5, 3)
    with pytest.raises(ValueError):
        stats.beta_posterior(-1, 3)


def test_expected_inverse_is_not_inverse_of_mean():
    a, b = 31.0, 71.0
    assert stats.expected_inverse_beta(a, b) == pytest.approx((a + b - 1) / (a - 1))
    assert stats.expected_inverse_beta(a, b) > (a + b) / a
    with pytest.raises(ValueError, match="infinite"):
        stats.expected_inverse_beta(1.0, 10.0)


def test_expected_inverse_beta_matches_monte_carlo():
    rng = np.random.default_rng(1)
    draws = rng.beta(31.0, 71.0, 400_000)
    assert stats.expected_inverse_beta(31.0, 71.0) == pytest.approx(np.mean(1 / draws), rel=2e-3)


# --------------------------------------------------------------------------- HAC


def _ols_design():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = sm.add_constant(np.column_stack([np.arange(30.0), (np.arange(30) >= 15).astype(float)]))
    y = X @ [1.0, 0.02, 0.3] + rng.normal(0, 0.2, 30)
    return X, y


def test_hac_covariance_matches_statsmodels():
    import statsmodels.api as sm

    X, y = _ols_design()
    fit = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True})
    np.testing.assert_allclose(stats.hac_covariance(X, fit.resid, 2), fit.cov_params(), rtol=1e-10)
    plain = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": False})
    np.testing.assert_allclose(
        stats.hac_covariance(X, plain.resid, 2, correction=False), plain.cov_params(), rtol=1e-10
    )


def test_hac_covariance_of_many_residual_columns_at_once():
    X, y = _ols_design()
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r1 = y - X @ beta
    r2 = np.roll(r1, 3)
    many = stats.hac_covariance(X, np.column_stack([r1, r2]), 2)
    assert many.shape == (2, 3, 3)
    np.testing.assert_allclose(many[0], stats.hac_covariance(X, r1, 2))
    np.testing.assert_allclose(many[1], stats.hac_covariance(X, r2, 2))
