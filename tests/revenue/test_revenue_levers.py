"""helpers.revenue.levers: the sales-work levers on hand-counted work tables."""

from __future__ import annotations

import numpy as np
import pytest
from revenue_fixtures import work_table

from helpers import revenue as rv


def test_conversion_by_touches_pools_the_plateau_and_skips_untouched():
    w = work_table([(0, False, np.nan, 7), (1, True, 1.0, 1), (1, False, 1.0, 3), (2, True, 1.0, 2),
                    (3, True, 1.0, 2), (5, False, 1.0, 2)])
    c = rv.conversion_by_touches(w, plateau=3).set_index("touches")
    assert c["leads"].tolist() == [4, 2, 4] and c["converted"].tolist() == [1, 2, 2]
    assert c.loc[3, "rate"] == 0.5 and (c.loc[1, "alpha"], c.loc[1, "beta"]) == (2.0, 4.0)


def test_worked_lever_hand_checked():
    # plateau 3: 4 leads with 1 touch converted at 25%, 4 with 2 touches at 50%, 4 with 3+ at 75%.
    # Worked to 3: 4 x 0.5 + 4 x 0.25 = 3 more conversions on 1 + 2 + 3 = 6 -> x1.5.
    # Never-touched leads (rejected or never answered) are not under-worked: they add no gain.
    w = work_table([(1, True, 1.0, 1), (1, False, 1.0, 3), (2, True, 1.0, 2), (2, False, 1.0, 2),
                    (3, True, 1.0, 2), (4, True, 1.0, 1), (6, False, 1.0, 1), (0, False, np.nan, 10)])
    lv = rv.worked_lever(w, "sal->sql", plateau=3, n_draws=4000, seed=1)
    assert lv.multiplier == pytest.approx(1.5)
    assert lv.detail["under_worked"] == 8 and lv.detail["rate_at_plateau"] == 0.75
    assert lv.low < lv.multiplier < lv.high
    half = rv.worked_lever(w, "sal->sql", plateau=3, fix=0.5, n_draws=10)
    assert half.multiplier == pytest.approx(1.25)
    # a cell converting better than the plateau does not count as a loss
    w2 = work_table([(1, True, 1.0, 4), (3, True, 1.0, 1), (3, False, 1.0, 1)])
    assert rv.worked_lever(w2, "sal->sql", plateau=3, n_draws=10).multiplier == 1.0
    with pytest.raises(ValueError, match="3 sales touches or more"):
        rv.worked_lever(work_table([(1, True, 1.0, 2)]), "sal->sql", plateau=3, n_draws=10)


def test_sla_lever_hand_checked():
    # fast: 10 leads, 5 converted; slow: 10 leads, 2 converted -> 10 x (0.5 - 0.2) = 3 extra on 7
    w = work_table([(6, True, 2.0, 5), (6, False, 2.0, 5), (6, True, 48.0, 2), (6, False, 48.0, 8)])
    lv = rv.sla_lever(w, "sal->sql", sla_hours=24, n_draws=2000)
    assert lv.multiplier == pytest.approx(10 / 7)
    assert lv.detail["rate_fast"] == 0.5 and lv.detail["rate_slow"] == 0.2


def test_combine_levers_leaves_out_levers_without_gain():
    good = rv.Lever("a", "sal->sql", 1.2, np.full(10, 1.2))
    bad = rv.Lever("b", "sal->sql", 0.9, np.full(10, 0.9))
    both = rv.combine_levers([good, rv.Lever("c", "sal->sql", 1.1, np.full(10, 1.1)), bad])
    assert both.multiplier == pytest.approx(1.32)
    assert rv.combine_levers([bad]) is None
