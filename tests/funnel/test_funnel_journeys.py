"""Unit tests for helpers/funnel/journeys.py: the journeys table and the stage contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from funnel_fixtures import EXPORT, TS, dt

from helpers import funnel


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
            "created_at": dt(["2024-01-01"] * 3),
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
            "created_at": dt(["2024-01-01", "2024-02-01"]),
            "sql_at": dt(["2024-01-05", "2024-02-05"]),
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.Series(["o"], dtype="string"),
            "account_id": pd.Series(["X"], dtype="string"),
            "outcome": pd.Series(["open"], dtype="string"),
            "created_at": dt(["2024-01-20"]),
        }
    )
    j = funnel.build_journeys(leads, opps, stages=["inquiry", "sql", "opportunity"], export_date=EXPORT)
    t = j.table.set_index("lead_id")
    assert t.loc["a", "reached_opportunity"] and not t.loc["b", "reached_opportunity"]


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


def test_a_stage_the_export_never_records_is_collapsed():
    # mql_at and sql_at, no sal_at, default stages: MQL -> SQL is measured directly
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(["a", "b", "c", "d"], dtype="string"),
            "created_at": dt(["2024-01-01"] * 4),
            "mql_at": dt(["2024-01-02", "2024-01-02", "2024-01-02", None]),
            "sql_at": dt(["2024-01-09", "2024-01-09", None, None]),
            "stage": pd.Series(["sql", "sql", "mql", "inquiry"], dtype="string"),
        }
    )
    j = funnel.build_journeys(leads, export_date=EXPORT)
    assert j.stages == ["inquiry", "mql", "sql"]
    assert j.collapsed == ["sal", "opportunity", "won"]
    conv = funnel.conversion_table(j, censor_days=30).set_index("transition")
    assert list(conv.index) == ["inquiry->mql", "mql->sql"]
    assert conv.loc["mql->sql", "rate"] == pytest.approx(2 / 3)
    bench = funnel.benchmark_comparison(conv.reset_index())
    assert "sal->sql" not in set(bench["transition"])  # no "above range" for a stage nobody records
    q = funnel.quarterly_view(j, censor_days=30)
    assert not any("sal" in c for c in q.columns)
    assert funnel.add_touches(j, None).collapsed == ["sal", "opportunity", "won"]


def test_a_flag_only_outcome_collapses_to_inquiry_won():
    leads = pd.DataFrame(
        {
            "lead_id": pd.Series(["a", "b", "c"], dtype="string"),
            "created_at": dt(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "converted": pd.Series([True, False, False], dtype="boolean"),
        }
    )
    j = funnel.build_journeys(leads, export_date=EXPORT)
    assert j.stages == ["inquiry", "won"] and j.collapsed == ["mql", "sal", "sql", "opportunity"]
    assert funnel.weekly_alerts_by_transition(j, censor_days=7) == {}  # won has no date: no week to judge


def test_a_single_recorded_stage_is_a_clear_error():
    leads = pd.DataFrame({"lead_id": pd.Series(["a"], dtype="string"), "created_at": dt(["2024-01-01"])})
    with pytest.raises(ValueError, match="records only 1 funnel stage"):
        funnel.build_journeys(leads, export_date=EXPORT)
