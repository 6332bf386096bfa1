"""helpers.revenue.plots: every chart returns its Axes with a title and axis labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from revenue_fixtures import fixture_org, monthly_series, two_stage  # noqa: E402

from helpers import revenue as rv  # noqa: E402


def _check_axes(ax):
    assert ax.get_title() and ax.get_xlabel()
    plt.close(ax.figure)


def test_plots_return_labelled_axes():
    r = two_stage()
    deal = rv.DealSize(10_000.0, 2_000.0, 50, 300.0)
    res = rv.project_scenarios(r, deal, 100.0, [rv.Lever("x", "sql->won", 1.2, np.full(200, 1.2))], "2025-01-01",
                               horizon=12, n_draws=200)
    hist = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=12, freq="MS"), "revenue": 200_000.0})
    _check_axes(rv.plot_fan_chart(res, hist))
    _check_axes(rv.plot_tornado(rv.sensitivity(r, deal, 100.0, [rv.Lever("x", "sql->won", 1.2, np.ones(3))])))
    targets = pd.Series(200_000.0, index=pd.date_range("2025-01-01", periods=6, freq="MS"))
    counts = pd.DataFrame({"inquiry": 90.0}, index=pd.date_range("2024-01-01", periods=12, freq="MS"))
    plan = rv.lead_plan(targets, r, deal, n_draws=200)
    ax = rv.plot_plan_vs_run_rate(counts, plan, "inquiry", 90.0)
    assert "Inquiries" in ax.get_ylabel()
    _check_axes(ax)
    gap = rv.plan_gap(targets, r, deal, pd.Series({"inquiry": 90.0, "sql": 40.0, "won": 15.0, "revenue": 150_000.0}),
                      n_draws=200)
    _check_axes(rv.plot_gap(gap))
    led = rv.claims_ledger()
    org = pd.DataFrame({"claim": ["This org"], "figure": [0.2], "low": [-0.5], "high": [3.0]})
    _check_axes(rv.plot_claims(rv.claims_comparison(led, org)))
    e = rv.segmented_regression(monthly_series(4), "2024-07-01", n_sim=19)
    _check_axes(rv.plot_alignment_history(e, "2024-07-01", kind="cohort"))
    leads, opps = fixture_org()
    t = rv.stage_times(leads, opps, ["inquiry", "mql", "opportunity", "won"])
    spend = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"]), "channel": pd.array(["web"], dtype="string"),
                          "amount": [1_000.0]})
    _check_axes(rv.plot_channels(rv.channel_investments(t, leads, spend, "2024-12-31", maturity_months=6)))


def test_plots_draw_on_a_given_axes():
    """Given an Axes, a chart draws on it and returns it (no new figure)."""
    fig, ax = plt.subplots()
    gap = pd.DataFrame({"stage": pd.array(["revenue", "won"], dtype="string"), "needed_per_month": [10.0, 2.0],
                        "low": [10.0, 1.5], "high": [10.0, 2.5], "run_rate": [8.0, 2.0]})
    assert rv.plot_gap(gap, ax=ax) is ax
    assert ax.get_ylabel() == "Stage"
    plt.close(fig)
