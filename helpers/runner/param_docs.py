"""The reference of every notebook parameter: ``docs/parameters.md`` and ``alignment-edge params``.

Each notebook's ``parameters`` cell carries one literal per line with a comment saying what it
means; :func:`parameter_rows` reads those cells (the name, the module, the default and the
meaning), and :data:`WHEN_TO_CHANGE` adds when an analyst should change each one. The
reference page is generated (``python -m helpers.runner.param_docs`` rewrites
``docs/parameters.md``) and a test keeps it equal to what the notebooks declare.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.core import paths

PAGE = "parameters.md"

#: When to change each parameter (by name; a name means the same in every notebook).
WHEN_TO_CHANGE: dict[str, str] = {
    # every notebook
    "org_dir": "Never by hand: the runner sets it to the organization folder.",
    "output_dir": "Never by hand: the runner sets it to the report folder.",
    "seed": "Only to check that a result does not hinge on one random draw.",
    # 00 data check
    "examples": "Raise it to see more example rows of each quality problem.",
    "top_missing": "Raise it for exports with many columns.",
    # 01 ICP
    "min_segment_size": "Lower it (not below about 15) for small exports; raise it when "
    "segments with few deals keep coming out.",
    "significance": "Lower it (0.05) to name only the strongest dimensions.",
    "max_rule_conditions": "Lower it for a simpler rule sales can remember.",
    "icp_segments": "List the columns (mapped under `columns`) that describe a deal or a lead, "
    "e.g. route to market, product line, company size as text bands.",
    "tier_a_lift": "Raise it to keep tier A for the very best accounts.",
    "tier_b_lift": "Move it with tier A and C to reshape the tiers.",
    "tier_c_lift": "Lower it to send fewer accounts to tier D.",
    # 02 funnel
    "censor_days": "Set days when the 90th-percentile lag is distorted by a short history.",
    "cohort_freq": "Use \"Q\" for exports with few leads a month.",
    "target_stage": "Set \"sql\" or \"won\" when sales' job ends at another stage.",
    "sla_hours": "Set the first-response time the two teams agreed on.",
    "max_touches": "Raise it when reps routinely make more touches.",
    "min_gain": "Raise it to call the plateau earlier (a touch must add more).",
    "alert_window": "Raise it for a steadier normal range; lower it to react to recent change.",
    "alert_sd": "Lower it for more (noisier) alerts.",
    "min_rep_leads": "Lower it for small teams; raise it to judge reps on more leads.",
    "owner_alpha": "Lower it to name only reps whose under-working is beyond doubt.",
    "alignment_start": "Set the date the joint funnel meetings (or SLA) began to measure "
    "before/after.",
    # 03 revenue
    "n_draws": "Lower it for a quick look; the intervals get noisier.",
    "revenue_plan": "Set the annual target when there is no plan table.",
    "plan_growth": "Set the growth leadership expects when there is no plan at all.",
    "deal_size": "Set the average won deal value when the export has no amounts.",
    "rate_window_months": "Shorten it when the funnel changed recently; lengthen it for small "
    "volumes.",
    "run_rate_months": "Shorten it after a recent change in lead volume.",
    "horizon_months": "Match the planning horizon of the business (12 to 36).",
    "lead_growth_monthly": "Set the growth marketing plans when the past trend is no guide.",
    "ramp_months": "Raise it for organizations that change slowly.",
    "touches_plateau": "Set the touches the teams agreed on when module 2 has no plateau.",
    "worked_fix": "Lower it for a cautious aligned scenario (part of the leads fixed).",
    "sla_fix": "Lower it for a cautious aligned scenario.",
    "lever_transition": "Name a transition (\"mql->sql\") to move another step than the biggest "
    "leak.",
    "gross_margin": "Set the business's gross margin when deals carry neither gross_margin nor "
    "gross_profit.",
    "contract_months": "Set the months a typical deal pays for (36 for three-year contracts).",
    "sales_cost_monthly": "Add the sales team's monthly cost for a full CAC.",
    "alignment_cost_monthly": "Set what the alignment programme costs a month.",
    "sensitivity_step": "Raise it to stress the drivers harder in the tornado chart.",
    "alignment_series": "Force \"close\" when cohorts are too young, \"cohort\" to follow "
    "leads.",
    "claim_sirius_growth": "Only if a primary source gives another figure.",
    "claim_sirius_profit": "Only if a primary source gives another figure.",
    "claim_sirius_3yr_revenue": "Only if a primary source gives another figure.",
    "claim_sirius_3yr_profit": "Only if a primary source gives another figure.",
    "claim_aberdeen_aligned": "Only if a primary source gives another figure.",
    "claim_aberdeen_misaligned": "Only if a primary source gives another figure.",
    "claim_idc_cost": "Only if a primary source gives another figure.",
    # 04 classifier
    "label_stage": "Set \"won\" for one-row-per-deal exports; \"sql\" when sales accept "
    "leads at SQL.",
    "horizon_days": "Set the usual time from lead to conversion (longer sales cycles: more).",
    "score_after_days": "Raise it to score after the first days' activity is known.",
    "conversions_recorded_from": "Set the date the CRM started recording conversions.",
    "test_share": "Lower it for small exports (more to train on).",
    "min_leads": "Lower it knowingly for small exports; the model is then less reliable.",
    "min_conversions": "Lower it knowingly for rare conversions.",
    "max_single_auc": "Lower it when a field that leaks the outcome slips through.",
    "max_plausible_auc": "Raise it only for a genuinely easy prediction.",
    "rule_tiers": "Set the ICP tiers the teams agreed to treat as MQLs.",
    "rule_min_touches": "Set the marketing touches the agreed MQL rule asks for.",
    "sales_reps": "Set the reps who work MQLs.",
    "leads_per_rep_per_week": "Set it when reps' weekly MQL capacity is known.",
    "touches_per_rep_per_week": "Set the touches a rep really makes in a week.",
    "weekly_leads": "Set the expected weekly lead volume when created_at is missing or "
    "misleading.",
    "cost_per_mql": "Set what working one MQL costs (time times rate).",
    "scorecard_features": "Lower it for a points table that fits on a slide.",
    "band_a": "Move the bands so that band A matches what sales can call first.",
    "band_b": "Move with band A and C.",
    "band_c": "Move with band A and B.",
    "psi_alert": "Lower it for earlier drift alerts.",
}


@dataclass(frozen=True)
class ParameterDoc:
    """One parameter of one notebook."""

    name: str
    notebook: str
    default: str
    meaning: str
    when: str


def parameter_rows(notebooks_dir: str | Path | None = None) -> list[ParameterDoc]:
    """Every parameter of every notebook, in notebook and cell order."""
    from helpers.runner.params import discover_notebooks, read_parameters

    rows = []
    for nb in discover_notebooks(notebooks_dir):
        for name, info in read_parameters(nb.path).items():
            rows.append(
                ParameterDoc(
                    name,
                    nb.key,
                    str(info.get("default", "")),
                    str(info.get("help") or ""),
                    WHEN_TO_CHANGE.get(name, ""),
                )
            )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(notebooks_dir: str | Path | None = None) -> str:
    """The text of ``docs/parameters.md``."""
    rows = parameter_rows(notebooks_dir)
    out = [
        "# Notebook parameters",
        "",
        "Generated from the notebooks' `parameters` cells by `python -m helpers.runner.param_docs`;",
        "a test fails when this page and the notebooks disagree. `alignment-edge params [MODULE]`",
        "prints the same table. Set a parameter for one organization under `parameters:` in its",
        "`org.yml`, or for one run with `alignment-edge run ORG -p name=value` (the notebook's",
        "default < `org.yml` < `-p`).",
    ]
    for key in dict.fromkeys(r.notebook for r in rows):
        out += ["", f"## {key}", "", "| name | default | meaning | when to change it |",
                "|---|---|---|---|"]
        out += [
            f"| `{r.name}` | `{_cell(r.default)}` | {_cell(r.meaning)} | {_cell(r.when)} |"
            for r in rows
            if r.notebook == key
        ]
    return "\n".join(out) + "\n"


def render_text(module: str | None = None, notebooks_dir: str | Path | None = None) -> str:
    """The parameters of one module (``"03"``, ``"03_revenue_growth"``) or of all, as text.

    Raises
    ------
    ValueError
        When ``module`` names no notebook.
    """
    rows = parameter_rows(notebooks_dir)
    keys = list(dict.fromkeys(r.notebook for r in rows))
    if module:
        chosen = [k for k in keys if k == module or k.split("_")[0] == module.zfill(2)]
        if not chosen:
            raise ValueError(f"no notebook '{module}'; choose one of {', '.join(keys)}.")
        keys = chosen
    out = []
    for key in keys:
        out.append(key)
        for r in (r for r in rows if r.notebook == key):
            out.append(f"  {r.name} = {r.default}")
            out.append(f"      {r.meaning}")
            if r.when:
                out.append(f"      When to change it: {r.when}")
        out.append("")
    return "\n".join(out)


def write_page(docs_dir: str | Path | None = None) -> Path:
    """Rewrite ``docs/parameters.md`` from the notebooks."""
    path = Path(docs_dir or paths.DOCS) / PAGE
    path.write_text(render_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write_page()}")
