"""The settings of the self-checks: one parameters object shared by every module's checks."""

from __future__ import annotations

from dataclasses import dataclass, fields

#: How each annotated field type is normalised (notebook parameters arrive as NumPy scalars,
#: lists or strings of digits as often as plain Python values).
_CASTS = {"int": int, "float": float}


@dataclass(frozen=True)
class CheckParams:
    """The analysis settings the self-checks compute their expected answers with.

    Each solution passes the values of its own ``parameters`` cell, so the checks agree with
    what the participant computed; the defaults are the notebooks' defaults.

    Attributes
    ----------
    min_segment_size : int
        Closed opportunities a segment needs to be ranked (module 1).
    max_rule_conditions : int
        Most firmographic conditions in the ICP rule (module 1).
    tier_lifts : (float, float, float)
        Tier A, B and C cut-offs as multiples of the overall win rate (module 1).
    sla_hours : float
        Agreed first-response time of an MQL (module 2).
    label_stage, horizon_days, score_after_days, test_share, max_single_auc
        The label, the out-of-time split and the leakage check (module 4).
    rule_tiers, rule_min_touches
        The agreed rule-based MQL definition: ICP tiers and marketing touches (module 4).
    sales_reps, leads_per_rep_per_week
        Sales capacity, which sets the MQL threshold (module 4).
    touches_plateau, horizon_months
        Sales touches worth making, and the months projected in the scenarios (module 3).
    alignment_start : str
        When the alignment programme began (``YYYY-MM-DD``; empty: the org's ``org.yml``
        parameter), for the before/after estimate (module 3).
    alignment_cost_monthly : float
        What running the alignment programme costs a month, taken off the aligned funnel's
        gross profit (module 3).
    meeting_week : str
        The weekly meeting's week (``YYYY-MM-DD``; empty: this week, the export date).
    mql_min_lift, mql_min_recall
        The bars an agreed MQL definition must meet (capstone): its MQLs convert at least
        ``mql_min_lift`` times as often as the average lead (sales' bar) and catch at least
        ``mql_min_recall`` of the conversions (marketing's bar).
    seed : int
        Random seed of the models (module 4) and simulations (module 3).

    Examples
    --------
    >>> CheckParams(sla_hours=48).sla_hours
    48.0
    """

    min_segment_size: int = 30
    max_rule_conditions: int = 3
    tier_lifts: tuple[float, float, float] = (1.25, 1.0, 0.75)
    sla_hours: float = 24.0
    label_stage: str = "opportunity"
    horizon_days: int = 90
    score_after_days: int = 0
    test_share: float = 0.25
    max_single_auc: float = 0.95
    rule_tiers: tuple[str, ...] = ("A", "B")
    rule_min_touches: int = 2
    sales_reps: int = 4
    leads_per_rep_per_week: float = 3.0
    touches_plateau: int = 6
    horizon_months: int = 24
    alignment_start: str = ""
    alignment_cost_monthly: float = 0.0
    meeting_week: str = ""
    mql_min_lift: float = 2.0
    mql_min_recall: float = 0.4
    seed: int = 42

    def __post_init__(self) -> None:
        for f in fields(self):
            cast = _CASTS.get(f.type)
            if cast is not None:
                object.__setattr__(self, f.name, cast(getattr(self, f.name)))
        object.__setattr__(self, "tier_lifts", tuple(float(x) for x in self.tier_lifts))
        object.__setattr__(self, "rule_tiers", tuple(self.rule_tiers))
