"""Unit tests for helpers/funnel/plots.py: every chart has a title and axis labels, draws on
the Axes it is given and returns it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from funnel_fixtures import (  # noqa: E402
    deals_without_touches,
    dose_counts,
    headline_journeys,
    plateau_counts,
    stl_journeys,
    weekly_journeys,
)

from helpers import funnel  # noqa: E402
from helpers.core.stats import wilson_interval  # noqa: E402


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


def _outlined(ax):
    """The bars outlined in red (the headline) and their widths."""
    red = matplotlib.colors.to_rgba(funnel.plots.PALETTE["highlight"])
    return [round(p.get_width()) for p in ax.patches if p.get_edgecolor() == red]


def test_recoverable_chart_shows_both_bars_and_marks_the_headline():
    r = _ranking()
    ax = funnel.plot_recoverable(r, currency="EUR")
    bars = {round(p.get_width()) for p in ax.patches}
    assert round(r.set_index("transition").loc["opportunity->won", "lost_revenue"]) in bars
    assert 13_287 in bars  # mql->sql: the lower bound of 80 leads (66.4) x 20% x 1,000 recoverable
    assert _outlined(ax) == [13_287]
    assert "recoverable" in ax.get_xlabel() and ax.get_legend() is not None
    # the title names the leak and its gap; each bar says what is recoverable and whose side
    assert ax.get_title() == ("The leak to act on first: mql->sql (red outline)\n"
                              "EUR 13k recoverable at the rate of worked leads of the same fit")
    texts = [t.get_text() for t in ax.texts]
    assert "EUR 13k recoverable:\nunder-worked (sales' side)" in texts
    assert "nothing recoverable" in texts  # opportunity->won: a flat 20% in every quarter
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "recoverable: under-worked (sales' side)" in legend and "the leak to act on first" in legend
    plt.close("all")


def test_recoverable_chart_says_plainly_when_the_cause_cannot_be_judged():
    j = deals_without_touches()
    conv = funnel.conversion_table(j, censor_days=30)
    r = funnel.recoverable_ranking(j, conv, funnel.average_deal(j), censor_days=30)
    # planted: 190 of 400 deals won (47.5%); Q2's 70 of 100 has a lower bound (4 quarters
    # compared) of 57.7% -> 400 x (57.7% - 47.5%) = 40.6 wins x 1,000 recoverable
    low = float(wilson_interval(np.array([70]), np.array([100]), confidence=1 - 0.05 / 4)[0][0])
    expected = 400 * (low - 0.475) * 1000
    assert round(expected) == 40_635
    ax = funnel.plot_recoverable(r, currency="EUR")
    assert ax.get_title() == ("The leak to act on first: opportunity->won (red outline)\n"
                              "EUR 41k recoverable at the rate of its best quarter (2023Q2, lower bound 58%)")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["nothing recoverable",  # drawn bottom-up: inquiry->opportunity first
                     "EUR 41k recoverable;\ncause cannot be judged:\nno sales touches recorded"]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [round(p.get_width()) for p in hatched] == [round(expected)]
    assert hatched[0].get_facecolor() == (1.0, 1.0, 1.0, 1.0)  # not coloured as a cause
    assert _outlined(ax) == [round(expected)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["lost (raw: all leads lost x their value)",
                      "recoverable, cause not judged (no sales touches)", "the leak to act on first"]
    plt.close("all")


def test_recoverable_chart_without_amounts_counts_wins_and_without_a_gap_says_so():
    r = _ranking()
    wins = funnel.recoverable_ranking(headline_journeys(), funnel.conversion_table(headline_journeys(), censor_days=30),
                                      None, plateau=3, censor_days=30)
    ax = funnel.plot_recoverable(wins)
    assert "13.3 expected wins recoverable:\nunder-worked (sales' side)" in [t.get_text() for t in ax.texts]
    assert ax.get_title().endswith("13.3 expected wins recoverable at the rate of worked leads of the same fit")
    ax = funnel.plot_recoverable(r.assign(recoverable_wins=0.0, recoverable_revenue=0.0), currency="EUR")
    assert ax.get_title().startswith("No stage falls short") and _outlined(ax) == []
    plt.close("all")


def test_reps_chart_without_response_times_shows_touches(journeys):
    j = funnel.add_touches(journeys, None)
    reps = funnel.rep_table(j, plateau=2, censor_days=30, min_leads=1)
    assert reps["within_sla"].isna().all()  # not recorded: unknown, never "0% answered"
    ax = funnel.plot_reps(reps)
    assert ax.get_xlabel().startswith("Median sales touches")
    plt.close("all")
