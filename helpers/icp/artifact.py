"""The agreed ICP as plain data: ``icp.yml``, written by module 1 and read by the others.

:func:`icp_artifact` builds the definition section by section; :func:`write_icp` and
:func:`read_icp` (stable API) store and load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.report import plain, read_yaml, write_yaml
from helpers.icp.evidence import rule_evidence, tier_evidence
from helpers.icp.inputs import IcpInputs
from helpers.icp.labels import dimension_label
from helpers.icp.model import IcpModel
from helpers.icp.segments import top_segments

ICP_FILE = "icp.yml"
ICP_VERSION = 1


def icp_artifact(
    model: IcpModel,
    inputs: IcpInputs | None = None,
    tables: pd.DataFrame | None = None,
    *,
    org: str | None = None,
    currency: str | None = None,
    min_n: int | None = None,
) -> dict[str, Any]:
    """The agreed ICP as plain data (the content of ``icp.yml``).

    Keys: ``version``, ``org``, ``currency``, ``outcomes`` (what the win rates
    count), ``rule`` (``text``, ``conditions`` [dimension, label, segments,
    range or codes], ``evidence``), ``personas`` (seniority/function ->
    winning ``segments`` and their ``effects``), ``tiers`` (``lifts``,
    ``cutoffs`` = minimum fit score, ``evidence``), ``fit_model`` (``intercept``
    and log-odds ``coefficients`` per segment: fit score =
    1 / (1 + exp(-(intercept + sum of the account's segment effects))); and the
    ``evidence`` per kept dimension: segments, log-odds, std. error, odds ratio,
    statistic, threshold, search-corrected p-value; ``deal_effects`` and ``deal_means`` for
    dimensions known per deal or lead only),
    ``segmentation`` (band ``edges``, ``industry_dimension``,
    ``kept_segments``, ``min_segment_size``, the declared ``attributes``), ``evidence``
    (top segments).
    """
    art: dict[str, Any] = {"version": ICP_VERSION}
    if org is not None:
        art["org"] = org
    if currency is not None:
        art["currency"] = currency
    if inputs is not None:
        art["outcomes"] = {
            "source": inputs.outcome_source,
            "closed": int(len(inputs.deals)),
            "won": int(inputs.deals["won"].sum()),
            "open_excluded": int(inputs.open_excluded),
            "overall_win_rate": plain(model.overall_win_rate),
        }
    art["rule"] = {
        "text": model.rule_text,
        "conditions": [c.to_dict() for c in model.conditions],
    }
    art["personas"] = _personas(model)
    cut = model.tier_cutoffs
    art["tiers"] = {
        "definition": "Tier by fit score (predicted win rate): A, B, C need at least lifts x overall win rate.",
        "lifts": {k: plain(v) for k, v in model.tier_lifts.items()},
        "cutoffs": {k: plain(v, 6) for k, v in cut.items()},
    }
    art["fit_model"] = _fit_model(model)
    art["segmentation"] = {
        "industry_dimension": model.industry_dimension,
        "edges": {k: [float(e) for e in v] for k, v in model.edges.items()},
        "kept_segments": {d: list(v) for d, v in model.kept.items()},
        "min_segment_size": min_n,
    }
    if model.attributes:
        art["segmentation"]["attributes"] = {d: dict(a) for d, a in model.attributes.items()}
    if inputs is not None:
        art["rule"]["evidence"] = _rule_evidence(inputs, model)
        # scored with the definition built so far, as a later module reads it
        art["tiers"]["evidence"] = _tier_evidence(inputs, art)
    if tables is not None and not tables.empty:
        art["evidence"] = {"top_segments": _top_segments(tables)}
    return art


def _personas(model: IcpModel) -> dict[str, Any]:
    """Buyer dimension -> its winning segments and the log-odds effect of each segment."""
    return {
        d: {
            "label": dimension_label(d),
            "segments": list(model.personas.get(d, [])),
            "effects": {k: plain(v) for k, v in model.persona_effects.get(d, {}).items()},
        }
        for d in model.persona_effects
    }


def _fit_model(model: IcpModel) -> dict[str, Any]:
    """The fit model: intercept, log-odds per segment, and the evidence per kept dimension.

    Dimensions known per deal or lead only add ``deal_effects`` (log-odds per segment) and
    ``deal_means`` (their average, inside the intercept).
    """
    out = _account_fit_model(model)
    if model.deal_effects:
        out["deal_effects"] = {
            d: {k: plain(v, 6) for k, v in c.items()} for d, c in model.deal_effects.items()
        }
        out["deal_means"] = {d: plain(v, 6) for d, v in model.deal_means.items()}
    return out


def _account_fit_model(model: IcpModel) -> dict[str, Any]:
    """Intercept, account coefficients and evidence of the fit model."""
    return {
        "intercept": plain(model.intercept, 6),
        "coefficients": {
            d: {k: plain(v, 6) for k, v in c.items()} for d, c in model.coefficients.items()
        },
        "evidence": {
            d: {
                "segments": list(e["segments"]),
                "log_odds": plain(e["log_odds"]),
                "std_error": plain(e["std_error"]),
                "odds_ratio": plain(e["odds_ratio"], 3),
                "statistic": plain(e["statistic"], 2),
                "threshold": plain(e["threshold"], 2),
                "p_value": plain(e["p_value"], 5),
            }
            for d, e in model.evidence.items()
        },
    }


def _rule_evidence(inputs: IcpInputs, model: IcpModel) -> dict[str, Any]:
    """Coverage, win rate (with interval) and won revenue share inside the rule."""
    ev = rule_evidence(inputs, model)
    ins = ev.loc["inside ICP"]
    out = ev.loc["outside ICP"]
    return {
        "accounts_share": plain(ins["accounts_share"]),
        "leads_share": plain(ins["leads_share"]),
        "opportunities_share": plain(ins["opportunities_share"]),
        "opportunities": int(ins["opportunities"]),
        "win_rate": plain(ins["win_rate"]),
        "ci_low": plain(ins["ci_low"]),
        "ci_high": plain(ins["ci_high"]),
        "outside_win_rate": plain(out["win_rate"]),
        "lift": plain(ins["lift"]),
        "won_revenue_share": plain(ins["won_revenue_share"]),
    }


def _tier_evidence(inputs: IcpInputs, icp: dict[str, Any]) -> dict[str, Any]:
    """Per tier: accounts, leads, closed deals, actual win rate and won revenue share."""
    te = tier_evidence(inputs, icp)
    return {
        t: {
            "accounts": None if pd.isna(r["accounts"]) else int(r["accounts"]),
            "leads": None if pd.isna(r["leads"]) else int(r["leads"]),
            "opportunities": int(r["opportunities"]),
            "win_rate": plain(r["win_rate"]),
            "ci_low": plain(r["ci_low"]),
            "ci_high": plain(r["ci_high"]),
            "won_revenue_share": plain(r["won_revenue_share"]),
        }
        for t, r in te.iterrows()
    }


def _top_segments(tables: pd.DataFrame) -> list[dict[str, Any]]:
    """The ten best reliable segments (:func:`helpers.icp.top_segments`) as plain data."""
    return [
        {
            "dimension": r["dimension"],
            "segment": r["segment"],
            "opportunities": int(r["opportunities"]),
            "win_rate": plain(r["win_rate"]),
            "ci_low": plain(r["ci_low"]),
            "ci_high": plain(r["ci_high"]),
            "lift": plain(r["lift"]),
        }
        for _, r in top_segments(tables, n=10).iterrows()
    ]


def write_icp(icp: dict, output_dir: str | Path) -> Path:
    """Write the ICP definition to ``output_dir/icp.yml`` (atomically)."""
    return write_yaml(icp, Path(output_dir) / ICP_FILE)


def read_icp(output_dir: str | Path) -> dict | None:
    """Read ``output_dir/icp.yml`` (stable API for later modules).

    Returns
    -------
    dict or None
        The artifact (see :func:`icp_artifact` for its keys), or ``None`` when
        the file does not exist (the caller recomputes or skips).

    Raises
    ------
    ValueError
        When the file exists but is not an ICP definition of a known version.
    """
    path = Path(output_dir) / ICP_FILE
    if not path.is_file():
        return None
    icp = read_yaml(path)
    if not isinstance(icp, dict) or icp.get("version") != ICP_VERSION or "fit_model" not in icp:
        raise ValueError(
            f"{path} is not an ICP definition this version understands; rerun module 1."
        )
    return icp
