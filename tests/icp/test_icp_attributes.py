"""Declared attributes: the org.yml key, how a column segments, how values reach the deals.

Covers helpers/icp/attributes.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import icp
from helpers.icp.attributes import carry, one_outcome_note


def test_parse_segments_accepts_names_and_label_orders():
    assert icp.parse_segments(None) == [] and icp.parse_segments([]) == []
    assert icp.parse_segments(["route", "region"]) == [("route", None), ("region", None)]
    assert icp.parse_segments("route, region") == [("route", None), ("region", None)]
    assert icp.parse_segments(["route", {"size": ["Small", "Mid", "Big"]}, "route"]) == [
        ("route", None),
        ("size", ["Small", "Mid", "Big"]),
    ]
    assert icp.parse_segments({"size": ["S", "L"], "route": None}) == [
        ("size", ["S", "L"]),
        ("route", None),
    ]
    for bad in (3, [["a"]], [{"a": 1, "b": 2}], [{"a": "Small"}]):
        with pytest.raises(ValueError, match="icp_segments"):
            icp.parse_segments(bad)


def test_describe_attribute_reads_the_kind_of_column():
    text = icp.describe_attribute("route", "opportunities", pd.Series(["Direct", "Partner"]))
    assert text.kind == "text" and not text.ordered
    bands = icp.describe_attribute(
        "size", "opportunities", pd.Series(["1K to 5K", "More than 25K", "1K or less"])
    )
    assert bands.kind == "bands" and bands.categories == ["1K or less", "1K to 5K", "More than 25K"]
    declared = icp.describe_attribute(
        "size", "opportunities", pd.Series(["Mid", "Big", "Huge", "Small"]), ["Small", "Mid", "Big"]
    )
    assert declared.categories == ["Small", "Mid", "Big", "Huge"]  # undeclared labels after
    levels = icp.describe_attribute("contacts", "leads", pd.Series([0.0, 3.0, 1.0, np.nan]))
    assert levels.kind == "levels" and levels.categories == ["0", "1", "3"]
    numbers = icp.describe_attribute("age", "leads", pd.Series(np.arange(100) + 0.5))
    assert numbers.kind == "numbers" and numbers.money and len(numbers.categories) == 5
    flag = icp.describe_attribute("new_logo", "opportunities", pd.Series([True, False, None]))
    assert flag.kind == "yes/no"
    assert "dates" in icp.describe_attribute(
        "signed", "opportunities", pd.Series(pd.to_datetime(["2024-01-01"]))
    )
    assert "no values" in icp.describe_attribute("x", "leads", pd.Series([None, None]))


def test_attribute_labels_keep_order_and_read_unknown():
    bands = icp.describe_attribute("size", "opportunities", pd.Series(["1-10", "11-50", "51-200"]))
    lab = bands.labels(pd.Series(["11-50", None, " 1-10 "]))
    assert lab.astype("str").tolist() == ["11-50", "Unknown", "1-10"]
    assert lab.cat.ordered and list(lab.cat.categories) == ["1-10", "11-50", "51-200", "Unknown"]
    flag = icp.Attribute("new_logo", "opportunities", "yes/no")
    got = flag.labels(pd.Series([True, False, None], dtype="boolean")).astype("str").tolist()
    assert got == ["yes", "no", "Unknown"]
    levels = icp.describe_attribute("n", "leads", pd.Series([0.0, 2.0]))
    again = icp.Attribute.from_dict("n", levels.to_dict())
    assert again == levels and again.labels(pd.Series([2.0])).astype("str").tolist() == ["2"]


def test_carry_maps_labels_by_key_and_keeps_the_categories():
    lab = pd.Series(pd.Categorical(["S", "L", "S"], categories=["S", "L"], ordered=True))
    out = carry(lab, ["a", "b", "a"], ["b", "zz", "a", None])
    assert out.astype("str").tolist() == ["L", "Unknown", "S", "Unknown"]
    assert out.cat.ordered and list(out.cat.categories) == ["S", "L", "Unknown"]


def test_a_field_filled_only_for_won_deals_is_recognised():
    won = pd.Series([True] * 20 + [False] * 20)
    filled_when_won = pd.Series(["Retail"] * 20 + ["Unknown"] * 20)
    note = one_outcome_note("segment", "opportunities", filled_when_won, won)
    assert "filled only for won outcomes (20 of 40)" in note
    both = pd.Series(["Retail", "Unknown"] * 20)
    assert one_outcome_note("segment", "opportunities", both, won) is None
