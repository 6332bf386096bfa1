"""Fixtures of the funnel tests: the seven-lead example as tables and as journeys."""

from __future__ import annotations

import pytest
from funnel_fixtures import EXPORT, small_activities, small_leads, small_opps

from helpers import funnel


@pytest.fixture
def leads():
    """Seven lead records; L6 is L2's person coming back (recycled) and goes further."""
    return small_leads()


@pytest.fixture
def opps():
    """Two deals: L1's won (1,000), L4's lost (500)."""
    return small_opps()


@pytest.fixture
def journeys(leads, opps):
    return funnel.build_journeys(leads, opps, export_date=EXPORT)


@pytest.fixture
def activities():
    return small_activities()
