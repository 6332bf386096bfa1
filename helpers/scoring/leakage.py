"""Step 3, the leakage check: fields that would leak the outcome into the score, and the audit.

A field is a leak when it is filled mostly for converted leads, recorded after the scoring
moment, or alone predicts the label almost perfectly. :func:`find_leaks` checks the training
leads only; :func:`drop_leaks` removes the leaks; :func:`feature_audit` lists every field
considered, used or why not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

from helpers.scoring.features import MISSING, FeatureSet

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Split


def _auc_sym(y: np.ndarray, s: np.ndarray) -> float:
    """ROC AUC of ``s`` whichever way it ranks (0.5 when either side is constant)."""
    if len(np.unique(y)) < 2 or len(np.unique(s)) < 2:
        return 0.5
    a = roc_auc_score(y, s)
    return float(max(a, 1 - a))


def _oof_target_mean(
    codes: np.ndarray, y: np.ndarray, seed: int, smoothing: float = 20.0
) -> np.ndarray:
    """Out-of-fold smoothed conversion rate of each row's category (no self-leak)."""
    out = np.empty(len(y), dtype="float64")
    prior = y.mean()
    k = codes.max() + 1
    for tr, te in KFold(5, shuffle=True, random_state=seed).split(codes):
        n = np.bincount(codes[tr], minlength=k)
        s = np.bincount(codes[tr], weights=y[tr], minlength=k)
        rate = (s + smoothing * prior) / (n + smoothing)
        out[te] = rate[codes[te]]
    return out


def single_feature_auc(s: pd.Series, y: np.ndarray, *, seed: int = 0) -> float:
    """How well one field alone ranks converters (0.5 = not at all, 1 = perfectly).

    Numbers rank by value with missing as lowest; text is scored by its out-of-fold
    conversion rate (so a field with a thousand rare values cannot look perfect by chance).
    """
    y = np.asarray(y, dtype="float64")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(v)
        lo = np.nanmin(v) - 1 if finite.any() else 0.0
        return _auc_sym(y, np.where(finite, v, lo))
    codes = pd.factorize(s.astype("object").where(s.notna(), MISSING))[0]
    if len(y) < 10:
        return 0.5
    return _auc_sym(y, _oof_target_mean(codes, y, seed))


def detect_leaks(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    after_moment: dict[str, float] | None = None,
    max_auc: float = 0.95,
    min_fill_gap: float = 0.5,
    max_after_share: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Flag fields that would leak the outcome into the score.

    A field is a leak when it is (a) filled mostly for converted leads (fill rate among
    converters at least ``min_fill_gap`` above non-converters, and non-converters at most a
    fifth of converters; a number or yes/no flag counts as filled when it is set, not zero),
    (b) recorded after the scoring moment for more than ``max_after_share`` of its filled
    values (datetime fields; see ``after_moment``), or (c) alone ranks converters almost
    perfectly (single-field AUC above ``max_auc``).

    Parameters
    ----------
    frame : DataFrame
        Candidate features of the labelled training leads.
    y : array of 0/1
        Their labels.

    Returns
    -------
    DataFrame
        ``feature, fill_converted, fill_others, single_auc, after_moment, leak, reason``,
        leaks first.
    """
    y = np.asarray(y).astype(int)
    if len(y) != len(frame):
        raise ValueError("y must have one label per row of the feature table.")
    pos, neg = y == 1, y == 0
    after_moment = after_moment or {}
    rows = []
    for c in frame.columns:
        s = frame[c]
        filled = s.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(s):  # a number or yes/no flag is "filled" when set
            filled = filled & (s.fillna(0).to_numpy() != 0)
        fp = float(filled[pos].mean()) if pos.any() else np.nan
        fn = float(filled[neg].mean()) if neg.any() else np.nan
        auc = single_feature_auc(s, y, seed=seed)
        src = c[: -len("_by_scoring")] if c.endswith("_by_scoring") else c
        late = after_moment.get(src, np.nan)
        reasons = []
        if fp - fn >= min_fill_gap and fn <= 0.2 * fp:
            reasons.append(f"filled for {fp:.0%} of converted leads but {fn:.0%} of the others")
        if pd.notna(late) and late > max_after_share:
            reasons.append(f"recorded after the scoring moment for {late:.0%} of leads")
        if auc > max_auc:
            reasons.append(f"alone predicts conversion almost perfectly (AUC {auc:.2f})")
        rows.append((c, fp, fn, auc, late, bool(reasons), "; ".join(reasons)))
    out = pd.DataFrame(
        rows,
        columns=[
            "feature",
            "fill_converted",
            "fill_others",
            "single_auc",
            "after_moment",
            "leak",
            "reason",
        ],
    )
    return out.sort_values(["leak", "single_auc"], ascending=[False, False]).reset_index(drop=True)


def find_leaks(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split | None,
    *,
    max_auc: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Run :func:`detect_leaks` on the training leads only (the test leads stay unseen).

    Without a split (too little data to learn), every labelled lead is checked.
    """
    rows = split.train if split is not None else np.flatnonzero(labels.table["eligible"].to_numpy())
    if len(np.unique(labels.table["label"].to_numpy()[rows])) < 2:
        return pd.DataFrame(
            columns=[
                "feature",
                "fill_converted",
                "fill_others",
                "single_auc",
                "after_moment",
                "leak",
                "reason",
            ]
        ).astype({"leak": bool})
    return detect_leaks(
        fs.frame.iloc[rows][fs.columns].reset_index(drop=True),
        labels.table["label"].to_numpy()[rows],
        after_moment=fs.after_moment,
        max_auc=max_auc,
        seed=seed,
    )


def drop_leaks(fs: FeatureSet, leaks: pd.DataFrame) -> FeatureSet:
    """The feature set without the fields :func:`detect_leaks` flagged."""
    bad = leaks.loc[leaks["leak"], "feature"].tolist()
    out = fs.drop(bad, "leak")
    for c in bad:
        out.skipped[c] = "leak: " + str(leaks.loc[leaks["feature"].eq(c), "reason"].iloc[0])
    return out


def feature_audit(fs: FeatureSet, leaks: pd.DataFrame) -> pd.DataFrame:
    """Every field considered: where it comes from, when it is known, used or why not.

    Returns
    -------
    DataFrame
        ``field, source, status, single_auc, reason``: used features first.
    """
    lk = leaks.set_index("feature")
    rows = []
    for c in fs.columns:
        auc = float(lk.at[c, "single_auc"]) if c in lk.index else np.nan
        if c in lk.index and bool(lk.at[c, "leak"]):
            rows.append((c, fs.sources.get(c, ""), "excluded: leak", auc, lk.at[c, "reason"]))
        else:
            rows.append((c, fs.sources.get(c, ""), "used", auc, "known at the scoring moment"))
    for c, why in fs.skipped.items():
        if c in fs.columns:
            continue
        status = "excluded: leak" if why.startswith("leak") else "not used"
        auc = float(lk.at[c, "single_auc"]) if c in lk.index else np.nan
        src = fs.sources.get(c, f"leads.{c}" if "." not in c else c)
        rows.append((c, src, status, auc, why))
    out = pd.DataFrame(rows, columns=["field", "source", "status", "single_auc", "reason"])
    order = {"used": 0, "excluded: leak": 1, "not used": 2}
    return out.sort_values("status", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )
