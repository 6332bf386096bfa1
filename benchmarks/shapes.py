"""Export shapes other than the full CRM for the benchmarks: a lead-only export and an
opportunity-only export, without dates, like many real exports.

Both are made from an organization that ``helpers.synth`` generates (so they carry its planted
ICP signal), flattened into one CSV file each with an ``org.yml`` that maps it:

- ``lead-only``: one row per lead, its source, job title, company size band, country, the
  account's industry, employees and revenue, and a converted flag (``Yes``/``No``); no dates,
  no other table (a marketing-automation export with a "became customer" field);
- ``opportunity-only``: one row per closed deal (won or lost), its amount, lead source and the
  account's firmographics; no dates; the same file is also the lead list (a CRM report of
  closed opportunities). Rows are drawn with replacement from the generated deals, each with
  its own id, until the export has the requested number of rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SHAPES = ("lead-only", "opportunity-only")

_LEAD_ONLY_YML = """\
# A lead-only export without dates (benchmarks/shapes.py): one row per lead, a converted flag.
name: Lead-only export ({n} leads)
currency: USD
timezone: UTC
files:
  leads: {{path: leads_export.csv}}
columns:
  leads:
    lead_id: Lead ID
    source: Lead Source
    job_title: Title
    country: Country
    company_size_band: Company Size
    industry: Industry
    employees: Employees
    annual_revenue: Annual Revenue
    converted: Became Customer
values:
  leads:
    converted: {{"Yes": true, "No": false}}
"""

_OPPORTUNITY_ONLY_YML = """\
# An opportunity-only export without dates (benchmarks/shapes.py): one row per closed deal,
# which is also the lead list.
name: Opportunity-only export ({n} deals)
currency: USD
timezone: UTC
files:
  leads: {{path: closed_deals.csv}}
  opportunities: {{path: closed_deals.csv}}
columns:
  leads:
    lead_id: Opportunity ID
    source: Lead Source
    industry: Industry
    employees: Employees
    annual_revenue: Annual Revenue
    country: Country
    converted: Stage
  opportunities:
    opportunity_id: Opportunity ID
    lead_id: Opportunity ID
    outcome: Stage
    amount: Amount
values:
  leads:
    converted: {{"Closed Won": true, "Closed Lost": false}}
  opportunities:
    outcome: {{"Closed Won": won, "Closed Lost": lost}}
"""


def _generated(n_leads: int, seed: int) -> dict[str, pd.DataFrame]:
    from helpers import synth

    config = synth.SCENARIOS["sample"].replace(n_leads=int(n_leads), seed=seed)
    return synth.generate(config).tables


def _firmographics(accounts: pd.DataFrame) -> pd.DataFrame:
    return accounts[["account_id", "industry", "employees", "annual_revenue"]].rename(
        columns={"industry": "Industry", "employees": "Employees",
                 "annual_revenue": "Annual Revenue"})


def lead_only(n_rows: int, seed: int = 1) -> tuple[pd.DataFrame, str]:
    """The lead-only export of ``n_rows`` leads and its ``org.yml``."""
    tables = _generated(n_rows, seed)
    leads = tables["leads"].merge(_firmographics(tables["accounts"]), on="account_id", how="left")
    won = leads["status"].isin(["Converted", "Customer"])
    out = pd.DataFrame({
        "Lead ID": leads["lead_id"], "Lead Source": leads["lead_source"],
        "Title": leads["job_title"], "Country": leads["country"],
        "Company Size": leads["company_size_band"], "Industry": leads["Industry"],
        "Employees": leads["Employees"], "Annual Revenue": leads["Annual Revenue"],
        "Became Customer": np.where(won, "Yes", "No"),
    })
    return out, _LEAD_ONLY_YML.format(n=f"{len(out):,}")


def opportunity_only(n_rows: int, seed: int = 1) -> tuple[pd.DataFrame, str]:
    """The opportunity-only export of ``n_rows`` closed deals and its ``org.yml``."""
    tables = _generated(max(n_rows, 20_000), seed)
    opps = tables["opportunities"]
    opps = opps[opps["outcome"].isin(["Won", "Lost"])]
    leads = tables["leads"][["lead_id", "lead_source", "country"]]
    deals = (opps.merge(leads, on="lead_id", how="left")
             .merge(_firmographics(tables["accounts"]), on="account_id", how="left"))
    rng = np.random.default_rng(seed)
    deals = deals.iloc[rng.integers(0, len(deals), size=n_rows)].reset_index(drop=True)
    out = pd.DataFrame({
        "Opportunity ID": [f"D{i:07d}" for i in range(1, n_rows + 1)],
        "Stage": np.where(deals["outcome"] == "Won", "Closed Won", "Closed Lost"),
        "Amount": deals["amount"], "Lead Source": deals["lead_source"].astype("string").fillna("Unknown"),
        "Industry": deals["Industry"], "Employees": deals["Employees"],
        "Annual Revenue": deals["Annual Revenue"], "Country": deals["country"],
    })
    return out, _OPPORTUNITY_ONLY_YML.format(n=f"{len(out):,}")


def write_shape(kind: str, n_rows: int, folder: Path, seed: int = 1) -> Path:
    """Write the export of shape ``kind`` (:data:`SHAPES`) and its ``org.yml`` into ``folder``."""
    if kind not in SHAPES:
        raise ValueError(f"unknown export shape {kind!r}; choose from {', '.join(SHAPES)}")
    table, org_yml = (lead_only if kind == "lead-only" else opportunity_only)(n_rows, seed)
    folder.mkdir(parents=True, exist_ok=True)
    name = "leads_export.csv" if kind == "lead-only" else "closed_deals.csv"
    table.to_csv(folder / name, index=False)
    (folder / "org.yml").write_text(org_yml, encoding="utf-8")
    return folder
