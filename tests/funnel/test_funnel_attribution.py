"""Unit tests for helpers/funnel/attribution.py: biggest leak, lost-lead causes and sides."""

from __future__ import annotations

import pandas as pd
import pytest
from funnel_fixtures import EXPORT, TS, cause_journeys

from helpers import funnel


def test_leakage_ranking_expected_revenue(journeys):
    conv = funnel.conversion_table(journeys, censor_days=30)
    assert funnel.average_deal(journeys) == 1000.0
    r = funnel.leakage_ranking(conv, 1000.0).set_index("transition")
    assert r.loc["opportunity->won", "lost_revenue"] == pytest.approx(1000.0)
    assert r.loc["sql->opportunity", "lost_revenue"] == pytest.approx(500.0)
    assert r.loc["mql->sal", "lost_revenue"] == pytest.approx(1000 / 3)
    assert r.loc["inquiry->mql", "lost_revenue"] == pytest.approx(250.0)
    assert r.loc["opportunity->won", "rank_revenue"] == 1
    no_money = funnel.leakage_ranking(conv, None)
    assert no_money["lost_revenue"].isna().all()


def test_attribute_losses(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    low_fit = pd.Series(j.table["lead_id"].eq("L7").to_numpy())
    att = funnel.attribute_losses(j, low_fit=low_fit, plateau=2, sla_hours=24, censor_days=30)
    a = att.set_index("lead_id")
    # lost MQLs old enough: L4 (opportunity lost -> reached opportunity: not lost here), L7
    # lost MQLs old enough (no deal): L6 (stopped at SQL, never touched), L7 (stopped at
    # MQL); L1 and L4 became opportunities
    assert set(a.index) == {"L6", "L7"}
    assert a.loc["L7", "cause"] == "low-fit" and a.loc["L7", "side"] == "marketing"
    assert a.loc["L7", "lost_at"] == "mql->sal"
    assert a.loc["L6", "cause"] == "under-worked" and a.loc["L6", "lost_at"] == "sql->opportunity"
    att2 = funnel.attribute_losses(j, plateau=2, sla_hours=24, censor_days=30, target="won")
    a2 = att2.set_index("lead_id")
    # L4: one sales touch (< 2) and answered after 48 h -> under-worked
    assert a2.loc["L4", "cause"] == "under-worked" and a2.loc["L4", "lost_at"] == "opportunity->won"
    assert a2.loc["L7", "cause"] == "under-worked"  # never touched
    sh = funnel.attribution_shares(att2).set_index("cause")
    assert sh.loc["under-worked", "share"] == 1.0


def test_leak_cause_decomposes_the_shortfall():
    # fit+worked .8, fit+under .2, low+worked .6, low+under .1
    j, low = cause_journeys([(False, False, 0.8), (False, True, 0.2), (True, False, 0.6), (True, True, 0.1)])
    lc = funnel.leak_cause(j, "mql->sql", low_fit=low, plateau=3, censor_days=30)
    assert lc["lost"] == 2 + 8 + 4 + 9
    assert lc["excess"]["low-fit"] == pytest.approx(10 * (0.8 - 0.6) + 10 * (0.2 - 0.1))
    assert lc["excess"]["under-worked"] == pytest.approx(10 * (0.8 - 0.2) + 10 * (0.6 - 0.1))
    assert lc["cause"] == "under-worked" and lc["side"] == "sales"
    # low fit dominates when it costs more than under-working
    j, low = cause_journeys([(False, False, 0.8), (False, True, 0.7), (True, False, 0.1), (True, True, 0.1)])
    assert funnel.leak_cause(j, "mql->sql", low_fit=low, plateau=3, censor_days=30)["cause"] == "low-fit"
    # neither: the stage loses fit, worked leads as much as the others
    j, low = cause_journeys([(False, False, 0.5)] * 4)
    assert funnel.leak_cause(j, "mql->sql", low_fit=low, plateau=3, censor_days=30)["cause"] == "worked-and-lost"


def test_leak_cause_at_the_first_touch_uses_fit_only():
    # SAL is the first sales touch: 20 fit MQLs (18 touched), 20 low-fit (4 touched)
    rows = [(f"f{i}", False, i < 18) for i in range(20)] + [(f"l{i}", True, i < 4) for i in range(20)]
    df = pd.DataFrame(rows, columns=["lead_id", "low", "touched"])
    mql = pd.Series([TS("2024-01-01 09:00")] * len(df))
    first = (mql + pd.Timedelta(hours=2)).where(df["touched"])
    leads = pd.DataFrame({"lead_id": pd.Series(df["lead_id"], dtype="string"), "mql_at": mql, "sal_at": first,
                          "first_sales_touch_at": first, "sales_touches": df["touched"].astype(float) * 5})
    j = funnel.add_touches(funnel.build_journeys(leads, stages=["mql", "sal"], export_date=EXPORT), None)
    assert funnel.touch_stage(j) == "sal"
    lc = funnel.leak_cause(j, "mql->sal", low_fit=df["low"].to_numpy(), plateau=3, censor_days=30)
    assert lc["excess"]["low-fit"] == pytest.approx(20 * (0.9 - 0.2))
    assert lc["excess"]["under-worked"] == 2
    assert lc["cause"] == "low-fit"


def test_worked_and_lost_when_touched_enough(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    att = funnel.attribute_losses(j, plateau=1, sla_hours=72, censor_days=30, target="won")
    assert att.set_index("lead_id").loc["L4", "cause"] == "worked-and-lost"
    # the touches plateau is about reaching an opportunity: a deal lost afterwards is not
    # under-worked for having had few touches before it
    att = funnel.attribute_losses(j, plateau=5, sla_hours=72, censor_days=30, target="won")
    assert att.set_index("lead_id").loc["L4", "cause"] == "worked-and-lost"


def test_not_judged_without_touch_data(journeys):
    j = funnel.add_touches(journeys, None)
    att = funnel.attribute_losses(j, plateau=3, censor_days=30)
    assert set(att["cause"]) == {"not judged"}
    assert set(att["side"]) == {"unknown"}
