"""Unit tests for helpers/funnel/summary.py: the figures recorded in summary.json."""

from __future__ import annotations

import json

import numpy as np
import pytest
from funnel_fixtures import rep_journeys

from helpers import funnel


@pytest.fixture
def result(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    conv = funnel.conversion_table(j, censor_days=30)
    ranking = funnel.leakage_ranking(conv, funnel.average_deal(j))
    return funnel.FunnelResult(j, conv, ranking)


def test_summary_of_the_required_sections_only(result):
    fig = funnel.summary_figures(result)
    assert fig["stages"] == ["inquiry", "mql", "sal", "sql", "opportunity", "won"]
    assert fig["leads"] == 6 and fig["recycled_dropped"] == 1
    assert fig["export_date"] == "2024-06-30"
    assert fig["reversed_stage_records"] == 1 and fig["skipped_stage_records"] == 1
    assert fig["stage_conversion"]["inquiry->mql"] == 0.8
    assert fig["censor_days"]["mql->sal"] == 30.0
    # opportunity->won loses one deal worth 1,000: the biggest expected-revenue leak
    assert fig["biggest_leak"] == {"stage": "opportunity->won", "lost_leads": 1, "lost_revenue": 1000.0,
                                   "cause": None, "side": None, "explained_share": {}}
    assert fig["most_leads_lost"]["lost_leads"] == 1
    assert fig["biggest_raw_leak"] == {"stage": "opportunity->won", "lost_leads": 1, "lost_revenue": 1000.0,
                                       "cause": None}
    assert fig["collapsed_stages"] == [] and fig["skipped_sections"] == {}
    for key in ("speed_to_lead", "touches_plateau", "touches_plateau_note", "attribution", "lost_mqls",
                "under_worked_share", "journey_before_sales", "weekly_alerts", "cohort_status", "leak_ranking",
                "under_working_owners"):
        assert fig[key] is None, key
    assert "touches_gain_before" not in fig
    json.dumps(fig, allow_nan=False)  # plain values only


def test_summary_of_every_section(result):
    j = result.journeys
    k, conv = np.array([1] * 50 + [2] * 50 + [3] * 50), np.array(([True] * 10 + [False] * 40) * 3)
    plateau = funnel.find_plateau(funnel.curve_from_counts(k, conv, 3), min_leads=1)
    att = funnel.attribute_losses(j, plateau=2, censor_days=30, target="won")
    cause = funnel.leak_cause(j, "opportunity->won", plateau=2, censor_days=30)
    result.cause, result.plateau, result.attribution = cause, plateau, att
    result.journey = funnel.journey_before_sales(j)
    result.alerts = funnel.alert_counts(funnel.weekly_alerts_by_transition(j, 30))
    result.cohorts = funnel.cohort_waterfall(j, 30)
    result.fit_source = "test"
    result.speed = funnel.speed_to_lead(j, censor_days=30)
    fig = funnel.summary_figures(result)
    assert fig["biggest_leak"]["cause"] == cause["cause"]
    assert fig["biggest_leak"]["side"] == funnel.CAUSE_SIDE[cause["cause"]]
    assert fig["touches_plateau_note"] == plateau.note
    assert fig["touches_gain_before"] == pytest.approx(plateau.slope_before, abs=1e-4)
    assert fig["lost_mqls"] == len(att)
    assert sum(fig["attribution"].values()) == pytest.approx(1.0)
    assert fig["journey_before_sales"]["n_touched"] == 2
    assert set(fig["weekly_alerts"]) == set(j.transitions)
    assert fig["cohort_status"]["mql->sal"]["measured"] >= 1
    assert fig["fit_source"] == "test"
    assert fig["speed_to_lead"]["n"] == result.speed.n
    assert fig["speed_to_lead"]["effect_vs_fastest_adjusted"]["same day"] == 1.0  # date-only: buckets in days
    json.dumps(fig, allow_nan=False)


def test_summary_headline_owners_and_key_points():
    j = rep_journeys(bad=("o0", "o1", "o2"), ends="2023-07-01")
    conv = funnel.conversion_table(j, censor_days=30)
    owners = funnel.under_working_owners(j, plateau=3, censor_days=30, alignment_start="2023-07-01")
    rec = funnel.recoverable_ranking(j, conv, None, plateau=3, censor_days=30, owners=owners.flagged)
    h = funnel.headline(rec)
    cause = funnel.leak_cause(j, h["stage"], plateau=3, censor_days=30, owners=owners.flagged)
    result = funnel.FunnelResult(j, conv, funnel.leakage_ranking(conv, None), cause, recoverable=rec, owners=owners,
                                 skipped={"buyer_journey": "The buyer's journey is not recorded."})
    fig = funnel.summary_figures(result)
    big = fig["biggest_leak"]
    assert (big["stage"], big["cause"], big["side"]) == ("mql->sql", "under-worked", "sales")
    assert big["recoverable_leads"] == pytest.approx(rec.loc[0, "recoverable_leads"], abs=0.5)
    assert fig["biggest_raw_leak"]["stage"] == "mql->sql"
    assert fig["leak_ranking"]["mql->sql"]["cause"] == "under-worked"
    uw = fig["under_working_owners"]
    assert uw["count"] == 3 and uw["tested"] == 12 and uw["measures"] == ["response", "touches"]
    assert sorted(o["owner_id"] for o in uw["owners"]) == ["o0", "o1", "o2"]
    assert uw["owners"][0]["slow_share"] > uw["owners"][0]["peers_slow_share"]
    assert uw["before_after"]["changed"] == "improved"
    assert 0.2 < uw["share_of_mqls"] < uw["share_of_lost_mqls"]
    json.dumps(fig, allow_nan=False)
    points = funnel.key_points(fig, "EUR")
    assert points[0].startswith("The leak to act on first is mql->sql: under-worked (sales side)")
    owner_point = next(p for p in points if "reps (hashed" in p)
    assert owner_point.startswith("3 of 12 reps (hashed: ") and "improved" in owner_point
    assert "The buyer's journey is not recorded." in points


def test_key_points_name_no_owner_when_none_under_works(result):
    fig = funnel.summary_figures(result)
    fig["under_working_owners"] = {"count": 0, "tested": 12, "owners": []}
    points = funnel.key_points(fig)
    assert "No rep under-works significantly more than the others (12 reps tested" in " ".join(points)


def test_key_points_without_a_recoverable_leak(result):
    fig = funnel.summary_figures(result)
    fig["biggest_leak"] = {"stage": None, "cause": None, "side": None, "recoverable_leads": 0.0}
    fig["skipped_sections"] = {"owners": "The by-rep view is skipped: the leads have no owner (owner_id) to compare."}
    points = funnel.key_points(fig)
    assert points[0].startswith("No stage falls significantly short")
    assert not any(p.startswith("By raw lost revenue") for p in points)
    assert points[-1].startswith("The by-rep view is skipped")
