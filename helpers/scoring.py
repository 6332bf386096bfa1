"""Module 4: a leakage-safe, time-aware MQL classifier turned into an agreed points table.

The steps, each a function a notebook calls in turn:

1. :func:`build_labels` - converted (to SQL, opportunity or won) within ``horizon_days`` of the
   scoring moment (``created_at + score_after_days``); leads too young to know are excluded,
   never counted as failures. Lead-only exports without dates use their ``converted`` flag.
2. :func:`build_features` - firmographics, job title seniority and function, source, ICP tier,
   extra lead attributes, and marketing/sales activity counts **up to the scoring moment**.
3. :func:`detect_leaks` and :func:`feature_audit` - fields filled mostly for converted leads,
   recorded after the scoring moment, or that alone predict the label almost perfectly are
   excluded, with a report.
4. :func:`check_sufficiency` - the data-sufficiency gate (1,000 leads / 120 conversions).
5. :func:`fit_scorers` - the agreed rule, a logistic regression and gradient boosting, compared
   on the same out-of-time test rows (stratified cross-validation without dates).
6. :func:`capacity_threshold` / :func:`cost_benefit_threshold` - where to cut.
7. :func:`fit_scorecard` - an integer points table (the explicit MQL definition) and the
   reasons each lead gets, read from the points.
8. :func:`save_model` / :func:`load_model` (skops with a fixed allowlist), :func:`score_org`.

Charts live in :mod:`helpers.scoring_plots`.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    QuantileTransformer,
    SplineTransformer,
)

from helpers.core import schema

LABEL_STAGES = ("sql", "opportunity", "won")
#: A first conversion this many days after the first lead means conversions were not recorded
#: before it (left-censoring), not that nobody converted.
RECORDING_GAP_DAYS = 60
MODEL_FORMAT = "alignment-edge-mql/1"
MISSING = "unknown"
OTHER = "other"

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

_CALENDAR = re.compile(r"(^|_)(month|year|week|quarter|day|date|period|cohort)s?($|_)", re.I)


# --------------------------------------------------------------------------------------------
# 1. Label
# --------------------------------------------------------------------------------------------


@dataclass
class LabelResult:
    """The label of every lead and why some leads are left out.

    Attributes
    ----------
    table : DataFrame
        One row per lead, in the leads' order: ``lead_id``, ``created_at``, ``scoring_moment``,
        ``converted_at``, ``eligible`` (bool), ``label`` (0/1; 0 where not eligible) and
        ``status`` (``eligible``, ``too young``, ``converted before scoring``,
        ``before conversions were recorded``, ``no creation date``, ``no label``).
    mode : str
        ``"dated"`` (horizon label, out-of-time validation possible) or ``"flag"``
        (the export's converted flag, stratified cross-validation).
    """

    table: pd.DataFrame
    mode: str
    label_stage: str
    horizon_days: int
    score_after_days: int
    as_of: pd.Timestamp | None
    records_from: pd.Timestamp | None
    note: str

    @property
    def counts(self) -> pd.DataFrame:
        """Leads by status, with conversions among the eligible."""
        t = self.table
        out = t.groupby("status", sort=False).size().rename("leads").to_frame()
        out["conversions"] = t[t["eligible"]].groupby("status").label.sum()
        return out.fillna(0).astype(int).reset_index()

    @property
    def n_eligible(self) -> int:
        return int(self.table["eligible"].sum())

    @property
    def n_conversions(self) -> int:
        return int(self.table.loc[self.table["eligible"], "label"].sum())

    def describe(self) -> str:
        """One sentence saying what the label is."""
        stage = {"sql": "an SQL", "opportunity": "an opportunity", "won": "a won deal"}[self.label_stage]
        if self.mode == "flag":
            return f"Label: the export's conversion flag (became {stage}); no dates, so no horizon."
        when = (
            "creation" if self.score_after_days == 0 else f"{self.score_after_days} days after creation"
        )
        return (
            f"Label: became {stage} within {self.horizon_days} days of the scoring moment "
            f"({when}); data up to {self.as_of:%Y-%m-%d}."
        )


def _max_date(frames: list[tuple[pd.DataFrame | None, list[str]]]) -> pd.Timestamp | None:
    best = None
    for df, cols in frames:
        if df is None:
            continue
        for c in cols:
            if c in df.columns and pd.api.types.is_datetime64_any_dtype(df[c]):
                m = df[c].max()
                if pd.notna(m) and (best is None or m > best):
                    best = m
    return best


def export_date(
    leads: pd.DataFrame,
    activities: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
) -> pd.Timestamp | None:
    """The latest timestamp anywhere in the export: the moment the data describes.

    Returns ``None`` when no table has a timestamp.
    """
    lead_dates = [c for c in leads.columns if pd.api.types.is_datetime64_any_dtype(leads[c])]
    return _max_date(
        [
            (leads, lead_dates),
            (activities, ["occurred_at"]),
            (opportunities, ["created_at", "closed_at"]),
        ]
    )


def conversion_times(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None = None,
    *,
    label_stage: str = "opportunity",
    lead_col: str = "lead_id",
) -> pd.Series:
    """When each lead first reached ``label_stage`` (NaT when it never did).

    ``sql``: the lead's ``sql_at``, or the creation of an opportunity from it (an opportunity is
    past SQL). ``opportunity``: the first linked opportunity's ``created_at`` (its ``closed_at``
    when the export has no creation date, e.g. a closed-deals file). ``won``: the first won
    opportunity's ``closed_at``.
    """
    if label_stage not in LABEL_STAGES:
        raise ValueError(f"label_stage must be one of {', '.join(LABEL_STAGES)}, not '{label_stage}'.")
    idx = pd.Index(leads[lead_col])
    out = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    opp_time = None
    if opportunities is not None and lead_col in opportunities.columns:
        opps = opportunities[opportunities[lead_col].notna()]
        if label_stage == "won":
            opps = opps[opps["outcome"].astype("str").str.lower() == "won"]
            t = _first_present(opps, ["closed_at", "created_at"])
        else:
            t = _first_present(opps, ["created_at", "closed_at"])
        if t is not None:
            first = t.groupby(opps[lead_col].to_numpy()).min()
            opp_time = pd.Series(first.reindex(idx).to_numpy(), index=leads.index)
    if label_stage == "sql" and "sql_at" in leads.columns:
        out = leads["sql_at"].astype("datetime64[ns]")
        if opp_time is not None:
            out = pd.concat([out, opp_time], axis=1).min(axis=1)
    elif opp_time is not None:
        out = opp_time.astype("datetime64[ns]")
    return out


def _first_present(df: pd.DataFrame, cols: list[str]) -> pd.Series | None:
    """Row-wise first non-null of ``cols`` (datetime), or None when none exists."""
    present = [c for c in cols if c in df.columns and df[c].notna().any()]
    if not present:
        return None
    s = df[present[0]]
    for c in present[1:]:
        s = s.fillna(df[c])
    return s


def _flag_label(leads: pd.DataFrame, label_stage: str, stages: list[str] | None) -> pd.Series | None:
    """0/1/NA label from the export's converted flag, else from the current stage."""
    if "converted" in leads.columns and leads["converted"].notna().any():
        return leads["converted"].astype("float64")
    if "stage" in leads.columns and leads["stage"].notna().any():
        order = list(stages or schema.STAGES)
        if label_stage not in order:
            return None
        rank = leads["stage"].astype("str").str.lower().map({s: i for i, s in enumerate(order)})
        return (rank >= order.index(label_stage)).astype("float64").where(rank.notna())
    return None


def build_labels(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None = None,
    *,
    label_stage: str = "opportunity",
    horizon_days: int = 90,
    score_after_days: int = 0,
    as_of: pd.Timestamp | None = None,
    activities: pd.DataFrame | None = None,
    stages: list[str] | None = None,
    records_from: pd.Timestamp | str | None = "auto",
    lead_col: str = "lead_id",
    created_col: str = "created_at",
) -> LabelResult:
    """Label each lead: converted within ``horizon_days`` of its scoring moment.

    Parameters
    ----------
    leads, opportunities : DataFrame
        Canonical tables (``opportunities`` may be None).
    label_stage : {"sql", "opportunity", "won"}
        What counts as converted.
    horizon_days : int
        The window after the scoring moment in which the conversion must happen.
    score_after_days : int
        The scoring moment is ``created_at + score_after_days``: what is known then is what
        the score may use.
    as_of : Timestamp, optional
        The export date; by default the latest timestamp in the tables.
    activities : DataFrame, optional
        Only used to find the export date.
    stages : list of str, optional
        The org's stage order, for the lead-only fallback on the ``stage`` column.
    records_from : Timestamp, "auto" or None
        When the export starts recording conversions. ``"auto"``: the first conversion, when it
        comes more than 60 days after the first lead (a recording gap, e.g. deals only entered
        from some month on); None: no such gap.

    Returns
    -------
    LabelResult
        Leads whose window ``[moment, moment + horizon]`` is not over by ``as_of`` are
        ``too young`` (excluded, not failures); leads that converted before their scoring
        moment are excluded; so are leads whose scoring moment precedes the first conversion
        the export records (conversions were not recorded yet: left-censoring).
    """
    if horizon_days <= 0 or score_after_days < 0:
        raise ValueError("horizon_days must be positive and score_after_days zero or more.")
    if label_stage not in LABEL_STAGES:
        raise ValueError(f"label_stage must be one of {', '.join(LABEL_STAGES)}, not '{label_stage}'.")
    n = len(leads)
    table = pd.DataFrame({"lead_id": leads[lead_col].to_numpy()}, index=leads.index)
    has_created = created_col in leads.columns and leads[created_col].notna().any()
    conv = conversion_times(leads, opportunities, label_stage=label_stage, lead_col=lead_col)
    dated = has_created and conv.notna().any()
    if dated:
        created = leads[created_col].astype("datetime64[ns]")
        moment = created + pd.Timedelta(days=score_after_days)
        as_of = as_of if as_of is not None else export_date(leads, activities, opportunities)
        if isinstance(records_from, str) and records_from == "auto":
            first_conv, first_lead = conv.min(), created.min()
            gap = first_conv - first_lead
            records_from = first_conv if gap > pd.Timedelta(days=RECORDING_GAP_DAYS) else None
        elif records_from is not None:
            records_from = pd.Timestamp(records_from)
        window_end = moment + pd.Timedelta(days=horizon_days)
        status = np.full(n, "eligible", dtype=object)
        status[(window_end > as_of).to_numpy()] = "too young"
        if records_from is not None:
            status[(moment < records_from).to_numpy()] = "before conversions were recorded"
        status[(conv < moment).to_numpy()] = "converted before scoring"
        status[created.isna().to_numpy()] = "no creation date"
        label = (conv.notna() & (conv <= window_end)).to_numpy()
        table["created_at"] = created.to_numpy()
        table["scoring_moment"] = moment.to_numpy()
        table["converted_at"] = conv.to_numpy()
        note = (
            f"{(status == 'too young').sum():,} leads are younger than the {horizon_days}-day window "
            "and are left out (not counted as failures)."
        )
        mode = "dated"
    else:
        flag = _flag_label(leads, label_stage, stages)
        if flag is None:
            raise ValueError(
                "The leads have no way to tell who converted: map opportunities with a lead_id "
                "(and dates), or a 'converted' column, or a 'stage' column in org.yml."
            )
        status = np.where(flag.notna().to_numpy(), "eligible", "no label").astype(object)
        label = flag.fillna(0).to_numpy() > 0
        created = leads[created_col] if created_col in leads.columns else pd.Series(pd.NaT, index=leads.index)
        table["created_at"] = created.astype("datetime64[ns]").to_numpy()
        table["scoring_moment"] = table["created_at"] + pd.Timedelta(days=score_after_days)
        table["converted_at"] = pd.NaT
        as_of, records_from = None, None
        note = (
            "No conversion dates: the label is the export's flag. This costs three things: no "
            "horizon (old and new leads are judged alike), no check that a field was known "
            "before the conversion, and stratified cross-validation instead of an out-of-time "
            "test, which usually overstates next quarter's accuracy."
        )
        mode = "flag"
    table["status"] = pd.Series(status, index=leads.index).astype("str")
    table["eligible"] = table["status"].eq("eligible").to_numpy()
    table["label"] = (label & table["eligible"].to_numpy()).astype("int8")
    return LabelResult(
        table=table.reset_index(drop=True),
        mode=mode,
        label_stage=label_stage,
        horizon_days=int(horizon_days),
        score_after_days=int(score_after_days),
        as_of=as_of,
        records_from=records_from,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# 2. Features
# --------------------------------------------------------------------------------------------

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
    """

    frame: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    labels: dict[str, str]
    sources: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)
    after_moment: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
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
        )


def _safe_feature_name(text: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")
    return s or "other"


def activity_counts(
    lead_ids: pd.Series,
    moments: pd.Series,
    activities: pd.DataFrame,
    *,
    types: list[str] | None = None,
    max_types: int = 12,
    lead_col: str = "lead_id",
    time_col: str = "occurred_at",
    type_col: str = "activity_type",
    team_col: str = "team",
    teams: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Count each lead's activities by type and team, strictly up to its scoring moment.

    Vectorised (one ``bincount``), so 10 million activities take seconds. An activity at
    exactly the scoring moment counts; one a second later does not.

    Parameters
    ----------
    lead_ids, moments : Series
        The leads (unique ids) and their scoring moments, aligned.
    activities : DataFrame
        Canonical activities.
    types : list of str, optional
        Activity types to count (others are pooled into ``n_other_type``); by default the
        ``max_types`` most frequent types.
    teams : tuple of str, optional
        Count only these teams' activities (e.g. ``("marketing",)``); all when None or when
        the log has no ``team`` column.

    Returns
    -------
    (DataFrame, list of str)
        Counts aligned with ``lead_ids``: ``n_<type>``, and ``n_marketing`` / ``n_sales`` per
        counted team when the log has a ``team`` column, else ``n_activities`` (all types).
    """
    n = len(lead_ids)
    pos = _positions(lead_ids, activities[lead_col])
    when = activities[time_col].to_numpy(dtype="datetime64[ns]")
    m = moments.to_numpy(dtype="datetime64[ns]")
    known = pos >= 0
    cut = np.zeros(len(pos), dtype=bool)
    cut[known] = when[known] <= m[pos[known]]
    keep = known & cut & ~np.isnat(when)
    team = None
    if team_col in activities.columns:
        team = _normalised_codes(activities[team_col])
        if teams is not None:
            keep &= np.isin(team, [t.lower() for t in teams])
    atype = _normalised_codes(activities[type_col])
    if types is None:
        types = pd.Series(atype[keep]).value_counts().head(max_types).index.tolist()
    codes = pd.Index(types).get_indexer(atype).astype(np.int64)
    k = len(types) + 1
    codes = np.where(codes < 0, k - 1, codes)
    flat = np.bincount(pos[keep] * k + codes[keep], minlength=n * k).reshape(n, k)
    cols = [f"n_{_safe_feature_name(t)}" for t in types] + ["n_other_type"]
    out = pd.DataFrame(flat.astype("float64"), columns=cols)
    if not flat[:, -1].any():
        out = out.drop(columns="n_other_type")
    if team is not None:
        for t in ("marketing", "sales"):
            if teams is None or t in teams:
                sel = keep & (team == t)
                out[f"n_{t}"] = np.bincount(pos[sel], minlength=n).astype("float64")
    else:
        out["n_activities"] = np.bincount(pos[keep], minlength=n).astype("float64")
    return out, list(types)


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in the unique ``keys`` (-1 when absent), via Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    k = pa.array(keys.astype("str"), type=pa.large_string()) if not isinstance(keys, pa.Array) else keys
    v = pa.array(values.astype("str"), type=pa.large_string())
    return pc.index_in(v, value_set=k).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _normalised_codes(s: pd.Series) -> np.ndarray:
    """Lower-cased, stripped text of a low-cardinality column (normalised once per value)."""
    codes, uniques = pd.factorize(s)
    clean = pd.Index(uniques).astype("str").str.strip().str.lower().to_numpy(dtype=object)
    out = np.empty(len(codes), dtype=object)
    valid = codes >= 0
    out[valid] = clean[codes[valid]]
    out[~valid] = ""
    return out


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
    cols: dict[str, pd.Series] = {}
    sources: dict[str, str] = {}
    skipped: dict[str, str] = {}
    after: dict[str, float] = {}
    n_rows = len(leads)

    def cat(s: pd.Series) -> pd.Series:
        s = s.astype("str").str.strip()
        return s.where(s.ne("") & s.notna())

    if "source" in leads.columns:
        cols["source"] = cat(leads["source"])
        sources["source"] = "leads.source: known when the lead arrives"
    if "job_title" in leads.columns and leads["job_title"].notna().any():
        cols["seniority"] = cat(title_seniority(leads["job_title"]))
        cols["function"] = cat(title_function(leads["job_title"]))
        sources["seniority"] = sources["function"] = "leads.job_title, normalised: given on the form"
    if accounts is not None and "account_id" in leads.columns:
        acc = accounts.drop_duplicates("account_id").set_index("account_id")
        pos = acc.index.get_indexer(leads["account_id"].to_numpy())
        for c in acc.columns:
            if c == "name":
                skipped["accounts.name"] = "company name: an identifier, not a trait"
                continue
            s = acc[c].iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True)
            s = s.where(pd.Series(pos >= 0))
            if c == "sic_code":
                cols["sic_group"] = cat(_sic_group_names(s))
                sources["sic_group"] = "accounts.sic_code (2-digit major group): firmographic"
                continue
            name = c if c not in cols else f"account_{c}"
            cols[name] = s
            sources[name] = f"accounts.{c}: firmographic, known before contact"
    rule_only = {}
    if icp_tiers is not None:
        rule_only["icp_tier"] = cat(pd.Series(np.asarray(icp_tiers, dtype=object)))
        sources["icp_tier"] = "icp.yml tiers from the account's firmographics"
        skipped["icp_tier"] = (
            "used by the agreed rule only: the tiers were learned from every deal, test period "
            "included, so the models use the firmographics behind them instead"
        )
    canonical = set(schema.TABLES["leads"])
    for c in leads.columns:
        if c in canonical:
            if c in NOT_FEATURES:
                skipped[c] = NOT_FEATURES[c]
            continue
        s = leads[c]
        if c in personal_columns:
            skipped[c] = "a person's key (hashed): identifies someone, not a trait of the lead"
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            filled = s.notna()
            share = float((s[filled] > moments[filled]).mean()) if filled.any() else 0.0
            after[c] = share
            cols[f"{c}_by_scoring"] = (s.notna() & (s <= moments)).astype("float64")
            sources[f"{c}_by_scoring"] = f"leads.{c}: whether it happened by the scoring moment"
            continue
        if _CALENDAR.search(c):
            skipped[c] = "calendar/cohort field: says when, not who; not used as a driver"
            continue
        cols[c] = s
        sources[c] = f"leads.{c}: extra lead attribute"
    if "first_sales_touch_at" in leads.columns:
        skipped["first_sales_touch_at"] = SALES_ACTIONS
    types = (config or {}).get("activity_types")
    if activities is not None and len(activities):
        has_team = "team" in activities.columns
        counts, types = activity_counts(
            leads[lead_col], moments, activities, types=types, max_types=max_activity_types,
            teams=("marketing",) if has_team else None,
        )
        for c in counts.columns:
            cols[c] = counts[c]
            sources[c] = "marketing activities, counted strictly up to the scoring moment"
        if has_team:
            skipped["activities (sales team)"] = SALES_ACTIONS
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
            frame[c] = cat(s)
            categorical.append(c)
    if config is not None:
        numeric = [c for c in config["numeric"]]
        categorical = [c for c in config["categorical"]]
        for c in numeric:
            if c not in frame.columns:
                frame[c] = 0.0 if c.startswith("n_") else np.nan
        for c in categorical:
            if c not in frame.columns:
                frame[c] = pd.Series(pd.NA, index=frame.index, dtype="str")
        frame = frame[categorical + numeric]
    else:
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
        frame = frame[categorical + numeric]
    for c, v in rule_only.items():
        frame[c] = v.to_numpy()
    labels = {c: _feature_label(c) for c in frame.columns}
    cfg = {
        "numeric": numeric,
        "categorical": categorical,
        "activity_types": list(types) if types is not None else [],
        "vocab": (config or {}).get("vocab") or fit_vocabulary(frame, categorical),
    }
    return FeatureSet(frame, numeric, categorical, labels, sources, skipped, after, cfg)


def _sic_group_names(codes: pd.Series) -> pd.Series:
    """``"73 Business Services"`` from a SIC code (2-digit major group and its name)."""
    from helpers.icp import read_sic_codes

    group = codes.astype("str").str.strip().str[:2]
    group = group.where(group.str.fullmatch(r"\d\d", na=False))
    try:
        ref = read_sic_codes().drop_duplicates("industry_group")
        names = pd.Series(ref["industry_group_name"].to_numpy(), index=ref["industry_group"].to_numpy())
    except (OSError, ValueError):
        names = pd.Series(dtype="str")
    named = group + " " + group.map(names)
    return named.fillna(group).where(group.notna())


def _feature_label(name: str) -> str:
    if name in FEATURE_LABELS:
        return FEATURE_LABELS[name]
    if name.startswith("n_"):
        return f"{name[2:].replace('_', ' ').capitalize()} touches before scoring"
    if name.endswith("_by_scoring"):
        return f"{name[: -len('_by_scoring')].replace('_', ' ').capitalize()} by scoring"
    return name.replace("_", " ").capitalize()


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
    by_account = pd.Series(tiers["tier"].astype("object").to_numpy(), index=tiers["account_id"].to_numpy())
    by_account = by_account[~by_account.index.duplicated()]
    return pd.Series(by_account.reindex(leads["account_id"].astype("str").to_numpy()).to_numpy(), index=leads.index)


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
        return icp_mod.icp_artifact(model, inputs), "icp.yml not found: the ICP was refitted from the deals."
    except ValueError as exc:
        return None, f"No ICP tiers: the ICP could not be fitted on this data ({exc}); the agreed rule uses engagement only."


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
    fs_or_frame, numeric: list[str], categorical: list[str], vocab: dict[str, list[str]] | None = None
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


# --------------------------------------------------------------------------------------------
# 3. Leakage detector and audit
# --------------------------------------------------------------------------------------------


def _auc_sym(y: np.ndarray, s: np.ndarray) -> float:
    if len(np.unique(y)) < 2 or len(np.unique(s)) < 2:
        return 0.5
    a = roc_auc_score(y, s)
    return float(max(a, 1 - a))


def _oof_target_mean(codes: np.ndarray, y: np.ndarray, seed: int, smoothing: float = 20.0) -> np.ndarray:
    """Out-of-fold smoothed conversion rate of each row's category (no self-leak)."""
    out = np.empty(len(y), dtype="float64")
    prior = y.mean()
    k = codes.max() + 1
    for tr, te in KFold(5, shuffle=True, random_state=seed).split(codes):
        n = np.bincount(codes[tr], minlength=k)
        s = np.bincount(codes[tr], weights=y[tr], minlength=k)
        rate = (s + smoothing * prior) / (n + smoothing)
        out[te] = rate[codes[te]]
    return out


def single_feature_auc(s: pd.Series, y: np.ndarray, *, seed: int = 0) -> float:
    """How well one field alone ranks converters (0.5 = not at all, 1 = perfectly).

    Numbers rank by value with missing as lowest; text is scored by its out-of-fold
    conversion rate (so a field with a thousand rare values cannot look perfect by chance).
    """
    y = np.asarray(y, dtype="float64")
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(v)
        lo = np.nanmin(v) - 1 if finite.any() else 0.0
        return _auc_sym(y, np.where(finite, v, lo))
    codes = pd.factorize(s.astype("object").where(s.notna(), MISSING))[0]
    if len(y) < 10:
        return 0.5
    return _auc_sym(y, _oof_target_mean(codes, y, seed))


def detect_leaks(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    after_moment: dict[str, float] | None = None,
    max_auc: float = 0.95,
    min_fill_gap: float = 0.5,
    max_after_share: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Flag fields that would leak the outcome into the score.

    A field is a leak when it is (a) filled mostly for converted leads (fill rate among
    converters at least ``min_fill_gap`` above non-converters, and non-converters at most a
    fifth of converters; a number or yes/no flag counts as filled when it is set, not zero), (b) recorded after the scoring moment for more than
    ``max_after_share`` of its filled values (datetime fields; see ``after_moment``), or
    (c) alone ranks converters almost perfectly (single-field AUC above ``max_auc``).

    Parameters
    ----------
    frame : DataFrame
        Candidate features of the labelled training leads.
    y : array of 0/1
        Their labels.

    Returns
    -------
    DataFrame
        ``feature, fill_converted, fill_others, single_auc, after_moment, leak, reason``,
        leaks first.
    """
    y = np.asarray(y).astype(int)
    if len(y) != len(frame):
        raise ValueError("y must have one label per row of the feature table.")
    pos, neg = y == 1, y == 0
    after_moment = after_moment or {}
    rows = []
    for c in frame.columns:
        s = frame[c]
        filled = s.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(s):  # a number or yes/no flag is "filled" when set
            filled = filled & (s.fillna(0).to_numpy() != 0)
        fp = float(filled[pos].mean()) if pos.any() else np.nan
        fn = float(filled[neg].mean()) if neg.any() else np.nan
        auc = single_feature_auc(s, y, seed=seed)
        src = c[: -len("_by_scoring")] if c.endswith("_by_scoring") else c
        late = after_moment.get(src, np.nan)
        reasons = []
        if fp - fn >= min_fill_gap and fn <= 0.2 * fp:
            reasons.append(f"filled for {fp:.0%} of converted leads but {fn:.0%} of the others")
        if pd.notna(late) and late > max_after_share:
            reasons.append(f"recorded after the scoring moment for {late:.0%} of leads")
        if auc > max_auc:
            reasons.append(f"alone predicts conversion almost perfectly (AUC {auc:.2f})")
        rows.append((c, fp, fn, auc, late, bool(reasons), "; ".join(reasons)))
    out = pd.DataFrame(
        rows,
        columns=["feature", "fill_converted", "fill_others", "single_auc", "after_moment", "leak", "reason"],
    )
    return out.sort_values(["leak", "single_auc"], ascending=[False, False]).reset_index(drop=True)


def find_leaks(
    fs: FeatureSet, labels: LabelResult, split: Split | None, *, max_auc: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """Run :func:`detect_leaks` on the training leads only (the test leads stay unseen).

    Without a split (too little data to learn), every labelled lead is checked.
    """
    rows = split.train if split is not None else np.flatnonzero(labels.table["eligible"].to_numpy())
    if len(np.unique(labels.table["label"].to_numpy()[rows])) < 2:
        return pd.DataFrame(columns=["feature", "fill_converted", "fill_others", "single_auc",
                                     "after_moment", "leak", "reason"]).astype({"leak": bool})
    return detect_leaks(
        fs.frame.iloc[rows][fs.columns].reset_index(drop=True),
        labels.table["label"].to_numpy()[rows],
        after_moment=fs.after_moment,
        max_auc=max_auc,
        seed=seed,
    )


def drop_leaks(fs: FeatureSet, leaks: pd.DataFrame) -> FeatureSet:
    """The feature set without the fields :func:`detect_leaks` flagged."""
    bad = leaks.loc[leaks["leak"], "feature"].tolist()
    out = fs.drop(bad, "leak")
    for c in bad:
        out.skipped[c] = "leak: " + str(leaks.loc[leaks["feature"].eq(c), "reason"].iloc[0])
    return out


def feature_audit(fs: FeatureSet, leaks: pd.DataFrame) -> pd.DataFrame:
    """Every field considered: where it comes from, when it is known, used or why not.

    Returns
    -------
    DataFrame
        ``field, source, status, single_auc, reason``: used features first.
    """
    lk = leaks.set_index("feature")
    rows = []
    for c in fs.columns:
        auc = float(lk.at[c, "single_auc"]) if c in lk.index else np.nan
        if c in lk.index and bool(lk.at[c, "leak"]):
            rows.append((c, fs.sources.get(c, ""), "excluded: leak", auc, lk.at[c, "reason"]))
        else:
            rows.append((c, fs.sources.get(c, ""), "used", auc, "known at the scoring moment"))
    for c, why in fs.skipped.items():
        if c in fs.columns:
            continue
        status = "excluded: leak" if why.startswith("leak") else "not used"
        auc = float(lk.at[c, "single_auc"]) if c in lk.index else np.nan
        src = fs.sources.get(c, f"leads.{c}" if "." not in c else c)
        rows.append((c, src, status, auc, why))
    out = pd.DataFrame(rows, columns=["field", "source", "status", "single_auc", "reason"])
    order = {"used": 0, "excluded: leak": 1, "not used": 2}
    return out.sort_values("status", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 4. Data-sufficiency gate
# --------------------------------------------------------------------------------------------


@dataclass
class Sufficiency:
    """Whether there is enough history to learn a score (else: the agreed rules)."""

    ok: bool
    leads: int
    conversions: int
    min_leads: int
    min_conversions: int
    message: str


def check_sufficiency(
    labels: LabelResult, *, min_leads: int = 1000, min_conversions: int = 120
) -> Sufficiency:
    """Apply the data-sufficiency gate (Salesforce Einstein Lead Scoring's documented minimum
    of 1,000 leads and 120 conversions is the reference)."""
    n, c = labels.n_eligible, labels.n_conversions
    ok = n >= min_leads and c >= min_conversions
    if ok:
        msg = (
            f"Enough history: {n:,} labelled leads and {c:,} conversions "
            f"(minimum {min_leads:,} / {min_conversions:,})."
        )
    else:
        msg = (
            f"Not enough history to learn a score: {n:,} labelled leads and {c:,} conversions, "
            f"below the minimum of {min_leads:,} / {min_conversions:,}. The agreed MQL rules are "
            "used instead; revisit when more leads have had time to convert."
        )
    return Sufficiency(ok, n, c, int(min_leads), int(min_conversions), msg)


# --------------------------------------------------------------------------------------------
# 5. Validation: split, three scorers, metrics
# --------------------------------------------------------------------------------------------


@dataclass
class Split:
    """Which eligible leads train and which test (positions in the leads' order)."""

    train: np.ndarray
    test: np.ndarray
    kind: str  # "out-of-time" or "stratified 5-fold"
    cut: pd.Timestamp | None
    description: str
    folds: list[tuple[np.ndarray, np.ndarray]] | None = None


def time_split(labels: LabelResult, *, test_share: float = 0.25, seed: int = 42) -> Split:
    """Out-of-time split (train on earlier cohorts, test on the latest ``test_share``) when the
    label is dated; stratified 5-fold cross-validation otherwise."""
    t = labels.table
    elig = np.flatnonzero(t["eligible"].to_numpy())
    if labels.mode == "dated":
        created = t["created_at"].to_numpy()[elig]
        order = elig[np.argsort(created, kind="stable")]
        n_test = max(1, int(round(test_share * len(order))))
        cut = pd.Timestamp(t["created_at"].iloc[order[-n_test]])
        test = order[t["created_at"].to_numpy()[order] >= cut.to_datetime64()]
        train = order[t["created_at"].to_numpy()[order] < cut.to_datetime64()]
        desc = (
            f"Out-of-time: trained on {len(train):,} leads created before {cut:%Y-%m-%d}, "
            f"tested on the {len(test):,} created from then on."
        )
        return Split(train, test, "out-of-time", cut, desc)
    y = t["label"].to_numpy()[elig]
    k = int(min(5, np.bincount(y, minlength=2).min()))
    if k < 2:
        raise ValueError("Cross-validation needs at least 2 converted and 2 other leads.")
    skf = StratifiedKFold(k, shuffle=True, random_state=seed)
    folds = [(elig[a], elig[b]) for a, b in skf.split(elig, y)]
    desc = (
        f"Stratified {k}-fold cross-validation on {len(elig):,} leads (no dates: every lead is "
        "scored by a model that did not see it, but periods are mixed)."
    )
    return Split(elig, elig, f"stratified {k}-fold", None, desc, folds)


def make_logistic(numeric: list[str], categorical: list[str], *, C: float = 0.5) -> Pipeline:
    """Logistic regression with smooth (spline) effects for numbers and one-hot categories.

    Expects :func:`model_matrix` input (text features as category codes).
    """
    num = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("rank", QuantileTransformer(n_quantiles=100, subsample=100_000, random_state=0)),
            ("spline", SplineTransformer(n_knots=4, degree=2, extrapolation="constant")),
        ]
    )
    cat = Pipeline(
        [
            ("missing", SimpleImputer(strategy="constant", fill_value=-1)),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    steps = []
    if categorical:
        steps.append(("cat", cat, categorical))
    if numeric:
        steps.append(("num", num, numeric))
        steps.append(("missing", MissingIndicator(features="all", error_on_new=False), numeric))
    pre = ColumnTransformer(steps, sparse_threshold=0.0)
    return Pipeline([("prepare", pre), ("model", LogisticRegression(C=C, max_iter=3000))])


def make_boosting(numeric: list[str], categorical: list[str], *, seed: int = 42) -> Pipeline:
    """Histogram gradient boosting with native categories (from :func:`model_matrix` codes)."""
    mask = [True] * len(categorical) + [False] * len(numeric)
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=mask if categorical else None,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=25,
        random_state=seed,
    )
    return Pipeline([("model", model)])


@dataclass
class RuleSpec:
    """The agreed rule-based MQL definition: ICP fit plus shown interest."""

    tiers: tuple[str, ...] = ("A", "B")
    min_touches: int = 2
    touch_column: str = "n_marketing"

    def describe(self, fs_columns: list[str]) -> str:
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


def _expected_top(y: np.ndarray, s: np.ndarray, share: float) -> float:
    """Expected conversions in the top ``share`` by score, ties broken at random."""
    n = len(y)
    k = share * n
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    uniq, start = np.unique(-s_sorted, return_index=True)
    ends = np.append(start[1:], n)
    cum_y = np.concatenate([[0.0], np.cumsum(y_sorted)])
    # conversions at each tie-group boundary; linear within a group = random tie-break
    xs = np.concatenate([[0], ends])
    ys = cum_y[xs]
    return float(np.interp(k, xs, ys))


def gains_table(y: np.ndarray, scores: dict[str, np.ndarray], *, points: int = 101) -> pd.DataFrame:
    """Cumulative share of conversions captured when working leads from the top score down.

    Returns
    -------
    DataFrame
        ``scorer, share_of_leads, share_of_conversions`` (ties in a score are split evenly).
    """
    y = np.asarray(y, dtype="float64")
    grid = np.linspace(0, 1, points)
    total = y.sum()
    rows = []
    for name, s in scores.items():
        s = np.asarray(s, dtype="float64")
        got = np.array([_expected_top(y, s, g) for g in grid])
        rows.append(pd.DataFrame({"scorer": name, "share_of_leads": grid, "share_of_conversions": got / total}))
    return pd.concat(rows, ignore_index=True)


def evaluate(y: np.ndarray, scores: dict[str, np.ndarray], *, probabilities: set[str] | None = None) -> pd.DataFrame:
    """ROC AUC, PR AUC, lift and precision at the top 10% / 20%, Brier score per scorer.

    ``probabilities`` names the scorers whose output is a probability (Brier score only for them).
    """
    y = np.asarray(y, dtype="float64")
    base = y.mean()
    probabilities = probabilities if probabilities is not None else set(scores)
    rows = []
    for name, s in scores.items():
        s = np.asarray(s, dtype="float64")
        row = {"scorer": name, "roc_auc": roc_auc_score(y, s), "pr_auc": average_precision_score(y, s)}
        for share in (0.1, 0.2):
            prec = _expected_top(y, s, share) / (share * len(y))
            row[f"precision_top{int(share * 100)}"] = prec
            row[f"lift_top{int(share * 100)}"] = prec / base if base else np.nan
        row["brier"] = brier_score_loss(y, np.clip(s, 0, 1)) if name in probabilities else np.nan
        row["base_rate"] = base
        row["test_leads"] = len(y)
        rows.append(row)
    return pd.DataFrame(rows)


def reliability_table(y: np.ndarray, p: np.ndarray, *, n_bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed conversion by score decile (the reliability curve)."""
    y, p = np.asarray(y, dtype="float64"), np.asarray(p, dtype="float64")
    q = pd.qcut(pd.Series(p).rank(method="first"), n_bins, labels=False)
    df = pd.DataFrame({"bin": q, "p": p, "y": y})
    out = df.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), leads=("y", "size"))
    return out.reset_index()


@dataclass
class Scorers:
    """The three scorers fitted on the training leads and their test predictions."""

    test_rows: np.ndarray
    y_test: np.ndarray
    predictions: dict[str, np.ndarray]
    models: dict[str, Pipeline]
    metrics: pd.DataFrame
    best: str
    train_predictions: dict[str, np.ndarray]
    all_predictions: dict[str, np.ndarray]
    split: Split
    rule: RuleSpec
    numeric: list[str]
    categorical: list[str]

    @property
    def best_model(self) -> Pipeline:
        return self.models[self.best]


SCORER_NAMES = ("agreed rule", "logistic regression", "gradient boosting")


def fit_scorers(
    fs: FeatureSet,
    labels: LabelResult,
    split: Split,
    *,
    rule: RuleSpec | None = None,
    seed: int = 42,
) -> Scorers:
    """Fit the logistic regression and gradient boosting on the training leads and score the
    test leads with them and with the agreed rule. The best model is the one with the higher
    test ROC AUC."""
    rule = rule or RuleSpec()
    X = model_matrix(fs, fs.numeric, fs.categorical)
    y = labels.table["label"].to_numpy()
    if len(np.unique(y[split.train])) < 2:
        raise ValueError(
            "The training leads are all converted or all not converted: a score cannot be learned."
        )
    if not fs.columns:
        raise ValueError("No usable feature is left after the leakage check: nothing to learn from.")
    makers = {
        "logistic regression": lambda: make_logistic(fs.numeric, fs.categorical),
        "gradient boosting": lambda: make_boosting(fs.numeric, fs.categorical, seed=seed),
    }
    preds: dict[str, np.ndarray] = {}
    models: dict[str, Pipeline] = {}
    def rows_for(name: str, rows: np.ndarray) -> np.ndarray:
        return latest_rows(rows, MAX_LINEAR_ROWS, seed) if name == "logistic regression" else rows

    if split.folds is None:
        test = split.test
        for name, make in makers.items():
            tr = rows_for(name, split.train)
            m = _fit_quiet(make(), X.iloc[tr], y[tr])
            models[name] = m
            preds[name] = predict_proba(m, X.iloc[test])
    else:
        test = np.concatenate([te for _, te in split.folds])
        for name, make in makers.items():
            out = []
            for tr, te in split.folds:
                tr = rows_for(name, tr)
                m = _fit_quiet(make(), X.iloc[tr], y[tr])
                out.append(predict_proba(m, X.iloc[te]))
            preds[name] = np.concatenate(out)
            tr = rows_for(name, split.train)
            models[name] = _fit_quiet(make(), X.iloc[tr], y[tr])
    preds = {"agreed rule": rule_scores(fs.frame.iloc[test], rule), **preds}
    metrics = evaluate(y[test], preds, probabilities={"logistic regression", "gradient boosting"})
    model_rows = metrics[metrics.scorer != "agreed rule"]
    best = str(model_rows.sort_values("roc_auc", ascending=False).scorer.iloc[0])
    all_p = {name: predict_proba(m, X) for name, m in models.items()}  # one pass per model
    train_p = {name: p[split.train] for name, p in all_p.items()}
    return Scorers(
        test, y[test], preds, models, metrics, best, train_p, all_p, split, rule, fs.numeric, fs.categorical
    )


#: Below this many rows a model fits on one thread: on a small shared machine (2 cores, tests
#: run by two workers) OpenMP threads fighting for the cores make small fits 10-20 times slower.
SINGLE_THREAD_ROWS = 10**12  # i.e. always: measured 5x slower with 2 threads under load
#: The logistic regression and the points table learn from at most this many of the latest
#: training leads (a linear model gains nothing from more; gradient boosting uses them all).
MAX_LINEAR_ROWS = 200_000
#: From this many training leads on, the evaluated model is deployed without a refit.
REFIT_MAX_ROWS = 300_000


def _quiet(n_rows: int = 0):
    """Silence library warnings (stable notebook text); one thread for small data."""
    from contextlib import ExitStack

    from threadpoolctl import threadpool_limits

    stack = ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    if n_rows < SINGLE_THREAD_ROWS:
        stack.enter_context(threadpool_limits(limits=1))
    return stack


def latest_rows(rows: np.ndarray, max_rows: int, seed: int = 42) -> np.ndarray:
    """At most ``max_rows`` of ``rows``: the last ones (rows are in time order when dated)."""
    rows = np.asarray(rows)
    return rows if len(rows) <= max_rows else rows[-max_rows:]


def _fit_quiet(model, X: pd.DataFrame, y: np.ndarray):
    with _quiet(len(y)):
        return model.fit(X, y)


def predict_proba(model: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """Probability of converting (library warnings silenced)."""
    with _quiet(len(X)):
        return model.predict_proba(X)[:, 1]


def final_model(scorers: Scorers, fs: FeatureSet, labels: LabelResult, *, seed: int = 42) -> tuple[Pipeline, np.ndarray]:
    """Refit the best model on every labelled lead (the model to deploy).

    When the training leads already number ``REFIT_MAX_ROWS`` or more, the evaluated model is
    kept as it is (refitting on a few more leads would change little and cost minutes).

    Returns the fitted pipeline and its probabilities on those leads (the reference
    distribution for the 1-99 score).
    """
    rows = np.flatnonzero(labels.table["eligible"].to_numpy())
    X = model_matrix(fs, fs.numeric, fs.categorical)
    y = labels.table["label"].to_numpy()
    if len(scorers.split.train) >= REFIT_MAX_ROWS:  # already learned from plenty: keep it
        return scorers.best_model, scorers.all_predictions[scorers.best][rows]
    else:
        make = (make_boosting(fs.numeric, fs.categorical, seed=seed) if scorers.best == "gradient boosting"
                else make_logistic(fs.numeric, fs.categorical))
        model = _fit_quiet(make, X.iloc[rows], y[rows])
    return model, predict_proba(model, X.iloc[rows])


def score_test_leads(scorers: Scorers, *, band_cuts: tuple[int, int, int] = (90, 70, 40)) -> pd.DataFrame:
    """Test leads scored 1-99 by the best model (percentiles of its training leads), with bands."""
    ref = reference_quantiles(scorers.train_predictions[scorers.best])
    p = scorers.predictions[scorers.best]
    score = to_score(p, ref)
    return pd.DataFrame({"row": scorers.test_rows, "probability": p, "score": score,
                         "band": assign_bands(score, band_cuts), "label": scorers.y_test})


def rule_scored_leads(fs: FeatureSet, rule: RuleSpec) -> pd.DataFrame:
    """Fallback scores from the agreed rule: conditions met, MQL flag and reasons in words."""
    f = fs.frame
    n = len(f)
    cond_for = np.full(n, "", dtype=object)
    cond_against = np.full(n, "", dtype=object)
    if "icp_tier" in f.columns:
        tier = f["icp_tier"].astype("object").where(f["icp_tier"].notna(), MISSING).astype(str).to_numpy()
        ok = np.isin(tier, list(rule.tiers))
        cond_for = np.where(ok, "ICP tier " + tier, cond_for)
        cond_against = np.where(ok, cond_against, "ICP tier " + tier + " (needs " + "/".join(rule.tiers) + ")")
    col = rule.touch_column if rule.touch_column in f.columns else "n_activities"
    if col in f.columns:
        t = f[col].fillna(0).to_numpy().astype(int)
        ok = t >= rule.min_touches
        txt = pd.Series(t).astype(str).to_numpy(dtype=object) + f" {_feature_label(col).lower()}"
        sep_f = np.where(cond_for != "", "; ", "")
        sep_a = np.where(cond_against != "", "; ", "")
        cond_for = np.where(ok, cond_for + sep_f + txt, cond_for)
        cond_against = np.where(ok, cond_against, cond_against + sep_a + txt + f" (needs {rule.min_touches})")
    met = rule_scores(f, rule)
    return pd.DataFrame({"conditions_met": met.astype(int), "mql": rule_is_mql(f, rule),
                         "reasons_for": cond_for, "reasons_against": cond_against})


def leads_per_rep(
    leads_per_rep_per_week: float, touches_per_rep_per_week: float, plateau: float
) -> tuple[float, str]:
    """MQLs one rep can work per week: given, or the rep's weekly touches / the touches plateau."""
    if leads_per_rep_per_week and leads_per_rep_per_week > 0:
        return float(leads_per_rep_per_week), f"{leads_per_rep_per_week:g} MQLs per rep per week (given)."
    if not plateau or plateau <= 0 or not touches_per_rep_per_week:
        raise ValueError("Give leads_per_rep_per_week, or touches_per_rep_per_week and a touches plateau.")
    v = float(touches_per_rep_per_week) / float(plateau)
    return v, (
        f"{touches_per_rep_per_week:g} touches per rep per week / {plateau:g} touches per MQL "
        f"(the plateau) = {v:.1f} MQLs per rep per week."
    )


def touches_plateau(summary: dict, default: float) -> tuple[float, str]:
    """The touches plateau module 2 recorded in ``summary.json`` (else ``default``)."""
    funnel = summary.get("02_funnel") or {}
    for key in ("touches_plateau", "plateau_touches", "touches_plateau_estimate"):
        v = funnel.get(key)
        if isinstance(v, int | float) and v > 0:
            return float(v), f"touches plateau {v:g} from the funnel module"
    return float(default), f"touches plateau {default:g} (parameter; the funnel module recorded none)"


# --------------------------------------------------------------------------------------------
# 6. Thresholds
# --------------------------------------------------------------------------------------------


def weekly_lead_inflow(created_at: pd.Series, *, as_of: pd.Timestamp | None = None, weeks: int = 13) -> float:
    """Average number of new leads per week over the last ``weeks`` weeks of data."""
    created = pd.Series(created_at).dropna()
    if created.empty:
        return float("nan")
    end = as_of if as_of is not None else created.max()
    end = min(end, created.max())
    start = end - pd.Timedelta(weeks=weeks)
    span_weeks = min(weeks, max((end - created.min()).days / 7, 1))
    return float(((created > start) & (created <= end)).sum() / span_weeks)


def value_per_conversion(
    labels: LabelResult, opportunities: pd.DataFrame | None, *, lead_col: str = "lead_id"
) -> float:
    """Won revenue per converted lead in the labelled history (NaN without amounts)."""
    if opportunities is None or "amount" not in opportunities.columns or lead_col not in opportunities.columns:
        return float("nan")
    t = labels.table[labels.table["eligible"] & labels.table["label"].eq(1)]
    won = opportunities[opportunities["outcome"].astype("str").str.lower().eq("won")]
    won = won[won[lead_col].isin(t["lead_id"])]
    if len(t) == 0:
        return float("nan")
    return float(won["amount"].fillna(0).sum() / len(t))


@dataclass
class Threshold:
    """Where to cut the score, and what it means for a week of sales work."""

    method: str
    probability: float
    share_of_leads: float
    weekly_leads: float
    weekly_mqls: float
    conversion_rate: float
    weekly_conversions: float
    weekly_revenue: float
    note: str

    def as_dict(self) -> dict[str, float | str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def capacity_threshold(
    p_test: np.ndarray,
    y_test: np.ndarray,
    *,
    weekly_leads: float,
    sales_reps: int,
    leads_per_rep_per_week: float,
    value_per_conversion: float = float("nan"),
) -> Threshold:
    """The score quantile that sends sales exactly as many MQLs per week as it can work.

    Parameters
    ----------
    p_test, y_test : arrays
        Out-of-time (or cross-validated) probabilities and labels.
    weekly_leads : float
        New leads per week (see :func:`weekly_lead_inflow`).
    sales_reps, leads_per_rep_per_week : number
        Sales capacity: how many MQLs the team can give the plateau number of touches.
    """
    if not weekly_leads or not np.isfinite(weekly_leads):
        raise ValueError("The capacity threshold needs the weekly number of new leads (created_at).")
    capacity = float(sales_reps) * float(leads_per_rep_per_week)
    if capacity <= 0:
        raise ValueError("sales_reps and leads_per_rep_per_week must be positive.")
    share = min(1.0, capacity / weekly_leads)
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    thr = float(np.quantile(p, 1 - share)) if share < 1 else float(p.min())
    above = p >= thr
    conv = float(y[above].mean()) if above.any() else float("nan")
    real_share = float(above.mean())
    weekly_mqls = real_share * weekly_leads
    note = (
        f"{sales_reps} reps x {leads_per_rep_per_week:g} leads a week = {capacity:g} MQLs a week, "
        f"out of {weekly_leads:.0f} new leads: the top {share:.0%} by score."
    )
    return Threshold(
        "sales capacity", thr, real_share, weekly_leads, weekly_mqls, conv,
        weekly_mqls * conv, weekly_mqls * conv * value_per_conversion, note,
    )


def threshold_at(
    p_test: np.ndarray,
    y_test: np.ndarray,
    probability: float,
    *,
    weekly_leads: float,
    value_per_conversion: float = float("nan"),
    method: str = "cost/benefit",
    note: str = "",
) -> Threshold:
    """What a given probability cut means: MQL share, weekly volume, conversion, revenue."""
    p = np.asarray(p_test, dtype="float64")
    y = np.asarray(y_test, dtype="float64")
    above = p >= probability
    share = float(above.mean())
    conv = float(y[above].mean()) if above.any() else float("nan")
    weekly_mqls = share * weekly_leads if np.isfinite(weekly_leads) else float("nan")
    return Threshold(
        method, float(probability), share, weekly_leads, weekly_mqls, conv,
        weekly_mqls * conv, weekly_mqls * conv * value_per_conversion, note,
    )


def cost_benefit_threshold(
    model: Pipeline,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    *,
    order: np.ndarray | None,
    gain_per_conversion: float,
    cost_per_mql: float,
    validation_share: float = 0.25,
    max_rows: int = 60_000,
) -> tuple[float, pd.DataFrame]:
    """The probability cut that maximises expected profit, tuned with scikit-learn's
    ``TunedThresholdClassifierCV`` on a **time-ordered** split: fitted on the earlier training
    leads, tuned on the latest ``validation_share`` of them (never a shuffled split, which would
    let the future tune the past). Without dates (``order`` None) a stratified split is used.

    Profit of working a lead as an MQL: ``gain_per_conversion`` if it converts, minus
    ``cost_per_mql`` either way.

    Returns
    -------
    (float, DataFrame)
        The threshold and the profit per lead at each candidate threshold.
    """
    from sklearn.base import clone
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    if cost_per_mql <= 0 or not np.isfinite(gain_per_conversion) or gain_per_conversion <= 0:
        raise ValueError("cost_per_mql and the gain per conversion must be positive numbers.")
    n = len(y_train)
    idx = np.arange(n) if order is None else np.asarray(order)
    idx = idx[-max_rows:]
    X, y = X_train.iloc[idx].reset_index(drop=True), np.asarray(y_train)[idx]
    if order is not None:
        n_val = max(1, int(round(validation_share * len(idx))))
        cv = [(np.arange(len(idx) - n_val), np.arange(len(idx) - n_val, len(idx)))]
        refit = False
    else:
        cv = StratifiedKFold(4, shuffle=True, random_state=0)
        refit = True

    def profit(y_true, y_pred):
        tp = np.sum((y_pred == 1) & (y_true == 1))
        worked = np.sum(y_pred == 1)
        return (tp * gain_per_conversion - worked * cost_per_mql) / len(y_true)

    tuner = TunedThresholdClassifierCV(
        clone(model),
        scoring=make_scorer(profit),
        cv=cv,
        refit=refit,
        thresholds=np.linspace(0.005, 0.95, 190),
        store_cv_results=True,
    )
    with _quiet(len(y)):
        tuner.fit(X, y)
    curve = pd.DataFrame(
        {"threshold": tuner.cv_results_["thresholds"], "profit_per_lead": tuner.cv_results_["scores"]}
    )
    return float(tuner.best_threshold_), curve


# --------------------------------------------------------------------------------------------
# 7. Scores, bands, points table, reasons
# --------------------------------------------------------------------------------------------


def reference_quantiles(p: np.ndarray) -> np.ndarray:
    """The 101 percentiles of reference probabilities (stored with the model)."""
    q = np.quantile(np.asarray(p, dtype="float64"), np.linspace(0, 1, 101))
    return np.maximum.accumulate(q + np.arange(101) * 1e-12)


def to_score(p: np.ndarray, ref_quantiles: np.ndarray) -> np.ndarray:
    """Score 1-99: the lead's percentile among the reference leads (99 = top 1%)."""
    pct = np.interp(np.asarray(p, dtype="float64"), ref_quantiles, np.linspace(0, 1, 101))
    return np.clip(np.rint(1 + 98 * pct), 1, 99).astype(int)


def assign_bands(score: np.ndarray, cuts: tuple[int, int, int] = (90, 70, 40)) -> np.ndarray:
    """Bands A-D from the 1-99 score: A >= cuts[0] > B >= cuts[1] > C >= cuts[2] > D."""
    s = np.asarray(score)
    return np.select([s >= cuts[0], s >= cuts[1], s >= cuts[2]], ["A", "B", "C"], "D").astype(object)


def band_table(y: np.ndarray, bands: np.ndarray) -> pd.DataFrame:
    """Leads, share and conversion rate per band (A first)."""
    df = pd.DataFrame({"band": np.asarray(bands, dtype=object), "y": np.asarray(y, dtype="float64")})
    out = df.groupby("band").agg(leads=("y", "size"), conversions=("y", "sum"), conversion_rate=("y", "mean"))
    out = out.reindex(["A", "B", "C", "D"]).fillna(0)
    out["share_of_leads"] = out["leads"] / out["leads"].sum()
    out["share_of_conversions"] = out["conversions"] / max(out["conversions"].sum(), 1)
    return out.reset_index()


def _nice(x: float) -> float:
    """Round to 2 significant digits (readable bin edges)."""
    if x == 0 or not np.isfinite(x):
        return float(x)
    d = 1 - int(math.floor(math.log10(abs(x))))
    return float(round(x, d))


def _fmt(x: float) -> str:
    """Compact number for a bin label: 1,500 / 16M / 2.5B / 0.3."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}B"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2g}" if a < 10 else f"{x:,.0f}"


def _numeric_bins(v: np.ndarray, n_bins: int) -> list[float]:
    fin = v[np.isfinite(v)]
    if fin.size == 0:
        return []
    qs = np.quantile(fin, np.linspace(0, 1, n_bins + 1)[1:-1])
    edges = sorted({_nice(q) for q in qs})
    edges = [e for e in edges if fin.min() < e <= fin.max()]
    return edges


def _bin_labels(edges: list[float], integer: bool) -> list[str]:
    """Readable labels of the bins ``(-inf, e1), [e1, e2), ..., [ek, inf)``.

    Whole numbers below 100,000 (counts, employees) read ``0``, ``1-2``, ``3+``; others ``under 200``,
    ``200 to under 2,000``, ``2,000 or more``.
    """
    labels = []
    bounds = [-np.inf, *edges, np.inf]
    integer = integer and (not edges or max(edges) < 100_000)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if integer:
            lo_i = 0 if not np.isfinite(lo) else int(math.ceil(lo))
            if not np.isfinite(hi):
                labels.append(f"{lo_i:,}+" if np.isfinite(lo) else "any")
            else:
                hi_i = int(math.ceil(hi)) - 1
                if not np.isfinite(lo):
                    labels.append(f"{hi_i:,} or less" if hi_i > 0 else "0")
                else:
                    labels.append(f"{lo_i:,}" if hi_i <= lo_i else f"{lo_i:,}-{hi_i:,}")
        elif not np.isfinite(lo):
            labels.append(f"under {_fmt(hi)}")
        elif not np.isfinite(hi):
            labels.append(f"{_fmt(lo)} or more")
        else:
            labels.append(f"{_fmt(lo)} to under {_fmt(hi)}")
    return labels


def _raw_text(s: pd.Series) -> np.ndarray:
    return s.astype("object").where(s.notna(), MISSING).astype(str).to_numpy(dtype=object)


def _bin_column(s: pd.Series, spec: dict) -> np.ndarray:
    """Bin labels of one column according to a scorecard bin spec."""
    if spec["kind"] == "numeric":
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        idx = np.searchsorted(np.asarray(spec["edges"], dtype="float64"), v, side="right")
        lab = np.asarray(spec["bins"], dtype=object)[idx]
        return np.where(np.isnan(v), MISSING, lab).astype(object)
    v = pd.Series(_raw_text(s))
    return v.map(spec["groups"]).fillna(spec["other"]).to_numpy(dtype=object)


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip(" ,&") + "..."


def _group_label(cats: list[str], max_names: int = 3) -> str:
    """``"Inbound Call"``, ``"Paid Search, Trade Show"``, ``"A, B, C and 4 more"``."""
    cats = sorted(cats, key=lambda c: (c in (MISSING, OTHER), c))
    names = [_short(c) for c in cats]
    if len(names) <= max_names:
        return ", ".join(names)
    return ", ".join(names[: max_names - 1]) + f" and {len(names) - max_names + 1} more"


def _coarse_categories(s: pd.Series, y: np.ndarray, *, min_n: int, max_groups: int) -> dict:
    """Group a text field's values into at most ``max_groups`` classes of similar conversion.

    Values seen fewer than ``min_n`` times are pooled as ``other``; classes are ordered by
    their (smoothed) weight of evidence and the two neighbours closest in it are merged until
    ``max_groups`` remain. Returns a bin spec: ``groups`` (value -> class label), ``bins``
    (class labels), ``other`` (class of rare and unseen values).
    """
    raw = pd.Series(_raw_text(s))
    vc = raw.value_counts()
    frequent = set(vc[vc >= min_n].index)
    fine = raw.where(raw.isin(frequent), OTHER)
    g = pd.DataFrame({"c": fine.to_numpy(), "y": y}).groupby("c")["y"].agg(["sum", "size"])
    pos_tot, neg_tot = g["sum"].sum() + 0.5, (g["size"] - g["sum"]).sum() + 0.5
    woe = np.log(((g["sum"] + 0.5) / pos_tot) / ((g["size"] - g["sum"] + 0.5) / neg_tot))
    order = woe.sort_values().index.tolist()
    groups = [[c] for c in order]
    stats = [(float(g.at[c, "sum"]), float(g.at[c, "size"])) for c in order]

    def w(st):
        return math.log(((st[0] + 0.5) / pos_tot) / ((st[1] - st[0] + 0.5) / neg_tot))

    while len(groups) > max_groups:
        diffs = [w(stats[i + 1]) - w(stats[i]) for i in range(len(groups) - 1)]
        i = int(np.argmin(diffs))
        groups[i] = groups[i] + groups.pop(i + 1)
        a, b = stats[i], stats.pop(i + 1)
        stats[i] = (a[0] + b[0], a[1] + b[1])
    mapping: dict[str, str] = {}
    bins = []
    other_label = None
    for grp in groups:
        label = _group_label(grp)
        bins.append(label)
        for c in grp:
            mapping[c] = label
            if c == OTHER:
                other_label = label
    rare = set(vc.index) - frequent
    for c in rare:
        mapping[c] = other_label
    if other_label is None:  # nothing rare in training: unseen values go to the largest class
        sizes = {lab: sum(stats[i][1] for i in [k]) for k, lab in enumerate(bins)}
        other_label = max(sizes, key=sizes.get)
    return {"kind": "categorical", "groups": {str(k): str(v) for k, v in mapping.items() if k != OTHER},
            "bins": bins, "other": other_label}


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Association of two binned fields (0 = unrelated, 1 = the same information)."""
    from scipy.stats.contingency import association

    tab = pd.crosstab(pd.Series(a), pd.Series(b)).to_numpy()
    if min(tab.shape) < 2:
        return 0.0
    return float(association(tab, method="cramer"))


@dataclass
class Scorecard:
    """An integer points table: the explicit, signable MQL definition.

    Attributes
    ----------
    table : DataFrame
        ``feature, label, bin, points, leads, conversion_rate`` (training leads).
    specs : dict
        Feature -> bin spec (``kind``, ``edges``/``groups``, ``bins``, ``points`` per bin).
    typical : dict
        Feature -> average points on the training leads (reasons compare with it).
    points_to_double : float
        Points that double the odds of converting.
    calibration : tuple
        ``(a, b)``: probability = 1 / (1 + exp(-(a + b * total_points))).
    """

    table: pd.DataFrame
    specs: dict[str, dict]
    typical: dict[str, float]
    labels: dict[str, str]
    points_to_double: float
    calibration: tuple[float, float]

    @property
    def features(self) -> list[str]:
        return list(self.specs)


def information_value(bins: np.ndarray, y: np.ndarray) -> float:
    """Weight-of-evidence information value of a binned feature (0.02 weak, 0.1 medium, 0.3 strong)."""
    df = pd.DataFrame({"b": bins, "y": y})
    g = df.groupby("b").y.agg(["sum", "size"])
    pos = (g["sum"] + 0.5) / (g["sum"].sum() + 0.5)
    neg = (g["size"] - g["sum"] + 0.5) / ((g["size"] - g["sum"]).sum() + 0.5)
    return float(((pos - neg) * np.log(pos / neg)).sum())


def fit_scorecard(
    frame: pd.DataFrame,
    y: np.ndarray,
    *,
    numeric: list[str],
    categorical: list[str],
    labels: dict[str, str] | None = None,
    max_features: int = 8,
    n_bins: int = 5,
    max_groups: int = 4,
    min_bin_share: float = 0.02,
    max_association: float = 0.6,
    points_to_double: float = 20.0,
    C: float = 1.0,
) -> Scorecard:
    """Fit a logistic scorecard on binned features and turn it into integer points.

    Numbers are cut at rounded quantiles (plus an ``unknown`` bin); text values are grouped
    into at most ``max_groups`` classes of similar conversion (rare values pooled). Features are
    taken by information value, skipping one that measures an attribute already chosen (see
    :func:`feature_attribute`: SIC group vs industry, employees vs size band, web visits vs all
    marketing touches) or repeats a chosen one (Cramer's V above ``max_association``), up to
    ``max_features``. Points
    per bin are the logistic coefficients scaled so that ``points_to_double`` points double the
    odds, shifted so each feature's lowest bin scores 0.
    """
    y = np.asarray(y).astype(int)
    labels = labels or {}
    specs: dict[str, dict] = {}
    binned: dict[str, np.ndarray] = {}
    for c in numeric:
        v = frame[c].to_numpy(dtype="float64", na_value=np.nan)
        edges = _numeric_bins(v, n_bins)
        fin = v[np.isfinite(v)]
        integer = bool(fin.size and np.all(np.mod(fin, 1) == 0))
        spec = {"kind": "numeric", "edges": edges, "bins": _bin_labels(edges, integer)}
        binned[c] = _bin_column(frame[c], spec)
        specs[c] = spec
    min_n = max(20, int(min_bin_share * len(frame)))
    for c in categorical:
        specs[c] = _coarse_categories(frame[c], y, min_n=min_n, max_groups=max_groups)
        binned[c] = _bin_column(frame[c], specs[c])
    iv = {c: information_value(b, y) for c, b in binned.items()}
    chosen: list[str] = []
    for c in sorted(iv, key=iv.get, reverse=True):
        if iv[c] < 0.02 or len(chosen) >= max_features:
            break
        if any(feature_attribute(c) == feature_attribute(k) for k in chosen):
            continue  # one line per attribute: employees or size band, not both
        if any(_cramers_v(binned[c], binned[k]) > max_association for k in chosen):
            continue
        chosen.append(c)
    if not chosen:
        chosen = sorted(iv, key=iv.get, reverse=True)[:1]
    enc = OneHotEncoder(handle_unknown="ignore")
    B = pd.DataFrame({c: binned[c] for c in chosen})
    Z = enc.fit_transform(B.astype(str))
    lr = _fit_quiet(LogisticRegression(C=C, max_iter=3000), Z, y)
    factor = points_to_double / math.log(2)
    coef = lr.coef_[0]
    rows, out_specs, typical = [], {}, {}
    start = 0
    for c, cats in zip(chosen, enc.categories_):
        w = coef[start : start + len(cats)]
        start += len(cats)
        pts = np.rint((w - w.min()) * factor).astype(int)
        pmap = dict(zip(cats.tolist(), pts.tolist()))
        spec = dict(specs[c])
        all_bins = list(spec["bins"]) + ([MISSING] if spec["kind"] == "numeric" else [])
        spec["points"] = {b: int(pmap.get(b, 0)) for b in all_bins}
        out_specs[c] = spec
        counts = pd.Series(binned[c]).value_counts()
        rates = pd.Series(y).groupby(binned[c]).mean()
        for b in all_bins:
            if b == MISSING and b not in counts.index:
                continue
            rows.append((c, labels.get(c, _feature_label(c)), b, spec["points"][b], int(counts.get(b, 0)),
                         float(rates.get(b, np.nan))))
        typical[c] = float(np.mean([spec["points"].get(b, 0) for b in binned[c]]))
    table = pd.DataFrame(rows, columns=["feature", "label", "bin", "points", "leads", "conversion_rate"])
    sc = Scorecard(table, out_specs, typical, {c: labels.get(c, _feature_label(c)) for c in chosen},
                   points_to_double, (0.0, 0.0))
    total = scorecard_points(sc, frame).sum(axis=1).to_numpy()
    cal = _fit_quiet(LogisticRegression(C=1e6, max_iter=1000), total.reshape(-1, 1), y)
    sc.calibration = (float(cal.intercept_[0]), float(cal.coef_[0, 0]))
    return sc


def scorecard_points(sc: Scorecard, frame: pd.DataFrame) -> pd.DataFrame:
    """Points each lead gets for each feature of the scorecard (sum = total points)."""
    out = {}
    for c, spec in sc.specs.items():
        s = frame[c] if c in frame.columns else pd.Series(np.nan, index=frame.index)
        b = _bin_column(s, spec)
        pts = pd.Series(b).map(spec["points"]).fillna(0).astype(int)
        out[c] = pts.to_numpy()
    return pd.DataFrame(out, index=frame.index)


def scorecard_probability(sc: Scorecard, total_points: np.ndarray) -> np.ndarray:
    """Conversion probability implied by a total number of points."""
    a, b = sc.calibration
    return 1 / (1 + np.exp(-(a + b * np.asarray(total_points, dtype="float64"))))


def lead_reasons(
    sc: Scorecard, frame: pd.DataFrame, *, n_for: int = 2, n_against: int = 2, min_points: int = 1
) -> pd.DataFrame:
    """Each lead's top reasons for and against, in plain words, read from the points table.

    A reason is a feature whose points are at least ``min_points`` above (for) or below
    (against) the typical lead's, e.g. ``"Job seniority: VP (+12 pts)"``.
    """
    pts = scorecard_points(sc, frame)
    feats = list(sc.specs)
    bins = {}
    for c in feats:
        col = frame[c] if c in frame.columns else pd.Series(np.nan, index=frame.index)
        kind = sc.specs[c]["kind"]
        bins[c] = _raw_text(col) if kind == "categorical" else _bin_column(col, sc.specs[c])
    delta = pts.to_numpy(dtype="float64") - np.array([sc.typical[c] for c in feats])
    n = len(frame)
    texts = {}
    for c_i, c in enumerate(feats):
        d = np.rint(delta[:, c_i]).astype(int)
        codes, uniques = pd.factorize(pd.Series(bins[c], dtype=object))
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(n)[::-1]  # a row of each value (same points, same delta)
        du = d[first] if n else np.array([], dtype=int)
        text_u = np.array([f"{sc.labels[c]}: {u} ({v:+d} pts)" for u, v in zip(uniques, du)], dtype=object)
        texts[c] = text_u[codes] if n else np.array([], dtype=object)
    T = np.column_stack([texts[c] for c in feats]) if feats else np.empty((n, 0), dtype=object)

    def pick(order: np.ndarray, ok: np.ndarray, k: int) -> np.ndarray:
        out = np.full(n, "", dtype=object)
        rows = np.arange(n)
        for j in range(min(k, order.shape[1])):
            col = order[:, j]
            good = ok[rows, col]
            piece = np.where(good, T[rows, col], "")
            sep = np.where((out != "") & good, "; ", "")
            out = out + sep + piece
        return out

    order_for = np.argsort(-delta, axis=1, kind="stable")
    order_against = np.argsort(delta, axis=1, kind="stable")
    reasons_for = pick(order_for, delta >= min_points, n_for)
    reasons_against = pick(order_against, delta <= -min_points, n_against)
    return pd.DataFrame(
        {"points": pts.sum(axis=1).to_numpy(), "reasons_for": reasons_for, "reasons_against": reasons_against},
        index=frame.index,
    )


def reason_frequency(reasons: pd.Series) -> pd.DataFrame:
    """How often each feature is a lead's first reason (a chart of what drives the scores)."""
    first = reasons.fillna("").astype(str).str.split(";").str[0].str.split(":").str[0].str.strip()
    first = first[first.ne("")]
    out = first.value_counts().rename_axis("reason").rename("leads").reset_index()
    out["share"] = out["leads"] / max(len(reasons), 1)
    return out


def scorecard_agreement(total_points: np.ndarray, p_best: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """How closely the points table agrees with the best model on the same test leads."""
    from scipy.stats import spearmanr

    rho = spearmanr(total_points, p_best).statistic
    return {
        "rank_correlation": float(rho),
        "auc_points": float(roc_auc_score(y, total_points)),
        "auc_best_model": float(roc_auc_score(y, p_best)),
    }


def points_threshold(total_points: np.ndarray, share: float) -> int:
    """Smallest total points reached by the top ``share`` of leads (the MQL cut in points)."""
    t = np.asarray(total_points)
    if share >= 1:
        return int(t.min())
    return int(math.ceil(np.quantile(t, 1 - share)))


def scorecard_definition(
    sc: Scorecard,
    *,
    threshold_points: int,
    agreement: dict[str, float],
    label: LabelResult,
    threshold: Threshold | None = None,
    rule: RuleSpec | None = None,
) -> dict:
    """The ``mql_definition.yml`` content: points per attribute bin and the MQL threshold."""
    feats = []
    for c, spec in sc.specs.items():
        if spec["kind"] == "numeric":
            bounds = [None, *spec["edges"], None]
            bins = [
                {"bin": b, "from": bounds[i], "below": bounds[i + 1], "points": int(spec["points"][b])}
                for i, b in enumerate(spec["bins"])
            ]
            seen = set(sc.table.loc[sc.table["feature"].eq(c), "bin"]) if len(sc.table) else {MISSING}
            if MISSING in spec["points"] and MISSING in seen:
                bins.append({"bin": MISSING, "points": int(spec["points"][MISSING])})
        else:
            members: dict[str, list[str]] = {b: [] for b in spec["bins"]}
            for value, b in spec["groups"].items():
                members.setdefault(b, []).append(value)
            bins = [
                {"bin": b, "values": sorted(members[b]), "points": int(spec["points"][b]),
                 **({"also": "any other value"} if b == spec["other"] else {})}
                for b in spec["bins"]
            ]
        feats.append({"feature": c, "label": sc.labels[c], "bins": bins})
    out = {
        "definition": "A lead is an MQL when its total points reach the threshold.",
        "label": label.describe(),
        "threshold_points": int(threshold_points),
        "points_to_double_odds": sc.points_to_double,
        "features": feats,
        "agreement_with_best_model": {k: round(v, 3) for k, v in agreement.items()},
    }
    if threshold is not None:
        out["capacity"] = {
            "weekly_mqls": round(threshold.weekly_mqls, 1),
            "expected_conversion_rate": round(threshold.conversion_rate, 3),
            "note": threshold.note,
        }
    if rule is not None:
        out["agreed_rule_before"] = {"tiers": list(rule.tiers), "min_touches": rule.min_touches}
    return out


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


# --------------------------------------------------------------------------------------------
# 8. Drift by period
# --------------------------------------------------------------------------------------------


def psi(reference: np.ndarray, current: np.ndarray, *, bins: int = 10) -> float:
    """Population stability index of ``current`` scores against ``reference`` (decile bins).

    Under 0.1 stable, 0.1-0.2 watch, above 0.2 the score population has shifted.
    """
    ref = np.asarray(reference, dtype="float64")
    cur = np.asarray(current, dtype="float64")
    if ref.size == 0 or cur.size == 0:
        return float("nan")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / ref.size
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / cur.size
    r, c = np.clip(r, 1e-4, None), np.clip(c, 1e-4, None)
    return float(np.sum((c - r) * np.log(c / r)))


def drift_by_period(
    created_at: pd.Series,
    p: np.ndarray,
    reference_p: np.ndarray,
    *,
    label: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
    freq: str | None = None,
    psi_alert: float = 0.2,
    test_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Score distribution and calibration by creation period, with a drift flag.

    Returns
    -------
    DataFrame
        ``period, leads, mean_score, predicted_rate, observed_rate (labelled leads),
        labelled_leads, psi, drift`` - the latest period's ``drift`` says whether to retrain.
    """
    created = pd.Series(pd.to_datetime(created_at)).reset_index(drop=True)
    if freq is None:
        months = created.dt.to_period("M").nunique()
        freq = "M" if months and len(created) / months >= 300 else "Q"
    per = created.dt.to_period(freq)
    df = pd.DataFrame({"period": per, "p": np.asarray(p, dtype="float64")})
    df["y"] = np.nan if label is None else np.asarray(label, dtype="float64")
    if eligible is not None:
        df.loc[~np.asarray(eligible, dtype=bool), "y"] = np.nan
    df = df[df.period.notna()]
    rows = []
    first_test = pd.Timestamp(test_from).to_period(freq) if test_from is not None else None
    for period, g in df.groupby("period", sort=True):
        lab = g.y.notna()
        rows.append(
            {
                "period": str(period),
                "test_period": bool(first_test is not None and period >= first_test),
                "leads": len(g),
                "predicted_rate": g.p.mean(),
                "observed_rate": g.y[lab].mean() if lab.any() else np.nan,
                "labelled_leads": int(lab.sum()),
                "psi": psi(reference_p, g.p.to_numpy()),
            }
        )
    out = pd.DataFrame(rows)
    out["drift"] = out["psi"] > psi_alert
    return out


# --------------------------------------------------------------------------------------------
# 9. Persistence (skops with a fixed allowlist), model card, weekly scoring
# --------------------------------------------------------------------------------------------

#: The only types a saved model may contain beyond skops' own safe defaults. A file that needs
#: anything else is refused: it was not written by this module (never "trust all").
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "builtins.slice",
        "numpy.dtype",
        "numpy.ndarray",
        "numpy.float64",
        "numpy.int64",
        "numpy.bool_",
        "numpy.random.mtrand.RandomState",
        "sklearn.pipeline.Pipeline",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.compose._column_transformer._RemainderColsList",
        "sklearn.preprocessing._encoders.OneHotEncoder",
        "sklearn.preprocessing._data.QuantileTransformer",
        "sklearn.preprocessing._polynomial.SplineTransformer",
        "sklearn.impute._base.SimpleImputer",
        "sklearn.impute._base.MissingIndicator",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.Interval",
        "sklearn._loss._loss.CyHalfBinomialLoss",
        "scipy.interpolate._bsplines.BSpline",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
)


def save_model(bundle: dict, path: str | Path) -> Path:
    """Write a model bundle with ``skops.io.dump`` (no pickle) and check it loads back."""
    import skops.io as sio

    if bundle.get("format") != MODEL_FORMAT:
        raise ValueError(f"A model bundle must carry format '{MODEL_FORMAT}'.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    sio.dump(bundle, tmp)
    tmp.replace(path)
    load_model(path)  # refuse to leave behind a file this module could not read back
    return path


def load_model(path: str | Path, *, allowed: frozenset[str] = ALLOWED_TYPES) -> dict:
    """Load a model bundle written by :func:`save_model`, trusting only a fixed list of types.

    Every type the file needs beyond skops' safe defaults must be in ``ALLOWED_TYPES``;
    otherwise the file is refused before anything in it is built.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no model file there; train one with the 04_mql notebook first.")
    try:
        needed = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # noqa: BLE001 - any parse failure means not a skops model file
        raise ValueError(f"{path}: not a model file this tool wrote ({exc}).") from None
    unexpected = sorted(needed - set(allowed))
    if unexpected:
        raise ValueError(
            f"{path}: refused: the file contains types outside the allowed list "
            f"({', '.join(unexpected)}). Only load models this tool trained."
        )
    bundle = sio.load(path, trusted=sorted(needed))
    if not isinstance(bundle, dict) or bundle.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: not an MQL model bundle (format {MODEL_FORMAT} expected).")
    return bundle


def make_bundle(
    model: Pipeline,
    *,
    model_name: str,
    fs: FeatureSet,
    labels: LabelResult,
    reference_p: np.ndarray,
    scorecard: Scorecard | None,
    threshold_probability: float,
    band_cuts: tuple[int, int, int],
    icp: dict | None,
    metrics: dict[str, float],
) -> dict:
    """Everything :func:`score_org` needs, as plain types plus the fitted pipeline."""
    sc = None
    if scorecard is not None:
        sc = {
            "specs": scorecard.specs,
            "typical": scorecard.typical,
            "labels": scorecard.labels,
            "points_to_double": scorecard.points_to_double,
            "calibration": list(scorecard.calibration),
        }
    return {
        "format": MODEL_FORMAT,
        "model_name": model_name,
        "pipeline": model,
        "features": {
            "numeric": list(fs.numeric),
            "categorical": list(fs.categorical),
            "activity_types": list(fs.config.get("activity_types", [])),
            "vocab": {c: list(v) for c, v in (fs.config.get("vocab") or fit_vocabulary(fs.frame, fs.categorical)).items()
                      if c in fs.categorical},
        },
        "label": {
            "stage": labels.label_stage,
            "horizon_days": labels.horizon_days,
            "score_after_days": labels.score_after_days,
            "mode": labels.mode,
        },
        "reference_quantiles": [float(q) for q in reference_quantiles(reference_p)],
        "threshold_probability": float(threshold_probability),
        "band_cuts": [int(c) for c in band_cuts],
        "scorecard": sc,
        "icp": icp,
        "metrics": {k: float(v) for k, v in metrics.items()},
    }


def scorecard_from_bundle(bundle: dict) -> Scorecard | None:
    sc = bundle.get("scorecard")
    if not sc:
        return None
    return Scorecard(
        pd.DataFrame(), sc["specs"], sc["typical"], sc["labels"], sc["points_to_double"], tuple(sc["calibration"])
    )


def score_frame(bundle: dict, fs: FeatureSet, probabilities: np.ndarray | None = None) -> pd.DataFrame:
    """Probability, 1-99 score, band, MQL flag and reasons for every lead of ``fs``.

    ``probabilities``: the bundle's model's predictions when already computed.
    """
    f = bundle["features"]
    if probabilities is None:
        X = model_matrix(fs, f["numeric"], f["categorical"], f["vocab"])
        p = predict_proba(bundle["pipeline"], X)
    else:
        p = np.asarray(probabilities, dtype="float64")
    score = to_score(p, np.asarray(bundle["reference_quantiles"]))
    out = pd.DataFrame(
        {
            "probability": np.round(p, 4),
            "score": score,
            "band": assign_bands(score, tuple(bundle["band_cuts"])),
            "mql": p >= bundle["threshold_probability"],
        }
    )
    sc = scorecard_from_bundle(bundle)
    if sc is not None:
        r = lead_reasons(sc, fs.frame)
        out["points"] = r["points"].to_numpy()
        out["reasons_for"] = r["reasons_for"].to_numpy()
        out["reasons_against"] = r["reasons_against"].to_numpy()
    return out


def scored_leads_table(labels: LabelResult, scores: pd.DataFrame) -> pd.DataFrame:
    """The ``scored_leads.csv`` rows: lead id, scoring moment, score, band, MQL, reasons."""
    t = labels.table
    out = pd.DataFrame(
        {
            "lead_id": t["lead_id"].to_numpy(),
            "scoring_moment": t["scoring_moment"].dt.strftime("%Y-%m-%d").to_numpy()
            if t["scoring_moment"].notna().any()
            else "",
        }
    )
    out = pd.concat([out, scores.reset_index(drop=True)], axis=1)
    return out.sort_values(["score", "lead_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def model_card(bundle: dict, *, org_name: str, data_from, data_to, n_train: int, n_test: int,
               split_description: str, leaks: list[str], sufficiency: Sufficiency,
               metrics_table: pd.DataFrame) -> str:
    """A model card (YAML front matter + markdown): data range, features, metrics, date of data."""
    import yaml

    meta = {
        "model": bundle["model_name"],
        "organization": org_name,
        "data_from": str(pd.Timestamp(data_from).date()) if pd.notna(data_from) else None,
        "data_to": str(pd.Timestamp(data_to).date()) if pd.notna(data_to) else None,
        "label": bundle["label"],
        "training_leads": int(n_train),
        "test_leads": int(n_test),
        "features": bundle["features"]["categorical"] + bundle["features"]["numeric"],
        "excluded_as_leaks": list(leaks),
        "metrics": {k: round(float(v), 4) for k, v in bundle["metrics"].items()},
        "threshold_probability": round(bundle["threshold_probability"], 4),
        "file_format": "skops (loaded with a fixed allowlist of types)",
    }
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).strip(),
        "---",
        f"# MQL score model card: {org_name}",
        "",
        f"**What it predicts.** {_label_sentence(bundle['label'])}",
        "",
        f"**Data.** Leads created {meta['data_from']} to {meta['data_to']}; {split_description}",
        "",
        f"**Sufficiency.** {sufficiency.message}",
        "",
        "**Excluded as leaks.** " + (", ".join(leaks) if leaks else "none found."),
        "",
        "**Test metrics (same test leads for every scorer).**",
        "",
        metrics_table.round(3).to_markdown(index=False) if _has_tabulate()
        else "```\n" + metrics_table.round(3).to_string(index=False) + "\n```",
        "",
        "**Use.** Score new leads each week with `alignment-edge score MODEL ORG_DIR`; retrain "
        "when the drift check flags the latest period (PSI above 0.2) or every quarter.",
        "",
        "**Limits.** Learned from this organization's past decisions: leads sales never worked "
        "look like failures. Not a judgement of people; reasons are read from the points table.",
        "",
    ]
    return "\n".join(lines)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401

        return True
    except ImportError:
        return False


def _label_sentence(label: dict) -> str:
    if label["mode"] == "flag":
        return f"Whether a lead converts ({label['stage']}), from the export's flag."
    stage = {"sql": "an SQL", "opportunity": "an opportunity", "won": "a won deal"}.get(label["stage"], label["stage"])
    return (
        f"The probability that a lead becomes {stage} within {label['horizon_days']} days "
        f"of its scoring moment ({label['score_after_days']} days after creation)."
    )


def score_org(model_path: str | Path, org_dir: str | Path, out_path: str | Path) -> pd.DataFrame:
    """Score an organization's leads with a saved model and write ``scored_leads.csv``.

    Leads whose scoring moment (creation + the model's ``score_after_days``) has passed by the
    export date are scored, with the features and cut-offs the model was trained with.

    Parameters
    ----------
    model_path : path
        A model file written by the 04_mql notebook (skops; loaded with the fixed allowlist).
    org_dir : path
        The organization folder (with its ``org.yml``).
    out_path : path
        Where to write the scored leads (CSV, text cells escaped for spreadsheets).

    Returns
    -------
    DataFrame
        The rows written.
    """
    from helpers.core.report import write_csv_safe
    from helpers.data import load_org

    bundle = load_model(model_path)
    data = load_org(org_dir)
    leads = data.leads.reset_index(drop=True)
    after = int(bundle["label"]["score_after_days"])
    if "created_at" in leads.columns and leads["created_at"].notna().any():
        moments = leads["created_at"] + pd.Timedelta(days=after)
        as_of = export_date(leads, data.activities, data.opportunities)
        ready = (moments <= as_of).to_numpy()
        leads, moments = leads[ready].reset_index(drop=True), moments[ready].reset_index(drop=True)
    else:
        moments = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    tiers = icp_tiers_for_leads(leads, data.accounts, bundle.get("icp"))
    fs = build_features(
        leads, moments, accounts=data.accounts, activities=data.activities,
        icp_tiers=tiers, config=bundle["features"],
    )
    scores = score_frame(bundle, fs)
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "lead_id": leads["lead_id"].to_numpy(),
                    "scoring_moment": moments.dt.strftime("%Y-%m-%d").to_numpy(),
                }
            ),
            scores,
        ],
        axis=1,
    ).sort_values(["score", "lead_id"], ascending=[False, True], kind="stable")
    write_csv_safe(out, out_path)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 10. Steps as the notebook runs them (each one call, each says what it skipped)
# --------------------------------------------------------------------------------------------


def icp_definition(output_dir: str | Path, data) -> tuple[dict | None, str]:
    """The agreed ICP: ``output_dir/icp.yml`` from module 1, else refitted the same way."""
    from helpers.icp import read_icp

    icp = read_icp(output_dir)
    if icp is not None:
        return icp, "ICP tiers from icp.yml (module 1)."
    if data.accounts is None:
        return None, "No accounts table: no ICP tiers; the agreed rule uses engagement only."
    if data.opportunities is None and not data.has("leads", "converted"):
        return None, "No ICP tiers: no deals to learn them from; the agreed rule uses engagement only."
    return recompute_icp(data)


def skip_note(gate: Sufficiency) -> str:
    """The sentence printed by every model section when the gate falls back to the rules."""
    return "Skipped: " + gate.message


@dataclass
class Thresholds:
    """The capacity and cost/benefit cuts, and the one the MQL flag uses."""

    capacity: Threshold | None
    cost_benefit: Threshold | None
    profit_curve: pd.DataFrame | None
    chosen: Threshold
    value_per_conversion: float
    notes: list[str]

    @property
    def table(self) -> pd.DataFrame:
        rows = [t.as_dict() for t in (self.capacity, self.cost_benefit) if t is not None]
        cols = ["method", "probability", "share_of_leads", "weekly_mqls", "conversion_rate",
                "weekly_conversions", "weekly_revenue"]
        return pd.DataFrame(rows)[cols]


def choose_thresholds(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    opportunities: pd.DataFrame | None,
    *,
    summary: dict,
    sales_reps: int,
    leads_per_rep_per_week: float,
    touches_per_rep_per_week: float,
    touches_plateau_default: float,
    weekly_leads: float = 0,
    cost_per_mql: float = 300,
    gross_margin: float = 0.7,
    default_share: float = 0.2,
) -> Thresholds:
    """The MQL cut from sales capacity (used) and from cost/benefit (shown beside it).

    Capacity: ``sales_reps`` x MQLs per rep per week (given, or the rep's weekly touches / the
    touches plateau of module 2) against the weekly inflow of new leads. Cost/benefit: the
    profit-maximising cut tuned on a time-ordered split (see :func:`cost_benefit_threshold`),
    with the gain per conversion = won revenue per converted lead x gross margin. Without a
    lead inflow, the top ``default_share`` of leads is used and the notes say so.
    """
    notes = []
    p, y = scorers.predictions[scorers.best], scorers.y_test
    value = value_per_conversion(labels, opportunities)
    weekly = float(weekly_leads) if weekly_leads and weekly_leads > 0 else weekly_lead_inflow(
        labels.table["created_at"], as_of=labels.as_of
    )
    plateau, plateau_note = touches_plateau(summary, touches_plateau_default)
    cap = None
    if np.isfinite(weekly) and weekly > 0:
        per_rep, rep_note = leads_per_rep(leads_per_rep_per_week, touches_per_rep_per_week, plateau)
        cap = capacity_threshold(p, y, weekly_leads=weekly, sales_reps=sales_reps,
                                 leads_per_rep_per_week=per_rep, value_per_conversion=value)
        notes += [rep_note if leads_per_rep_per_week else f"{rep_note} Plateau: {plateau_note}.", cap.note]
    else:
        notes.append("No creation dates and no weekly_leads parameter: the sales-capacity cut "
                     f"cannot be computed; the top {default_share:.0%} of leads are MQLs.")
    cost, curve = None, None
    margin = gross_margin
    if opportunities is not None and "gross_margin" in opportunities.columns and opportunities["gross_margin"].notna().any():
        margin = float(opportunities["gross_margin"].mean())
    if np.isfinite(value) and value > 0:
        X = model_matrix(fs, fs.numeric, fs.categorical)
        ytr = labels.table["label"].to_numpy()[scorers.split.train]
        order = None
        if scorers.split.kind == "out-of-time":
            order = np.argsort(labels.table["created_at"].to_numpy()[scorers.split.train], kind="stable")
        prob, curve = cost_benefit_threshold(
            scorers.best_model, X.iloc[scorers.split.train], ytr, order=order,
            gain_per_conversion=value * margin, cost_per_mql=cost_per_mql,
        )
        cost = threshold_at(p, y, prob, weekly_leads=weekly, value_per_conversion=value,
                            note=f"gain {value * margin:,.0f} per conversion vs {cost_per_mql:,.0f} per MQL worked")
        notes.append(f"Cost/benefit: work a lead when its probability is at least {prob:.2f} "
                     f"({cost.note}); tuned on the latest training leads, never on the test period.")
    else:
        notes.append("No deal amounts: the cost/benefit cut is skipped.")
    chosen = cap if cap is not None else threshold_at(
        p, y, float(np.quantile(p, 1 - default_share)), weekly_leads=weekly,
        value_per_conversion=value, method=f"top {default_share:.0%}",
    )
    return Thresholds(cap, cost, curve, chosen, value, notes)


@dataclass
class PointsTable:
    """The scorecard fitted on the training leads and how it does on the test leads."""

    card: Scorecard
    test_points: np.ndarray
    agreement: dict[str, float]
    threshold_points: int

    @property
    def importance(self) -> pd.DataFrame:
        """Features by the spread of their points (the attributes that matter most first)."""
        t = self.card.table
        g = t.groupby(["feature", "label"], sort=False)["points"].agg(lambda v: int(v.max() - v.min()))
        return g.rename("points_range").reset_index().sort_values("points_range", ascending=False, kind="stable").reset_index(drop=True)


def fit_points_table(
    fs: FeatureSet, labels: LabelResult, scorers: Scorers, *, mql_share: float, max_features: int = 8
) -> PointsTable:
    """Fit the points table on the training leads; threshold in points at the MQL share; its
    agreement with the best model on the test leads."""
    y = labels.table["label"].to_numpy()
    tr = latest_rows(scorers.split.train, MAX_LINEAR_ROWS)
    card = fit_scorecard(fs.frame.iloc[tr], y[tr], numeric=fs.numeric, categorical=fs.categorical,
                         labels=fs.labels, max_features=max_features)
    pts = scorecard_points(card, fs.frame.iloc[scorers.test_rows]).sum(axis=1).to_numpy()
    agree = scorecard_agreement(pts, scorers.predictions[scorers.best], scorers.y_test)
    return PointsTable(card, pts, agree, points_threshold(pts, mql_share))


def drift_report(scorers: Scorers, fs: FeatureSet, labels: LabelResult, *, psi_alert: float = 0.2) -> pd.DataFrame | None:
    """:func:`drift_by_period` for every lead scored by the evaluation model (None without dates)."""
    if labels.mode != "dated":
        return None
    p = scorers.all_predictions[scorers.best]
    t = labels.table
    ok = t["scoring_moment"].le(labels.as_of).to_numpy() if labels.as_of is not None else np.ones(len(t), bool)
    return drift_by_period(t["created_at"][ok], p[ok], scorers.train_predictions[scorers.best],
                           label=t["label"].to_numpy()[ok], eligible=t["eligible"].to_numpy()[ok],
                           psi_alert=psi_alert, test_from=scorers.split.cut)


def score_leads(
    bundle: dict, fs: FeatureSet, labels: LabelResult, scorers: Scorers | None = None
) -> pd.DataFrame:
    """Every lead whose scoring moment has passed, scored by the deployed model (best first).

    When the deployed model is the evaluated one (``scorers``), its predictions are reused.
    """
    t = labels.table
    ready = t["scoring_moment"].le(labels.as_of).to_numpy() if labels.as_of is not None else np.ones(len(t), bool)
    sub = FeatureSet(fs.frame[ready].reset_index(drop=True), fs.numeric, fs.categorical, fs.labels, fs.sources)
    p = None
    if scorers is not None and bundle["pipeline"] is scorers.best_model:
        p = scorers.all_predictions[scorers.best][ready]
    scores = score_frame(bundle, sub, p)
    lab = LabelResult(t[ready].reset_index(drop=True), labels.mode, labels.label_stage, labels.horizon_days,
                      labels.score_after_days, labels.as_of, labels.records_from, labels.note)
    return scored_leads_table(lab, scores)


def rule_scored_table(fs: FeatureSet, labels: LabelResult, rule: RuleSpec) -> pd.DataFrame:
    """``scored_leads.csv`` rows when the agreed rule is used (fallback): MQL flag and why."""
    out = rule_scored_leads(fs, rule)
    out.insert(0, "lead_id", labels.table["lead_id"].to_numpy())
    return out.sort_values(["conditions_met", "lead_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def write_outputs(
    output_dir: str | Path,
    *,
    scored_leads: pd.DataFrame,
    definition: dict,
    bundle: dict | None = None,
    card_text: str | None = None,
) -> dict[str, Path]:
    """Write ``scored_leads.csv`` (escaped), ``mql_definition.yml`` and, when a model was
    trained, ``mql_model.skops`` and ``mql_model_card.md``."""
    from helpers.core.report import atomic_write_text, write_csv_safe, write_yaml

    out = Path(output_dir)
    written = {
        "scored_leads": write_csv_safe(scored_leads, out / "scored_leads.csv"),
        "definition": write_yaml(definition, out / "mql_definition.yml"),
    }
    if bundle is not None:
        written["model"] = save_model(bundle, out / "mql_model.skops")
    if card_text is not None:
        written["model_card"] = atomic_write_text(out / "mql_model_card.md", card_text)
    return written


#: Derived feature -> the attribute it measures (for comparing with planted drivers).
FEATURE_ATTRIBUTE = {
    "sic_group": "industry",
    "industry": "industry",
    "employees": "employees",
    "company_size_band": "employees",
    "annual_revenue": "revenue",
    "n_marketing": "marketing_touches",
    "n_activities": "marketing_touches",
}


def feature_attribute(name: str) -> str:
    """The attribute a feature measures (``n_webinar`` -> ``marketing_touches``)."""
    if name in FEATURE_ATTRIBUTE:
        return FEATURE_ATTRIBUTE[name]
    if name.startswith("n_"):
        return "marketing_touches"
    return name


def summary_figures(
    labels: LabelResult,
    gate: Sufficiency,
    leaks: pd.DataFrame,
    *,
    scorers: Scorers | None = None,
    thresholds: Thresholds | None = None,
    points: PointsTable | None = None,
    drift: pd.DataFrame | None = None,
    rule: RuleSpec | None = None,
    fs: FeatureSet | None = None,
) -> dict[str, Any]:
    """The key figures of module 4 for ``summary.json`` (plain, rounded numbers)."""

    def r(x, nd=3):
        return None if x is None or not np.isfinite(x) else round(float(x), nd)

    out: dict[str, Any] = {
        "label_stage": labels.label_stage,
        "horizon_days": labels.horizon_days,
        "score_after_days": labels.score_after_days,
        "label_mode": labels.mode,
        "eligible_leads": labels.n_eligible,
        "conversions": labels.n_conversions,
        "sufficiency": bool(gate.ok),
        "sufficiency_message": gate.message,
        "excluded_leaks": leaks.loc[leaks["leak"], "feature"].tolist() if len(leaks) else [],
    }
    if not gate.ok or scorers is None:
        out["scorer_used"] = "agreed rule"
        if rule is not None and fs is not None:
            out["agreed_rule"] = rule.describe(list(fs.frame.columns))
            elig = labels.table["eligible"].to_numpy()
            y = labels.table["label"].to_numpy()[elig]
            if len(np.unique(y)) == 2:
                out["auc_rule"] = r(roc_auc_score(y, rule_scores(fs.frame[elig], rule)))
                out["rule_mql_share"] = r(rule_is_mql(fs.frame[elig], rule).mean())
        return out
    m = scorers.metrics.set_index("scorer")
    best = m.loc[scorers.best]
    out.update(
        {
            "validation": scorers.split.kind,
            "test_leads": int(len(scorers.test_rows)),
            "test_from": str(scorers.split.cut.date()) if scorers.split.cut is not None else None,
            "auc_rule": r(m.loc["agreed rule", "roc_auc"]),
            "auc_logistic": r(m.loc["logistic regression", "roc_auc"]),
            "auc_boosting": r(m.loc["gradient boosting", "roc_auc"]),
            "best_model": scorers.best,
            "scorer_used": scorers.best,
            "pr_auc": r(best["pr_auc"]),
            "lift_top10": r(best["lift_top10"], 2),
            "precision_top10": r(best["precision_top10"]),
            "lift_top20": r(best["lift_top20"], 2),
            "brier": r(best["brier"], 4),
            "base_rate": r(best["base_rate"]),
            "rule_lift_top10": r(m.loc["agreed rule", "lift_top10"], 2),
        }
    )
    if thresholds is not None:
        c = thresholds.chosen
        out.update(
            {
                "threshold_method": c.method,
                "threshold_probability": r(c.probability, 4),
                "mql_share": r(c.share_of_leads),
                "weekly_leads": r(c.weekly_leads, 1),
                "expected_weekly_mqls": r(c.weekly_mqls, 1),
                "expected_mql_conversion": r(c.conversion_rate),
                "expected_weekly_conversions": r(c.weekly_conversions, 2),
                "expected_weekly_revenue": r(c.weekly_revenue, 0),
                "cost_benefit_threshold": r(thresholds.cost_benefit.probability, 4) if thresholds.cost_benefit else None,
            }
        )
    if points is not None:
        imp = points.importance
        out.update(
            {
                "threshold_points": int(points.threshold_points),
                "points_rank_correlation": r(points.agreement["rank_correlation"]),
                "points_auc": r(points.agreement["auc_points"]),
                "points_features": imp["feature"].tolist(),
                "points_attributes": list(dict.fromkeys(feature_attribute(f) for f in imp["feature"])),
            }
        )
    if drift is not None and len(drift):
        last = drift.iloc[-1]
        out.update({"drift_latest_period": str(last["period"]), "drift_latest_psi": r(last["psi"]),
                    "drift_flag": bool(last["drift"])})
    return out


def deployment_bundle(
    scorers: Scorers,
    fs: FeatureSet,
    labels: LabelResult,
    *,
    points: PointsTable | None,
    thresholds: Thresholds,
    band_cuts: tuple[int, int, int] = (90, 70, 40),
    icp: dict | None = None,
    seed: int = 42,
) -> dict:
    """Refit the best model on every labelled lead and package it for weekly scoring.

    The MQL cut keeps the capacity share: the probability at that quantile of the refitted
    model's scores on the labelled leads.
    """
    model, ref_p = final_model(scorers, fs, labels, seed=seed)
    share = thresholds.chosen.share_of_leads
    cut = float(np.quantile(ref_p, 1 - share)) if share < 1 else float(ref_p.min())
    m = scorers.metrics.set_index("scorer").loc[scorers.best]
    metrics = {k: float(m[k]) for k in ("roc_auc", "pr_auc", "lift_top10", "precision_top10", "brier")}
    return make_bundle(
        model, model_name=scorers.best, fs=fs, labels=labels, reference_p=ref_p,
        scorecard=points.card if points is not None else None, threshold_probability=cut,
        band_cuts=band_cuts, icp=icp, metrics=metrics,
    )


def write_module_outputs(
    output_dir: str | Path,
    *,
    org_name: str,
    labels: LabelResult,
    gate: Sufficiency,
    fs: FeatureSet,
    leaks: pd.DataFrame,
    rule: RuleSpec,
    scorers: Scorers | None = None,
    thresholds: Thresholds | None = None,
    points: PointsTable | None = None,
    bundle: dict | None = None,
    scored: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the module's artifacts: the learned definition, model, card and scored leads, or,
    below the sufficiency gate, the agreed rule and the leads it qualifies."""
    if scorers is None or points is None or bundle is None or scored is None or thresholds is None:
        definition = rule_definition(rule, list(fs.frame.columns), labels, gate.message)
        return write_outputs(output_dir, scored_leads=rule_scored_table(fs, labels, rule), definition=definition)
    definition = scorecard_definition(points.card, threshold_points=points.threshold_points,
                                      agreement=points.agreement, label=labels, threshold=thresholds.chosen, rule=rule)
    split = scorers.split
    card = model_card(bundle, org_name=org_name, data_from=labels.table["created_at"].min(), data_to=labels.as_of,
                      n_train=len(split.train), n_test=len(scorers.test_rows), split_description=split.description,
                      leaks=leaks.loc[leaks["leak"], "feature"].tolist() if len(leaks) else [],
                      sufficiency=gate, metrics_table=scorers.metrics)
    return write_outputs(output_dir, scored_leads=scored, definition=definition, bundle=bundle, card_text=card)
