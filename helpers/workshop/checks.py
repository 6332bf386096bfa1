"""The notebooks' ``check`` object: every module's self-checks behind one name."""

from __future__ import annotations

import dataclasses

from helpers.workshop.checks_capstone import CapstoneChecks
from helpers.workshop.checks_funnel import FunnelChecks
from helpers.workshop.checks_icp import IcpChecks
from helpers.workshop.checks_meeting import MeetingChecks
from helpers.workshop.checks_revenue import RevenueChecks
from helpers.workshop.checks_scoring import ScoringChecks
from helpers.workshop.params import CheckParams

#: One check class per workshop notebook, in teaching order.
MODULE_CHECKS = (
    IcpChecks, FunnelChecks, RevenueChecks, ScoringChecks, CapstoneChecks, MeetingChecks
)

#: The solution notebook (file stem) each check class belongs to.
NOTEBOOK_CHECKS = {
    "01_define_icp": IcpChecks,
    "02_funnel_leakage": FunnelChecks,
    "03_revenue_growth": RevenueChecks,
    "04_mql_classifier": ScoringChecks,
    "05_capstone": CapstoneChecks,
    "06_alignment_meeting": MeetingChecks,
}


class Checks(
    IcpChecks, FunnelChecks, RevenueChecks, ScoringChecks, CapstoneChecks, MeetingChecks
):
    """The self-checks of the workshop's exercises, bound to one organization's data.

    A thin facade over the module classes (:class:`IcpChecks`, :class:`FunnelChecks`,
    :class:`RevenueChecks`, :class:`ScoringChecks`, :class:`CapstoneChecks`,
    :class:`MeetingChecks`), so a solution
    builds its ``check`` from its own parameters cell in one line. Every expected answer is
    computed from ``data`` with the same helpers the analysis notebooks use (and cached), so
    the checks hold on any organization, not only on the sample. Each method is one exercise;
    it takes the participant's answer(s) and returns a :class:`CheckResult` - never raises.

    Parameters
    ----------
    data : OrgData
        The organization the exercises run on (:func:`helpers.data.load_org`).
    params : CheckParams, optional
        The settings; default: :class:`CheckParams` with ``settings``.
    **settings
        Fields of :class:`CheckParams` (``min_segment_size=20``, ``sla_hours=48``...),
        overriding those of ``params``.

    Examples
    --------
    >>> check = Checks(data)                       # doctest: +SKIP
    >>> check.icp_overall_win_rate(0.52)           # doctest: +SKIP
    ✅ Exercise 1.1 - right: that is the overall win rate of closed opportunities. Answer: ...
    """

    def __init__(self, data, params: CheckParams | None = None, **settings) -> None:
        if params is None:
            params = CheckParams(**settings)
        elif settings:
            params = dataclasses.replace(params, **settings)
        super().__init__(data, params)
