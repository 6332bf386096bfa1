"""The weekly brief: every figure equals the module's own figure for the same org and week
(the sample and the generated "alt" org, which plants different mechanics), and a week
with no data says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from helpers import funnel, meeting
from helpers import revenue as rv

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def briefs(report_inputs):
    """The default brief (last full week) of the org, with its inputs."""
    return report_inputs, meeting.weekly_brief(report_inputs)


def test_default_week_is_the_last_full_week(briefs):
    inputs, brief = briefs
    export = inputs.journeys().export_date
    assert brief.week.day_of_week == 0  # a Monday
    assert brief.week + 7 * DAY <= export < brief.week + 14 * DAY
    assert not brief.no_data


def test_arrivals_equal_the_weekly_view(briefs):
    inputs, brief = briefs
    wv = funnel.weekly_view(inputs.journeys(), weeks=None).set_index("week")
    for r in brief.volume.itertuples():
        assert r.this_week == wv.loc[brief.week, r.stage]
        last4 = [wv[r.stage].get(brief.week - k * 7 * DAY, 0) for k in range(4)]
        assert r.recent_weekly == pytest.approx(np.mean(last4))


def test_plan_need_equals_module_3s_figure(briefs):
    inputs, brief = briefs
    needed = inputs.summary["03_revenue"]["needed_per_month"]  # the notebook's own figure
    checked = 0
    for r in brief.volume.itertuples():
        if r.stage in needed:
            assert r.plan_weekly * 52 / 12 == pytest.approx(needed[r.stage], abs=0.051)
            assert r.plan_low <= r.plan_weekly <= r.plan_high
            assert r.short == pytest.approx(r.plan_weekly - r.recent_weekly)
            checked += 1
    assert checked >= 2


def test_alert_parameters_match_module_2(briefs):
    """The kit's alerts are module 2's: same counts per transition as summary.json."""
    inputs, _ = briefs
    recorded = inputs.summary["02_funnel"]["weekly_alerts"]
    counts = {tr: int(w["alert"].sum()) for tr, w in inputs.weekly_alerts().items()}
    assert counts == {tr: n for tr, n in recorded.items() if tr in counts}


def test_conversion_block_is_the_cohort_judged_that_week(briefs):
    inputs, brief = briefs
    j = inputs.journeys()
    p = inputs.params["funnel"]
    weekly = funnel.weekly_alerts_by_transition(
        j, p["censor_days"], window=p["alert_window"], n_sd=p["alert_sd"]
    )
    ks = funnel.censor_windows(j, p["censor_days"])
    for r in brief.conversion.itertuples():
        w = weekly[r.transition]
        judged = w[(w["week"] <= brief.week - ks[r.transition] * DAY) & (w["status"] == "mature")]
        if judged.empty:
            assert pd.isna(r.cohort)
            continue
        row = judged.iloc[-1]
        assert r.cohort == row["week"]
        assert (r.leads, r.converted_k, r.alert) == (row["leads"], row["converted_k"], row["alert"])
        assert r.rate_k == pytest.approx(row["rate_k"], nan_ok=True)


def test_sample_alert_week_raises_the_alert_and_its_question(sample_inputs):
    """Module 2 alerted on the mql->sal cohort of 2023-09-18 (k = 4 days): the brief of the
    next week shows it, and its first question asks the sales side about it."""
    weekly = sample_inputs.weekly_alerts()["mql->sal"]
    alerted = weekly.loc[weekly["alert"], "week"]
    cohort = alerted.iloc[0]
    brief = meeting.weekly_brief(sample_inputs, cohort + 7 * DAY)
    row = brief.conversion.set_index("transition").loc["mql->sal"]
    assert row["cohort"] == cohort and row["alert"]
    assert brief.questions[0].startswith("mql->sal") and "sales side" in brief.questions[0]
    assert f"{cohort:%Y-%m-%d}" in brief.questions[0]


def test_sla_block_against_a_direct_count(briefs):
    inputs, brief = briefs
    j, target = inputs.journeys(), inputs.target()
    t = j.table
    hours, plateau = brief.parameters["sla_hours"], brief.parameters["plateau"]
    lo, hi = brief.week - 21 * DAY, brief.week + 7 * DAY
    start = funnel.default_start(j.stages)
    ts = t[f"t_{start}"]
    mqls = t[t[f"reached_{start}"] & (ts >= lo) & (ts < hi)]
    mqls = mqls[mqls[f"t_{start}"] <= j.export_date - pd.Timedelta(hours=hours)]
    team = brief.sla.iloc[0]
    assert team["owner_id"] == "All owners"
    assert team["mqls"] == len(mqls)
    assert team["within_sla"] == pytest.approx((mqls["response_hours"] <= hours).mean())
    closed = t[
        t[f"reached_{start}"]
        & ~t[f"reached_{target}"]
        & (t["closed_at"] >= lo)
        & (t["closed_at"] < hi)
    ]
    assert team["closed_out"] == len(closed)
    assert team["reached_plateau"] == pytest.approx((closed["sales_touches"] >= plateau).mean())
    owners = brief.sla.iloc[1:]
    assert owners["mqls"].sum() == len(mqls) - int(mqls["owner_id"].isna().sum())
    assert owners["within_sla"].is_monotonic_increasing


def test_sla_plateau_is_the_planted_plateau(briefs, case):
    _, brief = briefs
    assert brief.parameters["plateau"] == case.truths["funnel"]["touches_plateau"]


def test_investments_equal_module_3(briefs):
    inputs, brief = briefs
    model = inputs.revenue_model()
    own = rv.channel_investments(
        model.times,
        inputs.data.leads,
        inputs.data.spend,
        model.as_of,
        maturity_months=model.maturity_months,
    )
    cols = ["channel", "spend", "leads", "cost_per_lead", "cost_per_mql", "cost_per_won"]
    pd.testing.assert_frame_equal(brief.investments[cols], own[cols])
    recorded = inputs.summary["03_revenue"]["channels"]["revenue_per_spend"]
    for r in brief.investments.dropna(subset=["revenue_per_spend"]).itertuples():
        assert r.revenue_per_spend == pytest.approx(recorded[r.channel], abs=0.006)
    assert brief.investments["cheapest_lead"].sum() == 1
    assert brief.investments.loc[brief.investments["cheapest_lead"], "cost_per_lead"].iloc[0] == (
        brief.investments["cost_per_lead"].min()
    )


def test_questions_find_the_planted_low_fit_channel(briefs, case):
    """Each org plants one low-fit source (the sample: Paid Social; alt: Content Syndication):
    cheap leads that rarely win. The brief's channel question names it."""
    _, brief = briefs
    source = case.truths["funnel"]["low_fit_source"]
    assert meeting.brief_figures(brief)["cheapest_per_lead"] == source
    assert any(q.startswith(f"{source} is the cheapest channel per lead") for q in brief.questions)


def test_three_questions_each_quoting_a_figure(briefs):
    _, brief = briefs
    assert 1 <= len(brief.questions) <= 3
    assert len(set(brief.questions)) == len(brief.questions)
    for q in brief.questions:
        assert any(ch.isdigit() for ch in q) and q.rstrip().endswith("?")


def test_a_week_before_the_data_says_so(sample_inputs):
    brief = meeting.weekly_brief(sample_inputs, "2019-01-09")
    assert brief.week == pd.Timestamp("2019-01-07")
    assert brief.no_data.startswith("No lead reached any stage in the week of 2019-01-07")
    assert "--week" in brief.no_data
    assert brief.volume is None and brief.conversion is None and brief.sla is None
    assert brief.questions == []
    assert str(escape(brief.no_data)) in meeting.render_brief(brief, chart=False)


def test_the_exports_partial_week_says_so(sample_inputs):
    export = sample_inputs.journeys().export_date
    brief = meeting.weekly_brief(sample_inputs, export)
    assert "is not complete in this export" in brief.no_data
    assert brief.volume is None


def test_a_week_inside_the_data_without_arrivals_says_so(sample_inputs):
    """A week the org recorded nothing in (here: leads removed from one week) is not shown
    as a week of zeros without a word."""
    from dataclasses import replace

    j = sample_inputs.journeys()
    week = pd.Timestamp("2023-03-06")
    t = j.table.copy()
    for s in j.stages:
        inside = (t[f"t_{s}"] >= week) & (t[f"t_{s}"] < week + 7 * DAY)
        t.loc[inside, f"reached_{s}"] = False
    gap = replace(sample_inputs, _cache={"journeys": replace(j, table=t)}, reasons={})
    brief = meeting.weekly_brief(gap, week)
    assert brief.no_data.startswith("No lead reached any stage in the week of 2023-03-06")


def test_brief_figures_are_plain(briefs):
    _, brief = briefs
    figures = meeting.brief_figures(brief)
    assert figures["week"] == f"{brief.week:%Y-%m-%d}"
    assert figures["arrivals"] == {r.stage: r.this_week for r in brief.volume.itertuples()}
    assert 0 <= figures["within_sla"] <= 1
    assert figures["questions"] == brief.questions
