"""helpers.revenue.display: the rates table and the CSV copy of an artifact."""

from __future__ import annotations

import pandas as pd
import pytest
from revenue_fixtures import rates_frame

from helpers import revenue as rv


def test_rates_table_labels_stages_and_brackets_each_rate():
    r = rates_frame([("sql", "opportunity", 51.0, 51.0), ("opportunity", "won", 21.0, 81.0)])
    r["trials"], r["successes"] = [100, 100], [50, 20]
    r["lag_days_median"], r["maturity_days"] = [10.0, 40.0], [20.0, 80.0]
    t = rv.rates_table(r)
    assert t["conversion"].tolist() == ["SQLs -> Opportunities", "Opportunities -> Won deals"]
    assert (t["low"] < t["rate"]).all() and (t["rate"] < t["high"]).all()
    assert t.loc[0, "low"] == pytest.approx(1 - t.loc[0, "high"])  # a symmetric posterior


def test_for_csv_rounds_numbers_and_writes_dates_as_days():
    df = pd.DataFrame({"month": pd.to_datetime(["2025-01-01 10:00"]), "x": [1.23456], "n": [3]})
    out = rv.for_csv(df)
    assert out.loc[0, "month"] == "2025-01-01" and out.loc[0, "x"] == 1.23 and out.loc[0, "n"] == 3
    assert df.loc[0, "x"] == 1.23456  # the original is untouched
