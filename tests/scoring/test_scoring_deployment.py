"""The model bundle, its skops file with a fixed allowlist, and the scored leads
(helpers/scoring/deployment.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import leads_table, points_case

from helpers import scoring as S
from helpers.core.report import write_csv_safe
from helpers.scoring.models import _fit_quiet


def test_scored_leads_csv_escapes_text_and_keeps_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "lead_id": pd.Series(
                ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "ok"], dtype="str"
            ),
            "score": [99, 80, 50, 40, 2, 1],
            "probability": [0.9, 0.5, -0.1, 0.3, 0.2, 0.1],
            "reasons_for": pd.Series(
                ["=cmd", "Lead source: event (+16 pts)", "", "-x", "\tr", "a"], dtype="str"
            ),
        }
    )
    path = write_csv_safe(df, tmp_path / "scored_leads.csv")
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[5][3] == "'\tr"  # a cell starting with a tab is escaped too
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert back["lead_id"].tolist()[:5] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert back["reasons_for"].iloc[0] == "'=cmd" and back["reasons_for"].iloc[3] == "'-x"
    assert back["reasons_for"].iloc[1] == "Lead source: event (+16 pts)"
    assert back["score"].tolist() == ["99", "80", "50", "40", "2", "1"]  # not quoted as text
    assert back["probability"].iloc[2] == "-0.1"  # a negative number stays a number


class Unexpected:
    """A type no model bundle should contain."""

    def __init__(self):
        self.payload = "run me"


def _tiny_bundle():
    frame, y = points_case(n=600)
    fs = S.FeatureSet(
        frame, ["employees"], ["seniority", "noise"], {}, {}, config={"activity_types": []}
    )
    X = S.model_matrix(fs, fs.numeric, fs.categorical)
    leads = leads_table([(str(i), "2024-01-01") for i in range(len(y))])
    leads["converted"] = pd.array(y.astype(bool), "boolean")
    lab = S.build_labels(leads.drop(columns="created_at"))
    models = {
        "gb": _fit_quiet(S.make_boosting(fs.numeric, fs.categorical), X, y),
        "lr": _fit_quiet(S.make_logistic(fs.numeric, fs.categorical), X, y),
    }
    sc = S.fit_scorecard(frame, y, numeric=fs.numeric, categorical=fs.categorical)
    return fs, X, lab, models, sc


def test_skops_round_trip_with_fixed_allowlist(tmp_path):
    fs, X, lab, models, sc = _tiny_bundle()
    for name, model in models.items():
        p = S.predict_proba(model, X)
        bundle = S.make_bundle(
            model,
            model_name=name,
            fs=fs,
            labels=lab,
            reference_p=p,
            scorecard=sc,
            threshold_probability=0.3,
            band_cuts=(90, 70, 40),
            icp=None,
            metrics={"roc_auc": 0.7},
        )
        path = S.save_model(bundle, tmp_path / f"{name}.skops")
        back = S.load_model(path)
        np.testing.assert_allclose(S.predict_proba(back["pipeline"], X), p)
        scored = S.score_frame(back, fs)
        assert scored["score"].between(1, 99).all()
        assert set(scored["band"]) <= set("ABCD")
        assert scored["reasons_for"].str.len().max() > 0


def test_load_model_refuses_unexpected_types(tmp_path):
    import skops.io as sio

    bundle = {"format": S.MODEL_FORMAT, "pipeline": None, "extra": Unexpected()}
    path = tmp_path / "evil.skops"
    sio.dump(bundle, path)
    with pytest.raises(ValueError, match="refused.*Unexpected"):
        S.load_model(path)
    # a narrower allowlist refuses a genuine model too: nothing is trusted implicitly
    fs, X, lab, models, sc = _tiny_bundle()
    good = S.make_bundle(
        models["gb"],
        model_name="gb",
        fs=fs,
        labels=lab,
        reference_p=np.linspace(0, 1, 10),
        scorecard=None,
        threshold_probability=0.5,
        band_cuts=(90, 70, 40),
        icp=None,
        metrics={},
    )
    S.save_model(good, tmp_path / "gb.skops")
    with pytest.raises(ValueError, match="TreePredictor"):
        S.load_model(tmp_path / "gb.skops", allowed=frozenset())
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a model file"):
        S.load_model(tmp_path / "junk.skops")
