"""Fixtures of the synth tests: organization folders read the way an analyst reads them.

The checks read the raw files (pandas on the CSVs), so a truth that the generator claims but
the data does not show fails here, not in a module's notebook test.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import synth
from helpers.core import paths

TIMESTAMPS = {
    "leads": ("created_at", "mql_at", "sal_at", "sql_at", "disqualified_at"),
    "activities": ("occurred_at",),
    "opportunities": ("created_at", "closed_at"),
}


class Raw:
    """An org folder's raw CSVs, parsed the way an analyst would."""

    TIMESTAMPS = TIMESTAMPS  # the timestamp columns of each table

    def __init__(self, org_dir: Path):
        self.dir = Path(org_dir)
        self.truths = yaml.safe_load((self.dir / "truths.yml").read_text(encoding="utf-8"))
        read = lambda name: pd.read_csv(self.dir / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
        self.accounts, self.leads, self.activities = read("accounts"), read("leads"), read("activities")
        self.opps, self.spend, self.plan = read("opportunities"), read("spend"), read("plan")
        self.lead_truths = pd.read_csv(self.dir / "lead_truths.csv", dtype={"lead_id": str, "person_first_lead_id": str})
        for table, cols in TIMESTAMPS.items():
            df = getattr(self, "opps" if table == "opportunities" else table)
            for c in cols:
                df[c] = pd.to_datetime(df[c].replace("", None), format="%Y-%m-%d %H:%M:%S")
        for df, c in ((self.opps, "amount"), (self.spend, "amount"), (self.plan, "revenue_target")):
            df[c] = df[c].astype(float)
        self.export = pd.Timestamp(self.truths["history"]["export_date"])
        sc = self.truths["scoring"]
        self.H, self.S = sc["horizon_days"], sc["score_after_days"]

    def journeys(self) -> pd.DataFrame:
        """Leads with their first deal, sales touches and first sales touch."""
        first = self.opps[self.opps["lead_id"] != ""].sort_values("created_at").drop_duplicates("lead_id")
        j = self.leads.merge(
            first[["lead_id", "created_at", "outcome", "amount"]].rename(columns={"created_at": "opp_at"}),
            on="lead_id", how="left",
        )
        sales = self.activities[self.activities["team"] == "sales"]
        j["k"] = j["lead_id"].map(sales.groupby("lead_id").size()).fillna(0).astype(int)
        j["first_touch"] = j["lead_id"].map(sales.groupby("lead_id")["occurred_at"].min())
        return j

    def mature(self, extra_days: int = 150) -> pd.DataFrame:
        """Leads old enough for their whole story (deal closed) to be in the export."""
        j = self.journeys()
        return j[j["created_at"] + pd.Timedelta(days=self.S + self.H + extra_days) <= self.export]


@pytest.fixture(scope="session")
def sample() -> Raw:
    if not (paths.SAMPLE_ORG / "truths.yml").is_file():
        pytest.fail("datasets/sample is missing: run `make sample` (helpers.synth.write_org) and commit it")
    return Raw(paths.SAMPLE_ORG)


@pytest.fixture(scope="session")
def alt(alt_org_dir) -> Raw:
    return Raw(alt_org_dir)


@pytest.fixture(scope="session")
def big(tmp_path_factory) -> tuple[Raw, float]:
    """A 20,000-lead sample-like org (scale smoke test and p_true calibration)."""
    out = tmp_path_factory.mktemp("synth") / "big"
    t0 = time.perf_counter()
    synth.write_org(synth.SCENARIOS["sample"].replace(n_leads=20_000, seed=3), out)
    return Raw(out), time.perf_counter() - t0
