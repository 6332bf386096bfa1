"""helpers/data/results.py: OrgData's accessors."""

from __future__ import annotations

import pytest


def test_has(basic):
    assert basic.has("leads", "created_at", "mql_at")
    assert not basic.has("leads", "disqualified_at")
    assert basic.has("opportunities")
    with pytest.raises(ValueError, match="unknown table"):
        basic.has("deals")
