"""Rules read from a field's name and values: calendar fields and process-progress names
(helpers/scoring/field_rules.py, and the calendar rule in features.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import scoring as S


@pytest.mark.parametrize(
    "name, values",
    [
        ("Fiscal Year", [2019, 2020, 2020, 2021]),
        ("Start date", ["16/06/2020", "13/01/2020", "28/09/2020"]),
        ("mql_month", ["2024-01", "2024-02"]),
        ("Created Quarter", ["2023 Q4", "2024 Q1"]),
        ("cohort", ["March", "April 2024"]),
        ("First Touch Point Date C", [43894.0, 43927.0]),  # spreadsheet day numbers
    ],
)
def test_calendar_fields_are_recognised_by_name_and_values(name, values):
    reason = S.calendar_reason(name, pd.Series(values))
    assert reason is not None and reason.startswith("calendar/cohort field")


@pytest.mark.parametrize(
    "name, values",
    [
        # a calendar word in the name, but the values are amounts: kept
        ("Revenue From Client Past Two Years", [120_000.0, 3_500_000.0, 0.0]),
        ("Elapsed Days In Sales Stage", [3, 40, 12]),  # a progress field, not a calendar one
        ("Days Until Closure C", [235, 0, 83]),
        ("year_founded_text", ["a long time ago", "recently"]),
        ("Lead Source", ["2024-01", "web"]),  # date-like values, no calendar word
    ],
)
def test_loose_name_matches_are_not_calendar_fields(name, values):
    assert S.calendar_reason(name, pd.Series(values)) is None


def test_build_features_keeps_past_two_years_and_names_the_calendar_fields_it_drops():
    leads = pd.DataFrame(
        {
            "lead_id": ["1", "2", "3"],
            "created_at": pd.to_datetime(["2024-01-01"] * 3),
            "revenue_past_two_years": [1.0e6, 2.5e6, 4.0e5],
            "fiscal_year": [2023.0, 2024.0, 2024.0],
        }
    )
    fs = S.build_features(leads, leads["created_at"])
    assert "revenue_past_two_years" in fs.numeric
    assert "fiscal_year" in S.calendar_fields(fs)
    assert "year numbers (2023.0, 2024.0)" in fs.skipped["fiscal_year"]


@pytest.mark.parametrize(
    "name",
    [
        # an opportunity export's fields (IBM sales win/loss)
        "Elapsed Days In Sales Stage",
        "Sales Stage Change Count",
        "Total Days Identified Through Closing",
        "Ratio Days Qualified To Total Days",
        # a lead export's snapshots (X Education) and a telemarketing call
        "Last Activity",
        "Last Notable Activity",
        "duration",
        "Call Duration (s)",
        # a Salesforce export's sales timings (Ironhack)
        "Days From Last Touch Point C",
        "Days Until Closure C",
        "Hours Before First Touch Point C",
        "days_in_current_stage",
    ],
)
def test_process_progress_names(name):
    assert S.progress_name(name) is not None, name


@pytest.mark.parametrize(
    "name",
    [
        "Revenue From Client Past Two Years",
        "Total Time Spent on Website",
        "Page Views Per Visit",
        "Lead Source",
        "pdays",  # days since a previous campaign's contact: known before this one
        "n_inbound_call",
        "company_size_band",
        "Opportunity Amount USD",
        "Client Size By Employee Count",
    ],
)
def test_honest_names_are_not_process_progress(name):
    assert S.progress_name(name) is None, name


def test_every_documented_kind_has_a_pattern_that_matches_something():
    examples = {
        "days in, per or since a stage": "days_in_stage",
        "stage-change count": "stage_changes",
        "ratio of days per stage": "ratio_days_validated_to_total_days",
        "last activity, stage or contact (a snapshot at export)": "last_stage",
        "time to close": "days_to_close",
        "duration of a contact": "meeting_duration",
        "how soon sales first answered (sales' own action)": "response_time_hours",
    }
    assert set(examples) == set(S.PROGRESS_NAMES)
    for kind, name in examples.items():
        assert S.progress_name(name) == kind
    assert np.all([S.progress_name(k) is None for k in S.CALENDAR_WORDS])
