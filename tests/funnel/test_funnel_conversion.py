"""Unit tests for helpers/funnel/conversion.py: censored conversion, cohorts, periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from funnel_fixtures import TS

from helpers import funnel


def test_stage_lags(journeys):
    lags = funnel.stage_lags(journeys).set_index("transition")
    # mql->sal dated both: L1 (3 days), L6 (1 day)
    assert lags.loc["mql->sal", "converted_dated"] == 2
    assert lags.loc["mql->sal", "median_days"] == pytest.approx(2.0)
    assert lags.loc["mql->sal", "p90_days"] == pytest.approx(2.8)
    assert funnel.censor_windows(journeys)["mql->sal"] == 3.0


def test_conversion_with_and_without_censoring(journeys):
    c = funnel.conversion_table(journeys, censor_days=30).set_index("transition")
    # inquiry->mql: L5 (5 days old) is too young: 4 of the 5 old enough converted
    assert c.loc["inquiry->mql", "rate"] == pytest.approx(0.8)
    assert c.loc["inquiry->mql", "rate_naive"] == pytest.approx(5 / 6)
    assert c.loc["inquiry->mql", "lost"] == 1
    # mql->sal: L5 pending, L7 lost
    assert c.loc["mql->sal", "rate"] == pytest.approx(0.75)
    assert c.loc["mql->sal", "rate_naive"] == pytest.approx(0.6)
    assert c.loc["mql->sal", "pending"] == 1 and c.loc["mql->sal", "lost"] == 1
    assert c.loc["sal->sql", "rate"] == 1.0
    assert c.loc["sql->opportunity", "rate"] == pytest.approx(2 / 3)
    assert c.loc["opportunity->won", "rate"] == 0.5
    # with k = 0 every lead counts and the two rates agree
    c0 = funnel.conversion_table(journeys, censor_days=0).set_index("transition")
    assert c0.loc["mql->sal", "rate"] == pytest.approx(0.6)


def test_cohort_waterfall(journeys):
    wf = funnel.cohort_waterfall(journeys, censor_days=30, freq="M")
    jan = wf[(wf["cohort"] == TS("2024-01-01")) & (wf["transition"] == "mql->sal")].iloc[0]
    # January cohort: L1, L3, L4, L7 -> MQLs L1, L4, L7; SAL: L1, L4
    assert jan["entered"] == 4 and jan["reached"] == 3 and jan["converted"] == 2
    assert jan["rate"] == pytest.approx(2 / 3) and jan["status"] == "measured"
    assert jan["median_days"] == pytest.approx(3.0)  # only L1 has both dates
    june = wf[(wf["cohort"] == TS("2024-06-01")) & (wf["transition"] == "mql->sal")].iloc[0]
    assert june["status"] == "too young" and np.isnan(june["rate"])


def test_period_comparison():
    rng = np.random.default_rng(1)
    n = 400
    created = TS("2023-01-01") + pd.to_timedelta(np.repeat([0, 100], n // 2), unit="D")
    p = np.repeat([0.6, 0.3], n // 2)
    conv = rng.random(n) < p
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(n)], dtype="string"),
            "mql_at": created,
            "sql_at": pd.Series(created + pd.Timedelta(days=5)).where(conv),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=TS("2024-01-01"))
    pc = funnel.period_comparison(j, censor_days=10).iloc[0]
    assert pc["previous_period"] == "2023Q1" and pc["period"] == "2023Q2"
    assert pc["change"] < -0.2 and pc["p_value"] < 0.001
