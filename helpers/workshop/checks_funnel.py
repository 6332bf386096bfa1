"""Self-checks of module 2 (``02_funnel_leakage``): where leads leak, and whose side it is."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.checks_icp import IcpChecks
from helpers.workshop.results import (
    CheckResult,
    _norm,
    check_choice,
    check_number,
    checked,
    combine,
    revealed,
)


class FunnelChecks(ModuleChecks):
    """Exercises 2.1-2.6: stage conversion, leakage, speed-to-lead, touches and leak causes.

    Expected answers come from :func:`helpers.funnel.from_org` and the funnel helpers, with
    ``params.sla_hours``; low fit is judged against the ICP of :class:`IcpChecks`. The
    capstone asks three of these questions again on a new organization (the ``exercise``
    argument of the shared private checks).
    """

    def _journeys(self):
        from helpers import funnel

        return self._cached("journeys", lambda: funnel.from_org(self.data))

    def _conv(self) -> pd.DataFrame:
        from helpers import funnel

        return self._cached("conv", lambda: funnel.conversion_table(self._journeys()))

    def _ranking(self) -> pd.DataFrame:
        from helpers import funnel

        j = self._journeys()
        return self._cached(
            "ranking", lambda: funnel.leakage_ranking(self._conv(), funnel.average_deal(j))
        )

    def _speed(self):
        from helpers import funnel

        j = self._journeys()
        if not funnel.has_touch_data(j):
            raise ValueError("this organization's export records no sales touches.")
        return self._cached("speed", lambda: funnel.speed_to_lead(j))

    def _plateau_or_none(self) -> int | None:
        from helpers import funnel

        def compute():
            j = self._journeys()
            if not funnel.has_touch_data(j):
                return None
            return funnel.find_plateau(funnel.touch_curve(j)).touches

        return self._cached("plateau", compute)

    def _plateau(self) -> int:
        from helpers import funnel

        if not funnel.has_touch_data(self._journeys()):
            raise ValueError("this organization's export records no sales touches.")
        plateau = self._plateau_or_none()
        if plateau is None:
            raise ValueError(
                "conversion does not level off with touches on this data, so there is no plateau."
            )
        return plateau

    def _low_fit(self):
        from helpers import funnel, icp

        def compute():
            fitted = self._sibling(IcpChecks)
            icp_def = icp.icp_artifact(fitted._icp_model(), fitted._icp_inputs())
            return funnel.low_fit_flags(self._journeys(), self.data.accounts, icp_def)[0]

        return self._cached("low_fit", compute)

    def _attribution(self) -> pd.DataFrame:
        from helpers import funnel

        return self._cached(
            "attribution",
            lambda: funnel.attribute_losses(
                self._journeys(),
                low_fit=self._low_fit(),
                plateau=self._plateau_or_none(),
                sla_hours=self.params.sla_hours,
            ),
        )

    @checked("2.1", "the conversion table's 'lost' column (or the gaps in the waterfall).")
    def funnel_most_leads_lost(self, most_lost) -> CheckResult:
        """Exercise 2.1: the step that loses the most leads (old enough to judge)."""
        conv = self._conv()
        most = conv.loc[conv["lost"] == conv["lost"].max(), "transition"].tolist()
        lowest = conv.loc[conv["rate"] == conv["rate"].min(), "transition"].tolist()
        return check_choice(
            "2.1", most_lost, most,
            what="the step that loses the most leads",
            hint="compare the number of leads each step loses, not its conversion rate.",
            code_hint='conv.sort_values("lost")',
            options=conv["transition"].tolist(),
            mistakes={
                t: "that step has the lowest rate, but a low rate on few leads loses few leads: "
                "compare the lost leads."
                for t in lowest
                if t not in most
            },
        )

    @checked("2.2", "the leakage ranking's first row, and that step's 'rate' (conversion table).")
    def funnel_costliest_leak(self, costliest, costliest_rate) -> CheckResult:
        """Exercise 2.2: the step losing the most expected revenue, and its censored conversion."""
        return self._costliest_leak("2.2", costliest, costliest_rate)

    def _costliest_leak(self, exercise: str, transition, rate) -> CheckResult:
        ranking, conv = self._ranking(), self._conv().set_index("transition")
        costliest = str(ranking["transition"].iloc[0])
        most_leads = conv["lost"].idxmax()
        first = check_choice(
            exercise, transition, costliest,
            what="the step that loses the most expected revenue",
            hint="a lead lost close to the deal costs more than one lost at the top: rank the "
            "steps by the revenue their lost leads would have brought.",
            code_hint="funnel.leakage_ranking(conv, funnel.average_deal(journeys)): "
            "its first row.",
            options=list(conv.index),
            mistakes={
                most_leads: "that step loses the most leads; rank by the revenue those leads "
                "would have brought."
            }
            if most_leads != costliest
            else {},
        )
        second = check_number(
            exercise, rate, float(conv.loc[costliest, "rate"]),
            what="that step's conversion under the censoring rule", fraction=True, rel_tol=0.01,
            decimals=2,  # read off the charts' whole percents, or a table's 3 decimals
            hint="use the rate measured on leads old enough to have converted, not the naive "
            "one.",
            code_hint='conv.set_index("transition").loc[step, "rate"]',
            mistakes=[(
                float(conv.loc[costliest, "rate_naive"]),
                "that is the naive rate: it counts leads too young to have converted as lost.",
            )],
        )
        return combine(
            exercise,
            [first, second],
            "right step, and its rate measured on leads old enough to judge.",
        )

    @checked("2.3", "the speed-to-lead shares, and the adjusted risk ratio of the slow bucket.")
    def funnel_speed_to_lead(self, within_24h, slow_effect) -> CheckResult:
        """Exercise 2.3: MQLs answered within 24 h, and the adjusted effect of a slow answer.

        The effect is the risk ratio of the slow bucket, adjusted for lead source.
        """
        stl = self._speed()
        adjusted = stl.adjusted.set_index("bucket")
        slow = str(adjusted.index[2])  # ">24h" (or ">2 days" with date-only timestamps)
        first = check_number(
            "2.3", within_24h, float(stl.shares["within_24h"]),
            what="the share of MQLs with a first sales touch within 24 hours",
            fraction=True, rel_tol=0.01, decimals=2,  # the chart's bucket shares, added up
            hint="the share of MQLs answered within a day: the '<1h' and '1-24h' buckets together.",
            code_hint='stl.shares["within_24h"]',
            mistakes=[(
                float(stl.shares["within_1h"] or np.nan), "that is the share within one hour."
            )],
        )
        second = check_number(
            "2.3", slow_effect, float(adjusted.loc[slow, "rr"]),
            what=f"the adjusted risk ratio of the '{slow}' bucket", rel_tol=0.01, decimals=2,
            hint="the slow bucket's risk ratio adjusted for lead source (a source that is fast "
            "and good would fake the crude one).",
            code_hint=f'stl.adjusted.set_index("bucket").loc["{slow}", "rr"]',
            mistakes=[(
                float(adjusted.loc[slow, "crude_rr"]),
                "that is the crude ratio; use the one adjusted for lead source.",
            )],
        )
        return combine(
            "2.3", [first, second], "right share, and the right effect of a slow answer."
        )

    @checked("2.4", "the touches curve: where it stops rising.")
    def funnel_plateau(self, plateau_touches) -> CheckResult:
        """Exercise 2.4: the touches plateau (one touch either side is accepted).

        The plateau is read off a chart, hence the tolerance.
        """
        return check_number(
            "2.4", plateau_touches, self._plateau(),
            what="the number of touches after which conversion stops rising",
            abs_tol=1, rel_tol=0, decimals=0,
            hint="look where the curve flattens: one more touch no longer adds conversions.",
            code_hint="funnel.find_plateau(curve).touches",
            right="that is where extra touches stop paying off on this data.",
        )

    @checked("2.5", "the attribution totals: low-fit (marketing) and under-worked (sales) shares.")
    def funnel_whose_leak(self, bigger_side, side_share) -> CheckResult:
        """Exercise 2.5: whose side loses more MQLs, and that side's share of the lost MQLs."""
        return self._whose_leak("2.5", bigger_side, side_share)

    def _whose_leak(self, exercise: str, side, share) -> CheckResult:
        from helpers import funnel

        shares = funnel.attribution_shares(self._attribution()).set_index("cause")["share"]
        by_side = {
            "marketing": float(shares.get("low-fit", 0.0)),
            "sales": float(shares.get("under-worked", 0.0)),
        }
        if not max(by_side.values()) > 0:
            raise ValueError(
                "no lost MQL is low-fit or under-worked on this data (it has no fit or no sales "
                "touches to judge by), so whose leak is bigger cannot be told."
            )
        bigger = [s for s, v in by_side.items() if v == max(by_side.values())]
        first = check_choice(
            exercise, side, bigger,
            what="the side whose leak is bigger",
            hint="low-fit lost MQLs are marketing's side, under-worked ones sales' side: "
            "compare the two shares.",
            code_hint='funnel.attribution_shares(att).set_index("cause")["share"]',
            options=["marketing", "sales"],
        )
        if not first.passed:
            return first
        side = revealed(side, first)
        second = check_number(
            exercise, share, by_side[_norm(side)],
            what=f"the share of lost MQLs on {_norm(side)}' side", fraction=True, rel_tol=0.01,
            decimals=3,
            hint="that side's share of all lost MQLs, in the attribution totals.",
            code_hint='the "share" of the "low-fit" (marketing) or "under-worked" (sales) row.',
        )
        return combine(exercise, [first, second], "right side, and the right size of its leak.")

    @checked("2.6", "the like-with-like comparison at the costliest step: its 'cause'.")
    def funnel_leak_cause(self, leak_cause) -> CheckResult:
        """Exercise 2.6: the cause behind the costliest leak."""
        return self._leak_cause("2.6", leak_cause)

    def _leak_cause(self, exercise: str, cause) -> CheckResult:
        from helpers import funnel

        transition = str(self._ranking()["transition"].iloc[0])
        found = funnel.leak_cause(
            self._journeys(), transition, low_fit=self._low_fit(),
            plateau=self._plateau_or_none(), sla_hours=self.params.sla_hours,
        )
        if found["cause"] is None:
            raise ValueError(
                f"no cause explains the leak at {transition} beyond noise on this data."
            )
        if found["cause"] == "not judged":
            raise ValueError(
                "this export records no sales touches, so the cause of the costliest leak "
                "cannot be judged."
            )
        return check_choice(
            exercise, cause, found["cause"],
            what="the cause that explains most of the costliest leak",
            hint="at the costliest step, the cause whose leads would recover the most lost "
            "leads against comparable leads (a gap that is only noise does not count).",
            code_hint='funnel.leak_cause(journeys, step, ...)["cause"]',
            options=[c for c in funnel.ATTRIBUTION_CAUSES if c != "not judged"],
            right="that is the cause to put on the weekly meeting's agenda "
            f"({found['side']} side).",
        )
