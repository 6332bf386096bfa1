"""The aligned scenario's levers: how sales works the leads marketing sends.

Two levers, measured on the org's own mature leads: under-worked leads worked up
to the touches plateau (:func:`worked_lever`) and slow first responses answered
within the SLA (:func:`sla_lever`). :func:`alignment_levers` picks the conversion
they move (module 2's findings when present) and combines them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.stats import beta_posterior
from helpers.data import positions_in, text_equals
from helpers.revenue.common import as_timestamp, has_values

if TYPE_CHECKING:
    from helpers.revenue.funnel_model import FunnelModel


def _touches_from_activities(
    out: pd.DataFrame,
    activities: pd.DataFrame,
    work_start: pd.Series,
    end: pd.Series,
    team_value: str,
) -> None:
    """Sales touches between the start and end of each lead's work, and its first-touch delay."""
    base_index = out.index
    a = activities
    if "team" in a.columns and a["team"].notna().any():
        a = a[text_equals(a["team"], team_value)]
    pos = positions_in(a["lead_id"], base_index)
    ok = pos >= 0
    pos = pos[ok]
    occ = a["occurred_at"].to_numpy("datetime64[ns]")[ok].view("int64")
    ws = work_start.to_numpy("datetime64[ns]").view("int64")[pos]
    we = pd.to_datetime(end).to_numpy("datetime64[ns]").view("int64")[pos]
    nat = np.iinfo(np.int64).min
    after = (occ != nat) & (occ >= ws)
    inwin = after & (occ < we)
    out["touches"] = np.bincount(pos[inwin], minlength=len(base_index)).astype(float)
    first = np.full(len(base_index), nat, dtype=np.int64)
    if after.any():
        f = pd.Series(occ[after]).groupby(pos[after]).min()
        first[f.index.to_numpy()] = f.to_numpy()
    first_t = pd.Series(first.view("datetime64[ns]"), index=base_index)
    out["response_hours"] = (first_t - work_start) / pd.Timedelta(hours=1)
    out.attrs["touch_source"] = "activities"


def _touches_from_aggregates(out: pd.DataFrame, leads: pd.DataFrame, work_start: pd.Series) -> None:
    """Touches and first-touch delay from ``sales_touches`` / ``first_sales_touch_at``."""
    lk = leads.set_index(leads["lead_id"].astype("string"))
    if "sales_touches" in lk.columns:
        out["touches"] = lk["sales_touches"].reindex(out.index).astype(float).to_numpy()
    else:
        out["touches"] = np.nan
    if "first_sales_touch_at" in lk.columns:
        f = pd.to_datetime(lk["first_sales_touch_at"].reindex(out.index))
        out["response_hours"] = ((f - work_start) / pd.Timedelta(hours=1)).to_numpy()
    else:
        out["response_hours"] = np.nan
    out.attrs["touch_source"] = "aggregates"


def sales_work(
    times: pd.DataFrame,
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
    start_stage: str,
    target_stage: str,
    as_of,
    *,
    team_value: str = "sales",
) -> pd.DataFrame:
    """Sales touches and first-response time of each lead that reached ``start_stage``.

    Touches are sales activities from the moment the lead reached ``start_stage``
    (the MQL: sales work starts there) until it reached ``target_stage`` (or until
    it was disqualified / the data end when it did not): touches after the
    conversion are not credited to it, so early converters do not look
    under-worked. Response time is hours from the start stage to the first sales
    touch (NaN = never touched). Without an activity log, the leads' aggregate
    columns ``sales_touches`` and ``first_sales_touch_at`` are used (touches are
    then not limited to before the conversion, which flatters heavy working).

    Returns
    -------
    DataFrame
        Indexed by lead: ``start`` (start-stage time), ``touches``,
        ``response_hours``, ``converted`` (reached ``target_stage``); attrs
        ``touch_source`` ("activities" or "aggregates").
    """
    as_of = as_timestamp(as_of)
    for s in (start_stage, target_stage):
        if s not in times.columns:
            raise ValueError(
                f"The stage '{s}' is not in this org's funnel, so sales work cannot be measured "
                "from it."
            )
    base = times[times[f"reached_{start_stage}"] & times[start_stage].notna()]
    work_start = base[start_stage]
    converted = base[f"reached_{target_stage}"].astype(bool)
    end = base[target_stage].where(converted & base[target_stage].notna(), pd.NaT)
    if "disqualified_at" in leads.columns:
        dq = pd.Series(leads["disqualified_at"].to_numpy(), index=times.index).reindex(base.index)
        end = end.where(end.notna(), dq)
    end = end.fillna(as_of)
    out = pd.DataFrame({"start": work_start, "converted": converted.to_numpy()}, index=base.index)
    if activities is not None and has_values(activities, "lead_id", "occurred_at"):
        _touches_from_activities(out, activities, work_start, end, team_value)
    elif has_values(leads, "sales_touches") or has_values(leads, "first_sales_touch_at"):
        _touches_from_aggregates(out, leads, work_start)
    else:
        raise ValueError(
            "Sales-work levers need an activities table (lead_id, occurred_at, team) "
            "or the leads' sales_touches / first_sales_touch_at columns."
        )
    return out


def work_target(stages: Sequence[str]) -> str:
    """Where sales work on an MQL aims: the opportunity, else the won deal."""
    return "opportunity" if "opportunity" in stages else "won"


def mature_work(
    work: pd.DataFrame, as_of, maturity_days: float, window_months: int = 12
) -> pd.DataFrame:
    """Leads old enough to have converted (censoring rule), from the last ``window_months``."""
    cutoff = as_timestamp(as_of) - pd.Timedelta(days=maturity_days)
    mature = work[work["start"] <= cutoff]
    recent = mature[mature["start"] > cutoff - pd.DateOffset(months=window_months)]
    return recent if len(recent) else mature


@dataclass
class Lever:
    """One alignment lever: which conversion it moves and by how much.

    ``multiplier`` is the relative change of the conversion ``transition``
    (1.10 = +10%), ``draws`` its Monte Carlo draws, ``detail`` the figures behind
    it (a sentence in ``evidence``).
    """

    name: str
    transition: str
    multiplier: float
    draws: np.ndarray = field(repr=False)
    evidence: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def low(self) -> float:
        """5th percentile of the multiplier's draws."""
        return float(np.quantile(self.draws, 0.05))

    @property
    def high(self) -> float:
        """95th percentile of the multiplier's draws."""
        return float(np.quantile(self.draws, 0.95))


def conversion_by_touches(
    work: pd.DataFrame, plateau: int, prior: tuple[float, float] = (1.0, 1.0)
) -> pd.DataFrame:
    """Conversion of touched leads by their number of sales touches, pooled from the plateau up.

    Only leads with at least one sales touch count (never-touched leads - rejected
    for fit, or never answered - are a different problem). Touches are those made
    before the conversion (:func:`sales_work`).

    Returns
    -------
    DataFrame
        ``touches`` (1 .. plateau, the last row meaning "plateau or more"),
        ``leads``, ``converted``, ``rate``, ``alpha``, ``beta``.
    """
    w = work[work["touches"].notna() & (work["touches"] > 0)]
    n = np.minimum(w["touches"].to_numpy(float), plateau).astype(int)
    conv = w["converted"].to_numpy(bool)
    leads = np.bincount(n, minlength=plateau + 1)[1 : plateau + 1]
    won = np.bincount(n[conv], minlength=plateau + 1)[1 : plateau + 1]
    a, b = beta_posterior(won, leads, prior)
    out = pd.DataFrame({"touches": np.arange(1, plateau + 1), "leads": leads, "converted": won})
    out["rate"] = np.where(leads > 0, won / np.maximum(leads, 1), np.nan)
    out["alpha"], out["beta"] = a, b
    return out


def worked_lever(
    work: pd.DataFrame,
    transition: str,
    *,
    plateau: int = 6,
    fix: float = 1.0,
    n_draws: int = 4000,
    seed: int = 42,
) -> Lever:
    """Under-worked leads worked up to the touches plateau.

    Touched leads with ``n < plateau`` sales touches converted at ``rate(n)``;
    worked to the plateau they would convert like the leads that got it,
    ``rate(plateau+)`` (:func:`conversion_by_touches`). Extra conversions =
    ``fix x sum_n leads(n) x max(rate(plateau+) - rate(n), 0)``; the multiplier is
    (conversions + extra) / conversions of all the leads. It assumes an
    under-worked lead responds to touches like the leads sales kept working, an
    optimistic reading of observational data (which is why the result is a
    scenario); where converters stop being touched once they convert, ``rate(n)``
    for few touches is flattered and the gain understated.
    """
    if not 0 <= fix <= 1:
        raise ValueError(
            "The share of under-worked leads that would be worked must be between 0 and 1."
        )
    if plateau < 2:
        raise ValueError("The touches plateau must be at least 2 touches.")
    w = work[work["touches"].notna()]
    if w.empty or not (w["touches"] > 0).any():
        raise ValueError("No lead has a sales touch, so the touches lever cannot be measured.")
    k = float(w["converted"].sum())
    if k == 0:
        raise ValueError("No lead converted, so the gain from more touches cannot be measured.")
    c = conversion_by_touches(w, plateau)
    under, top = c.iloc[:-1], c.iloc[-1]
    if top["leads"] == 0:
        raise ValueError(
            f"No lead got {plateau} sales touches or more, so their conversion is unknown."
        )
    n_under = under["leads"].to_numpy(float)
    r_under = np.where(n_under > 0, under["rate"].fillna(0.0).to_numpy(float), 0.0)
    e_point = float(np.sum(n_under * np.clip(top["rate"] - r_under, 0, None)))
    rng = np.random.default_rng(seed)
    d_top = rng.beta(top["alpha"], top["beta"], size=(n_draws, 1))
    d_under = rng.beta(
        under["alpha"].to_numpy(float), under["beta"].to_numpy(float), size=(n_draws, len(under))
    )
    e_draws = np.sum(n_under[None, :] * np.clip(d_top - d_under, 0, None), axis=1)
    m_point = (k + fix * e_point) / k
    m_draws = (k + fix * e_draws) / k
    detail = {
        "leads": int(len(w)),
        "touched": int(c["leads"].sum()),
        "converted": int(k),
        "under_worked": int(n_under.sum()),
        "under_worked_share": float(n_under.sum() / max(c["leads"].sum(), 1)),
        "rate_at_plateau": float(top["rate"]),
        "rate_under_worked": float(under["converted"].sum() / max(n_under.sum(), 1)),
        "extra_conversions": fix * e_point,
        "plateau": int(plateau),
    }
    ev = (
        f"{int(n_under.sum()):,} of {int(c['leads'].sum()):,} touched mature leads got fewer than "
        f"{plateau} sales touches and converted at {detail['rate_under_worked']:.1%}, against "
        f"{top['rate']:.1%} with {plateau} or more; worked to {plateau}, about "
        f"{fix * e_point:,.0f} more would convert (+{m_point - 1:.0%} on {transition})."
    )
    return Lever(
        f"Work under-worked leads to {plateau} touches", transition, m_point, m_draws, ev, detail
    )


def sla_lever(
    work: pd.DataFrame,
    transition: str,
    *,
    sla_hours: float = 24,
    fix: float = 1.0,
    n_draws: int = 4000,
    seed: int = 42,
) -> Lever:
    """Touched leads answered after the SLA answered within it instead.

    Among leads with a sales touch, slow leads (first touch after ``sla_hours``)
    would convert like fast ones: extra = ``fix x slow leads x (rate_fast -
    rate_slow)``. Never-touched leads belong to the touches lever. The multiplier
    is (conversions + extra) / conversions; it is below 1 when fast answers did not
    convert better here (the aligned scenario then leaves it out).
    """
    if not 0 <= fix <= 1:
        raise ValueError(
            "The share of slow leads that would be answered within the SLA must be between 0 and 1."
        )
    touched = work[work["response_hours"].notna()]
    if touched.empty:
        raise ValueError("No lead has a first sales touch, so response time cannot be measured.")
    fast = touched["response_hours"].to_numpy(float) <= sla_hours
    conv = touched["converted"].to_numpy(bool)
    n_f, k_f = int(fast.sum()), int(conv[fast].sum())
    n_s, k_s = int((~fast).sum()), int(conv[~fast].sum())
    name = f"Answer leads within {sla_hours:g} h"
    if n_f == 0 or n_s == 0:
        return Lever(
            name,
            transition,
            1.0,
            np.ones(n_draws),
            "All touched leads fall on one side of the SLA: no contrast to measure.",
            {"fast_share": n_f / len(touched)},
        )
    k = float(work["converted"].sum())
    rng = np.random.default_rng(seed + 1)
    a_f, b_f = beta_posterior(k_f, n_f)
    a_s, b_s = beta_posterior(k_s, n_s)
    r_f, r_s = k_f / n_f, k_s / n_s
    d_f, d_s = rng.beta(a_f, b_f, n_draws), rng.beta(a_s, b_s, n_draws)
    m_point = (k + fix * n_s * (r_f - r_s)) / k
    m_draws = (k + fix * n_s * (d_f - d_s)) / k
    detail = {
        "touched": int(len(touched)),
        "fast_share": n_f / len(touched),
        "rate_fast": r_f,
        "rate_slow": r_s,
        "extra_conversions": fix * n_s * (r_f - r_s),
        "sla_hours": float(sla_hours),
    }
    ev = (
        f"{n_s:,} of {len(touched):,} touched leads were first answered after {sla_hours:g} h; "
        f"they converted at {r_s:.1%} against {r_f:.1%} for leads answered in time "
        f"({m_point - 1:+.0%} on {transition} if they had been answered in time)."
    )
    return Lever(name, transition, m_point, m_draws, ev, detail)


def combine_levers(levers: Sequence[Lever], name: str = "Aligned sales follow-up") -> Lever | None:
    """The levers that help (point multiplier above 1), multiplied together.

    Levers on the same conversion combine multiplicatively; a lead that was both
    slow and under-worked then counts in both, a slight overstatement the notebook
    states. Levers whose evidence shows no gain are left out.
    """
    keep = [lv for lv in levers if lv.multiplier > 1]
    if not keep:
        return None
    trans = {lv.transition for lv in keep}
    if len(trans) > 1:
        raise ValueError("Combine levers one conversion at a time.")
    draws = np.prod(np.vstack([lv.draws for lv in keep]), axis=0)
    point = float(np.prod([lv.multiplier for lv in keep]))
    return Lever(name, keep[0].transition, point, draws, "; ".join(lv.name for lv in keep))


@dataclass
class LeverSet:
    """The aligned scenario's levers, their combination and what was used to build them."""

    levers: list
    combined: Lever | None
    notes: list
    plateau: int | None = None
    transition: str | None = None


def _plateau_and_transition(
    span: list[str], funnel_summary: Mapping | None, plateau: int, transition: str, notes: list[str]
) -> tuple[int, str]:
    """The touches plateau and the conversion the levers move, each with a note saying why."""
    fs = dict(funnel_summary or {})
    p = fs.get("touches_plateau")
    if isinstance(p, int | float) and p and p > 0:
        plateau = int(p)
        notes.append(f"Touches plateau {plateau}: from module 2's findings (summary.json).")
    else:
        notes.append(
            f"Touches plateau {plateau}: the notebook parameter (module 2's finding not available)."
        )
    big = fs.get("biggest_leak") if isinstance(fs.get("biggest_leak"), dict) else {}
    leak = big.get("stage") if big.get("cause") == "under-worked" else None
    if leak in span:
        chosen = leak
        notes.append(
            f"The levers move {chosen}: module 2 found it the biggest leak, caused by "
            "under-working."
        )
    elif transition in span:
        chosen = transition
        notes.append(f"The levers move {chosen} (parameter lever_transition).")
    else:
        into_sql = [t for t in span if t.endswith("->sql")]
        chosen = into_sql[0] if into_sql else span[0]
        notes.append(f"The levers move {chosen}, the sales qualification step.")
    return plateau, chosen


def _measure_levers(
    mw: pd.DataFrame, chosen: str, settings, notes: list[str], n_draws: int, seed: int
):
    """Both levers on the mature work table; a lever that cannot be measured adds a note instead."""
    levers = []
    for fn, kw in settings:
        try:
            lv = fn(mw, chosen, n_draws=n_draws, seed=seed, **kw)
        except ValueError as exc:
            notes.append(str(exc))
            continue
        levers.append(lv)
        notes.append(lv.evidence)
        if lv.multiplier <= 1:
            notes.append(
                f"'{lv.name}' shows no gain on this data, so the aligned scenario leaves it out."
            )
    return levers


def alignment_levers(
    model: FunnelModel,
    leads,
    activities: pd.DataFrame | None = None,
    *,
    funnel_summary: Mapping | None = None,
    plateau: int = 6,
    sla_hours: float = 24.0,
    worked_fix: float = 1.0,
    sla_fix: float = 1.0,
    transition: str = "auto",
    window_months: int = 12,
    n_draws: int = 4000,
    seed: int = 42,
) -> LeverSet:
    """The sales-work levers of the aligned scenario, from module 2's evidence or the data.

    Sales work starts at the MQL and aims at the opportunity (the last stage when
    there is none), as in module 2. The touches plateau and the conversion the
    levers move come from module 2's ``summary.json`` entry (``funnel_summary``:
    ``touches_plateau``, ``biggest_leak.stage``) when present, else from
    ``plateau`` and ``transition`` (``"auto"``: the conversion into SQL, else the
    first conversion after the MQL). The levers' sizes are measured on this org's
    mature leads (:func:`worked_lever`, :func:`sla_lever`).

    ``leads`` is the leads table (with ``activities`` the activity log), or the org's
    tables (``OrgData``): then the activity log is read only when the model carries no
    sales work stored with the tables (:attr:`FunnelModel.work`).
    """
    if leads is not None and not isinstance(leads, pd.DataFrame):  # the org's tables
        data = leads
        leads = data.leads
        activities = data.activities if model.work is None else None
    notes: list[str] = []
    if "mql" not in model.stages:
        notes.append(
            "No MQL dates: the sales-work levers (touches, response time) cannot be measured, "
            "so the aligned scenario is skipped."
        )
        return LeverSet([], None, notes)
    target = work_target(model.stages)
    i0, i1 = model.stages.index("mql"), model.stages.index(target)
    plateau, chosen = _plateau_and_transition(
        model.transitions[i0:i1], funnel_summary, plateau, transition, notes
    )
    maturity = float(model.rates.iloc[i0:i1]["maturity_days"].sum())
    try:
        work = model.work
        if work is None:
            work = sales_work(model.times, leads, activities, "mql", target, model.as_of)
    except ValueError as exc:
        notes.append(f"{exc} The aligned scenario is skipped.")
        return LeverSet([], None, notes, plateau, chosen)
    mw = mature_work(work, model.as_of, maturity, window_months)
    settings = (
        (worked_lever, {"plateau": plateau, "fix": worked_fix}),
        (sla_lever, {"sla_hours": sla_hours, "fix": sla_fix}),
    )
    levers = _measure_levers(mw, chosen, settings, notes, n_draws, seed)
    if work.attrs.get("touch_source") == "aggregates":
        notes.append(
            "Touch counts come from lead aggregates (no activity log), so they include touches "
            "after the conversion: the touches lever is overstated."
        )
    combined = combine_levers(levers)
    if combined is not None and len([lv for lv in levers if lv.multiplier > 1]) > 1:
        notes.append(
            "Both levers are multiplied together; a lead both slow and under-worked counts in "
            "both, a slight overstatement."
        )
    return LeverSet(levers, combined, notes, plateau, chosen)
