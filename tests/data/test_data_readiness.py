"""helpers/data/readiness.py and contracts.py: which modules and sections run, and why not.

Tiny hand-made tables; every decision is checked against what the module itself needs
(a decision that says *skip* must name the missing table or column and what to map).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from data_fixtures import ts

from helpers.core import paths
from helpers.data.contracts import CONTRACTS
from helpers.data.readiness import PARAMETER_DEFAULTS, Decision, assess
from helpers.runner.params import read_parameters


def decisions(tables, **params) -> dict[str, Decision]:
    """``{"02_funnel": module decision, "02_funnel.speed_to_lead": section decision, ...}``."""
    r = assess(tables, params or None)
    return {d.module + (f".{d.section}" if d.section else ""): d for d in r.decisions}


def runs(tables, **params) -> dict[str, bool]:
    return {k: d.runs for k, d in decisions(tables, **params).items() if "." not in k}


def test_full_tables_run_every_module(tables):
    d = decisions(tables)
    assert runs(tables) == {"00_data_check": True, "01_icp": True, "02_funnel": True,
                            "03_revenue": True, "04_mql": True}
    # without activities, touch counts, spend or a plan, those sections are skipped, each
    # with a sentence naming the missing table and what to map
    stl = d["02_funnel.speed_to_lead"]
    assert not stl.runs and "no activities table" in stl.reason and "org.yml" in stl.reason
    assert not d["03_revenue.economics"].runs and "no spend table" in d["03_revenue.economics"].reason
    assert d["01_icp.size"].runs  # accounts.employees, linked by leads.account_id
    assert not d["01_icp.industry"].runs


def test_leads_with_dates_only():
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "created_at": ts("2024-01-01", "2024-01-02")})
    assert runs({"leads": leads}) == {"00_data_check": True, "01_icp": False, "02_funnel": False,
                                      "03_revenue": False, "04_mql": False}
    d = decisions({"leads": leads})
    assert "won and lost outcomes" in d["01_icp"].reason
    assert "two funnel stages" in d["02_funnel"].reason  # a creation date alone is one stage
    assert "there is no opportunities table" in d["03_revenue"].reason


def test_lead_only_export_with_converted_flag_and_no_dates():
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3"],
        "converted": pd.array([True, False, False], dtype="boolean"),
        "job_title": ["CTO", "Intern", "CFO"],
    })
    assert runs({"leads": leads}) == {"00_data_check": True, "01_icp": True, "02_funnel": False,
                                      "03_revenue": False, "04_mql": True}
    d = decisions({"leads": leads})
    assert d["02_funnel"].reason.startswith("The funnel module is skipped: it needs lead dates")
    assert "columns.leads.created_at" in d["02_funnel"].reason
    assert not d["04_mql.out_of_time"].runs and "stratified" in d["04_mql.out_of_time"].reason
    assert not d["00_data_check.leads_per_month"].runs


def test_revenue_needs_won_deals_dates_and_value(tables):
    lost = tables["opportunities"].assign(outcome=pd.array(["lost", "lost", "open"], dtype="str"))
    assert "no opportunity is won" in decisions({**tables, "opportunities": lost})["03_revenue"].reason
    no_amount = tables["opportunities"].drop(columns="amount")
    d = decisions({**tables, "opportunities": no_amount})
    assert not d["03_revenue"].runs and "deal_size" in d["03_revenue"].reason
    # the deal_size parameter stands in for a missing amount
    assert decisions({**tables, "opportunities": no_amount}, deal_size=5000)["03_revenue"].runs
    no_close = tables["opportunities"].drop(columns="closed_at")
    assert "closed_at" in decisions({**tables, "opportunities": no_close})["03_revenue"].reason


def test_icp_needs_both_outcomes_and_something_to_segment(tables):
    won = tables["opportunities"].assign(outcome=pd.array(["won"] * 3, dtype="str"))
    d = decisions({**tables, "opportunities": won})
    assert not d["01_icp"].runs and "all 3 closed outcomes are won" in d["01_icp"].reason
    bare = {"leads": tables["leads"][["lead_id", "created_at"]], "opportunities": tables["opportunities"]}
    d = decisions(bare)
    assert not d["01_icp"].runs and "icp_segments" in d["01_icp"].reason
    # a declared attribute of the deal rows is something to segment on
    opps = tables["opportunities"].assign(route=["direct", "partner", "direct"])
    d = decisions({**bare, "opportunities": opps}, icp_segments=["route"])
    assert d["01_icp"].runs and d["01_icp.declared"].runs
    d = decisions({**bare, "opportunities": opps}, icp_segments=["nowhere"])
    assert not d["01_icp"].runs


def test_one_row_per_deal_export_suggests_predicting_wins():
    dates = ts("2024-01-01", "2024-01-05", "2024-02-01")
    opps = pd.DataFrame({"opportunity_id": ["1", "2", "3"], "lead_id": ["1", "2", "3"],
                         "outcome": ["won", "lost", "won"], "created_at": dates})
    leads = pd.DataFrame({"lead_id": ["1", "2", "3"], "source": ["a", "b", "a"], "created_at": dates})
    d = decisions({"leads": leads, "opportunities": opps})
    assert not d["04_mql"].runs
    assert "all 3 leads reached opportunity" in d["04_mql"].reason
    assert "label_stage: won" in d["04_mql"].reason
    assert decisions({"leads": leads, "opportunities": opps}, label_stage="won")["04_mql"].runs
    # without dates, linked deals cannot date a conversion: a converted flag is needed
    undated = {"leads": leads.drop(columns="created_at"), "opportunities": opps.drop(columns="created_at")}
    d = decisions(undated, label_stage="won")
    assert not d["04_mql"].runs and "carry no dates" in d["04_mql"].reason
    flagged = undated["leads"].assign(converted=pd.array([True, False, True], dtype="boolean"))
    assert decisions({**undated, "leads": flagged})["04_mql"].runs


def test_sentences_are_one_sentence_naming_what_and_what_to_do(tables):
    for d in assess({"leads": tables["leads"][["lead_id"]]}).decisions:
        if d.runs or d.reason == "The module is skipped.":
            continue
        assert d.reason.endswith(".") and d.reason.count(". ") == 0, d.reason
        assert re.search(r"\b(is|are) skipped: (it needs|they need) ", d.reason), d.reason
        assert "; " in d.reason  # ...; what to do


def test_text_lines_and_figures(tables):
    r = assess({"leads": tables["leads"][["lead_id", "created_at"]]})
    text = "\n".join(r.text_lines())
    assert "  03_revenue_growth    skip" in text and "The revenue module is skipped" in text
    assert "00_data_check        run (0 of 1 sections)" not in text  # created_at is there
    f = r.figures()
    assert f["modules_not_runnable"] == ["01_icp", "02_funnel", "03_revenue", "04_mql"]
    assert set(f["modules_skipped"]) == set(f["modules_not_runnable"])
    assert r.skip_reason("03_revenue_growth") == f["modules_skipped"]["03_revenue"]
    assert r.skip_reason("00_data_check") is None and r.skip_reason("99_other") is None


def test_parameters_per_notebook_as_the_runner_gives_them(tables):
    no_amount = {**tables, "opportunities": tables["opportunities"].drop(columns="amount")}
    r = assess(no_amount, {"03_revenue_growth": {"deal_size": 1000.0}, "04_mql_classifier": {}})
    assert r.module("03_revenue").runs


def test_org_yml_parameters_count(tables):
    class Cfg:
        parameters = {"alignment_start": "2024-02-01"}

    data = type("Data", (), {**tables, "config": Cfg(), "date_only": {}})()
    assert assess(data).module("03_revenue").runs
    assert {d.section: d.runs for d in assess(data).sections("03_revenue")}["alignment_effect"]


@pytest.mark.parametrize("name", sorted(PARAMETER_DEFAULTS))
def test_parameter_defaults_equal_the_notebooks(name):
    """A decision read with a default that the notebook does not have would be wrong."""
    found = {}
    for contract in CONTRACTS:
        declared = read_parameters(paths.NOTEBOOKS / f"{contract.notebook}.ipynb")
        if name in declared:
            found[contract.notebook] = eval(declared[name]["default"])  # noqa: S307 - literals
    assert found, f"{name} is in no notebook's parameters cell"
    assert all(v == PARAMETER_DEFAULTS[name] for v in found.values()), found
