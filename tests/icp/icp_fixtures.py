"""Tiny organizations for the ICP tests, built in code beside the tests.

``small_tables`` has three accounts, four leads and four opportunities (every number can be
computed by hand); ``planted_org`` is a grid of accounts with exact win counts from a known
additive logit; ``null_org`` draws everything independently (nothing wins more).
``planted_result`` fits module 1 on the planted grid once per test session.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from helpers import icp


def small_tables():
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3"],
            "sic_code": ["7372", "3571", None],
            "employees": [300.0, 20.0, np.nan],
            "region": ["East", "West", "East"],
        }
    ).astype({"account_id": "str", "sic_code": "str", "region": "str"})
    leads = pd.DataFrame(
        {
            "lead_id": ["l1", "l2", "l3", "l4"],
            "account_id": ["a1", "a2", "a3", None],
            "job_title": ["CMO", "Sr. Dir. IT", None, "Sales Manager"],
        }
    ).astype("str")
    opps = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4"],
            "outcome": ["won", "lost", "open", "won"],
            "lead_id": ["l1", "l2", "l3", "l2"],
            "account_id": [None, "a2", "a3", "a2"],  # o1 takes its account from its lead
            "amount": [1000.0, 500.0, 100.0, 300.0],
            "created_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-03-01"]),
            "closed_at": pd.to_datetime(["2024-01-31", "2024-02-10", pd.NaT, "2024-03-11"]),
        }
    ).astype({"opportunity_id": "str", "outcome": "str", "lead_id": "str", "account_id": "str"})
    return accounts, leads, opps


def planted_org(scale: int = 1):
    """Accounts on a grid; deals with exact (not random) win counts from an additive logit.

    Planted: industries P and Q win (+1.2 log-odds), employees 201-1,000 win (+1.2);
    region is pure noise; C-level buyers win (+0.8), whatever their function.
    """
    inds = ["P", "Q", "R", "S", "T"]
    emps = [20.0, 100.0, 300.0, 700.0, 1500.0, 3000.0, 8000.0]  # bands 11-50 ... 5,001-10,000
    regions = ["East", "West"]
    acc_rows, deal_rows, lead_rows = [], [], []
    k = 0
    for ind in inds:
        for emp in emps:
            for reg in regions:
                aid = f"a{ind}{int(emp)}{reg}"
                acc_rows.append((aid, ind, emp, reg))
                titles = (
                    ("CEO", 0.8),
                    ("CMO", 0.8),
                    ("Marketing Manager", 0.0),
                    ("HR Manager", 0.0),
                )
                for sen_title, sen_eff in titles:
                    eta = -1.5 + 1.2 * (ind in "PQ") + 1.2 * (201 <= emp <= 1000) + sen_eff
                    p = 1 / (1 + np.exp(-eta))
                    n = 10 * scale
                    wins = int(round(n * p))
                    for j in range(n):
                        lid = f"l{k}"
                        k += 1
                        lead_rows.append((lid, aid, sen_title))
                        deal_rows.append(
                            (f"o{lid}", lid, aid, "won" if j < wins else "lost", 1000.0)
                        )
    accounts = pd.DataFrame(acc_rows, columns=["account_id", "industry", "employees", "region"])
    leads = pd.DataFrame(lead_rows, columns=["lead_id", "account_id", "job_title"])
    opps = pd.DataFrame(
        deal_rows, columns=["opportunity_id", "lead_id", "account_id", "outcome", "amount"]
    )
    return accounts, leads, opps


@lru_cache(maxsize=1)
def planted_result():
    """``(accounts, leads, inputs, model, tables, icp_def)`` of module 1 on :func:`planted_org`.

    Computed once per session; the tests only read these objects.
    """
    accounts, leads, opps = planted_org()
    inp = icp.prepare_icp(leads=leads, opportunities=opps, accounts=accounts)
    model = icp.fit_icp(inp, min_n=30)
    tables = icp.segment_tables(inp, min_n=30)
    art = icp.icp_artifact(model, inp, tables, org="test", currency="EUR", min_n=30)
    return accounts, leads, inp, model, tables, art


def null_org(seed: int, n_deals: int = 300, n_acc: int = 200):
    """Accounts, titles and outcomes drawn independently: no segment wins more."""
    rng = np.random.default_rng(seed)
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n_acc)],
            "sic_code": rng.choice(["7372", "3674", "3571", "8011", "6311", "6021"], n_acc),
            "employees": np.round(np.exp(rng.normal(np.log(150), 1.5, n_acc))),
            "region": rng.choice(["East", "West", "North"], n_acc),
        }
    ).astype({"account_id": "str", "sic_code": "str", "region": "str"})
    titles = [
        "CMO",
        "VP Sales",
        "Director of IT",
        "Finance Manager",
        "Software Engineer",
        "HR Manager",
        "COO",
    ]
    ids = [f"l{i}" for i in range(n_deals)]
    leads = pd.DataFrame(
        {
            "lead_id": ids,
            "account_id": rng.choice(acc["account_id"], n_deals),
            "job_title": rng.choice(titles, n_deals),
        }
    ).astype("str")
    opps = pd.DataFrame(
        {
            "opportunity_id": ids,
            "lead_id": ids,
            "account_id": leads["account_id"],
            "outcome": np.where(rng.random(n_deals) < 0.4, "won", "lost"),
        }
    ).astype("str")
    return acc, leads, opps


# --------------------------------------------------------------------------- export shapes

#: Company-size and revenue bands as a one-row-per-deal export types them.
SIZE_BANDS = ["1K or less", "1K to 5K", "5K to 15K", "15K to 25K", "More than 25K"]
REVENUE_BANDS = ["1-10", "11-50", "51-200", "201-1,000", "10,001+"]
ROUTES = ["Direct", "Partner", "Online"]
PRODUCTS = ["Product A", "Product B", "Product C", "Product D"]


def deal_rows(seed: int, n: int = 600, route_effect: float = 1.2, size_effect: float = 1.0):
    """One row per closed deal (Won/Loss, no lead table): size and revenue as text bands, a
    route to market, a product.

    Planted: route "Partner" wins (+``route_effect`` log-odds) and companies of 5K to 25K win
    (+``size_effect``); revenue band and product carry no effect.
    """
    rng = np.random.default_rng(seed)
    size = rng.choice(SIZE_BANDS, n)
    route = rng.choice(ROUTES, n)
    eta = -0.8 + route_effect * (route == "Partner") + size_effect * np.isin(size, SIZE_BANDS[2:4])
    won = rng.random(n) < 1 / (1 + np.exp(-eta))
    return pd.DataFrame(
        {
            "Opportunity Number": [f"D{i:05d}" for i in range(n)],
            "Outcome": np.where(won, "Won", "Loss"),
            "Company Size": size,
            "Revenue": rng.choice(REVENUE_BANDS, n),
            "Route To Market": route,
            "Product": rng.choice(PRODUCTS, n),
        }
    )


def deal_org(folder, seed: int = 0, segments: list | None = None, columns: bool = True):
    """A one-row-per-deal export (no lead table of its own: the deals are the lead list).

    ``columns=False`` maps no attribute at all: nothing to segment by.
    """
    mapped = {
        "employees": "Company Size",
        "annual_revenue": "Revenue",
        "route_to_market": "Route To Market",
        "product": "Product",
    }
    config = {
        "name": "Deals export",
        "files": {"opportunities": {"path": "deals.csv"}, "leads": {"from": "opportunities"}},
        "columns": {
            "opportunities": {
                "opportunity_id": "Opportunity Number",
                "outcome": "Outcome",
                **(mapped if columns else {}),
            },
        },
        "values": {"opportunities": {"outcome": {"Won": "won", "Loss": "lost"}}},
    }
    if segments:
        config["parameters"] = {"icp_segments": segments}
    return write_org(folder, {"deals.csv": deal_rows(seed)}, config)


OCCUPATIONS = ["Unemployed", "Working Professional", "Student", "Businessman", "Housewife"]


def b2c_rows(seed: int, n: int = 600):
    """A B2C lead export: an occupation typed in the title field, a contacts count, converted
    (0/1), no id column and no dates.

    Planted: working professionals convert (+1.5 log-odds); the contacts count has no effect.
    """
    rng = np.random.default_rng(seed)
    occupation = rng.choice(OCCUPATIONS, n, p=[0.45, 0.25, 0.2, 0.05, 0.05])
    eta = -1.2 + 1.5 * (occupation == "Working Professional")
    return pd.DataFrame(
        {
            "What is your current occupation": occupation,
            "Contacts": rng.integers(0, 4, n),
            "Converted": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int),
        }
    )


def b2c_org(folder, seed: int = 0, occupation: bool = True):
    """The B2C lead export as an org, without an id column (``occupation=False``: the
    contacts count only)."""
    columns = {"converted": "Converted", "contacts": "Contacts"}
    if occupation:
        columns["job_title"] = "What is your current occupation"
    config = {
        "name": "B2C leads",
        "files": {"leads": {"path": "leads.csv", "row_ids": True}},
        "columns": {"leads": columns},
    }
    return write_org(folder, {"leads.csv": b2c_rows(seed)}, config)


def write_org(folder, files: dict, config: dict):
    """An organization folder: the export files (CSV) and its ``org.yml``."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in files.items():
        frame.to_csv(folder / name, index=False)
    (folder / "org.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder
