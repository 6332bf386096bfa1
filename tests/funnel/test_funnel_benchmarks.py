"""Unit tests for helpers/funnel/benchmarks.py: the org's rates beside external ranges."""

from __future__ import annotations

from helpers import funnel


def test_benchmark_comparison_labels_position(journeys):
    conv = funnel.conversion_table(journeys, censor_days=30)
    b = funnel.benchmark_comparison(conv).set_index("transition")
    assert b.loc["inquiry->mql", "position"] == "above range"  # 0.8 vs 10-25%
    assert b.loc["opportunity->won", "position"] == "above range"
    assert (b["grade"].dropna().str.contains("indicative")).all()
