"""The committed configs of the one-row-per-deal real exports load them through config alone.

Salvirt (no ids, no dates), B2B software (money as text, CR line endings) and Ironhack
(Excel serial dates, repeated account ids) read from ``helpers.core.paths.SHARED_DATASETS``;
each test skips, with the reason, where that folder is absent. Expected figures come from
the datasets' README.
"""

from __future__ import annotations

import pandas as pd
import pytest
from real_orgs import real_org

from helpers.core import paths
from helpers.data import check_org, load_org
from helpers.data.readiness import assess

pytestmark = pytest.mark.real


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


def runs(data) -> set[str]:
    return {d.notebook for d in assess(data).modules() if d.runs}


def test_salvirt_rows_are_numbered_deals_and_leads(tmp_path):
    data = load_org(real_org("salvirt", "salvirt-b2b-opportunities", tmp_path))
    opps, leads = data.opportunities, data.leads
    assert len(opps) == len(leads) == 448
    assert opps["opportunity_id"].iloc[0] == "2" and opps["opportunity_id"].is_unique
    assert (opps["lead_id"] == opps["opportunity_id"]).all()
    assert int((opps["outcome"] == "won").sum()) == 227
    assert leads["converted"].sum() == 227  # the deal's outcome
    assert leads["company_size"].isna().sum() == 0 and leads["source"].isna().sum() == 10  # Unknown
    assert runs(data) == {"00_data_check", "01_define_icp", "04_mql_classifier"}


def test_b2b_software_money_as_text_and_stage_labels(tmp_path):
    data = load_org(real_org("b2b_software", "b2b-software-opportunities", tmp_path))
    opps = data.opportunities
    assert len(opps) == 1026 and opps["opportunity_id"].is_unique
    assert set(opps["outcome"]) == {"won", "lost"}
    assert int((opps["outcome"] == "won").sum()) == 490 + 65
    assert opps["amount"].min() >= 0 and opps["amount"].iloc[0] == 225_000
    assert "Trade Show" not in set(data.leads["source"].dropna())
    kinds = {i.kind: i.count for i in data.issues}
    assert kinds == {"stage_order": 3}  # deals closed before they were created, reported once
    assert runs(data) == {"00_data_check", "01_define_icp", "02_funnel_leakage",
                          "03_revenue_growth", "04_mql_classifier"}


def test_ironhack_excel_serial_close_dates_and_repeated_accounts(tmp_path):
    org = real_org("ironhack", "ironhack-admissions-salesforce", tmp_path)
    data = load_org(org)
    opps = data.opportunities
    assert len(opps) == 3292 and opps["opportunity_id"].is_unique
    assert round((opps["outcome"] == "won").mean(), 3) == 0.104
    assert opps["closed_at"].iloc[0] == pd.Timestamp("2020-10-20")  # 44124
    assert data.leads["person_key"].str.fullmatch(r"[0-9a-f]{16}").all()  # hashed
    assert runs(data) == {"00_data_check", "01_define_icp", "02_funnel_leakage",
                          "04_mql_classifier"}
    text = check_org(org).to_text()
    assert "3 opportunities are closed before" not in text and "2 opportunities are closed" in text
    assert "The revenue module is skipped" in text and "deal_size" in text
