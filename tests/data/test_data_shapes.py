"""helpers/data/shapes.py: one-row-per-deal exports (leads from opportunities) and row ids."""

from __future__ import annotations

import pytest
from data_fixtures import fatal, make_org

from helpers.core.config import ConfigError, parse_org_config
from helpers.data import check_org, load_org, read_tables, write_tables

DEALS = (
    "Deal,Result,Created,Source,Amount\n"
    "D1,Won,2024-01-05,Web,100\n"
    "D2,Lost,2024-01-09,Event,\n"
    "D3,Won,2024-02-01,Web,300\n"
)


def deals_org(tmp_path, files=None, columns=None, text=DEALS):
    config = {
        "name": "Deals",
        "files": files or {"opportunities": {"path": "deals.csv"}, "leads": {"from": "opportunities"}},
        "columns": columns or {
            "opportunities": {"opportunity_id": "Deal", "outcome": "Result", "created_at": "Created",
                              "amount": "Amount"},
            "leads": {"source": "Source"},
        },
        "values": {"opportunities": {"outcome": {"Won": "won", "Lost": "lost"}}},
    }
    return make_org(tmp_path, config, {"deals.csv": text})


def test_leads_from_opportunities_take_the_deal_ids_and_dates(tmp_path):
    data = load_org(deals_org(tmp_path))
    assert data.leads["lead_id"].tolist() == ["D1", "D2", "D3"]
    assert data.leads["created_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-09", "2024-02-01"]
    assert data.leads["source"].tolist() == ["Web", "Event", "Web"]
    assert data.opportunities["lead_id"].tolist() == ["D1", "D2", "D3"]
    assert data.leads["converted"].tolist() == [True, False, True]  # the deal's outcome
    assert data.is_date_only("leads", "created_at")
    # the user's config is kept as written (the lead file is the deals' file)
    assert data.config.files["leads"].path is None and data.source_files["leads"].path == "deals.csv"


def test_leads_from_opportunities_round_trip_through_the_tables(tmp_path):
    data = load_org(deals_org(tmp_path))
    write_tables(data, tmp_path / "out")
    again = read_tables(tmp_path / "out")
    assert again.leads["lead_id"].tolist() == ["D1", "D2", "D3"]
    assert again.config.files["leads"].from_ == "opportunities"


def test_a_mapped_lead_id_wins_and_opportunities_link_by_row(tmp_path):
    text = "Deal,Lead Ref,Result,Created\nD1,C9,Won,2024-01-05\nD2,C8,Lost,2024-01-09\n"
    org = deals_org(tmp_path, text=text, columns={
        "opportunities": {"opportunity_id": "Deal", "outcome": "Result", "created_at": "Created"},
        "leads": {"lead_id": "Lead Ref"},
    })
    data = load_org(org)
    assert data.leads["lead_id"].tolist() == ["C9", "C8"]
    assert data.opportunities["lead_id"].tolist() == ["C9", "C8"]


def test_row_ids_number_the_rows_by_their_line(tmp_path):
    text = "Result;Size\r\nWon;Big\r\n\r\nLost;Small\r\nLost;Small\r\n"  # a blank line, a duplicate
    org = deals_org(
        tmp_path,
        files={"opportunities": {"path": "deals.csv", "delimiter": ";", "row_ids": True},
               "leads": {"from": "opportunities"}},
        columns={"opportunities": {"outcome": "Result"}, "leads": {"size": "Size"}},
        text=text,
    )
    data = load_org(org)
    assert data.opportunities["opportunity_id"].tolist() == ["2", "4", "5"]  # the file's lines
    assert data.leads["lead_id"].tolist() == ["2", "4", "5"]
    assert data.opportunities["lead_id"].tolist() == ["2", "4", "5"]
    assert "created_at" not in data.leads.columns
    assert check_org(org).ok


def test_where_not_empty_of_the_deals_applies_to_their_leads(tmp_path):
    text = DEALS + "D4,,2024-03-01,Web,\n"
    org = deals_org(tmp_path, text=text, files={
        "opportunities": {"path": "deals.csv", "where_not_empty": ["Result"]},
        "leads": {"from": "opportunities"},
    })
    data = load_org(org)
    assert len(data.leads) == len(data.opportunities) == 3


def test_row_ids_on_a_table_with_its_own_id_column_mapped_is_not_a_duplicate(tmp_path):
    org = deals_org(tmp_path, files={"opportunities": {"path": "deals.csv", "row_ids": True},
                                     "leads": {"from": "opportunities"}})
    data = load_org(org)  # the mapped Deal column is the id; row numbers are not used
    assert data.opportunities["opportunity_id"].tolist() == ["D1", "D2", "D3"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"leads": {"from": "opportunities"}}, "needs files.opportunities.path"),
        ({"leads": {"path": "a.csv", "from": "opportunities"}, "opportunities": {"path": "a.csv"}},
         "either path"),
        ({"leads": {"from": "opportunities", "delimiter": ";"}, "opportunities": {"path": "a.csv"}},
         "remove delimiter"),
        ({"leads": {"path": "a.csv"}, "spend": {"path": "s.csv", "row_ids": True}}, "no id column"),
        ({"leads": {"path": "a.csv"}, "accounts": {"from": "opportunities"}}, "only leads"),
    ],
)
def test_bad_shapes_are_config_errors(files, expected):
    with pytest.raises(ConfigError, match=expected):
        parse_org_config({"name": "T", "files": files})


def test_missing_deal_id_is_still_a_clear_error(tmp_path):
    org = deals_org(tmp_path, columns={"opportunities": {"outcome": "Result"}, "leads": {}})
    err = fatal(org)
    assert "required column 'opportunity_id'" in str(err)
