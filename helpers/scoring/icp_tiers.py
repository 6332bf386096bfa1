"""The ICP tier of each lead's account, from module 1's ``icp.yml`` or refitted the same way.

The tier feeds the agreed MQL rule. The ICP helpers are imported when called, so importing
this package does not import module 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def icp_tiers_for_leads(
    leads: pd.DataFrame, accounts: pd.DataFrame | None, icp: dict | None
) -> pd.Series | None:
    """ICP tier (A-D) of each lead's account from an ``icp.yml`` definition.

    Returns None without a definition or accounts; NA for leads without a known account.
    """
    if icp is None or accounts is None or "account_id" not in leads.columns:
        return None
    from helpers.icp import assign_tiers

    tiers = assign_tiers(accounts, icp)
    by_account = pd.Series(
        tiers["tier"].astype("object").to_numpy(), index=tiers["account_id"].to_numpy()
    )
    by_account = by_account[~by_account.index.duplicated()]
    return pd.Series(
        by_account.reindex(leads["account_id"].astype("str").to_numpy()).to_numpy(),
        index=leads.index,
    )


def recompute_icp(data) -> tuple[dict | None, str]:
    """The ICP definition when ``icp.yml`` is absent: fitted the way module 1 fits it.

    Returns ``(icp dict or None, sentence saying what happened)``.
    """
    from helpers import icp as icp_mod

    try:
        inputs = icp_mod.prepare_icp(
            leads=data.leads, opportunities=data.opportunities, accounts=data.accounts
        )
        model = icp_mod.fit_icp(inputs)
        return icp_mod.icp_artifact(
            model, inputs
        ), "icp.yml not found: the ICP was refitted from the deals."
    except ValueError as exc:
        return (
            None,
            f"No ICP tiers: the ICP could not be fitted on this data ({exc}); "
            "the agreed rule uses engagement only.",
        )


def icp_definition(output_dir: str | Path, data) -> tuple[dict | None, str]:
    """The agreed ICP: ``output_dir/icp.yml`` from module 1, else refitted the same way."""
    from helpers.icp import read_icp

    icp = read_icp(output_dir)
    if icp is not None:
        return icp, "ICP tiers from icp.yml (module 1)."
    if data.accounts is None:
        return None, "No accounts table: no ICP tiers; the agreed rule uses engagement only."
    if data.opportunities is None and not data.has("leads", "converted"):
        return (
            None,
            "No ICP tiers: no deals to learn them from; the agreed rule uses engagement only.",
        )
    return recompute_icp(data)
