"""Firmographic segments from accounts or from the deal rows, numbers or text bands.

Covers helpers/icp/firmographics.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from icp_fixtures import REVENUE_BANDS, SIZE_BANDS, deal_org

from helpers import icp


def test_account_sizes_may_be_numbers_or_text_bands():
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3", "a4"],
            "employees": [20.0, 300.0, np.nan, 12000.0],
            "revenue_band": ["$1M - $5M", "Less than $1M", "$50M+", None],
            "locations_band": ["Small", "Big", "Small", None],
        }
    )
    seg, skipped = icp.account_segments(accounts)
    assert seg["employee_band"].astype("str").tolist() == ["11-50", "201-500", "Unknown", "10,001+"]
    rev = seg["revenue_band"]
    assert rev.cat.ordered and list(rev.cat.categories) == [
        "Less than $1M",
        "$1M - $5M",
        "$50M+",
        "Unknown",
    ]
    # text that does not read as bands stays an unordered segment
    sites = seg["locations_band"]
    assert not sites.cat.ordered and sites.astype("str").tolist()[:2] == ["Small", "Big"]
    assert "sic" in skipped and "employee_band" not in skipped


def test_opportunity_export_segments_its_text_bands(tmp_path, load):
    data = load(deal_org(tmp_path / "deals"))
    inp = icp.prepare_icp(leads=data.leads, opportunities=data.opportunities)
    assert inp.dimensions == ["employee_band", "revenue_band"]
    assert inp.levels == {"employee_band": "deal", "revenue_band": "deal"}
    emp = inp.deals["employee_band"]
    assert emp.cat.ordered and list(emp.cat.categories) == [*SIZE_BANDS, "Unknown"]
    rev = inp.deals["revenue_band"]
    assert list(rev.cat.categories) == [*REVENUE_BANDS, "Unknown"]
    assert icp.skipped_sentences(inp)[0] == (
        "There is no accounts table, so the account tiers are skipped; the opportunities rows "
        "give the firmographic segments they carry (employees, annual revenue)."
    )
    assert icp.dimension_note(inp, ["region", "country"]) == (
        "Section skipped: there is no accounts table, and the opportunities rows carry no "
        "region or country values."
    )
