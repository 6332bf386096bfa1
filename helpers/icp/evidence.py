"""What the ICP buys: the rule's coverage and win rate, the coverage curve, tiers vs outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.icp.inputs import IcpInputs
from helpers.icp.model import IcpModel, condition_mask
from helpers.icp.segments import design_labels
from helpers.icp.tiers import as_icp_dict, score_segments, tier_of


def rule_evidence(inputs: IcpInputs, model: IcpModel) -> pd.DataFrame:
    """Inside vs outside the ICP rule: coverage, win rate with interval, revenue share.

    Returns
    -------
    DataFrame
        Rows ``inside ICP`` / ``outside ICP``; columns ``accounts_share``,
        ``leads_share``, ``opportunities``, ``opportunities_share``, ``wins``,
        ``win_rate``, ``ci_low``, ``ci_high``, ``lift``, ``won_revenue_share``.
    """
    deals = inputs.deals
    labels = design_labels(deals, [c.dimension for c in model.conditions], model.kept)
    inside = (
        condition_mask(labels, model.conditions)
        if model.conditions
        else pd.Series(False, index=deals.index)
    )
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    rows = []
    for name, m in (("inside ICP", inside), ("outside ICP", ~inside)):
        n = int(m.sum())
        w = int(won[m].sum())
        lo, hi = wilson_interval(w, n)
        rows.append(
            {
                "group": name,
                "opportunities": n,
                "opportunities_share": n / len(deals),
                "wins": w,
                "win_rate": w / n if n else np.nan,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "lift": (w / n) / won.mean() if n else np.nan,
                "won_revenue_share": float(rev[m].sum() / rev.sum()) if rev.sum() > 0 else np.nan,
            }
        )
    out = pd.DataFrame(rows).set_index("group")
    for frame, name in ((inputs.accounts, "accounts_share"), (inputs.leads, "leads_share")):
        if (
            frame is not None
            and model.conditions
            and all(c.dimension in frame for c in model.conditions)
        ):
            lab = design_labels(frame, [c.dimension for c in model.conditions], model.kept)
            share = float(condition_mask(lab, model.conditions).mean())
            out[name] = [share, 1 - share]
        else:
            out[name] = np.nan
    return out[
        [
            "accounts_share",
            "leads_share",
            "opportunities",
            "opportunities_share",
            "wins",
            "win_rate",
            "ci_low",
            "ci_high",
            "lift",
            "won_revenue_share",
        ]
    ]


def coverage_curve(inputs: IcpInputs, model: IcpModel | dict) -> pd.DataFrame:
    """Coverage vs win rate: segments (cells of equal fit score) from best to worst, cumulated.

    Each point answers "if marketing only passed leads from the best segments up
    to here, what share of leads would we keep, what win rate would sales see,
    and what share of won revenue would we keep?".

    Returns
    -------
    DataFrame
        One row per cell, best first: ``fit_score``, ``tier``, ``opportunities``,
        ``wins``, ``leads``, ``cum_opportunities_share``, ``cum_leads_share``
        (NaN without leads), ``cum_win_rate``, ``cum_revenue_share``.
    """
    icp = as_icp_dict(model)
    deals = inputs.deals
    score = score_segments(deals, icp)
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    key = score.round(10)
    cells = pd.DataFrame({"fit_score": key, "won": won, "rev": rev}).groupby("fit_score")
    curve = pd.DataFrame(
        {"opportunities": cells.size(), "wins": cells["won"].sum(), "revenue": cells["rev"].sum()}
    )
    if inputs.leads is not None and _carries_model(inputs.leads, icp):
        lscore = score_segments(inputs.leads, icp).round(10)
        curve["leads"] = lscore.value_counts().reindex(curve.index).fillna(0)
        lead_total = len(lscore)
    else:
        curve["leads"] = np.nan
        lead_total = np.nan
    curve = curve.sort_index(ascending=False).reset_index()
    curve["tier"] = tier_of(curve["fit_score"], icp["tiers"]["cutoffs"]).astype("str")
    curve["cum_opportunities_share"] = (
        curve["opportunities"].cumsum() / curve["opportunities"].sum()
    )
    curve["cum_leads_share"] = curve["leads"].cumsum() / lead_total
    curve["cum_win_rate"] = curve["wins"].cumsum() / curve["opportunities"].cumsum()
    total_rev = curve["revenue"].sum()
    curve["cum_revenue_share"] = curve["revenue"].cumsum() / total_rev if total_rev > 0 else np.nan
    return curve


def _carries_model(frame: pd.DataFrame, icp: dict) -> bool:
    """Whether ``frame`` carries every dimension the fit model weighs (with an effect)."""
    fm = icp["fit_model"]
    effects = {**fm["coefficients"], **(fm.get("deal_effects") or {})}
    return all(d in frame for d, e in effects.items() if any(v for v in e.values()))


def tier_evidence(inputs: IcpInputs, model: IcpModel | dict) -> pd.DataFrame:
    """Per tier: minimum fit score, accounts, leads, closed deals, actual win rate, revenue share.

    Leads are counted per tier only when they carry every dimension the model weighs (a
    deal's own field, such as how it was sold, is not known for a lead): NA otherwise.
    """
    icp = as_icp_dict(model)
    deals = inputs.deals
    tiers = tier_of(score_segments(deals, icp), icp["tiers"]["cutoffs"])
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    g = pd.DataFrame({"tier": tiers, "won": won, "rev": rev}).groupby("tier", observed=False)
    out = pd.DataFrame(
        {"opportunities": g.size(), "wins": g["won"].sum(), "revenue": g["rev"].sum()}
    )
    out.index = out.index.astype("str")
    out.insert(0, "min_fit_score", pd.Series(icp["tiers"]["cutoffs"]).reindex(out.index))
    for frame, name in ((inputs.accounts, "accounts"), (inputs.leads, "leads")):
        if frame is not None and (name == "accounts" or _carries_model(frame, icp)):
            t = tier_of(score_segments(frame, icp), icp["tiers"]["cutoffs"])
            if "has_account" in frame:
                t = t.where(frame["has_account"].to_numpy())
            out[name] = t.value_counts().reindex(out.index).fillna(0).astype("int64")
        else:
            out[name] = pd.array([pd.NA] * len(out), "Int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["win_rate"] = out["wins"] / out["opportunities"].replace(0, np.nan)
    lo, hi = wilson_interval(out["wins"], out["opportunities"])
    out["ci_low"], out["ci_high"] = lo, hi
    total = out["revenue"].sum()
    out["won_revenue_share"] = out["revenue"] / total if total > 0 else np.nan
    out.index.name = "tier"
    return out.drop(columns="revenue")[
        [
            "min_fit_score",
            "accounts",
            "leads",
            "opportunities",
            "wins",
            "win_rate",
            "ci_low",
            "ci_high",
            "won_revenue_share",
        ]
    ]
