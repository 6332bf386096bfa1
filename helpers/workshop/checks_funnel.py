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

    @checked("2.1", "compare the lost leads of each step, not their conversion rates.")
    def funnel_most_leads_lost(self, transition) -> CheckResult:
        """Exercise 2.1: the step that loses the most leads (old enough to judge)."""
        conv = self._conv()
        most = conv.loc[conv["lost"] == conv["lost"].max(), "transition"].tolist()
        lowest = conv.loc[conv["rate"] == conv["rate"].min(), "transition"].tolist()
        return check_choice(
            "2.1", transition, most,
            what="the step that loses the most leads",
            hint="sort the conversion table by its 'lost' column.",
            options=conv["transition"].tolist(),
            mistakes={
                t: "that step has the lowest rate, but a low rate on few leads loses few leads: "
                "compare the lost leads."
                for t in lowest
                if t not in most
            },
        )

    @checked("2.2", "the first row of the leakage ranking, and that step's censored 'rate'.")
    def funnel_costliest_leak(self, transition, rate) -> CheckResult:
        """Exercise 2.2: the step losing the most expected revenue, and its censored conversion."""
        return self._costliest_leak("2.2", transition, rate)

    def _costliest_leak(self, exercise: str, transition, rate) -> CheckResult:
        ranking, conv = self._ranking(), self._conv().set_index("transition")
        costliest = str(ranking["transition"].iloc[0])
        most_leads = conv["lost"].idxmax()
        first = check_choice(
            exercise, transition, costliest,
            what="the step that loses the most expected revenue",
            hint="use funnel.leakage_ranking: it is sorted by lost revenue.",
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
            hint="the 'rate' column, which leaves out leads too young to have converted.",
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

    @checked("2.3", "stl.shares and the adjusted risk ratios in stl.adjusted.")
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
            fraction=True, rel_tol=0.01,
            hint="stl.shares['within_24h'].",
            mistakes=[(
                float(stl.shares["within_1h"] or np.nan), "that is the share within one hour."
            )],
        )
        second = check_number(
            "2.3", slow_effect, float(adjusted.loc[slow, "rr"]),
            what=f"the adjusted risk ratio of the '{slow}' bucket", rel_tol=0.01,
            hint="the 'rr' column of stl.adjusted (adjusted for lead source), "
            "row of the slow bucket.",
            mistakes=[(
                float(adjusted.loc[slow, "crude_rr"]),
                "that is the crude ratio; use the one adjusted for lead source ('rr').",
            )],
        )
        return combine(
            "2.3", [first, second], "right share, and the right effect of a slow answer."
        )

    @checked("2.4", "the touch count where the curve stops rising (find_plateau).")
    def funnel_plateau(self, touches) -> CheckResult:
        """Exercise 2.4: the touches plateau (one touch either side is accepted).

        The plateau is read off a chart, hence the tolerance.
        """
        return check_number(
            "2.4", touches, self._plateau(),
            what="the number of touches after which conversion stops rising",
            abs_tol=1, rel_tol=0,
            hint="look where the curve flattens, or use funnel.find_plateau(curve).touches.",
            right="that is where extra touches stop paying off on this data.",
        )

    @checked(
        "2.5",
        "count the lost MQLs per cause: low-fit is marketing's side, under-worked is sales'.",
    )
    def funnel_whose_leak(self, side, share) -> CheckResult:
        """Exercise 2.5: whose side loses more MQLs, and that side's share of the lost MQLs."""
        return self._whose_leak("2.5", side, share)

    def _whose_leak(self, exercise: str, side, share) -> CheckResult:
        from helpers import funnel

        shares = funnel.attribution_shares(self._attribution()).set_index("cause")["share"]
        by_side = {
            "marketing": float(shares.get("low-fit", 0.0)),
            "sales": float(shares.get("under-worked", 0.0)),
        }
        bigger = [s for s, v in by_side.items() if v == max(by_side.values())]
        first = check_choice(
            exercise, side, bigger,
            what="the side whose leak is bigger",
            hint="compare the shares of 'low-fit' (marketing) and 'under-worked' (sales) "
            "lost MQLs.",
            options=["marketing", "sales"],
        )
        if not first.passed:
            return first
        second = check_number(
            exercise, share, by_side[_norm(side)],
            what=f"the share of lost MQLs on {_norm(side)}' side", fraction=True, rel_tol=0.01,
            hint="the 'share' column of funnel.attribution_shares(att), for that side's cause.",
        )
        return combine(exercise, [first, second], "right side, and the right size of its leak.")

    @checked("2.6", "funnel.leak_cause at the costliest step: its 'cause'.")
    def funnel_leak_cause(self, cause) -> CheckResult:
        """Exercise 2.6: the cause behind the costliest leak."""
        return self._leak_cause("2.6", cause)

    def _leak_cause(self, exercise: str, cause) -> CheckResult:
        from helpers import funnel

        transition = str(self._ranking()["transition"].iloc[0])
        found = funnel.leak_cause(
            self._journeys(), transition, low_fit=self._low_fit(),
            plateau=self._plateau_or_none(), sla_hours=self.params.sla_hours,
        )
        return check_choice(
            exercise, cause, found["cause"],
            what="the cause that explains most of the costliest leak",
            hint="call funnel.leak_cause for the costliest step and read its 'cause'.",
            options=[c for c in funnel.ATTRIBUTION_CAUSES if c != "not judged"],
            right="that is the cause to put on the weekly meeting's agenda "
            f"({found['side']} side).",
        )
