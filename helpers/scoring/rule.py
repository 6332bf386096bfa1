"""The agreed rule-based MQL definition (ICP fit plus shown interest), and its fallback outputs.

Below the data-sufficiency gate the agreed rule scores the leads: :func:`rule_scored_table`
gives each lead its MQL flag and the conditions met or missed, :func:`rule_definition` the
``mql_definition.yml`` content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.scoring.features import MISSING, FeatureSet, _feature_label

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult


@dataclass
class RuleSpec:
    """The agreed rule-based MQL definition: ICP fit plus shown interest."""

    tiers: tuple[str, ...] = ("A", "B")
    min_touches: int = 2
    touch_column: str = "n_marketing"

    def describe(self, fs_columns: list[str]) -> str:
        """The rule in words, with the conditions the features allow."""
        parts = []
        if "icp_tier" in fs_columns:
            parts.append(f"ICP tier in {', '.join(self.tiers)}")
        col = self.touch_column if self.touch_column in fs_columns else "n_activities"
        if col in fs_columns:
            parts.append(f"at least {self.min_touches} {_feature_label(col).lower()}")
        return " and ".join(parts) if parts else "no rule can be built (no ICP tier, no activities)"


def rule_scores(frame: pd.DataFrame, rule: RuleSpec) -> np.ndarray:
    """Number of the rule's conditions a lead meets (0, 1 or 2; 2 = MQL by the agreed rule).

    Without an ICP tier or activities, only the available condition counts.
    """
    n = len(frame)
    score = np.zeros(n, dtype="float64")
    if "icp_tier" in frame.columns:
        score += frame["icp_tier"].isin(list(rule.tiers)).to_numpy(dtype="float64")
    col = rule.touch_column if rule.touch_column in frame.columns else "n_activities"
    if col in frame.columns:
        score += (frame[col].fillna(0).to_numpy() >= rule.min_touches).astype("float64")
    return score


def rule_is_mql(frame: pd.DataFrame, rule: RuleSpec) -> np.ndarray:
    """True where a lead meets every available condition of the agreed rule."""
    n_cond = int("icp_tier" in frame.columns) + int(
        (rule.touch_column in frame.columns) or ("n_activities" in frame.columns)
    )
    s = rule_scores(frame, rule)
    return s >= n_cond if n_cond else np.zeros(len(frame), dtype=bool)


def rule_scored_leads(fs: FeatureSet, rule: RuleSpec) -> pd.DataFrame:
    """Fallback scores from the agreed rule: conditions met, MQL flag and reasons in words."""
    f = fs.frame
    n = len(f)
    cond_for = np.full(n, "", dtype=object)
    cond_against = np.full(n, "", dtype=object)
    if "icp_tier" in f.columns:
        tier = (
            f["icp_tier"]
            .astype("object")
            .where(f["icp_tier"].notna(), MISSING)
            .astype(str)
            .to_numpy()
        )
        ok = np.isin(tier, list(rule.tiers))
        cond_for = np.where(ok, "ICP tier " + tier, cond_for)
        cond_against = np.where(
            ok, cond_against, "ICP tier " + tier + " (needs " + "/".join(rule.tiers) + ")"
        )
    col = rule.touch_column if rule.touch_column in f.columns else "n_activities"
    if col in f.columns:
        t = f[col].fillna(0).to_numpy().astype(int)
        ok = t >= rule.min_touches
        txt = pd.Series(t).astype(str).to_numpy(dtype=object) + f" {_feature_label(col).lower()}"
        sep_f = np.where(cond_for != "", "; ", "")
        sep_a = np.where(cond_against != "", "; ", "")
        cond_for = np.where(ok, cond_for + sep_f + txt, cond_for)
        cond_against = np.where(
            ok, cond_against, cond_against + sep_a + txt + f" (needs {rule.min_touches})"
        )
    met = rule_scores(f, rule)
    return pd.DataFrame(
        {
            "conditions_met": met.astype(int),
            "mql": rule_is_mql(f, rule),
            "reasons_for": cond_for,
            "reasons_against": cond_against,
        }
    )


def rule_scored_table(fs: FeatureSet, labels: LabelResult, rule: RuleSpec) -> pd.DataFrame:
    """``scored_leads.csv`` rows when the agreed rule is used (fallback): MQL flag and why."""
    out = rule_scored_leads(fs, rule)
    out.insert(0, "lead_id", labels.table["lead_id"].to_numpy())
    return out.sort_values(
        ["conditions_met", "lead_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def rule_definition(rule: RuleSpec, fs_columns: list[str], label: LabelResult, reason: str) -> dict:
    """The ``mql_definition.yml`` content when the gate falls back to the agreed rules."""
    return {
        "definition": "A lead is an MQL when it meets every agreed rule below.",
        "rule": rule.describe(fs_columns),
        "tiers": list(rule.tiers),
        "min_touches": rule.min_touches,
        "touch_column": rule.touch_column,
        "label": label.describe(),
        "why_rules": reason,
    }
