"""helpers.revenue.plan: the reverse waterfall on hand-checkable numbers, the Monte Carlo
draws against their analytic mean, the lead plan, the gap and the plan targets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from revenue_fixtures import HAND_RATES, rates_frame

from helpers import revenue as rv
from helpers.core import stats


def test_reverse_waterfall_hand_checked_example():
    """$2.4M at $30k deals: 80 wins, and 7,111.1 -> 7,112 inquiries (no rounding between stages)."""
    w = rv.reverse_waterfall(2_400_000, 30_000, HAND_RATES).set_index("stage")
    assert list(w.index) == ["inquiry", "mql", "sql", "opportunity", "won"]
    assert w.loc["won", "needed"] == pytest.approx(80.0, rel=1e-12)
    assert w.loc["opportunity", "needed"] == pytest.approx(80 / 0.15, rel=1e-12)
    assert w.loc["sql", "needed"] == pytest.approx(1066.6666667, rel=1e-9)
    assert w.loc["mql", "needed"] == pytest.approx(1777.7777778, rel=1e-9)
    assert w.loc["inquiry", "needed"] == pytest.approx(7111.1111111, rel=1e-9)
    assert w["needed_rounded"].tolist() == [7112, 1778, 1067, 534, 80]


def test_rounding_only_the_final_counts():
    """Rounding up at every stage would compound to 7,120 inquiries; the rule gives 7,112."""
    compounded = 80
    for r in (0.15, 0.50, 0.60, 0.25):
        compounded = math.ceil(compounded / r)
    assert compounded == 7120
    w = rv.reverse_waterfall(2_400_000, 30_000, HAND_RATES).set_index("stage")
    assert w.loc["inquiry", "needed_rounded"] == 7112


def test_rates_as_list_or_frame_give_the_same_waterfall():
    as_list = [(k.split("->")[0], k.split("->")[1], v) for k, v in HAND_RATES.items()]
    frame = pd.DataFrame(as_list, columns=["from_stage", "to_stage", "rate"])
    a = rv.reverse_waterfall(2_400_000, 30_000, as_list)
    b = rv.reverse_waterfall(2_400_000, 30_000, frame)
    pd.testing.assert_frame_equal(a, b)


def test_ceil_count_rounds_up_but_ignores_float_dust():
    assert rv.ceil_count(7111.11) == 7112
    assert rv.ceil_count(80.00000000001) == 80
    assert rv.ceil_count(79.999999999999) == 80
    assert rv.ceil_count(80.01) == 81
    assert rv.ceil_count(np.array([0.2, 2.0, 2.5])).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "rates, deal, match",
    [
        ({"inquiry->mql": 0.0, "mql->won": 0.5}, 30_000, "above 0"),
        ({"inquiry->mql": 1.5, "mql->won": 0.5}, 30_000, "at most 1"),
        ({"inquiry->mql": 0.5, "sql->won": 0.5}, 30_000, "chain"),
        ({"inquiry->mql": 0.5}, 30_000, "end at 'won'"),
        ({"inquiry->won": 0.5}, 0, "deal size"),
    ],
)
def test_reverse_waterfall_rejects_bad_inputs_with_a_sentence(rates, deal, match):
    with pytest.raises(ValueError, match=match):
        rv.reverse_waterfall(1_000_000, deal, rates)


def test_monte_carlo_mean_matches_analytic_expectation_one_stage():
    rates = rates_frame([("opportunity", "won", 31.0, 71.0)])
    draws = rv.draw_stage_factors(rates, deal_mean=1.0, n_draws=400_000, seed=3)
    x = draws["opportunity"]
    se = x.std() / math.sqrt(len(x))
    assert x.mean() == pytest.approx(101 / 30, abs=4 * se)
    assert abs(x.mean() - 102 / 31) > 10 * se  # 1/mean(p) is a different (wrong) answer


def test_monte_carlo_mean_multistage_is_product_of_expectations():
    rows = [("inquiry", "mql", 26.0, 76.0), ("mql", "sql", 61.0, 41.0), ("sql", "won", 16.0, 86.0)]
    rates = rates_frame(rows)
    draws = rv.draw_stage_factors(rates, deal_mean=30_000.0, n_draws=400_000, seed=5)
    expected = np.prod([stats.expected_inverse_beta(a, b) for _, _, a, b in rows]) / 30_000.0
    x = draws["inquiry"]
    se = x.std() / math.sqrt(len(x))
    assert x.mean() == pytest.approx(expected, abs=4 * se)
    assert draws["won"].mean() == pytest.approx(1 / 30_000.0)


def test_draws_are_reproducible_with_the_seed():
    rates = rates_frame([("opportunity", "won", 31.0, 71.0)])
    a = rv.draw_stage_factors(rates, 1.0, n_draws=100, seed=9)
    b = rv.draw_stage_factors(rates, 1.0, n_draws=100, seed=9)
    pd.testing.assert_frame_equal(a, b)


def test_lead_plan_shifts_by_lead_time_and_rounds_up_only_at_the_end():
    rates = rates_frame([("inquiry", "mql", 251.0, 751.0), ("mql", "sql", 601.0, 401.0),
                         ("sql", "opportunity", 501.0, 501.0), ("opportunity", "won", 151.0, 851.0)])
    rates["rate"] = [0.25, 0.6, 0.5, 0.15]
    rates["lag_months"] = [0, 1, 0, 2]
    targets = pd.Series([2_400_000.0, 1_200_000.0], index=pd.to_datetime(["2025-06-01", "2025-07-01"]))
    deal = rv.DealSize(30_000.0, 0.0, 100, 0.0)
    plan = rv.lead_plan(targets, rates, deal, n_draws=2000, seed=1)
    top = plan[(plan["stage"] == "inquiry") & (plan["plan_month"] == pd.Timestamp("2025-06-01"))].iloc[0]
    assert top["lead_time_months"] == 3
    assert top["arrival_month"] == pd.Timestamp("2025-03-01")
    assert top["needed"] == pytest.approx(7111.1111, rel=1e-6)
    assert top["needed_rounded"] == 7112
    assert top["low"] < top["needed"] < top["high"]
    won = plan[(plan["stage"] == "won") & (plan["plan_month"] == pd.Timestamp("2025-07-01"))].iloc[0]
    assert won["arrival_month"] == pd.Timestamp("2025-07-01") and won["needed_rounded"] == 40
    opp = plan[(plan["stage"] == "opportunity")].iloc[0]
    assert opp["lead_time_months"] == 2


def test_plan_gap_against_run_rate():
    rates = rates_frame([("opportunity", "won", 151.0, 851.0)])
    rates["rate"] = 0.15
    targets = pd.Series(300_000.0, index=pd.date_range("2025-01-01", periods=12, freq="MS"))
    deal = rv.DealSize(30_000.0, 0.0, 100, 0.0)
    current = pd.Series({"opportunity": 50.0, "won": 8.0, "revenue": 240_000.0})
    gap = rv.plan_gap(targets, rates, deal, current, n_draws=4000, seed=2).set_index("stage")
    assert gap.loc["won", "needed_per_month"] == pytest.approx(10.0)
    assert gap.loc["opportunity", "needed_per_month"] == pytest.approx(66.6667, rel=1e-4)
    assert gap.loc["opportunity", "gap"] == pytest.approx(16.6667, rel=1e-4)
    assert gap.loc["revenue", "gap_pct"] == pytest.approx(0.2)
    assert gap.loc["opportunity", "p_enough"] < 0.01  # 50 a month cannot cover ~67


def test_plan_targets_precedence():
    as_of = "2024-12-31"
    plan = pd.DataFrame({"period": pd.date_range("2024-07-01", periods=12, freq="MS"), "revenue_target": 100.0})
    p = rv.plan_targets(plan, as_of, revenue_plan=1_200.0)
    assert p.targets.index[0] == pd.Timestamp("2025-01-01") and p.targets.sum() == pytest.approx(1_200.0)
    p = rv.plan_targets(plan, as_of)
    assert len(p.targets) == 6 and "after the data end" in p.source
    p = rv.plan_targets(plan[plan["period"] < "2025-01-01"], as_of)
    assert len(p.targets) == 6 and "before the data end" in p.source
    p = rv.plan_targets(None, as_of, trailing_revenue=1_000.0, plan_growth=0.2)
    assert p.annual == pytest.approx(1_200.0) and "no plan table" in p.source
    with pytest.raises(ValueError, match="No revenue plan"):
        rv.plan_targets(None, as_of)
    quarterly = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-04-01"]), "revenue_target": [300.0, 600.0]})
    q = rv.plan_targets(quarterly, as_of)
    assert q.targets.tolist() == [100.0] * 3 + [200.0] * 3
