"""Unit tests for helpers/funnel/sections.py: one sentence per section an export cannot feed."""

from __future__ import annotations

import pandas as pd

from helpers import funnel


def test_every_section_runs_with_an_activity_log(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    assert funnel.skipped_sections(j, accounts=pd.DataFrame({"account_id": []})) == {}


def test_an_export_without_touches_says_what_it_cannot_show(journeys):
    j = funnel.add_touches(journeys, None)
    skipped = funnel.skipped_sections(j)
    assert set(skipped) == {"speed_to_lead", "buyer_journey", "touches", "attribution", "owners"}
    assert skipped["speed_to_lead"].startswith("Speed-to-lead is not recorded")
    for sentence in skipped.values():
        assert sentence.endswith(".") and ". " not in sentence  # one sentence each


def test_aggregate_touch_counts_feed_touches_not_speed(journeys):
    j = funnel.add_touches(
        funnel.Journeys(
            journeys.table.assign(sales_touches=3.0), journeys.stages, journeys.export_date
        ),
        None,
    )
    skipped = funnel.skipped_sections(j)
    assert "touches" not in skipped and "owners" not in skipped
    assert {"speed_to_lead", "buyer_journey"} <= set(skipped)
