"""The rule's evidence, the coverage curve and tiers vs outcomes (helpers/icp/evidence.py)."""

from __future__ import annotations

import pytest
from icp_fixtures import planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_rule_evidence_and_curve(planted):
    _, _, inp, model, _, art = planted
    ev = icp.rule_evidence(inp, model)
    # inside: 2 industries x 2 sizes x 2 regions = 8 of 70 accounts (and of deals)
    assert ev.loc["inside ICP", "accounts_share"] == pytest.approx(8 / 70)
    assert ev.loc["inside ICP", "opportunities_share"] == pytest.approx(8 / 70)
    assert ev.loc["inside ICP", "win_rate"] > 1.5 * ev.loc["outside ICP", "win_rate"]
    assert ev["won_revenue_share"].sum() == pytest.approx(1.0)
    curve = icp.coverage_curve(inp, art)
    assert curve["cum_opportunities_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["cum_leads_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["cum_win_rate"].iloc[-1] == pytest.approx(model.overall_win_rate)
    assert curve["fit_score"].is_monotonic_decreasing
    assert curve["cum_win_rate"].iloc[0] >= curve["cum_win_rate"].iloc[-1]


def test_tiers_ordered_by_actual_win_rate(planted):
    _, _, inp, model, _, art = planted
    te = icp.tier_evidence(inp, art)
    rates = te["win_rate"].dropna()
    assert rates.is_monotonic_decreasing
    assert te["accounts"].sum() == 70
    assert art["tiers"]["cutoffs"]["A"] == pytest.approx(model.overall_win_rate * 1.25, abs=1e-6)
