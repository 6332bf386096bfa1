"""helpers/data/plots.py: the data check's charts (titles, labels, bars; never pixels)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from helpers.data import datacheck as dc  # noqa: E402
from helpers.data import plots  # noqa: E402


def test_plot_missing_labels_and_bars(tables):
    ax = plots.plot_missing(dc.missing_values(tables))
    assert ax.get_title() == "Missing values by column"
    assert "%" in ax.get_xlabel() and ax.get_ylabel() == "table.column"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "accounts.employees"  # 50% missing, first by name among the ties
    assert len(ax.patches) == 7  # columns with at least one gap
    plt.close(ax.figure)
    ax = plots.plot_missing(dc.missing_values({"leads": pd.DataFrame({"lead_id": ["L1"]})}))
    assert ax.texts[0].get_text() == "No missing values"
    plt.close(ax.figure)


def test_plot_leads_per_month(leads):
    ax = plots.plot_leads_per_month(dc.leads_per_month(leads))
    assert ax.get_title() == "Leads created per month"
    assert ax.get_ylabel() == "Leads (count)" and ax.get_xlabel() == "Month created"
    assert [p.get_height() for p in ax.patches] == [2, 0, 1]
    assert ax.get_legend() is not None  # partial months are explained
    plt.close(ax.figure)


def test_plots_draw_on_the_axes_given(tables, leads):
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.plot_missing(dc.missing_values(tables), ax=left, top=3) is left
    assert len(left.patches) == 3
    assert plots.plot_leads_per_month(dc.leads_per_month(leads), ax=right) is right
    assert len(fig.axes) == 2
    plt.close(fig)
