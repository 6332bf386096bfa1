"""The self-checks' settings (``helpers/workshop/params.py``) and how the facade takes them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import workshop
from helpers.workshop import CheckParams


def test_defaults_are_the_notebooks_defaults():
    p = CheckParams()
    assert (p.min_segment_size, p.sla_hours, p.rule_tiers, p.seed) == (30, 24.0, ("A", "B"), 42)


def test_notebook_values_are_normalised():
    p = CheckParams(
        min_segment_size=np.int64(20), sla_hours=48, tier_lifts=[1.5, 1, 0.5], rule_tiers=["A"]
    )
    assert p.min_segment_size == 20 and type(p.min_segment_size) is int
    assert p.sla_hours == 48.0 and type(p.sla_hours) is float
    assert p.tier_lifts == (1.5, 1.0, 0.5) and p.rule_tiers == ("A",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.seed = 1


def test_unknown_setting_is_refused():
    with pytest.raises(TypeError, match="sla_hour"):
        CheckParams(sla_hour=24)


def test_facade_takes_settings_or_a_params_object():
    assert workshop.Checks(None, sla_hours=48).params == CheckParams(sla_hours=48)
    base = CheckParams(seed=7)
    assert workshop.Checks(None, base).params is base
    assert workshop.Checks(None, base, sla_hours=12).params == CheckParams(seed=7, sla_hours=12)
    assert workshop.IcpChecks(None).params == CheckParams()
