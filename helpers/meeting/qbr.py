"""The quarterly business review pack: the quarter against the previous one and the same
quarter a year before.

The seed article asks for "in-depth quarterly business reviews". :func:`quarterly_review`
answers the questions such a review asks, each from the module that owns the figure:

* **arrivals** - leads reaching each stage in each quarter, and won revenue (module 3's
  ``FunnelModel.counts``);
* **funnel** - each stage's conversion by creation quarter (mature leads only), response
  time and the low-fit / under-worked shares of lost leads (``funnel.quarterly_view``);
* **tiers** - win rate by ICP tier among deals closed in each quarter, and all-time
  (``icp.tier_evidence``): is the ICP still right?
* **score** - the MQL score's calibration and drift by quarter: predicted against observed
  conversion, MQLs' conversion against the other leads', score shift (``scoring.drift_by_period``
  on ``scored_leads.csv``): is the MQL definition still right?
* **plan** - what the plan needs a month against each quarter's arrivals and today's
  run-rate (``revenue.plan_gap``);
* **levers** - what each alignment lever is worth over the projection horizon
  (``revenue.alignment_levers``, ``revenue.sensitivity``), and the modelled uplift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.meeting.inputs import SCORED_FILE, MeetingInputs

#: The quarters a review compares, in display order.
ROLES = ("reviewed", "previous", "year before")
#: ICP tiers marketing is asked to deliver (the SLA's marketing side).
FIT_TIERS = ("A", "B")


@dataclass
class QuarterlyReview:
    """One quarter's business review (see :func:`quarterly_review`).

    Attributes
    ----------
    org, currency : str
    quarters : dict
        Role (``reviewed``, ``previous``, ``year before``) -> ``pandas.Period``.
    data_to : Timestamp
    arrivals, funnel, tiers, score, plan, levers : DataFrame or None
        The blocks (see the module docstring).
    verdicts : dict
        Block -> one sentence answering its question (the ICP, the MQL definition...).
    notes : list of str
        Sentences about the quarters compared (e.g. moved back to the last one with leads).
    facts : dict
        Figures quoted from ``summary.json`` (the score's drift check, the modelled uplift).
    skipped : dict
        Block -> the sentence saying why it is missing.
    """

    org: str
    currency: str
    quarters: dict
    data_to: pd.Timestamp | None
    arrivals: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    tiers: pd.DataFrame | None = None
    score: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    levers: pd.DataFrame | None = None
    verdicts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    @property
    def quarter(self) -> pd.Period:
        """The reviewed quarter."""
        return self.quarters["reviewed"]


def review_quarters(export_date: pd.Timestamp, quarter=None) -> dict:
    """The reviewed quarter (default: the last one complete at the export date), the
    previous one and the same quarter a year before."""
    if quarter is not None:
        q = pd.Period(str(quarter), "Q")
    else:
        q = pd.Timestamp(export_date).to_period("Q")
        if pd.Timestamp(export_date) < q.end_time.normalize():
            q -= 1
    return {"reviewed": q, "previous": q - 1, "year before": q - 4}


def _quarter_with_leads(journeys, quarters: dict) -> tuple[dict, str]:
    """The default quarters, moved back to the last complete quarter in which leads entered the
    funnel when none entered in the default one (an export whose leads stop before its deals)."""
    entered = _quarter_of(journeys.table["entered_at"]).dropna()
    reviewed = quarters["reviewed"]
    if entered.empty or (entered == reviewed).any():
        return quarters, ""
    earlier = entered[entered < reviewed]
    if earlier.empty:
        return quarters, ""
    last = earlier.max()
    moved = review_quarters(last.end_time, str(last))
    return moved, (
        f"No lead entered the funnel in {reviewed} (the last complete quarter of the export): "
        f"the review covers {last}, the last quarter with leads."
    )


def _quarter_of(ts: pd.Series) -> pd.Series:
    return pd.to_datetime(ts).dt.to_period("Q")


# --------------------------------------------------------------------------- funnel


def arrivals_block(inputs: MeetingInputs, quarters: dict) -> pd.DataFrame:
    """Leads reaching each stage (and won revenue) per quarter, from module 3's monthly counts.

    Returns
    -------
    DataFrame: ``stage`` (stages, then ``revenue``) and one column per role.
    """
    model = inputs.revenue_model()
    if model is None:
        raise ValueError(inputs.why("revenue_model"))
    counts = model.counts
    q = counts.index.to_period("Q")
    out = pd.DataFrame({"stage": list(counts.columns)})
    for role, period in quarters.items():
        out[role] = counts[q == period].sum().to_numpy() if (q == period).any() else np.nan
    return out


def funnel_block(inputs: MeetingInputs, quarters: dict) -> pd.DataFrame:
    """Module 2's quarterly view (``funnel.quarterly_view``) for the compared quarters.

    Returns
    -------
    DataFrame, one row per role: ``role``, ``quarter`` and the quarterly view's columns
    (leads, each transition's censored conversion - NaN until measured -, won, won_revenue,
    median_response_hours, low-fit_share, under-worked_share).
    """
    from helpers import funnel

    j = inputs.journeys()
    if j is None:
        raise ValueError(inputs.why("journeys"))
    view = funnel.quarterly_view(
        j, inputs.params["funnel"].get("censor_days"), attribution=inputs.attribution()
    )
    view = view.set_index("quarter")
    rows = []
    for role, period in quarters.items():
        row = view.loc[str(period)] if str(period) in view.index else pd.Series(dtype=float)
        rows.append({"role": role, "quarter": str(period), **row.to_dict()})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- ICP tiers


def _deal_quarters(inputs: MeetingInputs, deals: pd.DataFrame) -> pd.Series:
    """The quarter each closed outcome closed in (opportunities' ``closed_at``, else the
    lead's ``created_at`` for lead-only outcomes)."""
    opps, leads = inputs.data.opportunities, inputs.data.leads
    if opps is not None and {"closed_at", "opportunity_id"} <= set(opps.columns):
        q = _quarter_of(
            deals["opportunity_id"].astype("str").map(_by_id(opps, "opportunity_id", "closed_at"))
        )
        if q.notna().any():
            return q
    return _quarter_of(deals["lead_id"].astype("str").map(_by_id(leads, "lead_id", "created_at")))


def _by_id(df: pd.DataFrame, key: str, value: str) -> pd.Series:
    """``value`` indexed by the text of ``key`` (first row of each id)."""
    ids = df[key].astype("str")
    return pd.Series(df[value].to_numpy(), index=ids.to_numpy())[~ids.duplicated().to_numpy()]


def tiers_block(inputs: MeetingInputs, quarters: dict) -> pd.DataFrame:
    """Win rate by ICP tier among deals closed in each quarter, and over all history.

    Returns
    -------
    DataFrame, one row per (role, tier): ``role`` (the compared quarters, then
    ``all time``), ``quarter``, ``tier``, ``opportunities``, ``wins``, ``win_rate``,
    ``ci_low``, ``ci_high`` (Wilson 95%) - ``icp.tier_evidence`` on those deals.
    """
    from helpers import icp

    if inputs.icp is None:
        raise ValueError("No icp.yml in the report: run module 01 to agree the ICP and its tiers.")
    prepared = icp.prepare_icp(
        leads=inputs.data.leads,
        opportunities=inputs.data.opportunities,
        accounts=inputs.data.accounts,
    )
    closed_q = _deal_quarters(inputs, prepared.deals)
    frames = []
    groups = [(role, str(p), (closed_q == p).to_numpy()) for role, p in quarters.items()]
    groups.append(("all time", "all", np.ones(len(prepared.deals), bool)))
    for role, label, mask in groups:
        sub = replace(
            prepared,
            deals=prepared.deals.loc[mask].reset_index(drop=True),
            accounts=None,
            leads=None,
        )
        ev = icp.tier_evidence(sub, inputs.icp).reset_index()
        ev.insert(0, "quarter", label)
        ev.insert(0, "role", role)
        frames.append(
            ev[
                [
                    "role",
                    "quarter",
                    "tier",
                    "opportunities",
                    "wins",
                    "win_rate",
                    "ci_low",
                    "ci_high",
                ]
            ]
        )
    return pd.concat(frames, ignore_index=True)


def tier_verdict(tiers: pd.DataFrame, role: str = "reviewed") -> str:
    """Does the ICP still separate winners? Tiers A/B pooled against C/D in one quarter."""
    from helpers.core.stats import two_proportion_p

    t = tiers[tiers["role"] == role]
    fit = t["tier"].isin(FIT_TIERS)
    k1, n1 = int(t.loc[fit, "wins"].sum()), int(t.loc[fit, "opportunities"].sum())
    k2, n2 = int(t.loc[~fit, "wins"].sum()), int(t.loc[~fit, "opportunities"].sum())
    quarter = t["quarter"].iloc[0] if len(t) else role
    if n1 == 0 or n2 == 0:
        return (
            f"In {quarter}, {n1} deals closed in tiers A/B and {n2} in C/D: too few to "
            "compare; judge the ICP on the all-time rates."
        )
    p = two_proportion_p(k1, n1, k2, n2)
    gap = k1 / n1 - k2 / n2
    if gap > 0 and p < 0.05:
        judged = "the ICP still separates winners from losers"
    elif gap > 0:
        judged = f"the gap goes the ICP's way but could be chance this quarter (p = {p:.2f})"
    else:
        judged = "the ICP did not separate winners this quarter: put it on the agenda"
    return (
        f"In {quarter}, tiers A/B won {k1 / n1:.0%} of {n1} closed deals against "
        f"{k2 / n2:.0%} of {n2} in C/D: {judged}."
    )


# --------------------------------------------------------------------------- MQL score


def _scored_with_labels(inputs: MeetingInputs) -> pd.DataFrame:
    """``scored_leads.csv`` joined to module 4's labels (``scoring.build_labels``)."""
    from helpers import scoring

    path = Path(inputs.report_dir or "") / SCORED_FILE
    if inputs.report_dir is None or not path.is_file():
        raise ValueError("No scored_leads.csv in the report: run module 04 to score the leads.")
    used = {"lead_id", "scoring_moment", "probability", "mql"}  # not the long reason texts
    scored = pd.read_csv(path, dtype={"lead_id": "string"}, usecols=lambda c: c in used)
    p, d = inputs.params["scoring"], inputs.data
    j = inputs.journeys()  # its export date is the labels' (the latest timestamp anywhere)
    as_of = j.export_date if j is not None and pd.notna(j.export_date) else None
    labels = scoring.build_labels(
        d.leads,
        d.opportunities,
        label_stage=p.get("label_stage", "opportunity"),
        horizon_days=p.get("horizon_days", 90),
        score_after_days=p.get("score_after_days", 0),
        as_of=as_of,
        activities=d.activities if as_of is None else None,
        stages=d.config.stages,
        records_from=p.get("conversions_recorded_from", "auto") or None,
    )
    if labels.mode != "dated":
        raise ValueError(
            "The leads carry no creation dates: the score cannot be reviewed by quarter."
        )
    lab = labels.table[["lead_id", "created_at", "label", "eligible"]].astype({"lead_id": "string"})
    return scored.merge(lab, on="lead_id", how="inner")


def score_block(inputs: MeetingInputs, quarters: dict) -> pd.DataFrame:
    """The MQL score by creation quarter: calibration, drift and the MQLs' conversion.

    Returns
    -------
    DataFrame, one row per role: ``role``, ``period``, ``leads``, ``mql_share``,
    ``predicted_rate`` / ``observed_rate`` / ``labelled_leads`` / ``psi`` / ``drift``
    (``scoring.drift_by_period``; PSI against the scores of the leads created before the
    model's test period), ``mql_rate`` and ``other_rate`` (observed conversion of labelled
    MQLs and of the other labelled leads).
    """
    from helpers import scoring

    m = _scored_with_labels(inputs)
    m["quarter"] = _quarter_of(m["created_at"])
    lab = m["eligible"].astype(bool)
    if "probability" in m.columns:
        test_from = inputs.summary.get("04_mql", {}).get("test_from")
        ref = (
            m["probability"]
            if not test_from
            else m.loc[pd.to_datetime(m["scoring_moment"]) < pd.Timestamp(test_from), "probability"]
        )
        drift = scoring.drift_by_period(
            m["created_at"],
            m["probability"].to_numpy(),
            ref.to_numpy(),
            label=m["label"].to_numpy(),
            eligible=lab.to_numpy(),
            freq="Q",
            psi_alert=inputs.params["scoring"].get("psi_alert", 0.2),
        ).set_index("period")
    else:
        drift = pd.DataFrame()
    rows = []
    for role, q in quarters.items():
        g = m[m["quarter"] == q]
        gl = g[g["eligible"].astype(bool)]
        mql = gl["mql"].astype(bool)
        row = {
            "role": role,
            "period": str(q),
            "leads": len(g),
            "mql_share": float(g["mql"].astype(bool).mean()) if len(g) else np.nan,
            "mql_rate": float(gl.loc[mql, "label"].mean()) if mql.any() else np.nan,
            "other_rate": float(gl.loc[~mql, "label"].mean()) if (~mql).any() else np.nan,
        }
        if str(q) in drift.index:
            d = drift.loc[str(q)]
            row.update(
                {
                    k: d[k]
                    for k in ("predicted_rate", "observed_rate", "labelled_leads", "psi", "drift")
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def score_verdict(score: pd.DataFrame) -> str:
    """Is the MQL definition still right? MQLs against the other leads in the latest compared
    quarter whose leads are old enough to have converted (the reviewed one, else the previous)."""
    s = score.set_index("role")
    judged = [
        role
        for role in ("reviewed", "previous")
        if role in s.index
        and pd.notna(s.loc[role, "mql_rate"])
        and pd.notna(s.loc[role, "other_rate"])
    ]
    if not judged:
        return (
            "No lead of the reviewed or the previous quarter is old enough to know whether "
            "it converted: judge the MQL definition on older quarters."
        )
    r = s.loc[judged[0]]
    reviewed = s.loc["reviewed"]
    text = (
        ""
        if judged[0] == "reviewed"
        else (
            f"No lead was created in {reviewed['period']}; "
            if reviewed["leads"] == 0
            else f"Leads created in {reviewed['period']} are too young to judge; "
        )
    )
    lift = r["mql_rate"] / r["other_rate"] if r["other_rate"] > 0 else np.inf
    text += (
        f"in {r['period']}, MQLs converted at {r['mql_rate']:.0%} against "
        f"{r['other_rate']:.0%} for the other leads ({lift:.1f} times)"
    )
    if pd.notna(r.get("predicted_rate")) and pd.notna(r.get("observed_rate")):
        text += (
            f"; the score predicted {r['predicted_rate']:.0%} and {r['observed_rate']:.0%} "
            f"converted"
        )
    text += "."
    return text[0].upper() + text[1:]


# --------------------------------------------------------------------------- plan and levers


def plan_block(inputs: MeetingInputs, arrivals: pd.DataFrame | None) -> pd.DataFrame:
    """Module 3's monthly need per stage against each quarter's monthly arrivals and the
    run-rate.

    Returns
    -------
    DataFrame, one row per stage: ``stage``, ``needed_per_month``, ``low``, ``high``,
    ``run_rate``, ``p_enough`` (``revenue.plan_gap``) and one column per role holding that
    quarter's arrivals per month.
    """
    gap = inputs.plan_gap()
    if gap is None:
        raise ValueError(inputs.why("plan_gap", "plan", "revenue_model"))
    out = gap[["stage", "needed_per_month", "low", "high", "run_rate", "p_enough"]].copy()
    if arrivals is not None:
        monthly = arrivals.set_index("stage") / 3.0
        for role in ROLES:
            out[role] = out["stage"].map(monthly[role]) if role in monthly else np.nan
    return out


def levers_block(inputs: MeetingInputs) -> pd.DataFrame:
    """Each alignment lever's multiplier and what it is worth over the horizon, as module 3
    computes them (``revenue.alignment_levers`` and ``revenue.sensitivity``).

    Returns
    -------
    DataFrame, one row per lever: ``lever``, ``transition``, ``multiplier``, ``low``,
    ``high``, ``revenue`` (won revenue it adds over ``horizon_months``), ``evidence``.
    """
    from helpers import revenue as rv

    model = inputs.revenue_model()
    if model is None:
        raise ValueError(inputs.why("revenue_model"))
    p, d = inputs.params["revenue"], inputs.data
    levers = rv.alignment_levers(
        model,
        d,  # the activity log is read only when the sales work was not stored
        funnel_summary=inputs.summary.get("02_funnel"),
        plateau=p.get("touches_plateau", 6),
        sla_hours=p.get("sla_hours", 24.0),
        worked_fix=p.get("worked_fix", 1.0),
        sla_fix=p.get("sla_fix", 1.0),
        transition=p.get("lever_transition", "auto"),
        window_months=p.get("rate_window_months", 12),
        n_draws=p.get("n_draws", 4000),
        seed=p.get("seed", 42),
    )
    if not levers.levers:
        raise ValueError(" ".join(levers.notes) or "No alignment lever could be measured.")
    growth = p.get("lead_growth_monthly")
    if growth is None:
        growth = rv.estimate_growth(model.counts[model.top_stage], model.as_of)
    tornado = rv.sensitivity(
        model.rates,
        model.deal,
        model.current[model.top_stage],
        levers.levers,
        horizon=p.get("horizon_months", 24),
        growth=growth,
        step=p.get("sensitivity_step", 0.1),
    ).set_index("driver")
    rows = [
        {
            "lever": lv.name,
            "transition": lv.transition,
            "multiplier": lv.multiplier,
            "low": lv.low,
            "high": lv.high,
            "revenue": float(tornado.loc[lv.name, "high"]),
            "evidence": lv.evidence,
        }
        for lv in levers.levers
    ]
    out = pd.DataFrame(rows).sort_values("revenue", ascending=False).reset_index(drop=True)
    out.attrs["horizon_months"] = p.get("horizon_months", 24)
    out.attrs["tornado_top"] = str(tornado.index[0])
    return out


def summary_facts(summary: dict) -> dict:
    """Figures the review quotes from ``summary.json`` as the modules recorded them."""
    rev, mql = summary.get("03_revenue", {}), summary.get("04_mql", {})
    facts = {}
    if rev.get("scenario"):
        facts["scenario"] = rev["scenario"]
    if rev.get("alignment_effect"):
        facts["alignment_effect"] = rev["alignment_effect"]
    if "drift_latest_period" in mql:
        facts["drift"] = {
            k: mql[k] for k in ("drift_latest_period", "drift_latest_psi", "drift_flag")
        }
    return facts


# --------------------------------------------------------------------------- the review


def _block(review: QuarterlyReview, name: str, compute):
    try:
        value = compute()
    except ValueError as exc:
        value, review.skipped[name] = None, str(exc).strip()
    setattr(review, name, value)
    return value


def quarterly_review(inputs: MeetingInputs, quarter=None) -> QuarterlyReview:
    """The quarterly business review of one org.

    Parameters
    ----------
    inputs : MeetingInputs
        Usually :func:`helpers.meeting.inputs_from_report` (the tiers and score blocks need
        the report's ``icp.yml`` and ``scored_leads.csv``).
    quarter : str, optional
        The reviewed quarter, e.g. ``"2024Q3"``; default the last complete quarter.

    Returns
    -------
    QuarterlyReview
        Blocks the data (or the report) cannot feed are None with a sentence in ``skipped``.
    """
    inputs.require_dates("quarterly review")
    j = inputs.journeys()
    export = j.export_date if j is not None else None
    if export is None and inputs.revenue_model() is not None:
        export = inputs.revenue_model().as_of
    quarters = review_quarters(export if export is not None else pd.Timestamp.today(), quarter)
    note = ""
    if quarter is None and j is not None:
        quarters, note = _quarter_with_leads(j, quarters)
    review = QuarterlyReview(inputs.name, inputs.currency, quarters, export)
    review.notes = [note] if note else []
    arrivals = _block(review, "arrivals", lambda: arrivals_block(inputs, quarters))
    _block(review, "funnel", lambda: funnel_block(inputs, quarters))
    if _block(review, "tiers", lambda: tiers_block(inputs, quarters)) is not None:
        rule = inputs.icp.get("rule", {})
        review.verdicts["tiers"] = (
            tier_verdict(review.tiers)
            if rule.get("conditions")
            else (
                f"{rule.get('text', 'Module 1 found no ICP rule.')} Every account shares one tier, "
                "so the quarter cannot test the ICP: revisit it when module 1 finds a rule."
            )
        )
    if _block(review, "score", lambda: score_block(inputs, quarters)) is not None:
        review.verdicts["score"] = score_verdict(review.score)
    _block(review, "plan", lambda: plan_block(inputs, arrivals))
    _block(review, "levers", lambda: levers_block(inputs))
    review.facts = summary_facts(inputs.summary)
    return review
