"""Tables the exercises display, so that every answer can be read off the screen.

Each is a view over the module helpers (no second implementation): the self-checks compute
their expected answers from the same table the participant reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

#: The candidate MQL definitions the capstone lists: ICP tiers, then marketing touches.
DEFINITION_TIERS = (("A",), ("A", "B"), ("A", "B", "C"))
DEFINITION_TOUCHES = (0, 1, 2, 3, 4)


def rule_segments(inputs, model, tables: pd.DataFrame) -> pd.DataFrame:
    """The segments a narrower ICP could drop, with their win rate and their price in leads.

    One row per segment named in a condition of the ICP rule that names several segments
    (dropping the only segment of a condition would empty the rule).

    Parameters
    ----------
    inputs : helpers.icp.IcpInputs
        From :func:`helpers.icp.prepare_icp`.
    model : helpers.icp.IcpModel
        From :func:`helpers.icp.fit_icp`.
    tables : DataFrame
        From :func:`helpers.icp.segment_tables` (the win rates shown in workshop 1).

    Returns
    -------
    DataFrame
        ``dimension`` (as labelled in the rule), ``segment``, ``opportunities``,
        ``win_rate``, ``ci_low``, ``ci_high``, ``leads_share`` (share of all leads in the
        segment) and ``leads_in_icp_share`` (share of all leads inside the rule *and* in the
        segment: what the ICP loses when the segment is dropped), sorted by win rate.

    Raises
    ------
    ValueError
        When no condition of the rule names two segments or more.
    """
    from helpers import icp

    multi = [c for c in model.conditions if len(c.segments) >= 2]
    if not multi:
        raise ValueError(
            "this organization's ICP rule has no condition with two segments to choose from."
        )
    leads = inputs.leads
    inside = icp.condition_mask(leads, model.conditions)
    rows = []
    for cond in multi:
        rates = icp.table_for(tables, cond.dimension).set_index("segment")
        in_segment = leads[cond.dimension].astype("str") if cond.dimension in leads else None
        for segment in cond.segments:
            if segment not in rates.index:
                continue
            row = rates.loc[segment]
            mine = (
                in_segment == segment
                if in_segment is not None
                else pd.Series(False, index=leads.index)
            )
            rows.append(
                {
                    "dimension": icp.DIMENSION_LABELS.get(cond.dimension, cond.dimension),
                    "segment": str(segment),
                    "opportunities": int(row["opportunities"]),
                    "win_rate": float(row["win_rate"]),
                    "ci_low": float(row["ci_low"]),
                    "ci_high": float(row["ci_high"]),
                    "leads_share": float(mine.mean()),
                    "leads_in_icp_share": float((inside & mine).mean()),
                }
            )
    if not rows:
        raise ValueError(
            "this organization's ICP rule has no condition with two segments to choose from."
        )
    return pd.DataFrame(rows).sort_values("win_rate", kind="stable").reset_index(drop=True)


def mql_definition_options(
    features,
    labels,
    *,
    tiers: Sequence[Iterable[str]] = DEFINITION_TIERS,
    touches: Iterable[int] = DEFINITION_TOUCHES,
    min_lift: float | None = None,
    min_recall: float | None = None,
) -> pd.DataFrame:
    """Candidate rule-based MQL definitions and their evidence, one row each.

    Every combination of ``tiers`` and ``touches`` is scored by
    :func:`helpers.workshop.mql_rule_evidence` on the leads old enough to be labelled.

    Parameters
    ----------
    features, labels
        As in :func:`helpers.workshop.mql_rule_evidence`.
    tiers : sequence of tier lists
        The ICP tier sets to try (default: A; A and B; A, B and C).
    touches : iterable of int
        The minimums of marketing touches to try (default: 0 to 4).
    min_lift, min_recall : float, optional
        Sales' and marketing's bars: when both are given, a ``meets_both`` column says which
        definitions meet them.

    Returns
    -------
    DataFrame
        ``tiers`` (text such as ``"A, B"``), ``min_touches``, ``mql_share``, ``conversion``,
        ``lift``, ``recall`` (and ``meets_both``).
    """
    from helpers.workshop.checks_capstone import mql_rule_evidence

    rows = []
    for tier_set in tiers:
        tier_set = [str(t) for t in tier_set]
        for minimum in touches:
            evidence = mql_rule_evidence(features, labels, tier_set, int(minimum))
            rows.append({"tiers": ", ".join(tier_set), "min_touches": int(minimum), **evidence})
    out = pd.DataFrame(rows)
    if min_lift is not None and min_recall is not None:
        out["meets_both"] = (out["lift"] >= min_lift) & (out["recall"] >= min_recall)
    return out


def best_definition(options: pd.DataFrame) -> pd.Series:
    """The definition meeting both bars that keeps the most conversions (then the best lift).

    Raises
    ------
    ValueError
        When no candidate meets both bars.
    """
    ok = options[options["meets_both"].astype(bool)]
    if ok.empty:
        raise ValueError(
            "no candidate MQL definition meets both teams' bars on this organization: "
            "lower one of the bars."
        )
    return ok.sort_values(["recall", "lift"], ascending=False, kind="stable").iloc[0]


def agreed_rules(icp_def: dict | None, plateau: int | None, sla_hours: float) -> pd.DataFrame:
    """The rules the capstone's attribution rests on, and what a missing one changes.

    Parameters
    ----------
    icp_def : dict or None
        The ICP artifact (:func:`helpers.icp.icp_artifact`); None when none could be fitted.
    plateau : int or None
        The touches plateau (:func:`helpers.funnel.find_plateau`); None when conversion keeps
        rising with touches.
    sla_hours : float
        The agreed first-response time.

    Returns
    -------
    DataFrame
        ``rule``, ``value`` (``"missing"`` when the data gives none), ``what it means``.
    """
    rule = (icp_def or {}).get("rule", {}).get("text") or ""
    rows = [
        ("ICP rule (low fit = marketing's side)", rule or "missing",
         "leads outside it are low-fit" if rule
         else "no lead can be called low-fit: marketing's side of the leak cannot be measured"),
        ("touches plateau (under-worked = sales' side)",
         str(plateau) if plateau is not None else "missing",
         f"a lead closed with fewer than {plateau} sales touches is under-worked"
         if plateau is not None
         else "conversion keeps rising with touches: only a slow or missing first answer "
         "counts as under-worked, so sales' side looks smaller than it is"),
        ("first answer within (SLA)", f"{sla_hours:g} hours",
         "a slower first answer, or none, is under-worked"),
    ]
    return pd.DataFrame(rows, columns=["rule", "value", "what it means"])


def split_tiers(tiers) -> list[str]:
    """Tier letters from ``"A, B"``, ``"A B"``, ``["A", "B"]`` or ``("A",)``."""
    if isinstance(tiers, str):
        return [t for t in tiers.replace(",", " ").split() if t]
    return [str(t).strip() for t in tiers]
