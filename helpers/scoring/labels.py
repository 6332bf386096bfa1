"""Step 1, the label: did a lead convert within a horizon of its scoring moment?

:func:`build_labels` labels each lead converted (to SQL, opportunity or won) within
``horizon_days`` of its scoring moment (``created_at + score_after_days``). Leads too young to
know are excluded, never counted as failures; so are leads that converted before they could be
scored and leads from before the export recorded conversions. Lead-only exports without dates
use their ``converted`` flag (or the current stage).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core import schema

LABEL_STAGES = ("sql", "opportunity", "won")
#: A first conversion this many days after the first lead means conversions were not recorded
#: before it (left-censoring), not that nobody converted.
RECORDING_GAP_DAYS = 60


class NoLabelError(ValueError):
    """The export has no way to tell which leads converted."""


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
        """Leads with a label (old enough, scored before converting)."""
        return int(self.table["eligible"].sum())

    @property
    def n_conversions(self) -> int:
        """Eligible leads that converted within the horizon."""
        return int(self.table.loc[self.table["eligible"], "label"].sum())

    def describe(self) -> str:
        """One sentence saying what the label is."""
        stage = {"sql": "an SQL", "opportunity": "an opportunity", "won": "a won deal"}[
            self.label_stage
        ]
        if self.mode == "flag":
            return (
                f"Label: the export's conversion flag (became {stage}); no conversion dates, "
                "so no horizon."
            )
        when = (
            "creation"
            if self.score_after_days == 0
            else f"{self.score_after_days} days after creation"
        )
        return (
            f"Label: became {stage} within {self.horizon_days} days of the scoring moment "
            f"({when}); data up to {self.as_of:%Y-%m-%d}."
        )


def _max_date(frames: list[tuple[pd.DataFrame | None, list[str]]]) -> pd.Timestamp | None:
    """The latest timestamp in the given datetime columns of the given tables (None if none)."""
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
        raise ValueError(
            f"label_stage must be one of {', '.join(LABEL_STAGES)}, not '{label_stage}'."
        )
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


def _flag_label(
    leads: pd.DataFrame, label_stage: str, stages: list[str] | None
) -> pd.Series | None:
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
    _check_window(label_stage, horizon_days, score_after_days)
    table = pd.DataFrame({"lead_id": leads[lead_col].to_numpy()}, index=leads.index)
    has_created = created_col in leads.columns and leads[created_col].notna().any()
    conv = conversion_times(leads, opportunities, label_stage=label_stage, lead_col=lead_col)
    if has_created and conv.notna().any():
        as_of = as_of if as_of is not None else export_date(leads, activities, opportunities)
        status, label, records_from, note = _dated_status(
            table, leads[created_col], conv, horizon_days, score_after_days, as_of, records_from
        )
        mode = "dated"
    else:
        status, label, note = _flag_status(
            table, leads, label_stage, stages, score_after_days, created_col
        )
        as_of, records_from, mode = None, None, "flag"
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


def _check_window(label_stage: str, horizon_days: int, score_after_days: int) -> None:
    """Refuse a label stage, horizon or scoring delay that cannot define a label."""
    if horizon_days <= 0 or score_after_days < 0:
        raise ValueError("horizon_days must be positive and score_after_days zero or more.")
    if label_stage not in LABEL_STAGES:
        raise ValueError(
            f"label_stage must be one of {', '.join(LABEL_STAGES)}, not '{label_stage}'."
        )


def _dated_status(
    table: pd.DataFrame,
    created: pd.Series,
    conv: pd.Series,
    horizon_days: int,
    score_after_days: int,
    as_of: pd.Timestamp,
    records_from: pd.Timestamp | str | None,
) -> tuple[np.ndarray, np.ndarray, pd.Timestamp | None, str]:
    """Status and label of each lead from its creation and conversion dates.

    Adds ``created_at``, ``scoring_moment`` and ``converted_at`` to ``table``; returns
    ``(status, converted within the window, records_from resolved, note)``.
    """
    created = created.astype("datetime64[ns]")
    moment = created + pd.Timedelta(days=score_after_days)
    if isinstance(records_from, str) and records_from == "auto":
        first_conv, first_lead = conv.min(), created.min()
        gap = first_conv - first_lead
        records_from = first_conv if gap > pd.Timedelta(days=RECORDING_GAP_DAYS) else None
    elif records_from is not None:
        records_from = pd.Timestamp(records_from)
    window_end = moment + pd.Timedelta(days=horizon_days)
    status = np.full(len(table), "eligible", dtype=object)
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
    return status, label, records_from, note


def _flag_status(
    table: pd.DataFrame,
    leads: pd.DataFrame,
    label_stage: str,
    stages: list[str] | None,
    score_after_days: int,
    created_col: str,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Status and label of each lead from the export's converted flag (no conversion dates).

    Adds ``created_at``, ``scoring_moment`` and ``converted_at`` (NaT) to ``table``; returns
    ``(status, converted, note)``.
    """
    flag = _flag_label(leads, label_stage, stages)
    if flag is None:
        raise NoLabelError(
            "The leads have no way to tell who converted: map opportunities with a lead_id "
            "(and dates), or a 'converted' column, or a 'stage' column in org.yml."
        )
    status = np.where(flag.notna().to_numpy(), "eligible", "no label").astype(object)
    label = flag.fillna(0).to_numpy() > 0
    created = (
        leads[created_col] if created_col in leads.columns else pd.Series(pd.NaT, index=leads.index)
    )
    table["created_at"] = created.astype("datetime64[ns]").to_numpy()
    table["scoring_moment"] = table["created_at"] + pd.Timedelta(days=score_after_days)
    table["converted_at"] = pd.NaT
    if table["created_at"].notna().any():
        note = (
            "No conversion dates: the label is the export's flag. This costs two things: no "
            "horizon (old and new leads are judged alike) and no check that a field was known "
            "before the conversion. The leads are dated, so the score is still tested on the "
            "latest leads (out-of-time)."
        )
    else:
        note = (
            "No conversion dates: the label is the export's flag. This costs three things: no "
            "horizon (old and new leads are judged alike), no check that a field was known "
            "before the conversion, and stratified cross-validation instead of an out-of-time "
            "test, which usually overstates next quarter's accuracy."
        )
    return status, label, note


def try_build_labels(
    leads: pd.DataFrame, opportunities: pd.DataFrame | None = None, **kwargs
) -> tuple[LabelResult | None, str | None]:
    """:func:`build_labels`, or ``(None, reason)`` when the export cannot label any lead.

    The reason is one sentence for :func:`helpers.core.report.skip_module`: no way to tell who
    converted, no lead old enough to label, or every labelled lead with the same outcome.
    """
    try:
        labels = build_labels(leads, opportunities, **kwargs)
    except NoLabelError as exc:
        return None, str(exc)
    stage = labels.label_stage
    if labels.n_eligible == 0:
        return None, (
            "No lead can be labelled yet: every lead is younger than the horizon or has no "
            "creation date; shorten horizon_days or export a longer history."
        )
    if labels.n_conversions in (0, labels.n_eligible):
        what = "converted" if labels.n_conversions else "did not convert"
        hint = (
            "set label_stage: won in org.yml parameters to predict wins"
            if labels.n_conversions and stage != "won"
            else "check the conversion mapping (opportunities.lead_id, leads.converted)"
        )
        return None, (
            f"All {labels.n_eligible:,} labelled leads {what} (label stage {stage}), so there "
            f"is nothing to tell apart: {hint}."
        )
    return labels, None
