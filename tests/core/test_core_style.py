"""helpers/core/style.py: percent axes tick at round values and label each tick with its
exact value (users saw ticks every 2.5% labelled "2%, 5%, 8%, 12%")."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from helpers.core import style  # noqa: E402


def drawn_ticks(axis):
    """``(tick values inside the view, their labels)`` once the figure is drawn."""
    axis.axes.figure.canvas.draw()
    low, high = sorted(axis.get_view_interval())
    pairs = [
        (t.get_loc(), t.label1.get_text())
        for t in axis.get_major_ticks()
        if low - 1e-12 <= t.get_loc() <= high + 1e-12
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def label_value(label: str) -> float:
    """``"-2.5%"`` (matplotlib writes a unicode minus) -> -0.025."""
    return float(label.replace("\u2212", "-").rstrip("%")) / 100


def is_round_step(step_pct: float) -> bool:
    """1, 2 or 5 x 10^k percent."""
    exponent = math.floor(math.log10(step_pct))
    mantissa = round(step_pct / 10**exponent, 9)
    return mantissa in (1.0, 2.0, 5.0, 10.0)


@pytest.mark.parametrize(
    "low, high",
    [(0, 0.12), (0, 0.3), (0, 1), (0.4, 0.6), (0, 0.027), (0.1, 0.13), (0.001, 0.004),
     (-0.05, 0.2), (0, 0.065)],
)
@pytest.mark.parametrize("which", ["x", "y"])
def test_percent_ticks_are_round_and_labelled_with_their_value(low, high, which):
    fig, ax = plt.subplots(figsize=(8, 4.5))
    try:
        ax.plot([low, high], [low, high])
        axis = ax.xaxis if which == "x" else ax.yaxis
        axis.set_major_formatter(style.percent_formatter())
        ticks, labels = drawn_ticks(axis)
        assert len(ticks) >= 3
        for tick, label in zip(ticks, labels, strict=True):
            assert label_value(label) == pytest.approx(tick, abs=1e-12), (ticks, labels)
        steps = {round((b - a) * 100, 9) for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1 and is_round_step(steps.pop()), ticks
        # one number of decimals for the whole axis
        assert len({len(x.split(".")[1]) if "." in x else 0 for x in labels}) == 1, labels
    finally:
        plt.close(fig)


def test_ticks_an_axis_sets_itself_keep_honest_labels():
    """A chart that places its own ticks keeps them; labels still show their exact value."""
    fig, ax = plt.subplots()
    try:
        ax.set_ylim(0, 0.1)
        ax.set_yticks([0, 0.025, 0.05, 0.075, 0.1])
        ax.yaxis.set_major_formatter(style.percent_formatter())
        _, labels = drawn_ticks(ax.yaxis)
        assert labels == ["0.0%", "2.5%", "5.0%", "7.5%", "10.0%"]
    finally:
        plt.close(fig)


def test_minimum_decimals_and_the_decimals_rule():
    assert style.percent_decimals([0, 0.05, 0.1]) == 0
    assert style.percent_decimals([0, 0.025, 0.05]) == 1
    assert style.percent_decimals([0.0005, 0.001]) == 2
    assert style.percent_decimals([0.1], minimum=1) == 1
    assert style.percent_decimals([1 / 3]) == 4  # never more than 4 decimals
    fig, ax = plt.subplots()
    try:
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(style.percent_formatter(decimals=1))
        _, labels = drawn_ticks(ax.yaxis)
        assert labels[:2] == ["0.0%", "20.0%"]
    finally:
        plt.close(fig)


def test_a_chart_of_the_curriculum_uses_honest_percent_ticks():
    from helpers.data.plots import plot_missing

    missing = pd.DataFrame({
        "table": ["leads", "leads", "accounts"], "column": ["source", "job_title", "industry"],
        "missing_share": [0.12, 0.05, 0.3], "kind": ["canonical"] * 3,
    })
    ax = plot_missing(missing)
    try:
        ticks, labels = drawn_ticks(ax.xaxis)
        assert [label_value(x) for x in labels] == pytest.approx(ticks)
        assert labels == ["0%", "20%", "40%", "60%", "80%", "100%"]
    finally:
        plt.close(ax.figure)
