"""Fixtures of the ICP tests (tiny organizations are built in ``icp_fixtures.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def load(tmp_path, monkeypatch):
    """``load(org_dir)``: the org's canonical tables, with the secret key kept in tmp_path."""
    from helpers.core import paths
    from helpers.data import load_org

    monkeypatch.setattr(paths, "SECRETS", tmp_path / "secrets")
    return load_org
