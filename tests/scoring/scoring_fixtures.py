"""Small hand-made tables shared by the module 4 unit tests (imported by name, not a test file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.scoring import FeatureSet


def leads_table(rows):
    df = pd.DataFrame(rows, columns=["lead_id", "created_at"])
    df["lead_id"] = df["lead_id"].astype("str")
    df["created_at"] = pd.to_datetime(df["created_at"])
    return df


def opps_table(rows, cols=("opportunity_id", "lead_id", "created_at", "closed_at", "outcome")):
    df = pd.DataFrame(rows, columns=list(cols))
    for c in ("created_at", "closed_at"):
        if c in df:
            df[c] = pd.to_datetime(df[c])
    return df


def leak_frame(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            # planted leak: filled for 85% of converters, 3% of the others
            "budget_confirmed": pd.Series(
                np.where(rng.random(n) < np.where(y == 1, 0.85, 0.03), "yes", None), dtype="str"
            ),
            # near-perfect numeric predictor
            "deal_size_entered": np.where(y == 1, rng.uniform(5, 10, n), rng.uniform(0, 5.2, n)),
            # honest, moderately predictive
            "employees": rng.lognormal(5 + 0.5 * y, 1.0),
            "source": pd.Series(rng.choice(["web", "event", "list"], n), dtype="str"),
            # an identifier-like field with hundreds of values: must not look perfect
            "landing_page": pd.Series([f"page{k}" for k in rng.integers(0, 500, n)], dtype="str"),
        }
    )
    return frame, y


def points_case(n=4000, seed=5):
    rng = np.random.default_rng(seed)
    seniority = rng.choice(["VP", "Manager", "Individual"], n)
    employees = rng.choice([50.0, 500.0, 5000.0], n)
    noise = rng.choice(["x", "y"], n)
    logit = (
        -2 + 1.2 * (seniority == "VP") + 0.6 * (seniority == "Manager") + 1.0 * (employees == 500)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "seniority": pd.Series(seniority, dtype="str"),
            "employees": employees,
            "noise": pd.Series(noise, dtype="str"),
        }
    )
    return frame, y


def model_case(n=1500, seed=7):
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 400, n), unit="D")
    x = rng.normal(size=n)
    c = rng.choice(["web", "event", "list"], n)
    p = 1 / (1 + np.exp(-(-1.5 + 1.2 * x + 0.8 * (c == "event"))))
    y = rng.random(n) < p
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "created_at": created.floor("s")})
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"O{i}" for i in range(y.sum())],
            "lead_id": leads["lead_id"][y].to_numpy(),
            "created_at": (leads["created_at"][y] + pd.Timedelta(days=10)).to_numpy(),
            "outcome": "won",
        }
    )
    frame = pd.DataFrame(
        {"c": pd.Series(c, dtype="str"), "x": x, "n_marketing": rng.poisson(1, n).astype(float)}
    )
    fs = FeatureSet(frame, ["x", "n_marketing"], ["c"], {k: k for k in frame}, {})
    return leads, opps, fs, y


def run_04(org_dir: Path, out: Path, **extra) -> dict:
    """Execute the notebook on ``org_dir`` with its org.yml parameters (as the runner passes
    them) and return the ``04_mql`` entry of ``summary.json``."""
    import papermill as pm
    import yaml

    from helpers.core import paths
    from helpers.core.report import read_summary

    notebook = paths.NOTEBOOKS / "04_mql_classifier.ipynb"
    declared = pm.inspect_notebook(str(notebook))
    org_params = (yaml.safe_load((org_dir / "org.yml").read_text(encoding="utf-8")) or {}).get(
        "parameters"
    ) or {}
    params = {k: v for k, v in org_params.items() if k in declared}
    out.mkdir(parents=True, exist_ok=True)
    params.update(org_dir=str(org_dir), output_dir=str(out), **extra)
    pm.execute_notebook(
        str(notebook),
        str(out / "04_mql_classifier.ipynb"),
        parameters=params,
        kernel_name="python3",
        cwd=str(paths.REPO_ROOT),
        progress_bar=False,
    )
    return read_summary(out)["04_mql"]


def choose_thresholds(scorers, fs, labels, opps, **kw):
    """``scoring.choose_thresholds`` with a small sales team's defaults (4 reps, 60 touches a
    week each, a plateau of 6 touches, nothing from module 2's summary); ``kw`` overrides."""
    from helpers import scoring

    settings = dict(
        summary={}, sales_reps=4, leads_per_rep_per_week=0, touches_per_rep_per_week=60,
        touches_plateau_default=6,
    )
    return scoring.choose_thresholds(scorers, fs, labels, opps, **{**settings, **kw})
