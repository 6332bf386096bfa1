"""Unit tests for helpers/funnel/plots.py: every chart has a title and axis labels, draws on
the Axes it is given and returns it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from funnel_fixtures import (  # noqa: E402
    dose_counts,
    headline_journeys,
    plateau_counts,
    stl_journeys,
    weekly_journeys,
)

from helpers import funnel  # noqa: E402


def _ranking():
    h = headline_journeys()
    return funnel.recoverable_ranking(h, funnel.conversion_table(h, censor_days=30), 1000.0, plateau=3, censor_days=30)


@pytest.fixture
def charts(journeys, activities):
    """Each plot function with the table it draws (keyword arguments included)."""
    j = funnel.add_touches(journeys, activities)
    conv = funnel.conversion_table(j, censor_days=30)
    dose = funnel.curve_from_counts(*dose_counts(lambda k: 0.1 * np.minimum(k, 4)), 12)
    stl = funnel.speed_to_lead(stl_journeys()[0], target="sql", censor_days=10)
    att = funnel.attribute_losses(j, plateau=2, censor_days=30, target="won")
    yield [
        (funnel.plot_waterfall, (funnel.stage_volumes(j), conv), {}),
        (funnel.plot_cohort_conversion, (funnel.cohort_waterfall(j, 30),), {}),
        (funnel.plot_censoring_effect, (conv,), {}),
        (funnel.plot_leakage, (funnel.leakage_ranking(conv, 1000.0),), {"currency": "EUR"}),
        (funnel.plot_benchmarks, (funnel.benchmark_comparison(conv),), {}),
        (funnel.plot_touch_curve, (dose, funnel.find_plateau(dose)), {}),
        (funnel.plot_touch_hazard, (funnel.curve_from_counts(*plateau_counts(), 12),), {}),
        (funnel.plot_attribution, (funnel.attribution_shares(att, by="month"),), {}),
        (funnel.plot_weekly_alerts, (funnel.weekly_alerts(weekly_journeys(12), "mql->sal", 7),), {}),
        (funnel.plot_speed_to_lead, (stl,), {}),
        (funnel.plot_reps, (funnel.rep_table(j, plateau=2, censor_days=30, min_leads=1),), {"flagged": ["r2"]}),
        (funnel.plot_recoverable, (_ranking(),), {"currency": "EUR"}),
    ]
    plt.close("all")


def test_plots_have_titles_and_labels(charts):
    for plot, args, kwargs in charts:
        ax = plot(*args, **kwargs)
        assert ax.get_title(), plot.__name__
        assert ax.get_xlabel() or ax.get_ylabel(), plot.__name__


def test_plots_draw_on_the_axes_given(charts):
    for plot, args, kwargs in charts:
        _, ax = plt.subplots()
        assert plot(*args, ax=ax, **kwargs) is ax, plot.__name__


def test_old_funnel_plots_module_points_to_the_package():
    from helpers import funnel_plots

    assert funnel_plots.plot_waterfall is funnel.plot_waterfall
    assert set(funnel_plots.__all__) >= {name for name in funnel.__all__ if name.startswith("plot_")}


def test_recoverable_chart_shows_both_bars_and_marks_the_headline():
    r = _ranking()
    ax = funnel.plot_recoverable(r, currency="EUR")
    bars = {round(p.get_width()) for p in ax.patches}
    assert round(r.set_index("transition").loc["opportunity->won", "lost_revenue"]) in bars
    assert 13_287 in bars  # mql->sql: the lower bound of 80 leads (66.4) x 20% x 1,000 recoverable
    assert "recoverable" in ax.get_xlabel() and ax.get_legend() is not None
    plt.close("all")


def test_reps_chart_without_response_times_shows_touches(journeys):
    j = funnel.add_touches(journeys, None)
    reps = funnel.rep_table(j, plateau=2, censor_days=30, min_leads=1)
    assert reps["within_sla"].isna().all()  # not recorded: unknown, never "0% answered"
    ax = funnel.plot_reps(reps)
    assert ax.get_xlabel().startswith("Median sales touches")
    plt.close("all")
