"""The by-rep view: speed-to-lead, touches and conversion per lead owner (hashed ``owner_id``),
and the owners who under-work: slower answers and fewer touches than their peers, tested with a
multiple-comparison guard (:func:`under_working_owners`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.funnel.conversion import eligibility, span_window
from helpers.funnel.journeys import Journeys, default_start, default_target


def rep_table(
    journeys: Journeys,
    *,
    plateau: int | None = None,
    sla_hours: float = 24.0,
    start: str | None = None,
    target: str | None = None,
    censor_days: float | dict | None = None,
    min_leads: int = 20,
) -> pd.DataFrame:
    """Speed-to-lead and touches by rep (hashed ``owner_id``), among old-enough leads.

    Returns
    -------
    DataFrame, one row per rep with at least ``min_leads`` leads: ``owner_id``, ``leads``,
    ``median_response_hours``, ``within_sla`` (share answered within ``sla_hours``),
    ``never`` (share never touched), ``median_touches``, ``below_plateau`` (share of
    lost leads closed with fewer touches than the plateau), ``rate`` (conversion to
    ``target``) with ``low`` / ``high``.
    """
    t = journeys.table
    if "owner_id" not in t.columns or not t["owner_id"].notna().any():
        raise ValueError("The leads table has no owner_id (rep), so the by-rep view is skipped.")
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = eligibility(journeys, f"{start}->{target}", k)
    d = t.loc[elig, ["owner_id"]].copy()
    d["converted"] = conv[elig]
    rh = t.loc[elig, "response_hours"] if "response_hours" in t.columns else pd.Series(np.nan, index=d.index)
    recorded = "first_sales_touch_at" in t.columns and t["first_sales_touch_at"].notna().any()
    d["response_hours"] = rh
    d["within_sla"] = (rh <= sla_hours).astype(float) if recorded else np.nan  # unknown, not "never"
    d["never"] = rh.isna().astype(float) if recorded else np.nan
    touches = t.loc[elig, "sales_touches"] if "sales_touches" in t.columns else pd.Series(np.nan, index=d.index)
    d["touches"] = touches
    d["lost_below"] = (~d["converted"]) & (touches < plateau) if plateau is not None else np.nan
    d["lost"] = ~d["converted"]
    g = d.groupby("owner_id").agg(
        leads=("converted", "size"), converted=("converted", "sum"),
        median_response_hours=("response_hours", "median"), within_sla=("within_sla", "mean"),
        never=("never", "mean"), median_touches=("touches", "median"),
        lost=("lost", "sum"), lost_below=("lost_below", "sum"),
    )
    g = g[g["leads"] >= min_leads]
    g["below_plateau"] = (np.where(g["lost"] > 0, g["lost_below"] / g["lost"].where(g["lost"] > 0, 1), np.nan)
                          if plateau is not None else np.nan)
    g["rate"] = g["converted"] / g["leads"]
    g["low"], g["high"] = wilson_interval(g["converted"], g["leads"])
    return g.drop(columns=["lost", "lost_below"]).reset_index().sort_values("rate").reset_index(drop=True)


# --------------------------------------------------------------------------- owners who under-work


@dataclass
class UnderWorkingOwners:
    """Owners whose leads are answered slower and touched less than their peers'.

    Attributes
    ----------
    table : DataFrame
        One row per owner tested (see :func:`under_working_owners`).
    flagged : list of str
        Hashed ids of the owners flagged, worst first.
    metrics : list of str
        The measures the export allows: ``"response"`` and/or ``"touches"``.
    alpha : float
        Family-wise error rate of each measure's tests (Holm across owners).
    share_of_mqls, share_of_lost : float
        The flagged owners' share of the old-enough MQLs and of the lost ones.
    before_after : dict or None
        Whether their under-working changed after the alignment start.
    """

    table: pd.DataFrame
    flagged: list
    metrics: list
    alpha: float
    share_of_mqls: float = np.nan
    share_of_lost: float = np.nan
    before_after: dict | None = None


def _holm(p: np.ndarray, alpha: float) -> np.ndarray:
    """Holm's step-down rejections (family-wise error ``alpha``); NaN p-values never reject."""
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(p)
    order = np.argsort(np.where(ok, p, np.inf))
    m = int(ok.sum())
    reject = np.zeros(len(p), dtype=bool)
    for i, idx in enumerate(order[:m]):
        if p[idx] > alpha / (m - i):
            break
        reject[idx] = True
    return reject


def _one_sided_proportion_p(k1: float, n1: float, k2: float, n2: float) -> float:
    """P-value that group 1's share is *higher* than group 2's (pooled z test)."""
    from scipy.stats import norm

    if min(n1, n2) <= 0:
        return float("nan")
    p = (k1 + k2) / (n1 + n2)
    se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return 1.0 if se == 0 else float(norm.sf((k1 / n1 - k2 / n2) / se))


def _owner_tests(d: pd.DataFrame, owners: np.ndarray, metrics: list[str]) -> pd.DataFrame:
    """Each owner against the rest: slow-answer share (one-sided z test) and touches given
    to the leads they closed out (one-sided Mann-Whitney)."""
    from scipy.stats import mannwhitneyu

    rows = []
    closed = d["touched"] & d["lost"]
    for o in owners:
        mine = (d["owner_id"] == o).to_numpy()
        row = {"owner_id": o, "leads": int(mine.sum())}
        if "response" in metrics:
            k1, n1 = d.loc[mine, "slow"].sum(), mine.sum()
            k2, n2 = d.loc[~mine, "slow"].sum(), (~mine).sum()
            row.update(slow_share=k1 / n1, peers_slow_share=k2 / n2 if n2 else np.nan,
                       p_response=_one_sided_proportion_p(k1, n1, k2, n2))
        if "touches" in metrics:
            a = d.loc[mine & closed, "touches"].to_numpy(float)
            b = d.loc[~mine & closed, "touches"].to_numpy(float)
            ok = len(a) >= 5 and len(b) >= 5
            row.update(closed_touches=np.mean(a) if len(a) else np.nan, peers_closed_touches=np.mean(b) if len(b) else np.nan,
                       p_touches=float(mannwhitneyu(a, b, alternative="less").pvalue) if ok else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _before_after(d: pd.DataFrame, flagged: list, start) -> dict | None:
    """The flagged owners' and their peers' under-worked share before and after ``start``."""
    if not flagged or start is None or pd.isna(start):
        return None
    start = pd.Timestamp(start)
    after = (d["t_start"] >= start).to_numpy()
    if after.all() or not after.any():
        return None
    mine = d["owner_id"].isin(flagged).to_numpy()
    u = d["under"].to_numpy(bool)

    def share(m):
        return float(u[m].mean()) if m.any() else np.nan

    kb, nb, ka, na = u[mine & ~after].sum(), (mine & ~after).sum(), u[mine & after].sum(), (mine & after).sum()
    p_down = _one_sided_proportion_p(kb, nb, ka, na)
    p_up = _one_sided_proportion_p(ka, na, kb, nb)
    changed = "improved" if p_down < 0.05 else "worse" if p_up < 0.05 else "no clear change"
    still = _one_sided_proportion_p(ka, na, u[~mine & after].sum(), (~mine & after).sum())
    return {"alignment_start": start.strftime("%Y-%m-%d"), "under_worked_before": share(mine & ~after),
            "under_worked_after": share(mine & after), "peers_before": share(~mine & ~after),
            "peers_after": share(~mine & after), "changed": changed,
            "still_worse_after": bool(still < 0.05), "p_improved": p_down}


def under_working_owners(
    journeys: Journeys,
    *,
    plateau: int | None = None,
    sla_hours: float = 24.0,
    start: str | None = None,
    target: str | None = None,
    censor_days: float | dict | None = None,
    alpha: float = 0.05,
    min_leads: int = 20,
    alignment_start=None,
) -> UnderWorkingOwners:
    """Owners whose response time and touches are significantly worse than their peers'.

    Among old-enough MQLs (start stage to ``target``, censoring rule), each owner with at
    least ``min_leads`` is compared with all other owners on two measures: the share of MQLs
    not answered within ``sla_hours`` (never answered included; one-sided two-proportion z
    test) and the sales touches given to the touched MQLs they closed out without a
    conversion (one-sided Mann-Whitney test: how long they kept trying). Each measure's
    p-values go through Holm's step-down test across owners at family-wise ``alpha`` (the
    multiple-comparison guard); an owner is flagged when every measure the export records
    is significantly worse. With ``alignment_start``, the flagged owners' share of
    under-worked MQLs (slow, or closed out with fewer touches than ``plateau``) before and
    after it, against their peers'.

    Returns
    -------
    UnderWorkingOwners
    """
    from helpers.funnel.attribution import under_worked_flags
    from helpers.funnel.journeys import journey_stage

    t = journeys.table
    if "owner_id" not in t.columns or not t["owner_id"].notna().any():
        raise ValueError("The leads table has no owner_id (rep), so owners who under-work cannot be found.")
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    _, elig, conv = eligibility(journeys, f"{start}->{target}", span_window(journeys, start, target, censor_days))
    metrics = []
    if "response_hours" in t.columns and t["first_sales_touch_at"].notna().any():
        metrics.append("response")
    if "sales_touches" in t.columns and t["sales_touches"].notna().any():
        metrics.append("touches")
    rh = t["response_hours"].to_numpy(float) if "response_hours" in t.columns else np.full(len(t), np.nan)
    touches = t["sales_touches"].to_numpy(float) if "sales_touches" in t.columns else np.full(len(t), np.nan)
    jstage = journey_stage(journeys.stages)
    _, elig_j, conv_j = eligibility(journeys, f"{start}->{jstage}", span_window(journeys, start, jstage, censor_days))
    d = pd.DataFrame({
        "owner_id": t["owner_id"].astype("string"), "slow": np.isnan(rh) | (rh > sla_hours),
        "touched": ~np.isnan(rh) | (touches > 0), "touches": touches, "lost": ~conv,
        "t_start": t[f"t_{start}"], "under": under_worked_flags(journeys, plateau, sla_hours, ~conv),
        "lost_mql": elig_j & ~conv_j,
    })[elig & t["owner_id"].notna().to_numpy()]
    counts = d["owner_id"].value_counts()
    owners = np.array(sorted(counts[counts >= min_leads].index))
    cols = ["owner_id", "leads", "flagged"]
    if not metrics or len(owners) < 2:
        return UnderWorkingOwners(pd.DataFrame(columns=cols), [], metrics, alpha)
    tab = _owner_tests(d, owners, metrics)
    flagged = np.ones(len(tab), dtype=bool)
    for m, col in (("response", "p_response"), ("touches", "p_touches")):
        if m in metrics:
            flagged &= _holm(tab[col].to_numpy(float), alpha)
    tab["flagged"] = flagged
    key = "p_response" if "response" in metrics else "p_touches"
    tab = tab.sort_values(["flagged", key], ascending=[False, True]).reset_index(drop=True)
    ids = tab.loc[tab["flagged"], "owner_id"].tolist()
    mine = d["owner_id"].isin(ids).to_numpy()
    lost = d["lost_mql"].to_numpy(bool)
    return UnderWorkingOwners(
        tab, ids, metrics, alpha, share_of_mqls=float(mine.mean()) if len(d) else np.nan,
        share_of_lost=float(mine[lost].mean()) if lost.any() else np.nan,
        before_after=_before_after(d, ids, alignment_start),
    )


def owners_sentence(o: UnderWorkingOwners, *, ids: bool = True) -> str:
    """The owners who under-work, in one sentence for the notebook (``ids=False``: without their
    hashed ids, which differ from one installation's secret key to another's)."""
    if not len(o.table):
        return "Too few reps with enough leads to compare: no rep is judged."
    if not o.flagged:
        return (f"No rep answers slower and gives up sooner than the others, beyond chance ({len(o.table)} reps "
                "tested, Holm-guarded).")
    who = f" (hashed: {', '.join(o.flagged)})" if ids else ""
    text = (f"{len(o.flagged)} of {len(o.table)} reps answer slower and give up sooner than their peers{who}; "
            f"their leads are {o.share_of_mqls:.0%} of the old-enough MQLs and "
            f"{o.share_of_lost:.0%} of the lost ones")
    ba = o.before_after
    if ba:
        text += (f"; after the alignment start ({ba['alignment_start']}) their under-worked share went from "
                 f"{ba['under_worked_before']:.0%} to {ba['under_worked_after']:.0%}: {ba['changed']}")
    return text + "."
