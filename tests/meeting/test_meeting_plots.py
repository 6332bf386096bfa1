"""The kit's charts take ``ax=None``, return the Axes and label it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import meeting  # noqa: E402


def test_weekly_volume_chart():
    weeks = pd.date_range("2024-10-07", periods=6, freq="7D")
    trend = pd.DataFrame(
        {"inquiry": [40, 42, 38, 45, 41, 39], "mql": [18, 20, 17, 22, 19, 18]}, index=weeks
    )
    volume = pd.DataFrame({"stage": ["inquiry", "mql"], "plan_weekly": [56.7, 22.8]})
    ax = meeting.plot_weekly_volume(trend, volume)
    assert ax.get_title() == "Arrivals per week against the plan"
    assert ax.get_ylabel() == "leads per week" and ax.get_xlabel() == "week (Monday)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Inquiries", "Inquiries: plan needs 57", "MQLs", "MQLs: plan needs 23"]
    assert ax.get_ylim()[1] > 56.7
    _, other = plt.subplots()
    assert meeting.plot_weekly_volume(trend, ax=other) is other
    plt.close("all")


def test_quarter_funnel_chart():
    funnel = pd.DataFrame(
        {
            "role": ["reviewed", "previous"],
            "quarter": ["2024Q4", "2024Q3"],
            "mql->sql": [0.41, 0.38],
            "sql->won": [float("nan"), 0.3],
        }
    )
    ax = meeting.plot_quarter_funnel(funnel)
    assert ax.get_title().startswith("Stage conversion by quarter")
    assert ax.get_ylabel() == "conversion (%)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mql->sql", "sql->won"]
    assert len(ax.patches) == 4
    plt.close("all")
