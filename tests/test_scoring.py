"""Unit tests of the MQL classifier helpers on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import scoring as S
from helpers.core.report import write_csv_safe

T = pd.Timestamp


def _leads(rows):
    df = pd.DataFrame(rows, columns=["lead_id", "created_at"])
    df["lead_id"] = df["lead_id"].astype("str")
    df["created_at"] = pd.to_datetime(df["created_at"])
    return df


def _opps(rows, cols=("opportunity_id", "lead_id", "created_at", "closed_at", "outcome")):
    df = pd.DataFrame(rows, columns=list(cols))
    for c in ("created_at", "closed_at"):
        if c in df:
            df[c] = pd.to_datetime(df[c])
    return df


# ------------------------------------------------------------------------------------ label


@pytest.fixture
def horizon_case():
    leads = _leads(
        [
            ("A", "2024-01-10"),  # opportunity 45 days later: converted
            ("B", "2024-01-10"),  # opportunity 105 days later: after the 60-day horizon
            ("C", "2024-01-10"),  # never converts
            ("D", "2024-06-01"),  # window ends after the export date: too young
            ("E", "2024-01-08"),  # opportunity before the lead's scoring moment
            ("F", "2023-10-01"),  # before the first recorded conversion, 96 days later
        ]
    )
    opps = _opps(
        [
            ("o1", "A", "2024-02-24", "2024-03-30", "won"),
            ("o2", "B", "2024-04-24", "2024-05-30", "lost"),
            ("o3", "E", "2024-01-05", "2024-06-20", "won"),
        ]
    )
    return leads, opps


def test_label_horizon_and_censoring(horizon_case):
    leads, opps = horizon_case
    lab = S.build_labels(leads, opps, label_stage="opportunity", horizon_days=60)
    t = lab.table.set_index("lead_id")
    assert lab.mode == "dated"
    assert lab.as_of == T("2024-06-20")  # the latest date anywhere in the export
    assert t.loc["A", "status"] == "eligible" and t.loc["A", "label"] == 1
    assert t.loc["B", "status"] == "eligible" and t.loc["B", "label"] == 0
    assert t.loc["C", "status"] == "eligible" and t.loc["C", "label"] == 0
    assert t.loc["D", "status"] == "too young" and not t.loc["D", "eligible"]
    assert t.loc["E", "status"] == "converted before scoring"
    assert t.loc["F", "status"] == "before conversions were recorded"
    assert (lab.n_eligible, lab.n_conversions) == (3, 1)
    assert "too young" in set(lab.counts["status"])


def test_label_scoring_moment_shifts_window(horizon_case):
    leads, opps = horizon_case
    # scored 50 days after creation: A's opportunity (day 45) is before the moment -> excluded;
    # B's (day 105) is within 60 days of day 50 -> converted.
    lab = S.build_labels(leads, opps, horizon_days=60, score_after_days=50)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "status"] == "converted before scoring"
    assert t.loc["B", "label"] == 1
    assert t.loc["B", "scoring_moment"] == T("2024-02-29")


def test_label_stage_won_uses_won_close_dates(horizon_case):
    leads, opps = horizon_case
    lab = S.build_labels(leads, opps, label_stage="won", horizon_days=90, records_from=None)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1  # won 80 days after creation
    assert t.loc["B", "label"] == 0  # lost deal is not a conversion to won
    assert t.loc["A", "converted_at"] == T("2024-03-30")
    # "auto": the first win comes 181 days after the first lead -> a recording gap is assumed
    auto = S.build_labels(leads, opps, label_stage="won", horizon_days=90).table.set_index("lead_id")
    assert auto.loc["A", "status"] == "before conversions were recorded"


def test_label_opportunity_without_creation_date_uses_close_date():
    leads = _leads([("A", "2024-01-01"), ("B", "2024-01-01"), ("C", "2024-05-01")])
    opps = _opps([("o1", "A", "2024-01-20", "won")], cols=("opportunity_id", "lead_id", "closed_at", "outcome"))
    lab = S.build_labels(leads, opps, horizon_days=30)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1 and t.loc["A", "converted_at"] == T("2024-01-20")


def test_label_sql_stage_uses_sql_at():
    leads = _leads([("A", "2024-01-01"), ("B", "2024-01-01"), ("C", "2024-06-01")])
    leads["sql_at"] = pd.to_datetime(["2024-01-05", None, None])
    lab = S.build_labels(leads, None, label_stage="sql", horizon_days=30)
    t = lab.table.set_index("lead_id")
    assert t.loc["A", "label"] == 1 and t.loc["B", "label"] == 0
    assert t.loc["C", "status"] == "too young"


def test_label_flag_mode_without_dates_says_what_it_costs():
    flags = [True, False, None] + [True] * 5 + [False] * 12
    leads = pd.DataFrame({"lead_id": [str(i) for i in range(20)], "converted": pd.array(flags, "boolean")})
    lab = S.build_labels(leads)
    assert lab.mode == "flag"
    assert lab.table["label"].tolist()[:3] == [1, 0, 0]
    assert lab.table["eligible"].tolist()[:3] == [True, True, False]
    assert "stratified cross-validation" in lab.note and "no horizon" in lab.note
    split = S.time_split(lab)
    assert split.kind.startswith("stratified")


def test_label_without_any_outcome_raises_clear_error():
    leads = _leads([("A", "2024-01-01")])
    with pytest.raises(ValueError, match="who converted"):
        S.build_labels(leads, None)


# ------------------------------------------------------------------------------- features


def test_activity_counts_stop_at_the_scoring_moment():
    ids = pd.Series(["L1", "L2"])
    moments = pd.Series(pd.to_datetime(["2024-01-10 12:00:00", "2024-01-20 00:00:00"]))
    acts = pd.DataFrame(
        {
            "lead_id": ["L1", "L1", "L1", "L1", "L2", "L2", "ZZ"],
            "occurred_at": pd.to_datetime(
                [
                    "2024-01-05",  # before: counts
                    "2024-01-10 12:00:00",  # exactly at the moment: counts
                    "2024-01-10 12:00:01",  # one second after: does not count
                    "2024-02-01",  # long after: does not count
                    "2024-01-19",
                    "2024-01-19",
                    "2024-01-01",  # unknown lead: ignored
                ],
                format="ISO8601",
            ),
            "activity_type": ["Webinar", "download", "webinar", "call", "webinar", "call", "call"],
            "team": ["marketing", "marketing", "marketing", "sales", "marketing", "sales", "sales"],
        }
    )
    counts, types = S.activity_counts(ids, moments, acts)
    assert set(types) == {"webinar", "download", "call"}
    assert counts["n_webinar"].tolist() == [1.0, 1.0]
    assert counts["n_download"].tolist() == [1.0, 0.0]
    assert counts["n_call"].tolist() == [0.0, 1.0]
    assert counts["n_marketing"].tolist() == [2.0, 1.0]
    assert counts["n_sales"].tolist() == [0.0, 1.0]
    # the score counts marketing touches only: sales' own touches are the treatment
    mkt, mtypes = S.activity_counts(ids, moments, acts, teams=("marketing",))
    assert set(mtypes) == {"webinar", "download"} and "n_sales" not in mkt
    assert mkt["n_marketing"].tolist() == [2.0, 1.0]
    # without a team column every activity counts
    anon, _ = S.activity_counts(ids, moments, acts.drop(columns="team"))
    assert anon["n_activities"].tolist() == [2.0, 2.0]


def test_build_features_joins_accounts_and_skips_unsafe_columns():
    leads = pd.DataFrame(
        {
            "lead_id": ["1", "2", "3", "4"],
            "created_at": pd.to_datetime(["2024-01-01"] * 4),
            "account_id": ["a", "b", "a", "zz"],
            "source": ["web", "event", "web", None],
            "job_title": ["VP Marketing", "Chief Executive Officer", None, "Data Engineer"],
            "stage": ["won", "mql", "mql", "mql"],
            "sales_touches": [5.0, 1.0, 0.0, 2.0],
            "mql_month": ["2024-01"] * 4,
            "budget_confirmed_at": pd.to_datetime(["2024-03-01", None, "2024-03-02", None]),
            "notes": ["x1", "x2", "x3", "x4"],
        }
    )
    accounts = pd.DataFrame(
        {"account_id": ["a", "b"], "name": ["Acme", "Beta"], "employees": [250.0, 40.0], "sic_code": ["7372", "3674"]}
    )
    moments = leads["created_at"]
    fs = S.build_features(leads, moments, accounts=accounts)
    assert fs.frame["employees"].tolist()[:3] == [250.0, 40.0, 250.0]
    assert np.isnan(fs.frame["employees"].iloc[3])  # unknown account
    assert fs.frame["sic_group"].tolist()[0] == "73 Business Services"
    assert fs.frame["sic_group"].iloc[1].startswith("36 ")
    assert fs.frame["seniority"].iloc[0] == "VP" and fs.frame["seniority"].iloc[1] == "C-level"
    assert pd.isna(fs.frame["seniority"].iloc[2])
    assert fs.frame["function"].iloc[3] == "IT"
    for col in ("stage", "sales_touches", "mql_month", "accounts.name"):
        assert col in fs.skipped, col
    assert "calendar" in fs.skipped["mql_month"]
    assert fs.after_moment["budget_confirmed_at"] == 1.0  # always recorded after the moment
    assert "budget_confirmed_at_by_scoring" not in fs.columns  # constant 0 at the moment: dropped
    assert set(fs.categorical) >= {"source", "seniority", "function", "sic_group"}


# ------------------------------------------------------------------------------ leakage


def _leak_frame(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            # planted leak: filled for 85% of converters, 3% of the others
            "budget_confirmed": pd.Series(
                np.where(rng.random(n) < np.where(y == 1, 0.85, 0.03), "yes", None), dtype="str"
            ),
            # near-perfect numeric predictor
            "deal_size_entered": np.where(y == 1, rng.uniform(5, 10, n), rng.uniform(0, 5.2, n)),
            # honest, moderately predictive
            "employees": rng.lognormal(5 + 0.5 * y, 1.0),
            "source": pd.Series(rng.choice(["web", "event", "list"], n), dtype="str"),
            # an identifier-like field with hundreds of values: must not look perfect
            "landing_page": pd.Series([f"page{k}" for k in rng.integers(0, 500, n)], dtype="str"),
        }
    )
    return frame, y


def test_leak_detector_catches_planted_leaks_only():
    frame, y = _leak_frame()
    rep = S.detect_leaks(frame, y).set_index("feature")
    assert rep.loc["budget_confirmed", "leak"]
    assert "filled for" in rep.loc["budget_confirmed", "reason"]
    assert rep.loc["deal_size_entered", "leak"]
    assert "almost perfectly" in rep.loc["deal_size_entered", "reason"]
    for honest in ("employees", "source", "landing_page"):
        assert not rep.loc[honest, "leak"], honest
    assert rep.loc["landing_page", "single_auc"] < 0.6


def test_leak_detector_flags_fields_recorded_after_the_scoring_moment():
    frame, y = _leak_frame(n=500)
    frame = frame[["employees"]].assign(demo_by_scoring=0.0)
    rep = S.detect_leaks(frame, y, after_moment={"demo": 0.8}).set_index("feature")
    assert rep.loc["demo_by_scoring", "leak"]
    assert "after the scoring moment" in rep.loc["demo_by_scoring", "reason"]


def test_feature_audit_lists_used_leaks_and_skipped():
    frame, y = _leak_frame(n=800)
    fs = S.FeatureSet(frame, ["deal_size_entered", "employees"], ["budget_confirmed", "source", "landing_page"],
                      {c: c for c in frame}, {c: "leads" for c in frame}, {"stage": "current stage"})
    leaks = S.detect_leaks(frame[fs.columns], y)
    clean = S.drop_leaks(fs, leaks)
    audit = S.feature_audit(clean, leaks).set_index("field")
    assert audit.loc["budget_confirmed", "status"] == "excluded: leak"
    assert audit.loc["employees", "status"] == "used"
    assert audit.loc["stage", "status"] == "not used"
    assert "budget_confirmed" not in clean.columns


def test_sufficiency_gate():
    leads = _leads([(str(i), "2024-01-01") for i in range(10)])
    leads["converted"] = pd.array([True] * 3 + [False] * 7, "boolean")
    lab = S.build_labels(leads.drop(columns="created_at"))
    gate = S.check_sufficiency(lab, min_leads=1000, min_conversions=120)
    assert not gate.ok and "agreed MQL rules are used" in gate.message
    assert S.check_sufficiency(lab, min_leads=10, min_conversions=3).ok


# ------------------------------------------------------------------------- metrics, ties


def test_metrics_with_tied_rule_scores_use_random_tie_break():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    rule = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], dtype=float)  # 4 tied at the top, 1 converter
    m = S.evaluate(y, {"rule": rule}, probabilities=set()).iloc[0]
    # top 10% = 1 lead drawn from the 4 tied at the top: expected precision 1/4
    assert m["precision_top10"] == pytest.approx(0.25)
    assert m["lift_top10"] == pytest.approx(0.25 / 0.2)
    g = S.gains_table(y, {"rule": rule}, points=11)
    assert g.loc[g.share_of_leads.round(2) == 0.4, "share_of_conversions"].iloc[0] == pytest.approx(0.5)
    assert g["share_of_conversions"].iloc[-1] == pytest.approx(1.0)


def test_reliability_table_deciles():
    p = np.linspace(0.01, 0.99, 100)
    y = (np.arange(100) % 2 == 0).astype(int)
    t = S.reliability_table(y, p, n_bins=10)
    assert len(t) == 10 and t["leads"].sum() == 100
    assert t["predicted"].is_monotonic_increasing


# ----------------------------------------------------------------------------- threshold


def test_capacity_threshold_matches_weekly_capacity():
    p = np.linspace(0, 0.99, 100)
    y = (p > 0.7).astype(int)
    thr = S.capacity_threshold(p, y, weekly_leads=100, sales_reps=2, leads_per_rep_per_week=10,
                               value_per_conversion=1000)
    assert thr.share_of_leads == pytest.approx(0.2)
    assert thr.weekly_mqls == pytest.approx(20)
    assert thr.probability == pytest.approx(np.quantile(p, 0.8))
    assert thr.conversion_rate == pytest.approx(1.0)
    assert thr.weekly_revenue == pytest.approx(20 * 1000)
    big = S.capacity_threshold(p, y, weekly_leads=10, sales_reps=5, leads_per_rep_per_week=10)
    assert big.share_of_leads == 1.0  # more capacity than leads: everyone is worked


def test_leads_per_rep_from_touches_plateau():
    v, note = S.leads_per_rep(0, 60, 6)
    assert v == 10 and "plateau" in note
    assert S.leads_per_rep(8, 60, 6)[0] == 8
    assert S.touches_plateau({"02_funnel": {"touches_plateau": 7}}, 6)[0] == 7
    assert S.touches_plateau({}, 6)[0] == 6


def test_weekly_inflow():
    created = pd.Series(pd.date_range("2024-01-01", periods=26 * 7, freq="D"))  # one lead a day
    assert S.weekly_lead_inflow(created, weeks=13) == pytest.approx(7.0)


def test_cost_benefit_threshold_uses_time_order_and_profit():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(-2 + 1.5 * x)))
    y = (rng.random(n) < p).astype(int)
    X = pd.DataFrame({"x": x})
    model = S.make_logistic(["x"], [])
    thr, curve = S.cost_benefit_threshold(model, X, y, order=np.arange(n), gain_per_conversion=1000,
                                          cost_per_mql=100)
    # working a lead pays when p > cost / gain = 0.1
    assert 0.04 < thr < 0.25
    assert {"threshold", "profit_per_lead"} <= set(curve.columns)
    with pytest.raises(ValueError, match="positive"):
        S.cost_benefit_threshold(model, X, y, order=None, gain_per_conversion=0, cost_per_mql=100)


# ------------------------------------------------------------------------ scores, points


def test_score_and_bands():
    ref = S.reference_quantiles(np.linspace(0, 1, 1001))
    s = S.to_score(np.array([0.0, 0.5, 0.95, 1.0]), ref)
    assert s.tolist() == [1, 50, 94, 99]
    assert S.assign_bands(np.array([99, 90, 89, 70, 69, 40, 39, 1])).tolist() == list("AABBCCDD")


def _points_case(n=4000, seed=5):
    rng = np.random.default_rng(seed)
    seniority = rng.choice(["VP", "Manager", "Individual"], n)
    employees = rng.choice([50.0, 500.0, 5000.0], n)
    noise = rng.choice(["x", "y"], n)
    logit = -2 + 1.2 * (seniority == "VP") + 0.6 * (seniority == "Manager") + 1.0 * (employees == 500)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"seniority": pd.Series(seniority, dtype="str"), "employees": employees,
                          "noise": pd.Series(noise, dtype="str")})
    return frame, y


def test_points_table_is_integer_ordered_and_readable():
    frame, y = _points_case()
    sc = S.fit_scorecard(frame, y, numeric=["employees"], categorical=["seniority", "noise"],
                         labels={"seniority": "Job seniority", "employees": "Employees"})
    assert "noise" not in sc.features  # information value too low to earn points
    t = sc.table.set_index(["feature", "bin"])["points"]
    assert t.dtype.kind == "i"
    assert t["seniority"]["VP"] > t["seniority"]["Manager"] > t["seniority"]["Individual"]
    assert t["seniority"].min() == 0
    assert t["employees"].idxmax() == "500-4,999"  # whole numbers get whole-number bins
    # 20 points double the odds: VP vs Individual true effect 1.2 log-odds ~ 35 points
    assert 25 <= t["seniority"]["VP"] - t["seniority"]["Individual"] <= 45
    pts = S.scorecard_points(sc, frame)
    assert list(pts.columns) == sc.features
    p = S.scorecard_probability(sc, pts.sum(axis=1))
    assert abs(p.mean() - y.mean()) < 0.01


def test_reasons_are_read_from_the_points():
    frame, y = _points_case()
    sc = S.fit_scorecard(frame, y, numeric=["employees"], categorical=["seniority"],
                         labels={"seniority": "Job seniority", "employees": "Employees"})
    lead = pd.DataFrame({"seniority": pd.Series(["VP", "Individual"], dtype="str"), "employees": [500.0, 50.0]})
    r = S.lead_reasons(sc, lead)
    assert "Job seniority: VP (+" in r["reasons_for"].iloc[0]
    assert "Employees: 500-4,999 (+" in r["reasons_for"].iloc[0]
    assert r["reasons_against"].iloc[0] == ""
    assert r["reasons_for"].iloc[1] == ""
    assert "Job seniority: Individual (-" in r["reasons_against"].iloc[1]
    assert r["points"].iloc[0] == S.scorecard_points(sc, lead).sum(axis=1).iloc[0]
    freq = S.reason_frequency(r["reasons_for"])
    assert freq["reason"].tolist() == ["Employees"]  # lead 1 has no reason for


def test_points_threshold_and_agreement():
    pts = np.arange(100)
    assert S.points_threshold(pts, 0.2) == 80
    agree = S.scorecard_agreement(pts, pts / 100, (pts > 50).astype(int))
    assert agree["rank_correlation"] == pytest.approx(1.0)
    assert agree["auc_points"] == pytest.approx(1.0)


# ------------------------------------------------------------------------------- outputs


def test_scored_leads_csv_escapes_text_and_keeps_numbers(tmp_path):
    df = pd.DataFrame(
        {
            "lead_id": pd.Series(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "ok"], dtype="str"),
            "score": [99, 80, 50, 40, 2, 1],
            "probability": [0.9, 0.5, -0.1, 0.3, 0.2, 0.1],
            "reasons_for": pd.Series(["=cmd", "Lead source: event (+16 pts)", "", "-x", "\tr", "a"], dtype="str"),
        }
    )
    path = write_csv_safe(df, tmp_path / "scored_leads.csv")
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[5][3] == "'\tr"  # a cell starting with a tab is escaped too
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert back["lead_id"].tolist()[:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx"]
    assert back["reasons_for"].iloc[0] == "'=cmd" and back["reasons_for"].iloc[3] == "'-x"
    assert back["reasons_for"].iloc[1] == "Lead source: event (+16 pts)"
    assert back["score"].tolist() == ["99", "80", "50", "40", "2", "1"]  # not quoted as text
    assert back["probability"].iloc[2] == "-0.1"  # a negative number stays a number


def test_psi_flags_a_shift():
    rng = np.random.default_rng(0)
    ref = rng.beta(2, 8, 5000)
    assert S.psi(ref, rng.beta(2, 8, 2000)) < 0.05
    assert S.psi(ref, rng.beta(5, 5, 2000)) > 0.2
    created = pd.Series(pd.to_datetime(["2024-01-15"] * 400 + ["2024-04-15"] * 400))
    p = np.concatenate([rng.beta(2, 8, 400), rng.beta(5, 5, 400)])
    d = S.drift_by_period(created, p, ref, freq="Q")
    assert d["drift"].tolist() == [False, True]


class Unexpected:
    """A type no model bundle should contain."""

    def __init__(self):
        self.payload = "run me"


def _tiny_bundle():
    frame, y = _points_case(n=600)
    fs = S.FeatureSet(frame, ["employees"], ["seniority", "noise"], {}, {}, config={"activity_types": []})
    X = S.model_matrix(fs, fs.numeric, fs.categorical)
    leads = _leads([(str(i), "2024-01-01") for i in range(len(y))])
    leads["converted"] = pd.array(y.astype(bool), "boolean")
    lab = S.build_labels(leads.drop(columns="created_at"))
    models = {
        "gb": S._fit_quiet(S.make_boosting(fs.numeric, fs.categorical), X, y),
        "lr": S._fit_quiet(S.make_logistic(fs.numeric, fs.categorical), X, y),
    }
    sc = S.fit_scorecard(frame, y, numeric=fs.numeric, categorical=fs.categorical)
    return fs, X, lab, models, sc


def test_skops_round_trip_with_fixed_allowlist(tmp_path):
    fs, X, lab, models, sc = _tiny_bundle()
    for name, model in models.items():
        p = S.predict_proba(model, X)
        bundle = S.make_bundle(model, model_name=name, fs=fs, labels=lab, reference_p=p, scorecard=sc,
                               threshold_probability=0.3, band_cuts=(90, 70, 40), icp=None,
                               metrics={"roc_auc": 0.7})
        path = S.save_model(bundle, tmp_path / f"{name}.skops")
        back = S.load_model(path)
        np.testing.assert_allclose(S.predict_proba(back["pipeline"], X), p)
        scored = S.score_frame(back, fs)
        assert scored["score"].between(1, 99).all()
        assert set(scored["band"]) <= set("ABCD")
        assert scored["reasons_for"].str.len().max() > 0


def test_load_model_refuses_unexpected_types(tmp_path):
    import skops.io as sio

    bundle = {"format": S.MODEL_FORMAT, "pipeline": None, "extra": Unexpected()}
    path = tmp_path / "evil.skops"
    sio.dump(bundle, path)
    with pytest.raises(ValueError, match="refused.*Unexpected"):
        S.load_model(path)
    # a narrower allowlist refuses a genuine model too: nothing is trusted implicitly
    fs, X, lab, models, sc = _tiny_bundle()
    good = S.make_bundle(models["gb"], model_name="gb", fs=fs, labels=lab,
                         reference_p=np.linspace(0, 1, 10), scorecard=None, threshold_probability=0.5,
                         band_cuts=(90, 70, 40), icp=None, metrics={})
    S.save_model(good, tmp_path / "gb.skops")
    with pytest.raises(ValueError, match="TreePredictor"):
        S.load_model(tmp_path / "gb.skops", allowed=frozenset())
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a model file"):
        S.load_model(tmp_path / "junk.skops")


def test_rule_fallback_scores_say_why():
    frame = pd.DataFrame({"icp_tier": pd.Series(["A", "C", "B", None], dtype="str"),
                          "n_marketing": [3.0, 5.0, 0.0, 2.0]})
    fs = S.FeatureSet(frame, ["n_marketing"], [], {}, {})
    out = S.rule_scored_leads(fs, S.RuleSpec(tiers=("A", "B"), min_touches=2))
    assert out["mql"].tolist() == [True, False, False, False]
    assert out["conditions_met"].tolist() == [2, 1, 1, 1]
    assert "ICP tier C (needs A/B)" in out["reasons_against"].iloc[1]
    assert "0 marketing touches before scoring (needs 2)" in out["reasons_against"].iloc[2]


def _model_case(n=1500, seed=7):
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 400, n), unit="D")
    x = rng.normal(size=n)
    c = rng.choice(["web", "event", "list"], n)
    p = 1 / (1 + np.exp(-(-1.5 + 1.2 * x + 0.8 * (c == "event"))))
    y = rng.random(n) < p
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "created_at": created.floor("s")})
    opps = pd.DataFrame({"opportunity_id": [f"O{i}" for i in range(y.sum())],
                         "lead_id": leads["lead_id"][y].to_numpy(),
                         "created_at": (leads["created_at"][y] + pd.Timedelta(days=10)).to_numpy(),
                         "outcome": "won"})
    frame = pd.DataFrame({"c": pd.Series(c, dtype="str"), "x": x, "n_marketing": rng.poisson(1, n).astype(float)})
    fs = S.FeatureSet(frame, ["x", "n_marketing"], ["c"], {k: k for k in frame}, {})
    return leads, opps, fs, y


def test_fit_scorers_out_of_time_compares_three_scorers_on_the_same_later_leads():
    leads, opps, fs, _ = _model_case()
    lab = S.build_labels(leads, opps, horizon_days=30)
    split = S.time_split(lab, test_share=0.25)
    created = lab.table["created_at"]
    assert created.iloc[split.train].max() < split.cut <= created.iloc[split.test].min()
    sc = S.fit_scorers(fs, lab, split)
    assert sc.metrics["scorer"].tolist() == list(S.SCORER_NAMES)
    assert (sc.metrics["test_leads"] == len(split.test)).all()
    assert sc.metrics.set_index("scorer").loc[sc.best, "roc_auc"] > 0.7
    assert np.isnan(sc.metrics.set_index("scorer").loc["agreed rule", "brier"])
    t = S.score_test_leads(sc)
    assert len(t) == len(split.test) and t["score"].between(1, 99).all()


def test_fit_scorers_without_dates_uses_stratified_cross_validation():
    leads, _, fs, y = _model_case()
    flag = leads.drop(columns="created_at").assign(converted=pd.array(y, "boolean"))
    lab = S.build_labels(flag)
    split = S.time_split(lab)
    assert split.kind == "stratified 5-fold" and split.cut is None
    sc = S.fit_scorers(fs, lab, split)
    assert sorted(sc.test_rows.tolist()) == list(range(len(y)))  # every lead scored once, out of fold
    assert sc.metrics.set_index("scorer").loc[sc.best, "roc_auc"] > 0.7
