"""Unit tests for helpers.funnel on tiny hand-computable tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from helpers import funnel, funnel_plots

TS = pd.Timestamp
EXPORT = TS("2024-06-30")


def _dt(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


@pytest.fixture
def leads():
    """Seven lead records; L6 is L2's person coming back (recycled) and goes further."""
    return pd.DataFrame(
        {
            "lead_id": pd.Series(["L1", "L2", "L3", "L4", "L5", "L6", "L7"], dtype="string"),
            "person_key": pd.Series(["p1", "p2", "p3", "p4", "p5", "p2", "p7"], dtype="string"),
            "source": pd.Series(["web", "web", "ads", "ads", "web", "web", "ads"], dtype="string"),
            "owner_id": pd.Series(["r1", "r1", "r2", "r2", "r1", "r1", "r2"], dtype="string"),
            "created_at": _dt(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-06-25", "2024-03-01", "2024-01-10"]),
            "mql_at": _dt(["2024-01-02", "2024-01-03", None, "2024-01-02", "2024-06-26", "2024-03-02", "2024-01-05"]),
            "sal_at": _dt(["2024-01-05", "2024-01-04", None, None, None, "2024-03-03", None]),
            "sql_at": _dt(["2024-01-10", None, None, "2024-01-08", None, "2024-03-05", None]),
            "disqualified_at": _dt([None, "2024-01-20", None, None, None, None, None]),
        }
    )


@pytest.fixture
def opps():
    return pd.DataFrame(
        {
            "opportunity_id": pd.Series(["O1", "O2"], dtype="string"),
            "lead_id": pd.Series(["L1", "L4"], dtype="string"),
            "outcome": pd.Series(["won", "lost"], dtype="string"),
            "created_at": _dt(["2024-01-20", "2024-01-20"]),
            "closed_at": _dt(["2024-02-10", "2024-03-01"]),
            "amount": [1000.0, 500.0],
        }
    )


@pytest.fixture
def journeys(leads, opps):
    return funnel.build_journeys(leads, opps, export_date=EXPORT)


# --------------------------------------------------------------------------- statistics


def test_wilson_interval_known_values():
    low, high = funnel.wilson_interval([5, 0], [10, 0])
    assert low[0] == pytest.approx(0.2366, abs=1e-4)
    assert high[0] == pytest.approx(0.7634, abs=1e-4)
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_mantel_haenszel_removes_confounding_by_stratum():
    # Within each source the bucket makes no difference; crude RR is 2.33 because the
    # fast-answered source also converts better.
    t = pd.DataFrame(
        {
            "source": ["A", "A", "B", "B"],
            "exposed": [True, False, True, False],
            "converted": [40, 10, 2, 8],
            "n": [80, 20, 20, 80],
        }
    )
    r = funnel.mantel_haenszel_rr(t, stratum="source")
    assert r["crude_rr"] == pytest.approx(42 / 18)
    assert r["rr"] == pytest.approx(1.0)
    assert r["low"] < 1 < r["high"]


def test_two_proportion_p():
    assert funnel.two_proportion_p(50, 100, 50, 100) == pytest.approx(1.0)
    assert funnel.two_proportion_p(80, 100, 20, 100) < 1e-10


# --------------------------------------------------------------------------- journeys & contract


def test_journeys_dedupe_recycled_and_reach(journeys):
    t = journeys.table.set_index("lead_id")
    assert journeys.recycled_dropped == 1
    assert "L2" not in t.index and "L6" in t.index  # the record that went further is kept
    counts = funnel.stage_volumes(journeys).set_index("stage")["leads"].to_dict()
    assert counts == {"inquiry": 6, "mql": 5, "sal": 3, "sql": 3, "opportunity": 2, "won": 1}
    # L4 skipped SAL: it passes through it on its SQL date
    assert t.loc["L4", "t_sal"] == TS("2024-01-08") and not t.loc["L4", "dated_sal"]
    # L7's MQL date precedes its creation: moved up to the creation date
    assert t.loc["L7", "t_mql"] == TS("2024-01-10")
    assert t.loc["L1", "won_amount"] == 1000.0
    assert t.loc["L4", "closed_at"] == TS("2024-03-01")  # lost deal closes the lead


def test_stage_contract_counts_skips_and_reversals(journeys):
    c = funnel.stage_contract(journeys).set_index("stage")
    assert c.loc["sal", "skipped"] == 1  # L4
    assert c["undated"].sum() == 0
    assert c.loc["sal", "dated"] == 3  # L1, L2, L6 (all records)
    assert c.loc["mql", "reversed"] == 1  # L7
    assert c["reversed"].sum() == 1


def test_export_date_defaults_to_latest_timestamp(leads, opps):
    j = funnel.build_journeys(leads, opps)
    assert j.export_date == TS("2024-06-26")


def test_unknown_stage_is_a_clear_error(leads):
    with pytest.raises(ValueError, match="Unknown funnel stage"):
        funnel.build_journeys(leads, stages=["inquiry", "demo"])


def test_stage_label_and_converted_flag_mark_reached():
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(["a", "b", "c"], dtype="string"),
            "created_at": _dt(["2024-01-01"] * 3),
            "stage": pd.Series(["sql", "mql", "inquiry"], dtype="string"),
            "converted": pd.Series([False, True, False], dtype="boolean"),
        }
    )
    j = funnel.build_journeys(leads, stages=["inquiry", "mql", "sql", "won"], export_date=EXPORT)
    v = funnel.stage_volumes(j).set_index("stage")["leads"].to_dict()
    # b converted (won) -> passed mql and sql too; a is at sql
    assert v == {"inquiry": 3, "mql": 2, "sql": 2, "won": 1}


def test_opportunity_linked_through_account_when_lead_missing():
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(["a", "b"], dtype="string"),
            "account_id": pd.Series(["X", "X"], dtype="string"),
            "created_at": _dt(["2024-01-01", "2024-02-01"]),
            "sql_at": _dt(["2024-01-05", "2024-02-05"]),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.Series(["o"], dtype="string"),
            "account_id": pd.Series(["X"], dtype="string"),
            "outcome": pd.Series(["open"], dtype="string"),
            "created_at": _dt(["2024-01-20"]),
        }
    )
    j = funnel.build_journeys(leads, opps, stages=["inquiry", "sql", "opportunity"], export_date=EXPORT)
    t = j.table.set_index("lead_id")
    assert t.loc["a", "reached_opportunity"] and not t.loc["b", "reached_opportunity"]


# --------------------------------------------------------------------------- censoring


def test_stage_lags(journeys):
    lags = funnel.stage_lags(journeys).set_index("transition")
    # mql->sal dated both: L1 (3 days), L6 (1 day)
    assert lags.loc["mql->sal", "converted_dated"] == 2
    assert lags.loc["mql->sal", "median_days"] == pytest.approx(2.0)
    assert lags.loc["mql->sal", "p90_days"] == pytest.approx(2.8)
    assert funnel.censor_windows(journeys)["mql->sal"] == 3.0


def test_conversion_with_and_without_censoring(journeys):
    c = funnel.conversion_table(journeys, censor_days=30).set_index("transition")
    # inquiry->mql: L5 (5 days old) is too young: 4 of the 5 old enough converted
    assert c.loc["inquiry->mql", "rate"] == pytest.approx(0.8)
    assert c.loc["inquiry->mql", "rate_naive"] == pytest.approx(5 / 6)
    assert c.loc["inquiry->mql", "lost"] == 1
    # mql->sal: L5 pending, L7 lost
    assert c.loc["mql->sal", "rate"] == pytest.approx(0.75)
    assert c.loc["mql->sal", "rate_naive"] == pytest.approx(0.6)
    assert c.loc["mql->sal", "pending"] == 1 and c.loc["mql->sal", "lost"] == 1
    assert c.loc["sal->sql", "rate"] == 1.0
    assert c.loc["sql->opportunity", "rate"] == pytest.approx(2 / 3)
    assert c.loc["opportunity->won", "rate"] == 0.5
    # with k = 0 every lead counts and the two rates agree
    c0 = funnel.conversion_table(journeys, censor_days=0).set_index("transition")
    assert c0.loc["mql->sal", "rate"] == pytest.approx(0.6)


def test_recording_start_detected_and_applied():
    # 300 leads from Jan; conversions take 10 days, but deals were recorded only from
    # April: the Jan-Mar cohorts must show as not recorded, not as zero conversion.
    rng = np.random.default_rng(0)
    created = TS("2024-01-01") + pd.to_timedelta(rng.integers(0, 180, 300), unit="D")
    won = created + pd.Timedelta(days=10)
    conv = rng.random(300) < 0.5
    recorded = conv & (won >= TS("2024-04-01"))
    leads = pd.DataFrame({"lead_id": pd.Series([f"l{i}" for i in range(300)], dtype="string"), "mql_at": created})
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.Series([f"o{i}" for i in range(recorded.sum())], dtype="string"),
            "lead_id": leads["lead_id"][recorded].reset_index(drop=True),
            "outcome": pd.Series(["won"] * recorded.sum(), dtype="string"),
            "closed_at": pd.Series(won[recorded]).reset_index(drop=True),
        }
    )
    j = funnel.build_journeys(leads, opps, stages=["mql", "won"], export_date=TS("2024-12-31"))
    assert "won" in j.recording_start
    assert j.recording_start["won"] >= TS("2024-04-01")
    c = funnel.conversion_table(j, censor_days=30).iloc[0]
    assert 0.4 < c["rate"] < 0.6  # only leads entering after the records start count
    assert c["rate_naive"] < 0.4
    wf = funnel.cohort_waterfall(j, censor_days=30, freq="M").set_index("cohort")
    assert wf.loc[TS("2024-01-01"), "status"] == "not recorded"
    assert np.isnan(wf.loc[TS("2024-01-01"), "rate"])
    assert wf.loc[TS("2024-05-01"), "status"] == "measured"


def test_no_recording_start_when_history_is_whole(journeys):
    assert journeys.recording_start == {}


def test_cohort_waterfall(journeys):
    wf = funnel.cohort_waterfall(journeys, censor_days=30, freq="M")
    jan = wf[(wf["cohort"] == TS("2024-01-01")) & (wf["transition"] == "mql->sal")].iloc[0]
    # January cohort: L1, L3, L4, L7 -> MQLs L1, L4, L7; SAL: L1, L4
    assert jan["entered"] == 4 and jan["reached"] == 3 and jan["converted"] == 2
    assert jan["rate"] == pytest.approx(2 / 3) and jan["status"] == "measured"
    assert jan["median_days"] == pytest.approx(3.0)  # only L1 has both dates
    june = wf[(wf["cohort"] == TS("2024-06-01")) & (wf["transition"] == "mql->sal")].iloc[0]
    assert june["status"] == "too young" and np.isnan(june["rate"])


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


def test_benchmark_comparison_labels_position(journeys):
    conv = funnel.conversion_table(journeys, censor_days=30)
    b = funnel.benchmark_comparison(conv).set_index("transition")
    assert b.loc["inquiry->mql", "position"] == "above range"  # 0.8 vs 10-25%
    assert b.loc["opportunity->won", "position"] == "above range"
    assert (b["grade"].dropna().str.contains("indicative")).all()


def test_period_comparison():
    rng = np.random.default_rng(1)
    n = 400
    created = TS("2023-01-01") + pd.to_timedelta(np.repeat([0, 100], n // 2), unit="D")
    p = np.repeat([0.6, 0.3], n // 2)
    conv = rng.random(n) < p
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(n)], dtype="string"),
            "mql_at": created,
            "sql_at": pd.Series(created + pd.Timedelta(days=5)).where(conv),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=TS("2024-01-01"))
    pc = funnel.period_comparison(j, censor_days=10).iloc[0]
    assert pc["previous_period"] == "2023Q1" and pc["period"] == "2023Q2"
    assert pc["change"] < -0.2 and pc["p_value"] < 0.001


# --------------------------------------------------------------------------- touches


@pytest.fixture
def activities():
    rows = [
        ("L1", "2023-12-31 10:00", "marketing"),  # before the MQL: before sales
        ("L1", "2024-01-02 00:30", "sales"),  # response 0.5 h
        ("L1", "2024-01-03 09:00", "sales"),
        ("L1", "2024-01-15 09:00", "marketing"),
        ("L1", "2024-01-25 09:00", "sales"),  # after the opportunity: not counted
        ("L4", "2024-01-04 00:00", "sales"),  # response 48 h
        ("L2", "2024-01-03 01:00", "sales"),  # dropped (recycled) record: ignored
    ]
    return pd.DataFrame(
        {
            "lead_id": pd.Series([r[0] for r in rows], dtype="string"),
            "occurred_at": pd.to_datetime([r[1] for r in rows]),
            "activity_type": pd.Series(["email"] * len(rows), dtype="string"),
            "team": pd.Series([r[2] for r in rows], dtype="string"),
        }
    )


def test_add_touches_counts_before_conversion(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    t = j.table.set_index("lead_id")
    assert t.loc["L1", "response_hours"] == pytest.approx(0.5)
    assert t.loc["L1", "sales_touches"] == 2
    assert t.loc["L1", "marketing_before_sales"] == 1
    assert t.loc["L1", "pre_target_touches"] == 4 and t.loc["L1", "pre_target_marketing"] == 2
    assert t.loc["L4", "response_hours"] == pytest.approx(48.0)
    assert t.loc["L4", "sales_touches"] == 1
    assert np.isnan(t.loc["L7", "response_hours"]) and t.loc["L7", "sales_touches"] == 0
    assert funnel.has_touch_data(j)


def test_add_touches_falls_back_to_aggregates(journeys):
    t = journeys.table.copy()
    t["sales_touches"] = [3.0, 0, 1, 0, 2, 0]
    t["first_sales_touch_at"] = t["t_mql"] + pd.Timedelta(hours=2)
    j = funnel.Journeys(t, journeys.stages, journeys.export_date)
    j2 = funnel.add_touches(j, None)
    assert (j2.table["touch_source"] == "aggregates").all()
    assert j2.table["response_hours"].dropna().eq(2.0).all()
    j3 = funnel.add_touches(funnel.Journeys(journeys.table.drop(columns=[]), journeys.stages, EXPORT), None)
    assert not funnel.has_touch_data(j3)


def test_response_buckets():
    h = pd.Series([0.5, 1.0, 24.0, 30.0, np.nan])
    assert list(funnel.response_bucket(h)) == ["<1h", "1-24h", "1-24h", ">24h", "never"]
    d = pd.Series([0.0, 24.0, 48.0, 72.0, np.nan])
    assert list(funnel.response_bucket(d, date_only=True)) == ["same day", "1-2 days", "1-2 days", ">2 days", "never"]


def _stl_journeys(n_per=200, seed=0):
    """Two sources: web answered fast and converting more; within a source, fast
    answers convert twice as often as slow ones."""
    rng = np.random.default_rng(seed)
    rows = []
    for src, fast_share, base in (("web", 0.8, 0.4), ("ads", 0.2, 0.1)):
        fast = rng.random(n_per) < fast_share
        p = np.where(fast, base, base / 2)
        conv = rng.random(n_per) < p
        for f, c in zip(fast, conv):
            rows.append((src, 0.5 if f else 30.0, c))
    df = pd.DataFrame(rows, columns=["source", "hours", "conv"])
    mql = pd.Series(TS("2024-01-01 09:00") + pd.to_timedelta(np.arange(len(df)) % 60, unit="D")
                    + pd.to_timedelta(np.arange(len(df)) % 7, unit="min"))
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(len(df))], dtype="string"),
            "source": pd.Series(df["source"], dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=3)).where(df["conv"]),
            "first_sales_touch_at": mql + pd.to_timedelta(df["hours"], unit="h"),
        }
    )
    j = funnel.build_journeys(leads, stages=["mql", "sql"], export_date=TS("2024-06-30"))
    return funnel.add_touches(j, None, target="sql"), df


def test_speed_to_lead_shares_and_adjusted_effect():
    j, df = _stl_journeys()
    stl = funnel.speed_to_lead(j, target="sql", censor_days=10)
    assert stl.n == len(df)
    assert stl.shares["within_1h"] == pytest.approx((df["hours"] < 1).mean())
    assert stl.shares["never"] == 0.0
    b = stl.by_bucket.set_index("bucket")
    assert b.loc["<1h", "n"] == (df["hours"] < 1).sum()
    assert b.loc["<1h", "low"] < b.loc["<1h", "rate"] < b.loc["<1h", "high"]
    adj = stl.adjusted.set_index("bucket")
    # slow vs fast: true within-source ratio 0.5; the crude ratio is worse (source mix)
    assert adj.loc[">24h", "crude_rr"] < adj.loc[">24h", "rr"]
    assert adj.loc[">24h", "low"] < 0.5 < adj.loc[">24h", "high"]


def test_touch_curve_hand_computed():
    n = np.array([1, 1, 2, 2, 3, 3, 3])
    conv = np.array([True, False, True, False, False, False, True])
    c = funnel._curve_from_counts(n, conv, 3).set_index("touches")
    assert list(c["at_risk"]) == [7, 7, 5, 3]
    assert list(c["converted"]) == [0, 1, 1, 1]
    assert c.loc[1, "hazard"] == pytest.approx(1 / 7)
    assert c.loc[3, "hazard"] == pytest.approx(1 / 3)
    assert c.loc[2, "cumulative"] == pytest.approx(11 / 35)
    assert c.loc[3, "cumulative"] == pytest.approx(19 / 35)
    assert c.loc[2, "rate_exact"] == 0.5
    assert (c["cum_low"] <= c["cumulative"]).all() and (c["cumulative"] <= c["cum_high"]).all()


def _plateau_counts(plateau=4, n=4000, hazard=0.12, stop=0.08, max_t=12):
    """Leads touched one by one: each touch up to ``plateau`` converts with ``hazard``;
    later touches never convert; reps stop with probability ``stop`` after each touch."""
    rng = np.random.default_rng(3)
    touches = np.zeros(n, dtype=int)
    conv = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    for k in range(1, max_t + 1):
        touches[alive] = k
        c = alive & (rng.random(n) < (hazard if k <= plateau else 0.0))
        conv |= c
        alive &= ~c
        alive &= rng.random(n) >= stop
    return touches, conv


def _dose_counts(rate_of_k, n=6000, max_t=12, seed=4):
    """Each lead gets k ~ U{1..max_t} touches and converts after the last with rate_of_k(k)."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, max_t + 1, n)
    conv = rng.random(n) < rate_of_k(k)
    return k, conv


def test_find_plateau_recovers_planted_touch_count():
    k, conv = _dose_counts(lambda k: 0.1 * np.minimum(k, 4))
    p = funnel.find_plateau(funnel._curve_from_counts(k, conv, 12))
    assert p.touches == 4
    assert p.slope_before == pytest.approx(0.1, abs=0.02)
    assert abs(p.slope_after) < 0.01


def test_find_plateau_none_when_rising_or_flat():
    k, conv = _dose_counts(lambda k: 0.05 * k)
    p = funnel.find_plateau(funnel._curve_from_counts(k, conv, 12))
    assert p.touches is None and "keeps rising" in p.note
    k, conv = _dose_counts(lambda k: np.full(k.shape, 0.3))
    p = funnel.find_plateau(funnel._curve_from_counts(k, conv, 12))
    assert p.touches is None and "does not rise" in p.note


def test_cumulative_plateau_in_discrete_time_view():
    touches, conv = _plateau_counts(plateau=4)
    p = funnel.find_plateau(funnel._curve_from_counts(touches, conv, 12))
    assert p.detail.attrs["cumulative_plateau"] == 4


def test_journey_before_sales(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    jb = funnel.journey_before_sales(j)
    assert jb["n_touched"] == 2  # L1 and L4
    assert jb["marketing_touches_before_sales_median"] == pytest.approx(0.5)  # 1 and 0
    # L1: 4 touches before its opportunity, 2 marketing; L4: 1 sales touch before
    assert jb["marketing_share_of_pre_target_touches"] == pytest.approx(2 / 5)
    # L1 entered 01-01, first sales touch 01-02 00:30, opportunity 01-20: 1.02 / 19 days
    assert jb["journey_elapsed_before_sales_median"] == pytest.approx(np.median([1.0208333 / 19, 3 / 19]), rel=1e-4)


# --------------------------------------------------------------------------- attribution


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


def _cause_journeys(rates):
    """40 MQLs in four groups of 10 (fit/low-fit x worked/under-worked) converting to SQL
    at the given rates; under-worked leads get 1 sales touch, worked ones 5."""
    rows = []
    for g, (low, under, r) in enumerate(rates):
        for i in range(10):
            rows.append((f"g{g}_{i}", low, 1 if under else 5, i < round(r * 10)))
    df = pd.DataFrame(rows, columns=["lead_id", "low", "touches", "conv"])
    mql = pd.Series([TS("2024-01-01 09:00")] * len(df))
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(df["lead_id"], dtype="string"),
            "mql_at": mql,
            "sql_at": (mql + pd.Timedelta(days=5)).where(df["conv"]),
            "sales_touches": df["touches"].astype(float),
            "first_sales_touch_at": mql + pd.Timedelta(hours=1),
        }
    )
    j = funnel.add_touches(funnel.build_journeys(leads, stages=["mql", "sql"], export_date=EXPORT), None)
    return j, df["low"].to_numpy()


def test_leak_cause_decomposes_the_shortfall():
    # fit+worked .8, fit+under .2, low+worked .6, low+under .1
    j, low = _cause_journeys([(False, False, 0.8), (False, True, 0.2), (True, False, 0.6), (True, True, 0.1)])
    lc = funnel.leak_cause(j, "mql->sql", low_fit=low, plateau=3, censor_days=30)
    assert lc["lost"] == 2 + 8 + 4 + 9
    assert lc["excess"]["low-fit"] == pytest.approx(10 * (0.8 - 0.6) + 10 * (0.2 - 0.1))
    assert lc["excess"]["under-worked"] == pytest.approx(10 * (0.8 - 0.2) + 10 * (0.6 - 0.1))
    assert lc["cause"] == "under-worked" and lc["side"] == "sales"
    # low fit dominates when it costs more than under-working
    j, low = _cause_journeys([(False, False, 0.8), (False, True, 0.7), (True, False, 0.1), (True, True, 0.1)])
    assert funnel.leak_cause(j, "mql->sql", low_fit=low, plateau=3, censor_days=30)["cause"] == "low-fit"
    # neither: the stage loses fit, worked leads as much as the others
    j, low = _cause_journeys([(False, False, 0.5)] * 4)
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


def test_fit_proxy_tiers():
    acc = pd.DataFrame(
        {
            "account_id": pd.Series(["A", "B"], dtype="string"),
            "employees": [500.0, 10.0],
        }
    )
    n = 200
    won = np.r_[np.ones(60, bool), np.zeros(40, bool), np.ones(10, bool), np.zeros(90, bool)]
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series([f"l{i}" for i in range(n)], dtype="string"),
            "account_id": pd.Series(["A"] * 100 + ["B"] * 100, dtype="string"),
            "mql_at": pd.Series([TS("2024-01-01")] * n),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.Series([f"o{i}" for i in range(n)], dtype="string"),
            "lead_id": leads["lead_id"],
            "outcome": pd.Series(np.where(won, "won", "lost"), dtype="string"),
            "created_at": pd.Series([TS("2024-01-10")] * n),
            "closed_at": pd.Series([TS("2024-02-10")] * n),
        }
    )
    j = funnel.build_journeys(leads, opps, stages=["mql", "opportunity", "won"], export_date=EXPORT)
    fit = funnel.fit_proxy(j, acc)
    tiers = fit.groupby(leads["account_id"])["tier"].first()
    # A wins 60%, B 10% of the time; on average 35%: A lifts ~1.7 (tier A), B ~0.3 (tier D)
    assert tiers["A"] == "A" and tiers["B"] == "D"
    assert funnel.fit_proxy(j, None)["tier"].isna().all()


# --------------------------------------------------------------------------- weekly & reps


def _weekly_journeys(bad_week=None, young_bad=True):
    """20 weeks x 50 MQLs; half reach SAL within 3 days. Optionally a mature bad week
    and a last (young) week where nobody converted yet."""
    rows = []
    start = TS("2024-01-01")
    for w in range(20):
        for i in range(50):
            mql = start + pd.Timedelta(days=7 * w + i % 5)
            ok = i % 2 == 0
            if w == bad_week:
                ok = False
            if w == 19 and young_bad:
                ok = False
            rows.append((f"w{w}_{i}", mql, mql + pd.Timedelta(days=3) if ok else pd.NaT))
    leads = pd.DataFrame(rows, columns=["lead_id", "mql_at", "sal_at"])
    leads["lead_id"] = leads["lead_id"].astype("string")
    export = start + pd.Timedelta(days=7 * 19 + 6)
    return funnel.build_journeys(leads, stages=["mql", "sal"], export_date=export)


def test_weekly_alert_on_mature_drop():
    j = _weekly_journeys(bad_week=12)
    w = funnel.weekly_alerts(j, "mql->sal", k_days=7)
    assert w.loc[w["alert"], "week"].tolist() == [TS("2024-01-01") + pd.Timedelta(days=84)]


def test_young_cohort_never_alerts():
    j = _weekly_journeys(bad_week=None, young_bad=True)
    w = funnel.weekly_alerts(j, "mql->sal", k_days=7)
    last = w.iloc[-1]
    assert last["rate_k"] == 0.0 and not last["mature"] and not last["alert"]
    assert not w["alert"].any()


def test_weekly_and_quarterly_views(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    wv = funnel.weekly_view(j, weeks=None)
    assert wv["mql"].sum() == 4  # L5's MQL week (06-24) is the export's partial week
    q = funnel.quarterly_view(j, censor_days=30)
    assert q["leads"].sum() == 6
    assert q.loc[q["quarter"] == "2024Q1", "won_revenue"].iloc[0] == 1000.0


def test_rep_table(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    r = funnel.rep_table(j, plateau=2, censor_days=30, target="won", min_leads=1).set_index("owner_id")
    # r1: L1 (won, 0.5 h), L6 (never touched); r2: L3 is no MQL; L4 (48 h), L7 (never)
    assert r.loc["r1", "leads"] == 2 and r.loc["r1", "rate"] == 0.5
    assert r.loc["r2", "within_sla"] == 0.0 and r.loc["r2", "never"] == 0.5
    assert r.loc["r2", "below_plateau"] == 1.0
    with pytest.raises(ValueError, match="owner_id"):
        funnel.rep_table(funnel.Journeys(j.table.drop(columns=["owner_id"]), j.stages, EXPORT))


# --------------------------------------------------------------------------- plots


def test_plots_have_titles_and_labels(journeys, activities):
    j = funnel.add_touches(journeys, activities)
    conv = funnel.conversion_table(j, censor_days=30)
    axes = [
        funnel_plots.plot_waterfall(funnel.stage_volumes(j), conv),
        funnel_plots.plot_cohort_conversion(funnel.cohort_waterfall(j, 30)),
        funnel_plots.plot_censoring_effect(conv),
        funnel_plots.plot_leakage(funnel.leakage_ranking(conv, 1000.0), currency="EUR"),
        funnel_plots.plot_touch_curve(funnel._curve_from_counts(*_dose_counts(lambda k: 0.1 * np.minimum(k, 4)), 12),
                                      funnel.find_plateau(funnel._curve_from_counts(*_dose_counts(lambda k: 0.1 * np.minimum(k, 4)), 12))),
        funnel_plots.plot_touch_hazard(funnel._curve_from_counts(*_plateau_counts(), 12)),
        funnel_plots.plot_attribution(funnel.attribution_shares(
            funnel.attribute_losses(j, plateau=2, censor_days=30, target="won"), by="month")),
        funnel_plots.plot_weekly_alerts(funnel.weekly_alerts(_weekly_journeys(12), "mql->sal", 7)),
    ]
    stl = funnel.speed_to_lead(_stl_journeys()[0], target="sql", censor_days=10)
    axes.append(funnel_plots.plot_speed_to_lead(stl))
    axes.append(funnel_plots.plot_reps(funnel.rep_table(j, plateau=2, censor_days=30, min_leads=1)))
    for ax in axes:
        assert ax.get_title()
        assert ax.get_xlabel() or ax.get_ylabel()
    import matplotlib.pyplot as plt

    plt.close("all")
