"""The capstone's checks (``helpers/workshop/checks_capstone.py``)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import workshop


def test_mql_rule_evidence_hand_computed():
    frame = pd.DataFrame(
        {
            "icp_tier": ["A", "A", "B", "B", "C", "D", "A", "C"],
            "n_marketing": [3, 0, 2, 5, 4, 1, 2, 0],
        }
    )
    table = pd.DataFrame(
        {
            "eligible": [True, True, True, True, True, True, True, False],
            "label": [1, 0, 1, 0, 0, 0, 1, 0],
        }
    )
    ev = workshop.mql_rule_evidence(
        SimpleNamespace(frame=frame), SimpleNamespace(table=table), ["a", "B"], 2
    )
    # eligible MQLs: rows 0, 2, 3, 6 -> 3 conversions of 4; all eligible: 3 of 7
    assert ev["mql_share"] == pytest.approx(4 / 7)
    assert ev["conversion"] == pytest.approx(0.75)
    assert ev["lift"] == pytest.approx(0.75 / (3 / 7))
    assert ev["recall"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="tiers are A, B, C and D"):
        workshop.mql_rule_evidence(
            SimpleNamespace(frame=frame), SimpleNamespace(table=table), ["E"], 0
        )


def test_mql_definition_verdict_names_the_bar_missed():
    check = workshop.CapstoneChecks(
        None, workshop.CheckParams(mql_min_lift=2.0, mql_min_recall=0.4)
    )
    low_lift = check._judge_definition({"lift": 1.5, "recall": 0.9})
    assert low_lift.status == "incorrect" and "sales asked for at least 2 times" in low_lift.message
    low_recall = check._judge_definition({"lift": 3.0, "recall": 0.25})
    assert (
        low_recall.status == "incorrect"
        and "marketing asked for at least 40%" in low_recall.message
    )
    assert check._judge_definition({"lift": 3.0, "recall": 0.5}).passed
    # answers of the wrong shape are told so before any data is read
    touches = check.capstone_mql_definition(["A"], 1.5)
    assert touches.message == "the minimum of marketing touches should be a whole number."
    assert (
        check.capstone_mql_definition([1, 2], 1).message
        == "the tiers should be a list of tier letters."
    )
