"""Unit tests for helpers/funnel/owners.py: the by-rep view."""

from __future__ import annotations

import pytest
from funnel_fixtures import EXPORT

from helpers import funnel


def test_rep_table(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    r = funnel.rep_table(j, plateau=2, censor_days=30, target="won", min_leads=1).set_index("owner_id")
    # r1: L1 (won, 0.5 h), L6 (never touched); r2: L3 is no MQL; L4 (48 h), L7 (never)
    assert r.loc["r1", "leads"] == 2 and r.loc["r1", "rate"] == 0.5
    assert r.loc["r2", "within_sla"] == 0.0 and r.loc["r2", "never"] == 0.5
    assert r.loc["r2", "below_plateau"] == 1.0
    with pytest.raises(ValueError, match="owner_id"):
        funnel.rep_table(funnel.Journeys(j.table.drop(columns=["owner_id"]), j.stages, EXPORT))
