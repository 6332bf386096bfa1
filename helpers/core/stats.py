"""Shared statistics: one of each, used by every module.

Wilson intervals for proportions, the two-proportion test and the Mantel-Haenszel
risk ratio (funnel, ICP), Beta posteriors of conversion rates (revenue plan) and the
Newey-West covariance of OLS coefficients (alignment before/after estimate).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054

__all__ = [
    "Z95",
    "beta_posterior",
    "expected_inverse_beta",
    "hac_covariance",
    "mantel_haenszel_rr",
    "two_proportion_p",
    "wilson_interval",
]


def wilson_interval(wins, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (wins out of n).

    Parameters
    ----------
    wins, n : array-like of numbers
        Successes and trials; where ``n`` is 0 the interval is NaN.
    confidence : float
        Two-sided confidence level (0.95 by default).

    Returns
    -------
    (low, high) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    """
    z = Z95 if confidence == 0.95 else NormalDist().inv_cdf(0.5 + confidence / 2)
    wins = np.asarray(wins, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = wins / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        # the interval contains p; min/max only remove rounding (a low bound of 3e-18 at
        # p = 0 would give a chart a negative error bar)
        low = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0, 1), np.nan)
        high = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0, 1), np.nan)
    return low, high


def mantel_haenszel_rr(
    table: pd.DataFrame,
    *,
    stratum: str,
    exposed: str = "exposed",
    converted: str = "converted",
    n: str = "n",
    z: float = 1.96,
) -> dict:
    """Mantel-Haenszel risk ratio (exposed vs not) across strata, with a 95% interval.

    Parameters
    ----------
    table : DataFrame
        One row per (stratum, exposed) with counts of leads ``n`` and ``converted``.
    stratum : str
        Column naming the stratum (e.g. lead source).
    exposed : str
        Boolean column: True for the group compared, False for the reference group.

    Returns
    -------
    dict with ``rr``, ``low``, ``high`` (Greenland-Robins variance) and ``crude_rr``.
    """
    t = table.pivot_table(index=stratum, columns=exposed, values=[converted, n], aggfunc="sum", fill_value=0)
    if (True not in t[n].columns) or (False not in t[n].columns):
        return {"rr": np.nan, "low": np.nan, "high": np.nan, "crude_rr": np.nan}
    a, n1 = t[converted][True].to_numpy(float), t[n][True].to_numpy(float)
    c, n0 = t[converted][False].to_numpy(float), t[n][False].to_numpy(float)
    big_n = n1 + n0
    keep = (n1 > 0) & (n0 > 0)
    a, n1, c, n0, big_n = a[keep], n1[keep], c[keep], n0[keep], big_n[keep]
    r = np.sum(a * n0 / big_n)
    s = np.sum(c * n1 / big_n)
    crude = (a.sum() / n1.sum()) / (c.sum() / n0.sum()) if n1.sum() and c.sum() else np.nan
    if r == 0 or s == 0:
        return {"rr": np.nan, "low": np.nan, "high": np.nan, "crude_rr": crude}
    rr = r / s
    var = np.sum((n1 * n0 * (a + c) - a * c * big_n) / big_n**2) / (r * s)
    se = np.sqrt(max(var, 0.0))
    return {"rr": rr, "low": rr * np.exp(-z * se), "high": rr * np.exp(z * se), "crude_rr": crude}


def two_proportion_p(k1, n1, k2, n2) -> float:
    """Two-sided p-value of a two-proportion z test (NaN when a group is empty)."""
    from scipy.stats import norm

    if min(n1, n2) <= 0:
        return float("nan")
    p = (k1 + k2) / (n1 + n2)
    se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(2 * norm.sf(abs(k1 / n1 - k2 / n2) / se))


def beta_posterior(successes, trials, prior: tuple[float, float] = (1.0, 1.0)):
    """Beta posterior ``(a, b)`` of a conversion rate after ``successes`` out of ``trials``.

    A flat prior Beta(1, 1) by default: ``a = successes + 1``, ``b = trials - successes + 1``.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(s < 0) or np.any(n < s):
        raise ValueError("Conversions cannot be negative or exceed the number of leads that could convert.")
    return s + prior[0], n - s + prior[1]


def expected_inverse_beta(a, b):
    """Mean of ``1/p`` when ``p ~ Beta(a, b)``: ``(a + b - 1) / (a - 1)`` (needs ``a > 1``).

    This is what the Monte Carlo mean of "leads needed per win" converges to; it is
    larger than ``1 / mean(p) = (a + b) / a`` (Jensen's inequality).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if np.any(a <= 1):
        raise ValueError("The expected number of leads per conversion is infinite when no conversion was observed.")
    return (a + b - 1.0) / (a - 1.0)


def hac_covariance(X: np.ndarray, resid: np.ndarray, maxlags: int, *, correction: bool = True) -> np.ndarray:
    """Newey-West (Bartlett kernel) covariance of OLS coefficients, for many residual columns.

    Matches ``statsmodels`` ``cov_type="HAC"`` with ``use_correction=True`` for one
    column; ``resid`` may be (n,) or (n, B) for B simulated series at once.

    Returns
    -------
    ndarray
        (k, k) or (B, k, k).
    """
    X = np.asarray(X, dtype=float)
    E = np.asarray(resid, dtype=float)
    single = E.ndim == 1
    if single:
        E = E[:, None]
    n, k = X.shape
    bread = np.linalg.inv(X.T @ X)
    U = X[:, :, None] * E[:, None, :]
    S = np.einsum("tib,tjb->bij", U, U)
    for lag in range(1, maxlags + 1):
        w = 1.0 - lag / (maxlags + 1.0)
        G = np.einsum("tib,tjb->bij", U[lag:], U[:-lag])
        S += w * (G + np.transpose(G, (0, 2, 1)))
    V = bread[None] @ S @ bread[None]
    if correction:
        V *= n / (n - k)
    return V[0] if single else V
