"""Step 7, the points table: an integer scorecard, the explicit MQL definition both teams sign.

:func:`fit_scorecard` turns a logistic scorecard on binned attributes into whole points (20
points double the odds); :func:`lead_reasons` reads each lead's reasons for and against from the
points; :func:`scorecard_definition` is the ``mql_definition.yml`` content.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OneHotEncoder

from helpers.scoring.bins import (
    _bin_column,
    _bin_labels,
    _coarse_categories,
    _cramers_v,
    _numeric_bins,
    _raw_text,
    information_value,
)
from helpers.scoring.features import MISSING, FeatureSet, _feature_label
from helpers.scoring.models import MAX_LINEAR_ROWS, _fit_quiet, latest_rows

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult
    from helpers.scoring.models import Scorers
    from helpers.scoring.rule import RuleSpec
    from helpers.scoring.thresholds import Threshold

#: Derived feature -> the attribute it measures (for comparing with planted drivers).
FEATURE_ATTRIBUTE = {
    "sic_group": "industry",
    "industry": "industry",
    "employees": "employees",
    "company_size_band": "employees",
    "annual_revenue": "revenue",
    "n_marketing": "marketing_touches",
    "n_activities": "marketing_touches",
}


def feature_attribute(name: str) -> str:
    """The attribute a feature measures (``n_webinar`` -> ``marketing_touches``)."""
    if name in FEATURE_ATTRIBUTE:
        return FEATURE_ATTRIBUTE[name]
    if name.startswith("n_"):
        return "marketing_touches"
    return name


@dataclass
class Scorecard:
    """An integer points table: the explicit, signable MQL definition.

    Attributes
    ----------
    table : DataFrame
        ``feature, label, bin, points, leads, conversion_rate`` (training leads).
    specs : dict
        Feature -> bin spec (``kind``, ``edges``/``groups``, ``bins``, ``points`` per bin).
    typical : dict
        Feature -> average points on the training leads (reasons compare with it).
    points_to_double : float
        Points that double the odds of converting.
    calibration : tuple
        ``(a, b)``: probability = 1 / (1 + exp(-(a + b * total_points))).
    """

    table: pd.DataFrame
    specs: dict[str, dict]
    typical: dict[str, float]
    labels: dict[str, str]
    points_to_double: float
    calibration: tuple[float, float]

    @property
    def features(self) -> list[str]:
        """The features that earn points, in the table's order."""
        return list(self.specs)


def fit_scorecard(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    numeric: list[str],
    categorical: list[str],
    labels: dict[str, str] | None = None,
    max_features: int = 8,
    n_bins: int = 5,
    max_groups: int = 4,
    min_bin_share: float = 0.02,
    max_association: float = 0.6,
    points_to_double: float = 20.0,
    C: float = 1.0,
) -> Scorecard:
    """Fit a logistic scorecard on binned features and turn it into integer points.

    Numbers are cut at rounded quantiles (plus an ``unknown`` bin); text values are grouped
    into at most ``max_groups`` classes of similar conversion (rare values pooled). Features are
    taken by information value, skipping one that measures an attribute already chosen (see
    :func:`feature_attribute`: SIC group vs industry, employees vs size band, web visits vs all
    marketing touches) or repeats a chosen one (Cramer's V above ``max_association``), up to
    ``max_features``. Points per bin are the logistic coefficients scaled so that
    ``points_to_double`` points double the odds, shifted so each feature's lowest bin scores 0.
    """
    y = np.asarray(y).astype(int)
    labels = labels or {}
    min_n = max(20, int(min_bin_share * len(frame)))
    specs, binned = _bin_features(
        frame, y, numeric, categorical, n_bins=n_bins, max_groups=max_groups, min_n=min_n
    )
    chosen = _choose_features(binned, y, max_features=max_features, max_association=max_association)
    enc = OneHotEncoder(handle_unknown="ignore")
    B = pd.DataFrame({c: binned[c] for c in chosen})
    Z = enc.fit_transform(B.astype(str))
    lr = _fit_quiet(LogisticRegression(C=C, max_iter=3000), Z, y)
    factor = points_to_double / math.log(2)
    coef = lr.coef_[0]
    rows, out_specs, typical = [], {}, {}
    start = 0
    for c, cats in zip(chosen, enc.categories_):
        w = coef[start : start + len(cats)]
        start += len(cats)
        pts = np.rint((w - w.min()) * factor).astype(int)
        out_specs[c], feature_rows, typical[c] = _feature_points(
            c, specs[c], dict(zip(cats.tolist(), pts.tolist())), binned[c], y, labels
        )
        rows += feature_rows
    table = pd.DataFrame(
        rows, columns=["feature", "label", "bin", "points", "leads", "conversion_rate"]
    )
    sc = Scorecard(
        table,
        out_specs,
        typical,
        {c: labels.get(c, _feature_label(c)) for c in chosen},
        points_to_double,
        (0.0, 0.0),
    )
    total = scorecard_points(sc, frame).sum(axis=1).to_numpy()
    cal = _fit_quiet(LogisticRegression(C=1e6, max_iter=1000), total.reshape(-1, 1), y)
    sc.calibration = (float(cal.intercept_[0]), float(cal.coef_[0, 0]))
    return sc


def _bin_features(
    frame: pd.DataFrame,
    y: np.ndarray,
    numeric: list[str],
    categorical: list[str],
    *,
    n_bins: int,
    max_groups: int,
    min_n: int,
) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """The bin spec of every candidate feature and each lead's bin label."""
    specs: dict[str, dict] = {}
    binned: dict[str, np.ndarray] = {}
    for c in numeric:
        v = frame[c].to_numpy(dtype="float64", na_value=np.nan)
        edges = _numeric_bins(v, n_bins)
        fin = v[np.isfinite(v)]
        integer = bool(fin.size and np.all(np.mod(fin, 1) == 0))
        spec = {"kind": "numeric", "edges": edges, "bins": _bin_labels(edges, integer)}
        binned[c] = _bin_column(frame[c], spec)
        specs[c] = spec
    for c in categorical:
        specs[c] = _coarse_categories(frame[c], y, min_n=min_n, max_groups=max_groups)
        binned[c] = _bin_column(frame[c], specs[c])
    return specs, binned


def _choose_features(
    binned: dict[str, np.ndarray], y: np.ndarray, *, max_features: int, max_association: float
) -> list[str]:
    """Features by information value: one per attribute, none repeating a chosen one."""
    iv = {c: information_value(b, y) for c, b in binned.items()}
    chosen: list[str] = []
    for c in sorted(iv, key=iv.get, reverse=True):
        if iv[c] < 0.02 or len(chosen) >= max_features:
            break
        if any(feature_attribute(c) == feature_attribute(k) for k in chosen):
            continue  # one line per attribute: employees or size band, not both
        if any(_cramers_v(binned[c], binned[k]) > max_association for k in chosen):
            continue
        chosen.append(c)
    if not chosen:
        chosen = sorted(iv, key=iv.get, reverse=True)[:1]
    return chosen


def _feature_points(
    c: str, spec: dict, pmap: dict, binned: np.ndarray, y: np.ndarray, labels: dict[str, str]
) -> tuple[dict, list[tuple], float]:
    """One feature's spec with its points per bin, its table rows and its typical points."""
    spec = dict(spec)
    all_bins = list(spec["bins"]) + ([MISSING] if spec["kind"] == "numeric" else [])
    spec["points"] = {b: int(pmap.get(b, 0)) for b in all_bins}
    counts = pd.Series(binned).value_counts()
    rates = pd.Series(y).groupby(binned).mean()
    rows = []
    for b in all_bins:
        if b == MISSING and b not in counts.index:
            continue
        rows.append(
            (
                c,
                labels.get(c, _feature_label(c)),
                b,
                spec["points"][b],
                int(counts.get(b, 0)),
                float(rates.get(b, np.nan)),
            )
        )
    typical = float(np.mean([spec["points"].get(b, 0) for b in binned]))
    return spec, rows, typical


def scorecard_points(sc: Scorecard, frame: pd.DataFrame) -> pd.DataFrame:
    """Points each lead gets for each feature of the scorecard (sum = total points)."""
    out = {}
    for c, spec in sc.specs.items():
        s = frame[c] if c in frame.columns else pd.Series(np.nan, index=frame.index)
        codes, uniques = pd.factorize(_bin_column(s, spec))  # each bin looked up once
        pts = np.array([int(spec["points"].get(u, 0)) for u in uniques], dtype=int)
        out[c] = pts[codes] if len(codes) else np.zeros(0, dtype=int)
    return pd.DataFrame(out, index=frame.index)


def scorecard_probability(sc: Scorecard, total_points: np.ndarray) -> np.ndarray:
    """Conversion probability implied by a total number of points."""
    a, b = sc.calibration
    return 1 / (1 + np.exp(-(a + b * np.asarray(total_points, dtype="float64"))))


def lead_reasons(
    sc: Scorecard, frame: pd.DataFrame, *, n_for: int = 2, n_against: int = 2, min_points: int = 1
) -> pd.DataFrame:
    """Each lead's top reasons for and against, in plain words, read from the points table.

    A reason is a feature whose points are at least ``min_points`` above (for) or below
    (against) the typical lead's, e.g. ``"Job seniority: VP (+12 pts)"``.
    """
    pts = scorecard_points(sc, frame)
    feats = list(sc.specs)
    bins = {}
    for c in feats:
        col = frame[c] if c in frame.columns else pd.Series(np.nan, index=frame.index)
        kind = sc.specs[c]["kind"]
        bins[c] = _raw_text(col) if kind == "categorical" else _bin_column(col, sc.specs[c])
    delta = pts.to_numpy(dtype="float64") - np.array([sc.typical[c] for c in feats])
    n = len(frame)
    texts = {}
    for c_i, c in enumerate(feats):
        d = np.rint(delta[:, c_i]).astype(int)
        codes, uniques = pd.factorize(pd.Series(bins[c], dtype=object))
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(n)[::-1]  # a row of each value (same points, same delta)
        du = d[first] if n else np.array([], dtype=int)
        text_u = np.array(
            [f"{sc.labels[c]}: {u} ({v:+d} pts)" for u, v in zip(uniques, du)], dtype=object
        )
        texts[c] = text_u[codes] if n else np.array([], dtype=object)
    T = np.column_stack([texts[c] for c in feats]) if feats else np.empty((n, 0), dtype=object)

    def pick(order: np.ndarray, ok: np.ndarray, k: int) -> np.ndarray:
        out = np.full(n, "", dtype=object)
        rows = np.arange(n)
        for j in range(min(k, order.shape[1])):
            col = order[:, j]
            good = ok[rows, col]
            piece = np.where(good, T[rows, col], "")
            sep = np.where((out != "") & good, "; ", "")
            out = out + sep + piece
        return out

    order_for = np.argsort(-delta, axis=1, kind="stable")
    order_against = np.argsort(delta, axis=1, kind="stable")
    reasons_for = pick(order_for, delta >= min_points, n_for)
    reasons_against = pick(order_against, delta <= -min_points, n_against)
    return pd.DataFrame(
        {
            "points": pts.sum(axis=1).to_numpy(),
            "reasons_for": reasons_for,
            "reasons_against": reasons_against,
        },
        index=frame.index,
    )


def reason_frequency(reasons: pd.Series) -> pd.DataFrame:
    """How often each feature is a lead's first reason (a chart of what drives the scores)."""
    codes, uniques = pd.factorize(reasons.fillna("").astype(str))  # each distinct text once
    heads = pd.Series(uniques, dtype=object).str.split(";").str[0].str.split(":").str[0]
    first = pd.Series(heads.str.strip().to_numpy(dtype=object)[codes], index=reasons.index)
    first = first[first.ne("")]
    out = first.value_counts().rename_axis("reason").rename("leads").reset_index()
    out["share"] = out["leads"] / max(len(reasons), 1)
    return out


def scorecard_agreement(
    total_points: np.ndarray, p_best: np.ndarray, y: np.ndarray
) -> dict[str, float]:
    """How closely the points table agrees with the best model on the same test leads."""
    from scipy.stats import spearmanr

    rho = spearmanr(total_points, p_best).statistic
    return {
        "rank_correlation": float(rho),
        "auc_points": float(roc_auc_score(y, total_points)),
        "auc_best_model": float(roc_auc_score(y, p_best)),
    }


def points_threshold(total_points: np.ndarray, share: float) -> int:
    """Smallest total points reached by the top ``share`` of leads (the MQL cut in points)."""
    t = np.asarray(total_points)
    if share >= 1:
        return int(t.min())
    return int(math.ceil(np.quantile(t, 1 - share)))


def scorecard_definition(
    sc: Scorecard,
    *,
    threshold_points: int,
    agreement: dict[str, float],
    label: LabelResult,
    threshold: Threshold | None = None,
    rule: RuleSpec | None = None,
) -> dict:
    """The ``mql_definition.yml`` content: points per attribute bin and the MQL threshold."""
    feats = []
    for c, spec in sc.specs.items():
        if spec["kind"] == "numeric":
            bounds = [None, *spec["edges"], None]
            bins = [
                {
                    "bin": b,
                    "from": bounds[i],
                    "below": bounds[i + 1],
                    "points": int(spec["points"][b]),
                }
                for i, b in enumerate(spec["bins"])
            ]
            seen = (
                set(sc.table.loc[sc.table["feature"].eq(c), "bin"]) if len(sc.table) else {MISSING}
            )
            if MISSING in spec["points"] and MISSING in seen:
                bins.append({"bin": MISSING, "points": int(spec["points"][MISSING])})
        else:
            members: dict[str, list[str]] = {b: [] for b in spec["bins"]}
            for value, b in spec["groups"].items():
                members.setdefault(b, []).append(value)
            bins = [
                {
                    "bin": b,
                    "values": sorted(members[b]),
                    "points": int(spec["points"][b]),
                    **({"also": "any other value"} if b == spec["other"] else {}),
                }
                for b in spec["bins"]
            ]
        feats.append({"feature": c, "label": sc.labels[c], "bins": bins})
    out = {
        "definition": "A lead is an MQL when its total points reach the threshold.",
        "label": label.describe(),
        "threshold_points": int(threshold_points),
        "points_to_double_odds": sc.points_to_double,
        "features": feats,
        "agreement_with_best_model": {k: round(v, 3) for k, v in agreement.items()},
    }
    if threshold is not None:
        out["capacity"] = {
            "weekly_mqls": round(threshold.weekly_mqls, 1),
            "expected_conversion_rate": round(threshold.conversion_rate, 3),
            "note": threshold.note,
        }
    if rule is not None:
        out["agreed_rule_before"] = {"tiers": list(rule.tiers), "min_touches": rule.min_touches}
    return out


@dataclass
class PointsTable:
    """The scorecard fitted on the training leads and how it does on the test leads."""

    card: Scorecard
    test_points: np.ndarray
    agreement: dict[str, float]
    threshold_points: int

    def agreement_note(self, model: str) -> str:
        """The MQL cut in points and how closely the table agrees with ``model``, in words."""
        a = self.agreement
        return (
            f"MQL = {self.threshold_points} points or more. On the test leads the points table "
            f"ranks leads with a ROC AUC of {a['auc_points']:.3f} against {a['auc_best_model']:.3f} "
            f"for the {model}; the two order leads with a rank correlation of "
            f"{a['rank_correlation']:.2f} (1 = the same order)."
        )

    @property
    def importance(self) -> pd.DataFrame:
        """Features by the spread of their points (the attributes that matter most first)."""
        t = self.card.table
        g = t.groupby(["feature", "label"], sort=False)["points"].agg(
            lambda v: int(v.max() - v.min())
        )
        return (
            g.rename("points_range")
            .reset_index()
            .sort_values("points_range", ascending=False, kind="stable")
            .reset_index(drop=True)
        )


def fit_points_table(
    fs: FeatureSet,
    labels: LabelResult,
    scorers: Scorers,
    *,
    mql_share: float,
    max_features: int = 8,
) -> PointsTable:
    """Fit the points table on the training leads; threshold in points at the MQL share; its
    agreement with the best model on the test leads."""
    y = labels.table["label"].to_numpy()
    tr = latest_rows(scorers.split.train, MAX_LINEAR_ROWS)
    card = fit_scorecard(
        fs.frame.iloc[tr],
        y[tr],
        numeric=fs.numeric,
        categorical=fs.categorical,
        labels=fs.labels,
        max_features=max_features,
    )
    pts = scorecard_points(card, fs.frame.iloc[scorers.test_rows]).sum(axis=1).to_numpy()
    agree = scorecard_agreement(pts, scorers.predictions[scorers.best], scorers.y_test)
    return PointsTable(card, pts, agree, points_threshold(pts, mql_share))
