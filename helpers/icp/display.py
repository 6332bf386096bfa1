"""What the notebook shows: notes, rounded tables and one-sentence readings of the ICP."""

from __future__ import annotations

import re

import pandas as pd

from helpers.icp.inputs import IcpInputs
from helpers.icp.labels import PERSONA, TIERS, dimension_label
from helpers.icp.model import IcpModel
from helpers.icp.titles import normalise_function, normalise_seniority


def sample_note(inputs: IcpInputs, min_n: int = 30) -> str | None:
    """A warning sentence when there are too few closed outcomes to rank segments, else ``None``."""
    n = len(inputs.deals)
    if n >= 2 * min_n:
        return None
    return (
        f"Only {n:,} closed outcomes: fewer than twice the minimum segment size ({min_n}), so no "
        "segment can be ranked; read the charts below as an illustration, not as evidence."
    )


def table_for(tables: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The rows of one dimension from :func:`segment_tables`."""
    return tables[tables["dimension"] == dimension].reset_index(drop=True)


_SHOW_COLUMNS = [
    "segment",
    "opportunities",
    "wins",
    "win_rate",
    "ci_low",
    "ci_high",
    "lift",
    "avg_won_amount",
    "median_cycle_days",
    "revenue_per_lead",
    "reliable",
]


def show_table(tables: pd.DataFrame, dimension: str, n: int | None = None) -> pd.DataFrame:
    """A dimension's segment table for display: rounded, largest segments first when ``n`` is given."""
    t = table_for(tables, dimension)
    if n is not None:
        t = t.sort_values(
            ["opportunities", "segment"], ascending=[False, True], kind="stable"
        ).head(n)
    t = t[_SHOW_COLUMNS].set_index("segment")
    t.index.name = dimension_label(dimension)
    return t.round(
        {
            "win_rate": 3,
            "ci_low": 3,
            "ci_high": 3,
            "lift": 2,
            "avg_won_amount": 0,
            "median_cycle_days": 1,
            "revenue_per_lead": 1,
        }
    )


def show_top(top: pd.DataFrame) -> pd.DataFrame:
    """:func:`top_segments` for display (dimension names spelled out, rounded)."""
    t = top.assign(dimension=top["dimension"].map(dimension_label))
    cols = ["dimension", "segment", "opportunities", "win_rate", "ci_low", "ci_high", "lift"]
    return t[cols].round({"win_rate": 3, "ci_low": 3, "ci_high": 3, "lift": 2})


def show_evidence(model: IcpModel) -> pd.DataFrame:
    """The model's evidence per kept dimension, for display (rounded)."""
    rows = [
        {
            "dimension": dimension_label(d),
            "winning segments": ", ".join(e["segments"]),
            "odds ratio": round(e["odds_ratio"], 2),
            "log-odds": round(e["log_odds"], 2),
            "std. error": round(e["std_error"], 2),
            "p-value": round(e["p_value"], 4),
        }
        for d, e in model.evidence.items()
    ]
    cols = ["dimension", "winning segments", "odds ratio", "log-odds", "std. error", "p-value"]
    return pd.DataFrame(rows, columns=cols)


def icp_segments(model: IcpModel) -> list[str]:
    """Every segment named by the ICP rule or the buyer profile (for highlighting charts)."""
    out = [s for c in model.conditions for s in c.segments]
    for segs in model.personas.values():
        out += list(segs)
    return out


def describe_personas(model: IcpModel) -> str:
    """The buyer profile in one sentence."""
    parts = []
    for d in PERSONA:
        if d in model.personas:
            segs = model.personas[d]
            label = dimension_label(d).lower()
            parts.append(f"{label} in {{{', '.join(segs)}}}" if segs else f"no {label} stands out")
    return "; ".join(parts) if parts else "no job titles in the data."


def heatmap_pair(inputs: IcpInputs) -> tuple[str, str] | None:
    """The (industry, size) dimensions for the lift heat map, or ``None`` when one is missing."""
    row = inputs.industry_dimension
    col = next(
        (d for d in ("employee_band", "revenue_band", "locations_band") if d in inputs.dimensions),
        None,
    )
    if row is None or col is None:
        return None
    return row, col


def rule_point(icp: dict) -> tuple[float, float] | None:
    """(coverage of leads - or of deals without leads -, win rate) of the ICP rule, for the curve."""
    ev = icp.get("rule", {}).get("evidence")
    if not ev or not icp["rule"].get("conditions"):
        return None
    cov = ev.get("leads_share")
    if cov is None:
        cov = ev.get("opportunities_share")
    return (cov, ev.get("win_rate"))


def tier_counts(account_tiers: pd.DataFrame | None) -> dict[str, int]:
    """Accounts per tier A-D (empty without accounts)."""
    if account_tiers is None:
        return {}
    counts = account_tiers["tier"].value_counts().reindex(list(TIERS)).fillna(0).astype(int)
    return {k: int(v) for k, v in counts.items()}


def tier_sentence(counts: dict[str, int]) -> str:
    """Accounts per tier (:func:`tier_counts`) in one sentence, e.g. ``"Of the 400 accounts,
    18 are in tier A, 131 in tier B, 251 in tier C and none in tier D."``"""
    total = sum(counts.values())
    if not total:
        return "There are no accounts to give tiers to."
    if total == 1:
        return f"The one account is in tier {next(k for k, v in counts.items() if v)}."
    parts = [f"{v:,} in tier {k}" if v else f"none in tier {k}" for k, v in counts.items()]
    first = next(iter(counts.values()))
    parts[0] = parts[0].replace(" in tier", " is in tier" if first == 1 else " are in tier", 1)
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"Of the {total:,} accounts, {listed}."


def title_examples(leads: pd.DataFrame, n: int = 12, title: str = "job_title") -> pd.DataFrame:
    """The most frequent job titles with the seniority and function they map to."""
    if title not in leads or not leads[title].notna().any():
        return pd.DataFrame(columns=["job_title", "leads", "seniority", "function"])
    counts = leads[title].astype("str").value_counts().head(n)
    t = pd.Series(counts.index, dtype="str")
    return pd.DataFrame(
        {
            "job_title": t,
            "leads": counts.to_numpy(),
            "seniority": normalise_seniority(t),
            "function": normalise_function(t),
        }
    )


def extra_note(inputs: IcpInputs, declared) -> str | None:
    """One sentence when the "other attributes" section has nothing to show, else ``None``."""
    if inputs.extra:
        return None
    if not declared:
        return (
            "Section skipped: no other attribute is declared (list columns under "
            "parameters: icp_segments in org.yml to segment by them)."
        )
    return (
        "Section skipped: none of the declared attributes (icp_segments) can be used; the notes "
        "at the top say why."
    )


def figure_name(dimension: str) -> str:
    """The PNG name of a dimension's win-rate chart (``01_win_rate_<dimension>``, file-safe)."""
    return "01_win_rate_" + (re.sub(r"[^A-Za-z0-9_-]+", "_", str(dimension)).strip("_") or "x")


def tier_note(icp: dict) -> str | None:
    """A sentence when every row gets the same fit score (tiers separate nothing), else ``None``."""
    fm = icp.get("fit_model", {})
    effects = [*fm.get("coefficients", {}).values(), *(fm.get("deal_effects") or {}).values()]
    if any(abs(float(v or 0.0)) > 0 for e in effects for v in e.values()):
        return None
    return (
        "Section skipped: no account or deal attribute wins clearly, so every account and deal "
        "gets the same fit score and the tiers separate nothing."
    )
