"""helpers/data/tables.py: validated tables as Parquet with a manifest, reused while inputs match."""

from __future__ import annotations

import json
import shutil

import pandas as pd
from data_fixtures import BASIC

from helpers.data import tables as tables_mod


def test_write_read_tables_round_trip(tmp_path, basic):
    folder = tables_mod.write_tables(basic, tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t}.parquet" for t in basic.tables()] + ["manifest.json"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"org.yml", "accounts.csv", "leads.csv", "activities.csv",
                                       "opportunities.csv", "spend.csv", "plan.csv"}
    assert len(manifest["inputs"]["leads.csv"]) == 64
    back = tables_mod.read_tables(tmp_path / "run")
    for t, df in basic.tables().items():
        pd.testing.assert_frame_equal(back.table(t), df)
    assert back.date_only == basic.date_only
    assert back.pii == basic.pii and back.issues == basic.issues
    assert back.source_rows["leads"].tolist() == [0, 1, 2, 3, 4]
    assert back.config == basic.config


def test_load_for_notebook_reuses_until_inputs_change(tmp_path, monkeypatch):
    org = tmp_path / "org"
    shutil.copytree(BASIC, org)
    out = tmp_path / "run"
    calls = []
    real = tables_mod.load_org
    monkeypatch.setattr(tables_mod, "load_org", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = tables_mod.load_for_notebook(org, out)
    assert calls == [1] and (out / "tables" / "manifest.json").is_file()
    again = tables_mod.load_for_notebook(org, out)
    assert calls == [1]  # reused the Parquet tables
    pd.testing.assert_frame_equal(again.leads, first.leads)
    # an input file changes -> load and validate again
    with open(org / "plan.csv", "a") as fh:
        fh.write("2024-03-01,30000\n")
    third = tables_mod.load_for_notebook(org, out)
    assert calls == [1, 1] and len(third.plan) == 3
    # org.yml changes -> again
    (org / "org.yml").write_text((org / "org.yml").read_text().replace("Fixture Org", "Fixture Org 2"))
    assert tables_mod.load_for_notebook(org, out).name == "Fixture Org 2" and len(calls) == 3
    assert tables_mod.tables_match(org, out)


def test_read_tables_reads_each_table_on_first_use(tmp_path, basic, monkeypatch):
    tables_mod.write_tables(basic, tmp_path / "run")
    back = tables_mod.read_tables(tmp_path / "run")
    assert back.tables_from == tmp_path / "run"
    assert set(back.pending) == set(basic.tables())
    assert "activities: " in repr(back) and set(back.pending) == set(basic.tables())
    read = []
    real = pd.read_parquet
    monkeypatch.setattr(pd, "read_parquet", lambda p, *a, **k: read.append(p.stem) or real(p, *a, **k))
    pd.testing.assert_frame_equal(back.leads, basic.leads)
    assert back.leads is back.leads and read == ["leads"]
    assert "activities" in back.pending and "leads" not in back.pending
    assert back.source_rows["leads"].tolist() == [0, 1, 2, 3, 4]
    assert back.has("activities", "occurred_at") and read == ["leads", "activities"]


def test_a_table_set_by_hand_is_not_read_later(tmp_path, basic):
    tables_mod.write_tables(basic, tmp_path / "run")
    back = tables_mod.read_tables(tmp_path / "run")
    back.opportunities = None
    assert back.opportunities is None and "opportunities" not in back.tables(read=False)
    assert "opportunities" not in back.pending and "leads" in back.pending
    assert "opportunities" not in back.tables() and not back.pending
