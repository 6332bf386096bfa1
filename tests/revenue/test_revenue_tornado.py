"""helpers.revenue.tornado: revenue sensitivity to each driver within a finite horizon."""

from __future__ import annotations

import numpy as np
import pytest
from revenue_fixtures import two_stage

from helpers import revenue as rv


def test_sensitivity_late_stages_pay_sooner_within_the_horizon():
    r = two_stage()
    deal = rv.DealSize(10_000.0, 0.0, 50, 0.0)
    short = rv.sensitivity(r, deal, 100.0, horizon=6, step=0.1).set_index("driver")
    late = short.loc["SQLs -> Won deals conversion", "high"]
    early = short.loc["Inquiries -> SQLs conversion", "high"]
    assert late > early > 0
    assert short.loc["Deal size", "high_pct"] == pytest.approx(0.1)
    assert late == pytest.approx(4 * 20 * 0.1 * 10_000)  # months 2-5
    # in steady state every +10% is +10%
    long = rv.sensitivity(r, deal, 100.0, horizon=600, step=0.1).set_index("driver")
    assert long["high_pct"].to_numpy() == pytest.approx(np.full(len(long), 0.1), abs=0.001)
