"""Export shapes that need more than a column mapping.

* **One row per deal** (``files.leads.from: opportunities``): the lead list is the
  opportunity export itself. The leads table is read from the opportunities' file with the
  same reading options and row filter; ``lead_id`` and ``created_at`` default to the
  opportunity's own (so no column is mapped three times) and ``opportunities.lead_id`` to
  the opportunity's id.
* **No id column** (``files.<table>.row_ids: true``): the table's id is the row's own line
  number in the file (sheet row for Excel, row number for Parquet), as text, so that every
  message and every id points at the same line.

:func:`expand_config` rewrites the config before the load, :func:`load_order` reads the
opportunities before leads that come from them, :func:`derived_columns` adds the id and
inherited columns to a table being built and :func:`link_opportunities` gives the
opportunities their ``lead_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.config import OrgConfig

if TYPE_CHECKING:
    from helpers.data.mapping import Col, ColumnPlan
    from helpers.data.sources import Source

#: Lead columns that a lead read from the opportunity export inherits when not mapped.
INHERITED = {"lead_id": "opportunity_id", "created_at": "created_at"}


def leads_from(config: OrgConfig) -> str | None:
    """The table whose file the leads are read from (None: leads have their own file)."""
    spec = config.files.get("leads")
    return spec.from_ if spec is not None else None


def expand_config(config: OrgConfig) -> OrgConfig:
    """``config`` with ``files.leads`` pointing at the opportunities' file when it says
    ``from: opportunities`` (reading options, joins, row filter and ``row_ids`` copied)."""
    source = leads_from(config)
    if source is None:
        return config
    spec = config.files[source]
    own = config.files["leads"].where_not_empty
    leads = spec.model_copy(
        update={"from_": source, "where_not_empty": [*spec.where_not_empty, *own]}
    )
    return config.model_copy(update={"files": {**config.files, "leads": leads}})


def load_order(config: OrgConfig) -> list[str]:
    """The tables to load, in contract order, opportunities first when leads come from them."""
    tables = [t for t in schema.TABLES if t in config.files]
    if leads_from(config) == "opportunities":
        tables.remove("opportunities")
        tables.insert(tables.index("leads"), "opportunities")
    return tables


def row_ids(src: Source, positions: np.ndarray) -> pd.Series:
    """Ids made of the rows' own line numbers in ``src`` (``"2"`` for the first data line)."""
    return pd.Series([str(n) for n in src.lines(positions)], dtype="str")


def derived_columns(
    plan: ColumnPlan,
    positions: np.ndarray,
    out: dict[str, pd.Series],
    colinfo: dict[str, Col],
    opportunities: tuple[pd.DataFrame, dict[str, Col], np.ndarray] | None,
    date_only: dict[str, list[str]],
) -> None:
    """Add the row-number id and, for leads read from the opportunities, the inherited columns.

    Parameters
    ----------
    plan : ColumnPlan
        The table being built.
    positions : ndarray
        The rows' positions in the table's main file.
    out, colinfo : dict
        The typed columns so far and where they came from (completed in place).
    opportunities : (DataFrame, cols, positions), optional
        The opportunities already loaded, for leads that come from them.
    date_only : dict
        ``table -> date-only columns`` (completed for inherited dates).
    """
    from helpers.data.mapping import Col

    table = plan.table
    pk = schema.PRIMARY_KEYS.get(table)
    if plan.spec.row_ids and pk is not None and pk not in out:
        out[pk] = row_ids(plan.main, positions)
        colinfo[pk] = Col(pk, "(row number)", plan.main, positions)
    if table != "leads" or plan.spec.from_ is None or opportunities is None:
        return
    opps, opp_cols, opp_pos = opportunities
    at = pd.Index(opp_pos).get_indexer(positions)
    found = at >= 0
    if "converted" not in out and "outcome" in opps.columns and found.any():
        won = opps["outcome"].map({"won": True, "lost": False}).astype("boolean")
        out["converted"] = won.iloc[np.where(found, at, 0)].reset_index(drop=True).where(
            pd.Series(found), pd.NA
        )
        c = opp_cols["outcome"]
        colinfo["converted"] = Col("converted", c.source, c.src, positions if c.src else None)
    for target, source in INHERITED.items():
        if target in out or source not in opps.columns or not found.any():
            continue
        values = opps[source].iloc[np.where(found, at, 0)].reset_index(drop=True)
        out[target] = values.where(pd.Series(found), None) if not found.all() else values
        c = opp_cols[source]
        colinfo[target] = Col(target, c.source, c.src, positions if c.src is not None else None)
        if source in date_only.get("opportunities", []):
            date_only.setdefault("leads", []).append(target)


def link_opportunities(
    config: OrgConfig,
    tables: dict[str, pd.DataFrame],
    cols: dict[str, dict[str, Col]],
    source_rows: dict[str, np.ndarray],
) -> None:
    """Opportunities read from the lead list's file name the lead on their own row (in place)."""
    opps, leads = tables.get("opportunities"), tables.get("leads")
    if leads_from(config) != "opportunities" or opps is None or leads is None:
        return
    if "lead_id" in opps.columns:
        return
    at = pd.Index(source_rows["leads"]).get_indexer(source_rows["opportunities"])
    lead_ids = leads["lead_id"].to_numpy(dtype=object)[np.where(at >= 0, at, 0)]
    lead_ids = np.where(at >= 0, lead_ids, None)
    canon = list(schema.TABLES["opportunities"])
    opps = opps.assign(lead_id=pd.Series(lead_ids, index=opps.index, dtype="str"))
    order = [c for c in canon if c in opps.columns] + [c for c in opps.columns if c not in canon]
    tables["opportunities"] = opps[order]
    cols["opportunities"]["lead_id"] = cols["leads"]["lead_id"]
