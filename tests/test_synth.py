"""helpers.synth: determinism, the committed sample, and planted truths that the raw data carries.

The checks read the raw files the way an analyst would (pandas on the CSVs), so a truth that
the generator claims but the data does not show fails here, not in a module's notebook test.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import synth
from helpers.core import paths
from helpers.core.config import load_org_config

FILES = (
    "accounts.csv", "leads.csv", "activities.csv", "opportunities.csv", "spend.csv", "plan.csv",
    "org.yml", "truths.yml", "lead_truths.csv",
)
TIMESTAMPS = {
    "leads": ("created_at", "mql_at", "sal_at", "sql_at", "disqualified_at"),
    "activities": ("occurred_at",),
    "opportunities": ("created_at", "closed_at"),
}


# --------------------------------------------------------------------------- helpers


class Raw:
    """An org folder's raw CSVs, parsed the way an analyst would."""

    def __init__(self, org_dir: Path):
        self.dir = Path(org_dir)
        self.truths = yaml.safe_load((self.dir / "truths.yml").read_text(encoding="utf-8"))
        read = lambda name: pd.read_csv(self.dir / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
        self.accounts, self.leads, self.activities = read("accounts"), read("leads"), read("activities")
        self.opps, self.spend, self.plan = read("opportunities"), read("spend"), read("plan")
        self.lead_truths = pd.read_csv(self.dir / "lead_truths.csv", dtype={"lead_id": str, "person_first_lead_id": str})
        for table, cols in TIMESTAMPS.items():
            df = getattr(self, "opps" if table == "opportunities" else table)
            for c in cols:
                df[c] = pd.to_datetime(df[c].replace("", None), format="%Y-%m-%d %H:%M:%S")
        for df, c in ((self.opps, "amount"), (self.spend, "amount"), (self.plan, "revenue_target")):
            df[c] = df[c].astype(float)
        self.export = pd.Timestamp(self.truths["history"]["export_date"])
        sc = self.truths["scoring"]
        self.H, self.S = sc["horizon_days"], sc["score_after_days"]

    def journeys(self) -> pd.DataFrame:
        """Leads with their first deal, sales touches and first sales touch."""
        first = self.opps[self.opps["lead_id"] != ""].sort_values("created_at").drop_duplicates("lead_id")
        j = self.leads.merge(
            first[["lead_id", "created_at", "outcome", "amount"]].rename(columns={"created_at": "opp_at"}),
            on="lead_id", how="left",
        )
        sales = self.activities[self.activities["team"] == "sales"]
        j["k"] = j["lead_id"].map(sales.groupby("lead_id").size()).fillna(0).astype(int)
        j["first_touch"] = j["lead_id"].map(sales.groupby("lead_id")["occurred_at"].min())
        return j

    def mature(self, extra_days: int = 150) -> pd.DataFrame:
        """Leads old enough for their whole story (deal closed) to be in the export."""
        j = self.journeys()
        return j[j["created_at"] + pd.Timedelta(days=self.S + self.H + extra_days) <= self.export]


def _stage_flags(m: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "inquiry": pd.Series(True, index=m.index),
        "mql": m["mql_at"].notna(),
        "sal": m["sal_at"].notna(),
        "sql": m["sql_at"].notna(),
        "opportunity": m["opp_at"].notna(),
        "won": m["outcome"].eq("Won"),
    }


def _leak_table(m: pd.DataFrame) -> pd.DataFrame:
    """Lost leads and lost expected revenue by transition (lost x downstream rate to won x deal)."""
    f = _stage_flags(m)
    stages = list(f)
    rows = []
    for a, b in zip(stages[:-1], stages[1:]):
        entered = f[a] & (f[b] | True)
        rows.append({"transition": f"{a}->{b}", "entered": int(entered.sum()), "passed": int((entered & f[b]).sum())})
    t = pd.DataFrame(rows)
    t["rate"] = t["passed"] / t["entered"]
    t["lost"] = t["entered"] - t["passed"]
    down = np.ones(len(t))
    for i in range(len(t) - 2, -1, -1):
        down[i] = down[i + 1] * t["rate"].iloc[i + 1]
    deal = m.loc[f["won"], "amount"].mean()
    t["lost_revenue"] = t["lost"] * down * deal
    return t.set_index("transition")


@pytest.fixture(scope="module")
def sample() -> Raw:
    if not (paths.SAMPLE_ORG / "truths.yml").is_file():
        pytest.fail("datasets/sample is missing: run `make sample` (helpers.synth.write_org) and commit it")
    return Raw(paths.SAMPLE_ORG)


@pytest.fixture(scope="module")
def alt(alt_org_dir) -> Raw:
    return Raw(alt_org_dir)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Raw, float]:
    """A 20,000-lead sample-like org (scale smoke test and p_true calibration)."""
    out = tmp_path_factory.mktemp("synth") / "big"
    t0 = time.perf_counter()
    synth.write_org(synth.SCENARIOS["sample"].replace(n_leads=20_000, seed=3), out)
    return Raw(out), time.perf_counter() - t0


# --------------------------------------------------------------------------- determinism


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


def test_small_orgs_generate_fast():
    cfg = synth.SCENARIOS["alt_no_change"].replace(n_leads=2000)
    best = min(_timed(lambda s=s: synth.generate(cfg.replace(seed=s))) for s in range(3))
    assert best < 1.0, f"a 2,000-lead org took {best:.2f} s (the false-positive study generates 20)"


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- configuration


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


# --------------------------------------------------------------------------- the committed sample


def test_truths_have_every_documented_key(sample):
    t = sample.truths
    assert {"sic_major_groups", "employee_range", "winning_seniorities", "winning_functions",
            "conversion_effects", "win_rate_effects", "win_rate"} <= set(t["icp"])
    assert {"leak_stage", "leak_cause", "touches_plateau", "response_time_effect", "low_fit_source",
            "conversion_rates", "under_worked_share", "lost_mql_causes"} <= set(t["funnel"])
    assert {"before", "after", "all"} <= set(t["funnel"]["conversion_rates"])
    assert {"start", "changes", "revenue_ratio", "lead_growth_monthly", "effective"} <= set(t["alignment"])
    assert {"horizon_days", "score_after_days", "drivers", "leaky_column"} <= set(t["scoring"])
    assert {"sal_before_mql", "orphan_opportunities", "negative_amounts"} <= set(t["quirks"])
    assert t["funnel"]["leak_stage"] == t["funnel"]["biggest_leak_by_revenue"]
    assert t["funnel"]["leak_stage"] == t["funnel"]["biggest_leak_by_leads_after_mql"]
    assert 1.2 < t["alignment"]["revenue_ratio"] < 2.0
    ch = t["alignment"]["changes"]
    assert ch["under_worked_share"]["after"] < ch["under_worked_share"]["before"]
    assert ch["first_response_share"]["after"]["<1h"] > ch["first_response_share"]["before"]["<1h"]
    assert ch["mql_rate"]["after"] < ch["mql_rate"]["before"], "the MQL rule was tightened"
    assert 0.02 < t["funnel"]["lead_to_won"] < 0.08, "lead -> won is a few percent"


def test_readme_states_the_current_truths(sample):
    text = " ".join((paths.SAMPLE_ORG / "README.md").read_text(encoding="utf-8").split())
    t = sample.truths
    lo, hi = t["icp"]["employee_range"]
    a, b = t["funnel"]["leak_stage"].upper().split("->")
    expected = [
        f"between **{a} and {b}**", f"**{t['funnel']['leak_cause']}**", f"up to **{t['funnel']['touches_plateau']} touches**",
        f"**{t['alignment']['start']}**", f"**{t['alignment']['revenue_ratio']:.2f}**",
        f"**{t['funnel']['low_fit_source']}**", f"`{t['scoring']['leaky_column']}`",
        f"{lo} to {hi:,} employees", f"{len(sample.leads):,}", f"{len(sample.activities):,}",
        f"scored {sample.S} days", f"within {sample.H} days",
    ] + [f"group {g}" if i == 0 else f"or {g}" for i, g in enumerate(t["icp"]["sic_major_groups"])]
    missing = [e for e in expected if e not in text]
    assert not missing, f"datasets/sample/README.md is out of date: {missing}"


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
    for table, cols in TIMESTAMPS.items():
        df = sample.opps if table == "opportunities" else getattr(sample, table)
        for c in cols:
            assert (df[c].dropna() < sample.export).all(), (table, c)
    assert (sample.opps["outcome"] == "Open").sum() > 10


def test_local_timestamps_exist_and_are_unambiguous(sample):
    """Local wall times convert to UTC without DST errors (no repeated or skipped hour)."""
    for table, cols in TIMESTAMPS.items():
        df = sample.opps if table == "opportunities" else getattr(sample, table)
        for c in cols:
            s = df[c].dropna()
            s.dt.tz_localize("America/New_York", ambiguous="raise", nonexistent="raise")


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
def test_local_time_conversion_avoids_dst_gaps_and_repeats(tz):
    lo, hi = synth._local_midnight_utc("2021-01-01", tz), synth._local_midnight_utc("2024-12-31", tz)
    windows, offsets = synth._ambiguous_windows(tz, lo, hi), synth._utc_offsets(tz, lo, hi)
    utc = np.arange(lo, hi, 97, dtype=np.int64)
    local = pd.Series(synth._to_local(utc, tz, windows, offsets))
    back = local.dt.tz_localize(tz, ambiguous="raise", nonexistent="raise").dt.tz_convert("UTC")
    moved = synth._avoid_ambiguous(utc, windows)
    assert (back.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64) == moved).all()
    assert (np.diff(moved) > 0).all(), "order is preserved"
    assert (moved != utc).mean() < 0.01, "only the nights around a repeated hour move"


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


def test_funnel_rates_and_the_leak_match_the_truths(sample, alt):
    for raw in (sample, alt):
        f = raw.truths["funnel"]
        m = raw.mature()
        t = _leak_table(m)
        for tr, rate in f["conversion_rates"]["all"].items():
            assert t.loc[tr, "rate"] == pytest.approx(rate, abs=0.05), (raw.truths["scenario"], tr)
        assert t["lost_revenue"].idxmax() == f["leak_stage"], t
        assert t.drop(index="inquiry->mql")["lost"].idxmax() == f["leak_stage"], t


def test_touches_plateau_is_visible_in_raw_counts(sample, alt):
    for raw in (sample, alt):
        P = raw.truths["funnel"]["touches_plateau"]
        m = raw.mature()
        w = m[m["sal_at"].notna() & (m["k"] > 0)]

        def rate(lo: int, hi: int, w: pd.DataFrame = w) -> float:
            return w.loc[w["k"].between(lo, hi), "sql_at"].notna().mean()

        assert rate(1, 1) < rate(P - 1, P - 1) < rate(P, P + 2), raw.truths["scenario"]
        assert rate(1, 2) < rate(P, P + 2) - 0.15
        assert abs(rate(P, P + 2) - rate(P + 3, 99)) < 0.08, "flat after the plateau"


def test_response_time_effect_and_under_working(sample):
    f = sample.truths["funnel"]
    m = sample.mature()
    mq = m[m["mql_at"].notna()]
    hours = (mq["first_touch"] - mq["mql_at"]).dt.total_seconds() / 3600
    bucket = np.select([hours < 1, hours < 24, hours >= 24], ["<1h", "1-24h", ">24h"], "never")
    conv = mq["sql_at"].notna().groupby(bucket).mean()
    assert conv["<1h"] > conv["1-24h"] > conv[">24h"] > conv["never"] == 0
    for b in ("<1h", "1-24h", ">24h"):
        assert conv[b] == pytest.approx(f["expected_sql_rate_by_response"][b], abs=0.07), b
    # under-worked share (fewer touches than the plateau) drops after the alignment start
    touched = mq[mq["k"] > 0]
    before = touched["created_at"] < sample.truths["alignment"]["start"]
    under = touched["k"] < f["touches_plateau"]
    assert under[before].mean() == pytest.approx(f["under_worked_share"]["before"], abs=0.06)
    assert under[~before].mean() == pytest.approx(f["under_worked_share"]["after"], abs=0.06)
    # never-touched MQLs never convert
    assert not mq.loc[mq["k"] == 0, "sql_at"].notna().any()


def test_icp_wins_more_and_bigger(sample, alt):
    for raw in (sample, alt):
        icp = raw.truths["icp"]
        acc = raw.accounts.set_index("account_id")
        o = raw.opps[raw.opps["outcome"].isin(["Won", "Lost"]) & (raw.opps["account_id"] != "")].copy()
        o["ind"] = o["account_id"].map(acc["sic_code"]).str[:2].isin(icp["sic_major_groups"])
        emp = o["account_id"].map(acc["employees"]).astype(float)
        lo, hi = icp["employee_range"]
        o["size"] = emp.between(lo, hi)
        o["won"] = o["outcome"] == "Won"
        name = raw.truths["scenario"]
        assert o.loc[o["ind"], "won"].mean() > o.loc[~o["ind"], "won"].mean() + 0.05, name
        assert o.loc[o["size"], "won"].mean() > o.loc[~o["size"], "won"].mean() + 0.03, name
        both = o["ind"] & o["size"]
        assert o.loc[both, "won"].mean() > o.loc[~both, "won"].mean() + 0.05, name
        w = o[o["won"]]
        assert w.loc[w["ind"], "amount"].median() > w.loc[~w["ind"], "amount"].median(), name
        # titles: the winning seniorities convert leads to deals better
        lt = raw.lead_truths.merge(raw.journeys()[["lead_id", "opp_at"]], on="lead_id")
        win_sen = lt["seniority"].isin(icp["winning_seniorities"])
        assert lt.loc[win_sen, "opp_at"].notna().mean() > 1.5 * lt.loc[~win_sen, "opp_at"].notna().mean(), name


def test_leaky_column_is_filled_after_conversion(sample, alt):
    for raw in (sample, alt):
        col = raw.truths["scoring"]["leaky_column"]
        j = raw.journeys()
        filled = j[col] != ""
        reached = j["sql_at"].notna()
        assert filled[reached].mean() > 0.95 and filled[~reached].mean() < 0.08
        assert reached[filled].mean() > 0.8, "most filled values belong to leads that reached SQL"


def test_spend_and_plan(sample):
    t = sample.truths
    L, S = sample.leads, sample.spend
    assert set(S["channel"]) == set(L["lead_source"])
    won = sample.opps[sample.opps["outcome"] == "Won"].merge(L[["lead_id", "lead_source"]], on="lead_id")
    by = S.groupby("channel")["amount"].sum().to_frame("spend")
    by["per_lead"] = by["spend"] / L["lead_source"].value_counts()
    by["per_won"] = by["spend"] / won["lead_source"].value_counts()
    low = t["funnel"]["low_fit_source"]
    assert by["per_lead"].idxmin() == low, "the low-fit channel is the cheapest per lead"
    assert by.loc[low, "per_won"] > by["per_won"].median(), "...but not per won deal"
    P = sample.plan
    assert len(P) == 24
    future = P[pd.to_datetime(P["period"]) >= sample.export]
    assert len(future) == 12 and future["revenue_target"].is_monotonic_increasing
    o = sample.opps
    last6 = o[(o["outcome"] == "Won") & (o["closed_at"] >= sample.export - pd.DateOffset(months=6))]
    assert future["revenue_target"].iloc[-1] > 1.3 * last6["amount"].sum() / 6, "a growth plan"


def test_lead_truths_match_the_data(sample):
    lt = sample.lead_truths
    assert lt["lead_id"].tolist() == sample.leads["lead_id"].tolist()
    assert lt["p_true"].between(0, 1).all()
    no_mql = sample.leads["mql_at"].isna() & (sample.leads["created_at"] + pd.Timedelta(days=sample.S) < sample.export)
    assert (lt.loc[no_mql.to_numpy(), "p_true"] == 0).all(), "leads that are not MQLs never convert"


def test_oracle_knows_exactly_the_marketing_touches_up_to_the_scoring_moment(sample):
    """Counting marketing activities up to created_at + score_after_days (in UTC, as after
    loading) gives the engagement p_true was computed from; nothing outcome-related before it."""
    tz = "America/New_York"
    utc = lambda s: s.dt.tz_localize(tz).dt.tz_convert("UTC")  # noqa: E731
    act = sample.activities[sample.activities["team"] == "marketing"]
    created = utc(sample.leads.set_index("lead_id")["created_at"])
    t = utc(act["occurred_at"])
    before = t.to_numpy() <= (created[act["lead_id"]] + pd.Timedelta(days=sample.S)).to_numpy()
    counted = act[before].groupby("lead_id").size().reindex(created.index, fill_value=0)
    planted = sample.lead_truths.set_index("lead_id")["marketing_touches_at_scoring"]
    young = sample.leads.set_index("lead_id")["created_at"] + pd.Timedelta(days=sample.S) >= sample.export
    assert (counted[~young] == planted[~young]).mean() > 0.999


# --------------------------------------------------------------------------- scale and the oracle


def test_twenty_thousand_leads_smoke(big):
    raw, seconds = big
    assert len(raw.leads) == 20_000
    assert 8 <= len(raw.activities) / len(raw.leads) <= 12
    assert seconds < 60, f"20,000 leads took {seconds:.1f} s"


def test_p_true_is_calibrated(big):
    raw, _ = big
    j = raw.journeys().merge(raw.lead_truths[["lead_id", "p_true"]], on="lead_id")
    scoring = j["created_at"] + pd.Timedelta(days=raw.S)
    j["label"] = j["opp_at"].notna() & (j["opp_at"] <= scoring + pd.Timedelta(days=raw.H))
    m = j[scoring + pd.Timedelta(days=raw.H) <= raw.export]
    assert m["label"].mean() == pytest.approx(m["p_true"].mean(), abs=0.01)
    pos = m[m["p_true"] > 0]
    dec = pd.qcut(pos["p_true"].rank(method="first"), 10, labels=False)
    g = pos.groupby(dec).agg(p=("p_true", "mean"), y=("label", "mean"), n=("label", "size"))
    se = np.sqrt(g["p"] * (1 - g["p"]) / g["n"])
    assert ((g["y"] - g["p"]).abs() <= 3 * se + 0.01).all(), g
    assert (m.loc[m["p_true"] == 0, "label"]).sum() == 0
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(m["label"], m["p_true"]) > 0.8
