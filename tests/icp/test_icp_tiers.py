"""Fit scores and tiers of accounts and leads (helpers/icp/tiers.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from icp_fixtures import planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_assign_lead_tiers(planted):
    accounts, leads, _, _, _, art = planted
    tiers = icp.assign_tiers(accounts, art)
    extra = pd.DataFrame(
        {"lead_id": ["x"], "account_id": [None], "job_title": ["CEO"]}, dtype="str"
    )
    lt = icp.assign_lead_tiers(
        pd.concat([leads.iloc[[0, 25]], extra], ignore_index=True), tiers, art
    )
    assert lt["persona_match"].tolist() == [True, False, True]  # CEO = C-level
    assert pd.isna(lt["tier"].iloc[2]) and np.isnan(lt["fit_score"].iloc[2])
    assert (
        lt["tier"].iloc[0] == tiers.set_index("account_id").loc[leads["account_id"].iloc[0], "tier"]
    )


def test_tier_of_uses_the_cutoffs_with_a_rounding_tolerance():
    cut = {"A": 0.5, "B": 0.4, "C": 0.3, "D": 0.0}
    tiers = icp.tier_of(pd.Series([0.6, 0.4999995, 0.35, 0.1, np.nan]), cut)
    assert tiers.iloc[:4].astype("str").tolist() == ["A", "A", "C", "D"]
    assert pd.isna(tiers.iloc[4]) and list(tiers.cat.categories) == list(icp.TIERS)


def test_score_segments_reads_the_fit_model(planted):
    _, _, inp, model, _, art = planted
    score = icp.score_segments(inp.deals, art)
    assert score.between(0, 1).all() and score.name == "fit_score"
    # the same score from the model and from its icp.yml content (rounded to 6 decimals)
    np.testing.assert_allclose(score, icp.score_segments(inp.deals, model), atol=1e-5)
