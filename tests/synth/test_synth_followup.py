"""The follow-up scenarios (helpers/synth/followup.py, followup_story.py, followup_truths.py):
registered like any scenario, deterministic, and their planted truths visible in the raw files."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from helpers import synth

N = 3000


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    """The ``followup`` scenario written the way ``alignment-edge sample --scenario followup`` does."""
    return synth.write_org(
        synth.SCENARIOS["followup"].replace(n_leads=N), tmp_path_factory.mktemp("fu") / "followup"
    )


def _csv(org, name):
    return pd.read_csv(org / f"{name}.csv", dtype=str, keep_default_na=False)


def test_registered_and_validated():
    for name in ("followup", "followup_three", "followup_none"):
        cfg = synth.SCENARIOS[name]
        assert cfg.scenario == name and cfg.n_reps == 12
    assert [
        synth.SCENARIOS[n].problem_reps for n in ("followup", "followup_three", "followup_none")
    ] == [4, 3, 0]
    with pytest.raises(ValueError, match="Unknown generator setting"):
        synth.SCENARIOS["followup"].replace(leak="x")
    with pytest.raises(ValueError, match="problem_reps"):
        synth.SCENARIOS["followup"].replace(problem_reps=12).validate()


def test_same_config_same_bytes(org, tmp_path):
    again = synth.write_org(synth.SCENARIOS["followup"].replace(n_leads=N), tmp_path / "again")
    for name in (
        "leads",
        "activities",
        "opportunities",
        "accounts",
        "spend",
        "plan",
        "lead_truths",
    ):
        assert (org / f"{name}.csv").read_bytes() == (again / f"{name}.csv").read_bytes(), name
    assert (org / "truths.yml").read_text() == (again / "truths.yml").read_text()


def test_no_sal_date_and_no_sal_label(org):
    leads = _csv(org, "leads")
    assert "sal_at" not in leads.columns and {"mql_at", "sql_at"} <= set(leads.columns)
    config = yaml.safe_load((org / "org.yml").read_text(encoding="utf-8"))
    assert "stages" not in config  # the default stages: the funnel module must collapse SAL
    assert "sal" not in config["values"]["leads"]["stage"].values()
    sql = pd.to_datetime(leads["sql_at"].replace("", None))
    acts = _csv(org, "activities")
    acts = acts[acts["team"] == "sales"].assign(t=lambda d: pd.to_datetime(d["occurred_at"]))
    last = acts.groupby("lead_id")["t"].max()
    gap = (
        sql.set_axis(leads["lead_id"]).dropna()
        - last.reindex(leads.loc[sql.notna(), "lead_id"]).to_numpy()
    )
    assert gap.dt.total_seconds().between(0, 2 * 86400).all()  # SQL dated at the rep's last touch


def test_low_win_rate_and_titles_without_effect(org):
    opps = _csv(org, "opportunities")
    closed = opps[opps["outcome"].isin(["Won", "Lost"])]
    assert 0.15 <= (closed["outcome"] == "Won").mean() <= 0.25
    leads = _csv(org, "leads").merge(opps[["lead_id", "outcome"]], on="lead_id", how="left")
    won = leads["outcome"].eq("Won")
    senior = leads["job_title"].str.contains("VP|Chief|Director|Head", regex=True)
    # a title says nothing: senior and other contacts win alike (within sampling noise)
    assert abs(won[senior].mean() - won[~senior].mean()) < 0.02


def test_problem_reps_answer_late_until_the_alignment_start(org):
    truths = yaml.safe_load((org / "truths.yml").read_text(encoding="utf-8"))["funnel"]
    names = truths["under_working_owners"]["names"]
    assert len(names) == 4 and truths["under_working_owners"]["ends"] == "2023-10-01"
    leads = _csv(org, "leads")
    acts = _csv(org, "activities")
    first = acts[acts["team"] == "sales"].assign(t=lambda d: pd.to_datetime(d["occurred_at"]))
    first = first.groupby("lead_id")["t"].min()
    mql = leads[leads["mql_at"] != ""].set_index("lead_id")
    hours = (first.reindex(mql.index) - pd.to_datetime(mql["mql_at"])).dt.total_seconds() / 3600
    slow = hours.isna() | (hours > 24)
    bad = mql["owner"].isin(names)
    before = pd.to_datetime(mql["created_at"]) < pd.Timestamp("2023-10-01")
    assert slow[bad & before].mean() > 0.7 > 0.3 > slow[~bad & before].mean()
    assert abs(slow[bad & ~before].mean() - slow[~bad & ~before].mean()) < 0.1


def test_planted_headline_is_computed_from_the_model(org):
    t = yaml.safe_load((org / "truths.yml").read_text(encoding="utf-8"))
    f = t["funnel"]
    wins = f["recoverable_wins_expected"]
    assert (f["leak_stage"], f["leak_cause"], f["leak_side"]) == (
        "mql->sql",
        "under-worked",
        "sales",
    )
    top = wins["mql->sql"]["under-worked"]
    others = [
        v for st, d in wins.items() for c, v in d.items() if (st, c) != ("mql->sql", "under-worked")
    ]
    assert top == max(wins["mql->sql"]["under-worked"], *others) and f["leak_margin"] >= 1.5
    assert f["under_worked_wins_by_reference"]["worked_leads"] == pytest.approx(top, abs=0.1)
    assert f["stages"] == ["inquiry", "mql", "sql", "opportunity", "won"] and f["collapsed"] == [
        "sal"
    ]
    assert t["icp"]["account_share"] < 0.5  # most accounts are outside the ICP
    # the planted share of non-ICP leads among mature lost MQLs, recounted from the raw files
    lt = pd.read_csv(org / "lead_truths.csv", dtype={"lead_id": str})
    leads = _csv(org, "leads").merge(lt[["lead_id", "icp"]], on="lead_id")
    mature = pd.to_datetime(leads["created_at"]) <= pd.Timestamp(
        t["history"]["export_date"]
    ) - pd.Timedelta(days=150)
    lost = (
        mature
        & (leads["mql_at"] != "")
        & ~leads["lead_id"].isin(_csv(org, "opportunities")["lead_id"])
    )
    assert f["lost_mql_non_icp_share"] == pytest.approx(
        1 - leads.loc[lost, "icp"].astype(bool).mean(), abs=0.001
    )
    assert 0.4 < f["lost_mql_non_icp_share"] < 0.8


def test_cli_writes_a_followup_org(tmp_path):
    from helpers.runner.cli import main

    assert (
        main(
            [
                "sample",
                "--scenario",
                "followup_none",
                "--leads",
                "400",
                "--seed",
                "2",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    assert (tmp_path / "o" / "org.yml").is_file() and (tmp_path / "o" / "truths.yml").is_file()
