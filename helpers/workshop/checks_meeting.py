"""Self-checks of workshop 6 (``06_alignment_meeting``): run the weekly meeting from its brief.

Arrivals against the plan, this week's alerts and who owns the first one, SLA compliance by
rep, the programme investments, and the SLA's terms - each read off the meeting kit's brief
and SLA (:mod:`helpers.meeting`), through :func:`helpers.workshop.meeting_view`.
"""

from __future__ import annotations

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.meeting_tables import ROLES, MeetingView, first_alert, meeting_view
from helpers.workshop.results import (
    CheckResult,
    check_bool,
    check_choice,
    check_number,
    checked,
    combine,
)

#: The shortest prefix of a hashed rep id a participant may type instead of the whole id.
MIN_ID_PREFIX = 4
#: The brief's row that pools every owner.
TEAM_ROW = "All owners"


def _full_id(answer, ids) -> object:
    """A rep id typed by its first characters becomes the whole id (when only one matches)."""
    if isinstance(answer, str) and len(answer.strip()) >= MIN_ID_PREFIX:
        found = [i for i in ids if str(i).startswith(answer.strip())]
        if len(found) == 1:
            return found[0]
    return answer


class MeetingChecks(ModuleChecks):
    """Exercises 6.1-6.5: the weekly alignment meeting, run from its brief.

    Expected answers come from :func:`helpers.workshop.meeting_view` (the kit's
    :func:`helpers.meeting.weekly_brief` and :func:`helpers.meeting.sla_terms`) with
    ``params.meeting_week``.
    """

    def _meeting(self) -> MeetingView:
        return self._cached(
            "meeting", lambda: meeting_view(self.data, week=self.params.meeting_week or None)
        )

    @checked("6.1", "the brief's volume block: the mql row's plan_weekly and recent_weekly.")
    def meeting_mql_plan(self, mqls_needed, on_plan) -> CheckResult:
        """Exercise 6.1: the MQLs a week the plan needs, and whether recent weeks cover it."""
        volume = self._meeting().need("volume").set_index("stage")
        if "mql" not in volume.index or volume.loc["mql", ["plan_weekly"]].isna().all():
            raise ValueError("this organization's brief has no plan for MQLs.")
        row = volume.loc["mql"]
        needed, recent = float(row["plan_weekly"]), float(row["recent_weekly"])
        first = check_number(
            "6.1", mqls_needed, needed,
            what="the MQLs a week the plan needs", rel_tol=0.005, abs_tol=0.5, decimals=1,
            hint="what the revenue plan needs each week (the dashed line), not what arrived.",
            code_hint='view.brief.volume.set_index("stage").loc["mql", "plan_weekly"]',
            mistakes=[
                (recent, "that is what arrived a week recently, not what the plan needs."),
                (float(row["this_week"]), "that is this week's arrivals, not the plan's need."),
            ],
        )
        second = check_bool(
            "6.1", on_plan, recent >= needed,
            what="whether the last four weeks' MQLs cover the plan",
            hint="compare what arrived a week recently with what the plan needs a week.",
            code_hint='row["recent_weekly"] >= row["plan_weekly"]',
        )
        return combine("6.1", [first, second], "marketing's number for the meeting.")

    @checked("6.2", "the agenda: the alert with the most revenue at risk, and its owner.")
    def meeting_first_alert(self, first_step, owner) -> CheckResult:
        """Exercise 6.2: the alert the meeting takes first, and the role that owns it."""
        agenda = self._meeting().need("agenda")
        top = first_alert(agenda)
        noise = {
            row["step"]: "that step is below its normal rate but inside its normal range: "
            "noise, not an alert."
            if row["status"] == "below normal"
            else "that step has too few leads or weeks to be judged: no alert."
            for _, row in agenda.iterrows()
            if row["status"] in ("below normal", "not judged") and row["step"] != top["step"]
        }
        first = check_choice(
            "6.2", first_step, top["step"],
            what="the alert the meeting takes first",
            hint="only a step whose status is 'alert' fell below its normal range; among "
            "them, the one with the most revenue at risk goes first.",
            code_hint='workshop.first_alert(view.agenda)["step"]',
            options=agenda["step"].tolist(), mistakes=noise,
        )
        second = check_choice(
            "6.2", owner, top["owner"],
            what="the role that owns that step",
            hint="the SLA splits the funnel: marketing delivers MQLs, the SDRs accept, answer "
            "and qualify them, the account executives close.",
            code_hint='the "owner" column of that row.',
            options=ROLES,
        )
        return combine("6.2", [first, second], "first on the agenda, with an owner.")

    @checked("6.3", "the brief's SLA block: the owner with the lowest within_sla, and its value.")
    def meeting_slowest_rep(self, rep, within_sla) -> CheckResult:
        """Exercise 6.3: the rep who answered the smallest share of MQLs within the SLA."""
        block = self._meeting().need("sla")
        owners = block[(block["owner_id"] != TEAM_ROW) & block["within_sla"].notna()]
        if owners.empty:
            raise ValueError("this organization's brief names no owner with MQLs to answer.")
        ids = owners["owner_id"].astype(str).tolist()
        lowest = owners[owners["within_sla"] == owners["within_sla"].min()]
        first = check_choice(
            "6.3", _full_id(rep, ids), lowest["owner_id"].astype(str).tolist(),
            what="the rep with the smallest share of MQLs answered within the SLA",
            hint=f"the owner with the smallest 'within_sla' share (not the '{TEAM_ROW}' row); "
            f"the first {MIN_ID_PREFIX} characters of the hashed id are enough.",
            code_hint='owners.sort_values("within_sla")["owner_id"].iloc[0]',
            options=ids,
            mistakes={TEAM_ROW: "that is the whole team's row: name one owner."},
        )
        second = check_number(
            "6.3", within_sla, float(lowest["within_sla"].iloc[0]),
            what="that rep's share answered within the SLA", fraction=True, rel_tol=0.01,
            decimals=3,
            hint="the same row's 'within_sla'.",
            code_hint='owners["within_sla"].min()',
            mistakes=[(float(block.iloc[0]["within_sla"]), "that is the whole team's share.")],
        )
        return combine(
            "6.3", [first, second], "the conversation the SDR manager has with that rep."
        )

    @checked("6.4", "the investments block: the lowest cost_per_lead, and the lowest cost_per_won.")
    def meeting_channels(self, cheapest_per_lead, cheapest_per_won) -> CheckResult:
        """Exercise 6.4: the cheapest channel per lead, and the cheapest per won deal."""
        channels = self._meeting().need("investments")
        names = channels["channel"].astype(str)
        per_lead, per_won = channels["cost_per_lead"], channels["cost_per_won"]
        if per_won.notna().sum() == 0:
            raise ValueError("no channel of this organization has a won deal to cost.")
        by_lead = names[per_lead == per_lead.min()].tolist()
        by_won = names[per_won == per_won.min()].tolist()
        first = check_choice(
            "6.4", cheapest_per_lead, by_lead,
            what="the cheapest channel per lead",
            hint="the smallest cost per lead (spend / leads).",
            code_hint='investments.sort_values("cost_per_lead")["channel"].iloc[0]',
            options=names.tolist(),
        )
        mistakes = {
            n: "that channel won no deal at all: its cost per won deal is unknown, not low."
            for n in names[per_won.isna() & channels["spend"].gt(0)]
        }
        mistakes.update({
            n: "that channel is the cheapest per lead; a won deal from it costs far more."
            for n in by_lead
            if n not in by_won
        })
        second = check_choice(
            "6.4", cheapest_per_won, by_won,
            what="the cheapest channel per won deal",
            hint="the smallest cost per won deal (spend / won deals); a blank means no deal.",
            code_hint='investments.sort_values("cost_per_won")["channel"].iloc[0]',
            options=names.tolist(), mistakes=mistakes,
        )
        return combine(
            "6.4", [first, second], "cheap leads and cheap customers are not the same channel."
        )

    @checked("6.5", "the SLA table: the A/B share marketing signs for, and the touches.")
    def meeting_sla(self, fit_share, min_touches) -> CheckResult:
        """Exercise 6.5: two SLA terms the data sets: the MQLs' A/B floor, and the touches."""
        terms = self._meeting().sla
        fit = terms.get("marketing", {}).get("icp_fit")
        if fit is None:
            raise ValueError(terms.get("not_agreed", {}).get("icp_fit", "no ICP tiers."))
        first = check_number(
            "6.5", fit_share, float(fit["min_share"]),
            what="the share of MQLs in ICP tiers A/B marketing commits to", fraction=True,
            rel_tol=0, decimals=2,
            hint="marketing's commitment (the floor the plan's rates assume), not today's share.",
            code_hint='view.sla["marketing"]["icp_fit"]["min_share"]',
            mistakes=[(float(fit["now_share"]), "that is the last quarter's share; the SLA "
                       "commits to the floor the plan assumes.")],
        )
        touches = terms.get("sales", {}).get("min_touches")
        if touches is None:
            raise ValueError(terms.get("not_agreed", {}).get("touches", "no touches plateau."))
        second = check_number(
            "6.5", min_touches, touches,
            what="the touches sales commits to before closing a lead", abs_tol=0, rel_tol=0,
            decimals=0,
            hint="the touches plateau: after it, one more touch no longer adds conversions.",
            code_hint='view.sla["sales"]["min_touches"]',
            mistakes=[
                (float(n), "that is the article's '6 or 7'; use this organization's own curve.")
                for n in (6, 7)
                if n != touches
            ],
        )
        return combine("6.5", [first, second], "two terms of the SLA, both from the data.")
