"""helpers.synth.truths: the planted truths are documented, and the raw data carries them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core import paths

# --------------------------------------------------------------------------- helpers


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


def test_truths_keep_nan_for_empty_groups_where_plain_gives_none():
    """A rate over an empty segment stays NaN (``.nan`` in truths.yml); finite figures round alike."""
    from helpers.core.report import plain
    from helpers.synth.truths import _round_keep_nan

    assert _round_keep_nan(0.123456, 3) == plain(0.123456, 3) == 0.123
    assert _round_keep_nan(np.float64(49_180.4), 0) == plain(np.float64(49_180.4), 0) == 49_180.0
    nan = _round_keep_nan(float("nan"), 4)
    assert nan != nan and plain(float("nan"), 4) is None
