"""helpers.revenue.scenarios: the lagged funnel's expected wins, the baseline/aligned
projection, and the year-over-year volume growth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from revenue_fixtures import two_stage

from helpers import revenue as rv
from helpers.revenue.scenarios import _expected_wins


def test_expected_wins_steady_state_and_lever_timing():
    r = two_stage()
    p = r["rate"].to_numpy()[None, :]
    lags = r["lag_months"].to_numpy()
    none = _expected_wins(100.0, 0.0, p, lags, np.ones((1, 2)), 6, 0)
    assert none[0].tolist() == pytest.approx([20.0] * 6)
    late = _expected_wins(100.0, 0.0, p, lags, np.array([[1.0, 1.5]]), 6, 0)
    assert late[0].tolist() == pytest.approx([20, 20, 30, 30, 30, 30])  # pays after the 2-month last lag
    early = _expected_wins(100.0, 0.0, p, lags, np.array([[1.5, 1.0]]), 6, 0)
    assert early[0].tolist() == pytest.approx([20, 20, 20, 30, 30, 30])  # after the whole 3-month cycle
    ramp = _expected_wins(100.0, 0.0, p, lags, np.array([[1.0, 1.5]]), 6, 2)
    assert ramp[0].tolist() == pytest.approx([20, 20, 25, 30, 30, 30])


def test_project_scenarios_without_levers_has_no_uplift():
    res = rv.project_scenarios(two_stage(), rv.DealSize(10_000.0, 2_000.0, 50, 300.0), 100.0, [],
                               "2025-01-01", horizon=12, n_draws=500, seed=1)
    assert res.uplift["revenue"] == pytest.approx(0.0, abs=1e-6)
    assert set(res.monthly["scenario"]) == {"baseline", "aligned"}
    assert res.monthly["month"].min() == pd.Timestamp("2025-01-01")
    base = res.totals.set_index("scenario").loc["baseline"]
    assert base["revenue_low"] < base["revenue"] < base["revenue_high"]
    assert base["revenue"] == pytest.approx(12 * 100 * 0.5 * 0.4 * 10_000, rel=0.05)


def test_project_scenarios_lever_uplift_and_profit():
    lever = rv.Lever("x", "sql->won", 1.25, np.full(1000, 1.25))
    res = rv.project_scenarios(two_stage(), rv.DealSize(10_000.0, 0.0, 50, 0.0), 100.0, [lever], "2025-01-01",
                               horizon=12, ramp_months=0, gross_margin=0.5, n_draws=1000, seed=1,
                               alignment_cost_monthly=1_000.0)
    # expected: months 2..11 at +25% of 200k a month (rates from their posteriors, so approximately)
    assert res.uplift["revenue_pct"] == pytest.approx(10 * 0.25 / 12, rel=0.05)
    assert res.uplift["gross_profit"] == pytest.approx(res.uplift["revenue"] * 0.5 - 12_000.0, rel=1e-9)
    with pytest.raises(ValueError, match="not a stage conversion"):
        rv.project_scenarios(two_stage(), rv.DealSize(1.0, 0.0, 1, 0.0), 1.0,
                             [rv.Lever("y", "mql->sal", 1.1, np.ones(10))], "2025-01-01", n_draws=10)


def test_growth_is_year_over_year_and_flat_on_short_histories():
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    season = 1 + 0.1 * np.sin(np.arange(36) * 2 * np.pi / 12)
    counts = pd.Series(100 * 1.025 ** np.arange(36) * season, index=months)
    assert rv.estimate_growth(counts, "2024-12-31 23:00") == pytest.approx(0.025, abs=1e-9)
    # an export that starts 15 months ago with a ramp-up: held flat, and said so
    short = pd.Series([7, 115, 236, 312, 515] + [790] * 10, index=pd.date_range("2016-10-01", periods=15, freq="MS"),
                      dtype=float)
    g = rv.estimate_growth(short, "2017-12-31 23:00")
    assert g == 0.0
    assert "held flat" in rv.growth_sentence(short, "2017-12-31 23:00", g)
    assert "parameter" in rv.growth_sentence(short, "2017-12-31 23:00", 0.01, given=True)
