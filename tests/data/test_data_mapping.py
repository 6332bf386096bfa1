"""helpers/data/mapping.py: which export column feeds each canonical column; joins."""

from __future__ import annotations

import pytest
import yaml
from data_fixtures import edit, fatal, make_org

from helpers.data import DataError, load_org


def test_column_mapping_features_and_drops(basic):
    leads = basic.leads
    # canonical names map automatically, non-canonical targets are features, the rest is dropped
    assert {"account_id", "source", "job_title", "mql_at"} <= set(leads.columns)
    assert {"notes", "score", "region_code", "person_key"} <= set(leads.columns)
    assert "Lead ID" not in leads.columns and "Email" not in leads.columns
    # "email: Email" looks like personal data and is not hashed: dropped, and said so
    assert "email" not in leads.columns
    assert basic.source_files["leads"].dropped_personal == {"email": "Email"}
    assert leads["region_code"].tolist()[:3] == ["01", "02", "01"]  # leading zeros: text


def test_mapped_column_not_in_file(org):
    edit(org / "leads.csv", "Lead ID,Created", "LeadID,Created")
    err = fatal(org)
    assert "leads.csv" in str(err) and "'Lead ID'" in str(err) and "columns.leads.lead_id" in str(err)
    assert "Did you mean 'LeadID'" in str(err)
    assert err.key == "columns.leads.lead_id" and err.lines == [1]


def test_key_naming_no_column(org):
    edit(org / "org.yml", "    source:\n      Google Ads", "    sourcee:\n      Google Ads")
    err = fatal(org)
    assert "values.leads.sourcee" in str(err) and "Did you mean 'source'" in str(err)
    assert err.key == "values.leads.sourcee"


def test_join_and_where_not_empty(tmp_path):
    cfg = {
        "name": "T",
        "files": {
            "leads": {"path": "mql.csv", "join": [{"path": "deals.csv", "on": "mql_id"}]},
            "opportunities": {"path": "deals.csv"},
        },
        "columns": {
            "leads": {"lead_id": "mql_id", "converted": "won_date", "segment": "segment"},
            "opportunities": {"opportunity_id": "mql_id", "lead_id": "mql_id", "closed_at": "won_date"},
        },
        "constants": {"opportunities": {"outcome": "won"}},
        "values": {"leads": {"converted": {"*": True}}},
    }
    org = make_org(tmp_path, cfg, {
        "mql.csv": "mql_id,origin\nm1,web\nm2,social\nm3,web\n",
        "deals.csv": "mql_id,won_date,segment\nm2,2024-02-01,pets\nm3,bad-date,\n",
    })
    with pytest.raises(DataError) as exc:
        load_org(org)
    # the joined file's own line numbers are quoted for its columns
    assert exc.value.file == "deals.csv" and exc.value.lines == [3]
    (org / "deals.csv").write_text("mql_id,won_date,segment\nm2,2024-02-01,pets\nm3,2024-03-01,\n")
    data = load_org(org)
    assert data.leads["converted"].tolist() == [False, True, True]
    assert data.leads["segment"].tolist()[1] == "pets"
    assert data.opportunities["outcome"].tolist() == ["won", "won"]

    cfg["files"]["opportunities"]["where_not_empty"] = ["segment"]
    (org / "org.yml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    data = load_org(org)
    assert data.opportunities["opportunity_id"].tolist() == ["m2"]
    assert data.source_rows["opportunities"].tolist() == [0]
    assert data.source_files["opportunities"].rows_read == 2


def test_join_key_duplicates_are_fatal(tmp_path):
    cfg = {"name": "T", "files": {"leads": {"path": "a.csv", "join": [{"path": "b.csv", "on": "id"}]}},
           "columns": {"leads": {"lead_id": "id", "x": "x"}}}
    org = make_org(tmp_path, cfg, {"a.csv": "id\n1\n2\n", "b.csv": "id,x\n1,a\n1,b\n"})
    with pytest.raises(DataError, match="join key repeats") as exc:
        load_org(org)
    assert exc.value.file == "b.csv" and exc.value.lines == [2, 3]
