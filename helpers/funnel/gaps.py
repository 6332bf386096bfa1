"""What each leak could recover: the gap between a stage's rate and a rate the org itself reaches.

Every stage of a B2B funnel loses leads, and the final one loses the most revenue whenever win
rates are low, so raw lost revenue always points at opportunity -> won. The leak to act on is
the one with the most *recoverable* revenue: the leads a stage would keep if a group of its
leads converted like a comparable group the org already has. A cause is judged only where it
can act (:func:`stage_causes`):

* **low-fit** (marketing), at every stage from the MQL on: low-fit leads against fit leads
  worked the same way (the fit leads' rate);
* **under-worked** (sales), from the MQL up to the opportunity: under-worked leads against
  worked leads of the same fit, or the leads of owners who under-work against their peers'
  (the better-following-up reps); at the stage the first sales touch marks, where work
  cannot be judged before the outcome, the owners and the org's best comparable quarter;
* **worked-and-lost** (neither side), at the final stage only: fit leads against the org's
  best comparable quarter (its lower bound, adjusted for the number of quarters compared),
  or, with fewer than two comparable quarters, the low end of the graded external range.

Stages before the MQL (inquiry -> MQL) are the MQL definition's filter, not a leak a team
recovers by working harder: they stay in the raw table only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.funnel.attribution import CAUSE_SIDE, touch_stage, under_worked_flags
from helpers.funnel.benchmarks import BENCHMARKS
from helpers.funnel.conversion import censor_windows, eligibility, span_window
from helpers.funnel.journeys import (
    Journeys,
    default_start,
    default_target,
    journey_stage,
    split_transition,
)
from helpers.funnel.touches import has_touch_data

#: One-sided 95% normal quantile: a gap's lower bound when references are compared.
Z_ONE_SIDED_95 = 1.6448536269514722

GAP_TABLE_COLUMNS = [
    "transition",
    "cause",
    "side",
    "leads",
    "n",
    "rate",
    "attainable",
    "p_value",
    "recoverable",
    "reference",
]
GAP_COLUMNS = {
    "low-fit": "low_fit_gap",
    "under-worked": "under_worked_gap",
    "worked-and-lost": "worked_and_lost_gap",
    "not judged": "worked_and_lost_gap",
}


def stage_causes(
    journeys: Journeys, transition: str, *, judged: bool | None = None, start: str | None = None
) -> list[str]:
    """The causes that can act at ``transition``: low-fit from the start stage (MQL) on,
    under-worked from the start stage up to the opportunity (when the export records sales
    touches, ``judged``), and at the final stage the residual: worked-and-lost (or "not
    judged" without touch data). Empty before the start stage."""
    stages = journeys.stages
    start = start or default_start(stages)
    judged = has_touch_data(journeys) if judged is None else judged
    a, b = split_transition(transition)
    if stages.index(a) < stages.index(start):
        return []
    causes = ["low-fit"]
    if judged and stages.index(b) <= stages.index(journey_stage(stages)):
        causes.append("under-worked")
    if b == stages[-1]:
        causes.append("worked-and-lost" if judged else "not judged")
    return causes


def _shortfall(group: np.ndarray, ref: np.ndarray, elig: np.ndarray, conv: np.ndarray) -> tuple:
    """(leads the group would keep at the reference's rate, group rate, reference rate, group
    size, variance of that count)."""
    g, r = group & elig, ref & elig
    n, m = int(g.sum()), int(r.sum())
    if n == 0 or m == 0:
        return 0.0, np.nan, np.nan, n, 0.0
    rate_g, rate_r = float(conv[g].mean()), float(conv[r].mean())
    var = n * n * (rate_g * (1 - rate_g) / n + rate_r * (1 - rate_r) / m)
    return n * (rate_r - rate_g), rate_g, rate_r, n, var


def _stratified(group: np.ndarray, elig: np.ndarray, conv: np.ndarray, strata) -> dict:
    """The group's shortfall against the rest, summed within ``strata`` (e.g. fit / low fit),
    with the one-sided p-value that it is above zero (normal approximation)."""
    from scipy.stats import norm

    total, n, ref_conv, grp_conv, var = 0.0, 0, 0.0, 0.0, 0.0
    for s in strata:
        gap, rg, rr, ns, v = _shortfall(group & s, ~group & s, elig, conv)
        if ns and not np.isnan(rr):
            total, n, var = total + gap, n + ns, var + v
            ref_conv, grp_conv = ref_conv + ns * rr, grp_conv + ns * rg
    p = float(norm.sf(total / np.sqrt(var))) if var > 0 else (0.0 if total > 0 else 1.0)
    return {
        "leads": max(total, 0.0),
        "n": n,
        "rate": grp_conv / n if n else np.nan,
        "attainable": ref_conv / n if n else np.nan,
        "p_value": p,
        "sd": float(np.sqrt(var)),
    }


def _period_gap(
    journeys: Journeys,
    transition: str,
    group: np.ndarray,
    elig: np.ndarray,
    conv: np.ndarray,
    min_leads: int = 30,
) -> dict | None:
    """The group's gap to its best comparable quarter (quarter it reached the stage, with at
    least ``min_leads`` old-enough leads): that quarter's lower Wilson bound at a confidence
    adjusted for the number of quarters compared. None with fewer than two such quarters."""
    a, _ = split_transition(transition)
    m = group & elig
    q = journeys.table[f"t_{a}"].dt.to_period("Q").astype("string").to_numpy()[m]
    d = (
        pd.DataFrame({"q": q, "conv": conv[m].astype(int)})
        .groupby("q")["conv"]
        .agg(["sum", "size"])
    )
    d = d[d["size"] >= min_leads]
    if len(d) < 2:
        return None
    low, _ = wilson_interval(
        d["sum"].to_numpy(), d["size"].to_numpy(), confidence=1 - 0.05 / len(d)
    )
    best = int(np.argmax(low))
    n, rate = int(m.sum()), float(conv[m].mean())
    return {
        "leads": max(n * (float(low[best]) - rate), 0.0),
        "n": n,
        "rate": rate,
        "attainable": float(low[best]),
        "reference": f"its best quarter ({d.index[best]}, lower bound {low[best]:.0%})",
        "p_value": 0.0,
    }


def _external_gap(
    transition: str, group: np.ndarray, elig: np.ndarray, conv: np.ndarray
) -> dict | None:
    """The group's gap to the low end of the graded external range for ``transition``."""
    b = BENCHMARKS.set_index("transition")
    m = group & elig
    if transition not in b.index or not m.any():
        return None
    low, rate, n = float(b.loc[transition, "low"]), float(conv[m].mean()), int(m.sum())
    return {
        "leads": max(n * (low - rate), 0.0),
        "n": n,
        "rate": rate,
        "attainable": low,
        "p_value": np.nan,
        "reference": f"the low end of the external range ({low:.0%}; {b.loc[transition, 'grade']})",
    }


def _owner_mask(journeys: Journeys, owners) -> np.ndarray:
    t = journeys.table
    if not owners or "owner_id" not in t.columns:
        return np.zeros(len(t), dtype=bool)
    return t["owner_id"].astype("string").isin(list(owners)).fillna(False).to_numpy(bool)


def _under_worked_gap(journeys, transition, lf, under, elig, conv, owners, at_first_touch) -> dict:
    """The larger of the under-worked references (worked leads; better-following-up reps;
    at the first-touch stage, the best comparable quarter of the fit leads)."""
    strata = (~lf, lf)
    cands = []
    if not at_first_touch:
        cands.append(
            {**_stratified(under, elig, conv, strata), "reference": "worked leads of the same fit"}
        )
    flagged = _owner_mask(journeys, owners)
    if flagged.any():
        cands.append(
            {
                **_stratified(flagged, elig, conv, strata),
                "reference": "the leads of owners who follow up as agreed (same fit)",
            }
        )
    if at_first_touch:
        per = _period_gap(journeys, transition, ~lf, elig, conv)
        if per is not None:
            cands.append(per)

    # the largest gap beyond chance
    def size(c):  # its lower bound (the best quarter's reference is one already)
        return c["leads"] - Z_ONE_SIDED_95 * c.get("sd", 0.0)

    return max(cands, key=size) if cands else {"leads": 0.0, "reference": "no reference"}


def _cause_gap(
    journeys, transition, cause, causes, lf, under, elig, conv, owners, at_first_touch
) -> dict:
    """One cause's gap at ``transition`` (see :func:`leak_gaps`)."""
    if cause == "low-fit":
        by_work = not at_first_touch and "under-worked" in causes
        strata = (~under, under) if by_work else (np.ones(len(lf), dtype=bool),)
        ref = "fit leads worked the same way" if by_work else "fit leads"
        return {**_stratified(lf, elig, conv, strata), "reference": ref}
    if cause == "under-worked":
        return _under_worked_gap(
            journeys, transition, lf, under, elig, conv, owners, at_first_touch
        )
    g = _period_gap(journeys, transition, ~lf, elig, conv) or _external_gap(
        transition, ~lf, elig, conv
    )
    return g or {"leads": 0.0, "reference": "no comparable quarter or external range"}


def _gap_row(transition: str, cause: str, g: dict, z: float) -> dict:
    """One row of :func:`leak_gaps`: a gap compared with another group counts at its lower
    bound (``z`` standard deviations below); the best quarter's or the external range's as is."""
    leads = float(g["leads"])
    recoverable = max(leads - z * g["sd"], 0.0) if "sd" in g else leads
    return {
        "transition": transition,
        "cause": cause,
        "side": CAUSE_SIDE[cause],
        "leads": leads,
        "n": int(g.get("n", 0)),
        "rate": g.get("rate", np.nan),
        "attainable": g.get("attainable", np.nan),
        "p_value": g.get("p_value", 1.0),
        "recoverable": recoverable,
        "reference": g["reference"],
    }


def leak_gaps(
    journeys: Journeys,
    transition: str,
    *,
    low_fit: pd.Series | np.ndarray | None = None,
    plateau: int | None = None,
    sla_hours: float | None = 24.0,
    touch_target: str | None = None,
    censor_days: float | dict | None = None,
    owners: list[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The leads ``transition`` would keep, per cause that can act there (:func:`stage_causes`).

    Among the old-enough leads at the transition's first stage: low-fit leads against fit
    leads worked the same way; under-worked leads (first touch later than ``sla_hours`` or
    none; before ``touch_target``, default SQL, fewer sales touches than ``plateau``)
    against worked leads of the same fit, or the leads of ``owners`` (hashed ids of owners
    who under-work, :func:`helpers.funnel.under_working_owners`) against their peers'; at the
    final stage, fit leads against their best comparable quarter (or the external range).

    What counts as recoverable is a gap's one-sided lower ``1 - alpha`` bound (normal
    approximation) when it compares two groups of the org's leads: noise is not a leak, and a
    reference group picked on the same outcomes (an ICP fitted on these deals) is not taken at
    its luckiest. The best quarter's reference is already its conservative lower bound; the
    external range is graded, not tested.

    Returns
    -------
    DataFrame, one row per cause: ``transition``, ``cause``, ``side``, ``leads`` (the gap:
    leads the group would keep at the reference's rate), ``n`` (leads in the group), ``rate``
    (the group's), ``attainable`` (the reference's), ``p_value``, ``recoverable`` (the lower
    bound of ``leads``, 0 when the gap is within chance), ``reference`` (what the attainable
    rate is).
    """
    t = journeys.table
    stages = journeys.stages
    touch_target = touch_target or default_target(stages)
    a, b = split_transition(transition)
    ks = censor_windows(journeys, censor_days)
    _, elig, conv = eligibility(
        journeys, transition, ks.get(transition, span_window(journeys, a, b, censor_days))
    )
    lf = (
        np.zeros(len(t), dtype=bool)
        if low_fit is None
        else np.asarray(pd.Series(low_fit).fillna(False), dtype=bool)
    )
    causes = stage_causes(journeys, transition)
    apply = stages.index(b) <= stages.index(touch_target) if touch_target in stages else False
    under = under_worked_flags(journeys, plateau, sla_hours, np.full(len(t), apply))
    ts = touch_stage(journeys)
    at_first_touch = ts is not None and stages.index(b) <= stages.index(ts)
    from scipy.stats import norm

    z = float(norm.isf(alpha))
    rows = []
    for cause in causes:
        g = _cause_gap(
            journeys, transition, cause, causes, lf, under, elig, conv, owners, at_first_touch
        )
        rows.append(_gap_row(transition, cause, g, z))
    return pd.DataFrame(rows, columns=GAP_TABLE_COLUMNS)


def leak_cause(
    journeys: Journeys,
    transition: str,
    *,
    low_fit: pd.Series | np.ndarray | None = None,
    plateau: int | None = None,
    sla_hours: float | None = 24.0,
    touch_target: str | None = None,
    censor_days: float | dict | None = None,
    owners: list[str] | None = None,
) -> dict:
    """Which cause explains the leads a transition loses, among those that can act there.

    The leads each cause would recover (:func:`leak_gaps`): low-fit leads' shortfall
    against fit leads worked the same way, under-worked leads' shortfall against worked
    leads of the same fit (or the under-working owners' against their peers'), and at the
    final stage the fit leads' shortfall against their best comparable quarter. The cause
    is the one with the largest significant gap; with none, ``worked-and-lost`` at the final
    stage (``not judged`` without touch data) and None elsewhere. Before the start stage
    (MQL) no cause is judged.

    Returns
    -------
    dict: ``cause``, ``side``, ``lost`` (leads lost there), ``excess`` (cause -> the gap in
    leads), ``shares`` (cause -> share of the lost leads), ``references`` (cause -> the
    attainable rate it is measured against), ``p_values``.
    """
    g = leak_gaps(
        journeys,
        transition,
        low_fit=low_fit,
        plateau=plateau,
        sla_hours=sla_hours,
        touch_target=touch_target,
        censor_days=censor_days,
        owners=owners,
    )
    a, b = split_transition(transition)
    ks = censor_windows(journeys, censor_days)
    _, elig, conv = eligibility(
        journeys, transition, ks.get(transition, span_window(journeys, a, b, censor_days))
    )
    lost = int((elig & ~conv).sum())
    excess = dict(zip(g["cause"], g["leads"].astype(float)))
    positive = {c: v for c, v in zip(g["cause"], g["recoverable"].astype(float)) if v > 0}
    residual = [c for c in excess if c in ("worked-and-lost", "not judged")]
    cause = max(positive, key=positive.get) if positive else (residual[0] if residual else None)
    return {
        "cause": cause,
        "side": CAUSE_SIDE.get(cause) if cause else None,
        "lost": lost,
        "excess": excess,
        "shares": {c: (v / lost if lost else np.nan) for c, v in excess.items()},
        "references": dict(zip(g["cause"], g["reference"])),
        "p_values": dict(zip(g["cause"], g["p_value"].astype(float))),
    }
