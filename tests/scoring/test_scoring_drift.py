"""Population stability and drift by period (helpers/scoring/drift.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import scoring as S


def test_psi_flags_a_shift():
    rng = np.random.default_rng(0)
    ref = rng.beta(2, 8, 5000)
    assert S.psi(ref, rng.beta(2, 8, 2000)) < 0.05
    assert S.psi(ref, rng.beta(5, 5, 2000)) > 0.2
    created = pd.Series(pd.to_datetime(["2024-01-15"] * 400 + ["2024-04-15"] * 400))
    p = np.concatenate([rng.beta(2, 8, 400), rng.beta(5, 5, 400)])
    d = S.drift_by_period(created, p, ref, freq="Q")
    assert d["drift"].tolist() == [False, True]
