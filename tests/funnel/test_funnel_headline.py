"""Unit tests for helpers/funnel/headline.py: the actionable ranking and its headline."""

from __future__ import annotations

import numpy as np
import pytest
from funnel_fixtures import deals_without_touches, headline_journeys

from helpers import funnel

LOWER = 80 - 1.6448536 * np.sqrt(68)  # the under-worked gap's lower bound, about 66.4 leads


@pytest.fixture(scope="module")
def ranked():
    j = headline_journeys()
    conv = funnel.conversion_table(j, censor_days=30)
    return (
        j,
        conv,
        funnel.recoverable_ranking(j, conv, funnel.average_deal(j), plateau=3, censor_days=30),
    )


def test_raw_and_recoverable_rankings_disagree_when_win_rates_are_low(ranked):
    _, conv, r = ranked
    r = r.set_index("transition")
    # raw: 96 deals lost at 1,000 beat 280 MQLs lost at 20% x 1,000 (56,000)
    assert r.loc["opportunity->won", "rank_raw"] == 1 and r.loc["mql->sql", "rank_raw"] == 2
    assert r.loc["opportunity->won", "lost_revenue"] == pytest.approx(96 * 1000)
    # recoverable: 200 under-worked MQLs at 10% instead of 50% -> 80 SQLs, counted at the gap's
    # one-sided 95% lower bound (sd^2 = 200^2 x (.1 x .9 / 200 + .5 x .5 / 200) = 68) -> x 20% wins
    assert r.loc["mql->sql", "rank"] == 1
    assert r.loc["mql->sql", "under_worked_gap"] == pytest.approx(LOWER)
    assert r.loc["mql->sql", "recoverable_revenue"] == pytest.approx(LOWER * 0.2 * 1000)
    assert r.loc["mql->sql", "attainable_rate"] == pytest.approx(0.3 + LOWER / 400)
    # a flat 20% win rate in every quarter: nothing recoverable at the final stage
    assert r.loc["opportunity->won", "recoverable_leads"] == 0
    assert r.loc["opportunity->won", "cause"] == "worked-and-lost"


def test_headline_stage_cause_and_side_agree(ranked):
    _, _, r = ranked
    h = funnel.headline(r)
    assert (h["stage"], h["cause"], h["side"]) == ("mql->sql", "under-worked", "sales")
    assert h["recoverable_leads"] == pytest.approx(LOWER) and h["lost_leads"] == 280
    assert h["reference"] == "worked leads of the same fit"
    text = funnel.headline_sentence(h, "EUR")
    assert text.startswith("The leak to act on first is mql->sql, under-worked (sales' side)")
    assert "EUR 13,287" in text and "from 30% to 47%" in text
    assert "66 more of its leads would move on" in text


def test_no_headline_when_nothing_is_recoverable(ranked):
    _, _, r = ranked
    flat = r.assign(recoverable_wins=0.0)
    h = funnel.headline(flat)
    assert h["stage"] is None and "no stage" in h["note"]
    assert funnel.headline_sentence(h).startswith("No stage falls significantly short")


def test_ranking_without_amounts_uses_expected_wins(ranked):
    j, conv, _ = ranked
    r = funnel.recoverable_ranking(j, conv, None, plateau=3, censor_days=30).set_index("transition")
    assert r["recoverable_revenue"].isna().all()
    assert r.loc["mql->sql", "recoverable_wins"] == pytest.approx(LOWER * 0.2)
    assert r.loc["mql->sql", "rank"] == 1
    assert np.isnan(r.loc["mql->sql", "lost_revenue"])


def test_a_cause_that_cannot_be_judged_is_said_as_a_sentence_everywhere():
    j = deals_without_touches()  # no sales touches: the final stage's gap has no side
    conv = funnel.conversion_table(j, censor_days=30)
    r = funnel.recoverable_ranking(j, conv, funnel.average_deal(j), censor_days=30)
    h = funnel.headline(r)
    assert (h["stage"], h["cause"], h["side"]) == ("opportunity->won", "not judged", "unknown")
    assert h["recoverable_leads"] == pytest.approx(40.635, abs=1e-3)
    text = funnel.headline_sentence(h, "EUR")
    assert text.startswith(
        "The leak to act on first is opportunity->won, whose cause cannot be judged from this "
        "export (no sales touches recorded): at the rate of its best quarter (2023Q2, lower bound 58%)"
    )
    assert "not judged" not in text and "unknown" not in text
    assert "(about EUR 40,635)" in text and "from 48% to 58%" in text
    point = funnel.key_points({"biggest_leak": h}, "EUR")[0]
    assert point == (
        "The leak to act on first is opportunity->won: its cause cannot be judged from this export "
        "(no sales touches recorded), 41 leads recoverable (about EUR 40,635) against its best "
        "quarter (2023Q2, lower bound 58%)."
    )
