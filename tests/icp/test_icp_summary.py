"""Module 1's figures for summary.json (helpers/icp/summary.py)."""

from __future__ import annotations

import pytest
from icp_fixtures import planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_summary_figures_are_plain(planted):
    import json

    _, _, inp, model, tables, art = planted
    fig = icp.summary_figures(icp.IcpResult(inp, model, tables, art))
    json.dumps(fig)  # plain JSON types only
    assert fig["icp_employee_range"] == [201.0, 1001.0]
    assert fig["icp_conditions"]["industry"] == ["P", "Q"]
    assert fig["top_segments"] and all(t["lift"] > 1 for t in fig["top_segments"])
    assert sum(fig["tiers_accounts"].values()) == 70
