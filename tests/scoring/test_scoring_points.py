"""The points table and the reasons read from it (helpers/scoring/points.py, bins.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import points_case

from helpers import scoring as S


def test_points_table_is_integer_ordered_and_readable():
    frame, y = points_case()
    sc = S.fit_scorecard(
        frame,
        y,
        numeric=["employees"],
        categorical=["seniority", "noise"],
        labels={"seniority": "Job seniority", "employees": "Employees"},
    )
    assert "noise" not in sc.features  # information value too low to earn points
    t = sc.table.set_index(["feature", "bin"])["points"]
    assert t.dtype.kind == "i"
    assert t["seniority"]["VP"] > t["seniority"]["Manager"] > t["seniority"]["Individual"]
    assert t["seniority"].min() == 0
    assert t["employees"].idxmax() == "500-4,999"  # whole numbers get whole-number bins
    # 20 points double the odds: VP vs Individual true effect 1.2 log-odds ~ 35 points
    assert 25 <= t["seniority"]["VP"] - t["seniority"]["Individual"] <= 45
    pts = S.scorecard_points(sc, frame)
    assert list(pts.columns) == sc.features
    p = S.scorecard_probability(sc, pts.sum(axis=1))
    assert abs(p.mean() - y.mean()) < 0.01


def test_reasons_are_read_from_the_points():
    frame, y = points_case()
    sc = S.fit_scorecard(
        frame,
        y,
        numeric=["employees"],
        categorical=["seniority"],
        labels={"seniority": "Job seniority", "employees": "Employees"},
    )
    lead = pd.DataFrame(
        {"seniority": pd.Series(["VP", "Individual"], dtype="str"), "employees": [500.0, 50.0]}
    )
    r = S.lead_reasons(sc, lead)
    assert "Job seniority: VP (+" in r["reasons_for"].iloc[0]
    assert "Employees: 500-4,999 (+" in r["reasons_for"].iloc[0]
    assert r["reasons_against"].iloc[0] == ""
    assert r["reasons_for"].iloc[1] == ""
    assert "Job seniority: Individual (-" in r["reasons_against"].iloc[1]
    assert r["points"].iloc[0] == S.scorecard_points(sc, lead).sum(axis=1).iloc[0]
    freq = S.reason_frequency(r["reasons_for"])
    assert freq["reason"].tolist() == ["Employees"]  # lead 1 has no reason for


def test_points_threshold_and_agreement():
    pts = np.arange(100)
    assert S.points_threshold(pts, 0.2) == 80
    agree = S.scorecard_agreement(pts, pts / 100, (pts > 50).astype(int))
    assert agree["rank_correlation"] == pytest.approx(1.0)
    assert agree["auc_points"] == pytest.approx(1.0)


def test_agreement_note_reads_the_cut_and_the_agreement_in_words():
    pts = np.arange(100)
    agree = S.scorecard_agreement(pts, pts / 100, (pts > 50).astype(int))
    table = S.PointsTable(card=None, test_points=pts, agreement=agree, threshold_points=80)
    note = table.agreement_note("gradient boosting")
    assert note.startswith("MQL = 80 points or more.")
    assert "ROC AUC of 1.000 against 1.000 for the gradient boosting" in note
    assert "rank correlation of 1.00 (1 = the same order)" in note and "{" not in note
