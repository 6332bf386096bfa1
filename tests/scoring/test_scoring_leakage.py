"""The leakage check: verdicts from the signals, org.yml decisions, and the audit
(helpers/scoring/leakage.py, audit.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _dated_case(n=2500, seed=2):
    """A dated export: an honest channel, a status typed in by sales, a stage-change count."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 500, n), unit="D")
    channel = rng.choice(["Inbound Call", "Webinar", "Search"], n, p=[0.1, 0.45, 0.45])
    p = 1 / (1 + np.exp(-(-2.0 + 1.8 * (channel == "Inbound Call"))))
    y = rng.random(n) < p
    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_at": created.floor("s"),
            "source": channel,
            "lead_status": np.where(y, "Closed won", rng.choice(["Ringing", "Nurture"], n)),
            "stage_changes": rng.poisson(0.5 + 2 * y).astype(float),
            # a rating no signal can place: only the org knows when sales types it in
            "rating": pd.Series(rng.choice(["A", "B"], n), dtype="str").where(
                pd.Series(rng.random(n) < 0.5)
            ),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"O{i}" for i in range(int(y.sum()))],
            "lead_id": leads["lead_id"][y].to_numpy(),
            "created_at": (leads["created_at"][y] + pd.Timedelta(days=5)).to_numpy(),
            "outcome": "won",
        }
    )
    return leads, opps


def _report(decisions=None):
    leads, opps = _dated_case()
    labels = S.build_labels(leads, opps, horizon_days=30)
    fs = S.build_features(leads, labels.table["scoring_moment"])
    split = S.time_split(labels)
    return fs, labels, S.check_leaks(fs, labels, split, decisions=decisions)


def test_verdicts_combine_signals_and_keep_the_honest_strong_channel():
    _, _, rep = _report()
    t = rep.table.set_index("feature")
    assert t.loc["lead_status", "verdict"] == "excluded"
    assert "near-pure levels" in t.loc["lead_status", "signals"]
    assert t.loc["stage_changes", "verdict"] == "excluded"
    assert "process progress" in t.loc["stage_changes", "signals"]
    assert t.loc["source", "verdict"] == "clean"  # Inbound Call converts 4x as often: honest
    assert set(rep.excluded) == {"lead_status", "stage_changes"} and rep.suspicious == []
    assert t.loc["rating", "verdict"] == "clean"
    assert t["leak"].tolist() == t["verdict"].eq("excluded").tolist()
    checks = rep.checks.set_index("check")["ran"]
    assert checks["near-pure levels"] and checks["outsized contribution"]
    assert not checks["recorded after the scoring moment"]  # no dated field to compare
    assert "Checks that could not run: recorded after the scoring moment" in rep.describe()


def test_org_yml_decisions_exclude_keep_and_declare_timing():
    decisions = {
        "rating": {"known_at": "after_contact", "reason": "typed in after the first call"},
        "stage_changes": {"keep": True, "reason": "we score at the SAL stage"},
        "source": {"known_at": "before_contact"},
        "no_such_field": {"exclude": True},
    }
    fs, _, rep = _report(decisions)
    t = rep.table.set_index("feature")
    assert t.loc["rating", "verdict"] == "excluded"
    assert t.loc["rating", "reason"].startswith("org.yml field_decisions: known_at: after_contact")
    assert t.loc["stage_changes", "verdict"] == "kept on purpose"
    assert "kept on purpose in org.yml" in t.loc["stage_changes", "reason"]
    assert t.loc["lead_status", "verdict"] == "excluded"  # no decision: the signals decide
    assert "no_such_field" in rep.describe()  # a decision naming no field is reported
    audit = S.feature_audit(S.drop_leaks(fs, rep), rep, decisions).set_index("field")
    assert audit.loc["source", "timing"] == "declared in org.yml: known before contact"
    assert audit.loc["rating", "timing"] == "declared in org.yml: known only after contact"
    assert audit.loc["stage_changes", "status"] == "used, kept on purpose"
    assert audit.loc["stage_changes", "decision"].startswith("keep")


def test_audit_timing_is_known_only_where_dates_prove_it(sample_data):
    labels = S.build_labels(
        sample_data.leads, sample_data.opportunities, horizon_days=90, score_after_days=7
    )
    fs = S.build_features(
        sample_data.leads,
        labels.table["scoring_moment"],
        accounts=sample_data.accounts,
        activities=sample_data.activities,
    )
    rep = S.check_leaks(fs, labels, S.time_split(labels))
    audit = S.feature_audit(S.drop_leaks(fs, rep), rep).set_index("field")
    assert audit.loc["n_webinar", "timing"].startswith("known at scoring moment")
    assert audit.loc["employees", "timing"] == S.UNKNOWN_TIMING  # no field history
    assert audit.loc["source", "timing"] == S.UNKNOWN_TIMING
    assert audit.loc["budget_confirmed", "status"] == "excluded: leak"
    assert rep.excluded == ["budget_confirmed"] and rep.suspicious == []
