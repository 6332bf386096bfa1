"""The data-sufficiency gate (helpers/scoring/gate.py)."""

from __future__ import annotations

import pandas as pd
from scoring_fixtures import leads_table

from helpers import scoring as S


def test_sufficiency_gate():
    leads = leads_table([(str(i), "2024-01-01") for i in range(10)])
    leads["converted"] = pd.array([True] * 3 + [False] * 7, "boolean")
    lab = S.build_labels(leads.drop(columns="created_at"))
    gate = S.check_sufficiency(lab, min_leads=1000, min_conversions=120)
    assert not gate.ok and "agreed MQL rules are used" in gate.message
    assert S.check_sufficiency(lab, min_leads=10, min_conversions=3).ok
