"""The label: a horizon from the scoring moment, censoring and the flag fallback
(helpers/scoring/labels.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from scoring_fixtures import leads_table, opps_table

from helpers import scoring as S

T = pd.Timestamp


@pytest.fixture
def horizon_case():
    leads = leads_table(
        [
            ("A", "2024-01-10"),  # opportunity 45 days later: converted
            ("B", "2024-01-10"),  # opportunity 105 days later: after the 60-day horizon
            ("C", "2024-01-10"),  # never converts
            ("D", "2024-06-01"),  # window ends after the export date: too young
            ("E", "2024-01-08"),  # opportunity before the lead's scoring moment
            ("F", "2023-10-01"),  # before the first recorded conversion, 96 days later
        ]
    )
    opps = opps_table(
        [
            ("o1", "A", "2024-02-24", "2024-03-30", "won"),
            ("o2", "B", "2024-04-24", "2024-05-30", "lost"),
            ("o3", "E", "2024-01-05", "2024-06-20", "won"),
        ]
    )
    return leads, opps


def test_label_horizon_and_censoring(horizon_case):
    leads, opps = horizon_case
    lab = S.build_labels(leads, opps, label_stage="opportunity", horizon_days=60)
    t = lab.table.set_index("lead_id")
    assert lab.mode == "dated"
    assert lab.as_of == T("2024-06-20")  # the latest date anywhere in the export
    assert t.loc["A", "status"] == "eligible" and t.loc["A", "label"] == 1
    assert t.loc["B", "status"] == "eligible" and t.loc["B", "label"] == 0
    assert t.loc["C", "status"] == "eligible" and t.loc["C", "label"] == 0
    assert t.loc["D", "status"] == "too young" and not t.loc["D", "eligible"]
    assert t.loc["E", "status"] == "converted before scoring"
    assert t.loc["F", "status"] == "before conversions were recorded"
    assert (lab.n_eligible, lab.n_conversions) == (3, 1)
    assert "too young" in set(lab.counts["status"])


def test_label_scoring_moment_shifts_window(horizon_case):
    leads, opps = horizon_case
    # scored 50 days after creation: A's opportunity (day 45) is before the moment -> excluded;
    # B's (day 105) is within 60 days of day 50 -> converted.
    lab = S.build_labels(leads, opps, horizon_days=60, score_after_days=50)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "status"] == "converted before scoring"
    assert t.loc["B", "label"] == 1
    assert t.loc["B", "scoring_moment"] == T("2024-02-29")


def test_label_stage_won_uses_won_close_dates(horizon_case):
    leads, opps = horizon_case
    lab = S.build_labels(leads, opps, label_stage="won", horizon_days=90, records_from=None)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1  # won 80 days after creation
    assert t.loc["B", "label"] == 0  # lost deal is not a conversion to won
    assert t.loc["A", "converted_at"] == T("2024-03-30")
    # "auto": the first win comes 181 days after the first lead -> a recording gap is assumed
    auto = S.build_labels(leads, opps, label_stage="won", horizon_days=90).table.set_index(
        "lead_id"
    )
    assert auto.loc["A", "status"] == "before conversions were recorded"


def test_label_opportunity_without_creation_date_uses_close_date():
    leads = leads_table([("A", "2024-01-01"), ("B", "2024-01-01"), ("C", "2024-05-01")])
    opps = opps_table(
        [("o1", "A", "2024-01-20", "won")],
        cols=("opportunity_id", "lead_id", "closed_at", "outcome"),
    )
    lab = S.build_labels(leads, opps, horizon_days=30)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1 and t.loc["A", "converted_at"] == T("2024-01-20")


def test_label_sql_stage_uses_sql_at():
    leads = leads_table([("A", "2024-01-01"), ("B", "2024-01-01"), ("C", "2024-06-01")])
    leads["sql_at"] = pd.to_datetime(["2024-01-05", None, None])
    lab = S.build_labels(leads, None, label_stage="sql", horizon_days=30)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1 and t.loc["B", "label"] == 0
    assert t.loc["C", "status"] == "too young"


def test_label_flag_mode_without_dates_says_what_it_costs():
    flags = [True, False, None] + [True] * 5 + [False] * 12
    leads = pd.DataFrame(
        {"lead_id": [str(i) for i in range(20)], "converted": pd.array(flags, "boolean")}
    )
    lab = S.build_labels(leads)
    assert lab.mode == "flag"
    assert lab.table["label"].tolist()[:3] == [1, 0, 0]
    assert lab.table["eligible"].tolist()[:3] == [True, True, False]
    assert "stratified cross-validation" in lab.note and "no horizon" in lab.note
    split = S.time_split(lab)
    assert split.kind.startswith("stratified")


def test_label_without_any_outcome_raises_clear_error():
    leads = leads_table([("A", "2024-01-01")])
    with pytest.raises(ValueError, match="who converted"):
        S.build_labels(leads, None)


def test_try_build_labels_gives_the_reason_module_4_cannot_run(horizon_case):
    leads, opps = horizon_case
    labels, problem = S.try_build_labels(leads, opps, horizon_days=60)
    assert problem is None and labels.n_eligible > 0
    # no converted flag, no stage, no opportunities: no way to tell who converted
    none, why = S.try_build_labels(leads_table([("A", "2024-01-01")]), None)
    assert none is None and "who converted" in why and "org.yml" in why
    # every opportunity-stage lead converted (a deals export): predict wins instead
    deals = leads_table([(k, "2024-01-01") for k in "ABC"])
    every = opps_table([(f"o{k}", k, "2024-01-15", "2024-06-01", "won") for k in "ABC"])
    _, why = S.try_build_labels(deals, every, horizon_days=60)
    assert why.startswith("All 3 labelled leads converted") and "label_stage: won" in why
    # nobody old enough to label
    _, why = S.try_build_labels(leads, opps, horizon_days=2000)
    assert "No lead can be labelled yet" in why
