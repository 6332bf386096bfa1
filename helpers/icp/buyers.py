"""The buyer of each closed outcome: the lead's job title read as seniority and function.

:func:`join_buyers` finds each outcome's lead (or, when the opportunities name none, the
only lead of its account) and segments its title; a "title" column that holds occupations
or categories (most values read as neither a seniority nor a function) is segmented by its
raw values instead (:func:`title_segments`).
"""

from __future__ import annotations

import pandas as pd

from helpers.data import isin_values
from helpers.icp.attributes import has_values
from helpers.icp.labels import FIRMOGRAPHIC, UNKNOWN, fill_unknown, relabel
from helpers.icp.titles import normalise_function, normalise_seniority


def join_buyers(
    deals: pd.DataFrame,
    leads: pd.DataFrame | None,
    account_segs: pd.DataFrame | None,
    dims: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str], dict[str, str]]:
    """The buyer's seniority and function on each outcome; every lead's segments.

    Parameters
    ----------
    deals : DataFrame
        Closed outcomes with their firmographic columns (:func:`join_accounts`).
    leads : DataFrame or None
        Canonical leads.
    account_segs : DataFrame or None
        The accounts' segments (carried to the leads, with ``has_account``).
    dims : list of str
        The firmographic dimensions of ``deals``.

    Returns
    -------
    (deals, lead_segments, persona_dimensions, skipped)
        ``lead_segments`` is ``None`` without leads; ``persona_dimensions`` is
        ``["seniority", "function"]`` when the outcomes name their buyer (``["job_title"]``
        when the titles are occupations or categories, see :func:`title_segments`), else
        empty.
    """
    skipped: dict[str, str] = {}
    persona: list[str] = []
    if leads is None or not len(leads):
        skipped["titles"] = (
            "There is no leads table, so job-title segments and revenue per lead are skipped."
        )
        return deals, None, persona, skipped
    lead_seg = pd.DataFrame({"lead_id": leads["lead_id"].astype("str").to_numpy()})
    lead_seg["account_id"] = (
        leads["account_id"].astype("str").to_numpy()
        if "account_id" in leads
        else pd.array([pd.NA] * len(leads), "str")
    )
    if has_values(leads, "job_title"):
        titles = leads["job_title"].reset_index(drop=True)
        lead_seg, persona, note = title_segments(lead_seg, titles)
        if note:
            skipped["titles"] = note
        buyer, via_account = _buyer_keys(deals, leads)
        if buyer.notna().any():
            found = lead_seg[["lead_id", *persona]].drop_duplicates("lead_id")
            found = found.set_index("lead_id").reindex(buyer.to_numpy())
            for d in persona:
                deals[d] = fill_unknown(found[d].reset_index(drop=True)).array
            if via_account:
                skipped["buyer"] = (
                    "The opportunities do not name their lead (lead_id), so each takes the job "
                    f"title of its account's only lead ({int(buyer.notna().sum()):,} of "
                    f"{len(deals):,} closed outcomes)."
                )
        else:
            persona = []
            skipped["titles"] = (
                "The opportunities do not name their lead (lead_id), so job-title segments are skipped."
            )
    else:
        skipped["titles"] = (
            "leads has no job_title values, so seniority and function segments are skipped."
        )
    if account_segs is not None:
        fdims = [d for d in dims if d in FIRMOGRAPHIC]
        lead_seg["has_account"] = isin_values(lead_seg["account_id"], account_segs["account_id"])
        lead_seg = lead_seg.merge(account_segs[["account_id", *fdims]], on="account_id", how="left")
        for d in fdims:
            lead_seg[d] = fill_unknown(lead_seg[d])
    return deals, lead_seg, persona, skipped


#: Above this share of known titles reading as no seniority and no function, the column is
#: taken for occupations or categories and segmented by its raw values.
RAW_TITLE_SHARE = 0.5


def title_segments(
    lead_seg: pd.DataFrame, titles: pd.Series
) -> tuple[pd.DataFrame, list[str], str | None]:
    """Seniority and function of every lead, or the raw titles when most read as neither.

    A "job title" column that holds occupations ("Student", "Unemployed") or categories
    sends most values to seniority "Individual" and function "other": segmenting those
    two would hide every difference, so the raw values become the ``job_title``
    dimension instead, and a sentence says so.
    """
    seniority = normalise_seniority(titles)
    function = normalise_function(titles)
    known = titles.notna().to_numpy() & (titles.astype("str").str.strip() != "").to_numpy()
    plain = (seniority.astype("object") == "Individual") & (function.astype("object") == "other")
    share = float(plain.to_numpy()[known].mean()) if known.any() else 0.0
    if share < RAW_TITLE_SHARE:
        lead_seg["seniority"] = seniority.cat.as_ordered().array
        lead_seg["function"] = function.array
        return lead_seg, ["seniority", "function"], None
    lead_seg["job_title"] = relabel(titles, lambda c: c.strip() or UNKNOWN).array
    examples = ", ".join(f"'{t}'" for t in titles[known].astype("str").value_counts().index[:3])
    note = (
        f"{share:.0%} of the job titles ({examples}, ...) name no seniority and no function: "
        "the column holds occupations or categories rather than titles, so it is segmented "
        "by its raw values instead."
    )
    return lead_seg, ["job_title"], note


def _buyer_keys(deals: pd.DataFrame, leads: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Each outcome's buyer (a ``lead_id``), and whether it was found through the account.

    Outcomes that name no lead at all take their account's lead when the account has
    exactly one (an export linking deals to accounts, and accounts to one contact).
    """
    buyer = deals["lead_id"].reset_index(drop=True)
    if buyer.notna().any() or "account_id" not in leads or not deals["account_id"].notna().any():
        return buyer, False
    acc = leads[["account_id", "lead_id"]].dropna().astype("str")
    single = acc.groupby("account_id")["lead_id"].agg(["first", "size"])
    single = single.loc[single["size"] == 1, "first"]
    mapped = deals["account_id"].astype("object").map(single).reset_index(drop=True)
    return mapped, bool(mapped.notna().any())
