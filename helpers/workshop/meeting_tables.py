"""Workshop 6's views of the alignment meeting kit: the agenda, the roles and their handouts.

The weekly brief and the SLA are :mod:`helpers.meeting`'s (every figure from modules 2 and 3);
this module adds what the workshop asks of a room: which alert the meeting takes first (the
alerts priced like module 2's leakage ranking), which role owns each step (the SLA's split of
the funnel), the SLA as one table, and each role-play role's data handout.
:func:`meeting_view` builds it all once for a notebook and its checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The role-play's roles, in the order the handouts are printed.
ROLES = ("head of marketing", "head of sales", "SDR manager", "CEO")

#: Who owns a step of the funnel, by the stage it starts from: marketing delivers MQLs; the
#: SDRs accept, answer and qualify them; the account executives (head of sales) close.
STEP_OWNER = {
    "inquiry": "head of marketing",
    "mql": "SDR manager",
    "sal": "SDR manager",
    "sql": "head of sales",
    "opportunity": "head of sales",
}

AGENDA_COLUMNS = [
    "step", "owner", "cohort", "leads", "rate", "normal", "lower", "alert", "status",
    "leads_short", "revenue_at_risk",
]


def step_owner(transition: str) -> str:
    """The role that owns a step (``"mql->sal"`` -> ``"SDR manager"``)."""
    return STEP_OWNER.get(transition.split("->", 1)[0], "head of sales")


def workshop_inputs(data, icp_def: dict | None = None):
    """The meeting kit's inputs for an organization without a report folder.

    The kit reads the agreed ICP (``icp.yml``) from a run's report; the workshop fits it on
    the spot with module 1's helpers, as workshop 2 does.

    Parameters
    ----------
    data : OrgData
        From :func:`helpers.data.load_org` (or a generated organization).
    icp_def : dict, optional
        The ICP artifact; default: :func:`helpers.icp.icp_artifact` of the fitted rule.
    """
    from helpers import icp, meeting

    if icp_def is None:
        try:
            inputs = icp.prepare_icp(
                leads=data.leads, opportunities=data.opportunities, accounts=data.accounts
            )
            icp_def = icp.icp_artifact(icp.fit_icp(inputs), inputs)
        except ValueError:
            icp_def = None
    return meeting.MeetingInputs(
        data=data, params=meeting.meeting_parameters(data.config.parameters), icp=icp_def
    )


def _status(row) -> str:
    if bool(row["alert"]):
        return "alert"
    if pd.isna(row["rate_k"]):
        return "no cohort yet"
    if pd.isna(row["baseline"]) or pd.isna(row["lower"]):
        return "not judged"
    return "below normal" if row["rate_k"] < row["baseline"] else "at or above normal"


def alert_agenda(brief, inputs) -> pd.DataFrame:
    """The brief's conversion block as the meeting's agenda: status, owner and price.

    ``status`` is ``alert`` (the cohort judged this week fell below its normal range),
    ``below normal`` (a dip inside the range: noise), ``at or above normal``, ``not judged``
    (too few leads or weeks for a normal range) or ``no cohort yet``. ``leads_short`` =
    (normal rate - rate) x leads when below normal; ``revenue_at_risk`` prices them like
    module 2's leakage ranking: x the conversion from the next stage to won x the average
    won deal (:func:`helpers.funnel.leakage_ranking`).

    Parameters
    ----------
    brief : helpers.meeting.Brief
        From :func:`helpers.meeting.weekly_brief`.
    inputs : helpers.meeting.MeetingInputs
        The same inputs (module 2's conversion table and journeys).

    Returns
    -------
    DataFrame
        :data:`AGENDA_COLUMNS`, one row per step in funnel order; ``attrs["week"]``.

    Raises
    ------
    ValueError
        When the brief has no conversion block (the sentence says why).
    """
    from helpers import funnel

    block = brief.conversion
    if block is None:
        raise ValueError(
            brief.no_data or brief.skipped.get("conversion") or "the brief has no conversion."
        )
    conv, journeys = inputs.conversion(), inputs.journeys()
    deal = funnel.average_deal(journeys)
    downstream = funnel.leakage_ranking(conv, deal).set_index("transition")["downstream"]
    rows = []
    for _, r in block.iterrows():
        short = max(0.0, r["baseline"] - r["rate_k"]) * r["leads"]
        priced = pd.notna(r["baseline"]) and np.isfinite(deal)
        rows.append({
            "step": r["transition"],
            "owner": step_owner(r["transition"]),
            "cohort": r["cohort"],
            "leads": int(r["leads"]),
            "rate": r["rate_k"],
            "normal": r["baseline"],
            "lower": r["lower"],
            "alert": bool(r["alert"]),
            "status": _status(r),
            "leads_short": short if pd.notna(r["baseline"]) else np.nan,
            "revenue_at_risk": short * float(downstream.get(r["transition"], np.nan)) * deal
            if priced else np.nan,
        })
    out = pd.DataFrame(rows, columns=AGENDA_COLUMNS)
    out.attrs["week"] = brief.week
    return out


def first_alert(agenda: pd.DataFrame) -> pd.Series:
    """The alert the meeting takes first: the one with the most revenue (else leads) at risk.

    Raises
    ------
    ValueError
        When no step raised an alert that week.
    """
    alerts = agenda[agenda["alert"]]
    if alerts.empty:
        week = agenda.attrs.get("week")
        when = f" in the week of {pd.Timestamp(week):%Y-%m-%d}" if week is not None else ""
        raise ValueError(
            f"No step raised an alert{when}: the meeting reviews the steps below normal instead."
        )
    key = "revenue_at_risk" if alerts["revenue_at_risk"].notna().any() else "leads_short"
    return alerts.sort_values(key, ascending=False, kind="stable").iloc[0]


def sla_table(terms: dict) -> pd.DataFrame:
    """The SLA (:func:`helpers.meeting.sla_terms`) as one table, a row per term.

    Returns
    -------
    DataFrame
        ``side``, ``term``, ``commitment`` (the figure each side signs), ``now`` (the last
        13 weeks or 3 months), ``history`` (all old-enough leads, when measured),
        ``evidence``; terms the data could not set are listed with their reason.
    """
    m, s = terms.get("marketing", {}), terms.get("sales", {})
    rows = []
    if "mqls" in m:
        rows.append(("marketing", "MQLs a month (the plan's need)", m["mqls"]["per_month"],
                     m["mqls"]["now_per_month"], np.nan, m["mqls"]["evidence"]))
    if "icp_fit" in m:
        rows.append(("marketing", "share of MQLs in ICP tiers A/B, at least",
                     m["icp_fit"]["min_share"], m["icp_fit"]["now_share"], np.nan,
                     m["icp_fit"]["evidence"]))
    if "response" in s:
        rows.append(("sales", f"first response within {s['first_response_hours']:g} hours",
                     s["first_response_hours"], s["response"]["now_share"],
                     s["response"]["history_share"], s["response"]["evidence"]))
    if "touches" in s:
        rows.append(("sales", "touches before closing a lead out, at least", s["min_touches"],
                     s["touches"]["now_share"], s["touches"]["history_share"],
                     s["touches"]["evidence"]))
    for term, why in terms.get("not_agreed", {}).items():
        rows.append(("-", f"{term}: not set by the data", np.nan, np.nan, np.nan, why))
    return pd.DataFrame(
        rows, columns=["side", "term", "commitment", "now", "history", "evidence"]
    )


@dataclass
class MeetingView:
    """What workshop 6 shows: the kit's brief and SLA, and the workshop's agenda.

    Attributes
    ----------
    inputs : helpers.meeting.MeetingInputs
    brief : helpers.meeting.Brief
    agenda : DataFrame or None
        :func:`alert_agenda` (None with the reason in ``skipped``).
    sla : dict
        :func:`helpers.meeting.sla_terms`.
    skipped : dict
        Block -> why it is missing (the brief's, plus the agenda's).
    """

    inputs: object
    brief: object
    agenda: pd.DataFrame | None
    sla: dict
    skipped: dict

    def need(self, block: str) -> pd.DataFrame:
        """A brief block (``volume``, ``sla``, ``investments``) or the agenda, or the
        ValueError saying why this organization has none."""
        table = self.agenda if block == "agenda" else getattr(self.brief, block)
        if table is None:
            raise ValueError(
                self.brief.no_data or self.skipped.get(block)
                or f"this organization's data gives no {block} block."
            )
        return table


def meeting_view(data, *, week: str | None = None) -> MeetingView:
    """The weekly brief, its agenda and the SLA of one organization, for one week.

    Parameters
    ----------
    data : OrgData
        The organization.
    week : str, optional
        Any day of the meeting's week (``YYYY-MM-DD``); default: the last full week.
    """
    from helpers import meeting

    inputs = workshop_inputs(data)
    brief = meeting.weekly_brief(inputs, week=week or None)
    skipped = dict(brief.skipped)
    try:
        agenda = alert_agenda(brief, inputs)
    except ValueError as exc:
        agenda, skipped["agenda"] = None, str(exc)
    return MeetingView(inputs, brief, agenda, meeting.sla_terms(inputs), skipped)


def role_handout(view: MeetingView, role: str) -> dict[str, pd.DataFrame]:
    """One role-play role's data handout: titled tables, rounded as printed.

    Each role sees the blocks its job answers for (a block the organization cannot feed is
    left out): marketing the volume against the plan and the channels; sales the later steps
    and its SLA terms; the SDR manager the SLA by rep and this week's steps; the CEO the
    plan, the alerts and the SLA to sign.

    Raises
    ------
    ValueError
        When ``role`` is not one of :data:`ROLES`.
    """
    if role not in ROLES:
        raise ValueError(f"'{role}' is not a role-play role; use one of: {', '.join(ROLES)}.")
    b = view.brief
    sla = sla_table(view.sla)
    blocks = {
        "head of marketing": [
            ("Arrivals a week against the plan", _volume(b.volume, ("inquiry", "mql"))),
            ("Programme investments by channel", _channels(b.investments)),
            ("Marketing's side of the SLA", _sla(sla, "marketing")),
        ],
        "head of sales": [
            ("Arrivals a week against the plan", _volume(b.volume, ("sql", "opportunity", "won"))),
            ("This week's steps", _agenda(view.agenda)),
            ("Sales' side of the SLA", _sla(sla, "sales")),
        ],
        "SDR manager": [
            ("First response and touches by rep, last four weeks (hashed ids)", _reps(b.sla)),
            ("This week's steps", _agenda(view.agenda)),
            ("Sales' side of the SLA", _sla(sla, "sales")),
        ],
        "CEO": [
            ("Arrivals a week against the plan", _volume(b.volume, None)),
            ("This week's steps", _agenda(view.agenda)),
            ("The SLA to sign", _sla(sla, None)),
        ],
    }[role]
    return {title: table for title, table in blocks if table is not None and len(table)}


def _volume(volume, stages):
    if volume is None:
        return None
    keep = volume if stages is None else volume[volume["stage"].isin(stages)]
    cols = ["stage", "this_week", "recent_weekly", "plan_weekly", "short"]
    return keep[cols].round(1).reset_index(drop=True)


def _channels(channels):
    if channels is None:
        return None
    cols = [c for c in ("channel", "spend", "leads", "won_deals", "cost_per_lead",
                        "cost_per_mql", "cost_per_won") if c in channels.columns]
    return channels[cols].round(0).reset_index(drop=True)


def _sla(sla: pd.DataFrame, side):
    keep = sla if side is None else sla[sla["side"] == side]
    return keep.drop(columns=["evidence"]).round(3).reset_index(drop=True)


def _agenda(agenda):
    if agenda is None:
        return None
    view = agenda.drop(columns=["alert"]).copy()
    view["cohort"] = pd.to_datetime(view["cohort"]).dt.strftime("%Y-%m-%d")
    return view.round({"rate": 3, "normal": 3, "lower": 3, "leads_short": 1,
                       "revenue_at_risk": 0})


def _reps(sla_block):
    if sla_block is None:
        return None
    cols = [c for c in ("owner_id", "mqls", "within_sla", "not_touched",
                        "median_response_hours", "reached_plateau") if c in sla_block.columns]
    return sla_block[cols].round(3).reset_index(drop=True)
