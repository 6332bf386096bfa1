"""Unit tests for helpers/funnel/touches.py: touch columns, the buyer's journey, the touches curve and plateau."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from funnel_fixtures import EXPORT, dose_counts, plateau_counts

from helpers import funnel


def test_add_touches_counts_before_conversion(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    t = j.table.set_index("lead_id")
    assert t.loc["L1", "response_hours"] == pytest.approx(0.5)
    assert t.loc["L1", "sales_touches"] == 2
    assert t.loc["L1", "marketing_before_sales"] == 1
    assert t.loc["L1", "pre_target_touches"] == 4 and t.loc["L1", "pre_target_marketing"] == 2
    assert t.loc["L4", "response_hours"] == pytest.approx(48.0)
    assert t.loc["L4", "sales_touches"] == 1
    assert np.isnan(t.loc["L7", "response_hours"]) and t.loc["L7", "sales_touches"] == 0
    assert funnel.has_touch_data(j)


def test_add_touches_falls_back_to_aggregates(journeys):
    t = journeys.table.copy()
    t["sales_touches"] = [3.0, 0, 1, 0, 2, 0]
    t["first_sales_touch_at"] = t["t_mql"] + pd.Timedelta(hours=2)
    j = funnel.Journeys(t, journeys.stages, journeys.export_date)
    j2 = funnel.add_touches(j, None)
    assert (j2.table["touch_source"] == "aggregates").all()
    assert j2.table["response_hours"].dropna().eq(2.0).all()
    j3 = funnel.add_touches(funnel.Journeys(journeys.table.drop(columns=[]), journeys.stages, EXPORT), None)
    assert not funnel.has_touch_data(j3)


def test_journey_before_sales(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    jb = funnel.journey_before_sales(j)
    assert jb["n_touched"] == 2  # L1 and L4
    assert jb["marketing_touches_before_sales_median"] == pytest.approx(0.5)  # 1 and 0
    # L1: 4 touches before its opportunity, 2 marketing; L4: 1 sales touch before
    assert jb["marketing_share_of_pre_target_touches"] == pytest.approx(2 / 5)
    # L1 entered 01-01, first sales touch 01-02 00:30, opportunity 01-20: 1.02 / 19 days
    assert jb["journey_elapsed_before_sales_median"] == pytest.approx(np.median([1.0208333 / 19, 3 / 19]), rel=1e-4)


def test_touch_curve_hand_computed():
    n = np.array([1, 1, 2, 2, 3, 3, 3])
    conv = np.array([True, False, True, False, False, False, True])
    c = funnel.curve_from_counts(n, conv, 3).set_index("touches")
    assert list(c["at_risk"]) == [7, 7, 5, 3]
    assert list(c["converted"]) == [0, 1, 1, 1]
    assert c.loc[1, "hazard"] == pytest.approx(1 / 7)
    assert c.loc[3, "hazard"] == pytest.approx(1 / 3)
    assert c.loc[2, "cumulative"] == pytest.approx(11 / 35)
    assert c.loc[3, "cumulative"] == pytest.approx(19 / 35)
    assert c.loc[2, "rate_exact"] == 0.5
    assert (c["cum_low"] <= c["cumulative"]).all() and (c["cumulative"] <= c["cum_high"]).all()


def test_find_plateau_recovers_planted_touch_count():
    k, conv = dose_counts(lambda k: 0.1 * np.minimum(k, 4))
    p = funnel.find_plateau(funnel.curve_from_counts(k, conv, 12))
    assert p.touches == 4
    assert p.slope_before == pytest.approx(0.1, abs=0.02)
    assert abs(p.slope_after) < 0.01


def test_find_plateau_none_when_rising_or_flat():
    k, conv = dose_counts(lambda k: 0.05 * k)
    p = funnel.find_plateau(funnel.curve_from_counts(k, conv, 12))
    assert p.touches is None and "keeps rising" in p.note
    k, conv = dose_counts(lambda k: np.full(k.shape, 0.3))
    p = funnel.find_plateau(funnel.curve_from_counts(k, conv, 12))
    assert p.touches is None and "does not rise" in p.note


def test_cumulative_plateau_in_discrete_time_view():
    touches, conv = plateau_counts(plateau=4)
    p = funnel.find_plateau(funnel.curve_from_counts(touches, conv, 12))
    assert p.detail.attrs["cumulative_plateau"] == 4
