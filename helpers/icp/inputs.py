"""Step 1 of the ICP: closed outcomes joined to their account and buyer, every dimension segmented.

:func:`prepare_icp` runs the steps in order: the closed outcomes
(:func:`closed_outcomes`: won/lost opportunities, or each lead's ``converted`` flag), their
account's firmographic segments (:func:`account_segments`, :func:`join_accounts`) and their
buyer's seniority and function (:func:`join_buyers`). Each step says, in one sentence per
dimension, what the data cannot feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.data import isin_values
from helpers.icp.bands import EMPLOYEE_EDGES, LOCATION_EDGES, REVENUE_EDGES, band, band_labels
from helpers.icp.labels import (
    DIMENSION_LABELS,
    FIRMOGRAPHIC,
    PERSONA,
    UNKNOWN,
    fill_unknown,
    relabel,
)
from helpers.icp.sic import sic_rollup
from helpers.icp.titles import normalise_function, normalise_seniority


@dataclass
class IcpInputs:
    """Closed outcomes and leads with their segments, ready for the ICP analysis.

    Attributes
    ----------
    deals : DataFrame
        One row per closed opportunity (or per lead with a ``converted`` flag):
        ``account_id``, ``lead_id``, ``won`` (bool), ``amount``, ``cycle_days``
        and one column per available dimension.
    leads : DataFrame or None
        One row per lead with the same dimension columns (denominator of revenue
        per lead and of coverage); ``None`` without a leads table.
    accounts : DataFrame or None
        One row per account with the firmographic dimension columns.
    dimensions : list of str
        Available dimension columns, in display order.
    skipped : dict
        Dimension (or group) -> one sentence saying why it is skipped.
    outcome_source : str
        ``"opportunities"`` or ``"leads.converted"``.
    open_excluded : int
        Open opportunities left out of win rates.
    industry_dimension : str or None
        The industry dimension the ICP model uses (``sic_major_group`` or ``industry``).
    edges : dict
        Band edges used: ``employees``, ``annual_revenue``, ``locations``.
    """

    deals: pd.DataFrame
    leads: pd.DataFrame | None
    accounts: pd.DataFrame | None
    dimensions: list[str]
    skipped: dict[str, str]
    outcome_source: str
    open_excluded: int = 0
    industry_dimension: str | None = None
    edges: dict[str, list[float]] = field(default_factory=dict)

    @property
    def firmographic(self) -> list[str]:
        """Available firmographic dimensions."""
        return [d for d in self.dimensions if d in FIRMOGRAPHIC]

    @property
    def persona(self) -> list[str]:
        """Available buyer (job-title) dimensions."""
        return [d for d in self.dimensions if d in PERSONA]

    def overview(self) -> pd.DataFrame:
        """Counts behind every win rate: closed, won, lost, open left out, overall win rate."""
        n = len(self.deals)
        w = int(self.deals["won"].sum())
        lo, hi = wilson_interval(w, n)
        rows = [
            ("outcome source", self.outcome_source),
            ("closed (won + lost)", n),
            ("won", w),
            ("lost", n - w),
            ("open, left out", self.open_excluded),
            ("overall win rate", round(w / n, 3)),
            ("95% interval", f"{lo:.1%} - {hi:.1%}"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"]).astype({"value": "str"})


def _has(df: pd.DataFrame | None, col: str) -> bool:
    """``df`` exists and its column ``col`` holds at least one value."""
    return df is not None and col in df.columns and bool(df[col].notna().any())


def account_segments(
    accounts: pd.DataFrame,
    *,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
    account_id: str = "account_id",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Firmographic segment columns of every account.

    Parameters
    ----------
    accounts : DataFrame
        Canonical accounts (``sic_code``, ``industry``, ``employees``,
        ``annual_revenue``, ``locations``, ``region``, ``country`` where present).
    sic_table : DataFrame, optional
        SIC reference (:func:`read_sic_codes`), read when needed and omitted.
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds).

    Returns
    -------
    (segments, skipped)
        ``segments``: ``account_id`` plus one column per available dimension;
        ``skipped``: dimension -> sentence for each one the data cannot feed.
    """
    out = pd.DataFrame({"account_id": accounts[account_id].astype("str").to_numpy()})
    skipped: dict[str, str] = {}
    if _has(accounts, "sic_code"):
        roll = sic_rollup(accounts["sic_code"].reset_index(drop=True), sic_table)
        for col in ("sic_division", "sic_major_group", "sic_code"):
            out[col] = pd.Categorical(roll[col].to_numpy(dtype=object))
        out["sic_major_group_code"] = roll["sic_major_group_code"].to_numpy(dtype=object)
    else:
        skipped["sic"] = (
            "accounts has no sic_code values, so the SIC roll-up (division, major group, code) is skipped."
        )
    if _has(accounts, "industry"):
        out["industry"] = relabel(
            accounts["industry"].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
        ).array
    elif "sic" in skipped:
        skipped["industry"] = (
            "accounts has no industry or sic_code values, so industry segments are skipped."
        )
    numeric = (
        ("employees", "employee_band", employee_edges, False),
        ("annual_revenue", "revenue_band", revenue_edges, True),
        ("locations", "locations_band", location_edges, False),
    )
    for src, dim, edges, money in numeric:
        if _has(accounts, src):
            out[dim] = band(accounts[src].reset_index(drop=True), edges, money=money).array
            out[dim] = out[dim].astype(
                pd.CategoricalDtype([*band_labels(edges, money), UNKNOWN], ordered=True)
            )
        else:
            skipped[dim] = (
                f"accounts has no {src} values, so the {DIMENSION_LABELS[dim].lower()} bands are skipped."
            )
    for src in ("region", "country"):
        if _has(accounts, src):
            out[src] = relabel(
                accounts[src].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
            ).array
        else:
            skipped[src] = f"accounts has no {src} values, so {src} segments are skipped."
    return out, skipped


def prepare_icp(
    *,
    leads: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
) -> IcpInputs:
    """Join closed outcomes to their account and buyer, and segment every dimension.

    Outcomes come from ``opportunities`` (``outcome`` won/lost; open ones are
    counted and left out). Without opportunities holding both won and lost deals
    (e.g. a "closed deals" export), each lead with a ``converted`` flag is an
    outcome instead (a lead-only export). An opportunity's account is its own
    ``account_id``, else its lead's; its buyer is its lead's ``job_title``.

    Parameters
    ----------
    leads, opportunities, accounts : DataFrame or None
        Canonical tables (``OrgData.leads`` etc.).
    sic_table : DataFrame, optional
        SIC reference table (read from ``datasets/reference`` when needed).
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds of each band).

    Returns
    -------
    IcpInputs

    Raises
    ------
    ValueError
        When there is no closed opportunity and no converted flag, or only one
        kind of outcome (all won or all lost): win rates cannot be compared.
    """
    deals, source, open_excluded = closed_outcomes(leads, opportunities)
    deals, acc_seg, dims, industry_dim, acc_skipped = join_accounts(
        deals,
        accounts,
        sic_table=sic_table,
        employee_edges=employee_edges,
        revenue_edges=revenue_edges,
        location_edges=location_edges,
    )
    deals, lead_seg, persona, lead_skipped = join_buyers(deals, leads, acc_seg, dims)
    dims += persona
    order = [d for d in DIMENSION_LABELS if d in dims]
    return IcpInputs(
        deals=deals,
        leads=lead_seg,
        accounts=acc_seg,
        dimensions=order,
        skipped={**acc_skipped, **lead_skipped},
        outcome_source=source,
        open_excluded=open_excluded,
        industry_dimension=industry_dim,
        edges={
            "employees": [float(e) for e in employee_edges],
            "annual_revenue": [float(e) for e in revenue_edges],
            "locations": [float(e) for e in location_edges],
        },
    )


def closed_outcomes(
    leads: pd.DataFrame | None, opportunities: pd.DataFrame | None
) -> tuple[pd.DataFrame, str, int]:
    """One row per closed outcome: won/lost opportunities, else leads with a ``converted`` flag.

    Returns
    -------
    (deals, source, open_excluded)
        ``deals``: ``opportunity_id, won, account_id, lead_id, amount, cycle_days``;
        ``source``: ``"opportunities"`` or ``"leads.converted"``; ``open_excluded``:
        open opportunities left out.

    Raises
    ------
    ValueError
        Without outcomes, or with only one kind of outcome (all won or all lost).
    """
    open_excluded = 0
    opp_outcomes = (
        opportunities["outcome"].astype("str").str.strip().str.lower()
        if opportunities is not None and len(opportunities) and "outcome" in opportunities.columns
        else pd.Series([], dtype="str")
    )
    both_kinds = bool(opp_outcomes.eq("won").any() and opp_outcomes.eq("lost").any())
    use_converted = not both_kinds and _has(leads, "converted")
    if len(opp_outcomes) and not use_converted:
        deals, open_excluded = _opportunity_outcomes(opportunities, leads)
        source = "opportunities"
    elif leads is not None and _has(leads, "converted"):
        deals = _lead_outcomes(leads)
        source = "leads.converted"
    else:
        raise ValueError(
            "The ICP needs outcomes: an opportunities table with won/lost deals, or a 'converted' "
            "column on leads. Neither is in this data, so no win rate can be computed."
        )
    if deals.empty or deals["won"].all() or not deals["won"].any():
        raise ValueError(
            f"The {source} hold {len(deals)} closed outcomes, all of the same kind (won or lost): "
            "an ICP compares winners with losers, so both are needed."
        )
    deals["won"] = deals["won"].astype(bool)
    return deals, source, open_excluded


def _opportunity_outcomes(
    opp: pd.DataFrame, leads: pd.DataFrame | None
) -> tuple[pd.DataFrame, int]:
    """Won/lost opportunities (open ones counted, left out); an account taken from the lead."""
    outcome = opp["outcome"].astype("str").str.strip().str.lower()
    open_excluded = int((~outcome.isin(["won", "lost"])).sum())
    closed = outcome.isin(["won", "lost"]).to_numpy()
    deals = pd.DataFrame(
        {
            "opportunity_id": opp["opportunity_id"].astype("str").to_numpy()[closed]
            if "opportunity_id" in opp
            else np.arange(closed.sum()).astype(str),
            "won": (outcome == "won").to_numpy()[closed],
        }
    )
    for col in ("account_id", "lead_id"):
        deals[col] = (
            opp[col].astype("str").to_numpy()[closed]
            if col in opp
            else pd.array([pd.NA] * len(deals), "str")
        )
    deals["amount"] = (
        pd.to_numeric(opp["amount"], errors="coerce").to_numpy(dtype="float64")[closed]
        if "amount" in opp
        else np.nan
    )
    if "created_at" in opp and "closed_at" in opp:
        cyc = (
            pd.to_datetime(opp["closed_at"]) - pd.to_datetime(opp["created_at"])
        ).dt.total_seconds() / 86400
        deals["cycle_days"] = cyc.to_numpy(dtype="float64")[closed]
    else:
        deals["cycle_days"] = np.nan
    missing_acc = deals["account_id"].isna() & deals["lead_id"].notna()
    if leads is not None and "lead_id" in leads and "account_id" in leads and missing_acc.any():
        lead_acc = leads[["lead_id", "account_id"]].drop_duplicates("lead_id")
        lead_acc = lead_acc.set_index("lead_id")["account_id"]
        fill = deals.loc[missing_acc, "lead_id"].map(lead_acc)
        deals.loc[missing_acc, "account_id"] = fill.to_numpy()
    return deals, open_excluded


def _lead_outcomes(leads: pd.DataFrame) -> pd.DataFrame:
    """Leads with a known ``converted`` flag as outcomes (a lead-only export)."""
    conv = leads["converted"]
    known = conv.notna().to_numpy()
    return pd.DataFrame(
        {
            "opportunity_id": leads["lead_id"].astype("str").to_numpy()[known],
            "won": conv.astype("boolean").to_numpy()[known].astype(bool),
            "lead_id": leads["lead_id"].astype("str").to_numpy()[known],
            "account_id": leads["account_id"].astype("str").to_numpy()[known]
            if "account_id" in leads
            else pd.array([pd.NA] * int(known.sum()), "str"),
            "amount": np.nan,
            "cycle_days": np.nan,
        }
    )


def join_accounts(
    deals: pd.DataFrame,
    accounts: pd.DataFrame | None,
    *,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str], str | None, dict[str, str]]:
    """The firmographic segments of each closed outcome's account.

    Returns
    -------
    (deals, account_segments, dimensions, industry_dimension, skipped)
        ``deals`` with one column per firmographic dimension (``Unknown`` without a
        matching account); the accounts' segments (``None`` without accounts); the
        firmographic dimensions found; ``sic_major_group`` or ``industry`` (or ``None``);
        dimension -> sentence for what the accounts cannot feed.
    """
    skipped: dict[str, str] = {}
    dims: list[str] = []
    if accounts is None or not len(accounts) or "account_id" not in accounts:
        skipped["accounts"] = (
            "There is no accounts table, so industry, size, revenue and location segments "
            "(and the account tiers) are skipped."
        )
        return deals, None, dims, None, skipped
    acc_seg, acc_skipped = account_segments(
        accounts,
        sic_table=sic_table,
        employee_edges=employee_edges,
        revenue_edges=revenue_edges,
        location_edges=location_edges,
    )
    acc_seg = acc_seg.drop_duplicates("account_id")
    skipped.update(acc_skipped)
    dims += [d for d in FIRMOGRAPHIC if d in acc_seg.columns]
    industry_dim = (
        "sic_major_group"
        if "sic_major_group" in acc_seg
        else ("industry" if "industry" in acc_seg else None)
    )
    extra = ["sic_major_group_code"] if "sic_major_group_code" in acc_seg else []
    deals = deals.merge(acc_seg[["account_id", *dims, *extra]], on="account_id", how="left")
    unmatched = deals[dims[0]].isna().sum() if dims else 0
    for d in dims:
        deals[d] = fill_unknown(deals[d])
    if unmatched:
        skipped["_unmatched"] = (
            f"{unmatched:,} of {len(deals):,} closed outcomes have no matching account; "
            "their firmographic segments read 'Unknown'."
        )
    return deals, acc_seg, dims, industry_dim, skipped


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
        ``["seniority", "function"]`` when the outcomes name their buyer, else empty.
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
    if _has(leads, "job_title"):
        titles = leads["job_title"].reset_index(drop=True)
        lead_seg["seniority"] = normalise_seniority(titles).cat.as_ordered().array
        lead_seg["function"] = normalise_function(titles).array
        if deals["lead_id"].notna().any():
            persona = list(PERSONA)
            deals = deals.merge(lead_seg[["lead_id", *PERSONA]], on="lead_id", how="left")
            deals["seniority"] = fill_unknown(deals["seniority"])
            deals["function"] = fill_unknown(deals["function"])
        else:
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


def dimension_note(inputs: IcpInputs, dims: list[str] | tuple[str, ...]) -> str | None:
    """One sentence when none of ``dims`` is available (which data is missing), else ``None``."""
    if any(d in inputs.dimensions for d in dims):
        return None
    keys = {
        "sic_division": ("accounts", "sic", "industry"),
        "sic_major_group": ("accounts", "sic", "industry"),
        "sic_code": ("accounts", "sic"),
        "industry": ("accounts", "industry", "sic"),
        "employee_band": ("accounts", "employee_band"),
        "revenue_band": ("accounts", "revenue_band"),
        "locations_band": ("accounts", "locations_band"),
        "region": ("accounts", "region"),
        "country": ("accounts", "country"),
        "seniority": ("titles",),
        "function": ("titles",),
    }
    for d in dims:
        for k in keys.get(d, ()):
            if k in inputs.skipped:
                return "Section skipped: " + inputs.skipped[k][0].lower() + inputs.skipped[k][1:]
    names = ", ".join(DIMENSION_LABELS.get(d, d).lower() for d in dims)
    return f"Section skipped: the data has no {names} segments."


def skipped_sentences(inputs: IcpInputs) -> list[str]:
    """The one-sentence notes on every skipped dimension, without repeats."""
    seen: list[str] = []
    for text in inputs.skipped.values():
        if text not in seen:
            seen.append(text)
    return seen


def try_prepare_icp(**kwargs) -> tuple[IcpInputs | None, str | None]:
    """:func:`prepare_icp`, returning ``(None, sentence)`` instead of raising when the data has no outcomes.

    A notebook uses it to print one clear sentence and skip the module's sections
    instead of stopping the whole run.
    """
    try:
        return prepare_icp(**kwargs), None
    except ValueError as exc:
        return None, f"The ICP sections are skipped: {exc}"
