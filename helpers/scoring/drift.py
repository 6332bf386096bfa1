"""Step 8, drift: does the score still hold? Score distribution and calibration by period."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from helpers.scoring.features import FeatureSet
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Scorers


def psi(reference: np.ndarray, current: np.ndarray, *, bins: int = 10) -> float:
    """Population stability index of ``current`` scores against ``reference`` (decile bins).

    Under 0.1 stable, 0.1-0.2 watch, above 0.2 the score population has shifted.
    """
    ref = np.asarray(reference, dtype="float64")
    cur = np.asarray(current, dtype="float64")
    if ref.size == 0 or cur.size == 0:
        return float("nan")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / ref.size
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / cur.size
    r, c = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    return float(np.sum((c - r) * np.log(c / r)))


def drift_by_period(
    created_at: pd.Series,
    p: np.ndarray,
    reference_p: np.ndarray,
    *,
    label: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    freq: str | None = None,
    psi_alert: float = 0.2,
    test_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Score distribution and calibration by creation period, with a drift flag.

    Returns
    -------
    DataFrame
        ``period, leads, mean_score, predicted_rate, observed_rate (labelled leads),
        labelled_leads, psi, drift`` - the latest period's ``drift`` says whether to retrain.
    """
    created = pd.Series(pd.to_datetime(created_at)).reset_index(drop=True)
    if freq is None:
        months = created.dt.to_period("M").nunique()
        freq = "M" if months and len(created) / months >= 300 else "Q"
    per = created.dt.to_period(freq)
    df = pd.DataFrame({"period": per, "p": np.asarray(p, dtype="float64")})
    df["y"] = np.nan if label is None else np.asarray(label, dtype="float64")
    if eligible is not None:
        df.loc[~np.asarray(eligible, dtype=bool), "y"] = np.nan
    df = df[df.period.notna()]
    rows = []
    first_test = pd.Timestamp(test_from).to_period(freq) if test_from is not None else None
    for period, g in df.groupby("period", sort=True):
        lab = g.y.notna()
        rows.append(
            {
                "period": str(period),
                "test_period": bool(first_test is not None and period >= first_test),
                "leads": len(g),
                "predicted_rate": g.p.mean(),
                "observed_rate": g.y[lab].mean() if lab.any() else np.nan,
                "labelled_leads": int(lab.sum()),
                "psi": psi(reference_p, g.p.to_numpy()),
            }
        )
    out = pd.DataFrame(rows)
    out["drift"] = out["psi"] > psi_alert
    return out


def drift_report(
    scorers: Scorers, fs: FeatureSet, labels: LabelResult, *, psi_alert: float = 0.2
) -> pd.DataFrame | None:
    """:func:`drift_by_period` for every lead scored by the evaluation model.

    None without an out-of-time split (leads without creation dates have no periods).
    """
    if scorers.split.kind != "out-of-time":
        return None
    p = scorers.all_predictions[scorers.best]
    t = labels.table
    ok = (
        t["scoring_moment"].le(labels.as_of).to_numpy()
        if labels.as_of is not None
        else np.ones(len(t), bool)
    )
    return drift_by_period(
        t["created_at"][ok],
        p[ok],
        scorers.train_predictions[scorers.best],
        label=t["label"].to_numpy()[ok],
        eligible=t["eligible"].to_numpy()[ok],
        psi_alert=psi_alert,
        test_from=scorers.split.cut,
    )
