"""notebooks/01_define_icp.ipynb executed with papermill, with assertions on summary.json.

The planted truths (``truths.yml: icp``) of the sample and of a generated alternative
organization must come back from the notebook's figures; the Maven export (no SIC codes,
no job titles) and a tiny export must run through with their sections skipped in one
sentence each; an export without any outcome, or with nothing to segment its outcomes by,
skips the whole module, once. A one-row-per-deal export (text size bands, declared
attributes) and a B2C lead export (occupations in the title field) run through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from icp_fixtures import b2c_org, deal_org
from papermill import PapermillExecutionError

from helpers import icp
from helpers import runner as run
from helpers.core import paths

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("notebooks")]

NOTEBOOK = paths.NOTEBOOKS / "01_define_icp.ipynb"
KEY = "01_icp"


def execute(org_dir: Path, out: Path) -> tuple[dict, nbformat.NotebookNode]:
    """Run the notebook on an org, with the org.yml parameters it declares (as the runner does)."""
    from helpers.core.config import load_org_config

    (nb,) = [n for n in run.discover_notebooks() if n.key == "01_define_icp"]
    out.mkdir(parents=True, exist_ok=True)
    declared = run.read_parameters(NOTEBOOK)
    params = {k: v for k, v in load_org_config(org_dir).parameters.items() if k in declared}
    params.update({"org_dir": str(org_dir), "output_dir": str(out)})
    run.execute_notebook(nb, out / NOTEBOOK.name, params)
    summary = json.loads((out / "summary.json").read_text())
    return summary[KEY], nbformat.read(out / NOTEBOOK.name, as_version=4)


def text_and_errors(nb) -> tuple[str, list[str]]:
    text, errors = [], []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                (errors if o.name == "stderr" else text).append(o.text)
            elif o.output_type == "error":
                errors.append(f"{o.ename}: {o.evalue}")
            elif "data" in o:
                text.append(o["data"].get("text/plain", ""))
    return "\n".join(text), errors


def printed(nb) -> list[str]:
    """The lines the notebook prints (stdout): the business report shows them as they are."""
    return [
        line
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if o.output_type == "stream" and o.name == "stdout"
        for line in o.text.splitlines()
    ]


def employee_bands_agree(found: list[str], truth: list[int], deals, min_n: int = 30) -> list[str]:
    """Problems between the rule's employee bands and the planted range (inclusive).

    Every band lying inside the planted range must be in the rule; a band lying outside it
    may only be in the rule when it holds fewer than ``min_n`` closed deals (the data cannot
    tell it apart). Bands straddling an end of the range are free.
    """
    lo, hi = truth
    edges = list(icp.EMPLOYEE_EDGES)
    labels = icp.band_labels(edges)
    counts = deals["employee_band"].astype("str").value_counts()
    problems = []
    for i, label in enumerate(labels):
        b_lo, b_hi = edges[i], (edges[i + 1] - 1 if i + 1 < len(edges) else float("inf"))
        inside, outside = lo <= b_lo and b_hi <= hi, b_hi < lo or b_lo > hi
        if inside and label not in found:
            problems.append(
                f"band {label} is inside the planted range {lo}-{hi} but not in the rule"
            )
        if outside and label in found and counts.get(label, 0) >= min_n:
            problems.append(
                f"band {label} ({counts.get(label, 0)} deals) is outside {lo}-{hi} but in the rule"
            )
    return problems


def check_common(fig: dict, out: Path, nb) -> None:
    """What every run on a generated org must show, whatever its planted values."""
    _, errors = text_and_errors(nb)
    assert not errors, errors
    assert fig["icp_win_rate"] > fig["overall_win_rate"] > fig["icp_outside_win_rate"]
    assert fig["icp_lift"] > 1.1
    assert 0 < fig["icp_coverage_leads"] < 0.5 and 0 < fig["icp_revenue_share"] < 1
    assert fig["top_segments"] and all(
        t["lift"] > 1 and t["opportunities"] >= 30 for t in fig["top_segments"]
    )
    rates = [r for r in fig["tiers_win_rate"].values() if r is not None]
    assert rates[0] == max(rates) and rates[-1] == min(
        rates
    )  # the best tier wins most, the worst least
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {
        "01_win_rate_sic_major_group",
        "01_win_rate_employee_band",
        "01_win_rate_seniority",
        "01_win_rate_function",
        "01_lift_heatmap",
        "01_coverage_curve",
        "01_tiers",
    } <= figures
    definition = icp.read_icp(out)
    assert definition["rule"]["text"] == fig["icp_rule"]
    assert set(definition["tiers"]["cutoffs"]) == {"A", "B", "C", "D"}


def test_notebook_is_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in nb.cells
        if c.cell_type == "code"
    )
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert {"org_dir", "output_dir", "seed", "min_segment_size", "significance"} <= set(
        run.read_parameters(NOTEBOOK)
    )
    for line in params[0].source.splitlines():
        assert " = " in line and "  # " in line


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_result(sample_org_dir, tmp_path_factory):
    assert (sample_org_dir / "org.yml").is_file(), (
        f"the sample organization {sample_org_dir} is missing: run `make sample`"
    )
    out = tmp_path_factory.mktemp("nb01") / "sample"
    fig, nb = execute(sample_org_dir, out)
    return fig, nb, out


def test_sample_recovers_the_planted_icp(sample_result, sample_truths, sample_data):
    fig, nb, out = sample_result
    truth = sample_truths["icp"]
    check_common(fig, out, nb)
    # every industry named is a planted one (the recall of all of them: see the xfail below)
    assert fig["icp_industry_codes"] and set(fig["icp_industry_codes"]) <= set(
        truth["sic_major_groups"]
    )
    inputs = icp.prepare_icp(
        leads=sample_data.leads,
        opportunities=sample_data.opportunities,
        accounts=sample_data.accounts,
    )
    assert not employee_bands_agree(
        fig["icp_conditions"]["employee_band"], truth["employee_range"], inputs.deals
    )
    assert set(fig["winning_seniorities"]) == set(truth["winning_seniorities"])
    assert set(fig["winning_functions"]) == set(truth["winning_functions"])


@pytest.mark.xfail(
    strict=True,
    reason="SIC 36 (planted, +0.8 log-odds on winning) shows no edge in the sample's 514 closed deals: "
    "51/119 won (42.9%) vs 43.6% overall (lift 0.98). Across 8 generator seeds at 5,000 leads it is found in 7. "
    "A sample with more closed deals would make this pass (strict: an XPASS then fails and asks to drop the mark).",
)
def test_sample_recovers_every_planted_industry(sample_result, sample_truths):
    fig, _, _ = sample_result
    assert set(fig["icp_industry_codes"] or []) == set(sample_truths["icp"]["sic_major_groups"])


def test_sample_artifact_serves_the_other_modules(sample_result, sample_data):
    fig, nb, out = sample_result
    definition = icp.read_icp(out)
    tiers = icp.assign_tiers(sample_data.accounts, definition)
    counts = tiers["tier"].value_counts().reindex(list(icp.TIERS)).fillna(0).astype(int).to_dict()
    assert counts == fig["tiers_accounts"]
    assert tiers.loc[tiers["in_icp"], "tier"].eq("A").all()
    leads = icp.assign_lead_tiers(sample_data.leads, tiers, definition)
    assert leads["persona_match"].any() and not leads["persona_match"].all()
    text, _ = text_and_errors(nb)
    assert "ICP rule: " + fig["icp_rule"] in text
    # the business report shows what the notebook prints: sentences, never a Python dict
    assert f"Written icp.yml. {icp.tier_sentence(counts)}" in text
    assert "Of the 400 accounts, " in text and "in tier A" in text
    assert not [line for line in printed(nb) if "{'" in line]


# --------------------------------------------------------------------------- a different planted ICP


@pytest.fixture(scope="module")
def alt_result(alt_org_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("nb01") / "alt"
    fig, nb = execute(alt_org_dir, out)
    return fig, nb, out


def test_alt_org_recovers_its_own_planted_icp(alt_result, alt_truths, alt_data):
    fig, nb, out = alt_result
    truth = alt_truths["icp"]
    check_common(fig, out, nb)
    assert set(fig["icp_industry_codes"]) == set(truth["sic_major_groups"])
    inputs = icp.prepare_icp(
        leads=alt_data.leads, opportunities=alt_data.opportunities, accounts=alt_data.accounts
    )
    assert not employee_bands_agree(
        fig["icp_conditions"]["employee_band"], truth["employee_range"], inputs.deals
    )
    assert set(fig["winning_seniorities"]) == set(truth["winning_seniorities"])
    assert set(fig["winning_functions"]) == set(truth["winning_functions"])


# --------------------------------------------------------------------------- real and thin exports


def test_maven_export_runs_without_sic_codes_or_titles(tmp_path):
    from real_orgs import real_org

    org = real_org(
        "maven",
        "maven-crm-sales-opportunities",
        tmp_path,
        ["sales_pipeline.csv", "sales_teams.csv", "accounts.csv"],
    )
    fig, nb = execute(org, tmp_path / "out")
    text, errors = text_and_errors(nb)
    assert not errors, errors
    # the README's figures: 6,711 closed deals, 63.15% won; open ones left out
    assert fig["closed_opportunities"] == 6711
    assert fig["overall_win_rate"] == pytest.approx(0.6315, abs=0.001)
    skipped = " ".join(fig["skipped"])
    assert "sic_code" in skipped and "job_title" in skipped
    assert "Section skipped: leads has no job_title values" in text
    assert fig["winning_seniorities"] is None and fig["winning_functions"] is None
    assert icp.read_icp(tmp_path / "out") is not None


def test_tiny_export_runs_and_says_it_is_too_small(tmp_path):
    fig, nb = execute(paths.DATASETS / "examples" / "hubspot", tmp_path / "out")
    text, errors = text_and_errors(nb)
    assert not errors, errors
    assert "no segment can be ranked" in text
    assert fig["top_segments"] == [] and fig["icp_conditions"] == {}


def no_outcomes_org(tmp_path: Path) -> Path:
    """The HubSpot example without its deals: contacts and companies, no outcome at all."""
    org = tmp_path / "no_outcomes"
    shutil.copytree(paths.DATASETS / "examples" / "hubspot", org)
    config = yaml.safe_load((org / "org.yml").read_text(encoding="utf-8"))
    for section in ("files", "columns", "values"):
        config[section].pop("opportunities", None)
    (org / "deals.csv").unlink()
    (org / "org.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return org


def test_export_without_outcomes_skips_the_module_once(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(PapermillExecutionError) as stopped:
        execute(no_outcomes_org(tmp_path), out)
    assert stopped.value.ename == "ModuleSkipped"
    reason = json.loads((out / "summary.json").read_text())[KEY]["skipped"]
    assert "needs outcomes" in reason and reason in stopped.value.evalue
    text, errors = text_and_errors(nbformat.read(out / NOTEBOOK.name, as_version=4))
    assert errors == [f"ModuleSkipped: {stopped.value.evalue}"]
    assert text.count("Module skipped:") == 1
    assert not (out / "icp.yml").exists() and not (out / "figures").exists()


def test_export_with_nothing_to_segment_skips_the_module_once(tmp_path):
    # issue 11: a one-row-per-deal export with no attribute mapped crashed ("No group keys")
    out = tmp_path / "out"
    with pytest.raises(PapermillExecutionError) as stopped:
        execute(deal_org(tmp_path / "deals", columns=False), out)
    assert stopped.value.ename == "ModuleSkipped"
    reason = json.loads((out / "summary.json").read_text())[KEY]["skipped"]
    assert "600 closed outcomes have nothing to segment them by" in reason
    assert "parameters: icp_segments" in reason and reason in stopped.value.evalue
    assert not (out / "icp.yml").exists()


def test_deal_export_with_text_bands_and_declared_attributes(tmp_path):
    out = tmp_path / "out"
    fig, nb = execute(deal_org(tmp_path / "deals", segments=["route_to_market", "product"]), out)
    text, errors = text_and_errors(nb)
    assert not errors, errors
    # planted: route "Partner" and companies of 5K to 25K win; product has no effect
    assert fig["icp_conditions"]["route_to_market"] == ["Partner"]
    assert {"5K to 15K", "15K to 25K"} <= set(fig["icp_conditions"]["employee_band"])
    assert set(fig["icp_evidence"]) == {"employee_band", "route_to_market"}
    assert fig["attributes"] == {
        "route_to_market": {"table": "opportunities", "kind": "text", "in_rule": True},
        "product": {"table": "opportunities", "kind": "text", "in_rule": False},
    }
    assert fig["icp_win_rate"] > fig["overall_win_rate"] > fig["icp_outside_win_rate"]
    rates = [r for r in fig["tiers_win_rate"].values() if r is not None]
    assert rates[0] == max(rates) and rates[-1] == min(rates)
    figures = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"01_win_rate_employee_band", "01_win_rate_route_to_market"} <= figures
    assert "the opportunities rows carry no region or country values" in text
    assert "there is no accounts table to give tiers to" in text
    bands = icp.read_icp(out)["rule"]["conditions"]
    assert [c["range"] for c in bands if c["dimension"] == "employee_band"][0][0] == 5000.0


def test_b2c_lead_export_segments_the_raw_occupations(tmp_path):
    out = tmp_path / "out"
    fig, nb = execute(b2c_org(tmp_path / "b2c"), out)
    text, errors = text_and_errors(nb)
    assert not errors, errors
    assert fig["outcome_source"] == "leads.converted"
    assert fig["winning_job_titles"] == ["Working Professional"]  # planted
    assert fig["winning_seniorities"] is None and fig["icp_conditions"] == {}
    assert "name no seniority and no function" in " ".join(fig["skipped"])
    assert "01_win_rate_job_title" in {p.stem for p in (out / "figures").glob("*.png")}
    assert "the tiers separate nothing" in text
