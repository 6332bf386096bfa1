"""helpers.synth.writer: byte-identical folders, the committed sample, Parquet, org.yml."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import synth
from helpers.core import paths
from helpers.core.config import load_org_config

FILES = (
    "accounts.csv", "leads.csv", "activities.csv", "opportunities.csv", "spend.csv", "plan.csv",
    "org.yml", "truths.yml", "lead_truths.csv",
)


def test_same_config_gives_byte_identical_files(tmp_path):
    cfg = synth.SCENARIOS["alt"].replace(n_leads=1500, seed=5)
    a, b = synth.write_org(cfg, tmp_path / "a"), synth.write_org(cfg, tmp_path / "b")
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = synth.write_org(cfg.replace(seed=6), tmp_path / "c")
    assert (a / "leads.csv").read_bytes() != (c / "leads.csv").read_bytes(), "the seed must matter"


def test_committed_sample_equals_its_regeneration(tmp_path):
    if not (paths.SAMPLE_ORG / "truths.yml").is_file():
        pytest.fail("datasets/sample is missing: run `make sample` and commit it")
    out = synth.write_org(synth.SCENARIOS["sample"], tmp_path / "sample")
    committed = sorted(p.name for p in paths.SAMPLE_ORG.iterdir() if p.name != "README.md")
    assert committed == sorted(FILES)
    for name in FILES:
        assert (out / name).read_bytes() == (paths.SAMPLE_ORG / name).read_bytes(), (
            f"datasets/sample/{name} differs from helpers.synth's output: regenerate with `make sample`"
        )


def test_parquet_output_has_the_same_tables(tmp_path):
    cfg = synth.SCENARIOS["sample"].replace(n_leads=800, seed=9)
    csv_dir = synth.write_org(cfg, tmp_path / "csv")
    pq_dir = synth.write_org(cfg, tmp_path / "pq", fmt="parquet")
    for table in ("leads", "activities", "opportunities"):
        a = pd.read_csv(csv_dir / f"{table}.csv", dtype=str, keep_default_na=False)
        b = pd.read_parquet(pq_dir / f"{table}.parquet")
        assert list(a.columns) == list(b.columns) and len(a) == len(b), table
    assert (pq_dir / "lead_truths.parquet").is_file()
    assert load_org_config(pq_dir).files["activities"].path == "activities.parquet"
    with pytest.raises(ValueError, match="fmt"):
        synth.write_org(cfg, tmp_path / "x", fmt="xlsx")


def test_org_yml_validates_and_names_the_parameters(sample):
    cfg = load_org_config(sample.dir)
    p = cfg.parameters
    assert str(p["alignment_start"]) == sample.truths["alignment"]["start"]
    assert (p["horizon_days"], p["score_after_days"]) == (sample.H, sample.S)
    assert p["sales_reps"] == sample.leads["owner"].nunique()
    assert p["leads_per_rep_per_week"] > 0
    assert cfg.timezone == "America/New_York" and cfg.currency == "USD"
    assert cfg.hash_columns == {"leads": ["person_key"]}
    assert cfg.columns["leads"]["owner_id"] == "owner"
    # every raw status label is mapped to a canonical stage
    assert set(sample.leads["status"]) <= set(cfg.values["leads"]["stage"])
    assert set(cfg.values["leads"]["stage"].values()) == {
        "inquiry", "mql", "sal", "sql", "opportunity", "won", "disqualified"
    }
