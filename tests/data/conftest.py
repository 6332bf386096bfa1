"""Fixtures of the data tests: the fixture org (loaded once), a copy to break, tiny tables."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from data_fixtures import BASIC, ts

from helpers.core import paths
from helpers.data import OrgData, load_org


@pytest.fixture(autouse=True)
def _secrets(tmp_path, monkeypatch):
    """Keyed-hash secrets go to a temporary folder, never to the repository's."""
    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")


@pytest.fixture(scope="session")
def basic() -> OrgData:
    """The fixture org ``fixtures/basic``, loaded once (do not modify it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "SECRETS", Path(tempfile.mkdtemp()) / "secrets")
        return load_org(BASIC)


@pytest.fixture
def org(tmp_path) -> Path:
    """A copy of the fixture org to edit."""
    dst = tmp_path / "org"
    shutil.copytree(BASIC, dst)
    return dst


@pytest.fixture
def leads():
    """Four leads: L1's SAL date is before its creation, L2's MQL date too; L4 has no date."""
    return pd.DataFrame(
        {
            "lead_id": pd.array(["L1", "L2", "L3", "L4"], dtype="str"),
            "created_at": ts("2024-01-10", "2024-01-20", "2024-03-05", None),
            "account_id": pd.array(["A1", "A9", None, "A2"], dtype="str"),
            "job_title": pd.array(["CTO", None, "CFO", "Intern"], dtype="str"),
            "mql_at": ts("2024-01-11", "2024-01-19", None, None),
            "sal_at": ts("2024-01-09", "2024-01-25", None, None),
            "budget": [1.0, None, None, 3.0],
        }
    )


@pytest.fixture
def tables(leads):
    """Leads, two accounts and three deals (O2 closes before it opens, O3's lead is unknown)."""
    accounts = pd.DataFrame(
        {"account_id": pd.array(["A1", "A2"], dtype="str"), "employees": [50.0, None]}
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": pd.array(["O1", "O2", "O3"], dtype="str"),
            "lead_id": pd.array(["L1", "L3", "L7"], dtype="str"),
            "outcome": pd.array(["won", "lost", "won"], dtype="str"),
            "created_at": ts("2024-01-15", "2024-03-10", "2023-12-01"),
            "closed_at": ts("2024-02-01", "2024-03-01", "2024-04-30"),
            "amount": [1000.0, -50.0, 700.0],
        }
    )
    return {"leads": leads, "accounts": accounts, "opportunities": opps}
