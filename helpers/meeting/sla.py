"""The service-level agreement between sales and marketing, computed from the data.

The seed article's agreements ("clear and objective measures", "the number of leads
needed to achieve the revenue plan") become commitments each side can be held to:

* **marketing** delivers the MQLs a month the revenue plan needs (module 3's reverse
  waterfall, with its 90% interval) and keeps at least the share of them in ICP tiers A/B
  that the plan's conversion rates were measured on (module 1's tiers);
* **sales** makes the first response within ``sla_hours`` (module 2's parameter, with the
  speed-to-lead evidence) and works every MQL up to the touches plateau (module 2's
  measured plateau) before closing it out.

Each term carries its evidence (one sentence) and today's compliance: over the last 13
weeks, and over the modules' whole history. :func:`write_sla` writes it as ``sla.yml``
beside ``icp.yml`` and ``mql_definition.yml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.report import plain
from helpers.meeting.brief import TEAM, _subset, last_full_week, sla_block
from helpers.meeting.inputs import SLA_FILE, MeetingInputs
from helpers.revenue.common import STAGE_LABELS, last_complete_month

SLA_VERSION = 1
#: Weeks behind "compliance now".
NOW_WEEKS = 13
#: Tiers the marketing side commits to.
FIT_TIERS = ("A", "B")
#: Months of MQLs behind the agreed tier share (the revenue plan's rate window) and "now".
SHARE_MONTHS, NOW_MONTHS = 12, 3


def _mql_stage(stages) -> str:
    return "mql" if "mql" in stages else stages[0]


def volume_term(inputs: MeetingInputs) -> dict:
    """MQLs a month the plan needs (module 3's ``plan_gap``) against the run-rate."""
    gap = inputs.plan_gap()
    if gap is None:
        raise ValueError(inputs.why("plan_gap", "plan", "revenue_model"))
    g = gap.set_index("stage")
    stage = _mql_stage([s for s in g.index if s != "revenue"])
    plan = inputs.plan()
    return {
        "stage": stage,
        "per_month": int(g.loc[stage, "needed_rounded"]),
        "interval_90": [plain(g.loc[stage, "low"], 1), plain(g.loc[stage, "high"], 1)],
        "now_per_month": plain(g.loc[stage, "run_rate"], 1),
        "p_now_enough": plain(g.loc[stage, "p_enough"], 3),
        "evidence": (
            f"Plan: {plan.source}. Worked back through today's conversion rates, "
            f"{g.loc['revenue', 'needed_per_month']:,.0f} {inputs.currency} a month needs "
            f"{g.loc[stage, 'needed_per_month']:.1f} {STAGE_LABELS.get(stage, stage)} a month "
            f"(90%: {g.loc[stage, 'low']:.0f}-{g.loc[stage, 'high']:.0f}); the last "
            f"{inputs.params['revenue'].get('run_rate_months', 6)} months delivered "
            f"{g.loc[stage, 'run_rate']:.1f} a month (module 3)."
        ),
    }


def _tier_share(inputs: MeetingInputs, start, end) -> tuple[float, int]:
    """Share of MQLs reaching the MQL stage in ``[start, end)`` whose account is in tiers A/B
    (leads without a known tier left out), and how many MQLs had a tier."""
    j = inputs.journeys()
    stage = _mql_stage(j.stages)
    t = j.table
    when = t[f"t_{stage}"]
    mask = (t[f"reached_{stage}"] & (when >= start) & (when < end)).to_numpy()
    if "journey_tiers" not in inputs._cache:
        inputs._cache["journey_tiers"] = _journey_tiers(inputs)
    tier = inputs._cache["journey_tiers"][mask].dropna()
    return (float(tier.isin(FIT_TIERS).mean()) if len(tier) else float("nan")), int(len(tier))


def _journey_tiers(inputs: MeetingInputs) -> pd.Series:
    """ICP tier of each journey's lead (first leads row of its id; NaN when unknown)."""
    from helpers.data import positions_in

    tiers, leads = inputs.lead_tiers(), inputs.data.leads
    ids = leads["lead_id"].astype("str")
    first = ~ids.duplicated().to_numpy()
    pos = positions_in(inputs.journeys().table["lead_id"].astype("str"), ids[first])
    vals = pd.Series(tiers.to_numpy()[first])
    return pd.Series(vals.reindex(pos).to_numpy())  # position -1 is not in the index: NaN


def fit_term(inputs: MeetingInputs) -> dict:
    """The share of MQLs in ICP tiers A/B: the plan's window (the floor) and the last quarter."""
    if inputs.lead_tiers() is None:
        raise ValueError(inputs.why("lead_tiers"))
    if not (inputs.icp or {}).get("rule", {}).get("conditions"):
        raise ValueError(
            "Module 1 found no ICP rule (no segment wins clearly above the others), so there is "
            "no tier share for marketing to commit to."
        )
    j = inputs.journeys()
    stage = _mql_stage(j.stages)
    end = last_complete_month(j.export_date) + pd.DateOffset(months=1)
    floor, n_floor = _tier_share(inputs, end - pd.DateOffset(months=SHARE_MONTHS), end)
    now, n_now = _tier_share(inputs, end - pd.DateOffset(months=NOW_MONTHS), end)
    ev = (inputs.icp or {}).get("tiers", {}).get("evidence", {})
    rates = {}
    for group, tiers in (("A/B", FIT_TIERS), ("C/D", ("C", "D"))):
        n = sum(ev.get(t, {}).get("opportunities") or 0 for t in tiers)
        w = sum(
            (ev.get(t, {}).get("win_rate") or 0) * (ev.get(t, {}).get("opportunities") or 0)
            for t in tiers
        )
        rates[group] = (w / n if n else np.nan, n)
    fit_rate, fit_n = rates["A/B"]
    other_rate, other_n = rates["C/D"]
    if not fit_n or not n_floor:
        raise ValueError(
            "No closed deal or no MQL in ICP tiers A/B: there is no tier share to commit to."
        )
    other = f"{other_rate:.0%} of {other_n} in C/D" if other_n else "no closed deal in C/D"
    label = STAGE_LABELS.get(stage, stage)
    return {
        "stage": stage,
        "tiers": list(FIT_TIERS),
        "min_share": plain(np.floor(floor * 100) / 100, 2),
        "now_share": plain(now, 3),
        "evidence": (
            f"Deals in tiers A/B won {fit_rate:.0%} of {fit_n} closed against {other} (module "
            f"1); {floor:.0%} of the {n_floor} {label} of the last {SHARE_MONTHS} complete "
            f"months were A/B - the mix the plan's conversion rates assume - and {now:.0%} of "
            f"the {n_now} of the last {NOW_MONTHS}."
        ),
    }


def _team(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index("owner_id").loc[TEAM]


def _team_now(inputs: MeetingInputs, targets: dict) -> pd.Series:
    """The team's SLA compliance over the last ``NOW_WEEKS`` full weeks (computed once)."""

    key = f"sla_now_{sorted(targets.items())}"
    if key not in inputs._cache:  # an error is raised to the term, as without the cache
        j = inputs.journeys()
        week = last_full_week(j.export_date)
        inputs._cache[key] = _team(sla_block(inputs, week, targets, weeks=NOW_WEEKS))
    return inputs._cache[key]


def response_term(inputs: MeetingInputs, targets: dict) -> dict:
    """First response within ``sla_hours``: evidence from speed-to-lead, compliance now and
    over module 2's old-enough MQLs."""
    from helpers import funnel

    stl = inputs.speed()
    if stl is None:
        raise ValueError(inputs.why("speed", "journeys"))
    j = inputs.journeys()
    hours = targets["sla_hours"]
    now = _team_now(inputs, targets)
    history = (
        funnel.rep_table(
            _subset(j, np.ones(len(j.table), bool), team=True),
            plateau=targets["plateau"],
            sla_hours=hours,
            target=inputs.target(),
            censor_days=inputs.params["funnel"].get("censor_days"),
            min_leads=1,
        )
        .set_index("owner_id")
        .loc[TEAM]
    )
    b = stl.by_bucket.set_index("bucket")
    rr = stl.adjusted.set_index("bucket")["rr"]
    slow = b.index[2]
    return {
        "first_response_hours": plain(hours, 1),
        "now_share": plain(now["within_sla"], 3),
        "history_share": plain(history["within_sla"], 3),
        "evidence": (
            f"Old-enough MQLs answered {b.index[0]} converted to {stl.target} at "
            f"{b['rate'].iloc[0]:.0%}, {b.index[1]} at {b['rate'].iloc[1]:.0%}, {slow} at "
            f"{b.loc[slow, 'rate']:.0%} (source-adjusted risk ratio of {slow} against "
            f"{b.index[0]}: {rr.get(slow, np.nan):.2f}; module 2)."
        ),
    }


def touches_term(inputs: MeetingInputs, targets: dict) -> dict:
    """At least the plateau's touches before closing an MQL out: evidence from the touches
    curve, compliance now and module 2's share of lost MQLs closed below it."""
    from helpers import funnel

    plateau = inputs.plateau()
    if plateau is None or targets["plateau"] is None:
        raise ValueError(inputs.why("plateau", "journeys") or "No touches plateau was measured.")
    j = inputs.journeys()
    now = _team_now(inputs, targets)
    att = inputs.attribution()
    under = funnel.under_worked_share(att, j, targets["plateau"]) if att is not None else np.nan
    return {
        "min_touches": int(targets["plateau"]),
        "now_share": plain(now.get("reached_plateau"), 3),
        "history_share": plain(1 - under, 3),
        "evidence": f"Touches curve of old-enough MQLs: {plateau.note} (module 2).",
    }


def data_targets(inputs: MeetingInputs) -> dict:
    """The sales terms the data sets: module 2's ``sla_hours`` and its measured plateau."""
    return {
        "sla_hours": float(inputs.params["funnel"].get("sla_hours", 24.0)),
        "plateau": inputs.plateau_touches(),
        "sla_source": "module 2",
    }


def _term(terms: dict, skipped: dict, name: str, compute) -> None:
    try:
        terms[name] = compute()
    except ValueError as exc:
        skipped[name] = str(exc).strip()


def sla_terms(inputs: MeetingInputs) -> dict:
    """The SLA as a plain dict (what ``sla.yml`` holds).

    Returns
    -------
    dict
        ``version``, ``org``, ``currency``, ``data_to``, ``marketing`` (``mqls`` and
        ``icp_fit`` terms), ``sales`` (``first_response_hours``, ``min_touches`` and their
        ``response`` / ``touches`` terms), ``compliance_windows``, ``review``,
        ``not_agreed`` (term -> why the data could not set it).
    """
    targets = data_targets(inputs)
    marketing, sales, skipped = {}, {}, {}
    _term(marketing, skipped, "mqls", lambda: volume_term(inputs))
    _term(marketing, skipped, "icp_fit", lambda: fit_term(inputs))
    _term(sales, skipped, "response", lambda: response_term(inputs, targets))
    _term(sales, skipped, "touches", lambda: touches_term(inputs, targets))
    head = {}
    if "response" in sales:
        head["first_response_hours"] = sales["response"].pop("first_response_hours")
    if "touches" in sales:
        head["min_touches"] = sales["touches"].pop("min_touches")
    sales = {**head, **sales}
    j = inputs.journeys()
    return {
        "version": SLA_VERSION,
        "org": inputs.name,
        "currency": inputs.currency,
        "data_to": f"{j.export_date:%Y-%m-%d}" if j is not None else None,
        "marketing": marketing,
        "sales": sales,
        "compliance_windows": {
            "now": f"the last {NOW_WEEKS} full weeks (MQLs arrived, or closed out, in them)",
            "history": "every MQL old enough to have converted (module 2)",
        },
        "review": "weekly, in the funnel meeting (brief.html); re-agreed at each quarterly review",
        "not_agreed": skipped,
    }


def write_sla(terms: dict, folder: str | Path) -> Path:
    """Write the SLA as ``folder/sla.yml`` (beside ``icp.yml`` and ``mql_definition.yml``)."""
    from helpers.core.report import write_yaml

    return write_yaml(terms, Path(folder) / SLA_FILE)
