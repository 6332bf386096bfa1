"""Segment tables, pooling, top segments and the lift matrix (helpers/icp/segments.py).

Tiny hand-made tables: every number can be computed by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import icp
from helpers.core.stats import wilson_interval


def test_pool_small_segments_never_pools_unknown():
    s = pd.Series(["a", "a", "a", "b", "c", "Unknown"])
    assert icp.pool_small_segments(s, 2).tolist() == [
        "a",
        "a",
        "a",
        icp.OTHER_SMALL,
        icp.OTHER_SMALL,
        "Unknown",
    ]


@pytest.fixture
def tiny_deals():
    # X: 4 deals, 3 won (100, 200, 300; cycles 10, 20, 60); Y: 2 lost; Z: 1 won (pooled)
    return pd.DataFrame(
        {
            "seg": ["X", "X", "X", "X", "Y", "Y", "Z"],
            "won": [True, True, True, False, False, False, True],
            "amount": [100.0, 200.0, 300.0, 999.0, 50.0, 50.0, 400.0],
            "cycle_days": [10.0, 20.0, 60.0, 5.0, 5.0, 5.0, 30.0],
        }
    )


def test_segment_table_hand_computed(tiny_deals):
    leads = pd.DataFrame({"seg": ["X"] * 10 + ["Y"] * 4 + ["Z"] * 2})
    t = icp.segment_table(tiny_deals, "seg", leads=leads, min_n=3).set_index("segment")
    x = t.loc["X"]
    assert (x["opportunities"], x["wins"]) == (4, 3)
    assert x["win_rate"] == pytest.approx(0.75)
    assert x["lift"] == pytest.approx(0.75 / (4 / 7))
    assert x["avg_won_amount"] == pytest.approx(200.0)  # lost deal's 999 is not a won deal
    assert x["median_cycle_days"] == pytest.approx(20.0)
    assert x["revenue_per_lead"] == pytest.approx(600.0 / 10)
    assert bool(x["reliable"]) and not bool(x["pooled"])
    # Y has 2 deals < min_n 3; it is pooled with Z into "Other (small)"
    assert "Y" not in t.index and "Z" not in t.index
    other = t.loc[icp.OTHER_SMALL]
    assert (other["opportunities"], other["wins"], other["leads"]) == (3, 1, 6)
    assert bool(other["pooled"]) and not bool(other["reliable"])
    assert list(t.index) == ["X", icp.OTHER_SMALL]  # pooled rows last


def test_segment_table_bands_are_flagged_not_pooled(tiny_deals):
    d = tiny_deals.assign(
        seg=pd.Categorical(tiny_deals["seg"], categories=["Y", "X", "Z"], ordered=True)
    )
    t = icp.segment_table(d, "seg", min_n=3)
    assert t["segment"].tolist() == ["Y", "X", "Z"]  # band order kept
    assert t["reliable"].tolist() == [False, True, False]
    assert not t["pooled"].any()


def test_top_segments_never_ranks_unreliable_or_pooled():
    tables = pd.DataFrame(
        {
            "dimension": ["industry"] * 4,
            "segment": ["tiny", "big", "Other (small)", "Unknown"],
            "opportunities": [5, 400, 100, 100],
            "wins": [5, 180, 90, 90],
        }
    )
    tables["win_rate"] = tables["wins"] / tables["opportunities"]
    tables["ci_low"], tables["ci_high"] = wilson_interval(tables["wins"], tables["opportunities"])
    tables["lift"] = tables["win_rate"] / 0.3
    tables["pooled"] = tables["segment"].eq("Other (small)")
    tables["reliable"] = (tables["opportunities"] >= 30) & ~tables["pooled"]
    top = icp.top_segments(tables)
    assert top["segment"].tolist() == ["big"]


def test_lift_matrix_hand_computed():
    deals = pd.DataFrame(
        {
            "a": ["p"] * 4 + ["q"] * 4,
            "b": ["s", "s", "t", "t"] * 2,
            "won": [True, True, False, False, True, False, False, False],
        }
    )
    lift, counts = icp.lift_matrix(deals, "a", "b", min_n=2, min_row=1)
    # overall 3/8; cell p/s = 2/2 -> lift 8/3
    assert lift.loc["p", "s"] == pytest.approx(1 / (3 / 8))
    assert lift.loc["q", "t"] == pytest.approx(0.0)
    assert counts.loc["p", "s"] == 2
    lift3, _ = icp.lift_matrix(deals, "a", "b", min_n=3, min_row=1)
    assert lift3.isna().all().all()
