"""helpers.revenue.economics: deal size and gross margin, unit economics and channel
investments on hand-checkable numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from revenue_fixtures import fixture_org

from helpers import revenue as rv


def test_deal_size_and_gross_margin():
    leads, opps = fixture_org()
    deal = rv.deal_size(opps, "2024-12-31")
    assert deal.mean == 40_000.0 and deal.n == 2
    gm, note = rv.gross_margin_rate(opps)
    assert gm == pytest.approx((30_000 * 0.8 + 50_000 * 0.7) / 80_000)
    assert "2 won deals" in note
    gm, note = rv.gross_margin_rate(opps.drop(columns=["gross_margin"]), default=0.65)
    assert gm == 0.65 and "assumed" in note


def test_unit_economics_hand_checked():
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    counts = pd.DataFrame({"mql": 10.0, "sql": 4.0, "won": 2.0, "revenue": 60_000.0}, index=months)
    spend = pd.DataFrame({"month": months, "channel": "web", "amount": 12_000.0})
    e = rv.unit_economics(counts, spend, rv.DealSize(30_000.0, 0.0, 24, 0.0), 0.7, "2024-12-31",
                          sales_cost_monthly=3_000.0).set_index("metric")["value"]
    assert e["cost_per_mql"] == pytest.approx(1_200.0)  # 144k of spend / 120 MQLs
    assert e["cost_per_sql"] == pytest.approx(3_000.0)
    assert e["cac"] == pytest.approx((144_000 + 36_000) / 24)
    assert e["payback_months"] == pytest.approx(7_500 / (30_000 * 0.7 / 12))
    none = rv.unit_economics(counts, None, rv.DealSize(30_000.0, 0.0, 24, 0.0), 0.7, "2024-12-31")
    assert np.isnan(none.set_index("metric").loc["cac", "value"])


def test_channel_investments_use_mature_cohorts_only():
    leads, opps = fixture_org()
    stages = ["inquiry", "mql", "opportunity", "won"]
    t = rv.stage_times(leads, opps, stages)
    spend = pd.DataFrame(
        {"month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-12-01"]),
         "channel": pd.array(["web", "events", "web"], dtype="string"), "amount": [1_000.0, 500.0, 9_999.0]}
    )
    c = rv.channel_investments(t, leads, spend, "2024-12-31", maturity_months=6, window_months=12).set_index("channel")
    # cohorts Dec 2023 - May 2024: the December lead and December spend are too young
    assert c.loc["web", "leads"] == 3 and c.loc["web", "spend"] == 1_000.0
    assert c.loc["web", "won_revenue"] == 30_000.0 and c.loc["web", "revenue_per_spend"] == 30.0
    assert c.loc["web", "cost_per_mql"] == pytest.approx(1_000 / 3)
    assert c.loc["events", "won_revenue"] == 0.0 and c.loc["events", "cost_per_lead"] == 250.0


def test_gross_margin_from_a_gross_profit_amount():
    leads, opps = fixture_org()
    won = opps["outcome"].eq("won")
    with_profit = opps.drop(columns=["gross_margin"]).assign(
        gross_profit=np.where(won, opps["amount"] * 0.25, 999_999.0)  # lost deals never count
    )
    gm, note = rv.gross_margin_rate(with_profit)
    assert gm == pytest.approx(0.25)
    assert "2 won deals" in note and "gross profit" in note
    # a measured fraction wins over a profit amount when both are mapped
    gm, _ = rv.gross_margin_rate(with_profit.assign(gross_margin=opps["gross_margin"]))
    assert gm == pytest.approx((30_000 * 0.8 + 50_000 * 0.7) / 80_000)
    # a profit column with no value on won deals falls back to the parameter
    gm, note = rv.gross_margin_rate(with_profit.assign(gross_profit=np.nan), default=0.6)
    assert gm == 0.6 and "assumed" in note
