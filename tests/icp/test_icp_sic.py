"""The SIC roll-up (helpers/icp/sic.py)."""

from __future__ import annotations

import pandas as pd

from helpers import icp


def test_sic_rollup_levels_and_fallbacks():
    codes = pd.Series(["7372", "111", "7300", "9800", None, "7372.0"], dtype="str")
    r = icp.sic_rollup(codes)
    assert r["sic_code"].tolist()[:2] == ["7372 Prepackaged Software", "0111 Wheat"]
    assert r["sic_major_group"].tolist() == [
        "73 Business Services",
        "01 Agricultural Production Crops",
        "73 Business Services",  # 7300 is not in the table: falls back to its 2-digit group
        "98 (not in SIC table)",
        "Unknown",
        "73 Business Services",
    ]
    assert r["sic_division"].iloc[0] == "I Services"
    assert r["sic_division"].iloc[1].startswith("A Agriculture")
    assert r["sic_code"].iloc[2] == "73xx (other codes in 73 Business Services)"
    assert r["sic_division"].iloc[4] == "Unknown"


def test_sic_reference_keeps_leading_zeros_and_cleans_quotes():
    ref = icp.read_sic_codes()
    assert ref["sic_code"].str.len().eq(4).all()
    assert "0111" in set(ref["sic_code"])
    assert not ref["industry_name"].str.contains("\\\\", regex=False).any()
