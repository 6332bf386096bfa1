"""Unit tests for helpers/funnel/org.py: the journeys of a loaded org."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import funnel


def test_from_org_builds_journeys_with_touches(sample_data):
    j = funnel.from_org(sample_data)
    assert j.stages == list(sample_data.config.stages)
    assert funnel.has_touch_data(j)
    assert {"response_hours", "sales_touches", "touch_source"} <= set(j.table.columns)
    assert j.export_date >= sample_data.leads["created_at"].max()


def test_from_org_needs_leads():
    data = SimpleNamespace(leads=pd.DataFrame(), config=SimpleNamespace(stages=["mql", "won"]))
    with pytest.raises(ValueError, match="leads table is empty"):
        funnel.from_org(data)


def _data(leads: pd.DataFrame, stages=None) -> SimpleNamespace:
    return SimpleNamespace(leads=leads, opportunities=None, activities=None,
                           config=SimpleNamespace(stages=stages or ["inquiry", "mql", "sal", "sql", "opportunity", "won"]),
                           is_date_only=lambda table, col: False)


def test_an_export_without_dates_is_skipped_with_one_sentence():
    leads = pd.DataFrame({"lead_id": pd.Series(["a", "b"], dtype="string"),
                          "converted": pd.Series([True, False], dtype="boolean")})
    j, reason = funnel.try_from_org(_data(leads))
    assert j is None
    assert reason.startswith("The funnel module is skipped: no lead has a date")
    assert ". " not in reason and reason.endswith(".") and "created_at" in reason  # one sentence


def test_try_from_org_returns_the_journeys_when_it_can(sample_data):
    j, reason = funnel.try_from_org(sample_data)
    assert reason is None and j.stages == list(sample_data.config.stages) and j.collapsed == []
