"""Step 2, the candidate features: what is known about a lead at its scoring moment.

:func:`build_features` takes firmographics (from the lead's account), job title seniority and
function, source, the ICP tier (for the agreed rule only), extra lead attributes and marketing
activity counts **up to the scoring moment**. Calendar and cohort fields, identifiers, a person's
key and sales' own actions are never features; each skipped column says why.
:func:`model_matrix` codes the features as the models' numeric input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.scoring.activities import activity_counts
from helpers.scoring.field_rules import calendar_reason

#: How a missing value reads in bins, points and reasons (a real level "Unknown" stays apart).
MISSING = "(missing)"
#: The class of rare and unseen text values in the points table.
OTHER = "(other values)"
#: Timing of a feature whose values the dates prove known at the scoring moment.
KNOWN_AT_MOMENT = "known at scoring moment"

#: Canonical lead columns that are never model inputs, and why (shown in the audit).
NOT_FEATURES: dict[str, str] = {
    "lead_id": "identifier",
    "created_at": "defines the scoring moment; calendar fields are not drivers",
    "account_id": "join key to the account's firmographics",
    "owner_id": "rep assignment: decided by sales after the lead arrives",
    "stage": "current stage at export: known only after the outcome",
    "mql_at": "funnel timestamp of the process being predicted",
    "sal_at": "funnel timestamp of the process being predicted",
    "sql_at": "funnel timestamp of the process being predicted",
    "disqualified_at": "recorded when the lead is closed out: after the outcome",
    "disqualify_reason": "recorded when the lead is closed out: after the outcome",
    "converted": "the label itself",
    "sales_touches": "counted up to the export date, not the scoring moment",
    "marketing_touches": "counted up to the export date, not the scoring moment",
    "job_title": "used through its seniority and function",
}

SALES_ACTIONS = (
    "sales' own actions are the treatment the score decides on, not a trait of the lead: "
    "counting them would teach the score sales' past choices"
)
NOT_FEATURES["first_sales_touch_at"] = SALES_ACTIONS

#: Plain words for the features the module derives.
FEATURE_LABELS: dict[str, str] = {
    "source": "Lead source",
    "seniority": "Job seniority",
    "function": "Job function",
    "industry": "Industry",
    "sic_group": "Industry (SIC major group)",
    "annual_revenue": "Company revenue",
    "employees": "Employees",
    "locations": "Sites",
    "country": "Country",
    "region": "Region",
    "icp_tier": "ICP tier",
    "n_activities": "Touches before scoring",
    "n_marketing": "Marketing touches before scoring",
    "n_sales": "Sales touches before scoring",
}


def title_seniority(titles: pd.Series) -> pd.Series:
    """C-level, VP, Director, Manager or Individual (NA when the title is missing).

    The same normalisation as the ICP module (:func:`helpers.icp.normalise_seniority`).
    """
    from helpers.icp import UNKNOWN, normalise_seniority

    out = normalise_seniority(titles)
    return out.where(out.ne(UNKNOWN))


def title_function(titles: pd.Series) -> pd.Series:
    """marketing, sales, IT, finance, operations, HR or other (NA when the title is missing)."""
    from helpers.icp import UNKNOWN, normalise_function

    out = normalise_function(titles)
    return out.where(out.ne(UNKNOWN))


@dataclass
class FeatureSet:
    """Candidate features of every lead, known at its scoring moment.

    Attributes
    ----------
    frame : DataFrame
        One row per lead (leads' order), raw values: floats with NaN, text with NA.
    numeric, categorical : list of str
        Column names by kind.
    labels : dict
        Feature -> plain words for charts and reasons.
    sources : dict
        Feature -> where it comes from and why it is known at the scoring moment.
    skipped : dict
        Lead/account column -> why it is not a feature.
    after_moment : dict
        Datetime column -> share of its filled values recorded after the scoring moment.
    config : dict
        What :func:`build_features` needs to rebuild the same features on new data.
    timing : dict
        Feature -> when it is known, where dates prove it (activity counts up to the moment,
        dated fields compared with it); every other feature's timing is unknown.
    """

    frame: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    labels: dict[str, str]
    sources: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)
    after_moment: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every feature: text features first, then numbers."""
        return self.categorical + self.numeric

    def drop(self, columns: list[str], reason: str) -> FeatureSet:
        """A copy without ``columns`` (recorded in ``skipped`` with ``reason``)."""
        cols = set(columns)
        skipped = dict(self.skipped)
        skipped.update({c: reason for c in columns})
        cfg = dict(self.config)
        cfg["numeric"] = [c for c in self.numeric if c not in cols]
        cfg["categorical"] = [c for c in self.categorical if c not in cols]
        return FeatureSet(
            frame=self.frame.drop(columns=[c for c in columns if c in self.frame.columns]),
            numeric=cfg["numeric"],
            categorical=cfg["categorical"],
            labels=self.labels,
            sources=self.sources,
            skipped=skipped,
            after_moment=self.after_moment,
            config=cfg,
            timing=self.timing,
        )


def build_features(
    leads: pd.DataFrame,
    moments: pd.Series,
    *,
    accounts: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    icp_tiers: pd.Series | None = None,
    config: dict | None = None,
    personal_columns: list[str] | tuple[str, ...] = (),
    max_activity_types: int = 12,
    lead_col: str = "lead_id",
) -> FeatureSet:
    """Candidate features of every lead, each known at its scoring moment.

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (extra mapped columns become candidate features).
    moments : Series
        Scoring moment per lead, aligned with ``leads`` (``LabelResult.table.scoring_moment``).
    accounts, activities : DataFrame, optional
        Firmographics (joined on ``account_id``) and the activity log.
    icp_tiers : Series, optional
        ICP tier (A-D) per lead, aligned with ``leads`` (see :func:`icp_tiers_for_leads`).
    config : dict, optional
        A stored :attr:`FeatureSet.config` to rebuild exactly the same columns on new data.
    personal_columns : list of str
        Lead columns that hold a (hashed) person key, e.g. ``org.yml: hash_columns.leads``:
        never features.
    """
    if len(moments) != len(leads):
        raise ValueError("moments must have one scoring moment per lead.")
    leads = leads.reset_index(drop=True)
    moments = pd.Series(np.asarray(moments, dtype="datetime64[ns]"))
    cand = _Candidates()
    _add_lead_traits(cand, leads)
    if accounts is not None and "account_id" in leads.columns:
        _add_account_traits(cand, leads, accounts)
    rule_only = {}
    if icp_tiers is not None:
        rule_only["icp_tier"] = _text(pd.Series(np.asarray(icp_tiers, dtype=object)))
        cand.sources["icp_tier"] = "icp.yml tiers from the account's firmographics"
        cand.skipped["icp_tier"] = (
            "used by the agreed rule only: the tiers were learned from every deal, test period "
            "included, so the models use the firmographics behind them instead"
        )
    _add_extra_lead_fields(cand, leads, moments, personal_columns)
    types = (config or {}).get("activity_types")
    if activities is not None and len(activities):
        types = _add_activity_counts(
            cand, leads[lead_col], moments, activities, types, max_activity_types
        )
    frame, numeric, categorical = _typed_frame(cand.cols, len(leads))
    if config is not None:
        frame, numeric, categorical = _as_configured(frame, config)
    else:
        frame, numeric, categorical = _drop_uninformative(
            frame, numeric, categorical, cand.skipped, rule_only
        )
    for c, v in rule_only.items():
        frame[c] = v.to_numpy()
    labels = {c: _feature_label(c) for c in frame.columns}
    cfg = {
        "numeric": numeric,
        "categorical": categorical,
        "activity_types": list(types) if types is not None else [],
        "vocab": (config or {}).get("vocab") or fit_vocabulary(frame, categorical),
    }
    return FeatureSet(
        frame,
        numeric,
        categorical,
        labels,
        cand.sources,
        cand.skipped,
        cand.after,
        cfg,
        cand.timing,
    )


@dataclass
class _Candidates:
    """The candidate columns :func:`build_features` collects, in order, and why others are out."""

    cols: dict[str, pd.Series] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)
    timing: dict[str, str] = field(default_factory=dict)


def _text(s: pd.Series) -> pd.Series:
    """Stripped text, NA where empty or missing."""
    s = s.astype("str").str.strip()
    return s.where(s.ne("") & s.notna())


def _add_lead_traits(cand: _Candidates, leads: pd.DataFrame) -> None:
    """The lead's source, and its seniority and function from the job title."""
    if "source" in leads.columns:
        cand.cols["source"] = _text(leads["source"])
        cand.sources["source"] = "leads.source: known when the lead arrives"
    if "job_title" in leads.columns and leads["job_title"].notna().any():
        cand.cols["seniority"] = _text(title_seniority(leads["job_title"]))
        cand.cols["function"] = _text(title_function(leads["job_title"]))
        cand.sources["seniority"] = cand.sources["function"] = (
            "leads.job_title, normalised: given on the form"
        )


def _add_account_traits(cand: _Candidates, leads: pd.DataFrame, accounts: pd.DataFrame) -> None:
    """The firmographics of each lead's account (NaN for an unknown account)."""
    acc = accounts.drop_duplicates("account_id").set_index("account_id")
    pos = acc.index.get_indexer(leads["account_id"].to_numpy())
    for c in acc.columns:
        if c == "name":
            cand.skipped["accounts.name"] = "company name: an identifier, not a trait"
            continue
        s = acc[c].iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True)
        s = s.where(pd.Series(pos >= 0))
        if c == "sic_code":
            cand.cols["sic_group"] = _text(_sic_group_names(s))
            cand.sources["sic_group"] = "accounts.sic_code (2-digit major group): firmographic"
            continue
        name = c if c not in cand.cols else f"account_{c}"
        cand.cols[name] = s
        cand.sources[name] = f"accounts.{c}: firmographic, known before contact"


def _add_extra_lead_fields(
    cand: _Candidates, leads: pd.DataFrame, moments: pd.Series, personal_columns
) -> None:
    """Mapped lead columns beyond the canonical ones; dates become "happened by the moment".

    Canonical columns that are never features, a person's key and calendar or cohort fields
    are recorded in ``skipped`` with the reason.
    """
    canonical = set(schema.TABLES["leads"])
    for c in leads.columns:
        if c in canonical:
            if c in NOT_FEATURES:
                cand.skipped[c] = NOT_FEATURES[c]
            continue
        s = leads[c]
        if c in personal_columns:
            cand.skipped[c] = "a person's key (hashed): identifies someone, not a trait of the lead"
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            filled = s.notna()
            share = float((s[filled] > moments[filled]).mean()) if filled.any() else 0.0
            cand.after[c] = share
            cand.cols[f"{c}_by_scoring"] = (s.notna() & (s <= moments)).astype("float64")
            cand.sources[f"{c}_by_scoring"] = (
                f"leads.{c}: whether it happened by the scoring moment"
            )
            cand.timing[f"{c}_by_scoring"] = f"{KNOWN_AT_MOMENT} (its date is compared with it)"
            continue
        calendar = calendar_reason(c, s)
        if calendar is not None:
            cand.skipped[c] = calendar
            continue
        cand.cols[c] = s
        cand.sources[c] = f"leads.{c}: extra lead attribute"
    if "first_sales_touch_at" in leads.columns:
        cand.skipped["first_sales_touch_at"] = SALES_ACTIONS


def _add_activity_counts(
    cand: _Candidates,
    lead_ids: pd.Series,
    moments: pd.Series,
    activities: pd.DataFrame,
    types: list[str] | None,
    max_types: int,
) -> list[str]:
    """Marketing activities by type up to the scoring moment; returns the types counted."""
    has_team = "team" in activities.columns
    counts, types = activity_counts(
        lead_ids,
        moments,
        activities,
        types=types,
        max_types=max_types,
        teams=("marketing",) if has_team else None,
    )
    for c in counts.columns:
        cand.cols[c] = counts[c]
        cand.sources[c] = "marketing activities, counted strictly up to the scoring moment"
        cand.timing[c] = f"{KNOWN_AT_MOMENT} (counted from dated activities)"
    if has_team:
        cand.skipped["activities (sales team)"] = SALES_ACTIONS
    return types


def _typed_frame(
    cols: dict[str, pd.Series], n_rows: int
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The candidates as one frame: numbers and flags as floats, the rest as text."""
    frame = pd.DataFrame(cols, index=pd.RangeIndex(n_rows))
    numeric, categorical = [], []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s) or str(s.dtype) == "boolean":
            frame[c] = s.astype("float64")
            numeric.append(c)
        elif pd.api.types.is_numeric_dtype(s):
            frame[c] = s.astype("float64")
            numeric.append(c)
        else:
            frame[c] = _text(s)
            categorical.append(c)
    return frame, numeric, categorical


def _as_configured(frame: pd.DataFrame, config: dict) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Exactly the columns of a stored configuration (absent counts 0, other absent values NA)."""
    numeric = [c for c in config["numeric"]]
    categorical = [c for c in config["categorical"]]
    for c in numeric:
        if c not in frame.columns:
            frame[c] = 0.0 if c.startswith("n_") else np.nan
    for c in categorical:
        if c not in frame.columns:
            frame[c] = pd.Series(pd.NA, index=frame.index, dtype="str")
    return frame[categorical + numeric], numeric, categorical


def _drop_uninformative(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    skipped: dict[str, str],
    rule_only: dict[str, pd.Series],
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Without free text, identifiers and constant columns (each recorded in ``skipped``)."""
    for c in list(categorical):
        nun = frame[c].nunique()
        filled = frame[c].notna().sum()
        if filled and nun > max(50, 0.5 * filled):
            skipped[c] = "free text or identifier (almost every value differs)"
            categorical.remove(c)
    for c in list(numeric) + list(categorical):
        if frame[c].nunique(dropna=False) <= 1 and c not in rule_only:
            skipped[c] = "constant: the same value for every lead"
            (numeric if c in numeric else categorical).remove(c)
    return frame[categorical + numeric], numeric, categorical


def _sic_group_names(codes: pd.Series) -> pd.Series:
    """``"73 Business Services"`` from a SIC code (2-digit major group and its name)."""
    from helpers.icp import read_sic_codes

    group = codes.astype("str").str.strip().str[:2]
    group = group.where(group.str.fullmatch(r"\d\d", na=False))
    try:
        ref = read_sic_codes().drop_duplicates("industry_group")
        names = pd.Series(
            ref["industry_group_name"].to_numpy(), index=ref["industry_group"].to_numpy()
        )
    except (OSError, ValueError):
        names = pd.Series(dtype="str")
    named = group + " " + group.map(names)
    return named.fillna(group).where(group.notna())


def _feature_label(name: str) -> str:
    """Plain words for a feature: ``n_webinar`` -> ``"Webinar touches before scoring"``."""
    if name in FEATURE_LABELS:
        return FEATURE_LABELS[name]
    if name.startswith("n_"):
        return f"{name[2:].replace('_', ' ').capitalize()} touches before scoring"
    if name.endswith("_by_scoring"):
        return f"{name[: -len('_by_scoring')].replace('_', ' ').capitalize()} by scoring"
    return name.replace("_", " ").capitalize()


def fit_vocabulary(
    frame: pd.DataFrame, categorical: list[str], *, max_categories: int = 100, min_count: int = 20
) -> dict[str, list[str]]:
    """The values each text feature keeps as its own category (most frequent first).

    Values seen fewer than ``min_count`` times, beyond the ``max_categories`` most frequent,
    or new at scoring time share one ``other`` code. Uses value counts only, never the label.
    """
    vocab = {}
    for c in categorical:
        vc = frame[c].value_counts()
        vocab[c] = [str(v) for v in vc[vc >= min_count].index[:max_categories]]
    return vocab


def model_matrix(
    fs_or_frame,
    numeric: list[str],
    categorical: list[str],
    vocab: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The models' input, all numbers: each text feature as a category code.

    Code ``i`` is the vocabulary's ``i``-th value, ``len(vocabulary)`` any other value, NaN a
    missing one; numbers stay as they are. Coding once here keeps 1M-lead fits fast.
    """
    if isinstance(fs_or_frame, FeatureSet):
        frame = fs_or_frame.frame
        vocab = vocab if vocab is not None else fs_or_frame.config.get("vocab")
    else:
        frame = fs_or_frame
    if vocab is None:
        vocab = fit_vocabulary(frame, categorical)
    out = {}
    for c in categorical:
        s = frame[c]
        codes = pd.Index(vocab[c], dtype="str").get_indexer(s.astype("str")).astype("float64")
        codes[codes < 0] = len(vocab[c])
        codes[s.isna().to_numpy()] = np.nan
        out[c] = codes
    for c in numeric:
        out[c] = frame[c].to_numpy(dtype="float64")
    return pd.DataFrame(out, index=frame.index, columns=categorical + numeric)
