"""helpers/data/convert.py: value maps, booleans, scales, SIC codes, numbers, NA tokens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_fixtures import BASIC, edit, fatal, leads_only, make_org

from helpers.data import DataError, convert, load_org


def test_values_map_with_wildcard_and_case(basic):
    assert basic.leads["source"].tolist()[:4] == ["paid", "paid", "other", "paid"]
    assert pd.isna(basic.leads["source"][4])  # empty stays missing, not '*'
    assert basic.opportunities["outcome"].tolist() == ["won", "open", "lost"]
    assert basic.activities["team"].tolist() == ["marketing", "sales", "sales", "sales"]


def test_booleans_and_empty_cells(basic):
    assert basic.leads["converted"].tolist() == [True, False, False, False, False]


def test_scales_and_sic(basic):
    assert basic.opportunities["amount"].tolist() == [12500.0, 8000.0, 3250.0]
    assert basic.accounts["sic_code"].tolist() == ["7372", "0521", "8062"]


def test_numbers_with_currency_and_spaces(tmp_path):
    cfg = leads_only({"columns": {"leads": {"budget": "budget"}}}, thousands=" ")
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,budget\n1,$1 200.50\n2,3 000\n3,\n"})
    vals = load_org(org).leads["budget"].tolist()
    assert vals[:2] == [1200.5, 3000.0] and np.isnan(vals[2])


def test_na_values(tmp_path):
    cfg = leads_only({"na_values": ["Select", "-"], "columns": {"leads": {"score": "score"}}})
    org = make_org(tmp_path, cfg, {"leads.csv": "lead_id,source,score\n1,Select,-\n2,web,N/A\n3,NA,4\n"})
    data = load_org(org)
    assert data.leads["source"].isna().tolist() == [True, False, False]  # "NA" (North America) stays
    assert data.leads["score"].isna().tolist() == [True, True, False]


def test_wrong_type_in_numeric_column(org):
    edit(org / "spend.csv", "2024-02-01,paid,1700", "2024-02-01,paid,about 1700")
    err = fatal(org)
    msg = str(err)
    assert "spend.csv" in msg and "column 'amount'" in msg and "line 4" in msg and "'about 1700'" in msg
    assert err.file == "spend.csv" and err.column == "amount" and err.lines == [4]


def test_text_in_amount_with_decimal_comma_hint(org):
    edit(org / "opportunities.csv", "Ann Smith,8,0.6", 'Ann Smith,"8,75",0.6')
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "Amount (kEUR)" in str(err) and err.lines == [3]
    assert 'decimal: ","' in str(err) and err.key == "files.opportunities.decimal"


def test_unknown_outcome_label(org):
    edit(org / "opportunities.csv", "O2,Open,", "O2,Pending,")
    err = fatal(org)
    assert "opportunities.csv" in str(err) and "'Pending'" in str(err) and "values.opportunities.outcome" in str(err)
    assert err.lines == [3]


def test_per_value_conversion_gives_the_same_tables(monkeypatch):
    """Long repetitive columns are converted per distinct value: same tables, same messages."""
    basic = load_org(BASIC)
    monkeypatch.setattr(convert, "_DICT_MIN_ROWS", 1)
    monkeypatch.setattr(convert, "_DICT_MAX_UNIQUE", 100)
    again = load_org(BASIC)
    for t, df in basic.tables().items():
        pd.testing.assert_frame_equal(again.table(t), df)
    assert again.date_only == basic.date_only and again.pii == basic.pii


def test_per_value_conversion_keeps_row_level_messages(monkeypatch, tmp_path):
    monkeypatch.setattr(convert, "_DICT_MIN_ROWS", 1)
    rows = "".join(f"{i},{'soon' if i in (3, 7) else '2024-01-0' + str(1 + i % 3)}\n" for i in range(1, 10))
    org = make_org(tmp_path, leads_only(), {"leads.csv": "lead_id,created_at\n" + rows})
    with pytest.raises(DataError, match="2 values are not dates") as exc:
        load_org(org)
    assert exc.value.lines == [4, 8]
