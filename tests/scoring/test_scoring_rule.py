"""The agreed rule and its fallback scores (helpers/scoring/rule.py)."""

from __future__ import annotations

import pandas as pd

from helpers import scoring as S


def test_rule_fallback_scores_say_why():
    frame = pd.DataFrame(
        {
            "icp_tier": pd.Series(["A", "C", "B", None], dtype="str"),
            "n_marketing": [3.0, 5.0, 0.0, 2.0],
        }
    )
    fs = S.FeatureSet(frame, ["n_marketing"], [], {}, {})
    out = S.rule_scored_leads(fs, S.RuleSpec(tiers=("A", "B"), min_touches=2))
    assert out["mql"].tolist() == [True, False, False, False]
    assert out["conditions_met"].tolist() == [2, 1, 1, 1]
    assert "ICP tier C (needs A/B)" in out["reasons_against"].iloc[1]
    assert "0 marketing touches before scoring (needs 2)" in out["reasons_against"].iloc[2]
