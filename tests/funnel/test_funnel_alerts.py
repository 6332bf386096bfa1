"""Unit tests for helpers/funnel/alerts.py: weekly leak alerts."""

from __future__ import annotations

import pandas as pd
from funnel_fixtures import TS, weekly_journeys

from helpers import funnel


def test_weekly_alert_on_mature_drop():
    j = weekly_journeys(bad_week=12)
    w = funnel.weekly_alerts(j, "mql->sal", k_days=7)
    assert w.loc[w["alert"], "week"].tolist() == [TS("2024-01-01") + pd.Timedelta(days=84)]


def test_young_cohort_never_alerts():
    j = weekly_journeys(bad_week=None, young_bad=True)
    w = funnel.weekly_alerts(j, "mql->sal", k_days=7)
    last = w.iloc[-1]
    assert last["rate_k"] == 0.0 and not last["mature"] and not last["alert"]
    assert not w["alert"].any()


def test_alerts_by_transition_and_counts():
    j = weekly_journeys(bad_week=12)
    weekly = funnel.weekly_alerts_by_transition(j, censor_days=7)
    assert list(weekly) == ["mql->sal"]
    pd.testing.assert_frame_equal(weekly["mql->sal"], funnel.weekly_alerts(j, "mql->sal", 7))
    counts = funnel.alert_counts(weekly).set_index("transition")
    assert counts.loc["mql->sal", "alerts"] == 1
    assert counts.loc["mql->sal", "last_alert"] == TS("2024-01-01") + pd.Timedelta(days=84)
