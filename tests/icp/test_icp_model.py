"""The ICP model: the planted rule comes back, chance findings stay rare.

Covers helpers/icp/model.py (``fit_icp``) and helpers/icp/search.py (the rule search).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from icp_fixtures import deal_rows, null_org, planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_fit_icp_recovers_the_planted_rule(planted):
    _, _, inp, model, _, _ = planted
    conds = {c.dimension: c for c in model.conditions}
    assert set(conds) == {"industry", "employee_band"}  # region (noise) stays out
    assert conds["industry"].segments == ["P", "Q"]
    assert (conds["employee_band"].low, conds["employee_band"].high) == (201.0, 1001.0)
    assert conds["employee_band"].segments == ["201-500", "501-1,000"]
    assert model.rule_text == "Industry in {P, Q} and Employees 201-1,000"
    assert model.personas["seniority"] == ["C-level"]
    assert model.personas["function"] == []  # functions carry no effect here
    assert all(v == 0 for v in model.coefficients["region"].values())
    ev = model.evidence["employee_band"]
    assert ev["log_odds"] == pytest.approx(
        1.2, abs=0.15
    )  # exact counts: the planted effect comes back
    assert ev["statistic"] > ev["threshold"] and ev["p_value"] < 0.01


def test_false_positives_stay_near_the_significance_level():
    # 30 organizations where nothing wins more: at the default 10% family-wise level, about
    # 3 should name a dimension by chance; a search that ignored its own multiplicity names
    # one in 4 or more (7.5 expected).
    hits = 0
    for seed in range(30):
        acc, leads, opps = null_org(seed)
        inp = icp.prepare_icp(leads=leads, opportunities=opps, accounts=acc)
        hits += bool(icp.fit_icp(inp, seed=seed).evidence)
    assert hits <= 5


def test_no_firmographic_signal_gives_no_rule():
    rng = np.random.default_rng(0)
    accounts = pd.DataFrame(
        {"account_id": [f"a{i}" for i in range(40)], "industry": ["P", "Q"] * 20}
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"o{i}" for i in range(800)],
            "account_id": [f"a{i % 40}" for i in range(800)],
            "outcome": np.where(rng.random(800) < 0.3, "won", "lost"),
        }
    )
    inp = icp.prepare_icp(opportunities=opps, accounts=accounts.astype("str"))
    model = icp.fit_icp(inp)
    assert model.conditions == []
    assert "no ICP rule" in model.rule_text


def _deal_inputs(seed: int, route_effect: float):
    """A one-row-per-deal export (text size bands on the deals) with two declared attributes."""
    rows = deal_rows(seed, route_effect=route_effect)
    opps = pd.DataFrame(
        {
            "opportunity_id": rows["Opportunity Number"],
            "outcome": rows["Outcome"].map({"Won": "won", "Loss": "lost"}),
            "employees": rows["Company Size"],
            "route_to_market": rows["Route To Market"],
            "product": rows["Product"],
        }
    )
    return icp.prepare_icp(opportunities=opps, segments=["route_to_market", "product"])


def test_a_declared_attribute_with_an_effect_is_found_one_without_is_not():
    # planted: route "Partner" +1.2 log-odds, sizes 5K-25K +1.0; product has no effect
    found, products = 0, 0
    for seed in range(8):
        model = icp.fit_icp(_deal_inputs(seed, route_effect=1.2))
        found += model.evidence.get("route_to_market", {}).get("segments") == ["Partner"]
        products += "product" in model.evidence
        conds = {c.dimension: c for c in model.conditions}
        assert {"5K to 15K", "15K to 25K"} <= set(conds["employee_band"].segments)
        assert conds["employee_band"].low == 5000.0  # bounds read from the band labels
    assert found == 8 and products <= 1
    assert "Route to market = Partner" in model.rule_text


def test_a_declared_attribute_without_effect_stays_out():
    hits = sum(
        "route_to_market" in icp.fit_icp(_deal_inputs(seed, route_effect=0.0)).evidence
        for seed in range(8)
    )
    assert hits <= 1
