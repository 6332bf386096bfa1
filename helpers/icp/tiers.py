"""Step 4 of the ICP: fit score and tier A-D of accounts and leads (stable API).

``assign_tiers(accounts, icp)`` and ``assign_lead_tiers(leads, account_tiers, icp)`` take
the content of ``icp.yml`` (:func:`helpers.icp.read_icp`) or a fitted model; modules 2 and
4 call them and they keep their signatures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.icp.attributes import Attribute
from helpers.icp.bands import EMPLOYEE_EDGES, LOCATION_EDGES, REVENUE_EDGES
from helpers.icp.firmographics import account_segments
from helpers.icp.labels import (
    OTHER_SMALL,
    PERSONA,
    TIERS,
    UNKNOWN,
    label_codes,
    label_isin,
    label_values,
    relabel,
)
from helpers.icp.model import IcpModel, condition_mask
from helpers.icp.titles import normalise_function, normalise_seniority


def as_icp_dict(icp: IcpModel | dict) -> dict:
    """The ICP definition as plain data: ``icp.yml``'s content, or a model turned into it."""
    if isinstance(icp, IcpModel):
        # imported here: the artifact's tier evidence scores with this module (a cycle)
        from helpers.icp.artifact import icp_artifact

        return icp_artifact(icp)
    if not isinstance(icp, dict) or "fit_model" not in icp or "tiers" not in icp:
        raise ValueError(
            "This is not an ICP definition: expected the content of icp.yml (read_icp)."
        )
    return icp


def score_segments(segments: pd.DataFrame, icp: IcpModel | dict) -> pd.Series:
    """Fit score (predicted win rate, 0-1) of rows that carry segment columns.

    Account dimensions the rows lack count as ``Unknown``; dimensions known per deal or
    lead only (``fit_model.deal_effects``) count at their average effect unless the rows
    carry them (deals, leads of a lead-level attribute).
    """
    icp = as_icp_dict(icp)
    fm = icp["fit_model"]
    eta = np.full(len(segments), float(fm["intercept"]))
    kept = icp.get("segmentation", {}).get("kept_segments", {})
    for d, coefs in fm["coefficients"].items():
        if d not in segments:
            eta += float(coefs.get(UNKNOWN, 0.0) or 0.0)
            continue
        eta += _effects(segments[d], coefs, kept.get(d))
    means = fm.get("deal_means") or {}
    for d, coefs in (fm.get("deal_effects") or {}).items():
        if d in segments:
            eta += _effects(segments[d], coefs, kept.get(d)) - float(means.get(d, 0.0) or 0.0)
    return pd.Series(1 / (1 + np.exp(-eta)), index=segments.index, name="fit_score")


def _effects(labels: pd.Series, coefs: dict, kept: list[str] | None) -> np.ndarray:
    """Each row's log-odds effect; labels too small to stand alone take the pooled one."""
    keep = set(kept) | {UNKNOWN} if kept is not None else None
    table = {}
    for label in label_codes(labels)[1]:
        key = label if keep is None or label in keep else OTHER_SMALL
        table[label] = float(coefs.get(key, 0.0) or 0.0)
    return label_values(labels, table)


def tier_of(scores: pd.Series, cutoffs: dict[str, float]) -> pd.Series:
    """Tier A-D of each fit score from the tiers' minimum scores."""
    s = pd.Series(scores, dtype="float64")
    tol = 1e-5  # cut-offs are stored rounded in icp.yml: an exactly average account stays in B
    labels = np.select(
        [s >= cutoffs["A"] - tol, s >= cutoffs["B"] - tol, s >= cutoffs["C"] - tol],
        ["A", "B", "C"],
        default="D",
    )
    out = pd.Series(
        pd.Categorical(labels, categories=list(TIERS), ordered=True), index=s.index, name="tier"
    )
    return out.where(s.notna())


def assign_tiers(
    accounts: pd.DataFrame, icp: IcpModel | dict, *, sic_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Fit score, tier A-D and ICP membership of every account.

    Stable API (module 2 and module 4 call it with the content of ``icp.yml``).

    Parameters
    ----------
    accounts : DataFrame
        Canonical accounts (``account_id`` and whichever of ``sic_code``,
        ``industry``, ``employees``, ``annual_revenue``, ``locations``,
        ``region``, ``country`` exist). Missing attributes count as ``Unknown``.
    icp : dict or IcpModel
        ``read_icp(output_dir)`` or a fitted model.
    sic_table : DataFrame, optional
        SIC reference table.

    Returns
    -------
    DataFrame
        ``account_id``, ``fit_score`` (predicted win rate of a deal with the
        account, 0-1), ``tier`` (ordered A > B > C > D), ``in_icp`` (meets every
        condition of the ICP rule on the accounts' own attributes; False when the rule
        names only deal or buyer attributes).
    """
    icp = as_icp_dict(icp)
    if "account_id" not in accounts:
        raise ValueError("The accounts table needs an account_id column to be given tiers.")
    seg_cfg = icp.get("segmentation", {})
    edges = seg_cfg.get("edges", {})
    attributes = {
        d: Attribute.from_dict(d, a)
        for d, a in (seg_cfg.get("attributes") or {}).items()
        if a.get("table") == "accounts"
    }
    segs, _ = account_segments(
        accounts,
        sic_table=sic_table,
        employee_edges=edges.get("employees", EMPLOYEE_EDGES),
        revenue_edges=edges.get("annual_revenue", REVENUE_EDGES),
        location_edges=edges.get("locations", LOCATION_EDGES),
        attributes=attributes,
    )
    score = score_segments(segs, icp)
    cut = icp["tiers"]["cutoffs"]
    conds = [c for c in icp["rule"]["conditions"] if c["dimension"] in segs]
    out = pd.DataFrame(
        {
            "account_id": segs["account_id"].astype("str"),
            "fit_score": score.to_numpy(),
            "tier": tier_of(score, cut).to_numpy(),
            "in_icp": condition_mask(segs, conds).to_numpy() if conds else False,
        },
        index=accounts.index,
    )
    return out


def assign_lead_tiers(
    leads: pd.DataFrame, account_tiers: pd.DataFrame, icp: IcpModel | dict | None = None
) -> pd.DataFrame:
    """Carry account fit and tier to leads, and flag leads whose title fits the buyer profile.

    Stable API.

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (``lead_id``, ``account_id``, optionally ``job_title``).
    account_tiers : DataFrame
        Output of :func:`assign_tiers`.
    icp : dict or IcpModel, optional
        Gives the winning seniorities/functions for ``persona_match``.

    Returns
    -------
    DataFrame
        ``lead_id, account_id, fit_score, tier, in_icp, seniority, function,
        persona_match``. A lead without a known account has no score and no tier
        (NA). ``persona_match`` is True when the title's seniority and function
        are among the winning ones (a buyer dimension without winners does not
        restrict); NA without a title column.
    """
    out = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()})
    out["account_id"] = (
        leads["account_id"].to_numpy()
        if "account_id" in leads
        else pd.array([pd.NA] * len(leads), "str")
    )
    at = account_tiers[["account_id", "fit_score", "tier", "in_icp"]].drop_duplicates("account_id")
    out = out.merge(at, on="account_id", how="left")  # a left merge keeps the leads' order
    out["fit_score"] = out["fit_score"].astype("float64")
    out["tier"] = pd.Categorical(out["tier"], categories=list(TIERS), ordered=True)
    out["in_icp"] = out["in_icp"].astype("boolean").fillna(False)
    if "job_title" in leads:
        titles = leads["job_title"].reset_index(drop=True)
        out["seniority"] = normalise_seniority(titles).array
        out["function"] = normalise_function(titles).array
        match = np.ones(len(out), dtype=bool)
        personas = {}
        if icp is not None:
            personas = as_icp_dict(icp).get("personas", {})
        raw = relabel(titles, lambda c: c.strip() or UNKNOWN)
        for d in PERSONA:
            segs = (personas.get(d) or {}).get("segments") or []
            if segs:
                match &= label_isin(raw if d == "job_title" else out[d], segs)
        out["persona_match"] = pd.array(match, dtype="boolean")
    else:
        out["seniority"] = UNKNOWN
        out["function"] = UNKNOWN
        out["persona_match"] = pd.array([pd.NA] * len(out), "boolean")
    return out
