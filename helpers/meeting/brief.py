"""The weekly funnel brief: one page for the weekly sales & marketing meeting.

The seed article asks for "weekly high-level meetings to review funnel metrics, possible
leaks and evaluate program investments". :func:`weekly_brief` gathers, for one week
(Monday to Sunday), what that meeting needs, every figure from modules 02 and 03:

* **volume** - leads reaching each stage that week and over the last four weeks, against
  what the revenue plan needs a week (``funnel.weekly_view``, ``revenue.plan_gap``);
* **conversion** - for each stage, the weekly cohort that became old enough to judge that
  week, its conversion within ``k`` days, its normal range and alert
  (``funnel.weekly_alerts_by_transition``);
* **sla** - the last four weeks' MQLs answered within the SLA, and closed-out leads that got
  the plateau's touches, for the team and each owner (hashed; ``funnel.rep_table``);
* **investments** - cost per lead, MQL and won deal by channel on mature cohorts
  (``revenue.channel_investments``);
* the three **questions** the data raises (:mod:`helpers.meeting.questions`), and an
  owners/actions block to fill in.

A block the org's data cannot feed is ``None`` with one sentence in ``skipped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from helpers.meeting.inputs import MeetingInputs
from helpers.revenue.common import STAGE_LABELS

#: Weeks a month holds on average (a plan's monthly need x this = its weekly need).
WEEKS_PER_MONTH = 52 / 12
#: Weeks behind the SLA and trend figures (the brief's week and the three before it).
RECENT_WEEKS = 4
#: Weeks in the volume trend chart.
TREND_WEEKS = 13
#: Owners listed (hashed id) in the SLA block, and channels in the investments block, on the
#: printed page; the rest are counted.
MAX_OWNERS = 6
MAX_CHANNELS = 8
TEAM = "All owners"


@dataclass
class Brief:
    """One week's brief (see :func:`weekly_brief`); blocks the data cannot feed are None.

    Attributes
    ----------
    org, currency : str
    week : Timestamp
        Monday of the week.
    data_to : Timestamp
        The export date (latest timestamp in the data).
    no_data : str
        A sentence when the week has no data (empty otherwise).
    volume, trend, conversion, sla, investments : DataFrame or None
        The blocks (see the module docstring); ``trend`` holds 13 weeks of volume.
    parameters : dict
        What the blocks used: ``sla_hours``, ``plateau``, ``sla_source``.
    questions : list of str
        The three questions the data raises.
    notes : list of str
        Sentences about the week a reader needs (e.g. no lead arrived in four weeks).
    skipped : dict
        Block -> the sentence saying why it is missing.
    """

    org: str
    currency: str
    week: pd.Timestamp
    data_to: pd.Timestamp | None
    no_data: str = ""
    volume: pd.DataFrame | None = None
    trend: pd.DataFrame | None = None
    conversion: pd.DataFrame | None = None
    sla: pd.DataFrame | None = None
    investments: pd.DataFrame | None = None
    parameters: dict = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def week_end(self) -> pd.Timestamp:
        """Sunday of the week."""
        return self.week + pd.Timedelta(days=6)

    @property
    def label(self) -> str:
        """``"2024-12-16 to 2024-12-22"``."""
        return f"{self.week:%Y-%m-%d} to {self.week_end:%Y-%m-%d}"


def week_start(day) -> pd.Timestamp:
    """Monday of the week holding ``day`` (weeks run Monday to Sunday, as in module 2)."""
    ts = pd.Timestamp(day)
    return ts.to_period("W-SUN").start_time


def last_full_week(export_date: pd.Timestamp) -> pd.Timestamp:
    """Monday of the last week that ends before the export's own (partial) week."""
    return week_start(export_date) - pd.Timedelta(days=7)


def sla_targets(inputs: MeetingInputs) -> dict:
    """First-response hours and touches the brief checks: the agreed ``sla.yml`` when the
    report has one, else module 2's ``sla_hours`` parameter and measured plateau."""
    sales = (inputs.sla or {}).get("sales", {})
    hours = sales.get("first_response_hours")
    touches = sales.get("min_touches")
    source = "sla.yml"
    if hours is None:
        hours = float(inputs.params["funnel"].get("sla_hours", 24.0))
        source = "module 2's sla_hours parameter"
    if touches is None:
        touches = inputs.plateau_touches()
    return {"sla_hours": float(hours), "plateau": touches, "sla_source": source}


# --------------------------------------------------------------------------- volume


def _weekly_counts(inputs: MeetingInputs) -> pd.DataFrame | None:
    """Leads reaching each stage per full week, every week present (``funnel.weekly_view``)."""
    from helpers import funnel

    j = inputs.journeys()
    if j is None:
        return None
    wv = funnel.weekly_view(j, weeks=None)
    wv = wv.set_index("week")[list(j.stages)]
    if wv.empty:
        return wv
    weeks = pd.date_range(wv.index.min(), wv.index.max(), freq="7D")
    return wv.reindex(weeks, fill_value=0)


def volume_block(inputs: MeetingInputs, week: pd.Timestamp, counts: pd.DataFrame) -> pd.DataFrame:
    """Each stage's arrivals this week and over the last four weeks against the plan's need.

    Returns
    -------
    DataFrame, one row per stage: ``stage``, ``this_week``, ``recent_weekly`` (average of
    the last four weeks), ``plan_weekly`` / ``plan_low`` / ``plan_high`` (module 3's monthly
    need and its 90% interval, as a week: / 52 x 12; NaN without a plan), ``short``
    (``plan_weekly - recent_weekly``; positive = short of plan).
    """
    window = pd.date_range(week - pd.Timedelta(days=7 * (RECENT_WEEKS - 1)), week, freq="7D")
    recent = counts.reindex(window, fill_value=0)
    this = counts.reindex([week], fill_value=0).iloc[0]
    gap = inputs.plan_gap()
    need = gap.set_index("stage") if gap is not None else pd.DataFrame()
    rows = []
    for s in counts.columns:
        known = s in need.index
        rows.append(
            {
                "stage": s,
                "this_week": int(this[s]),
                "recent_weekly": float(recent[s].mean()),
                "plan_weekly": need.loc[s, "needed_per_month"] / WEEKS_PER_MONTH
                if known
                else np.nan,
                "plan_low": need.loc[s, "low"] / WEEKS_PER_MONTH if known else np.nan,
                "plan_high": need.loc[s, "high"] / WEEKS_PER_MONTH if known else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["short"] = out["plan_weekly"] - out["recent_weekly"]
    return out


# --------------------------------------------------------------------------- conversion


def judged_cohort(alerts: pd.DataFrame, week: pd.Timestamp, k_days: float) -> pd.Series | None:
    """The weekly cohort judged in ``week``: the latest whose ``k`` days had passed by the
    week's end (its row of ``funnel.weekly_alerts``), or None when none had."""
    if alerts is None or alerts.empty:
        return None
    age = (week - alerts["week"]) / pd.Timedelta(days=1)
    ok = alerts[(age >= k_days) & (alerts["status"] == "mature")]
    return ok.iloc[-1] if len(ok) else None


def conversion_block(inputs: MeetingInputs, week: pd.Timestamp) -> pd.DataFrame | None:
    """Per transition, the cohort judged this week against its normal range, and its alert.

    Returns
    -------
    DataFrame, one row per transition: ``transition``, ``k_days``, ``cohort`` (its Monday;
    NaT when no cohort is old enough), ``leads``, ``converted_k``, ``rate_k``,
    ``baseline`` (median of the previous weeks), ``lower`` (the alert floor), ``alert``,
    ``alerts_recent`` (alerts among the cohorts judged in the last 13 weeks).
    """
    from helpers import funnel

    weekly = inputs.weekly_alerts()
    if weekly is None:
        return None
    ks = funnel.censor_windows(inputs.journeys(), inputs.params["funnel"].get("censor_days"))
    rows = []
    for tr, alerts in weekly.items():
        k = ks[tr]
        row = judged_cohort(alerts, week, k)
        age = (
            (week - alerts["week"]) / pd.Timedelta(days=1)
            if len(alerts)
            else pd.Series(dtype=float)
        )
        recent = alerts[(age >= k) & (age < k + 7 * TREND_WEEKS)] if len(alerts) else alerts
        rows.append(
            {
                "transition": tr,
                "k_days": k,
                "cohort": row["week"] if row is not None else pd.NaT,
                "leads": int(row["leads"]) if row is not None else 0,
                "converted_k": int(row["converted_k"]) if row is not None else 0,
                "rate_k": float(row["rate_k"]) if row is not None else np.nan,
                "baseline": float(row["baseline"]) if row is not None else np.nan,
                "lower": float(row["lower"]) if row is not None else np.nan,
                "alert": bool(row["alert"]) if row is not None else False,
                "alerts_recent": int(recent["alert"].sum()) if len(recent) else 0,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- SLA


def _subset(journeys, mask: np.ndarray, *, team: bool):
    """The journeys restricted to ``mask`` (owners pooled into one team row when ``team``)."""
    t = journeys.table.loc[mask].copy()
    if team or "owner_id" not in t.columns:
        t["owner_id"] = TEAM
    t["owner_id"] = t["owner_id"].astype("string").fillna("(no owner)")
    return replace(journeys, table=t.reset_index(drop=True))


def _owner_rows(journeys, mask: np.ndarray, targets: dict, target: str) -> pd.DataFrame:
    """``funnel.rep_table`` on the leads of ``mask`` (every lead counts: ``k`` = 0), with
    the team's row first."""
    from helpers import funnel

    kw = dict(
        plateau=targets["plateau"],
        sla_hours=targets["sla_hours"],
        target=target,
        censor_days=0.0,
        min_leads=1,
    )
    if not mask.any():
        return pd.DataFrame(
            columns=[
                "owner_id",
                "leads",
                "within_sla",
                "never",
                "median_response_hours",
                "below_plateau",
            ]
        )
    frames = [funnel.rep_table(_subset(journeys, mask, team=True), **kw)]
    if "owner_id" in journeys.table.columns and journeys.table["owner_id"].notna().any():
        frames.append(funnel.rep_table(_subset(journeys, mask, team=False), **kw))
    return pd.concat(frames, ignore_index=True)


def sla_block(
    inputs: MeetingInputs, week: pd.Timestamp, targets: dict, *, weeks: int = RECENT_WEEKS
) -> pd.DataFrame:
    """SLA compliance over the last ``weeks`` weeks (four), for the team and each owner (hashed).

    * **Response**: MQLs (the start stage) that arrived in the ``weeks`` weeks ending with the
      brief's week, at least ``sla_hours`` before the export date; ``within_sla`` is the
      share first touched by sales within ``sla_hours``, ``not_touched`` the share with no
      sales touch yet.
    * **Touches**: MQLs closed out in those weeks without reaching the sales target;
      ``reached_plateau`` is the share that got at least the plateau's touches.

    Both come from ``funnel.rep_table`` (module 2's by-rep view) run on those leads.

    Returns
    -------
    DataFrame: ``owner_id`` (``"All owners"`` first), ``mqls``, ``within_sla``,
    ``not_touched``, ``median_response_hours``, ``closed_out``, ``reached_plateau``.
    """
    from helpers import funnel

    if not inputs.has_touches():
        raise ValueError(
            inputs.why("journeys")
            or (
                "No sales touches in this export (no activities with a team, no "
                "first_sales_touch_at): SLA compliance is skipped."
            )
        )
    j, target = inputs.journeys(), inputs.target()
    t = j.table
    start = funnel.default_start(j.stages)
    lo, hi = week - pd.Timedelta(days=7 * (weeks - 1)), week + pd.Timedelta(days=7)
    t_start = t[f"t_{start}"]
    old_enough = t_start <= j.export_date - pd.Timedelta(hours=targets["sla_hours"])
    arrived = (t[f"reached_{start}"] & (t_start >= lo) & (t_start < hi) & old_enough).to_numpy()
    closed = (
        t[f"reached_{start}"]
        & ~t[f"reached_{target}"]
        & (t["closed_at"] >= lo)
        & (t["closed_at"] < hi)
    ).to_numpy()
    if not arrived.any() and not closed.any():
        raise ValueError(
            f"No MQL arrived or was closed out in the {weeks} weeks to "
            f"{week + pd.Timedelta(days=6):%Y-%m-%d}: SLA compliance cannot be measured."
        )
    resp = _owner_rows(j, arrived, targets, target)
    resp = resp.rename(columns={"leads": "mqls", "never": "not_touched"})
    resp = resp[["owner_id", "mqls", "within_sla", "not_touched", "median_response_hours"]]
    out = resp
    if targets["plateau"] is not None:
        work = _owner_rows(j, closed, targets, target).rename(columns={"leads": "closed_out"})
        work["reached_plateau"] = 1 - work["below_plateau"]
        out = resp.merge(
            work[["owner_id", "closed_out", "reached_plateau"]], on="owner_id", how="outer"
        )
    else:
        out = out.assign(closed_out=np.nan, reached_plateau=np.nan)
    out["mqls"] = out["mqls"].fillna(0).astype(int)
    out["closed_out"] = out["closed_out"].fillna(0).astype(int)
    is_team = out["owner_id"] == TEAM
    owners = out[~is_team].sort_values(
        ["within_sla", "mqls"], ascending=[True, False], na_position="last"
    )
    return pd.concat([out[is_team], owners], ignore_index=True)


# --------------------------------------------------------------------------- investments


def investments_block(inputs: MeetingInputs) -> pd.DataFrame | None:
    """Module 3's programme investments by channel, with the cheapest per lead and per won
    deal flagged (``cheapest_lead``, ``cheapest_won``); window in ``attrs``."""
    ch = inputs.channels()
    if ch is None:
        return None
    out = ch.copy()
    for col, flag in (("cost_per_lead", "cheapest_lead"), ("cost_per_won", "cheapest_won")):
        if col in out.columns and out[col].notna().any():
            out[flag] = out[col] == out[col].min()
        else:
            out[flag] = False
    out.attrs = dict(ch.attrs)
    return out


# --------------------------------------------------------------------------- the brief


def _no_data_sentence(week: pd.Timestamp, counts: pd.DataFrame | None, export) -> str:
    """One sentence when ``week`` has no data (empty string when it has)."""
    if counts is None or counts.empty or export is None:
        return ""
    last = last_full_week(export)
    span = f"this export's full weeks run from {counts.index.min():%Y-%m-%d} to {last:%Y-%m-%d}"
    label = f"{week:%Y-%m-%d} to {week + pd.Timedelta(days=6):%Y-%m-%d}"
    pick = "choose a week in that range with --week."
    if week == week_start(export):
        return (
            f"The week of {label} is not complete in this export (data up to "
            f"{export:%Y-%m-%d}); {span}: {pick}"
        )
    if week > last:
        return (
            f"The week of {label} is after this export's data (up to {export:%Y-%m-%d}); "
            f"{span}: {pick}"
        )
    if int(counts.reindex([week], fill_value=0).iloc[0].sum()) == 0:
        return f"No lead reached any stage in the week of {label}; {span}: {pick}"
    return ""


#: The input steps whose reason explains a missing block.
_BLOCK_STEPS = {
    "conversion": ("weekly_alerts", "journeys"),
    "investments": ("channels", "revenue_model"),
}


def _block(brief: Brief, name: str, compute) -> None:
    """Fill one block; a ``ValueError`` becomes its skip sentence."""
    try:
        value = compute()
    except ValueError as exc:
        value, brief.skipped[name] = None, str(exc).strip()
    setattr(brief, name, value)


def weekly_brief(inputs: MeetingInputs, week=None) -> Brief:
    """The weekly funnel brief of one org for one week.

    Parameters
    ----------
    inputs : MeetingInputs
        :func:`helpers.meeting.inputs_from_org` or :func:`~helpers.meeting.inputs_from_report`.
    week : date-like, optional
        Any day of the week (weeks run Monday to Sunday); default the last full week
        before the export date.

    Returns
    -------
    Brief
        ``no_data`` holds a sentence (and the week's blocks are None) when no lead
        reached any stage that week.
    """
    from helpers.meeting.questions import brief_questions

    inputs.require_dates("weekly brief")
    j = inputs.journeys()
    export = j.export_date if j is not None else None
    monday = (
        week_start(week)
        if week is not None
        else (last_full_week(export) if export is not None else week_start(pd.Timestamp.today()))
    )
    brief = Brief(inputs.name, inputs.currency, monday, export)
    if j is None:
        brief.no_data = inputs.why("journeys")
        return brief
    counts = _weekly_counts(inputs)
    brief.no_data = _no_data_sentence(monday, counts, export)
    targets = sla_targets(inputs)
    brief.parameters = targets
    if not brief.no_data:
        _block(brief, "volume", lambda: volume_block(inputs, monday, counts))
        brief.trend = counts.loc[:monday].tail(TREND_WEEKS)
        _block(brief, "conversion", lambda: conversion_block(inputs, monday))
        _block(brief, "sla", lambda: sla_block(inputs, monday, targets))
    _block(brief, "investments", lambda: investments_block(inputs))
    for name, steps in _BLOCK_STEPS.items():
        if getattr(brief, name) is None and name not in brief.skipped and not brief.no_data:
            brief.skipped[name] = inputs.why(*steps)
    if brief.volume is not None and inputs.plan_gap() is None:
        brief.skipped["plan"] = inputs.why("plan_gap", "plan", "revenue_model")
    brief.notes = _quiet_top(brief, counts)
    brief.questions = brief_questions(brief, inputs)
    return brief


def _quiet_top(brief: Brief, counts: pd.DataFrame | None) -> list[str]:
    """A sentence when the top stage had no arrival in the last four weeks (an export whose
    leads stop before its last deals, or a real drought)."""
    if brief.volume is None or counts is None or counts.empty:
        return []
    top = brief.volume.iloc[0]
    if top["recent_weekly"] > 0:
        return []
    arrived = counts.loc[: brief.week, top["stage"]]
    arrived = arrived[arrived > 0]
    if arrived.empty:
        return []
    last = arrived.index[-1]
    label = STAGE_LABELS.get(top["stage"], top["stage"])
    return [
        f"No {label} arrived in the four weeks to {brief.week_end:%Y-%m-%d}; the last arrived "
        f"in the week of {last:%Y-%m-%d}. If the export's leads stop there, brief that week "
        f"with --week {last:%Y-%m-%d}."
    ]


def brief_figures(brief: Brief) -> dict:
    """The brief's key figures as plain, rounded values (for checks and answer keys).

    Returns
    -------
    dict
        ``week``, ``no_data``, ``arrivals`` (stage -> this week), ``recent_weekly`` and
        ``plan_weekly`` (stage -> a week), ``alerts`` (transitions alerted this week),
        ``within_sla`` / ``reached_plateau`` (the team's shares), ``slowest_owner``,
        ``cheapest_per_lead`` / ``cheapest_per_won`` (channels) and ``questions``.
    """
    from helpers.core.report import plain

    out: dict = {"week": f"{brief.week:%Y-%m-%d}", "no_data": brief.no_data or None}
    v, c, s, i = brief.volume, brief.conversion, brief.sla, brief.investments
    if v is not None:
        out["arrivals"] = {r.stage: int(r.this_week) for r in v.itertuples()}
        out["recent_weekly"] = {r.stage: plain(r.recent_weekly, 2) for r in v.itertuples()}
        out["plan_weekly"] = {r.stage: plain(r.plan_weekly, 1) for r in v.itertuples()}
    if c is not None:
        out["alerts"] = c.loc[c["alert"], "transition"].tolist()
    if s is not None and len(s):
        out["within_sla"] = plain(s.iloc[0]["within_sla"], 3)
        out["reached_plateau"] = plain(s.iloc[0].get("reached_plateau"), 3)
        owners = s.iloc[1:].dropna(subset=["within_sla"])
        out["slowest_owner"] = str(owners.iloc[0]["owner_id"])[:8] if len(owners) else None
    if i is not None and len(i):
        for col, key in (
            ("cheapest_lead", "cheapest_per_lead"),
            ("cheapest_won", "cheapest_per_won"),
        ):
            hit = i.loc[i[col], "channel"]
            out[key] = str(hit.iloc[0]) if len(hit) else None
    out["questions"] = list(brief.questions)
    return out
