"""The sign-off sheet: the ICP rule, the MQL points table and the SLA on one page, each with
its evidence line, and signature lines for the heads of sales and marketing and the CEO.

The seed article: leadership agrees on the ideal customer and "the CEO makes the final
call"; sales and marketing agree "clear and objective measures" for the MQL. The sheet is
read from the artifacts the modules wrote (``icp.yml``, ``mql_definition.yml``) and the
SLA (``sla.yml``); it computes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.meeting.inputs import ICP_FILE, MQL_FILE, SLA_FILE
from helpers.revenue.common import STAGE_LABELS

#: Who signs, and what their signature stands for.
SIGNATORIES = (
    ("Head of marketing", "delivers the MQLs and the ICP share below"),
    ("Head of sales", "answers and works every MQL as agreed below"),
    ("CEO", "makes the final call on the ideal customer"),
)
#: Longest bin label printed (the full value lists are in ``mql_definition.yml``).
MAX_BIN_LABEL = 46


@dataclass
class SignOff:
    """What the sign-off sheet shows; a part whose artifact is missing is None.

    Attributes
    ----------
    org : str
    data_to : str or None
        Date of the data the agreement is built on.
    icp : dict or None
        ``rule``, ``conditions`` (text and evidence per condition), ``buyer``,
        ``evidence``, ``tiers``.
    mql : dict or None
        ``kind`` (``points`` or ``rule``), ``threshold_points``, ``features`` (label and
        bins with points), ``rule``, ``evidence``, ``capacity``, ``label``.
    sla : list of dict or None
        One line per term: ``side``, ``term``, ``now``, ``evidence``.
    missing : dict
        Part -> the sentence saying which artifact is missing and what to run.
    """

    org: str
    data_to: str | None
    icp: dict | None = None
    mql: dict | None = None
    sla: list | None = None
    missing: dict = field(default_factory=dict)
    signatories: tuple = SIGNATORIES


def _pct(x) -> str:
    return "n/a" if x is None or x != x else f"{x:.0%}"


def _num(x, nd: int = 0) -> str:
    return "n/a" if x is None or x != x else f"{x:,.{nd}f}"


def icp_part(icp: dict) -> dict:
    """The ICP rule, its conditions with their evidence, the buyer profile and the tiers."""
    rule = icp.get("rule", {})
    ev = rule.get("evidence", {})
    fit_ev = icp.get("fit_model", {}).get("evidence", {})
    conditions = []
    for c in rule.get("conditions", []):
        e = fit_ev.get(c.get("dimension"), {})
        detail = (
            f"odds ratio {_num(e['odds_ratio'], 2)}, p = {_num(e['p_value'], 3)}"
            if e.get("odds_ratio") is not None and e.get("p_value") is not None
            else ""
        )
        conditions.append({"text": c.get("text", ""), "evidence": detail})
    personas = icp.get("personas", {})
    buyer = "; ".join(
        f"{p.get('label', k)}: {', '.join(p.get('segments', []))}"
        for k, p in personas.items()
        if p.get("segments")
    )
    evidence = ""
    if ev.get("opportunities") and ev.get("win_rate") is not None:
        evidence = (
            f"{ev['opportunities']} closed deals inside the rule won {_pct(ev.get('win_rate'))} "
            f"(95% interval {_pct(ev.get('ci_low'))}-{_pct(ev.get('ci_high'))}) against "
            f"{_pct(ev.get('outside_win_rate'))} outside (lift {_num(ev.get('lift'), 2)}); "
            f"{_pct(ev.get('won_revenue_share'))} of won revenue, "
            f"{_pct(ev.get('accounts_share'))} of accounts."
        )
    tiers = icp.get("tiers", {}).get("evidence", {})
    tier_line = ", ".join(
        f"{t} {_pct(e.get('win_rate'))} of {e.get('opportunities', 0)}"
        for t, e in tiers.items()
        if e.get("opportunities")
    )
    return {
        "rule": rule.get("text", "(no rule)"),
        "conditions": conditions,
        "buyer": buyer,
        "evidence": evidence,
        "tiers": f"Win rate by tier: {tier_line}." if tier_line else "",
    }


def _bin_label(b: dict) -> str:
    text = str(b.get("bin", ""))
    if len(text) > MAX_BIN_LABEL:
        text = text[: MAX_BIN_LABEL - 3].rstrip(" ,") + "..."
    return text + (" (and any other)" if b.get("also") else "")


def mql_part(mql: dict) -> dict:
    """The MQL points table and threshold (or the agreed rule below the sufficiency gate)."""
    if "features" not in mql:
        return {
            "kind": "rule",
            "rule": mql.get("rule", ""),
            "evidence": mql.get("why_rules", ""),
            "label": mql.get("label", ""),
            "features": [],
            "threshold_points": None,
            "capacity": "",
        }
    features = [
        {
            "label": f.get("label", f.get("feature")),
            "bins": [{"bin": _bin_label(b), "points": b.get("points")} for b in f.get("bins", [])],
        }
        for f in mql["features"]
    ]
    agree = mql.get("agreement_with_best_model", {})
    evidence = ""
    if agree:
        evidence = (
            f"On the out-of-time test leads the points table ranks leads like the best "
            f"model (rank correlation {_num(agree.get('rank_correlation'), 2)}; ROC "
            f"AUC {_num(agree.get('auc_points'), 3)} against "
            f"{_num(agree.get('auc_best_model'), 3)})."
        )
    return {
        "kind": "points",
        "threshold_points": mql.get("threshold_points"),
        "features": features,
        "evidence": evidence,
        "capacity": mql.get("capacity", {}).get("note", ""),
        "label": mql.get("label", ""),
        "rule": mql.get("definition", ""),
    }


def _now(t: dict) -> str:
    return f"{_pct(t.get('now_share'))} (history {_pct(t.get('history_share'))})"


def sla_part(sla: dict) -> list[dict]:
    """One line per SLA term: who commits to what, today's compliance and the evidence."""
    m, s = sla.get("marketing", {}), sla.get("sales", {})
    lines = []
    if "mqls" in m:
        t = m["mqls"]
        lo, hi = t.get("interval_90", [None, None])
        label = STAGE_LABELS.get(t["stage"], t["stage"])
        lines.append(
            {
                "side": "Marketing",
                "term": f"delivers at least {t['per_month']} {label} a month (90% "
                f"interval {_num(lo)}-{_num(hi)})",
                "now": f"{_num(t.get('now_per_month'))} a month",
                "evidence": t.get("evidence", ""),
            }
        )
    if "icp_fit" in m:
        t = m["icp_fit"]
        label = STAGE_LABELS.get(t.get("stage", "mql"), "MQLs")
        lines.append(
            {
                "side": "Marketing",
                "term": f"keeps at least {_pct(t['min_share'])} of {label} in ICP tiers "
                f"{'/'.join(t['tiers'])}",
                "now": _pct(t.get("now_share")),
                "evidence": t.get("evidence", ""),
            }
        )
    if "response" in s:
        lines.append(
            {
                "side": "Sales",
                "term": f"makes the first contact within "
                f"{_num(s.get('first_response_hours'))} h of every MQL",
                "now": _now(s["response"]),
                "evidence": s["response"].get("evidence", ""),
            }
        )
    if "touches" in s:
        lines.append(
            {
                "side": "Sales",
                "term": f"makes at least {s.get('min_touches')} touches before closing an MQL out",
                "now": _now(s["touches"]),
                "evidence": s["touches"].get("evidence", ""),
            }
        )
    return lines


def signoff_sheet(
    icp: dict | None, mql: dict | None, sla: dict | None, *, org: str, data_to: str | None = None
) -> SignOff:
    """The sign-off sheet from the three agreements (any may be missing).

    Parameters
    ----------
    icp, mql, sla : dict or None
        The contents of ``icp.yml``, ``mql_definition.yml`` and ``sla.yml``.
    org : str
        The organization's name.
    data_to : str, optional
        Date of the data the agreements are built on.
    """
    sheet = SignOff(org, data_to)
    parts = (
        ("icp", icp, icp_part, "icp.yml is missing: run module 01 (define the ICP)."),
        ("mql", mql, mql_part, "mql_definition.yml is missing: run module 04 (MQL classifier)."),
        ("sla", sla, sla_part, "sla.yml is missing: run the curriculum to compute it."),
    )
    for name, content, build, missing in parts:
        if content:
            setattr(sheet, name, build(content))
        else:
            sheet.missing[name] = missing
    if sla:
        for term, why in (sla.get("not_agreed") or {}).items():
            sheet.missing[f"sla: {term}"] = why
    return sheet


def signoff_from_report(report_dir: str | Path) -> SignOff:
    """:func:`signoff_sheet` from a report folder's ``icp.yml``, ``mql_definition.yml`` and
    ``sla.yml``."""
    from helpers.core.report import read_summary
    from helpers.meeting.inputs import read_artifact

    folder = Path(report_dir)
    run = read_summary(folder).get("_run", {})
    sla = read_artifact(folder, SLA_FILE)
    icp = read_artifact(folder, ICP_FILE)
    org = run.get("org") or (sla or {}).get("org") or (icp or {}).get("org") or folder.name
    return signoff_sheet(
        icp,
        read_artifact(folder, MQL_FILE),
        sla,
        org=org,
        data_to=(sla or {}).get("data_to") or run.get("data_to"),
    )
