"""Learning curve: how many training leads gradient boosting needs before more add nothing.

With many training leads (more than :data:`CURVE_MIN_ROWS`), :func:`fit_learning_curve` holds
out the latest training leads as a validation slice (the test leads stay unseen), fits the
model on growing samples of the latest leads before that slice (50k, 100k, 200k, ... doubling,
then all) and stops growing when a doubling gains less than :data:`MIN_GAIN` validation ROC
AUC, or when the last two gains say the next one would (gains shrink as the curve flattens).
The model of the largest size fitted is kept as it is: no fit is repeated, and its predictions
on the validation slice tune the cost/benefit cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

#: A learning curve is fitted from this many training leads on (below, every lead trains).
CURVE_MIN_ROWS = 100_000
#: The first size of the curve; each next one doubles it.
CURVE_START_ROWS = 50_000
#: A doubling of the training leads that gains less validation ROC AUC than this stops the curve.
MIN_GAIN = 0.002
#: The validation slice: this share of the latest training leads, at most ``VALIDATION_MAX``.
VALIDATION_SHARE = 0.1
VALIDATION_MAX = 50_000


@dataclass
class LearningCurve:
    """The sizes tried, the model kept and its predictions on the validation slice.

    Attributes
    ----------
    table : DataFrame
        ``training_leads, validation_auc, gain, fit_seconds`` - one row per size fitted.
    rows : ndarray
        Positions of the training leads the kept model learned from.
    validation : ndarray
        Positions of the validation slice (the latest training leads, never the test leads).
    validation_p : ndarray
        The kept model's probabilities on the validation slice.
    model : Pipeline
        The kept model (the largest size fitted).
    stop : str
        Why the curve stopped growing, in words.
    """

    table: pd.DataFrame
    rows: np.ndarray
    validation: np.ndarray
    validation_p: np.ndarray
    model: Pipeline
    stop: str

    @property
    def rows_used(self) -> int:
        """How many training leads the kept model learned from."""
        return int(len(self.rows))

    def describe(self, total: int) -> str:
        """One sentence for the report: the size used out of ``total`` training leads, and why."""
        aucs = ", ".join(
            f"{int(r.training_leads):,}: {r.validation_auc:.4f}" for r in self.table.itertuples()
        )
        return (
            f"Gradient boosting learned from the latest {self.rows_used:,} of the {total:,} "
            f"training leads: {self.stop} (validation ROC AUC on the latest "
            f"{len(self.validation):,} training leads by training size - {aucs})."
        )

    def as_records(self) -> list[dict[str, float]]:
        """The curve as plain records for ``summary.json`` (no timings: they vary by machine)."""
        return [
            {"training_leads": int(r.training_leads), "validation_auc": round(r.validation_auc, 4)}
            for r in self.table.itertuples()
        ]


def curve_sizes(n: int, start: int = CURVE_START_ROWS) -> list[int]:
    """``start``, doubling while below ``n``, then ``n`` itself."""
    sizes, size = [], int(start)
    while size < n:
        sizes.append(size)
        size *= 2
    return [*sizes, int(n)]


def fit_learning_curve(
    make: Callable[[], Pipeline],
    X: pd.DataFrame,
    y: np.ndarray,
    train: np.ndarray,
    *,
    fit: Callable,
    predict: Callable,
    start: int | None = None,
    min_gain: float | None = None,
) -> LearningCurve | None:
    """Fit ``make()`` on growing samples of the latest training leads until the gain flattens.

    ``train`` holds the training leads' positions in time order (latest last); ``fit(model,
    X, y)`` and ``predict(model, X)`` fit and score quietly. Returns None when the validation
    slice holds a single outcome (no AUC can be measured: every lead then trains). ``start``
    and ``min_gain`` default to :data:`CURVE_START_ROWS` and :data:`MIN_GAIN`.
    """
    start = CURVE_START_ROWS if start is None else int(start)
    min_gain = MIN_GAIN if min_gain is None else float(min_gain)
    train = np.asarray(train)
    n_val = int(min(VALIDATION_MAX, max(1, round(VALIDATION_SHARE * len(train)))))
    pool, val = train[:-n_val], train[-n_val:]
    if len(np.unique(y[val])) < 2 or len(pool) == 0:
        return None
    X_val, rows_out, stop = X.iloc[val], [], "every training lead was used"
    gains: list[float] = []
    kept = None
    for size in curve_sizes(len(pool), start):
        rows = pool[-size:]
        if len(np.unique(y[rows])) < 2:
            continue
        t0 = time.perf_counter()
        model = fit(make(), X.iloc[rows], y[rows])
        p = predict(model, X_val)
        auc = float(roc_auc_score(y[val], p))
        gain = auc - rows_out[-1][1] if rows_out else float("nan")
        rows_out.append((size, auc, gain, time.perf_counter() - t0))
        kept = (rows, p, model)
        if not rows_out[1:] or size == len(pool):
            continue
        gains.append(gain)
        forecast = gain * gain / gains[-2] if len(gains) > 1 and 0 < gain < gains[-2] else gain
        if gain < min_gain:
            stop = f"doubling to {size:,} gained {gain:+.4f} AUC (under {min_gain})"
            break
        if forecast < min_gain:
            stop = (
                f"the gains shrink ({gains[-2]:+.4f}, then {gain:+.4f} AUC per doubling), so the "
                f"next doubling would gain about {forecast:+.4f} (under {min_gain})"
            )
            break
    if kept is None:
        return None
    table = pd.DataFrame(
        rows_out, columns=["training_leads", "validation_auc", "gain", "fit_seconds"]
    )
    rows, p, model = kept
    return LearningCurve(table, rows, val, p, model, stop)
