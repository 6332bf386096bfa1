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
