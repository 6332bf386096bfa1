"""Leak kinds real exports carry, added to a generated organization (module 4's test bed).

A real CRM export holds fields that sales fills in *during or after* working a lead. Each one
looks like a good predictor and is useless at the scoring moment. :func:`add_leak_fields` adds
five of them to a generated organization's leads, each weaker than a 0.95 single-field ROC AUC on
its own (so a single-AUC line cannot catch them), plus one honest control field whose name
mentions years:

==========================  =========================================================  =========
field (export column)       what it is, and how it leaks                               kind
==========================  =========================================================  =========
``tags`` (Tags)             sales' free status: "Closed by sales" (nearly all          near-pure
                            converted), "Ringing", "Interested in other products"      levels
                            (nearly none converted)
``lead_quality``            sales' rating, filled for most converted leads and few     missing-
(Lead Quality)              others                                                     ness
``last_activity``           the last activity at export time (a snapshot)              progress
(Last Activity)
``call_duration``           seconds on the phone with sales (known after the call)     progress
(Call Duration (s))
``stage_change_count``      times the lead changed stage: grows as the deal advances   progress
(Stage Change Count)        and with the lead's age at the export
``revenue_past_two_years``  the client's revenue over the past two years, from the     honest
(Revenue From Client Past   account (known before contact): **not** a calendar field
Two Years)                  and not a leak
==========================  =========================================================  =========

Every value is drawn from what the generated sales process did to the lead (sales touches,
opportunity) with its own seeded random generator: the organization's other files are those of
:func:`helpers.synth.write_org` for the same config, unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers.synth.config import SynthConfig

#: The added fields: mapped name -> (export column, leak kind, what it is).
LEAK_FIELDS: dict[str, tuple[str, str, str]] = {
    "tags": ("Tags", "near-pure levels", "sales' free status of the lead"),
    "lead_quality": ("Lead Quality", "missingness", "sales' rating, filled mostly after contact"),
    "last_activity": ("Last Activity", "process progress", "last activity at export time"),
    "call_duration": ("Call Duration (s)", "process progress", "seconds on the phone with sales"),
    "stage_change_count": (
        "Stage Change Count",
        "process progress",
        "stage changes so far: grows as the deal advances",
    ),
}
#: Honest fields added beside the leaks (must be kept): mapped name -> export column.
HONEST_FIELDS: dict[str, str] = {"revenue_past_two_years": "Revenue From Client Past Two Years"}

_TAGS = [
    "Closed by sales",
    "Will revert after reading the email",
    "Ringing",
    "Interested in other products",
    "Switched off",
]
_QUALITY = ["High in relevance", "Might be", "Not sure", "Low in relevance", "Worst"]
_ACTIVITY = [
    "SMS Sent",
    "Email Opened",
    "Had a Phone Conversation",
    "Page Visited on Website",
    "Olark Chat Conversation",
    "Email Bounced",
]


def _process_facts(leads: pd.DataFrame, activities: pd.DataFrame, opps: pd.DataFrame) -> dict:
    """Per lead: converted (has an opportunity), touched by sales, and days since creation."""
    ids = leads["lead_id"]
    converted = ids.isin(opps.loc[opps["lead_id"].ne(""), "lead_id"]).to_numpy()
    sales = activities[activities["team"].eq("sales")]
    touched = ids.isin(sales["lead_id"]).to_numpy()
    created = pd.to_datetime(leads["created_at"])
    age_days = ((created.max() - created).dt.total_seconds() / 86400).to_numpy()
    return {"converted": converted, "touched": touched, "age_days": age_days}


def _pick(
    rng: np.random.Generator, groups: np.ndarray, table: dict[int, list[float]], labels: list[str]
) -> np.ndarray:
    """One label (or "" for empty) per row, drawn with the weights of its group.

    ``table`` maps a group code to weights over ``labels + [empty]``.
    """
    u = rng.random(groups.size)
    out = np.full(groups.size, "", dtype=object)
    choices = np.array([*labels, ""], dtype=object)
    for g, weights in table.items():
        rows = groups == g
        cum = np.cumsum(weights) / np.sum(weights)
        out[rows] = choices[np.minimum(np.searchsorted(cum, u[rows], side="right"), len(cum) - 1)]
    return out


def add_leak_fields(
    leads: pd.DataFrame,
    activities: pd.DataFrame,
    opportunities: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    seed: int,
) -> pd.DataFrame:
    """The raw leads with the five leak fields and the honest control field added.

    Parameters
    ----------
    leads, activities, opportunities, accounts : DataFrame
        A generated organization's raw tables as text (``dtype=str``, empty cells ``""``).
    seed : int
        Seed of the draws (the organization's seed gives a reproducible folder).

    Returns
    -------
    DataFrame
        ``leads`` with the export columns of :data:`LEAK_FIELDS` and :data:`HONEST_FIELDS`.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4012]))
    f = _process_facts(leads, activities, opportunities)
    conv, touched, age = f["converted"], f["touched"], f["age_days"]
    group = np.where(conv, 0, np.where(touched, 1, 2))  # converted / worked, lost / untouched
    out = leads.copy()
    out["Tags"] = _pick(
        rng,
        group,
        {
            0: [0.55, 0.25, 0.0, 0.0, 0.0, 0.20],
            1: [0.0, 0.18, 0.34, 0.14, 0.08, 0.26],
            2: [0.0, 0.04, 0.10, 0.03, 0.03, 0.80],
        },
        _TAGS,
    )
    filled = rng.random(conv.size) < np.where(conv, 0.78, np.where(touched, 0.24, 0.08))
    quality = _pick(
        rng,
        np.where(conv, 0, 1),
        {
            0: [0.40, 0.30, 0.25, 0.05, 0.0, 0.0],
            1: [0.08, 0.22, 0.30, 0.25, 0.15, 0.0],
        },
        _QUALITY,
    )
    out["Lead Quality"] = np.where(filled, quality, "")
    out["Last Activity"] = _pick(
        rng,
        group,
        {
            0: [0.40, 0.28, 0.12, 0.15, 0.05, 0.0, 0.0],
            1: [0.10, 0.36, 0.06, 0.24, 0.16, 0.08, 0.0],
            2: [0.04, 0.34, 0.0, 0.32, 0.20, 0.10, 0.0],
        },
        _ACTIVITY,
    )
    talk = np.where(
        conv, rng.lognormal(np.log(210), 0.9, conv.size), rng.lognormal(np.log(150), 1.0, conv.size)
    )
    called = touched & (rng.random(conv.size) < np.where(conv, 0.82, 0.85))
    out["Call Duration (s)"] = np.where(called, np.round(talk), 0).astype(int).astype(str)
    base = np.where(conv, 1.6, np.where(touched, 0.7, 0.15))
    changes = rng.poisson(base + age / 240.0) + conv.astype(int)
    out["Stage Change Count"] = changes.astype(str)
    out["Revenue From Client Past Two Years"] = _past_revenue(rng, leads, accounts)
    return out


def _past_revenue(rng: np.random.Generator, leads: pd.DataFrame, accounts: pd.DataFrame):
    """Two years of the client's revenue (from its account, noisy; empty without an account)."""
    rev = pd.to_numeric(accounts.set_index("account_id")["annual_revenue"], errors="coerce")
    own = leads["account_id"].map(rev).to_numpy(dtype="float64")
    noisy = 2 * own * np.exp(rng.normal(0, 0.3, own.size))
    text = pd.Series(np.round(noisy, -3)).map(lambda v: "" if np.isnan(v) else f"{v:.0f}")
    return text.to_numpy(dtype=object)


def write_leaky_org(config: SynthConfig, out_dir: str | Path) -> Path:
    """Write a generated organization whose leads carry the leak fields of :func:`add_leak_fields`.

    The folder is that of :func:`helpers.synth.write_org` for ``config``, with the added
    columns in ``leads.csv``, mapped in ``org.yml`` (``columns.leads``) and listed in
    ``truths.yml`` under ``leak_fields`` (with the honest controls under ``honest_fields``).

    Parameters
    ----------
    config : SynthConfig
        Any scenario (``SCENARIOS["sample"].replace(n_leads=3000, seed=5)``).
    out_dir : path-like
        Folder to create or overwrite.

    Returns
    -------
    Path
        The organization folder.
    """
    from helpers.synth.writer import write_csv, write_org

    out = write_org(config, out_dir)

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)

    leads = add_leak_fields(
        read("leads"),
        read("activities"),
        read("opportunities"),
        read("accounts"),
        seed=config.seed,
    )
    write_csv(leads, out / "leads.csv")
    org_path, truths_path = out / "org.yml", out / "truths.yml"
    header, org = _split_header(org_path.read_text(encoding="utf-8"))
    mapped = {name: spec[0] for name, spec in LEAK_FIELDS.items()} | HONEST_FIELDS
    org["columns"]["leads"].update(mapped)
    org_path.write_text(header + _dump(org), encoding="utf-8")
    header, truths = _split_header(truths_path.read_text(encoding="utf-8"))
    truths["leak_fields"] = {
        name: {"column": col, "kind": kind, "what": what}
        for name, (col, kind, what) in LEAK_FIELDS.items()
    }
    truths["honest_fields"] = {name: {"column": col} for name, col in HONEST_FIELDS.items()}
    truths_path.write_text(header + _dump(truths), encoding="utf-8")
    return out


def _split_header(text: str) -> tuple[str, dict]:
    """A generated YAML file's leading comment lines and its parsed content."""
    lines = text.splitlines(keepends=True)
    header = "".join(ln for ln in lines if ln.startswith("#"))
    return header, yaml.safe_load(text)


def _dump(data: dict) -> str:
    """YAML text as the generator writes it (keys in order)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
