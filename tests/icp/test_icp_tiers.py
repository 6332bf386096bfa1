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


def _mixed_org(seed: int = 3, n: int = 2000):
    """Accounts with a text-band fleet size (declared), deals with a route to market (declared).

    Planted: fleets of 500 or more win (+1.2 log-odds), route "Partner" wins (+1.2).
    """
    rng = np.random.default_rng(seed)
    fleets = ["<15", "15-99", "100-499", "500-999", ">1000"]
    accounts = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(200)],
            "industry": rng.choice(["P", "Q"], 200),
            "fleet_size": rng.choice(fleets, 200),
        }
    )
    acc = rng.integers(0, 200, n)
    route = rng.choice(["Direct", "Partner"], n)
    big = np.isin(accounts["fleet_size"].to_numpy()[acc], fleets[3:])
    eta = -1.0 + 1.2 * big + 1.2 * (route == "Partner")
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"o{i}" for i in range(n)],
            "account_id": accounts["account_id"].to_numpy()[acc],
            "outcome": np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "won", "lost"),
            "route_to_market": route,
        }
    )
    return accounts, opps


def test_deal_attributes_count_at_their_average_for_accounts():
    accounts, opps = _mixed_org()
    inp = icp.prepare_icp(
        opportunities=opps, accounts=accounts, segments=["fleet_size", "route_to_market"]
    )
    assert inp.level("fleet_size") == "account" and inp.level("route_to_market") == "deal"
    model = icp.fit_icp(inp)
    assert model.evidence["fleet_size"]["segments"] == ["500-999", ">1000"]
    assert set(model.deal_effects) == {"route_to_market"} and "fleet_size" in model.coefficients
    art = icp.icp_artifact(model, inp)
    assert art["segmentation"]["attributes"]["fleet_size"]["categories"] == [
        "<15", "15-99", "100-499", "500-999", ">1000",
    ]  # fmt: skip
    # accounts are scored on their fleet, the route at its average (already in the intercept)
    tiers = icp.assign_tiers(accounts, art).set_index("account_id")
    big = accounts.set_index("account_id")["fleet_size"].isin(["500-999", ">1000"])
    b = model.coefficients["fleet_size"][">1000"]
    expected = 1 / (1 + np.exp(-(model.intercept + np.where(big, b, 0.0))))
    np.testing.assert_allclose(tiers["fit_score"], expected, atol=1e-5)
    # the rule names the route too, but an account only has to meet its own conditions
    assert "Route to market = Partner" in model.rule_text
    assert tiers["in_icp"].equals(big.rename("in_icp"))
    # a deal carries its route: partner deals score above direct ones of the same fleet
    score = icp.score_segments(inp.deals, art)
    partner = inp.deals["route_to_market"].astype("str").eq("Partner")
    same = inp.deals["fleet_size"].astype("str").eq(">1000")
    assert score[partner & same].min() > score[~partner & same].max()
    mean = model.deal_means["route_to_market"]
    assert score[partner & same].iloc[0] == pytest.approx(
        1
        / (
            1
            + np.exp(
                -(model.intercept + b + model.deal_effects["route_to_market"]["Partner"] - mean)
            )
        ),
        abs=1e-5,
    )
