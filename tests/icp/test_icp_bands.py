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
