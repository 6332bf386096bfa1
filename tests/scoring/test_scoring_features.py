"""Candidate features known at the scoring moment (helpers/scoring/features.py, activities.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import scoring as S


def test_activity_counts_stop_at_the_scoring_moment():
    ids = pd.Series(["L1", "L2"])
    moments = pd.Series(pd.to_datetime(["2024-01-10 12:00:00", "2024-01-20 00:00:00"]))
    acts = pd.DataFrame(
        {
            "lead_id": ["L1", "L1", "L1", "L1", "L2", "L2", "ZZ"],
            "occurred_at": pd.to_datetime(
                [
                    "2024-01-05",  # before: counts
                    "2024-01-10 12:00:00",  # exactly at the moment: counts
                    "2024-01-10 12:00:01",  # one second after: does not count
                    "2024-02-01",  # long after: does not count
                    "2024-01-19",
                    "2024-01-19",
                    "2024-01-01",  # unknown lead: ignored
                ],
                format="ISO8601",
            ),
            "activity_type": ["Webinar", "download", "webinar", "call", "webinar", "call", "call"],
            "team": ["marketing", "marketing", "marketing", "sales", "marketing", "sales", "sales"],
        }
    )
    counts, types = S.activity_counts(ids, moments, acts)
    assert set(types) == {"webinar", "download", "call"}
    assert counts["n_webinar"].tolist() == [1.0, 1.0]
    assert counts["n_download"].tolist() == [1.0, 0.0]
    assert counts["n_call"].tolist() == [0.0, 1.0]
    assert counts["n_marketing"].tolist() == [2.0, 1.0]
    assert counts["n_sales"].tolist() == [0.0, 1.0]
    # the score counts marketing touches only: sales' own touches are the treatment
    mkt, mtypes = S.activity_counts(ids, moments, acts, teams=("marketing",))
    assert set(mtypes) == {"webinar", "download"} and "n_sales" not in mkt
    assert mkt["n_marketing"].tolist() == [2.0, 1.0]
    # without a team column every activity counts
    anon, _ = S.activity_counts(ids, moments, acts.drop(columns="team"))
    assert anon["n_activities"].tolist() == [2.0, 2.0]


def test_build_features_joins_accounts_and_skips_unsafe_columns():
    leads = pd.DataFrame(
        {
            "lead_id": ["1", "2", "3", "4"],
            "created_at": pd.to_datetime(["2024-01-01"] * 4),
            "account_id": ["a", "b", "a", "zz"],
            "source": ["web", "event", "web", None],
            "job_title": ["VP Marketing", "Chief Executive Officer", None, "Data Engineer"],
            "stage": ["won", "mql", "mql", "mql"],
            "sales_touches": [5.0, 1.0, 0.0, 2.0],
            "mql_month": ["2024-01"] * 4,
            "budget_confirmed_at": pd.to_datetime(["2024-03-01", None, "2024-03-02", None]),
            "notes": ["x1", "x2", "x3", "x4"],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "name": ["Acme", "Beta"],
            "employees": [250.0, 40.0],
            "sic_code": ["7372", "3674"],
        }
    )
    moments = leads["created_at"]
    fs = S.build_features(leads, moments, accounts=accounts)
    assert fs.frame["employees"].tolist()[:3] == [250.0, 40.0, 250.0]
    assert np.isnan(fs.frame["employees"].iloc[3])  # unknown account
    assert fs.frame["sic_group"].tolist()[0] == "73 Business Services"
    assert fs.frame["sic_group"].iloc[1].startswith("36 ")
    assert fs.frame["seniority"].iloc[0] == "VP" and fs.frame["seniority"].iloc[1] == "C-level"
    assert pd.isna(fs.frame["seniority"].iloc[2])
    assert fs.frame["function"].iloc[3] == "IT"
    for col in ("stage", "sales_touches", "mql_month", "accounts.name"):
        assert col in fs.skipped, col
    assert "calendar" in fs.skipped["mql_month"]
    assert fs.after_moment["budget_confirmed_at"] == 1.0  # always recorded after the moment
    assert "budget_confirmed_at_by_scoring" not in fs.columns  # constant 0 at the moment: dropped
    assert set(fs.categorical) >= {"source", "seniority", "function", "sic_group"}
