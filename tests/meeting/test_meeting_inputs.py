"""The kit's inputs: the notebooks' parameters with their precedence, the report's artifacts,
and one sentence for every step an export cannot feed."""

from __future__ import annotations

import pytest

from helpers import meeting


def test_parameters_follow_the_runs_precedence():
    default = meeting.meeting_parameters()
    assert default["funnel"]["sla_hours"] == 24.0 and default["funnel"]["censor_days"] is None
    assert default["revenue"]["n_draws"] == 4000 and default["scoring"]["psi_alert"] == 0.2
    org = meeting.meeting_parameters({"sla_hours": 4.0, "horizon_months": 12})
    assert org["funnel"]["sla_hours"] == 4.0 and org["revenue"]["sla_hours"] == 4.0
    assert org["revenue"]["horizon_months"] == 12
    assert "horizon_months" not in org["funnel"]  # only the names a notebook declares
    run = meeting.meeting_parameters({"sla_hours": 4.0}, {"02_funnel_leakage": {"sla_hours": 2.0}})
    assert run["funnel"]["sla_hours"] == 2.0 and run["revenue"]["sla_hours"] == 4.0


def test_report_inputs_read_the_artifacts(sample_inputs, sample_run):
    assert sample_inputs.report_dir == sample_run
    assert sample_inputs.icp["rule"]["text"] == sample_inputs.summary["01_icp"]["icp_rule"]
    assert (
        sample_inputs.mql["threshold_points"] == sample_inputs.summary["04_mql"]["threshold_points"]
    )
    assert sample_inputs.params["revenue"]["alignment_start"] == "2023-07-01"  # from org.yml


def test_org_inputs_without_a_report(sample_org_dir, tmp_path):
    inputs = meeting.inputs_from_org(sample_org_dir, report_dir=tmp_path / "none")
    assert inputs.report_dir is None and inputs.icp is None and inputs.summary == {}
    assert inputs.lead_tiers() is None
    assert "run module 01" in inputs.reasons["lead_tiers"]
    assert inputs.plateau_touches() == 6  # computed from the data, as module 2 does


def test_a_step_the_data_cannot_feed_leaves_a_sentence(sample_inputs):
    from dataclasses import replace

    no_acts = replace(
        sample_inputs, data=replace(sample_inputs.data, activities=None), _cache={}, reasons={}
    )
    assert no_acts.journeys() is not None
    assert not no_acts.has_touches()
    assert no_acts.plateau() is None and no_acts.speed() is None
    assert no_acts.reasons["plateau"].startswith("No sales touches in this export")
    brief = meeting.weekly_brief(no_acts)
    assert brief.sla is None and brief.skipped["sla"].startswith("No sales touches")
    assert brief.volume is not None and brief.conversion is not None


def test_no_spend_skips_investments_only(sample_inputs):
    from dataclasses import replace

    no_spend = replace(
        sample_inputs, data=replace(sample_inputs.data, spend=None), _cache={}, reasons={}
    )
    brief = meeting.weekly_brief(no_spend)
    assert brief.investments is None
    assert "spend table" in brief.skipped["investments"]
    assert brief.volume is not None and brief.sla is not None


@pytest.mark.parametrize("missing", ["plan", "opportunities"])
def test_no_plan_or_deals_keeps_the_arrivals(sample_inputs, missing):
    from dataclasses import replace

    data = replace(sample_inputs.data, **{missing: None})
    inputs = replace(sample_inputs, data=data, _cache={}, reasons={})
    brief = meeting.weekly_brief(inputs)
    assert brief.volume is not None and brief.volume["this_week"].sum() > 0
    if missing == "opportunities":
        assert brief.volume["plan_weekly"].isna().all()
        assert "opportunities" in brief.skipped["plan"]
    else:  # no plan table: module 3 grows the last 12 months' revenue by plan_growth
        assert brief.volume["plan_weekly"].notna().any()
