"""Workshop 6's charts (``helpers/workshop/plots.py``): titles, labels and what is drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from helpers import workshop  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_agenda():
    agenda = pd.DataFrame(
        {
            "step": ["inquiry->mql", "mql->sal", "sql->opportunity"],
            "owner": ["head of marketing", "SDR manager", "head of sales"],
            "rate": [0.3, 0.4, 0.9],
            "normal": [0.43, 0.8, np.nan],
            "lower": [0.11, 0.48, np.nan],
            "status": ["below normal", "alert", "not judged"],
        }
    )
    agenda.attrs["week"] = pd.Timestamp("2024-12-23")
    ax = workshop.plot_agenda(agenda)
    assert ax.get_title() == "This week's steps against their normal range (week of 2024-12-23)"
    assert "(%)" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "inquiry->mql (head of marketing)",
        "mql->sal (SDR manager)",
        "sql->opportunity (head of sales)",
    ]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "this week: alert" in legend and "this week: not judged" in legend


def test_plot_channel_costs_marks_a_channel_without_deals():
    channels = pd.DataFrame(
        {
            "channel": ["Social", "Search", "Syndication"],
            "cost_per_lead": [20.0, 110.0, 34.0],
            "cost_per_won": [2560.0, 1995.0, np.nan],
        }
    )
    ax = workshop.plot_channel_costs(channels, currency="EUR")
    assert ax.get_xlabel() == "Cost per lead (EUR, log scale)"
    assert ax.get_ylabel() == "Cost per won deal (EUR, log scale)"
    texts = [t.get_text() for t in ax.texts]
    assert "Syndication (no won deal)" in texts and "Social" in texts


def test_plot_sla_by_owner():
    block = pd.DataFrame(
        {
            "owner_id": ["All owners", "aaaa1111bbbb", "cccc2222dddd"],
            "mqls": [30, 15, 15],
            "within_sla": [0.5, 0.2, 0.8],
        }
    )
    ax = workshop.plot_sla_by_owner(block, sla_hours=24)
    assert ax.get_title() == "First response by owner, last four weeks"
    assert ax.get_xlabel() == "MQLs of the last four weeks answered within 24 h (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["aaaa1111", "cccc2222"]
    assert [p.get_width() for p in ax.patches] == [0.2, 0.8]
