"""helpers/data/loader.py: load_org end to end, org.yml errors, several problems at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from data_fixtures import edit, fatal, leads_only

from helpers.core.config import ConfigError
from helpers.data import load_org


def test_tables_and_dtypes(basic):
    assert set(basic.tables()) == {"accounts", "leads", "activities", "opportunities", "spend", "plan"}
    leads = basic.leads
    assert leads["lead_id"].tolist() == ["101", "102", "103", "104", "105"]  # "103.0" -> "103"
    assert pd.api.types.is_string_dtype(leads["lead_id"])
    assert leads["created_at"].dtype == "datetime64[ns]"
    assert leads["converted"].dtype == "boolean"
    assert leads["score"].dtype == "float64"
    assert basic.name == "Fixture Org" and basic.currency == "EUR"


def test_unknown_org_yml_key(org):
    edit(org / "org.yml", "hash_columns:", "hash_colums:")
    err = fatal(org)
    assert isinstance(err, ConfigError)
    assert "unknown key 'hash_colums'" in str(err) and "Did you mean 'hash_columns'" in str(err)
    assert "org.yml" in str(err)


def test_mistyped_nested_key(org):
    edit(org / "org.yml", "spend: {path: spend.csv}", "spend: {path: spend.csv, delimeter: ';'}")
    err = fatal(org)
    assert "files.spend.delimeter" in str(err) and "Did you mean 'delimiter'" in str(err)


def test_wrong_type_of_key(org):
    edit(org / "org.yml", "amount: 1000", "amount: a thousand")
    err = fatal(org)
    assert "scales.opportunities.amount" in str(err)


def test_several_problems_reported_together(org):
    edit(org / "spend.csv", "2024-02-01,paid,1700", "2024-02-01,paid,x")
    edit(org / "plan.csv", "2024-02-01,25000", "2024-02-31,25000")
    err = fatal(org)
    assert "2 problems" in str(err) and "spend.csv" in str(err) and "plan.csv" in str(err)
    assert len(err.errors) == 2


def test_100k_leads_load_quickly(tmp_path):
    """A vectorised smoke check at 100k rows (1M leads + 10M activities is a benchmark)."""
    import time

    n = 100_000
    rng = np.random.default_rng(0)
    created = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, n), unit="s")
    df = pd.DataFrame({
        "lead_id": np.arange(n).astype(str),
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "source": rng.choice(["web", "event", "paid"], n),
        "owner_id": rng.choice(["Ann", "Bob", "Cy"], n),
        "notes": rng.choice(["ok", "call me", "mail x@y.com"], n),
    })
    org = tmp_path / "org"
    org.mkdir()
    df.to_csv(org / "leads.csv", index=False)
    (org / "org.yml").write_text(yaml.safe_dump(leads_only({"timezone": "Europe/Paris",
                                                            "columns": {"leads": {"notes": "notes"}}})))
    t0 = time.perf_counter()
    data = load_org(org)
    assert len(data.leads) == n
    assert time.perf_counter() - t0 < 10
