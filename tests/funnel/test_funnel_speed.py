"""Unit tests for helpers/funnel/speed.py: response buckets and the adjusted speed-to-lead effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from funnel_fixtures import stl_journeys

from helpers import funnel


def test_response_buckets():
    h = pd.Series([0.5, 1.0, 24.0, 30.0, np.nan])
    assert list(funnel.response_bucket(h)) == ["<1h", "1-24h", "1-24h", ">24h", "never"]
    d = pd.Series([0.0, 24.0, 48.0, 72.0, np.nan])
    assert list(funnel.response_bucket(d, date_only=True)) == ["same day", "1-2 days", "1-2 days", ">2 days", "never"]


def test_speed_to_lead_shares_and_adjusted_effect():
    j, df = stl_journeys()
    stl = funnel.speed_to_lead(j, target="sql", censor_days=10)
    assert stl.n == len(df)
    assert stl.shares["within_1h"] == pytest.approx((df["hours"] < 1).mean())
    assert stl.shares["never"] == 0.0
    b = stl.by_bucket.set_index("bucket")
    assert b.loc["<1h", "n"] == (df["hours"] < 1).sum()
    assert b.loc["<1h", "low"] < b.loc["<1h", "rate"] < b.loc["<1h", "high"]
    adj = stl.adjusted.set_index("bucket")
    # slow vs fast: true within-source ratio 0.5; the crude ratio is worse (source mix)
    assert adj.loc[">24h", "crude_rr"] < adj.loc[">24h", "rr"]
    assert adj.loc[">24h", "low"] < 0.5 < adj.loc[">24h", "high"]


def test_speed_to_lead_not_recorded_without_first_touch_dates(journeys):
    leads_touches = journeys.table.assign(sales_touches=3.0)
    j = funnel.add_touches(funnel.Journeys(leads_touches, journeys.stages, journeys.export_date), None)
    assert funnel.has_touch_data(j) and not funnel.has_first_touch(j)
    with pytest.raises(ValueError, match="not recorded"):
        funnel.speed_to_lead(j, censor_days=30)
    assert "speed_to_lead" in funnel.skipped_sections(j)
