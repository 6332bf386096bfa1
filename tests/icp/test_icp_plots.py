"""Module 1's charts: titles and labels, never pixels (helpers/icp/plots.py)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from icp_fixtures import planted_result  # noqa: E402

from helpers import icp  # noqa: E402


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_plots_have_titles_and_labels(planted):
    import matplotlib.pyplot as plt

    _, _, inp, model, tables, art = planted
    t = tables[tables["dimension"] == "employee_band"]
    ax = icp.plot_win_rates(t, overall=model.overall_win_rate, highlight=["201-500"])
    assert ax.get_title() == "Win rate by employees"
    assert "%" in ax.get_xlabel() and ax.get_ylabel() == "Employees"
    lift, counts = icp.lift_matrix(inp.deals, "industry", "employee_band", min_n=10)
    ax2 = icp.plot_lift_heatmap(lift, counts, row_label="Industry", col_label="Employees")
    assert "Industry" in ax2.get_title() and ax2.get_xlabel() and ax2.get_ylabel() == "Industry"
    curve = icp.coverage_curve(inp, art)
    ev = art["rule"]["evidence"]
    ax3 = icp.plot_coverage_curve(
        curve, icp_point=(ev["leads_share"], ev["win_rate"]), overall=model.overall_win_rate
    )
    assert "leads" in ax3.get_xlabel() and "%" in ax3.get_ylabel() and ax3.get_title()
    _, given = plt.subplots()
    assert icp.plot_tiers(icp.tier_evidence(inp, art), ax=given, overall=0.3) is given
    assert given.get_title() and "tier" in given.get_xlabel()
    plt.close("all")
