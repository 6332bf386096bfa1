"""helpers/data/dates.py: time zones, date-only columns, declared and guessed formats."""

from __future__ import annotations

import pandas as pd
import pytest
from data_fixtures import edit, edit_config, fatal, leads_only, make_org

from helpers.data import DataError, load_org


def test_timezone_to_naive_utc(basic):
    created = basic.leads["created_at"]
    # Europe/Paris: UTC+1 in winter, UTC+2 in summer
    assert created[0] == pd.Timestamp("2024-01-10 08:00")
    assert created[2] == pd.Timestamp("2024-01-31 23:00")  # local midnight -> previous day UTC
    assert created[4] == pd.Timestamp("2024-07-01 10:00")
    assert created.dt.tz is None


def test_date_only_columns_stay_dates(basic):
    assert basic.date_only["opportunities"] == ["created_at", "closed_at"]
    assert basic.opportunities["created_at"][0] == pd.Timestamp("2024-01-16")
    assert basic.is_date_only("spend", "month")
    assert not basic.is_date_only("leads", "created_at")


def test_date_formats_and_flexible_dates(tmp_path):
    cfg = leads_only({"columns": {"leads": {"d1": "d1", "d2": "d2"}},
                      "date_formats": {"leads": {"d1": "%d-%m-%Y"}}})
    org = make_org(tmp_path, cfg, {
        "leads.csv": "lead_id,created_at,d1,d2\n1,03/25/2024,01-02-2018,2024-01-01T10:00:00Z\n"
                     "2,12/31/2024,31-12-2017,2024-01-01T12:00:00+02:00\n",
    })
    data = load_org(org)
    # unambiguous month-first dates are recognised without a format
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-12-31")]
    assert data.leads["d1"].tolist() == [pd.Timestamp("2018-02-01"), pd.Timestamp("2017-12-31")]
    # explicit offsets are converted to UTC
    assert data.leads["d2"].tolist() == [pd.Timestamp("2024-01-01 10:00"), pd.Timestamp("2024-01-01 10:00")]


def test_ambiguous_day_month_is_fatal(tmp_path):
    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,created_at\n1,01/02/2024\n2,03/04/2024\n"})
    with pytest.raises(DataError, match=r"ambiguous day/month.*date_formats\.leads\.created_at") as exc:
        load_org(org)
    assert exc.value.lines == [2, 3]


def test_unparsable_date(org):
    edit(org / "activities.csv", "102,2024-01-13 09:00", "102,13th of January")
    err = fatal(org)
    assert "activities.csv" in str(err) and "'occurred_at'" in str(err) and err.lines == [4]
    assert "date_formats.activities.occurred_at" in str(err)


def test_impossible_date(org):
    edit(org / "opportunities.csv", "O3,Closed Lost,2024-01-20,2024-02-01", "O3,Closed Lost,2024-01-20,2024-02-30")
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "closed_at" in str(err) and "impossible" in str(err)
    assert err.lines == [4]


def test_date_not_matching_declared_format(org):
    edit_config(org, lambda c: c.setdefault("date_formats", {}).setdefault("plan", {}).update(period="%d/%m/%Y"))
    err = fatal(org)
    assert "plan.csv" in str(err) and "'%d/%m/%Y'" in str(err) and err.lines == [2, 3]
    assert err.key == "date_formats.plan.period"


def test_guess_format_names_the_ambiguity():
    from helpers.data.dates import guess_format

    assert guess_format(pd.Series(["25/03/2024", "01/02/2024"])) == "%d/%m/%Y"
    assert guess_format(pd.Series(["01/02/2024", "03/04/2024"])) == ("%m/%d/%Y", "%d/%m/%Y")
    assert guess_format(pd.Series(["soon"])) is None


def test_finish_dates_keeps_dates_only_and_converts_local_times():
    from helpers.data.dates import BadValues, finish_dates

    midnights = pd.Series(pd.to_datetime(["2024-01-01", "2024-07-01"]))
    ts, date_only = finish_dates(midnights, naive_local=True, tz="Europe/Paris",
                                 known_date_only=False, key="k")
    assert date_only and ts.tolist() == midnights.tolist()
    times = pd.Series(pd.to_datetime(["2024-01-01 10:00", "2024-07-01 10:00"]))
    ts, date_only = finish_dates(times, naive_local=True, tz="Europe/Paris",
                                 known_date_only=False, key="k")
    assert not date_only
    assert ts.tolist() == [pd.Timestamp("2024-01-01 09:00"), pd.Timestamp("2024-07-01 08:00")]
    bad = finish_dates(pd.Series(pd.to_datetime(["1850-01-01"])), naive_local=True, tz="UTC",
                       known_date_only=False, key="date_formats.leads.created_at")
    assert isinstance(bad, BadValues) and bad.mask.tolist() == [True]
    assert bad.key == "date_formats.leads.created_at"


def test_excel_serial_day_numbers(tmp_path):
    from data_fixtures import fatal, leads_only, make_org

    from helpers.data import load_org

    cfg = leads_only({"date_formats": {"leads": {"created_at": "excel"}}})
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,created_at\nL1,44124\nL2,43867.5\nL3,\n"})
    created = load_org(org).leads["created_at"]
    assert created[0] == pd.Timestamp("2020-10-20") and created[1] == pd.Timestamp("2020-02-06 12:00")
    assert pd.isna(created[2])
    (org / "leads.csv").write_text("lead_id,created_at\nL1,44124\nL2,soon\n")
    err = fatal(org)
    assert "1 value is not an Excel serial day number (line 3)" in str(err) and err.lines == [3]


def test_serial_numbers_without_a_format_suggest_excel(tmp_path):
    from data_fixtures import fatal, leads_only, make_org

    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,created_at\nL1,44124\nL2,43867\n"})
    msg = str(fatal(org))
    assert "look like Excel serial day numbers" in msg and "date_formats.leads.created_at: excel" in msg
