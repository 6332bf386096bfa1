"""Step 9, deployment: the model bundle, its skops file and scoring leads with it.

:func:`deployment_bundle` refits the best model and packages it with its features, score scale,
threshold and points table; :func:`save_model` / :func:`load_model` write and read it with skops,
trusting only a fixed list of types; :func:`score_leads` and :func:`score_org` (the weekly
``alignment-edge score``) give each lead its probability, 1-99 score, band, MQL flag and reasons.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from helpers.scoring.features import FeatureSet, build_features, fit_vocabulary, model_matrix
from helpers.scoring.icp_tiers import icp_tiers_for_leads
from helpers.scoring.labels import LabelResult, export_date
from helpers.scoring.models import final_model, predict_proba
from helpers.scoring.points import Scorecard, lead_reasons
from helpers.scoring.scores import assign_bands, reference_quantiles, to_score

if TYPE_CHECKING:
    from helpers.scoring.models import Scorers
    from helpers.scoring.points import PointsTable
    from helpers.scoring.thresholds import Thresholds

MODEL_FORMAT = "alignment-edge-mql/1"

#: The only types a saved model may contain beyond skops' own safe defaults. A file that needs
#: anything else is refused: it was not written by this module (never "trust all").
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "builtins.slice",
        "numpy.dtype",
        "numpy.ndarray",
        "numpy.float64",
        "numpy.int64",
        "numpy.bool_",
        "numpy.random.mtrand.RandomState",
        "sklearn.pipeline.Pipeline",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.compose._column_transformer._RemainderColsList",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._data.QuantileTransformer",
        "sklearn.preprocessing._polynomial.SplineTransformer",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.impute._base.MissingIndicator",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.Interval",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "scipy.interpolate._bsplines.BSpline",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
)


def save_model(bundle: dict, path: str | Path) -> Path:
    """Write a model bundle with ``skops.io.dump`` (no pickle) and check it loads back."""
    import skops.io as sio

    if bundle.get("format") != MODEL_FORMAT:
        raise ValueError(f"A model bundle must carry format '{MODEL_FORMAT}'.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    sio.dump(bundle, tmp)
    tmp.replace(path)
    load_model(path)  # refuse to leave behind a file this module could not read back
    return path


def load_model(path: str | Path, *, allowed: frozenset[str] = ALLOWED_TYPES) -> dict:
    """Load a model bundle written by :func:`save_model`, trusting only a fixed list of types.

    Every type the file needs beyond skops' safe defaults must be in ``ALLOWED_TYPES``;
    otherwise the file is refused before anything in it is built.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no model file there; train one with the 04_mql notebook first.")
    try:
        needed = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # noqa: BLE001 - any parse failure means not a skops model file
        raise ValueError(f"{path}: not a model file this tool wrote ({exc}).") from None
    unexpected = sorted(needed - set(allowed))
    if unexpected:
        raise ValueError(
            f"{path}: refused: the file contains types outside the allowed list "
            f"({', '.join(unexpected)}). Only load models this tool trained."
        )
    bundle = sio.load(path, trusted=sorted(needed))
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: not an MQL model bundle (format {MODEL_FORMAT} expected).")
    return bundle


def make_bundle(
    model: Pipeline,
    *,
    model_name: str,
    fs: FeatureSet,
    labels: LabelResult,
    reference_p: np.ndarray,
    scorecard: Scorecard | None,
    threshold_probability: float,
    band_cuts: tuple[int, int, int],
    icp: dict | None,
    metrics: dict[str, float],
) -> dict:
    """Everything :func:`score_org` needs, as plain types plus the fitted pipeline."""
    sc = None
    if scorecard is not None:
        sc = {
            "specs": scorecard.specs,
            "typical": scorecard.typical,
            "labels": scorecard.labels,
            "points_to_double": scorecard.points_to_double,
            "calibration": list(scorecard.calibration),
        }
    return {
        "format": MODEL_FORMAT,
        "model_name": model_name,
        "pipeline": model,
        "features": {
            "numeric": list(fs.numeric),
            "categorical": list(fs.categorical),
            "activity_types": list(fs.config.get("activity_types", [])),
            "vocab": {
                c: list(v)
                for c, v in (
                    fs.config.get("vocab") or fit_vocabulary(fs.frame, fs.categorical)
                ).items()
                if c in fs.categorical
            },
        },
        "label": {
            "stage": labels.label_stage,
            "horizon_days": labels.horizon_days,
            "score_after_days": labels.score_after_days,
            "mode": labels.mode,
        },
        "reference_quantiles": [float(q) for q in reference_quantiles(reference_p)],
        "threshold_probability": float(threshold_probability),
        "band_cuts": [int(c) for c in band_cuts],
        "scorecard": sc,
        "icp": icp,
        "metrics": {k: float(v) for k, v in metrics.items()},
    }


def scorecard_from_bundle(bundle: dict) -> Scorecard | None:
    """The points table stored in a bundle (without its training table), or None."""
    sc = bundle.get("scorecard")
    if not sc:
        return None
    return Scorecard(
        pd.DataFrame(),
        sc["specs"],
        sc["typical"],
        sc["labels"],
        sc["points_to_double"],
        tuple(sc["calibration"]),
    )


def score_frame(
    bundle: dict, fs: FeatureSet, probabilities: np.ndarray | None = None
) -> pd.DataFrame:
    """Probability, 1-99 score, band, MQL flag and reasons for every lead of ``fs``.

    ``probabilities``: the bundle's model's predictions when already computed.
    """
    f = bundle["features"]
    if probabilities is None:
        X = model_matrix(fs, f["numeric"], f["categorical"], f["vocab"])
        p = predict_proba(bundle["pipeline"], X)
    else:
        p = np.asarray(probabilities, dtype="float64")
    score = to_score(p, np.asarray(bundle["reference_quantiles"]))
    out = pd.DataFrame(
        {
            "probability": np.round(p, 4),
            "score": score,
            "band": assign_bands(score, tuple(bundle["band_cuts"])),
            "mql": p >= bundle["threshold_probability"],
        }
    )
    sc = scorecard_from_bundle(bundle)
    if sc is not None:
        r = lead_reasons(sc, fs.frame)
        out["points"] = r["points"].to_numpy()
        out["reasons_for"] = r["reasons_for"].to_numpy()
        out["reasons_against"] = r["reasons_against"].to_numpy()
    return out


def scored_leads_table(labels: LabelResult, scores: pd.DataFrame) -> pd.DataFrame:
    """The ``scored_leads.csv`` rows: lead id, scoring moment, score, band, MQL, reasons."""
    t = labels.table
    out = pd.DataFrame(
        {
            "lead_id": t["lead_id"].to_numpy(),
            "scoring_moment": t["scoring_moment"].dt.strftime("%Y-%m-%d").to_numpy()
            if t["scoring_moment"].notna().any()
            else "",
        }
    )
    out = pd.concat([out, scores.reset_index(drop=True)], axis=1)
    return out.sort_values(
        ["score", "lead_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def score_leads(
    bundle: dict, fs: FeatureSet, labels: LabelResult, scorers: Scorers | None = None
) -> pd.DataFrame:
    """Every lead whose scoring moment has passed, scored by the deployed model (best first).

    When the deployed model is the evaluated one (``scorers``), its predictions are reused.
    """
    t = labels.table
    ready = (
        t["scoring_moment"].le(labels.as_of).to_numpy()
        if labels.as_of is not None
        else np.ones(len(t), bool)
    )
    sub = FeatureSet(
        fs.frame[ready].reset_index(drop=True), fs.numeric, fs.categorical, fs.labels, fs.sources
    )
    p = None
    if scorers is not None and bundle["pipeline"] is scorers.best_model:
        p = scorers.all_predictions[scorers.best][ready]
    scores = score_frame(bundle, sub, p)
    lab = LabelResult(
        t[ready].reset_index(drop=True),
        labels.mode,
        labels.label_stage,
        labels.horizon_days,
        labels.score_after_days,
        labels.as_of,
        labels.records_from,
        labels.note,
    )
    return scored_leads_table(lab, scores)


def deployment_bundle(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    *,
    points: PointsTable | None,
    thresholds: Thresholds,
    band_cuts: tuple[int, int, int] = (90, 70, 40),
    icp: dict | None = None,
    seed: int = 42,
) -> dict:
    """Refit the best model on every labelled lead and package it for weekly scoring.

    The MQL cut keeps the capacity share: the probability at that quantile of the refitted
    model's scores on the labelled leads.
    """
    model, ref_p = final_model(scorers, fs, labels, seed=seed)
    share = thresholds.chosen.share_of_leads
    cut = float(np.quantile(ref_p, 1 - share)) if share < 1 else float(ref_p.min())
    m = scorers.metrics.set_index("scorer").loc[scorers.best]
    metrics = {
        k: float(m[k]) for k in ("roc_auc", "pr_auc", "lift_top10", "precision_top10", "brier")
    }
    return make_bundle(
        model,
        model_name=scorers.best,
        fs=fs,
        labels=labels,
        reference_p=ref_p,
        scorecard=points.card if points is not None else None,
        threshold_probability=cut,
        band_cuts=band_cuts,
        icp=icp,
        metrics=metrics,
    )


def score_org(model_path: str | Path, org_dir: str | Path, out_path: str | Path) -> pd.DataFrame:
    """Score an organization's leads with a saved model and write ``scored_leads.csv``.

    Leads whose scoring moment (creation + the model's ``score_after_days``) has passed by the
    export date are scored, with the features and cut-offs the model was trained with.

    Parameters
    ----------
    model_path : path
        A model file written by the 04_mql notebook (skops; loaded with the fixed allowlist).
    org_dir : path
        The organization folder (with its ``org.yml``).
    out_path : path
        Where to write the scored leads (CSV, text cells escaped for spreadsheets).

    Returns
    -------
    DataFrame
        The rows written.
    """
    from helpers.core.report import write_csv_safe
    from helpers.data import load_org

    bundle = load_model(model_path)
    data = load_org(org_dir)
    leads = data.leads.reset_index(drop=True)
    after = int(bundle["label"]["score_after_days"])
    if "created_at" in leads.columns and leads["created_at"].notna().any():
        moments = leads["created_at"] + pd.Timedelta(days=after)
        as_of = export_date(leads, data.activities, data.opportunities)
        ready = (moments <= as_of).to_numpy()
        leads, moments = leads[ready].reset_index(drop=True), moments[ready].reset_index(drop=True)
    else:
        moments = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    tiers = icp_tiers_for_leads(leads, data.accounts, bundle.get("icp"))
    fs = build_features(
        leads,
        moments,
        accounts=data.accounts,
        activities=data.activities,
        icp_tiers=tiers,
        config=bundle["features"],
    )
    scores = score_frame(bundle, fs)
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "lead_id": leads["lead_id"].to_numpy(),
                    "scoring_moment": moments.dt.strftime("%Y-%m-%d").to_numpy(),
                }
            ),
            scores,
        ],
        axis=1,
    ).sort_values(["score", "lead_id"], ascending=[False, True], kind="stable")
    write_csv_safe(out, out_path)
    return out.reset_index(drop=True)
