"""Five export shapes run end to end: ``init`` -> (edited) ``check`` -> ``run --html``.

Each shape (tests/shapes/<shape>/, documented in datasets/examples/<shape>/) exits 0 at
every step; every module the readiness contract lets run is executed, every other one is
skipped with the contract's sentence, in ``summary.json`` and as a page of the report. The
planted truths of the shapes' generator (tests/shapes/make_shapes.py) are recovered.
"""

from __future__ import annotations

import pytest
from shape_runs import EXPECTED_RUNS, SHAPES, exports, org_copy

from helpers.core import paths
from helpers.core.config import draft_org_config, load_org_config, parse_org_config, yaml_load
from helpers.data import load_org
from helpers.data.readiness import assess

MODULE_KEYS = {
    "00_data_check": "00_data_check",
    "01_define_icp": "01_icp",
    "02_funnel_leakage": "02_funnel",
    "03_revenue_growth": "03_revenue",
    "04_mql_classifier": "04_mql",
}
EXAMPLES = paths.DATASETS / "examples"

# --------------------------------------------------------------------------- fast: no run


@pytest.mark.parametrize("shape", SHAPES)
def test_draft_finds_the_shape(shape, tmp_path):
    """``init`` recognises what matters in each shape; the draft is a valid org.yml."""
    org = org_copy(shape, tmp_path)
    cfg = parse_org_config(yaml_load(draft_org_config(exports(org))))
    edited = load_org_config(org)
    assert set(cfg.files) == set(edited.files)
    for table, spec in edited.files.items():
        assert cfg.files[table].from_ == spec.from_ and cfg.files[table].row_ids == spec.row_ids
        assert cfg.files[table].delimiter == spec.delimiter
    if "opportunities" in edited.columns and "outcome" in edited.values.get("opportunities", {}):
        named = edited.columns["opportunities"].get("outcome", "outcome")
        assert cfg.columns["opportunities"]["outcome"] == named
        assert cfg.values["opportunities"]["outcome"] == edited.values["opportunities"]["outcome"]
    assert set(edited.na_values) <= set(cfg.na_values)


@pytest.mark.parametrize("shape", SHAPES[:4])
def test_the_documented_example_is_the_tested_config(shape):
    """datasets/examples/<shape>/org.yml maps exactly as the test org does, and loads."""
    example = EXAMPLES / shape
    assert load_org_config(example) == load_org_config(paths.REPO_ROOT / "tests" / "shapes" / shape)
    assert (example / "README.md").is_file()
    data = load_org(example)
    assert len(data.leads) > 0


@pytest.mark.parametrize("shape", SHAPES)
def test_check_decisions_match_the_expected_runs(shape, tmp_path):
    data = load_org(org_copy(shape, tmp_path))
    ready = assess(data)
    assert {d.notebook for d in ready.modules() if d.runs} == EXPECTED_RUNS[shape]


# --------------------------------------------------------------------------- the runs


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("shape", SHAPES)
def test_init_check_run_exit_zero(shape, shape_run):
    run = shape_run(shape)
    assert (run.init_code, run.check_code, run.run_code) == (0, 0, 0)
    assert run.draft.startswith("## Drafted by `alignment-edge init`")


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("shape", SHAPES)
def test_runnable_modules_ran_and_the_others_say_why(shape, shape_run):
    run = shape_run(shape)
    summary = run.summary
    ready = assess(load_org(run.org))
    for nb, key in MODULE_KEYS.items():
        entry = summary.get(key, {})
        assert (run.out / f"{nb}.ipynb").is_file() and (run.out / f"{nb}.html").is_file(), nb
        if nb in EXPECTED_RUNS[shape]:  # executed: its figures, not a lone skip reason
            assert set(entry) != {"skipped"} and len(entry) > 2, (nb, entry)
        else:
            assert entry == {"skipped": ready.skip_reason(nb)}, (nb, entry)
            page = (run.out / f"{nb}.html").read_text(encoding="utf-8")
            assert "Not run" in page and "What this module needs" in page
    assert summary["_run"]["notebooks"] == sorted(MODULE_KEYS)
    figures = summary["00_data_check"]
    assert set(figures["modules_runnable"]) == {MODULE_KEYS[n] for n in EXPECTED_RUNS[shape]}


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_opportunity_only_recovers_the_planted_margin_and_route(shape_run):
    from make_shapes import MARGIN

    summary = shape_run("opportunity_only").summary
    assert summary["03_revenue"]["gross_margin"] == pytest.approx(MARGIN, abs=0.001)
    assert "Direct" in summary["01_icp"]["icp_rule"]  # planted: Direct wins 65% vs 30%


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_stage_gaps_funnel_has_no_sal_stage(shape_run):
    conv = shape_run("stage_gaps").summary["02_funnel"]["stage_conversion"]
    assert not any("sal" in step.split("->") for step in conv)
    assert any(step.startswith("mql->sql") or step.startswith("inquiry->mql") for step in conv)


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_row_ids_and_opt_out_flags_reach_the_report(shape_run):
    from helpers.data import read_tables

    contacts = read_tables(shape_run("no_id_contacts").out)
    assert contacts.leads["lead_id"].tolist()[:2] == ["2", "3"] and len(contacts.leads) == 500
    leads = read_tables(shape_run("lead_only").out).leads
    assert leads["do_not_email"].dtype == bool or str(leads["do_not_email"].dtype) == "boolean"
    assert "email" not in leads.columns
