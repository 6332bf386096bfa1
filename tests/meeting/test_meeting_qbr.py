"""The quarterly business review pack: its figures equal the modules' own figures for the same
org and quarters (the sample and the generated "alt" org)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import funnel, icp, meeting, scoring


@pytest.fixture(scope="module")
def reviews(case):
    return case.inputs, meeting.quarterly_review(case.inputs)


def test_quarters_compared():
    q = meeting.review_quarters(pd.Timestamp("2025-01-01 03:00"))
    assert [str(p) for p in q.values()] == ["2024Q4", "2024Q3", "2023Q4"]
    q = meeting.review_quarters(pd.Timestamp("2024-12-31 23:59:59"))  # the quarter is complete
    assert str(q["reviewed"]) == "2024Q4"
    q = meeting.review_quarters(pd.Timestamp("2024-11-15"), "2024Q2")
    assert [str(p) for p in q.values()] == ["2024Q2", "2024Q1", "2023Q2"]


def test_every_block_is_fed(reviews):
    _, review = reviews
    assert review.skipped == {}
    for block in ("arrivals", "funnel", "tiers", "score", "plan", "levers"):
        assert getattr(review, block) is not None, block


def test_arrivals_are_module_3s_monthly_counts(reviews):
    inputs, review = reviews
    counts = inputs.revenue_model().counts
    q = counts.index.to_period("Q")
    for role, period in review.quarters.items():
        own = counts[q == period].sum()
        got = review.arrivals.set_index("stage")[role]
        assert got.to_dict() == pytest.approx(own.to_dict())


def test_funnel_is_module_2s_quarterly_view(reviews):
    inputs, review = reviews
    j = inputs.journeys()
    p = inputs.params["funnel"]
    plateau = funnel.find_plateau(
        funnel.touch_curve(
            j, target=inputs.target(), censor_days=p["censor_days"], max_touches=p["max_touches"]
        ),
        min_gain=p["min_gain"],
    )
    low, _ = funnel.low_fit_flags(j, inputs.data.accounts, inputs.icp)
    att = funnel.attribute_losses(
        j,
        low_fit=low,
        plateau=plateau.touches,
        sla_hours=p["sla_hours"],
        censor_days=p["censor_days"],
    )
    view = funnel.quarterly_view(j, p["censor_days"], attribution=att).set_index("quarter")
    for row in review.funnel.to_dict("records"):
        own = view.loc[row["quarter"]]
        for col, value in own.items():
            assert row[col] == pytest.approx(value, nan_ok=True), (row["quarter"], col)


def test_all_time_tier_win_rates_are_icp_yml(reviews):
    inputs, review = reviews
    t = review.tiers[review.tiers["role"] == "all time"].set_index("tier")
    for tier, ev in inputs.icp["tiers"]["evidence"].items():
        assert t.loc[tier, "opportunities"] == ev["opportunities"]
        recorded = np.nan if ev["win_rate"] is None else ev["win_rate"]  # a tier without deals
        assert t.loc[tier, "win_rate"] == pytest.approx(recorded, abs=5e-5, nan_ok=True)


def test_quarter_tier_counts_are_deals_closed_in_the_quarter(reviews):
    inputs, review = reviews
    opps = inputs.data.opportunities
    closed = opps[opps["outcome"].astype(str).isin(["won", "lost"])]
    quarter = pd.to_datetime(closed["closed_at"]).dt.to_period("Q")
    for role, period in review.quarters.items():
        n = review.tiers.loc[review.tiers["role"] == role, "opportunities"].sum()
        assert n == int((quarter == period).sum())


def test_tier_verdict_quotes_the_pooled_rates(reviews):
    _, review = reviews
    t = review.tiers[review.tiers["role"] == "reviewed"]
    fit = t["tier"].isin(["A", "B"])
    rate = t.loc[fit, "wins"].sum() / t.loc[fit, "opportunities"].sum()
    assert f"tiers A/B won {rate:.0%}" in review.verdicts["tiers"]


def test_score_block_is_module_4s_calibration(reviews):
    """Calibration and drift by quarter come from ``scoring.drift_by_period`` on the scored
    leads and module 4's labels; MQLs convert better than the other leads (the score works)."""
    inputs, review = reviews
    scored = pd.read_csv(inputs.report_dir / "scored_leads.csv", dtype={"lead_id": "string"})
    p = inputs.params["scoring"]
    labels = scoring.build_labels(
        inputs.data.leads,
        inputs.data.opportunities,
        label_stage=p["label_stage"],
        horizon_days=p["horizon_days"],
        score_after_days=p["score_after_days"],
        activities=inputs.data.activities,
        stages=inputs.data.config.stages,
        records_from=p["conversions_recorded_from"] or None,
    )
    m = scored.merge(labels.table.astype({"lead_id": "string"}), on="lead_id")
    q = pd.to_datetime(m["created_at"]).dt.to_period("Q")
    judged = 0
    for row in review.score.to_dict("records"):
        g = m[q == pd.Period(row["period"], "Q")]
        assert row["leads"] == len(g)
        assert row["predicted_rate"] == pytest.approx(g["probability"].mean())
        lab = g[g["eligible"].astype(bool)]
        assert row["labelled_leads"] == len(lab)
        if len(lab) and lab["mql"].any():
            assert row["mql_rate"] == pytest.approx(lab.loc[lab["mql"], "label"].mean())
            assert row["mql_rate"] > 2 * row["other_rate"]
            judged += 1
    assert judged >= 1


def test_plan_block_is_module_3s_gap(reviews):
    inputs, review = reviews
    needed = inputs.summary["03_revenue"]["needed_per_month"]
    plan = review.plan.set_index("stage")
    for stage, value in needed.items():
        assert plan.loc[stage, "needed_per_month"] == pytest.approx(value, abs=0.051)
    arrivals = review.arrivals.set_index("stage")
    assert plan.loc["mql", "reviewed"] == pytest.approx(arrivals.loc["mql", "reviewed"] / 3)


def test_levers_are_module_3s(reviews):
    inputs, review = reviews
    recorded = inputs.summary["03_revenue"]["levers"]
    assert set(review.levers["lever"]) == set(recorded)
    for row in review.levers.itertuples():
        assert row.multiplier == pytest.approx(recorded[row.lever]["multiplier"], abs=5e-4)
        assert row.revenue > 0
    assert review.levers.attrs["tornado_top"] == inputs.summary["03_revenue"]["tornado_top"]


def test_review_without_report_artifacts_skips_with_sentences(sample_inputs):
    from dataclasses import replace

    bare = replace(sample_inputs, icp=None, report_dir=None, summary={}, _cache={}, reasons={})
    review = meeting.quarterly_review(bare)
    assert review.tiers is None and "run module 01" in review.skipped["tiers"]
    assert review.score is None and "run module 04" in review.skipped["score"]
    assert review.arrivals is not None and review.funnel is not None
    assert np.isfinite(review.plan["needed_per_month"]).all()


def test_tier_evidence_is_module_1s_function(sample_inputs):
    """The per-quarter table is ``icp.tier_evidence`` on the quarter's deals, nothing else."""
    prepared = icp.prepare_icp(
        leads=sample_inputs.data.leads,
        opportunities=sample_inputs.data.opportunities,
        accounts=sample_inputs.data.accounts,
    )
    own = icp.tier_evidence(prepared, sample_inputs.icp)
    review = meeting.quarterly_review(sample_inputs)
    t = review.tiers[review.tiers["role"] == "all time"].set_index("tier")
    assert t["wins"].to_dict() == own["wins"].to_dict()
