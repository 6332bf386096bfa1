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
