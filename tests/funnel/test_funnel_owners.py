"""Unit tests for helpers/funnel/owners.py: the by-rep view and the owners who under-work."""

from __future__ import annotations

import numpy as np
import pytest
from funnel_fixtures import EXPORT, rep_journeys

from helpers import funnel


def test_rep_table(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    r = funnel.rep_table(j, plateau=2, censor_days=30, target="won", min_leads=1).set_index(
        "owner_id"
    )
    # r1: L1 (won, 0.5 h), L6 (never touched); r2: L3 is no MQL; L4 (48 h), L7 (never)
    assert r.loc["r1", "leads"] == 2 and r.loc["r1", "rate"] == 0.5
    assert r.loc["r2", "within_sla"] == 0.0 and r.loc["r2", "never"] == 0.5
    assert r.loc["r2", "below_plateau"] == 1.0
    with pytest.raises(ValueError, match="owner_id"):
        funnel.rep_table(funnel.Journeys(j.table.drop(columns=["owner_id"]), j.stages, EXPORT))


def test_owners_who_under_work_are_flagged_and_no_others():
    j = rep_journeys(bad=("o0", "o1", "o2"))
    o = funnel.under_working_owners(j, plateau=3, censor_days=30)
    assert sorted(o.flagged) == ["o0", "o1", "o2"]
    assert o.metrics == ["response", "touches"] and len(o.table) == 12
    row = o.table.set_index("owner_id").loc["o0"]
    assert (
        row["slow_share"] > row["peers_slow_share"]
        and row["closed_touches"] < row["peers_closed_touches"]
    )
    assert o.share_of_mqls == pytest.approx(0.25)
    assert o.share_of_lost > o.share_of_mqls  # their leads are lost more often
    assert o.before_after is None  # no alignment start given


def test_no_owner_is_named_when_nobody_under_works():
    flagged = [
        funnel.under_working_owners(rep_journeys(bad=(), seed=s), plateau=3, censor_days=30).flagged
        for s in range(5)
    ]
    assert flagged == [[]] * 5


def test_owners_problem_that_ends_at_the_alignment_start():
    j = rep_journeys(bad=("o4", "o7"), ends="2023-07-01")
    o = funnel.under_working_owners(j, plateau=3, censor_days=30, alignment_start="2023-07-01")
    assert sorted(o.flagged) == ["o4", "o7"]
    ba = o.before_after
    assert ba["alignment_start"] == "2023-07-01" and ba["changed"] == "improved"
    assert ba["under_worked_before"] > 0.8 > 0.4 > ba["under_worked_after"]
    assert not ba["still_worse_after"]


def test_owners_need_an_owner_column(journeys):
    j = funnel.add_touches(journeys, None)
    with pytest.raises(ValueError, match="owner_id"):
        funnel.under_working_owners(
            funnel.Journeys(j.table.drop(columns=["owner_id"]), j.stages, EXPORT)
        )


def test_holm_guard():
    from helpers.funnel.owners import _holm

    assert _holm(np.array([0.001, 0.03, 0.04, np.nan]), 0.05).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert _holm(np.array([0.001, 0.012, 0.04]), 0.05).tolist() == [True, True, True]


def test_owners_sentence():
    o = funnel.under_working_owners(rep_journeys(bad=("o0", "o1", "o2")), plateau=3, censor_days=30)
    text = funnel.owners_sentence(o)
    assert text.startswith(
        "3 of 12 reps answer slower and give up sooner than their peers (hashed: o"
    )
    assert "o0" not in funnel.owners_sentence(o, ids=False) and text.endswith(".")
    none = funnel.under_working_owners(rep_journeys(bad=()), plateau=3, censor_days=30)
    assert funnel.owners_sentence(none).startswith("No rep answers slower")
