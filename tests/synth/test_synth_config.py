"""helpers.synth.config: settings, validation, and the scenarios' different truths."""

from __future__ import annotations

import pytest
import yaml

from helpers import synth


def test_config_replace_roundtrip_and_validation():
    cfg = synth.SCENARIOS["sample"]
    assert cfg.replace(n_leads=123).n_leads == 123 and cfg.n_leads == 5000
    with pytest.raises(ValueError, match="Unknown generator setting"):
        cfg.replace(n_lead=10)
    again = synth.SynthConfig.from_dict(yaml.safe_load(yaml.safe_dump(cfg.to_dict())))
    assert again == cfg
    with pytest.raises(ValueError, match="horizon_days"):
        synth.generate(cfg.replace(horizon_days=30))
    with pytest.raises(ValueError, match="low_fit_source"):
        synth.generate(cfg.replace(low_fit_source="Fax"))


def test_scenarios_plant_different_truths():
    a, b = synth.generate(synth.SCENARIOS["sample"].replace(n_leads=3000)).truths, synth.generate(
        synth.SCENARIOS["alt"].replace(n_leads=3000)
    ).truths
    assert set(a["icp"]["sic_major_groups"]).isdisjoint(b["icp"]["sic_major_groups"])
    assert a["icp"]["employee_range"] != b["icp"]["employee_range"]
    assert set(a["icp"]["winning_seniorities"]).isdisjoint(b["icp"]["winning_seniorities"])
    assert set(a["icp"]["winning_functions"]).isdisjoint(b["icp"]["winning_functions"])
    assert a["funnel"]["touches_plateau"] != b["funnel"]["touches_plateau"]
    assert a["funnel"]["leak_stage"] != b["funnel"]["leak_stage"]
    assert a["funnel"]["leak_cause"] != b["funnel"]["leak_cause"]
    assert a["funnel"]["low_fit_source"] != b["funnel"]["low_fit_source"]
    assert abs(a["alignment"]["revenue_ratio"] - b["alignment"]["revenue_ratio"]) > 0.1
    assert a["scoring"]["drivers"][:2] != b["scoring"]["drivers"][:2]
    assert a["scoring"]["leaky_column"] != b["scoring"]["leaky_column"]


def test_no_change_scenario_has_no_alignment_effect():
    t = synth.generate(synth.SCENARIOS["alt_no_change"].replace(n_leads=1500)).truths
    al = t["alignment"]
    assert al["effective"] is False and al["start"] is not None and al["revenue_ratio"] == 1.0
    assert t["funnel"]["conversion_rates"]["before"] == t["funnel"]["conversion_rates"]["after"]


def test_yaml_ready_rounds_floats_and_keeps_nan():
    from helpers.synth.config import yaml_ready

    out = yaml_ready({"a": (0.12345678, float("nan")), 3: {"b": 1}})
    assert out["a"][0] == 0.123457 and out["a"][1] != out["a"][1] and out[3] == {"b": 1}
    cfg = synth.SCENARIOS["sample"]
    assert synth.cfg_channel_index(cfg, "Inbound Call") == 0
    assert synth.cfg_channel_index(cfg, cfg.low_fit_source) == [c.name for c in cfg.channels].index("Paid Social")
