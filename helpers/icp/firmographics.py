"""Firmographic segments: industry (SIC roll-up), size, revenue and sites bands, region, country.

:func:`account_segments` reads them from an accounts table (or from any rows that carry the
canonical columns, such as a one-row-per-deal export). Size, revenue and sites may be
numbers (banded with the edges of ``bands.py``) or text bands ("1K to 5K", "More than 25K",
mapped as ``employees`` on deal rows or as ``employee_band`` on accounts), ordered by their
parsed bounds. Declared attributes found on accounts (``attributes``) are segmented too.
"""

from __future__ import annotations

import pandas as pd

from helpers.icp.attributes import Attribute, has_values
from helpers.icp.bands import (
    EMPLOYEE_EDGES,
    LOCATION_EDGES,
    REVENUE_EDGES,
    band,
    band_labels,
    ordered_labels,
    text_band_order,
)
from helpers.icp.labels import DIMENSION_LABELS, UNKNOWN, relabel
from helpers.icp.sic import sic_rollup

#: Banded dimension -> (number column, text-band column, money).
BANDED = {
    "employee_band": ("employees", "employee_band", False),
    "revenue_band": ("annual_revenue", "revenue_band", True),
    "locations_band": ("locations", "locations_band", False),
}


def size_labels(values: pd.Series, edges, money: bool) -> pd.Series:
    """Bands of a size column: numbers cut at ``edges``, text bands ordered by their bounds.

    Text labels that do not read as bands ("Small", "Big") stay unordered segments.
    """
    values = values.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = band(values, edges, money=money)
        return out.astype(pd.CategoricalDtype([*band_labels(edges, money), UNKNOWN], ordered=True))
    order = text_band_order(values)
    if order is None:
        return relabel(values.astype("str").where(values.notna()), lambda c: c.strip() or UNKNOWN)
    return ordered_labels(values, order)


def _industry_segments(
    out: pd.DataFrame, accounts: pd.DataFrame, sic_table: pd.DataFrame | None, table: str
) -> dict[str, str]:
    """Add the SIC roll-up and industry columns to ``out``; the sentences of what is missing."""
    skipped: dict[str, str] = {}
    if has_values(accounts, "sic_code"):
        roll = sic_rollup(accounts["sic_code"].reset_index(drop=True), sic_table)
        for col in ("sic_division", "sic_major_group", "sic_code"):
            out[col] = pd.Categorical(roll[col].to_numpy(dtype=object))
        out["sic_major_group_code"] = roll["sic_major_group_code"].to_numpy(dtype=object)
    else:
        skipped["sic"] = (
            f"{table} has no sic_code values, so the SIC roll-up (division, major group, code) "
            "is skipped."
        )
    if has_values(accounts, "industry"):
        out["industry"] = relabel(
            accounts["industry"].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
        ).array
    elif "sic" in skipped:
        skipped["industry"] = (
            f"{table} has no industry or sic_code values, so industry segments are skipped."
        )
    return skipped


def account_segments(
    accounts: pd.DataFrame,
    *,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
    account_id: str = "account_id",
    attributes: dict[str, Attribute] | None = None,
    table: str = "accounts",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Firmographic segment columns of every account.

    Parameters
    ----------
    accounts : DataFrame
        Canonical accounts (``sic_code``, ``industry``, ``employees``,
        ``annual_revenue``, ``locations``, ``region``, ``country`` where present;
        ``employee_band`` / ``revenue_band`` / ``locations_band`` for text bands).
    sic_table : DataFrame, optional
        SIC reference (:func:`read_sic_codes`), read when needed and omitted.
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds) of numeric sizes.
    account_id : str
        Key column.
    attributes : dict, optional
        Declared attributes of the accounts (name -> :class:`Attribute`), segmented too.
    table : str
        The table's name in the sentences of ``skipped``.

    Returns
    -------
    (segments, skipped)
        ``segments``: ``account_id`` plus one column per available dimension;
        ``skipped``: dimension -> sentence for each one the data cannot feed.
    """
    out = pd.DataFrame({"account_id": accounts[account_id].astype("str").to_numpy()})
    skipped = _industry_segments(out, accounts, sic_table, table)
    edges = {
        "employee_band": employee_edges,
        "revenue_band": revenue_edges,
        "locations_band": location_edges,
    }
    for dim, (src, text_src, money) in BANDED.items():
        col = next((c for c in (src, text_src) if has_values(accounts, c)), None)
        if col is not None:
            out[dim] = size_labels(accounts[col], edges[dim], money).array
        else:
            skipped[dim] = (
                f"{table} has no {src} values, so the {DIMENSION_LABELS[dim].lower()} bands "
                "are skipped."
            )
    for src in ("region", "country"):
        if has_values(accounts, src):
            out[src] = relabel(
                accounts[src].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
            ).array
        else:
            skipped[src] = f"{table} has no {src} values, so {src} segments are skipped."
    for name, attr in (attributes or {}).items():
        if name in accounts.columns and name not in out.columns:
            out[name] = attr.labels(accounts[name].reset_index(drop=True)).array
    return out, skipped


def join_row_firmographics(
    deals: pd.DataFrame,
    lead_seg: pd.DataFrame | None,
    have: list[str],
    *,
    source: str,
    opportunities: pd.DataFrame | None,
    leads: pd.DataFrame | None,
    sic_table: pd.DataFrame | None = None,
    edges: dict[str, list[float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str], str | None]:
    """Firmographic segments the accounts do not give, read from the deal (or lead) rows.

    A one-row-per-deal export carries the company's industry, size or region on the deal
    itself: the canonical columns found on the outcome rows (``deals["_row"]`` points into
    them), else on the deal's lead, become the missing firmographic dimensions.

    Returns
    -------
    (deals, lead_seg, levels, table)
        ``levels``: each new dimension -> ``deal`` or ``lead``; ``table``: the table the
        first of them came from (``None`` when the rows carry none).
    """
    from helpers.icp.attributes import carry
    from helpers.icp.labels import FIRMOGRAPHIC

    edges = edges or {}
    frames = (
        [("opportunities", opportunities, "row"), ("leads", leads, "lead")]
        if source == "opportunities"
        else [("leads", leads, "row")]
    )
    levels: dict[str, str] = {}
    first_table = None
    for tname, frame, how in frames:
        if frame is None or (how == "lead" and "lead_id" not in frame):
            continue
        cols = [c for c in ROW_FIRMOGRAPHIC_COLUMNS if has_values(frame, c)]
        if not cols:
            continue
        rows = frame[cols].reset_index(drop=True).assign(_key=range(len(frame)))
        seg, _ = account_segments(
            rows,
            sic_table=sic_table,
            employee_edges=edges.get("employees", EMPLOYEE_EDGES),
            revenue_edges=edges.get("annual_revenue", REVENUE_EDGES),
            location_edges=edges.get("locations", LOCATION_EDGES),
            account_id="_key",
            table=tname,
        )
        new = [d for d in FIRMOGRAPHIC if d in seg.columns and d not in have and d not in levels]
        for d in new:
            if how == "row":
                deals[d] = carry(seg[d], range(len(frame)), deals["_row"]).array
            else:
                deals[d] = carry(seg[d], frame["lead_id"].astype("str"), deals["lead_id"]).array
            if lead_seg is not None and tname == "leads":
                lead_seg[d] = carry(
                    seg[d], frame["lead_id"].astype("str"), lead_seg["lead_id"]
                ).array
            levels[d] = "deal" if tname == "opportunities" else "lead"
        if new and first_table is None:
            first_table = tname
    return deals, lead_seg, levels, first_table


#: Columns of deal or lead rows read as firmographics when the accounts do not give them.
ROW_FIRMOGRAPHIC_COLUMNS = (
    "sic_code",
    "industry",
    "employees",
    "employee_band",
    "annual_revenue",
    "revenue_band",
    "locations",
    "locations_band",
    "region",
    "country",
)
