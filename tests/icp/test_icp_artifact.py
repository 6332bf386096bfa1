"""icp.yml: built, written, read back and used to score accounts (helpers/icp/artifact.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from icp_fixtures import planted_result

from helpers import icp


@pytest.fixture(scope="module")
def planted():
    """Module 1 fitted on the planted grid: accounts, leads, inputs, model, tables, icp.yml."""
    return planted_result()


def test_icp_yml_round_trip_and_assign_tiers(planted, tmp_path):
    accounts, leads, inp, model, _, art = planted
    path = icp.write_icp(art, tmp_path)
    assert path.name == "icp.yml"
    back = icp.read_icp(tmp_path)
    assert back["rule"]["text"] == model.rule_text
    direct = icp.assign_tiers(accounts, model)
    via_file = icp.assign_tiers(accounts, back)
    pd.testing.assert_series_equal(direct["tier"], via_file["tier"])
    np.testing.assert_allclose(direct["fit_score"], via_file["fit_score"], atol=1e-5)
    inside = via_file.set_index("account_id")["in_icp"]
    assert inside["aP300East"] and not inside["aR300East"] and not inside["aP1500East"]
    assert via_file.set_index("account_id").loc["aP300East", "tier"] == "A"
    # an account with no attributes at all still gets a score (baseline) and a tier
    bare = icp.assign_tiers(pd.DataFrame({"account_id": ["new"]}, dtype="str"), back)
    assert bare["tier"].notna().all() and not bare["in_icp"].any()


def test_read_icp_absent_and_invalid(tmp_path):
    assert icp.read_icp(tmp_path) is None
    (tmp_path / "icp.yml").write_text(yaml.safe_dump({"version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="rerun module 1"):
        icp.read_icp(tmp_path)
    with pytest.raises(ValueError, match="not an ICP definition"):
        icp.assign_tiers(pd.DataFrame({"account_id": ["a"]}), {"rule": {}})
