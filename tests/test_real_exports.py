"""The committed org.yml files load the real third-party exports through config alone.

The data is read from ``helpers.core.paths.SHARED_DATASETS`` (copied into a temporary org
folder next to the committed ``org.yml``); each test skips, with the reason, where that
folder is absent. Expected figures come from the datasets' README.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from real_orgs import real_org

from helpers.core import paths
from helpers.data import check_org, load_org

pytestmark = pytest.mark.real

OLIST = ["olist_marketing_qualified_leads_dataset.csv", "olist_closed_deals_dataset.csv"]
MAVEN = ["sales_pipeline.csv", "sales_teams.csv", "accounts.csv"]


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_olist_loads(tmp_path):
    org = real_org("olist", "olist-marketing-funnel", tmp_path, OLIST)
    before = _digest(org)
    data = load_org(org)
    leads, opps = data.leads, data.opportunities
    assert len(leads) == 8000 and len(opps) == 842
    # DD-MM-YYYY first contact dates, date only
    assert data.is_date_only("leads", "created_at")
    assert leads["created_at"].min() == pd.Timestamp("2017-06-14")
    assert leads["created_at"].max() == pd.Timestamp("2018-05-31")
    # converted comes from the joined closed-deals file: 842 / 8,000 = 10.53%
    assert int(leads["converted"].sum()) == 842
    assert leads["converted"].mean() == pytest.approx(0.10525)
    assert leads["source"].isna().sum() == 60
    assert set(opps["outcome"]) == {"won"}
    assert opps["lead_id"].isin(leads["lead_id"]).all()
    assert opps["owner_id"].str.fullmatch(r"[0-9a-f]{16}").all()  # sr_id hashed
    kinds = {i.kind: i for i in data.issues}
    won = kinds["won_before_lead"]
    assert won.count == 1 and won.file == "olist_closed_deals_dataset.csv" and won.lines == [669]
    assert "stale_open_lead" in kinds
    assert _digest(org) == before


def test_olist_check_report(tmp_path):
    org = real_org("olist", "olist-marketing-funnel", tmp_path, OLIST)
    rep = check_org(org)
    assert rep.exit_code == 0, rep.to_text()
    assert check_org(org, strict=True).exit_code == 1  # quirks are reported, fatal only with --strict
    text = rep.to_text()
    assert "8,000 rows" in text and "842 rows" in text and "won_before_lead" in text


def test_maven_loads(tmp_path):
    org = real_org("maven", "maven-crm-sales-opportunities", tmp_path, MAVEN)
    before = _digest(org)
    data = load_org(org)
    leads, opps, accounts = data.leads, data.opportunities, data.accounts
    assert len(leads) == 8800 and len(opps) == 8300  # Prospecting rows are leads only
    closed = opps[opps["outcome"].isin(["won", "lost"])]
    assert round((closed["outcome"] == "won").mean(), 4) == 0.6315
    assert opps.loc[opps["outcome"] == "won", "amount"].sum() == 10_005_534
    assert (opps["outcome"] == "open").sum() == 1589
    assert leads["account_id"].isna().sum() == 1425
    assert leads["created_at"].isna().sum() == 500
    # value maps fix the export's typos; revenue in $M is scaled to dollars
    assert "GTXPro" not in set(leads["product"]) and "GTX Pro" in set(leads["product"])
    assert "technolgy" not in set(accounts["industry"])
    acme = accounts.set_index("account_id").loc["Acme Corporation"]
    assert acme["annual_revenue"] == pytest.approx(1_100_040_000)
    assert acme["industry"] == "technology"
    # rep and manager names never leave the loader
    assert set(data.source_files["leads"].hashed) == {"owner_id", "manager"}
    assert not leads["owner_id"].str.contains(" ").any()
    assert data.issues == []
    assert _digest(org) == before


def test_maven_check_report(tmp_path):
    org = real_org("maven", "maven-crm-sales-opportunities", tmp_path, MAVEN)
    rep = check_org(org, strict=True)
    assert rep.exit_code == 0, rep.to_text()
    assert "8,300 rows (of 8,800 read)" in rep.to_text()
