"""Bands of employees, revenue and sites (helpers/icp/bands.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import icp


def test_band_labels_counts_and_money():
    assert icp.band_labels([0, 50, 200]) == ["<50", "50-199", "200+"]
    assert icp.band_labels([1, 2, 6]) == ["1", "2-5", "6+"]
    assert icp.band_labels([0, 1e6, 1e7, 1.5e9], money=True) == [
        "<1M",
        "1M-10M",
        "10M-1.5B",
        "1.5B+",
    ]
    with pytest.raises(ValueError, match="increasing"):
        icp.band_labels([0, 50, 50])


def test_band_assigns_edges_to_the_upper_band_and_unknown_last():
    b = icp.band(pd.Series([0, 49, 50, 199, 200, 5000, np.nan, -3]), [0, 50, 200])
    assert b.tolist() == ["<50", "<50", "50-199", "50-199", "200+", "200+", "Unknown", "<50"]
    assert list(b.cat.categories) == ["<50", "50-199", "200+", "Unknown"]
    assert b.cat.ordered


@pytest.mark.parametrize(
    ("label", "bounds"),
    [
        ("1K or less", (None, 1000.0)),
        ("1K to 5K", (1000.0, 5000.0)),
        ("5K to 15K", (5000.0, 15000.0)),
        ("More than 25K", (25000.0, None)),
        ("100K to 250K", (100000.0, 250000.0)),
        ("1-10", (1.0, 10.0)),
        ("11-50", (11.0, 50.0)),
        ("10,001+", (10001.0, None)),
        ("$1M - $5M", (1e6, 5e6)),
        ("1-5M", (1e6, 5e6)),  # the scale of the second number applies to the first
        ("500-1K", (500.0, 1000.0)),  # ... unless that breaks the order
        ("<15", (None, 15.0)),
        (">1000", (1000.0, None)),
        ("Less than 10 employees", (None, 10.0)),
        ("between 10 and 50", (10.0, 50.0)),
        ("1", (1.0, 1.0)),
        ("Small", None),
        ("3 Years", None),
        ("50-10", None),
        (None, None),
    ],
)
def test_parse_band_reads_the_bounds(label, bounds):
    assert icp.parse_band(label) == bounds


def test_text_bands_are_ordered_by_their_bounds_unparsed_labels_last():
    seen = ["More than 25K", "1K to 5K", "Not disclosed", "1K or less", "15K to 25K", "5K to 15K"]
    assert icp.text_band_order(pd.Series(seen * 3 + [None])) == [
        "1K or less",
        "1K to 5K",
        "5K to 15K",
        "15K to 25K",
        "More than 25K",
        "Not disclosed",  # does not parse: after the parsed bands, in first-seen order
    ]
    sizes = ["10,001+", "11-50", "1-10", "201-500", "51-200"]
    assert icp.text_band_order(pd.Series(sizes)) == [
        "1-10",
        "11-50",
        "51-200",
        "201-500",
        "10,001+",
    ]


def test_text_that_is_not_bands_stays_unordered():
    assert icp.text_band_order(pd.Series(["Small", "Mid", "Big"])) is None
    # single numbers alone are values, not bands; labels mostly unparsed are not bands
    assert icp.text_band_order(pd.Series(["Annual", "3 Years", "2 Years"])) is None
    assert icp.text_band_order(pd.Series(["1", "2", "3"])) is None
    assert icp.text_band_order(pd.Series(["1-10", "11-50"] + ["Other"] * 5)) is None


def test_quantile_edges_round_and_merge():
    from helpers.icp.bands import quantile_edges

    assert quantile_edges(pd.Series(np.arange(1000))) == [0.0, 200.0, 400.0, 600.0, 800.0]
    assert quantile_edges(pd.Series([0.0] * 90 + list(range(1, 11)))) == [0.0]
