"""Unit tests for helpers/funnel/display.py: the weekly and quarterly meeting tables."""

from __future__ import annotations

from helpers import funnel


def test_weekly_and_quarterly_views(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    wv = funnel.weekly_view(j, weeks=None)
    assert wv["mql"].sum() == 4  # L5's MQL week (06-24) is the export's partial week
    q = funnel.quarterly_view(j, censor_days=30)
    assert q["leads"].sum() == 6
    assert q.loc[q["quarter"] == "2024Q1", "won_revenue"].iloc[0] == 1000.0
