"""The role-play's printable handouts (``helpers/workshop/handouts.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import workshop


def test_markdown_table_shows_numbers_as_printed():
    table = pd.DataFrame(
        {"channel": ["Web | paid", "Fair"], "leads": [1200, 3], "rate": [0.4567, float("nan")]}
    )
    assert workshop.markdown_table(table).splitlines() == [
        "| channel | leads | rate |",
        "|---|---|---|",
        "| Web \\| paid | 1,200 | 0.457 |",
        "| Fair | 3 | - |",
    ]


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_handouts_regenerate_identically():
    text = workshop.handouts_text(workshop.meeting_view_for_solution())
    assert text == workshop.HANDOUTS_FILE.read_text(encoding="utf-8"), (
        "run `python -m helpers.workshop handouts`"
    )
    for role in workshop.ROLES:
        assert f"## Handout: {role}" in text
