"""The figures module 1 records in ``summary.json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core.report import plain
from helpers.icp.inputs import IcpInputs, skipped_sentences
from helpers.icp.model import IcpModel
from helpers.icp.segments import top_segments


@dataclass
class IcpResult:
    """Everything module 1 produced, for its ``summary.json`` figures.

    Attributes
    ----------
    inputs : IcpInputs
        From :func:`helpers.icp.prepare_icp`.
    model : IcpModel
        From :func:`helpers.icp.fit_icp`.
    tables : DataFrame
        From :func:`helpers.icp.segment_tables`.
    icp_def : dict
        The ``icp.yml`` content (:func:`helpers.icp.icp_artifact` with ``inputs``).
    """

    inputs: IcpInputs
    model: IcpModel
    tables: pd.DataFrame
    icp_def: dict[str, Any]


def summary_figures(result: IcpResult, n_top: int = 5) -> dict:
    """Key figures of module 1 for ``summary.json`` (plain, rounded values).

    Parameters
    ----------
    result : IcpResult
        The module's inputs, fitted model, segment tables and ``icp.yml`` content.
    n_top : int
        How many top segments to record.

    Returns
    -------
    dict
        Plain JSON values (the keys are listed in the README's ``01_icp`` row).
    """
    inputs, model, icp = result.inputs, result.model, result.icp_def
    ev = icp["rule"].get("evidence", {})
    top = top_segments(result.tables, n=n_top)
    conds = {c.dimension: c for c in model.conditions}
    fig: dict[str, Any] = {
        "outcome_source": inputs.outcome_source,
        "closed_opportunities": int(len(inputs.deals)),
        "overall_win_rate": plain(model.overall_win_rate, 3),
        "top_segments": [
            {
                "dimension": r["dimension"],
                "segment": r["segment"],
                "win_rate": plain(r["win_rate"], 3),
                "ci_low": plain(r["ci_low"], 3),
                "ci_high": plain(r["ci_high"], 3),
                "lift": plain(r["lift"], 2),
                "opportunities": int(r["opportunities"]),
            }
            for _, r in top.iterrows()
        ],
        "icp_rule": model.rule_text,
        "icp_conditions": {c.dimension: list(c.segments) for c in model.conditions},
        "icp_industry_codes": conds["sic_major_group"].codes
        if "sic_major_group" in conds
        else None,
        "icp_employee_range": [conds["employee_band"].low, conds["employee_band"].high]
        if "employee_band" in conds
        else None,
        "icp_coverage_accounts": plain(ev.get("accounts_share"), 3),
        "icp_coverage_leads": plain(ev.get("leads_share"), 3),
        "icp_coverage_opportunities": plain(ev.get("opportunities_share"), 3),
        "icp_win_rate": plain(ev.get("win_rate"), 3),
        "icp_win_rate_ci": [plain(ev.get("ci_low"), 3), plain(ev.get("ci_high"), 3)],
        "icp_outside_win_rate": plain(ev.get("outside_win_rate"), 3),
        "icp_lift": plain(ev.get("lift"), 2),
        "icp_revenue_share": plain(ev.get("won_revenue_share"), 3),
        "icp_evidence": {
            d: {
                "segments": list(e["segments"]),
                "odds_ratio": plain(e["odds_ratio"], 2),
                "p_value": plain(e["p_value"], 4),
            }
            for d, e in model.evidence.items()
        },
        "winning_seniorities": list(model.personas.get("seniority", []))
        if "seniority" in model.personas
        else None,
        "winning_functions": list(model.personas.get("function", []))
        if "function" in model.personas
        else None,
        "tiers_accounts": {t: e["accounts"] for t, e in icp["tiers"].get("evidence", {}).items()},
        "tiers_win_rate": {t: e["win_rate"] for t, e in icp["tiers"].get("evidence", {}).items()},
        "skipped": skipped_sentences(inputs),
    }
    # keys that only exist for some exports (the sample's figures stay as they are)
    if "job_title" in model.personas:
        fig["winning_job_titles"] = list(model.personas["job_title"])
    if inputs.attributes:
        fig["attributes"] = {
            d: {"table": a.table, "kind": a.kind, "in_rule": d in conds}
            for d, a in inputs.attributes.items()
        }
    return fig
