"""Lead fit: which lost leads were low-fit (the marketing side of a leak).

With the ICP agreed in module 1 (``icp.yml``) a lead is low-fit when its account's tier
is C or D and its contact does not match the winning buyer profile; without it, a fit
proxy is fitted on the org's own outcomes (:func:`fit_proxy`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.funnel.conversion import eligibility, span_window
from helpers.funnel.journeys import Journeys, default_start, default_target

FIT_TIERS = ["A", "B", "C", "D"]
LOW_FIT_TIERS = ("C", "D")


def _bands(x: pd.Series, edges: list[float], labels: list[str]) -> pd.Series:
    return pd.cut(pd.to_numeric(x, errors="coerce"), bins=[-np.inf, *edges, np.inf], labels=labels,
                  right=False).astype("string")


def _account_dimensions(accounts: pd.DataFrame) -> dict[str, pd.Series]:
    """Firmographic segments per ``account_id``: 2-digit SIC group (or industry), employee
    band, revenue quartile and region (or country), for the columns the accounts have."""
    acc = accounts
    dims = {}
    if "sic_code" in acc.columns and acc["sic_code"].notna().any():
        dims["sic_group"] = acc["sic_code"].astype("string").str[:2]
    elif "industry" in acc.columns and acc["industry"].notna().any():
        dims["industry"] = acc["industry"].astype("string").str.lower()
    if "employees" in acc.columns and acc["employees"].notna().any():
        dims["employees"] = _bands(acc["employees"], [50, 200, 1000, 5000], ["<50", "50-199", "200-999", "1000-4999", "5000+"])
    if "annual_revenue" in acc.columns and acc["annual_revenue"].notna().any():
        q = acc["annual_revenue"].quantile([0.25, 0.5, 0.75]).tolist()
        if len(set(q)) == 3:
            dims["revenue"] = _bands(acc["annual_revenue"], q, ["Q1", "Q2", "Q3", "Q4"])
    for c in ("region", "country"):
        if c in acc.columns and acc[c].notna().any():
            dims[c] = acc[c].astype("string")
            break
    return dims


def _lead_segments(journeys: Journeys, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """What is known of each journey row before sales works it: its account's segments
    and its job title's seniority and function (one column per dimension)."""
    t = journeys.table
    acc = pd.DataFrame()
    if accounts is not None and "account_id" in t.columns and "account_id" in accounts.columns:
        acc = accounts.drop_duplicates("account_id").set_index("account_id")
    dims = _account_dimensions(acc)
    seg = pd.DataFrame(dims).reindex(t["account_id"].astype("string").to_numpy()) if dims else pd.DataFrame(index=range(len(t)))
    seg.index = t.index
    if "job_title" in t.columns and t["job_title"].notna().any():
        from helpers.icp import normalise_function, normalise_seniority

        titles = t["job_title"].astype("string")
        uniq = pd.Series(titles.dropna().unique(), dtype="string")  # normalise each title once
        sen = dict(zip(uniq, normalise_seniority(uniq).astype("string")))
        fun = dict(zip(uniq, normalise_function(uniq).astype("string")))
        seg["seniority"] = titles.map(sen).astype("string").to_numpy()
        seg["function"] = titles.map(fun).astype("string").to_numpy()
    return seg


def _fit_outcome(journeys: Journeys, min_outcomes: int) -> tuple[np.ndarray, np.ndarray]:
    """(eligible, converted) for the fit: becoming a customer, or reaching the sales
    target when there are fewer than ``min_outcomes`` wins."""
    stages = journeys.stages
    start = default_start(stages)
    _, elig, conv = eligibility(journeys, f"{start}->{stages[-1]}", span_window(journeys, start, stages[-1]))
    if conv[elig].sum() < min_outcomes:
        target = default_target(stages)
        _, elig, conv = eligibility(journeys, f"{start}->{target}", span_window(journeys, start, target))
    return elig, conv


def _cross_fitted(X: np.ndarray, elig: np.ndarray, conv: np.ndarray, folds: int) -> np.ndarray:
    """Predicted chance of every row: out of fold for the ``elig`` rows (each fold scored by a
    model fitted on the others), by the model of all ``elig`` rows for the rest."""
    from sklearn.linear_model import LogisticRegression

    def fitted(rows):
        y = conv[rows]
        if y.all() or not y.any():
            return None
        return LogisticRegression(C=1.0, max_iter=1000).fit(X[rows], y)

    full = fitted(elig)
    p = full.predict_proba(X)[:, 1] if full is not None else np.full(len(X), conv[elig].mean())
    idx = np.flatnonzero(elig)
    fold = np.arange(idx.size) % max(folds, 2)  # rows in time order: every fold spans the history
    for f in range(max(folds, 2)) if folds > 1 else ():
        train = np.zeros(len(X), dtype=bool)
        train[idx[fold != f]] = True
        model = fitted(train) if (fold == f).any() else None
        if model is not None:
            p[idx[fold == f]] = model.predict_proba(X[idx[fold == f]])[:, 1]
    return p


def fit_proxy(
    journeys: Journeys,
    accounts: pd.DataFrame | None,
    *,
    prior: float = 20.0,
    min_outcomes: int = 50,
    folds: int = 3,
) -> pd.DataFrame:
    """A fit score per lead, for orgs without an agreed ICP (``icp.yml``).

    A logistic regression of becoming a customer (old-enough leads from the start stage
    to the last stage; reaching the sales target when there are fewer than
    ``min_outcomes`` wins) on what is known of the lead before sales works it: its
    account's 2-digit SIC group (or industry), employee band, revenue quartile and
    region/country, and its job title's seniority and function (the article's ICP
    includes job titles). Segments with fewer than ``prior`` leads are pooled as "other".
    The fit lift is the predicted chance over the average; tiers: A >= 1.25, B >= 2/3,
    C >= 1/3, D below; C and D (less than two-thirds of the average chance) are low-fit.
    The leads the model learns from are scored out of fold (``folds``-fold cross-fitting),
    so a segment that lost by chance is not called low-fit by the outcomes it is judged on.

    Returns
    -------
    DataFrame: ``lead_id``, ``fit_lift``, ``tier`` (missing when nothing is known of the
    lead), one row per journey row.
    """
    t = journeys.table
    out = pd.DataFrame({"lead_id": t["lead_id"], "fit_lift": np.nan, "tier": pd.Series(pd.NA, index=t.index, dtype="string")})
    seg = _lead_segments(journeys, accounts)
    if seg.shape[1] == 0:
        return out
    elig, conv = _fit_outcome(journeys, min_outcomes)
    if elig.sum() == 0 or conv[elig].sum() == 0:
        return out
    cats = []
    for name, col in seg.items():
        col = pd.Series(col, index=t.index).astype("string")
        counts = col[elig].value_counts()
        keep = counts[counts >= prior].index
        cats.append(col.where(col.isin(keep) | col.isna(), "other").fillna("unknown").rename(name))
    X = pd.get_dummies(pd.concat(cats, axis=1), dtype=float).to_numpy()
    p = _cross_fitted(X, elig, conv, folds)
    fit = pd.Series(p / p[elig].mean(), index=t.index)
    known = pd.concat(cats, axis=1).ne("unknown").any(axis=1)
    fit = fit.where(known)
    out["fit_lift"] = fit.to_numpy()
    tier = np.select([fit >= 1.25, fit >= 2 / 3, fit >= 1 / 3], ["A", "B", "C"], "D")
    out["tier"] = pd.Series(tier, index=t.index, dtype="string").where(known)
    return out


def buyer_profile(icp: dict | None) -> dict[str, list[str]]:
    """The winning buyer segments of an agreed ICP (``icp.yml: personas``), per dimension
    (seniority, function); empty when the ICP names no buyer profile."""
    personas = (icp or {}).get("personas") or {}
    return {d: list((v or {}).get("segments") or []) for d, v in personas.items() if (v or {}).get("segments")}


def low_fit_flags(journeys: Journeys, accounts: pd.DataFrame | None, icp: dict | None = None) -> tuple[pd.Series, str]:
    """Low-fit flag of every journey row, and a sentence saying where it came from.

    With the agreed ICP (``icp.yml`` from module 1): the account's tier is C or D
    (:func:`helpers.icp.assign_tiers`) and the contact's title does not match the winning
    buyer profile (``persona_match`` of :func:`helpers.icp.assign_lead_tiers`). An ICP
    with no buyer profile (module 1 found that titles do not matter) exempts no one: an
    empty profile matches no title, so fit is the account tier alone. Without ``icp.yml``:
    tiers C/D of :func:`fit_proxy`. Leads with nothing to judge them by are not low-fit.
    """
    t = journeys.table
    has_acc = accounts is not None and "account_id" in t.columns and t["account_id"].notna().any()
    if icp is not None and has_acc:
        from helpers import icp as icp_mod

        tiers = icp_mod.assign_tiers(accounts, icp)
        leads = t[["lead_id", "account_id"] + (["job_title"] if "job_title" in t.columns else [])]
        lt = icp_mod.assign_lead_tiers(leads, tiers, icp)
        low = lt["tier"].astype("string").isin(LOW_FIT_TIERS).fillna(False).to_numpy(bool)
        if not buyer_profile(icp):
            return pd.Series(low, index=t.index), (
                "ICP tiers C/D (agreed icp.yml; it names no buyer profile, so the account tier alone decides)"
            )
        persona = lt["persona_match"].astype("boolean").fillna(False).to_numpy(bool)
        return pd.Series(low & ~persona, index=t.index), (
            "ICP tiers C/D (agreed icp.yml) without the winning buyer profile"
        )
    fp = fit_proxy(journeys, accounts)
    if fp["tier"].isna().all():
        return pd.Series(False, index=t.index), "no account or job-title data: no lead is classed low-fit"
    return pd.Series(fp["tier"].isin(LOW_FIT_TIERS).fillna(False).to_numpy(bool), index=t.index), (
        "tiers C/D of a fit proxy from firmographics and job titles (no icp.yml yet: run module 1 to use the agreed ICP)"
    )
