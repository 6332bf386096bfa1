"""The three questions the data raises for the weekly meeting.

Each rule reads one block of the brief and, when its figure calls for a conversation,
writes one question that quotes the figure and names the side that owns the answer.
Rules, in this order: this week's alerts, volume short of plan, slow first responses
and leads closed before the touches plateau, a channel cheap per lead but dear per won
deal, and (when fewer than three fired) the biggest leak. Each rule's first question is
kept before any rule's second, so that three questions cover three topics when they can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.revenue.common import STAGE_LABELS

if TYPE_CHECKING:
    from helpers.meeting.brief import Brief
    from helpers.meeting.inputs import MeetingInputs

#: Stages marketing delivers; a leak into any later stage is a sales question first.
MARKETING_STAGES = ("inquiry", "mql")
#: Below this share of MQLs answered within the SLA, the response time is a question.
SLA_FLOOR = 0.8
#: An owner this far below the team's SLA share is named.
OWNER_GAP = 0.15
#: Owners with fewer MQLs than this are not singled out.
MIN_OWNER_MQLS = 5
#: Below this share of closed-out leads that got the plateau's touches, persistence is a question.
TOUCHES_FLOOR = 0.8
MAX_QUESTIONS = 3


def _label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def _side(transition: str) -> str:
    """Who owns a transition: marketing delivers MQLs, sales moves them on from there."""
    return "marketing" if transition.split("->")[-1] in MARKETING_STAGES else "sales"


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}"


def alert_questions(brief: Brief) -> list[str]:
    """One question per transition whose judged cohort raised an alert this week."""
    c = brief.conversion
    if c is None:
        return []
    out = []
    for r in c[c["alert"]].itertuples():
        out.append(
            f"{r.transition}: the leads of the week of {r.cohort:%Y-%m-%d} converted "
            f"{r.rate_k:.0%} within {r.k_days:.0f} days, against a usual {r.baseline:.0%} "
            f"(alert below {r.lower:.0%}). What changed that week, and who on the "
            f"{_side(r.transition)} side owns the fix?"
        )
    return out


def volume_questions(brief: Brief) -> list[str]:
    """The top stage and the MQLs, when the last four weeks ran below the plan's interval."""
    v = brief.volume
    if v is None or v["plan_weekly"].isna().all():
        return []
    out = []
    for r in v.dropna(subset=["plan_weekly"]).head(2).itertuples():
        if r.recent_weekly < r.plan_low:
            out.append(
                f"{_label(r.stage)} averaged {r.recent_weekly:.0f} a week over the last four "
                f"weeks against the {r.plan_weekly:.0f} the revenue plan needs (90%: "
                f"{r.plan_low:.0f}-{r.plan_high:.0f}). Which programme closes the gap of "
                f"{r.short:.0f} a week?"
            )
    return out


def sla_questions(brief: Brief) -> list[str]:
    """Slow first responses (team share below 80%, or an owner far below the team), and
    leads closed out before the touches plateau."""
    s = brief.sla
    if s is None or s.empty:
        return []
    hours = brief.parameters.get("sla_hours")
    team = s.iloc[0]
    owners = s.iloc[1:]
    owners = owners[(owners["mqls"] >= MIN_OWNER_MQLS) & owners["within_sla"].notna()]
    out = []
    worst = owners.sort_values("within_sla").iloc[0] if len(owners) else None
    named = worst is not None and team["within_sla"] - worst["within_sla"] >= OWNER_GAP
    if pd.notna(team["within_sla"]) and (team["within_sla"] < SLA_FLOOR or named):
        q = (
            f"Sales answered {team['within_sla']:.0%} of the last four weeks' "
            f"{int(team['mqls'])} MQLs within {hours:.0f} h"
        )
        if named:
            q += (
                f"; owner {str(worst['owner_id'])[:8]} answered {worst['within_sla']:.0%} of "
                f"{int(worst['mqls'])}"
            )
        out.append(q + ". What is in the way of the first call?")
    plateau = brief.parameters.get("plateau")
    reached = team.get("reached_plateau", np.nan)
    if plateau is not None and pd.notna(reached) and reached < TOUCHES_FLOOR:
        out.append(
            f"Only {reached:.0%} of the {int(team['closed_out'])} MQLs closed out in the last "
            f"four weeks got the {plateau} touches after which more touches stop paying. Who "
            "decides to close a lead, and on what evidence?"
        )
    return out


def channel_questions(brief: Brief) -> list[str]:
    """A channel that is the cheapest per lead but not per won deal."""
    ch = brief.investments
    if ch is None or "cost_per_won" not in ch.columns or ch["cost_per_won"].isna().all():
        return []
    cheap_lead = ch.loc[ch["cost_per_lead"].idxmin()] if ch["cost_per_lead"].notna().any() else None
    cheap_won = ch.loc[ch["cost_per_won"].idxmin()]
    if cheap_lead is None or cheap_lead["channel"] == cheap_won["channel"]:
        return []
    won_cost = cheap_lead["cost_per_won"]
    dear = (
        f"costs {_money(won_cost, brief.currency)} per won deal"
        if pd.notna(won_cost)
        else "won no deal in the window"
    )
    return [
        f"{cheap_lead['channel']} is the cheapest channel per lead "
        f"({_money(cheap_lead['cost_per_lead'], brief.currency)}) but {dear}, against "
        f"{_money(cheap_won['cost_per_won'], brief.currency)} for {cheap_won['channel']}. "
        "Move budget, or fix what happens to its leads after the hand-over?"
    ]


def leak_questions(inputs: MeetingInputs) -> list[str]:
    """The biggest leak, as a standing question: module 2's own headline from
    ``summary.json`` when the report has one, else its leak ranking on the week's data."""
    from helpers import funnel

    leak = inputs.summary.get("02_funnel", {}).get("biggest_leak") or {}
    if leak.get("stage"):
        stage, lost, money = leak["stage"], leak.get("lost_leads"), leak.get("lost_revenue")
    else:
        conv, j = inputs.conversion(), inputs.journeys()
        if conv is None or j is None or conv["eligible"].sum() == 0:
            return []
        top = funnel.leakage_ranking(conv, funnel.average_deal(j)).iloc[0]
        stage, lost, money = top["transition"], top["lost"], top["lost_revenue"]
    money = (
        f", about {_money(money, inputs.currency)} of expected revenue"
        if money is not None and pd.notna(money)
        else ""
    )
    count = (
        f"{int(lost):,} leads old enough to judge never moved on"
        if lost is not None
        else "it loses the most"
    )
    ask = "Which side owns the next step, and what is it?"
    return [f"The biggest leak is {stage}: {count}{money}. {ask}"]


def brief_questions(brief: Brief, inputs: MeetingInputs) -> list[str]:
    """The first three questions the rules raise (see the module docstring)."""
    if brief.no_data:
        return []
    raised = [
        rule(brief)
        for rule in (alert_questions, volume_questions, sla_questions, channel_questions)
    ]
    raised.append(leak_questions(inputs) if sum(map(len, raised)) < MAX_QUESTIONS else [])
    out: list[str] = []
    for rank in range(max(map(len, raised))):  # each rule's first question, then its second...
        out += [qs[rank] for qs in raised if len(qs) > rank]
    return out[:MAX_QUESTIONS]
