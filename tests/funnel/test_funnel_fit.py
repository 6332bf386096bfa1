"""Unit tests for helpers/funnel/fit.py: the fit proxy and low-fit flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
from funnel_fixtures import EXPORT, TS

from helpers import funnel


def test_fit_proxy_tiers():
    acc = pd.DataFrame(
        {
            "account_id": pd.Series(["A", "B"], dtype="string"),
            "employees": [500.0, 10.0],
        }
    )
    n = 200
    won = np.r_[np.ones(60, bool), np.zeros(40, bool), np.ones(10, bool), np.zeros(90, bool)]
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(n)], dtype="string"),
            "account_id": pd.Series(["A"] * 100 + ["B"] * 100, dtype="string"),
            "mql_at": pd.Series([TS("2024-01-01")] * n),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.Series([f"o{i}" for i in range(n)], dtype="string"),
            "lead_id": leads["lead_id"],
            "outcome": pd.Series(np.where(won, "won", "lost"), dtype="string"),
            "created_at": pd.Series([TS("2024-01-10")] * n),
            "closed_at": pd.Series([TS("2024-02-10")] * n),
        }
    )
    j = funnel.build_journeys(leads, opps, stages=["mql", "opportunity", "won"], export_date=EXPORT)
    fit = funnel.fit_proxy(j, acc)
    tiers = fit.groupby(leads["account_id"])["tier"].first()
    # A wins 60%, B 10% of the time; on average 35%: A lifts ~1.7 (tier A), B ~0.3 (tier D)
    assert tiers["A"] == "A" and tiers["B"] == "D"
    assert funnel.fit_proxy(j, None)["tier"].isna().all()


def test_low_fit_flags_without_icp_or_accounts(journeys):
    flags, source = funnel.low_fit_flags(journeys, None)
    assert len(flags) == len(journeys.table) and not flags.any()
    assert source.startswith("no account or job-title data")


def _icp(personas):
    """A minimal agreed ICP: SIC major group 73 wins (tier A), the rest falls to tier C."""
    return {
        "fit_model": {"intercept": -1.5, "coefficients": {"sic_major_group_code": {"73": 1.5}}},
        "tiers": {"cutoffs": {"A": 0.35, "B": 0.25, "C": 0.15}},
        "rule": {"conditions": []},
        "segmentation": {},
        "personas": personas,
    }


def test_low_fit_without_a_buyer_profile_is_the_account_tier_alone():
    acc = pd.DataFrame(
        {
            "account_id": pd.Series(["A", "B"], dtype="string"),
            "sic_code": pd.Series(["7372", "2011"], dtype="string"),
        }
    )
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(["a_vp", "b_vp", "b_intern"], dtype="string"),
            "account_id": pd.Series(["A", "B", "B"], dtype="string"),
            "job_title": pd.Series(
                ["VP of Sales", "VP of Sales", "Marketing Intern"], dtype="string"
            ),
            "mql_at": pd.Series([TS("2024-01-01")] * 3),
            "sql_at": pd.Series([TS("2024-01-05"), pd.NaT, pd.NaT]),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT)
    # module 1 found that titles do not matter: the profile is empty and exempts no one
    empty = {"seniority": {"segments": []}, "function": {"segments": []}}
    flags, source = funnel.low_fit_flags(j, acc, _icp(empty))
    assert flags.tolist() == [False, True, True]
    assert "no buyer profile" in source
    assert funnel.buyer_profile(_icp(empty)) == {}
    # with a winning profile, a fitting contact rescues a low-tier account
    flags, source = funnel.low_fit_flags(j, acc, _icp({"seniority": {"segments": ["VP"]}}))
    assert flags.tolist() == [False, False, True]
    assert source.endswith("without the winning buyer profile")


def test_fit_proxy_is_cross_fitted():
    # no signal: two segments with the same 30% conversion; in-sample noise must not make one low-fit
    rng = np.random.default_rng(1)
    n = 2000
    acc = pd.DataFrame(
        {
            "account_id": pd.Series([f"A{i}" for i in range(40)], dtype="string"),
            "employees": np.repeat([20.0, 600.0], 20),
        }
    )
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(n)], dtype="string"),
            "account_id": pd.Series([f"A{i % 40}" for i in range(n)], dtype="string"),
            "mql_at": pd.Series([TS("2024-01-01")] * n),
            "sql_at": pd.Series([TS("2024-01-05") if c else pd.NaT for c in rng.random(n) < 0.3]),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT)
    fit = funnel.fit_proxy(j, acc, min_outcomes=10_000)
    assert fit["tier"].isin(["C", "D"]).mean() == 0.0
    assert fit["fit_lift"].between(0.8, 1.2).all()


def test_fit_proxy_keeps_leads_without_account_unknown():
    j = funnel.build_journeys(
        pd.DataFrame(
            {
                "lead_id": pd.Series(["a", "b"], dtype="string"),
                "account_id": pd.Series(["A", None], dtype="string"),
                "mql_at": pd.Series([TS("2024-01-01")] * 2),
                "sql_at": pd.Series([TS("2024-01-03"), pd.NaT]),
            }
        ),
        stages=["mql", "sql"],
        export_date=EXPORT,
    )
    fit = funnel.fit_proxy(
        j,
        pd.DataFrame({"account_id": pd.Series(["A"], dtype="string"), "employees": [10.0]}),
        prior=1,
    )
    assert pd.isna(fit["tier"].iloc[1])  # nothing known of b: no tier, never low-fit
