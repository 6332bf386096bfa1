"""How well a score ranks and calibrates: ROC/PR AUC, lift, gains and reliability tables.

Ties in a score (the agreed rule gives many leads the same value) are broken at random in
expectation, so a coarse scorer is neither helped nor hurt by the order of its ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def _expected_top(y: np.ndarray, s: np.ndarray, share: float | np.ndarray) -> float | np.ndarray:
    """Expected conversions in the top ``share`` by score, ties broken at random.

    ``share`` may be an array of shares: the leads are sorted once for all of them.
    """
    n = len(y)
    k = np.asarray(share, dtype="float64") * n
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    uniq, start = np.unique(-s_sorted, return_index=True)
    ends = np.append(start[1:], n)
    cum_y = np.concatenate([[0.0], np.cumsum(y_sorted)])
    # conversions at each tie-group boundary; linear within a group = random tie-break
    xs = np.concatenate([[0], ends])
    ys = cum_y[xs]
    got = np.interp(k, xs, ys)
    return float(got) if got.ndim == 0 else got


def gains_table(y: np.ndarray, scores: dict[str, np.ndarray], *, points: int = 101) -> pd.DataFrame:
    """Cumulative share of conversions captured when working leads from the top score down.

    Returns
    -------
    DataFrame
        ``scorer, share_of_leads, share_of_conversions`` (ties in a score are split evenly).
    """
    y = np.asarray(y, dtype="float64")
    grid = np.linspace(0, 1, points)
    total = y.sum()
    rows = []
    for name, s in scores.items():
        s = np.asarray(s, dtype="float64")
        got = _expected_top(y, s, grid)  # one sort per scorer, every share at once
        rows.append(
            pd.DataFrame(
                {"scorer": name, "share_of_leads": grid, "share_of_conversions": got / total}
            )
        )
    return pd.concat(rows, ignore_index=True)


def evaluate(
    y: np.ndarray, scores: dict[str, np.ndarray], *, probabilities: set[str] | None = None
) -> pd.DataFrame:
    """ROC AUC, PR AUC, lift and precision at the top 10% / 20%, Brier score per scorer.

    ``probabilities`` names the scorers whose output is a probability (Brier score only for them).
    """
    y = np.asarray(y, dtype="float64")
    base = y.mean()
    probabilities = probabilities if probabilities is not None else set(scores)
    rows = []
    for name, s in scores.items():
        s = np.asarray(s, dtype="float64")
        row = {
            "scorer": name,
            "roc_auc": roc_auc_score(y, s),
            "pr_auc": average_precision_score(y, s),
        }
        for share in (0.1, 0.2):
            prec = _expected_top(y, s, share) / (share * len(y))
            row[f"precision_top{int(share * 100)}"] = prec
            row[f"lift_top{int(share * 100)}"] = prec / base if base else np.nan
        row["brier"] = brier_score_loss(y, np.clip(s, 0, 1)) if name in probabilities else np.nan
        row["base_rate"] = base
        row["test_leads"] = len(y)
        rows.append(row)
    return pd.DataFrame(rows)


def reliability_table(y: np.ndarray, p: np.ndarray, *, n_bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed conversion by score decile (the reliability curve)."""
    y, p = np.asarray(y, dtype="float64"), np.asarray(p, dtype="float64")
    q = pd.qcut(pd.Series(p).rank(method="first"), n_bins, labels=False)
    df = pd.DataFrame({"bin": q, "p": p, "y": y})
    out = df.groupby("bin").agg(
        predicted=("p", "mean"), observed=("y", "mean"), leads=("y", "size")
    )
    return out.reset_index()
