"""Self-checks of the capstone (``05_capstone``): settle the argument on a new organization.

The capstone asks the funnel's and the revenue module's questions again (their checks are
reused through :class:`FunnelChecks` and :class:`RevenueChecks`), and one new question: an MQL
definition both teams accept, which participants search with :func:`mql_rule_evidence`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.checks_funnel import FunnelChecks
from helpers.workshop.checks_revenue import RevenueChecks
from helpers.workshop.checks_scoring import ScoringChecks
from helpers.workshop.results import REVEAL, CheckResult, _as_number, checked


def mql_rule_evidence(features, labels, tiers: Iterable[str], min_touches: int) -> dict[str, float]:
    """How a candidate rule-based MQL definition does on the leads old enough to be labelled.

    The rule is the curriculum's agreed-rule shape (:class:`helpers.scoring.RuleSpec`): the
    lead's ICP tier is one of ``tiers`` and it had at least ``min_touches`` marketing touches
    by its scoring moment.

    Parameters
    ----------
    features : helpers.scoring.FeatureSet
        From :func:`helpers.scoring.build_features` (with ICP tiers).
    labels : helpers.scoring.LabelResult
        From :func:`helpers.scoring.build_labels`.
    tiers : iterable of str
        ICP tiers that qualify, e.g. ``["A", "B"]``.
    min_touches : int
        Minimum marketing touches before the scoring moment.

    Returns
    -------
    dict
        ``mql_share`` (share of labelled leads that are MQLs), ``conversion`` (conversion of
        those MQLs), ``lift`` (``conversion`` / conversion of all labelled leads) and ``recall``
        (share of all conversions that were MQLs).

    Raises
    ------
    ValueError
        When a tier is not one of A, B, C, D, or no lead is labelled.
    """
    from helpers import scoring

    tiers = [str(t).strip().upper() for t in tiers]
    unknown = [t for t in tiers if t not in ("A", "B", "C", "D")]
    if unknown or not tiers:
        raise ValueError(
            f"ICP tiers are A, B, C and D; {unknown or 'no tier'} is not a tier list."
        )
    eligible = labels.table["eligible"].to_numpy(dtype=bool)
    if not eligible.any():
        raise ValueError("No lead is old enough to be labelled, so no definition can be evaluated.")
    y = labels.table["label"].to_numpy(dtype=float)[eligible]
    rule = scoring.RuleSpec(tiers=tuple(tiers), min_touches=int(min_touches))
    mql = np.asarray(scoring.rule_is_mql(features.frame, rule), dtype=bool)[eligible]
    base = float(y.mean())
    conversion = float(y[mql].mean()) if mql.any() else 0.0
    return {
        "mql_share": float(mql.mean()),
        "conversion": conversion,
        "lift": conversion / base if base > 0 else float("nan"),
        "recall": float(y[mql].sum() / y.sum()) if y.sum() > 0 else float("nan"),
    }


class CapstoneChecks(ModuleChecks):
    """Exercises 5.1-5.5: the module 2-4 questions asked again on a new organization.

    The costliest leak, whose side, its cause, an MQL definition both teams accept
    (``params.mql_min_lift`` and ``params.mql_min_recall``), and the plan's need.
    """

    @checked("5.1", "the leakage ranking's first row, and that step's 'rate' (conversion table).")
    def capstone_costliest_leak(self, costliest, costliest_rate) -> CheckResult:
        """Capstone 5.1: the new organization's costliest leak, and its censored conversion."""
        return self._sibling(FunnelChecks)._costliest_leak("5.1", costliest, costliest_rate)

    @checked("5.2", "the attribution totals: low-fit (marketing) and under-worked (sales) shares.")
    def capstone_whose_leak(self, bigger_side, side_share) -> CheckResult:
        """Capstone 5.2: whose side loses more MQLs, and that side's share."""
        return self._sibling(FunnelChecks)._whose_leak("5.2", bigger_side, side_share)

    @checked("5.3", "the like-with-like comparison at the costliest step: its 'cause'.")
    def capstone_leak_cause(self, leak_cause) -> CheckResult:
        """Capstone 5.3: the cause behind the costliest leak."""
        return self._sibling(FunnelChecks)._leak_cause("5.3", leak_cause)

    def _definition_options(self):
        from helpers.workshop.tables import mql_definition_options

        scoring_checks = self._sibling(ScoringChecks)
        return self._cached(
            "definition_options",
            lambda: mql_definition_options(
                scoring_checks._raw_features(), scoring_checks._labels(),
                min_lift=self.params.mql_min_lift, min_recall=self.params.mql_min_recall,
            ),
        )

    @checked("5.4", "the definitions table: a row whose lift and recall both clear the bars.")
    def capstone_mql_definition(self, mql_tiers, mql_min_touches) -> CheckResult:
        """Capstone 5.4: an MQL definition meeting both teams' bars (several can be right)."""
        from helpers.workshop.tables import best_definition, split_tiers

        if mql_tiers is REVEAL or mql_min_touches is REVEAL:
            best = best_definition(self._definition_options())
            mql_tiers, mql_min_touches = split_tiers(best["tiers"]), int(best["min_touches"])
        if isinstance(mql_tiers, str):
            mql_tiers = split_tiers(mql_tiers)
        if not isinstance(mql_tiers, Iterable) or not all(isinstance(t, str) for t in mql_tiers):
            return CheckResult(
                "5.4", "incorrect", "the tiers should be a list of tier letters.",
                'type them as text, e.g. "A, B".', 'e.g. ["A", "B"].',
            )
        number = _as_number(mql_min_touches)
        if number is None or number < 0 or number != int(number):
            return CheckResult(
                "5.4", "incorrect", "the minimum of marketing touches should be a whole number.",
                "e.g. 0, 1 or 2.",
            )
        scoring_checks = self._sibling(ScoringChecks)
        try:
            ev = mql_rule_evidence(
                scoring_checks._raw_features(), scoring_checks._labels(), mql_tiers, int(number)
            )
        except ValueError as exc:
            return CheckResult(
                "5.4", "incorrect", str(exc), 'use tier letters among "A", "B", "C" and "D".'
            )
        result = self._judge_definition(ev)
        if not result.passed:
            return result
        tiers = [str(t).strip().upper() for t in mql_tiers]
        return CheckResult(
            "5.4", "correct", result.message,
            answer=f"tiers {', '.join(tiers)}, "
            + (f"at least {int(number)} marketing touches" if number else "any marketing touches"),
            answers=(", ".join(tiers), int(number)),
        )

    def _judge_definition(self, ev: dict[str, float]) -> CheckResult:
        """Exercise 5.4's verdict on a definition's evidence: sales' bar, then marketing's."""
        min_lift, min_recall = self.params.mql_min_lift, self.params.mql_min_recall
        if ev["lift"] < min_lift:
            return CheckResult(
                "5.4", "incorrect",
                f"these MQLs convert {ev['lift']:.1f} times as often as the average lead; "
                f"sales asked for at least {min_lift:g} times.",
                "narrow the definition: fewer tiers, or more marketing touches.",
                'the "lift" column of the definitions table.',
            )
        if ev["recall"] < min_recall:
            return CheckResult(
                "5.4", "incorrect",
                f"this definition catches {ev['recall']:.0%} of the leads that converted; "
                f"marketing asked for at least {min_recall:.0%}.",
                "widen the definition: more tiers, or fewer marketing touches.",
                'the "recall" column of the definitions table.',
            )
        return CheckResult(
            "5.4", "correct",
            f"both bars are met: these MQLs convert {ev['lift']:.1f} times as often as the "
            f"average lead and catch {ev['recall']:.0%} of the conversions.",
        )

    @checked("5.5", "the plan gap table: the top stage's 'needed_per_month'.")
    def capstone_leads_needed(self, inquiries_needed) -> CheckResult:
        """Capstone 5.5: the top-of-funnel count the new organization's plan needs per month."""
        return self._sibling(RevenueChecks)._leads_needed("5.5", inquiries_needed)
