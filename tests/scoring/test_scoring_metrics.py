"""Metrics with ties, gains and reliability tables (helpers/scoring/metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import scoring as S


def test_metrics_with_tied_rule_scores_use_random_tie_break():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    rule = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], dtype=float)  # 4 tied at the top, 1 converter
    m = S.evaluate(y, {"rule": rule}, probabilities=set()).iloc[0]
    # top 10% = 1 lead drawn from the 4 tied at the top: expected precision 1/4
    assert m["precision_top10"] == pytest.approx(0.25)
    assert m["lift_top10"] == pytest.approx(0.25 / 0.2)
    g = S.gains_table(y, {"rule": rule}, points=11)
    assert g.loc[g.share_of_leads.round(2) == 0.4, "share_of_conversions"].iloc[0] == pytest.approx(
        0.5
    )
    assert g["share_of_conversions"].iloc[-1] == pytest.approx(1.0)


def test_reliability_table_deciles():
    p = np.linspace(0.01, 0.99, 100)
    y = (np.arange(100) % 2 == 0).astype(int)
    t = S.reliability_table(y, p, n_bins=10)
    assert len(t) == 10 and t["leads"].sum() == 100
    assert t["predicted"].is_monotonic_increasing


def test_gains_sorts_once_and_matches_each_share_computed_alone():
    from helpers.scoring.metrics import _expected_top

    rng = np.random.default_rng(5)
    y = (rng.random(3000) < 0.2).astype(float)
    s = np.round(rng.random(3000), 2)  # many ties
    g = S.gains_table(y, {"m": s})
    one_by_one = [_expected_top(y, s, share) / y.sum() for share in g["share_of_leads"]]
    assert np.array_equal(g["share_of_conversions"].to_numpy(), np.array(one_by_one))
    assert isinstance(_expected_top(y, s, 0.1), float)
