"""The leakage detector and the feature audit (helpers/scoring/leakage.py)."""

from __future__ import annotations

from scoring_fixtures import leak_frame

from helpers import scoring as S


def test_leak_detector_catches_planted_leaks_only():
    frame, y = leak_frame()
    rep = S.detect_leaks(frame, y).set_index("feature")
    assert rep.loc["budget_confirmed", "leak"]
    assert "filled for" in rep.loc["budget_confirmed", "reason"]
    assert rep.loc["deal_size_entered", "leak"]
    assert "almost perfectly" in rep.loc["deal_size_entered", "reason"]
    for honest in ("employees", "source", "landing_page"):
        assert not rep.loc[honest, "leak"], honest
    assert rep.loc["landing_page", "single_auc"] < 0.6


def test_leak_detector_flags_fields_recorded_after_the_scoring_moment():
    frame, y = leak_frame(n=500)
    frame = frame[["employees"]].assign(demo_by_scoring=0.0)
    rep = S.detect_leaks(frame, y, after_moment={"demo": 0.8}).set_index("feature")
    assert rep.loc["demo_by_scoring", "leak"]
    assert "after the scoring moment" in rep.loc["demo_by_scoring", "reason"]


def test_feature_audit_lists_used_leaks_and_skipped():
    frame, y = leak_frame(n=800)
    fs = S.FeatureSet(
        frame,
        ["deal_size_entered", "employees"],
        ["budget_confirmed", "source", "landing_page"],
        {c: c for c in frame},
        {c: "leads" for c in frame},
        {"stage": "current stage"},
    )
    leaks = S.detect_leaks(frame[fs.columns], y)
    clean = S.drop_leaks(fs, leaks)
    audit = S.feature_audit(clean, leaks).set_index("field")
    assert audit.loc["budget_confirmed", "status"] == "excluded: leak"
    assert audit.loc["employees", "status"] == "used"
    assert audit.loc["stage", "status"] == "not used"
    assert "budget_confirmed" not in clean.columns
