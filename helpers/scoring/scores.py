"""The 1-99 score (a lead's percentile among reference leads) and the bands A-D."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from helpers.scoring.models import Scorers


def reference_quantiles(p: np.ndarray) -> np.ndarray:
    """The 101 percentiles of reference probabilities (stored with the model)."""
    q = np.quantile(np.asarray(p, dtype="float64"), np.linspace(0, 1, 101))
    return np.maximum.accumulate(q + np.arange(101) * 1e-12)


def to_score(p: np.ndarray, ref_quantiles: np.ndarray) -> np.ndarray:
    """Score 1-99: the lead's percentile among the reference leads (99 = top 1%)."""
    pct = np.interp(np.asarray(p, dtype="float64"), ref_quantiles, np.linspace(0, 1, 101))
    return np.clip(np.rint(1 + 98 * pct), 1, 99).astype(int)


def assign_bands(score: np.ndarray, cuts: tuple[int, int, int] = (90, 70, 40)) -> np.ndarray:
    """Bands A-D from the 1-99 score: A >= cuts[0] > B >= cuts[1] > C >= cuts[2] > D."""
    s = np.asarray(score)
    return np.select([s >= cuts[0], s >= cuts[1], s >= cuts[2]], ["A", "B", "C"], "D").astype(
        object
    )


def band_table(y: np.ndarray, bands: np.ndarray) -> pd.DataFrame:
    """Leads, share and conversion rate per band (A first)."""
    df = pd.DataFrame(
        {"band": np.asarray(bands, dtype=object), "y": np.asarray(y, dtype="float64")}
    )
    out = df.groupby("band").agg(
        leads=("y", "size"), conversions=("y", "sum"), conversion_rate=("y", "mean")
    )
    out = out.reindex(["A", "B", "C", "D"]).fillna(0)
    out["share_of_leads"] = out["leads"] / out["leads"].sum()
    out["share_of_conversions"] = out["conversions"] / max(out["conversions"].sum(), 1)
    return out.reset_index()


def score_test_leads(
    scorers: Scorers, *, band_cuts: tuple[int, int, int] = (90, 70, 40)
) -> pd.DataFrame:
    """Test leads scored 1-99 by the best model (percentiles of its training leads), with bands."""
    ref = reference_quantiles(scorers.train_predictions[scorers.best])
    p = scorers.predictions[scorers.best]
    score = to_score(p, ref)
    return pd.DataFrame(
        {
            "row": scorers.test_rows,
            "probability": p,
            "score": score,
            "band": assign_bands(score, band_cuts),
            "label": scorers.y_test,
        }
    )
