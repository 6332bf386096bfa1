"""The funnel helpers on the follow-up scenarios (helpers.synth.followup), over several seeds.

These organizations do not share the sample's mechanics: no SAL date, a win rate near 20%, job
titles that change nothing, and a follow-up problem on 4 (or 3) of 12 reps that ends at the
alignment start; ``followup_none`` has no problem rep at all (and, with its under-working spread
over every rep, two leaks of about the same size: no headline is planted there). On each seed of
the scenarios with a problem the headline must be the planted stage, cause and side; the planted reps must be named and no others in most seeds
(the rate is in the assertion message); the low-fit share of lost MQLs must sit within 5 points
of the planted share of non-ICP MQLs in most seeds - and within 3 points whenever module 1's ICP
is the planted one (its own misses, a partial rule or a spurious buyer profile at its 10% error
rate, are module 1's, not the funnel's); and the scenario with no problem names no rep.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest
import yaml

from helpers import funnel, icp, synth
from helpers.data import load_org

N_LEADS = 6000
SEEDS = {"followup": (1, 2, 3), "followup_three": (1, 2, 3), "followup_none": (1, 2)}


@functools.cache
def recovered(scenario: str, seed: int, tmp: str) -> dict:
    """What module 2 finds on one seed of a scenario, beside what was planted."""
    from pathlib import Path

    org = synth.write_org(
        synth.SCENARIOS[scenario].replace(seed=seed, n_leads=N_LEADS),
        Path(tmp) / f"{scenario}_{seed}",
    )
    truths = yaml.safe_load((org / "truths.yml").read_text(encoding="utf-8"))
    data = load_org(org)
    j = funnel.from_org(data)
    conv = funnel.conversion_table(j)
    plateau = funnel.find_plateau(funnel.touch_curve(j)).touches
    icp_def = None
    if scenario != "followup_none":
        inputs = icp.prepare_icp(
            leads=data.leads, opportunities=data.opportunities, accounts=data.accounts
        )
        icp_def = icp.icp_artifact(icp.fit_icp(inputs), inputs)
    low_fit, _ = funnel.low_fit_flags(j, data.accounts, icp_def)
    owners = funnel.under_working_owners(
        j, plateau=plateau, alignment_start=truths["alignment"]["start"]
    )
    ranking = funnel.recoverable_ranking(
        j, conv, funnel.average_deal(j), low_fit=low_fit, plateau=plateau, owners=owners.flagged
    )
    att = funnel.attribute_losses(j, low_fit=low_fit, plateau=plateau)
    planted = pd.read_csv(org / "lead_truths.csv", dtype={"lead_id": str}).merge(
        j.table[["lead_id", "owner_id"]], on="lead_id"
    )
    conditions = (icp_def or {}).get("rule", {}).get("conditions", [])
    as_planted = [(c["dimension"], set(c.get("codes", []))) for c in conditions] == [
        ("sic_major_group", set(truths["icp"]["sic_major_groups"]))
    ]
    return {
        "truths": truths["funnel"],
        "headline": funnel.headline(ranking),
        "flagged": set(owners.flagged),
        "planted_owners": set(planted.loc[planted["problem_rep"], "owner_id"]),
        "low_fit_share": float(
            funnel.attribution_shares(att).set_index("cause")["share"]["low-fit"]
        ),
        "icp_as_planted": as_planted and not funnel.buyer_profile(icp_def),
        "before_after": owners.before_after,
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("scenarios"))
    return {(s, seed): recovered(s, seed, tmp) for s, seeds in SEEDS.items() for seed in seeds}


@pytest.mark.parametrize("scenario", ["followup", "followup_three"])
def test_headline_is_the_planted_leak_on_every_seed(runs, scenario):
    for seed in SEEDS[scenario]:
        r = runs[scenario, seed]
        t, h = r["truths"], r["headline"]
        assert t["leak_margin"] >= 1.3  # the planted leak is clearly the largest recoverable one
        assert (h["stage"], h["cause"], h["side"]) == (
            t["leak_stage"],
            t["leak_cause"],
            t["leak_side"],
        ), seed
        assert h["stage"] != "opportunity->won"  # the stage raw lost revenue would name


@pytest.mark.parametrize("scenario", ["followup", "followup_three"])
def test_planted_owners_are_flagged_and_no_others(runs, scenario):
    exact = [
        runs[scenario, s]["flagged"] == runs[scenario, s]["planted_owners"] for s in SEEDS[scenario]
    ]
    rate = sum(exact) / len(exact)
    assert rate >= 2 / 3, f"planted owners exactly recovered in {rate:.0%} of seeds"
    for s in SEEDS[scenario]:
        r = runs[scenario, s]
        assert len(r["planted_owners"]) == r["truths"]["under_working_owners"]["count"]
        assert len(r["flagged"] - r["planted_owners"]) <= 1, s  # never more than one false name
        assert r["before_after"]["changed"] == "improved", (
            s
        )  # the problem ended at the alignment start


def test_no_problem_scenario_names_no_owner(runs):
    for seed in SEEDS["followup_none"]:
        assert runs["followup_none", seed]["flagged"] == set(), seed


@pytest.mark.parametrize("scenario", ["followup", "followup_three"])
def test_low_fit_share_is_the_planted_non_icp_share(runs, scenario):
    gaps = {
        s: abs(
            runs[scenario, s]["low_fit_share"]
            - runs[scenario, s]["truths"]["lost_mql_non_icp_share"]
        )
        for s in SEEDS[scenario]
    }
    within = sum(g <= 0.05 for g in gaps.values()) / len(gaps)
    assert within >= 2 / 3, f"low-fit share within 5 points in {within:.0%} of seeds: {gaps}"
    for s, g in gaps.items():
        if runs[scenario, s]["icp_as_planted"]:
            assert g <= 0.03, (s, g)
