"""helpers.synth.plan: spend follows inquiries and cost per lead; the plan is a growth plan."""

from __future__ import annotations

import pandas as pd


def test_spend_and_plan(sample):
    t = sample.truths
    L, S = sample.leads, sample.spend
    assert set(S["channel"]) == set(L["lead_source"])
    won = sample.opps[sample.opps["outcome"] == "Won"].merge(L[["lead_id", "lead_source"]], on="lead_id")
    by = S.groupby("channel")["amount"].sum().to_frame("spend")
    by["per_lead"] = by["spend"] / L["lead_source"].value_counts()
    by["per_won"] = by["spend"] / won["lead_source"].value_counts()
    low = t["funnel"]["low_fit_source"]
    assert by["per_lead"].idxmin() == low, "the low-fit channel is the cheapest per lead"
    assert by.loc[low, "per_won"] > by["per_won"].median(), "...but not per won deal"
    P = sample.plan
    assert len(P) == 24
    future = P[pd.to_datetime(P["period"]) >= sample.export]
    assert len(future) == 12 and future["revenue_target"].is_monotonic_increasing
    o = sample.opps
    last6 = o[(o["outcome"] == "Won") & (o["closed_at"] >= sample.export - pd.DateOffset(months=6))]
    assert future["revenue_target"].iloc[-1] > 1.3 * last6["amount"].sum() / 6, "a growth plan"
