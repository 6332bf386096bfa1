"""Step 1 of the ICP: closed outcomes joined to their account and buyer, every dimension segmented.

:func:`prepare_icp` runs the steps in order: the closed outcomes
(:func:`closed_outcomes`: won/lost opportunities, or each lead's ``converted`` flag), their
account's firmographic segments (:func:`account_segments`, :func:`join_accounts`), their
buyer's seniority and function (:func:`~helpers.icp.buyers.join_buyers`), the firmographics
the deal rows carry where the accounts do not (a one-row-per-deal export) and the declared
attributes (``org.yml: parameters: icp_segments``, ``attributes.py``). Each step says, in one
sentence per dimension, what the data cannot feed; :func:`try_prepare_icp` turns "no outcomes"
and "nothing to segment by" into the reason the module is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.icp.attributes import Attribute, has_values, join_attributes, parse_segments
from helpers.icp.bands import EMPLOYEE_EDGES, LOCATION_EDGES, REVENUE_EDGES
from helpers.icp.buyers import join_buyers
from helpers.icp.firmographics import account_segments, join_row_firmographics
from helpers.icp.labels import (
    DIMENSION_LABELS,
    FIRMOGRAPHIC,
    PERSONA,
    UNKNOWN,
    dimension_label,
    fill_unknown,
)


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
    levels : dict
        Dimension -> where its values come from: ``account`` (scored for accounts),
        ``lead`` or ``deal`` (known per lead or deal only). Absent means ``account``
        for firmographics and ``lead`` for the buyer.
    attributes : dict
        Declared attributes kept (``org.yml: parameters: icp_segments``): name ->
        :class:`~helpers.icp.attributes.Attribute`.
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
    levels: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)

    @property
    def firmographic(self) -> list[str]:
        """Available firmographic dimensions."""
        return [d for d in self.dimensions if d in FIRMOGRAPHIC]

    @property
    def extra(self) -> list[str]:
        """Available declared attributes (beyond firmographics and the buyer)."""
        return [d for d in self.dimensions if d not in FIRMOGRAPHIC and d not in PERSONA]

    def level(self, dimension: str) -> str:
        """``account``, ``lead`` or ``deal``: where the dimension's values come from."""
        default = "lead" if dimension in PERSONA else "account"
        return self.levels.get(dimension, default)

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


def prepare_icp(
    *,
    leads: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
    segments=None,
) -> IcpInputs:
    """Join closed outcomes to their account and buyer, and segment every dimension.

    Outcomes come from ``opportunities`` (``outcome`` won/lost; open ones are
    counted and left out). Without opportunities holding both won and lost deals
    (e.g. a "closed deals" export), each lead with a ``converted`` flag is an
    outcome instead (a lead-only export). An opportunity's account is its own
    ``account_id``, else its lead's; its buyer is its lead's ``job_title`` (or, when
    the opportunities name no lead, the only lead of its account). Firmographics the
    accounts do not give are read from the deal (or lead) rows when they carry the
    canonical columns (a one-row-per-deal export); ``segments`` adds declared attributes.

    Parameters
    ----------
    leads, opportunities, accounts : DataFrame or None
        Canonical tables (``OrgData.leads`` etc.).
    sic_table : DataFrame, optional
        SIC reference table (read from ``datasets/reference`` when needed).
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds of each band).
    segments : list, optional
        Declared attributes (``org.yml: parameters: icp_segments``, see
        :func:`~helpers.icp.attributes.parse_segments`).

    Returns
    -------
    IcpInputs

    Raises
    ------
    ValueError
        Without closed outcomes of both kinds (win rates cannot be compared), or when
        ``segments`` is not a list of column names.
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
    edges = _edges(employee_edges, revenue_edges, location_edges)
    tables = {"opportunities": opportunities, "leads": leads, "accounts": accounts}
    deals, lead_seg, levels = _row_segments(
        deals, lead_seg, dims, acc_skipped, tables, source, sic_table, edges, acc_seg is not None
    )
    deals, lead_seg, acc_seg, attributes, attr_skipped = _declared_segments(
        deals, lead_seg, acc_seg, segments, tables, source, dims + persona, levels
    )
    industry_dim = industry_dim or next(
        (d for d in ("sic_major_group", "industry") if d in dims), None
    )
    return IcpInputs(
        deals=deals.drop(columns="_row"),
        leads=lead_seg,
        accounts=acc_seg,
        dimensions=[d for d in DIMENSION_LABELS if d in dims + persona] + list(attributes),
        skipped={**acc_skipped, **lead_skipped, **attr_skipped},
        outcome_source=source,
        open_excluded=open_excluded,
        industry_dimension=industry_dim,
        edges=edges,
        levels=levels,
        attributes=attributes,
    )


def _edges(employee_edges, revenue_edges, location_edges) -> dict[str, list[float]]:
    """The band edges used, by the column they cut (``employees``, ``annual_revenue``, ...)."""
    return {
        "employees": [float(e) for e in employee_edges],
        "annual_revenue": [float(e) for e in revenue_edges],
        "locations": [float(e) for e in location_edges],
    }


def _declared_segments(
    deals: pd.DataFrame,
    lead_seg: pd.DataFrame | None,
    acc_seg: pd.DataFrame | None,
    segments,
    tables: dict[str, pd.DataFrame | None],
    source: str,
    taken: list[str],
    levels: dict[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, dict[str, Attribute], dict]:
    """The declared attributes (:func:`join_attributes`); each one's level added to ``levels``.

    An attribute of the opportunity rows is a deal's own; one carried from an opportunity to
    its lead (lead outcomes), or read on the leads, is the lead's; one of accounts, the account's.
    """
    deals, lead_seg, acc_seg, attributes, skipped = join_attributes(
        deals,
        lead_seg,
        acc_seg,
        parse_segments(segments),
        source="opportunities" if source == "opportunities" else "leads",
        tables=tables,
        taken=taken,
    )
    for name, attr in attributes.items():
        deal_row = attr.table == "opportunities" and source == "opportunities"
        levels[name] = "account" if attr.table == "accounts" else ("deal" if deal_row else "lead")
    return deals, lead_seg, acc_seg, attributes, skipped


def _row_segments(
    deals: pd.DataFrame,
    lead_seg: pd.DataFrame | None,
    dims: list[str],
    skipped: dict[str, str],
    tables: dict[str, pd.DataFrame | None],
    source: str,
    sic_table: pd.DataFrame | None,
    edges: dict[str, list[float]],
    accounts_given: bool,
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Firmographics read from the deal rows (:func:`join_row_firmographics`), in ``dims``.

    ``dims`` gains the new dimensions and ``skipped`` is reworded, in place; returns the
    deals, the leads' segments and each new dimension's level.
    """
    deals, lead_seg, levels, row_table = join_row_firmographics(
        deals,
        lead_seg,
        dims,
        source="opportunities" if source == "opportunities" else "leads",
        opportunities=tables["opportunities"],
        leads=tables["leads"],
        sic_table=sic_table,
        edges=edges,
    )
    _row_notes(skipped, levels, row_table, accounts_given=accounts_given)
    dims += list(levels)
    return deals, lead_seg, levels


def _row_notes(
    skipped: dict[str, str], levels: dict[str, str], table: str | None, *, accounts_given: bool
) -> None:
    """Reword the accounts' skip sentences for firmographics read from deal rows, in place."""
    if not levels:
        return
    found = ", ".join(dimension_label(d).lower() for d in levels)
    if not accounts_given:
        skipped["accounts"] = (
            f"There is no accounts table, so the account tiers are skipped; the {table} rows "
            f"give the firmographic segments they carry ({found})."
        )
        return
    for d in levels:
        keys = {d, "sic", "industry"} if d.startswith("sic_") else {d}
        for key in keys:
            skipped.pop(key, None)
    skipped["rows"] = f"The accounts lack {found}: these segments come from the {table} rows."


def closed_outcomes(
    leads: pd.DataFrame | None, opportunities: pd.DataFrame | None
) -> tuple[pd.DataFrame, str, int]:
    """One row per closed outcome: won/lost opportunities, else leads with a ``converted`` flag.

    Returns
    -------
    (deals, source, open_excluded)
        ``deals``: ``opportunity_id, won, account_id, lead_id, amount, cycle_days`` and
        ``_row`` (the row's position in its table, dropped by :func:`prepare_icp`);
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
    use_converted = not both_kinds and has_values(leads, "converted")
    if len(opp_outcomes) and not use_converted:
        deals, open_excluded = _opportunity_outcomes(opportunities, leads)
        source = "opportunities"
    elif leads is not None and has_values(leads, "converted"):
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
            "_row": np.flatnonzero(closed),
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
            "_row": np.flatnonzero(known),
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


#: Firmographic dimension -> the canonical column it is read from.
_SOURCE_COLUMN = {
    "sic_division": "sic_code",
    "sic_major_group": "sic_code",
    "sic_code": "sic_code",
    "industry": "industry",
    "employee_band": "employees",
    "revenue_band": "annual_revenue",
    "locations_band": "locations",
    "region": "region",
    "country": "country",
}


def dimension_note(inputs: IcpInputs, dims: list[str] | tuple[str, ...]) -> str | None:
    """One sentence when none of ``dims`` is available (which data is missing), else ``None``."""
    if any(d in inputs.dimensions for d in dims):
        return None
    names = ", ".join(dimension_label(d).lower() for d in dims)
    row_tables = sorted(
        {
            "opportunities" if lv == "deal" else "leads"
            for d, lv in inputs.levels.items()
            if d in FIRMOGRAPHIC
        }
    )
    if inputs.accounts is None and row_tables and all(d in FIRMOGRAPHIC for d in dims):
        columns = list(dict.fromkeys(_SOURCE_COLUMN[d] for d in dims))
        wanted = ", ".join(columns[:-1]) + (" or " if len(columns) > 1 else "") + columns[-1]
        return (
            f"Section skipped: there is no accounts table, and the {' and '.join(row_tables)} "
            f"rows carry no {wanted} values."
        )
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
        "job_title": ("titles",),
    }
    for d in dims:
        for k in keys.get(d, (f"attribute:{d}",)):
            if k in inputs.skipped:
                return "Section skipped: " + inputs.skipped[k][0].lower() + inputs.skipped[k][1:]
    return f"Section skipped: the data has no {names} segments."


def nothing_to_segment(inputs: IcpInputs) -> str | None:
    """One sentence when no dimension splits the closed outcomes in two or more segments.

    Then no win rate can be compared with another: the module records a skip with this
    reason instead of running sections that would all be empty.
    """
    for d in inputs.dimensions:
        labels = inputs.deals[d].astype("object")
        if labels[labels != UNKNOWN].nunique() >= 2:
            return None
    found = ", ".join(dimension_label(d).lower() for d in inputs.dimensions)
    have = f" ({found}: one value each)" if found else ""
    return (
        f"The {len(inputs.deals):,} closed outcomes have nothing to segment them by{have}: map "
        "firmographic columns (industry, employees, annual_revenue, region, ...) or job_title "
        "in org.yml, or list other columns under parameters: icp_segments."
    )


def skipped_sentences(inputs: IcpInputs) -> list[str]:
    """The one-sentence notes on every skipped dimension, without repeats."""
    seen: list[str] = []
    for text in inputs.skipped.values():
        if text not in seen:
            seen.append(text)
    return seen


def try_prepare_icp(**kwargs) -> tuple[IcpInputs | None, str | None]:
    """:func:`prepare_icp`, returning ``(None, sentence)`` instead of raising.

    The sentence says why: the data has no outcomes (or only one kind), or nothing
    to segment them by (:func:`nothing_to_segment`). A notebook uses it to record a
    skip with that reason instead of stopping the whole run.
    """
    try:
        inputs = prepare_icp(**kwargs)
    except ValueError as exc:
        return None, f"The ICP sections are skipped: {exc}"
    reason = nothing_to_segment(inputs)
    if reason is not None:
        return None, f"The ICP sections are skipped: {reason}"
    return inputs, None
