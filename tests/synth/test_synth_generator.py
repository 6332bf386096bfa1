"""helpers.synth.generator: speed, scale, realistic raw columns, stage order and quirks."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from helpers import synth
from helpers.core import paths


def test_small_orgs_generate_fast():
    cfg = synth.SCENARIOS["alt_no_change"].replace(n_leads=2000)
    best = min(_timed(lambda s=s: synth.generate(cfg.replace(seed=s))) for s in range(3))
    assert best < 1.0, f"a 2,000-lead org took {best:.2f} s (the false-positive study generates 20)"


def test_generate_returns_the_raw_tables_in_order_and_one_truth_per_lead():
    org = synth.generate(synth.SCENARIOS["sample"].replace(n_leads=800, seed=9))
    assert list(org.tables) == ["accounts", "leads", "activities", "opportunities", "spend", "plan"]
    assert org.lead_truths["lead_id"].tolist() == org.tables["leads"]["lead_id"].tolist()
    assert org.truths["n_leads"] == len(org.tables["leads"]) == 800
    assert {"icp", "funnel", "alignment", "scoring", "quirks"} <= set(org.truths)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def test_twenty_thousand_leads_smoke(big):
    raw, seconds = big
    assert len(raw.leads) == 20_000
    assert 8 <= len(raw.activities) / len(raw.leads) <= 12
    assert seconds < 60, f"20,000 leads took {seconds:.1f} s"


def test_realistic_raw_columns(sample):
    L = sample.leads
    assert len(L) == 5000 and L["lead_id"].is_unique
    assert 300 <= len(sample.accounts) <= 500
    assert 8 <= len(sample.activities) / len(L) <= 12, "about ten activities per lead"
    # SIC codes from the reference table, across many major groups, kept as 4-digit text
    sic = pd.read_csv(paths.SIC_CODES, dtype=str)
    assert set(sample.accounts["sic_code"]) <= set(sic["sic_code"])
    assert sample.accounts["sic_code"].str.len().eq(4).all()
    assert sample.accounts["sic_code"].str[:2].nunique() >= 20
    # varied free-text titles, an inbound-call channel, personal data for the PII path
    assert L["job_title"].nunique() > 300
    assert {"VP of Marketing", "Chief Financial Officer", "Software Engineer"} <= set(L["job_title"])
    assert "Inbound Call" in set(L["lead_source"])
    assert L["email"].str.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+").all()
    assert L["phone"].str.startswith("+").all()
    notes = L.loc[L["notes"] != "", "notes"]
    assert notes.str.contains("@").any() and notes.str.contains(r"\+\d").any()
    # recycled leads: the same person (email) entering again, later
    assert 0.01 < L["email"].duplicated().mean() < 0.05
    lt = sample.lead_truths.set_index("lead_id")
    again = lt[lt["person_first_lead_id"].notna() & (lt["person_first_lead_id"] != lt.index)]
    assert len(again) > 50
    created = L.set_index("lead_id")["created_at"]
    gap = created[again.index].to_numpy() - created[again["person_first_lead_id"]].to_numpy()
    assert (gap >= np.timedelta64(30, "D")).all(), "a person re-enters 30-365 days after the first inquiry"
    email = L.set_index("lead_id")["email"]
    assert (email[again.index].to_numpy() == email[again["person_first_lead_id"]].to_numpy()).all()
    # right-censoring: nothing after the export date, recent deals still open
    for table, cols in sample.TIMESTAMPS.items():
        df = sample.opps if table == "opportunities" else getattr(sample, table)
        for c in cols:
            assert (df[c].dropna() < sample.export).all(), (table, c)
    assert (sample.opps["outcome"] == "Open").sum() > 10


def test_stage_timestamps_only_go_backwards_for_the_planted_quirk(sample):
    j = sample.journeys()
    q = sample.truths["quirks"]
    bad = j.loc[j["sal_at"] < j["mql_at"], "lead_id"].tolist()
    assert bad == q["sal_before_mql"]["lead_ids"] and len(bad) == 4
    ok = ~j["lead_id"].isin(bad)
    for a, b in (("created_at", "mql_at"), ("mql_at", "sal_at"), ("sal_at", "sql_at"), ("sql_at", "opp_at")):
        assert not (j.loc[ok, b] < j.loc[ok, a]).any(), (a, b)
    assert ((sample.opps["closed_at"] >= sample.opps["created_at"]) | sample.opps["closed_at"].isna()).all()
    # the other quirks
    orphans = sample.opps[~sample.opps["lead_id"].isin(set(sample.leads["lead_id"]) | {""})]
    assert orphans["opportunity_id"].tolist() == q["orphan_opportunities"]["opportunity_ids"]
    assert sorted(sample.opps.loc[sample.opps["amount"] < 0, "opportunity_id"]) == q["negative_amounts"]["opportunity_ids"]


def test_lead_truths_match_the_data(sample):
    lt = sample.lead_truths
    assert lt["lead_id"].tolist() == sample.leads["lead_id"].tolist()
    assert lt["p_true"].between(0, 1).all()
    no_mql = sample.leads["mql_at"].isna() & (sample.leads["created_at"] + pd.Timedelta(days=sample.S) < sample.export)
    assert (lt.loc[no_mql.to_numpy(), "p_true"] == 0).all(), "leads that are not MQLs never convert"
