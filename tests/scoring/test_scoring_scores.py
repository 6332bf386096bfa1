"""The 1-99 score and the bands A-D (helpers/scoring/scores.py)."""

from __future__ import annotations

import numpy as np

from helpers import scoring as S


def test_score_and_bands():
    ref = S.reference_quantiles(np.linspace(0, 1, 1001))
    s = S.to_score(np.array([0.0, 0.5, 0.95, 1.0]), ref)
    assert s.tolist() == [1, 50, 94, 99]
    assert S.assign_bands(np.array([99, 90, 89, 70, 69, 40, 39, 1])).tolist() == list("AABBCCDD")
