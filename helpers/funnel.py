"""Funnel leakage: where leads leak, how fast sales responds, how many touches they get,
and whose side each leak is on (module 2).

The analysis starts from one row per lead, its *journey*: the date it reached each
stage of the org's funnel (``org.yml: stages``), whether it became an opportunity and
was won, and when it was closed out. Every metric below reads that table.

Two rules apply everywhere:

* **Right-censoring.** A lead counts in a stage's conversion only once it has had
  ``k`` days to convert (``k`` = the 90th percentile of that stage's lag among leads
  that did convert, or a parameter), counted back from the export date (the latest
  timestamp in the data). Younger leads are left out of the rate - neither converted
  nor lost - because they may still convert.
* **Recycled leads** (the same ``person_key`` entering again) are counted once: the
  record that went furthest down the funnel is kept.

Plot functions live in :mod:`helpers.funnel_plots`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.report import plain
from helpers.core.stats import mantel_haenszel_rr, two_proportion_p, wilson_interval
from helpers.data import positions_in, text_equals

DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)

#: Response-time buckets (hours from MQL to the first sales touch).
RESPONSE_BUCKETS = ["<1h", "1-24h", ">24h", "never"]
#: Used instead when timestamps carry no time of day.
RESPONSE_BUCKETS_DAYS = ["same day", "1-2 days", ">2 days", "never"]

#: External benchmark ranges for stage-to-stage conversion, clearly external: they come
#: from other companies, were measured with other stage definitions, and are graded.
BENCHMARKS = pd.DataFrame(
    [
        ("inquiry->mql", 0.10, 0.25, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("mql->sal", 0.40, 0.60, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("sal->sql", 0.50, 0.70, "SiriusDecisions Demand Waterfall, as summarised in practitioner glossaries (e.g. MV3 Marketing)", "secondary, indicative"),
        ("mql->sql", 0.13, 0.50, "Vendor blog compilations citing HubSpot / First Page Sage (ranges disagree)", "secondary, indicative"),
        ("sql->opportunity", 0.50, 0.75, "Vendor blog compilations citing HubSpot / First Page Sage", "secondary, indicative"),
        ("opportunity->won", 0.20, 0.30, "Vendor blog compilations (mid-market B2B; enterprise lower)", "secondary, indicative"),
    ],
    columns=["transition", "low", "high", "source", "grade"],
)

#: Published claims this module tests on the org's own data (graded, not asserted as fact).
CLAIMS = pd.DataFrame(
    [
        (
            "speed_to_lead",
            "Firms that tried to contact a web lead within an hour were ~7x as likely to qualify it "
            "as those an hour later, and >60x as likely as those waiting 24h or more",
            "Oldroyd, McElheran & Elkington, 'The Short Life of Online Sales Leads', HBR, March 2011 "
            "(1.25M leads at 29 B2C and 13 B2B firms; one author ran a lead-response vendor)",
            "primary study summarised in a practitioner journal; qualification = a conversation, "
            "not revenue; indicative",
        ),
        (
            "speed_to_lead_audit",
            "Of 2,241 US firms sent a web lead, 37% responded within 1h, 16% in 1-24h, 24% after "
            "24h and 23% never",
            "Same HBR article (audit of test leads)",
            "primary audit summarised in a practitioner journal; indicative",
        ),
        (
            "buyer_journey",
            "Buyers are 60-70% through their purchase journey before they contact sales",
            "The seed article citing CEB / Google (2012 white paper; CEB's own headline figure "
            "was 57%, from a buyer survey)",
            "secondary, indicative: self-reported progress, not CRM data",
        ),
        (
            "touches",
            "Sales must contact a lead 6 or 7 times to engage it",
            "The seed article (practitioner opinion, no study cited)",
            "opinion, tested here, not repeated",
        ),
    ],
    columns=["claim", "statement", "source", "grade"],
)


# --------------------------------------------------------------------------- statistics


# --------------------------------------------------------------------------- journeys


def transitions(stages: list[str]) -> list[str]:
    """Stage-to-stage transitions as ``"a->b"`` labels."""
    return [f"{a}->{b}" for a, b in zip(stages[:-1], stages[1:])]


def split_transition(transition: str) -> tuple[str, str]:
    a, _, b = transition.partition("->")
    return a, b


@dataclass
class Journeys:
    """One row per lead (recycled leads counted once) and what the analysis knows of it.

    Attributes
    ----------
    table : DataFrame
        ``lead_id``, attributes kept from the leads table (``source``, ``owner_id``,
        ``account_id``, ...), ``entered_at`` (first stage date), for each stage ``s``:
        ``t_s`` (date reached; a skipped stage takes the next stage's date) and
        ``reached_s`` (bool), ``dated_s`` (the export gave the date), plus ``closed_at``
        (closed out / opportunity lost), ``won_amount``.
    stages : list of str
        The org's stages, in order.
    export_date : Timestamp
        The latest timestamp in the data: ages are counted back from it.
    recycled_dropped : int
        Lead records dropped because the same person entered again.
    recording_start : dict
        ``stage -> date`` for stages whose records start late (e.g. won deals recorded
        only from some date on): leads that entered the previous stage before it are
        left out of that transition's rates.
    date_only : bool
        True when the stage timestamps carry no time of day.
    """

    table: pd.DataFrame
    stages: list[str]
    export_date: pd.Timestamp
    recycled_dropped: int = 0
    recording_start: dict = field(default_factory=dict)
    date_only: bool = False
    contract: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def transitions(self) -> list[str]:
        return transitions(self.stages)


def is_date_only(*series: pd.Series) -> bool:
    """True when every non-missing timestamp in ``series`` sits at midnight."""
    seen = False
    for s in series:
        if s is None:
            continue
        v = s.dropna()
        if len(v) == 0:
            continue
        seen = True
        if (v != v.dt.normalize()).any():
            return False
    return seen


def _has(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df.columns and df[col].notna().any()


def _opportunity_links(
    leads: pd.DataFrame, opportunities: pd.DataFrame, link_stage_col: str | None
) -> pd.Series:
    """``lead_id`` of each opportunity: its own, else the latest lead of the same account
    that reached the stage before ``opportunity`` before the deal was created."""
    if "lead_id" in opportunities.columns:
        lead = opportunities["lead_id"].astype("string")
    else:
        lead = pd.Series(pd.NA, index=opportunities.index, dtype="string")
    missing = lead.isna()
    if not missing.any() or not _has(opportunities, "account_id") or not _has(leads, "account_id"):
        return lead
    if link_stage_col is None or link_stage_col not in leads.columns:
        return lead
    opp_t = opportunities["created_at"] if "created_at" in opportunities else opportunities.get("closed_at")
    if opp_t is None:
        return lead
    left = pd.DataFrame(
        {"_row": np.arange(len(opportunities)), "account_id": opportunities["account_id"].astype("string"), "t": opp_t}
    )[missing.to_numpy() & opp_t.notna().to_numpy()]
    right = pd.DataFrame(
        {"account_id": leads["account_id"].astype("string"), "t": leads[link_stage_col], "lead_id": leads["lead_id"].astype("string")}
    ).dropna(subset=["account_id", "t"])
    if left.empty or right.empty:
        return lead
    m = pd.merge_asof(left.sort_values("t"), right.sort_values("t"), on="t", by="account_id", direction="backward")
    out = lead.copy()
    out.iloc[m["_row"].to_numpy()] = m["lead_id"].to_numpy()
    return out


def _column_values(s: pd.Series):
    """A column's values to copy into another frame by position: the text array itself for
    text columns (``to_numpy`` would turn millions of strings into Python objects and back),
    else ``to_numpy()``."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is not pd.NA:
        return s.array
    return s.to_numpy()


def build_journeys(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None = None,
    *,
    stages: list[str] | None = None,
    person_col: str = "person_key",
    export_date: pd.Timestamp | None = None,
    extra_timestamps: list[pd.Series] | None = None,
    keep: list[str] | None = None,
) -> Journeys:
    """One row per lead: when it reached each stage of the funnel.

    Stage dates come from the lead's canonical timestamps (``created_at``, ``mql_at``,
    ``sal_at``, ``sql_at``) and from its opportunities (``opportunity`` = the first deal
    linked by ``lead_id`` - or, when a deal has no lead, the latest lead of the same
    account that reached the previous stage before the deal; ``won`` = a deal won).
    A lead-only export's ``converted`` flag and the current ``stage`` label (when its
    values are stage names) also mark stages as reached. A lead that reached a later
    stage counts as having passed through the skipped ones, dated like the next stage;
    a date earlier than the previous stage's is moved up to it (both are counted by
    :func:`stage_contract`).

    Parameters
    ----------
    leads : DataFrame
        Canonical leads table (``lead_id`` required).
    opportunities : DataFrame, optional
        Canonical opportunities table.
    stages : list of str, optional
        The org's stages in funnel order (default: ``schema.STAGES``).
    person_col : str
        Column identifying a person across recycled leads (ignored when absent).
    export_date : Timestamp, optional
        Default: the latest timestamp in leads, opportunities and ``extra_timestamps``.
    extra_timestamps : list of Series, optional
        Other timestamps that count for the export date (e.g. activities' ``occurred_at``).
    keep : list of str, optional
        Lead columns to keep (default: source, owner_id, account_id, disqualify_reason,
        sales_touches, marketing_touches, first_sales_touch_at, person_col).

    Returns
    -------
    Journeys
    """
    stages = list(stages or schema.STAGES)
    unknown = [s for s in stages if s not in schema.STAGES]
    if unknown:
        raise ValueError(f"Unknown funnel stage(s) {unknown}; stages must come from {schema.STAGES}.")
    if len(stages) < 2:
        raise ValueError("A funnel needs at least two stages (e.g. mql and won) to measure conversion.")
    if "lead_id" not in leads.columns:
        raise ValueError("The leads table needs a lead_id column to follow leads through the funnel.")
    n = len(leads)
    keep = keep or ["source", "owner_id", "account_id", "job_title", "disqualify_reason", "sales_touches",
                    "marketing_touches", "first_sales_touch_at", person_col]
    out = pd.DataFrame({"lead_id": _column_values(leads["lead_id"].astype("str"))})
    for c in keep:
        if c in leads.columns and c != "lead_id":
            out[c] = _column_values(leads[c])
    times: dict[str, np.ndarray] = {}
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    for i, s in enumerate(stages):
        col = schema.STAGE_TIMESTAMPS.get(s)
        t = leads[col].to_numpy("datetime64[ns]", copy=True) if col and col in leads.columns else nat.copy()
        if i == 0:  # the first stage falls back to the lead's creation / MQL date
            for fb in ("created_at", "mql_at"):
                if fb in leads.columns:
                    fill = leads[fb].to_numpy("datetime64[ns]")
                    t = np.where(np.isnat(t), fill, t)
        times[s] = t
    reached_flag = {s: np.zeros(n, dtype=bool) for s in stages}

    # Opportunities: first deal date, first win date, won amount, last loss date.
    closed = leads["disqualified_at"].to_numpy("datetime64[ns]", copy=True) if "disqualified_at" in leads.columns else nat.copy()
    won_amount = np.zeros(n)
    all_ts = [leads[c] for c in leads.columns if pd.api.types.is_datetime64_any_dtype(leads[c])]
    if opportunities is not None and len(opportunities):
        opp = opportunities
        all_ts += [opp[c] for c in ("created_at", "closed_at") if c in opp.columns]
        prev_stage = None
        if "opportunity" in schema.STAGES:
            j = schema.STAGES.index("opportunity")
            for s in reversed(schema.STAGES[:j]):
                col = schema.STAGE_TIMESTAMPS.get(s)
                if col and _has(leads, col):
                    prev_stage = col
                    break
        link = _opportunity_links(leads, opp, prev_stage)
        pos = positions_in(link, out["lead_id"])
        ok = pos >= 0
        created = opp["created_at"] if "created_at" in opp else pd.Series(pd.NaT, index=opp.index)
        closed_opp = opp["closed_at"] if "closed_at" in opp else pd.Series(pd.NaT, index=opp.index)
        outcome = opp["outcome"].astype("string").str.lower().fillna("open")
        amount = opp["amount"].astype(float).fillna(0.0) if "amount" in opp else pd.Series(0.0, index=opp.index)
        d = pd.DataFrame(
            {
                "pos": pos,
                "opp_at": created.fillna(closed_opp).to_numpy("datetime64[ns]"),
                "won_at": closed_opp.fillna(created).where(outcome == "won").to_numpy("datetime64[ns]"),
                "lost_at": closed_opp.where(outcome == "lost").to_numpy("datetime64[ns]"),
                "won": (outcome == "won").to_numpy(),
                "open": (outcome == "open").to_numpy(),
                "won_amount": amount.where(outcome == "won", 0.0).to_numpy(),
            }
        )[ok]
        g = d.groupby("pos").agg(
            opp_at=("opp_at", "min"), won_at=("won_at", "min"), lost_at=("lost_at", "max"),
            won=("won", "any"), open=("open", "any"), won_amount=("won_amount", "sum"),
        )
        idx = g.index.to_numpy()
        if "opportunity" in stages:
            times["opportunity"][idx] = g["opp_at"].to_numpy("datetime64[ns]")
            reached_flag["opportunity"][idx] = True
        if "won" in stages:
            times["won"][idx] = g["won_at"].to_numpy("datetime64[ns]")
            reached_flag["won"][idx] = g["won"].to_numpy()
        # A deal lost (and none won or open) closes the lead.
        lost_only = (~g["won"] & ~g["open"]).to_numpy()
        closed[idx[lost_only]] = np.where(
            np.isnat(closed[idx[lost_only]]), g["lost_at"].to_numpy("datetime64[ns]")[lost_only], closed[idx[lost_only]]
        )
        won_amount[idx] = g["won_amount"].to_numpy()
    if "converted" in leads.columns and "won" in stages:
        conv = leads["converted"].astype("boolean").fillna(False).to_numpy(bool)
        reached_flag["won"] |= conv
    if "stage" in leads.columns:
        label = leads["stage"].astype("string").str.lower()
        order = {s: i for i, s in enumerate(stages)}
        idx_label = label.map(order).astype("Float64").fillna(-1).to_numpy()
        for i, s in enumerate(stages):
            reached_flag[s] |= idx_label >= i

    # Reached = dated, flagged, or any later stage reached; fill skipped stages forward.
    dated = {s: ~np.isnat(times[s]) for s in stages}
    later = np.zeros(n, dtype=bool)
    later_dated = {}
    run_dated = np.zeros(n, dtype=bool)
    for s in reversed(stages):
        later_dated[s] = run_dated.copy()
        run_dated = run_dated | dated[s]
        later = later | dated[s] | reached_flag[s]
        reached_flag[s] = later.copy()
    nxt = nat.copy()
    for s in reversed(stages):
        t = times[s]
        times[s] = np.where(np.isnat(t) & reached_flag[s], nxt, t)
        nxt = np.where(np.isnat(times[s]), nxt, times[s])
    # Monotone dates: a stage cannot be entered before the previous one.
    contract = []
    run = nat.copy()
    for s in stages:
        t = times[s]
        rev = dated[s] & ~np.isnat(run) & (t < run)
        no_date = reached_flag[s] & ~dated[s]
        contract.append({"stage": s, "dated": int(dated[s].sum()), "reached": int(reached_flag[s].sum()),
                         "skipped": int((no_date & later_dated[s]).sum()),
                         "undated": int((no_date & ~later_dated[s]).sum()), "reversed": int(rev.sum())})
        run = np.where(np.isnat(run), t, np.where(np.isnat(t), run, np.maximum(run, t)))
        times[s] = np.where(np.isnat(t), t, run)
    for s in stages:
        out[f"t_{s}"] = times[s]
        out[f"reached_{s}"] = reached_flag[s]
        out[f"dated_{s}"] = dated[s]
    out["entered_at"] = out[f"t_{stages[0]}"]
    out["closed_at"] = closed
    out["won_amount"] = won_amount
    out["furthest"] = np.sum([reached_flag[s] for s in stages], axis=0)

    dropped = 0
    if person_col in out.columns and out[person_col].notna().any():
        has_key = out[person_col].notna()
        # Keep each person's furthest (then earliest) record; only the three columns that
        # decide are sorted, the table is filtered once, in its order.
        keyed = out.loc[has_key, ["furthest", "entered_at", person_col]].sort_values(
            ["furthest", "entered_at"], ascending=[False, True], kind="stable")
        first = ~keyed.duplicated(subset=[person_col], keep="first")
        dropped = int((~first).sum())
        kept = ~has_key.to_numpy()
        kept[out.index.get_indexer(keyed.index[first.to_numpy()])] = True
        out = out[kept]
    out = out.reset_index(drop=True)

    if export_date is None:
        all_ts += list(extra_timestamps or [])
        maxes = [s.max() for s in all_ts if s is not None and len(s) and s.notna().any()]
        export_date = max(maxes) if maxes else pd.NaT
    export_date = pd.Timestamp(export_date)
    date_only = is_date_only(*[out[f"t_{s}"] for s in stages])
    j = Journeys(out, stages, export_date, dropped, {}, date_only, pd.DataFrame(contract))
    j.recording_start = detect_recording_start(j)
    return j


# --------------------------------------------------------------------------- stage contract


def stage_contract(journeys: Journeys) -> pd.DataFrame:
    """How well the export follows the stage order (all lead records, before de-duplication).

    Returns
    -------
    DataFrame, one row per stage: ``stage``, ``dated`` (records with the stage's own
    date), ``reached`` (including records that skipped it), ``skipped`` (a later stage is
    dated but this one is not), ``undated`` (reached by its stage label or converted flag,
    with no date for it or any later stage) and ``reversed`` (own date earlier than an
    earlier stage's date: counted, then moved up to that date).
    """
    return journeys.contract.copy()


# --------------------------------------------------------------------------- lags & censoring


def stage_lags(journeys: Journeys) -> pd.DataFrame:
    """Days from one stage to the next among leads that converted (both dates given).

    Returns
    -------
    DataFrame: ``transition``, ``converted_dated``, ``median_days``, ``p80_days``, ``p90_days``.
    """
    t = journeys.table
    rows = []
    for tr in journeys.transitions:
        a, b = split_transition(tr)
        ok = t[f"dated_{a}"] & t[f"dated_{b}"] & t[f"reached_{b}"]
        lag = (t.loc[ok, f"t_{b}"] - t.loc[ok, f"t_{a}"]) / DAY
        rows.append(
            {
                "transition": tr,
                "converted_dated": int(ok.sum()),
                "median_days": float(lag.median()) if len(lag) else np.nan,
                "p80_days": float(lag.quantile(0.8)) if len(lag) else np.nan,
                "p90_days": float(lag.quantile(0.9)) if len(lag) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def censor_windows(journeys: Journeys, censor_days: float | dict | None = None) -> dict[str, float]:
    """``k`` (days) per transition: the parameter, else the 90th-percentile lag (0 if unknown)."""
    if isinstance(censor_days, dict):
        base = censor_windows(journeys, None)
        base.update({k: float(v) for k, v in censor_days.items()})
        return base
    if censor_days is not None:
        return dict.fromkeys(journeys.transitions, float(censor_days))
    lags = stage_lags(journeys).set_index("transition")["p90_days"]
    return {tr: float(np.ceil(v)) if pd.notna(v) else 0.0 for tr, v in lags.items()}


def detect_recording_start(journeys: Journeys, min_expected: float = 10.0) -> dict:
    """Stages whose records start later than the funnel's own history would allow.

    If leads that entered the previous stage before the first recorded conversion would,
    at the org's own lag distribution and conversion rate, have produced at least
    ``min_expected`` conversions before that date (and none was recorded), the records
    of that stage start late (e.g. an export of won deals kept only from some date on).

    Returns
    -------
    dict ``stage -> first recorded date`` for those stages.
    """
    t = journeys.table
    out = {}
    for tr in journeys.transitions:
        a, b = split_transition(tr)
        ok_b = t[f"dated_{b}"]
        if ok_b.sum() < 20:
            continue
        first_b = t.loc[ok_b, f"t_{b}"].min()
        base = t[f"reached_{a}"] & t[f"t_{a}"].notna()
        lags = ((t.loc[ok_b & t[f"dated_{a}"], f"t_{b}"] - t.loc[ok_b & t[f"dated_{a}"], f"t_{a}"]) / DAY).to_numpy()
        if len(lags) < 20:
            continue
        lags = np.sort(lags)
        rate = t.loc[base, f"reached_{b}"].mean()
        before = ((first_b - t.loc[base & (t[f"t_{a}"] < first_b), f"t_{a}"]) / DAY).to_numpy()
        expected = rate * np.searchsorted(lags, before, side="left").sum() / len(lags)
        if expected >= min_expected:
            out[b] = pd.Timestamp(first_b)
    return out


def _eligibility(journeys: Journeys, transition: str, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base, eligible, converted) boolean arrays for one transition under the censoring rule."""
    t = journeys.table
    a, b = split_transition(transition)
    t_a = t[f"t_{a}"]
    base = t[f"reached_{a}"].to_numpy()
    age = ((journeys.export_date - t_a) / DAY).to_numpy()
    eligible = base & ~np.isnan(age) & (age >= k)
    start = journeys.recording_start.get(b)
    if start is not None:
        eligible &= (t_a >= start).to_numpy()
    return base, eligible, t[f"reached_{b}"].to_numpy()


def conversion_table(
    journeys: Journeys, censor_days: float | dict | None = None, *, mask: np.ndarray | None = None
) -> pd.DataFrame:
    """Stage-to-stage conversion, with and without the right-censoring rule.

    Parameters
    ----------
    journeys : Journeys
    censor_days : float or dict, optional
        ``k``: days a lead must have had to convert before it can count as lost
        (default: each transition's 90th-percentile lag).
    mask : bool array, optional
        Restrict to these leads (e.g. one cohort).

    Returns
    -------
    DataFrame, one row per transition: ``reached`` (leads at the from-stage),
    ``undated`` (reached it without any date: counted in volumes, never in the censored
    rate), ``converted`` (reached the next stage), ``rate_naive`` = converted / reached,
    ``k_days``, ``eligible`` (old enough), ``converted_eligible``, ``lost`` (eligible, not
    converted), ``pending`` (too young and not converted yet), ``rate`` (censored),
    ``low`` / ``high`` (Wilson 95%).
    """
    ks = censor_windows(journeys, censor_days)
    rows = []
    m = np.ones(len(journeys.table), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    for tr in journeys.transitions:
        base, elig, conv = _eligibility(journeys, tr, ks[tr])
        base, elig = base & m, elig & m
        reached, converted = int(base.sum()), int((base & conv).sum())
        e, ce = int(elig.sum()), int((elig & conv).sum())
        undated = int((base & journeys.table[f"t_{split_transition(tr)[0]}"].isna().to_numpy()).sum())
        rows.append(
            {
                "transition": tr,
                "undated": undated,
                "reached": reached,
                "converted": converted,
                "rate_naive": converted / reached if reached else np.nan,
                "k_days": ks[tr],
                "eligible": e,
                "converted_eligible": ce,
                "lost": e - ce,
                "pending": int((base & ~elig & ~conv).sum()),
                "rate": ce / e if e else np.nan,
            }
        )
    df = pd.DataFrame(rows)
    df["low"], df["high"] = wilson_interval(df["converted_eligible"], df["eligible"])
    return df


def stage_volumes(journeys: Journeys) -> pd.DataFrame:
    """Leads that reached each stage (the waterfall's bars)."""
    t = journeys.table
    return pd.DataFrame({"stage": journeys.stages, "leads": [int(t[f"reached_{s}"].sum()) for s in journeys.stages]})


# --------------------------------------------------------------------------- cohorts


def _period(ts: pd.Series, freq: str) -> pd.Series:
    freq = {"M": "M", "month": "M", "Q": "Q", "quarter": "Q", "W": "W-SUN", "week": "W-SUN"}.get(freq, freq)
    return ts.dt.to_period(freq).dt.start_time


def cohort_waterfall(
    journeys: Journeys, censor_days: float | dict | None = None, freq: str = "M"
) -> pd.DataFrame:
    """Volume, conversion and velocity by creation cohort (month ``"M"`` or quarter ``"Q"``).

    Returns
    -------
    DataFrame, one row per (cohort, transition): ``cohort`` (period start), ``entered``
    (leads of the cohort), ``reached``, ``converted``, ``eligible``, ``rate`` (censored),
    ``rate_naive``, ``low``/``high``, ``median_days``/``p80_days`` (days in stage among
    converters with both dates), ``mature_share`` (eligible / reached) and ``status``:
    ``"measured"``, ``"too young"`` (fewer than half its leads had k days) or
    ``"not recorded"`` (entered before the next stage's records start).
    """
    t = journeys.table
    ks = censor_windows(journeys, censor_days)
    cohort = _period(t["entered_at"], freq)
    frames = []
    for tr in journeys.transitions:
        a, b = split_transition(tr)
        base, elig, conv = _eligibility(journeys, tr, ks[tr])
        dated = (t[f"dated_{a}"] & t[f"dated_{b}"] & t[f"reached_{b}"]).to_numpy()
        lag = ((t[f"t_{b}"] - t[f"t_{a}"]) / DAY).where(dated)
        start = journeys.recording_start.get(b)
        unrec = np.zeros(len(t), dtype=bool) if start is None else (base & (t[f"t_{a}"] < start).to_numpy())
        d = pd.DataFrame(
            {
                "cohort": cohort,
                "entered": 1,
                "reached": base,
                "converted": base & conv,
                "eligible": elig,
                "converted_eligible": elig & conv,
                "unrecorded": unrec,
                "lag": lag,
            }
        )
        g = d.groupby("cohort").agg(
            entered=("entered", "sum"), reached=("reached", "sum"), converted=("converted", "sum"),
            eligible=("eligible", "sum"), converted_eligible=("converted_eligible", "sum"),
            unrecorded=("unrecorded", "sum"), median_days=("lag", "median"),
        )
        g["p80_days"] = d.groupby("cohort")["lag"].quantile(0.8)
        g = g.reset_index()
        g.insert(1, "transition", tr)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["eligible"] > 0, out["converted_eligible"] / out["eligible"], np.nan)
        out["rate_naive"] = np.where(out["reached"] > 0, out["converted"] / out["reached"], np.nan)
        out["mature_share"] = np.where(out["reached"] > 0, out["eligible"] / out["reached"], np.nan)
    out["low"], out["high"] = wilson_interval(out["converted_eligible"], out["eligible"])
    status = np.where(out["mature_share"] >= 0.5, "measured", "too young")
    status = np.where((out["unrecorded"] > 0) & (out["unrecorded"] >= 0.5 * out["reached"]), "not recorded", status)
    out["status"] = status
    out.loc[out["status"] != "measured", "rate"] = np.nan
    return out


# --------------------------------------------------------------------------- leakage ranking


def average_deal(journeys: Journeys) -> float:
    """Average won amount per won lead (NaN when no amount is known)."""
    t = journeys.table
    if "won" not in journeys.stages:
        return float("nan")
    won = t["reached_won"] & (t["won_amount"] > 0)
    return float(t.loc[won, "won_amount"].mean()) if won.any() else float("nan")


def leakage_ranking(conv: pd.DataFrame, avg_deal: float | None = None) -> pd.DataFrame:
    """Rank transitions by lost leads and by lost expected revenue.

    Lost expected revenue = lost leads x the conversion from the next stage to won
    (product of the later stages' censored rates) x the average won deal.

    Parameters
    ----------
    conv : DataFrame
        Output of :func:`conversion_table`.
    avg_deal : float, optional
        Average won deal; without it only lost leads are ranked.

    Returns
    -------
    DataFrame sorted by lost expected revenue (or lost leads): ``transition``, ``lost``,
    ``rate``, ``downstream`` (to won), ``lost_revenue``, ``rank_leads``, ``rank_revenue``.
    """
    c = conv[["transition", "lost", "eligible", "rate"]].copy().reset_index(drop=True)
    rates = c["rate"].fillna(0).to_numpy()
    down = np.ones(len(c))
    for i in range(len(c) - 2, -1, -1):
        down[i] = down[i + 1] * rates[i + 1]
    c["downstream"] = down
    has_money = avg_deal is not None and np.isfinite(avg_deal) and avg_deal > 0
    c["lost_revenue"] = c["lost"] * c["downstream"] * avg_deal if has_money else np.nan
    c["rank_leads"] = c["lost"].rank(ascending=False, method="first").astype(int)
    if has_money:
        c["rank_revenue"] = c["lost_revenue"].rank(ascending=False, method="first").astype(int)
        return c.sort_values("rank_revenue").reset_index(drop=True)
    c["rank_revenue"] = c["rank_leads"]
    return c.sort_values("rank_leads").reset_index(drop=True)


def _period_label(ts, freq: str) -> str:
    return str(pd.Timestamp(ts).to_period("W-SUN" if freq in ("W", "week") else freq[0].upper()))


def period_comparison(
    journeys: Journeys, censor_days: float | dict | None = None, freq: str = "Q", min_leads: int = 30
) -> pd.DataFrame:
    """Each transition's censored conversion in its latest measured period vs the period before.

    Returns
    -------
    DataFrame: ``transition``, ``period``, ``rate``, ``previous_period``, ``previous_rate``,
    ``change`` (points), ``p_value`` (two-proportion z test), ``eligible``, ``previous_eligible``.
    """
    wf = cohort_waterfall(journeys, censor_days, freq)
    rows = []
    for tr, g in wf.groupby("transition", sort=False):
        g = g[(g["status"] == "measured") & (g["eligible"] >= min_leads)].sort_values("cohort")
        if len(g) < 2:
            rows.append({"transition": tr})
            continue
        cur, prev = g.iloc[-1], g.iloc[-2]
        rows.append(
            {
                "transition": tr,
                "period": _period_label(cur["cohort"], freq),
                "rate": cur["rate"],
                "eligible": int(cur["eligible"]),
                "previous_period": _period_label(prev["cohort"], freq),
                "previous_rate": prev["rate"],
                "previous_eligible": int(prev["eligible"]),
                "change": cur["rate"] - prev["rate"],
                "p_value": two_proportion_p(cur["converted_eligible"], cur["eligible"],
                                            prev["converted_eligible"], prev["eligible"]),
            }
        )
    return pd.DataFrame(rows)


def benchmark_comparison(conv: pd.DataFrame, benchmarks: pd.DataFrame = BENCHMARKS) -> pd.DataFrame:
    """The org's censored rates beside the external ranges (labelled external, graded)."""
    b = benchmarks.rename(columns={"low": "external_low", "high": "external_high"})
    out = conv[["transition", "rate"]].merge(b, on="transition", how="left")
    out["position"] = np.select(
        [out["external_low"].isna(), out["rate"] < out["external_low"], out["rate"] > out["external_high"]],
        ["no external range", "below range", "above range"],
        "within range",
    )
    return out


# --------------------------------------------------------------------------- touches


def span_window(journeys: Journeys, start: str, end: str, censor_days: float | dict | None = None) -> float:
    """``k`` for a multi-stage span (e.g. mql->opportunity): the parameter, else the
    90th-percentile lag among leads that made it with both dates known."""
    tr = f"{start}->{end}"
    if isinstance(censor_days, dict) and tr in censor_days:
        return float(censor_days[tr])
    if censor_days is not None and not isinstance(censor_days, dict):
        return float(censor_days)
    t = journeys.table
    ok = t[f"dated_{start}"] & t[f"dated_{end}"] & t[f"reached_{end}"]
    lag = (t.loc[ok, f"t_{end}"] - t.loc[ok, f"t_{start}"]) / DAY
    return float(np.ceil(lag.quantile(0.9))) if len(lag) else 0.0


def default_start(stages: list[str]) -> str:
    """The stage where sales starts working a lead: ``mql`` when the org has it."""
    return "mql" if "mql" in stages else stages[0]


def default_target(stages: list[str]) -> str:
    """The conversion that sales work aims at: ``sql`` (the rep qualifies the lead), else
    ``opportunity``, else the last stage."""
    for s in ("sql", "opportunity"):
        if s in stages and stages.index(s) > stages.index(default_start(stages)):
            return s
    return stages[-1]


def journey_stage(stages: list[str]) -> str:
    """The stage that ends the buyer's journey before the deal: ``opportunity``, else the last."""
    return "opportunity" if "opportunity" in stages else stages[-1]


def add_touches(
    journeys: Journeys,
    activities: pd.DataFrame | None = None,
    *,
    start: str | None = None,
    target: str | None = None,
    sales: str = "sales",
    marketing: str = "marketing",
    date_only: bool | None = None,
) -> Journeys:
    """Add touch columns to the journeys (returns a new ``Journeys``).

    Columns added: ``first_sales_touch_at`` (first sales activity at or after the start
    stage, e.g. the MQL date), ``response_hours``, ``sales_touches`` (sales activities
    from the start stage up to the conversion to ``target`` - or up to the close-out /
    export date for leads that did not convert: touches after a conversion are not
    counted, so early converters do not look under-worked), ``marketing_before_sales``
    (marketing activities before the first sales touch), ``days_to_sales`` (from
    ``entered_at`` to the first sales touch), ``pre_target_marketing`` /
    ``pre_target_touches`` (activities before the opportunity - see
    :func:`journey_stage` - for leads that reached it),
    ``touch_source`` (``"activities"`` or ``"aggregates"``). ``date_only`` (default:
    detected, or the loader's knowledge passed by the caller) says whether the start
    stage or touch timestamps lack a time of day, which turns hour-level buckets off.

    Without an activity log, the leads' aggregate columns ``sales_touches``,
    ``marketing_touches`` and ``first_sales_touch_at`` are used when present (the
    sales-touch count then includes touches after the conversion).
    """
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    jstage = journey_stage(journeys.stages)
    t = journeys.table.copy()
    n = len(t)
    t_start = t[f"t_{start}"].to_numpy("datetime64[ns]")
    conv = t[f"reached_{target}"].to_numpy()
    t_target = t[f"t_{target}"].to_numpy("datetime64[ns]")
    end = np.where(conv & ~np.isnat(t_target), t_target,
                   np.where(np.isnat(t["closed_at"].to_numpy("datetime64[ns]")), np.datetime64(journeys.export_date, "ns"),
                            t["closed_at"].to_numpy("datetime64[ns]")))
    if activities is not None and len(activities) and {"lead_id", "occurred_at"} <= set(activities.columns) \
            and "team" in activities.columns and activities["team"].notna().any():
        pos = positions_in(activities["lead_id"], t["lead_id"])
        ok = pos >= 0
        pos = pos[ok]
        occ = activities["occurred_at"].to_numpy("datetime64[ns]")[ok]
        is_sales = text_equals(activities["team"], sales)[ok]
        is_mkt = text_equals(activities["team"], marketing)[ok]
        occ_i = occ.view("int64")
        start_i = t_start.view("int64")[pos]
        valid_start = ~np.isnat(t_start)[pos]
        after_start = valid_start & (occ_i >= start_i) & ~np.isnat(occ)
        s_mask = is_sales & after_start
        first = pd.Series(occ_i[s_mask]).groupby(pos[s_mask]).min()
        fst = np.full(n, np.iinfo("int64").min)
        fst[first.index.to_numpy()] = first.to_numpy()
        fst_dt = fst.view("datetime64[ns]")  # int64 min is NaT
        end_i = end.view("int64")[pos]
        in_window = s_mask & (occ_i <= end_i)
        sales_touches = np.bincount(pos[in_window], minlength=n).astype(float)
        fst_at = fst[pos]
        before_sales = is_mkt & ((fst_at == np.iinfo("int64").min) & (occ_i <= end_i) | (occ_i < fst_at))
        mkt_before = np.bincount(pos[before_sales], minlength=n).astype(float)
        t_journey = t[f"t_{jstage}"].to_numpy("datetime64[ns]")
        tt = t_journey.view("int64")[pos]
        pre_target = ~np.isnat(t_journey)[pos] & (occ_i < tt) & (is_sales | is_mkt)
        pre_all = np.bincount(pos[pre_target], minlength=n).astype(float)
        pre_mkt = np.bincount(pos[pre_target & is_mkt], minlength=n).astype(float)
        t["first_sales_touch_at"] = fst_dt
        t["sales_touches"] = sales_touches
        t["marketing_before_sales"] = mkt_before
        jconv = t[f"reached_{jstage}"].to_numpy()
        t["pre_target_touches"] = np.where(jconv, pre_all, np.nan)
        t["pre_target_marketing"] = np.where(jconv, pre_mkt, np.nan)
        t["touch_source"] = "activities"
    else:
        if "first_sales_touch_at" in t.columns:
            t["first_sales_touch_at"] = pd.to_datetime(t["first_sales_touch_at"])
        else:
            t["first_sales_touch_at"] = pd.NaT
        for c in ("sales_touches", "marketing_touches"):
            if c in t.columns:
                t[c] = pd.to_numeric(t[c], errors="coerce").astype(float)
        if "sales_touches" not in t.columns:
            t["sales_touches"] = np.nan
        t["marketing_before_sales"] = t["marketing_touches"] if "marketing_touches" in t.columns else np.nan
        t["pre_target_touches"] = np.nan
        t["pre_target_marketing"] = np.nan
        t["touch_source"] = "aggregates" if t["sales_touches"].notna().any() or t["first_sales_touch_at"].notna().any() else "none"
    fst_s = t["first_sales_touch_at"]
    t["response_hours"] = (fst_s - t[f"t_{start}"]) / HOUR
    t["days_to_sales"] = (fst_s - t["entered_at"]) / DAY
    if date_only is None:
        date_only = journeys.date_only or is_date_only(t[f"t_{start}"]) or is_date_only(fst_s)
    return Journeys(t, journeys.stages, journeys.export_date, journeys.recycled_dropped,
                    dict(journeys.recording_start), bool(date_only), journeys.contract)


def has_touch_data(journeys: Journeys) -> bool:
    """True when the journeys carry sales-touch information (activities or aggregates)."""
    t = journeys.table
    return "touch_source" in t.columns and (t["touch_source"] != "none").any() and (
        t["sales_touches"].notna().any() or t["first_sales_touch_at"].notna().any()
    )


# --------------------------------------------------------------------------- speed-to-lead


def response_bucket(hours: pd.Series, date_only: bool = False) -> pd.Series:
    """Response-time bucket of each lead: ``<1h``, ``1-24h``, ``>24h``, ``never``
    (with date-only timestamps: ``same day``, ``1-2 days``, ``>2 days``, ``never``)."""
    h = pd.to_numeric(hours, errors="coerce").to_numpy(float)
    if date_only:
        labels = RESPONSE_BUCKETS_DAYS
        cut = np.select([np.isnan(h), h < 24, h <= 48], [labels[3], labels[0], labels[1]], labels[2])
    else:
        labels = RESPONSE_BUCKETS
        cut = np.select([np.isnan(h), h < 1, h <= 24], [labels[3], labels[0], labels[1]], labels[2])
    return pd.Series(pd.Categorical(cut, categories=labels, ordered=True), index=hours.index)


@dataclass
class SpeedToLead:
    """Speed-to-lead findings (see :func:`speed_to_lead`)."""

    shares: dict
    by_bucket: pd.DataFrame
    by_source: pd.DataFrame
    adjusted: pd.DataFrame
    k_days: float
    start: str
    target: str
    date_only: bool
    n: int


def speed_to_lead(
    journeys: Journeys,
    *,
    start: str | None = None,
    target: str | None = None,
    censor_days: float | dict | None = None,
    strata: tuple[str, ...] = ("source", "quarter"),
    reference: str | None = None,
) -> SpeedToLead:
    """Time from the start stage (MQL) to the first sales touch, and conversion by bucket.

    Only leads old enough to have converted (``k`` days, the censoring rule) are used.
    Conversion = reaching ``target`` (default ``opportunity``). The effect of a bucket
    is a risk ratio against the ``reference`` bucket (default: the fastest), crude and
    Mantel-Haenszel-adjusted across ``strata`` (lead source x the quarter the lead reached
    the start stage, by default), so that a source - or a period - that is both answered
    fast and converts well does not fake the effect.

    Returns
    -------
    SpeedToLead
        ``shares`` (within_1h, within_24h, never, median_hours), ``by_bucket`` (n, share,
        converted, rate, low, high), ``by_source`` (rates per stratum and bucket),
        ``adjusted`` (bucket, crude_rr, rr, low, high vs the reference).
    """
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    if "response_hours" not in journeys.table.columns:
        raise ValueError("Speed-to-lead needs sales touches: call add_touches(journeys, activities) first.")
    k = span_window(journeys, start, target, censor_days)
    base, elig, conv = _eligibility(journeys, f"{start}->{target}", k)
    t = journeys.table.loc[elig]
    conv = conv[elig]
    date_only = journeys.date_only
    bucket = response_bucket(t["response_hours"], date_only)
    strat = pd.Series("all", index=t.index, dtype="string")
    for col in strata:
        if col == "quarter":
            part = _period(t[f"t_{start}"], "Q").dt.strftime("%Y-%m").astype("string")
        elif col in t.columns:
            part = t[col].astype("string")
        else:
            continue
        strat = strat + "|" + part.fillna("(unknown)")
    d = pd.DataFrame({"bucket": bucket, "converted": conv.astype(int), "stratum": strat.to_numpy(), "n": 1})
    g = d.groupby("bucket", observed=False).agg(n=("n", "sum"), converted=("converted", "sum")).reset_index()
    total = max(int(g["n"].sum()), 1)
    g["share"] = g["n"] / total
    g["rate"] = np.where(g["n"] > 0, g["converted"] / g["n"].where(g["n"] > 0, 1), np.nan)
    g["low"], g["high"] = wilson_interval(g["converted"], g["n"])
    bs = d.groupby(["stratum", "bucket"], observed=False).agg(n=("n", "sum"), converted=("converted", "sum")).reset_index()
    bs["rate"] = np.where(bs["n"] > 0, bs["converted"] / bs["n"].where(bs["n"] > 0, 1), np.nan)
    labels = list(bucket.cat.categories)
    ref = reference or labels[0]
    rows = []
    for b in labels:
        if b == ref:
            rows.append({"bucket": b, "crude_rr": 1.0, "rr": 1.0, "low": np.nan, "high": np.nan})
            continue
        sub = bs[bs["bucket"].isin([b, ref])]
        sub = sub.assign(exposed=(sub["bucket"] == b).to_numpy())
        r = mantel_haenszel_rr(sub, stratum="stratum")
        rows.append({"bucket": b, "crude_rr": r["crude_rr"], "rr": r["rr"], "low": r["low"], "high": r["high"]})
    hours = t["response_hours"]
    shares = {
        "within_1h": None if date_only else float((hours < 1).mean()) if len(t) else np.nan,
        "within_24h": float((hours <= 24).mean()) if len(t) else np.nan,
        "never": float(hours.isna().mean()) if len(t) else np.nan,
        "median_hours": float(hours.median()) if hours.notna().any() else np.nan,
    }
    return SpeedToLead(shares, g, bs, pd.DataFrame(rows), k, start, target, date_only, int(len(t)))


# --------------------------------------------------------------------------- buyer's journey


def journey_before_sales(journeys: Journeys) -> dict:
    """How much of the buyer's journey happens before sales gets involved.

    Returns
    -------
    dict
        ``marketing_touches_before_sales`` (median and mean, leads with a sales touch),
        ``days_to_first_sales_touch`` (median from entry), ``marketing_share_of_pre_target_touches``
        (converted leads: marketing share of all touches before the target stage, pooled),
        ``journey_elapsed_before_sales`` (converted leads: median share of the time from
        entry to the target stage that had passed at the first sales touch), ``n_touched``,
        ``n_converted``.
    """
    t = journeys.table
    if "response_hours" not in t.columns:
        raise ValueError("The buyer's journey needs touches: call add_touches(journeys, activities) first.")
    touched = t["first_sales_touch_at"].notna()
    target = journey_stage(journeys.stages)
    conv = t[f"reached_{target}"] & t["pre_target_touches"].notna() & (t["pre_target_touches"] > 0)
    pre_all = t.loc[conv, "pre_target_touches"].sum()
    pre_mkt = t.loc[conv, "pre_target_marketing"].sum()
    span = (t[f"t_{target}"] - t["entered_at"]) / DAY
    ok = conv & touched & (span > 0)
    elapsed = (t.loc[ok, "days_to_sales"] / span[ok]).clip(0, 1)
    mb = t.loc[touched, "marketing_before_sales"]
    return {
        "n_touched": int(touched.sum()),
        "marketing_touches_before_sales_median": float(mb.median()) if len(mb) else np.nan,
        "marketing_touches_before_sales_mean": float(mb.mean()) if len(mb) else np.nan,
        "days_to_first_sales_touch_median": float(t.loc[touched, "days_to_sales"].median()) if touched.any() else np.nan,
        "n_converted": int(conv.sum()),
        "marketing_share_of_pre_target_touches": float(pre_mkt / pre_all) if pre_all else np.nan,
        "journey_elapsed_before_sales_median": float(elapsed.median()) if len(elapsed) else np.nan,
    }


# --------------------------------------------------------------------------- touches curve


def touch_curve(
    journeys: Journeys,
    *,
    start: str | None = None,
    target: str | None = None,
    censor_days: float | dict | None = None,
    max_touches: int = 15,
    worked_only: bool = True,
) -> pd.DataFrame:
    """Conversion by number of sales touches, as a discrete-time curve.

    Each old-enough lead (censoring rule) is followed touch by touch: after touch ``n``
    it either converts (its sales touches before the conversion = ``n``), is closed out
    / stops being touched (``n`` touches in all), or gets another touch. Touches after a
    conversion are never counted, so leads that convert early do not make few touches
    look good (survivorship bias).

    Parameters
    ----------
    worked_only : bool
        Keep only leads with at least one sales touch (default), so never-touched leads
        (a speed-to-lead problem) do not blur the curve.
    max_touches : int
        Leads with more touches are pooled into the last point.

    Returns
    -------
    DataFrame, one row per ``touches`` n (0..max): ``at_risk`` (leads that received at
    least n touches without converting before), ``converted`` (converted after exactly n),
    ``stopped`` (no conversion, n touches in all), ``hazard`` with Wilson ``hazard_low`` /
    ``hazard_high``, ``cumulative`` (share converted by touch n) with Greenwood
    ``cum_low`` / ``cum_high``, ``gain`` (cumulative(n) - cumulative(n-1)),
    ``rate_exact`` (conversion of leads whose count is exactly n) with its interval.
    """
    start = start or default_start(journeys.stages)
    target = target or default_target(journeys.stages)
    if "sales_touches" not in journeys.table.columns:
        raise ValueError("The touches curve needs sales touches: call add_touches(journeys, activities) first.")
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = _eligibility(journeys, f"{start}->{target}", k)
    touches = journeys.table["sales_touches"].to_numpy(float)
    keep = elig & ~np.isnan(touches)
    if worked_only:
        keep &= touches > 0
    return _curve_from_counts(np.minimum(touches[keep], max_touches).astype(int), conv[keep], max_touches)


def _curve_from_counts(n_touch: np.ndarray, converted: np.ndarray, max_touches: int) -> pd.DataFrame:
    size = max_touches + 1
    ev = np.bincount(n_touch[converted], minlength=size)[:size]
    stop = np.bincount(n_touch[~converted], minlength=size)[:size]
    exact = ev + stop
    at_risk = exact[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, ev / np.maximum(at_risk, 1), np.nan)
        surv = np.cumprod(1 - np.nan_to_num(hazard))
        gw = np.cumsum(np.where((at_risk > ev) & (at_risk > 0), ev / (at_risk * (at_risk - ev)), 0.0))
        se = surv * np.sqrt(gw)
        rate_exact = np.where(exact > 0, ev / np.maximum(exact, 1), np.nan)
    h_lo, h_hi = wilson_interval(ev, at_risk)
    r_lo, r_hi = wilson_interval(ev, exact)
    cum = 1 - surv
    df = pd.DataFrame(
        {
            "touches": np.arange(size),
            "at_risk": at_risk,
            "converted": ev,
            "stopped": stop,
            "hazard": hazard,
            "hazard_low": h_lo,
            "hazard_high": h_hi,
            "cumulative": cum,
            "cum_low": np.clip(cum - 1.96 * se, 0, 1),
            "cum_high": np.clip(cum + 1.96 * se, 0, 1),
            "rate_exact": rate_exact,
            "rate_low": r_lo,
            "rate_high": r_hi,
        }
    )
    df["gain"] = df["cumulative"].diff().fillna(df["cumulative"])
    return df


@dataclass
class Plateau:
    """Where more sales touches stop adding conversions (see :func:`find_plateau`)."""

    touches: int | None
    method: str
    slope_before: float
    slope_after: float
    note: str
    detail: pd.DataFrame


def find_plateau(
    curve: pd.DataFrame, *, min_gain: float = 0.005, min_leads: int = 20, z: float = 1.645
) -> Plateau:
    """The touch count after which one more sales touch adds no significant conversion.

    Fits the conversion of leads by the number of sales touches they received
    (``rate_exact``, touches counted before the conversion or close-out) with a
    piecewise-linear curve ``a + b x min(n, P) + c x max(n - P, 0)``, weighted by the
    leads at each count (binomial variance), for every breakpoint ``P``; the best ``P``
    (least weighted squares) is the plateau when the rise before it is significantly
    positive (``b`` above 0 at one-sided ``z``) and the slope after it is not
    significantly above ``min_gain`` per touch. Counts with fewer than ``min_leads``
    leads are left out.

    Returns
    -------
    Plateau
        ``touches`` (None when touches show no effect, or conversion keeps rising),
        ``slope_before`` / ``slope_after`` (conversion gained per touch), ``note``.
        ``detail.attrs["cumulative_plateau"]``: the discrete-time view's answer - the
        last touch whose marginal gain in cumulative conversion is significantly above
        ``min_gain`` (lower Wilson bound of the hazard x share still unconverted).
    """
    c = curve.reset_index(drop=True)
    d = c[(c["touches"] >= 1) & (c["converted"] + c["stopped"] >= min_leads)].copy()
    d["n_exact"] = d["converted"] + d["stopped"]
    x = d["touches"].to_numpy(float)
    y = d["rate_exact"].to_numpy(float)
    w = d["n_exact"].to_numpy(float)
    pbar = float(np.sum(y * w) / np.sum(w)) if w.sum() else np.nan
    best = None
    for p_ in np.unique(x)[1:-1] if len(x) >= 3 else []:
        X = np.column_stack([np.ones(len(x)), np.minimum(x, p_), np.maximum(x - p_, 0)])
        W = w / max(pbar * (1 - pbar), 1e-9)
        xtw = X.T * W
        try:
            cov = np.linalg.inv(xtw @ X)
        except np.linalg.LinAlgError:
            continue
        coef = cov @ (xtw @ y)
        sse = float(np.sum(W * (y - X @ coef) ** 2))
        if best is None or sse < best["sse"] - 1e-12:
            best = {"P": int(p_), "coef": coef, "se": np.sqrt(np.diag(cov)), "sse": sse}
    # discrete-time (cumulative) view
    surv_prev = 1 - c["cumulative"].shift(1).fillna(0.0)
    gain_low = surv_prev * c["hazard_low"].fillna(0.0)
    sig = ((gain_low > min_gain) & (c["at_risk"] >= min_leads)).to_numpy(copy=True)
    sig[0] = False
    reliable_max = int(c.loc[c["at_risk"] >= min_leads, "touches"].max()) if (c["at_risk"] >= min_leads).any() else 0
    last_sig = int(np.flatnonzero(sig).max()) if sig.any() else None
    cum_plateau = last_sig if last_sig is not None and last_sig < reliable_max else None
    detail = pd.DataFrame({"touches": c["touches"], "rate_exact": c["rate_exact"], "gain": c["gain"],
                           "gain_low": gain_low, "at_risk": c["at_risk"]})
    detail.attrs["cumulative_plateau"] = cum_plateau
    if best is None:
        return Plateau(None, "piecewise-linear fit", np.nan, np.nan, "too few touch counts to fit a curve", detail)
    b, cc = best["coef"][1], best["coef"][2]
    sb, sc = best["se"][1], best["se"][2]
    detail.attrs["fit"] = {"breakpoint": best["P"], "intercept": float(best["coef"][0]), "slope_before": float(b),
                           "slope_after": float(cc)}
    if b - z * sb <= 0:
        return Plateau(None, "piecewise-linear fit", float(b), float(cc),
                       "conversion does not rise significantly with touches", detail)
    if cc - z * sc > min_gain:
        return Plateau(None, "piecewise-linear fit", float(b), float(cc),
                       "conversion keeps rising with touches within the data", detail)
    return Plateau(best["P"], "piecewise-linear fit", float(b), float(cc),
                   f"conversion rises by {b:.1%} per touch up to {best['P']}, then {cc:+.1%} per touch", detail)


# --------------------------------------------------------------------------- fit


FIT_TIERS = ["A", "B", "C", "D"]
LOW_FIT_TIERS = ("C", "D")


def _bands(x: pd.Series, edges: list[float], labels: list[str]) -> pd.Series:
    return pd.cut(pd.to_numeric(x, errors="coerce"), bins=[-np.inf, *edges, np.inf], labels=labels, right=False).astype("string")


def fit_proxy(
    journeys: Journeys,
    accounts: pd.DataFrame | None,
    *,
    prior: float = 20.0,
    min_outcomes: int = 50,
) -> pd.DataFrame:
    """A fit score per lead, for orgs without an agreed ICP (``icp.yml``).

    A logistic regression of becoming a customer (old-enough leads from the start stage
    to the last stage; reaching the sales target when there are fewer than
    ``min_outcomes`` wins) on what is known of the lead before sales works it: its
    account's 2-digit SIC group (or industry), employee band, revenue quartile and
    region/country, and its job title's seniority and function (the article's ICP
    includes job titles). Segments with fewer than ``prior`` leads are pooled as "other".
    The fit lift is the predicted chance over the average; tiers: A >= 1.25, B >= 2/3,
    C >= 1/3, D below; C and D (less than two-thirds of the average chance) are low-fit.

    Returns
    -------
    DataFrame: ``lead_id``, ``fit_lift``, ``tier`` (missing when nothing is known of the
    lead), one row per journey row.
    """
    t = journeys.table
    out = pd.DataFrame({"lead_id": t["lead_id"], "fit_lift": np.nan, "tier": pd.Series(pd.NA, index=t.index, dtype="string")})
    dims = {}
    acc = pd.DataFrame()
    if accounts is not None and "account_id" in t.columns and "account_id" in accounts.columns:
        acc = accounts.drop_duplicates("account_id").set_index("account_id")
    if "sic_code" in acc.columns and acc["sic_code"].notna().any():
        dims["sic_group"] = acc["sic_code"].astype("string").str[:2]
    elif "industry" in acc.columns and acc["industry"].notna().any():
        dims["industry"] = acc["industry"].astype("string").str.lower()
    if "employees" in acc.columns and acc["employees"].notna().any():
        dims["employees"] = _bands(acc["employees"], [50, 200, 1000, 5000], ["<50", "50-199", "200-999", "1000-4999", "5000+"])
    if "annual_revenue" in acc.columns and acc["annual_revenue"].notna().any():
        q = acc["annual_revenue"].quantile([0.25, 0.5, 0.75]).tolist()
        if len(set(q)) == 3:
            dims["revenue"] = _bands(acc["annual_revenue"], q, ["Q1", "Q2", "Q3", "Q4"])
    for c in ("region", "country"):
        if c in acc.columns and acc[c].notna().any():
            dims[c] = acc[c].astype("string")
            break
    seg = pd.DataFrame(dims).reindex(t["account_id"].astype("string").to_numpy()) if dims else pd.DataFrame(index=range(len(t)))
    seg.index = t.index
    if "job_title" in t.columns and t["job_title"].notna().any():
        from helpers.icp import normalise_function, normalise_seniority

        titles = t["job_title"].astype("string")
        uniq = pd.Series(titles.dropna().unique(), dtype="string")  # normalise each title once
        sen = dict(zip(uniq, normalise_seniority(uniq).astype("string")))
        fun = dict(zip(uniq, normalise_function(uniq).astype("string")))
        seg["seniority"] = titles.map(sen).astype("string").to_numpy()
        seg["function"] = titles.map(fun).astype("string").to_numpy()
    if seg.shape[1] == 0:
        return out
    stages = journeys.stages
    start = default_start(stages)
    _, elig, conv = _eligibility(journeys, f"{start}->{stages[-1]}", span_window(journeys, start, stages[-1]))
    if conv[elig].sum() < min_outcomes:  # too few wins: fit = reaching the sales target
        target = default_target(stages)
        _, elig, conv = _eligibility(journeys, f"{start}->{target}", span_window(journeys, start, target))
    if elig.sum() == 0 or conv[elig].sum() == 0:
        return out
    from sklearn.linear_model import LogisticRegression

    cats = []
    for name, col in seg.items():
        col = pd.Series(col, index=t.index).astype("string")
        counts = col[elig].value_counts()
        keep = counts[counts >= prior].index
        cats.append(col.where(col.isin(keep), "other").fillna("unknown").rename(name))
    X = pd.get_dummies(pd.concat(cats, axis=1), dtype=float)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(X.to_numpy()[elig], conv[elig])
    p = model.predict_proba(X.to_numpy())[:, 1]
    fit = pd.Series(p / p[elig].mean(), index=t.index)
    known = pd.concat(cats, axis=1).ne("unknown").any(axis=1)
    fit = fit.where(known)
    out["fit_lift"] = fit.to_numpy()
    tier = np.select([fit >= 1.25, fit >= 2 / 3, fit >= 1 / 3], ["A", "B", "C"], "D")
    out["tier"] = pd.Series(tier, index=t.index, dtype="string").where(known)
    return out


# --------------------------------------------------------------------------- attribution


ATTRIBUTION_CAUSES = ["low-fit", "under-worked", "worked-and-lost", "not judged"]
CAUSE_SIDE = {"low-fit": "marketing", "under-worked": "sales", "worked-and-lost": "neither", "not judged": "unknown"}


def under_worked_flags(
    journeys: Journeys, plateau: int | None, sla_hours: float | None, touches_apply: np.ndarray | None = None
) -> np.ndarray:
    """Under-worked leads: first sales touch later than ``sla_hours`` after the start stage
    or none, or (where ``touches_apply`` is True) fewer sales touches than ``plateau``."""
    t = journeys.table
    under = np.zeros(len(t), dtype=bool)
    if not has_touch_data(journeys):
        return under
    if plateau is not None and "sales_touches" in t.columns:
        touches = t["sales_touches"].to_numpy(float)
        few = ~np.isnan(touches) & (touches < plateau)
        under |= few if touches_apply is None else (few & touches_apply)
    if sla_hours is not None and "response_hours" in t.columns and t["first_sales_touch_at"].notna().any():
        rh = t["response_hours"].to_numpy(float)
        under |= np.isnan(rh) | (rh > sla_hours)
    return under


def attribute_losses(
    journeys: Journeys,
    *,
    low_fit: pd.Series | np.ndarray | None = None,
    plateau: int | None = None,
    sla_hours: float | None = 24.0,
    start: str | None = None,
    target: str | None = None,
    touch_target: str | None = None,
    censor_days: float | dict | None = None,
) -> pd.DataFrame:
    """Classify every lost lead (start stage reached, old enough, never reached ``target``,
    by default the opportunity - a deal lost later is a question of win rate, module 1's).

    * ``low-fit`` (marketing side): the lead's ICP tier is C or D (``low_fit`` True);
    * ``under-worked`` (sales side): otherwise, a first sales touch later than
      ``sla_hours`` after the start stage, or none; or - for leads lost before
      ``touch_target`` (default: opportunity), where the touches curve applies - fewer
      sales touches than the ``plateau``;
    * ``worked-and-lost``: neither - worked as agreed and still lost;
    * ``not judged``: not low-fit, and the export records no sales touches, so how well
      the lead was worked cannot be told.

    Low fit is checked first: a rep who spends little time on a low-fit lead is doing
    the right thing.

    Returns
    -------
    DataFrame, one row per lost lead: ``lead_id``, ``lost_at`` (the transition where it
    stopped), ``month`` (month it reached the start stage), ``cause``, ``side``,
    ``owner_id`` / ``source`` when known.
    """
    start = start or default_start(journeys.stages)
    target = target or journey_stage(journeys.stages)
    touch_target = touch_target or default_target(journeys.stages)
    t = journeys.table
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = _eligibility(journeys, f"{start}->{target}", k)
    lost = elig & ~conv
    lf = np.zeros(len(t), dtype=bool) if low_fit is None else np.asarray(pd.Series(low_fit).fillna(False), dtype=bool)
    judged = has_touch_data(journeys)
    under = under_worked_flags(journeys, plateau, sla_hours, ~t[f"reached_{touch_target}"].to_numpy())
    cause = np.where(lf, "low-fit", np.where(under, "under-worked", "worked-and-lost" if judged else "not judged"))
    i0 = journeys.stages.index(start)
    i1 = journeys.stages.index(target)
    lost_at = np.full(len(t), "", dtype=object)
    for a, b in zip(journeys.stages[i0:i1], journeys.stages[i0 + 1 : i1 + 1]):
        stop = t[f"reached_{a}"].to_numpy() & ~t[f"reached_{b}"].to_numpy() & (lost_at == "")
        lost_at[stop] = f"{a}->{b}"
    out = pd.DataFrame(
        {
            "lead_id": t["lead_id"].to_numpy()[lost],
            "lost_at": lost_at[lost],
            "month": _period(t[f"t_{start}"], "M").to_numpy()[lost],
            "cause": pd.Categorical(cause[lost], categories=ATTRIBUTION_CAUSES),
        }
    )
    out["side"] = out["cause"].map(CAUSE_SIDE).astype("string")
    for c in ("owner_id", "source"):
        if c in t.columns:
            out[c] = t[c].to_numpy()[lost]
    return out


def attribution_shares(att: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts and shares of each cause (optionally by ``month`` or ``lost_at``)."""
    keys = [by, "cause"] if by else ["cause"]
    g = att.groupby(keys, observed=False).size().rename("leads").reset_index()
    tot = g.groupby(by)["leads"].transform("sum") if by else g["leads"].sum()
    g["share"] = np.where(tot > 0, g["leads"] / np.where(tot > 0, tot, 1), np.nan)
    return g


def touch_stage(journeys: Journeys) -> str | None:
    """The stage the first sales touch marks (e.g. ``sal`` when the rep's first touch is
    the acceptance): the first stage whose date equals the first sales touch (same minute,
    or same day for date-only data) for at least half of the leads with both; else None."""
    t = journeys.table
    if "first_sales_touch_at" not in t.columns or not t["first_sales_touch_at"].notna().any():
        return None
    tol = 24.0 if journeys.date_only else 1 / 60
    for s in journeys.stages:
        ok = t[f"dated_{s}"] & t["first_sales_touch_at"].notna()
        if ok.sum() >= 10:
            gap = ((t.loc[ok, "first_sales_touch_at"] - t.loc[ok, f"t_{s}"]) / HOUR).abs()
            if float((gap <= tol).mean()) >= 0.5:
                return s
    return None


def leak_cause(
    journeys: Journeys,
    transition: str,
    *,
    low_fit: pd.Series | np.ndarray | None = None,
    plateau: int | None = None,
    sla_hours: float | None = 24.0,
    touch_target: str | None = None,
    censor_days: float | dict | None = None,
) -> dict:
    """Which side explains the leads a transition loses: low fit or under-working.

    Among the old-enough leads at the transition's first stage, the leads lost *because*
    of low fit are the low-fit leads' shortfall against fit leads worked the same way
    (low-fit rate vs fit rate, within worked / under-worked leads); the leads lost because
    of under-working are the under-worked leads' shortfall against worked leads of the same
    fit. At a transition that ends with the first sales touch (e.g. MQL -> SAL, when SAL is
    the first touch), work cannot be judged before the outcome: low fit explains the low-fit
    leads' shortfall against fit leads, and every fit lead lost there is the sales side's.
    The cause is the larger of the two when it is positive, else ``worked-and-lost``
    (the stage loses leads that fit and were worked). Touch counts apply up to
    ``touch_target`` (default: SQL); after it, only the response time does.

    Returns
    -------
    dict: ``cause``, ``side``, ``lost`` (leads lost there), ``excess`` (cause -> leads
    explained), ``shares`` (cause -> share of the lost leads explained).
    """
    touch_target = touch_target or default_target(journeys.stages)
    t = journeys.table
    a, b = split_transition(transition)
    ks = censor_windows(journeys, censor_days)
    k = ks.get(transition, span_window(journeys, a, b, censor_days))
    _, elig, conv = _eligibility(journeys, transition, k)
    stages = journeys.stages
    apply = stages.index(b) <= stages.index(touch_target) if touch_target in stages else False
    under = under_worked_flags(journeys, plateau, sla_hours, np.full(len(t), apply))
    lf = np.zeros(len(t), dtype=bool) if low_fit is None else np.asarray(pd.Series(low_fit).fillna(False), dtype=bool)
    e, c = elig, conv.astype(float)
    lost = int((e & ~conv).sum())

    def rate(m):
        m = m & e
        return c[m].mean() if m.any() else np.nan

    def shortfall(group, ref):
        n = int((group & e).sum())
        r_g, r_ref = rate(group), rate(ref)
        return 0.0 if n == 0 or np.isnan(r_ref) or np.isnan(r_g) else n * (r_ref - r_g)

    ts = touch_stage(journeys)
    if ts is not None and stages.index(b) <= stages.index(ts):
        # the transition *is* the first sales touch (e.g. MQL -> SAL): work cannot be
        # judged before it; fit leads that never got there are the sales side's loss
        ex_lf = shortfall(lf, ~lf)
        ex_uw = float((~lf & e & ~conv).sum())
    else:
        ex_lf = shortfall(lf & ~under, ~lf & ~under) + shortfall(lf & under, ~lf & under)
        ex_uw = shortfall(under & ~lf, ~under & ~lf) + shortfall(under & lf, ~under & lf)
    excess = {"low-fit": float(max(ex_lf, 0.0)), "under-worked": float(max(ex_uw, 0.0))}
    cause = max(excess, key=excess.get) if max(excess.values()) > 0 else "worked-and-lost"
    return {
        "cause": cause,
        "side": CAUSE_SIDE[cause],
        "lost": lost,
        "excess": excess,
        "shares": {k_: (v / lost if lost else np.nan) for k_, v in excess.items()},
    }


# --------------------------------------------------------------------------- weekly & quarterly


def weekly_alerts(
    journeys: Journeys,
    transition: str,
    k_days: float,
    *,
    window: int = 8,
    n_sd: float = 3.0,
    min_leads: int = 10,
    min_history: int = 4,
) -> pd.DataFrame:
    """Weekly conversion within ``k_days`` of a transition, with leak alerts.

    Each week's cohort is the leads that reached the transition's first stage that week;
    its rate is the share that reached the next stage within ``k_days``. A week is judged
    only once it is *mature* (its last day is at least ``k_days`` before the export date),
    so a young cohort never raises an alarm. Its normal range comes from the previous
    ``window`` mature weeks: the median minus ``n_sd`` robust standard deviations
    (1.4826 x median absolute deviation, never less than the week's own binomial
    standard error). An alert needs ``min_leads`` leads in the week and at least
    ``min_history`` earlier mature weeks.

    Returns
    -------
    DataFrame, one row per week: ``week`` (Monday), ``leads``, ``converted_k``,
    ``rate_k``, ``mature``, ``status`` (mature / too young / not recorded), ``baseline``,
    ``lower``, ``alert``.
    """
    t = journeys.table
    a, b = split_transition(transition)
    base = t[f"reached_{a}"] & t[f"t_{a}"].notna()
    t_a = t.loc[base, f"t_{a}"]
    within = (t.loc[base, f"reached_{b}"] & ((t.loc[base, f"t_{b}"] - t_a) / DAY <= k_days)).to_numpy()
    week = t_a.dt.to_period("W-SUN").dt.start_time
    d = pd.DataFrame({"week": week.to_numpy(), "converted_k": within.astype(int), "leads": 1})
    g = d.groupby("week").sum().reset_index().sort_values("week")
    if g.empty:
        return pd.DataFrame(columns=["week", "leads", "converted_k", "rate_k", "mature", "status", "baseline", "lower", "alert"])
    full = pd.DataFrame({"week": pd.date_range(g["week"].min(), g["week"].max(), freq="7D")})
    g = full.merge(g, on="week", how="left").fillna({"leads": 0, "converted_k": 0})
    g["rate_k"] = np.where(g["leads"] > 0, g["converted_k"] / g["leads"].where(g["leads"] > 0, 1), np.nan)
    week_end = g["week"] + pd.Timedelta(days=7)
    g["mature"] = (journeys.export_date - week_end) / DAY >= k_days
    start = journeys.recording_start.get(b)
    if start is not None:
        g.loc[g["week"] < start, "mature"] = False
    usable = g["rate_k"].where(g["mature"] & (g["leads"] >= min_leads))
    hist = usable.shift(1)
    g["baseline"] = hist.rolling(window, min_periods=min_history).median()
    mad = hist.rolling(window, min_periods=min_history).apply(
        lambda x: np.nanmedian(np.abs(x - np.nanmedian(x))), raw=True
    )
    p = g["baseline"].clip(0, 1)
    binom = np.sqrt(p * (1 - p) / g["leads"].where(g["leads"] > 0))
    sd = np.maximum(1.4826 * mad, binom)
    g["lower"] = g["baseline"] - n_sd * sd
    g["alert"] = (g["mature"] & (g["leads"] >= min_leads) & g["lower"].notna() & (g["rate_k"] < g["lower"])).astype(bool)
    g["leads"] = g["leads"].astype(int)
    g["converted_k"] = g["converted_k"].astype(int)
    status = np.where(g["mature"], "mature", "too young")
    if start is not None:
        status = np.where(g["week"] < start, "not recorded", status)
    g["status"] = status
    return g[["week", "leads", "converted_k", "rate_k", "mature", "status", "baseline", "lower", "alert"]]


def weekly_view(journeys: Journeys, *, weeks: int | None = 13) -> pd.DataFrame:
    """Leads reaching each stage per week (by the week they reached it), for the weekly
    meeting, plus the median response time (hours) of the week's MQLs when known."""
    t = journeys.table
    frames = []
    for s in journeys.stages:
        ok = t[f"reached_{s}"] & t[f"t_{s}"].notna()
        wk = t.loc[ok, f"t_{s}"].dt.to_period("W-SUN").dt.start_time
        frames.append(wk.value_counts().rename(s))
    out = pd.concat(frames, axis=1, sort=True).fillna(0).astype(int)
    out.index.name = "week"
    start = default_start(journeys.stages)
    if "response_hours" in t.columns and t["response_hours"].notna().any():
        ok = t[f"t_{start}"].notna()
        wk = t.loc[ok, f"t_{start}"].dt.to_period("W-SUN").dt.start_time
        out["median_response_hours"] = t.loc[ok, "response_hours"].groupby(wk.to_numpy()).median()
    out = out.reset_index()
    # the export's last week is partial: leave it out
    last_full = journeys.export_date.to_period("W-SUN").start_time
    out = out[out["week"] < last_full]
    return out.tail(weeks).reset_index(drop=True) if weeks else out.reset_index(drop=True)


def quarterly_view(
    journeys: Journeys, censor_days: float | dict | None = None, *, attribution: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The business-review table: per creation quarter, leads, each transition's censored
    conversion (NaN until measured), won leads and revenue, median response hours and,
    when given, the under-worked and low-fit shares of the quarter's lost leads."""
    wf = cohort_waterfall(journeys, censor_days, "Q")
    rates = wf.pivot(index="cohort", columns="transition", values="rate")[journeys.transitions]
    t = journeys.table
    q = _period(t["entered_at"], "Q")
    out = pd.DataFrame({"leads": t.groupby(q).size()})
    out = out.join(rates)
    if "won" in journeys.stages:
        out["won"] = t.groupby(q)["reached_won"].sum()
        out["won_revenue"] = t.groupby(q)["won_amount"].sum()
    if "response_hours" in t.columns and t["response_hours"].notna().any():
        out["median_response_hours"] = t.groupby(q)["response_hours"].median()
    if attribution is not None and len(attribution):
        aq = pd.to_datetime(attribution["month"]).dt.to_period("Q").dt.start_time
        sh = pd.crosstab(aq, attribution["cause"], normalize="index")
        for c in ("low-fit", "under-worked"):
            if c in sh.columns:
                out[f"{c}_share"] = sh[c]
    out.index = [str(pd.Timestamp(i).to_period("Q")) for i in out.index]
    out.index.name = "quarter"
    return out.reset_index()


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
    _, elig, conv = _eligibility(journeys, f"{start}->{target}", k)
    d = t.loc[elig, ["owner_id"]].copy()
    d["converted"] = conv[elig]
    rh = t.loc[elig, "response_hours"] if "response_hours" in t.columns else pd.Series(np.nan, index=d.index)
    d["response_hours"] = rh
    d["within_sla"] = rh <= sla_hours
    d["never"] = rh.isna()
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
    g["below_plateau"] = np.where(g["lost"] > 0, g["lost_below"] / g["lost"].where(g["lost"] > 0, 1), np.nan) if plateau is not None else np.nan
    g["rate"] = g["converted"] / g["leads"]
    g["low"], g["high"] = wilson_interval(g["converted"], g["leads"])
    return g.drop(columns=["lost", "lost_below"]).reset_index().sort_values("rate").reset_index(drop=True)


# --------------------------------------------------------------------------- org-level entry points


def from_org(
    data,
    *,
    start: str | None = None,
    target: str | None = None,
) -> Journeys:
    """Journeys (with touches) of an org loaded by :func:`helpers.data.load.load_org`.

    Stages come from ``org.yml: stages``; the export date is the latest timestamp in
    leads, opportunities and activities; hour-level buckets are turned off when the
    loader found the MQL (start stage) or touch timestamps to be dates only.
    """
    if data.leads is None or len(data.leads) == 0:
        raise ValueError("The leads table is empty: the funnel module needs leads.")
    stages = list(data.config.stages)
    acts = data.activities
    extra = [acts["occurred_at"]] if acts is not None and "occurred_at" in acts.columns else []
    j = build_journeys(data.leads, data.opportunities, stages=stages, extra_timestamps=extra)
    if j.table["entered_at"].notna().sum() == 0:
        raise ValueError(
            f"No lead has a date for the first stage ('{stages[0]}'): map created_at (or the "
            "stage's own date) in org.yml; the funnel module needs dates."
        )
    start = start or default_start(stages)
    col = schema.STAGE_TIMESTAMPS.get(start, "created_at")
    date_only = data.is_date_only("leads", col) or (
        data.is_date_only("activities", "occurred_at") if acts is not None else data.is_date_only("leads", "first_sales_touch_at")
    )
    return add_touches(j, acts, start=start, target=target, date_only=date_only or None)


def low_fit_flags(journeys: Journeys, accounts: pd.DataFrame | None, icp: dict | None = None) -> tuple[pd.Series, str]:
    """Low-fit flag of every journey row, and a sentence saying where it came from.

    With the agreed ICP (``icp.yml`` from module 1): the account's tier is C or D
    (:func:`helpers.icp.assign_tiers`) and the contact's title does not match the winning
    buyer profile (``persona_match`` of :func:`helpers.icp.assign_lead_tiers`). Without
    it: tiers C/D of :func:`fit_proxy`. Leads with nothing to judge them by are not low-fit.
    """
    t = journeys.table
    has_acc = accounts is not None and "account_id" in t.columns and t["account_id"].notna().any()
    if icp is not None and has_acc:
        from helpers import icp as icp_mod

        tiers = icp_mod.assign_tiers(accounts, icp)
        leads = t[["lead_id", "account_id"] + (["job_title"] if "job_title" in t.columns else [])]
        lt = icp_mod.assign_lead_tiers(leads, tiers, icp)
        low = lt["tier"].astype("string").isin(LOW_FIT_TIERS).fillna(False).to_numpy(bool)
        persona = lt["persona_match"].astype("boolean").fillna(False).to_numpy(bool)
        return pd.Series(low & ~persona, index=t.index), (
            "ICP tiers C/D (agreed icp.yml) without the winning buyer profile"
        )
    fp = fit_proxy(journeys, accounts)
    if fp["tier"].isna().all():
        return pd.Series(False, index=t.index), "no account or job-title data: no lead is classed low-fit"
    return pd.Series(fp["tier"].isin(LOW_FIT_TIERS).fillna(False).to_numpy(bool), index=t.index), (
        "tiers C/D of a fit proxy from firmographics and job titles (no icp.yml yet: run module 1 to use the agreed ICP)"
    )


def under_worked_share(att: pd.DataFrame, journeys: Journeys, plateau: int | None) -> float:
    """Share of lost leads closed out with fewer sales touches than the plateau."""
    if plateau is None or att.empty or "sales_touches" not in journeys.table.columns:
        return float("nan")
    touches = journeys.table.set_index("lead_id")["sales_touches"].reindex(att["lead_id"]).to_numpy(float)
    ok = ~np.isnan(touches)
    return float(np.mean(touches[ok] < plateau)) if ok.any() else float("nan")


def summary_figures(
    journeys: Journeys,
    conv: pd.DataFrame,
    ranking: pd.DataFrame,
    cause: dict,
    *,
    stl: SpeedToLead | None = None,
    plateau: Plateau | None = None,
    att: pd.DataFrame | None = None,
    journey: dict | None = None,
    alerts: pd.DataFrame | None = None,
    fit_source: str = "",
    cohorts: pd.DataFrame | None = None,
) -> dict:
    """The module's key figures for ``summary.json`` (plain, rounded values)."""
    biggest = ranking.iloc[0]
    by_leads = ranking.sort_values("lost", ascending=False).iloc[0]
    contract = journeys.contract
    out: dict = {
        "stages": list(journeys.stages),
        "leads": int(len(journeys.table)),
        "export_date": journeys.export_date.strftime("%Y-%m-%d"),
        "recycled_dropped": int(journeys.recycled_dropped),
        "skipped_stage_records": int(contract["skipped"].sum()) if len(contract) else 0,
        "reversed_stage_records": int(contract["reversed"].sum()) if len(contract) else 0,
        "recording_start": {s: d.strftime("%Y-%m-%d") for s, d in journeys.recording_start.items()},
        "censor_days": {r.transition: plain(r.k_days, 1) for r in conv.itertuples()},
        "stage_conversion": {r.transition: plain(r.rate) for r in conv.itertuples()},
        "stage_conversion_naive": {r.transition: plain(r.rate_naive) for r in conv.itertuples()},
        "biggest_leak": {
            "stage": str(biggest["transition"]),
            "lost_leads": int(biggest["lost"]),
            "lost_revenue": plain(biggest["lost_revenue"], 0),
            "cause": cause.get("cause"),
            "side": cause.get("side"),
            "explained_share": {k: plain(v) for k, v in cause.get("shares", {}).items()},
        },
        "most_leads_lost": {"stage": str(by_leads["transition"]), "lost_leads": int(by_leads["lost"])},
        "fit_source": fit_source,
    }
    if stl is not None:
        adj = stl.adjusted.set_index("bucket")
        out["speed_to_lead"] = {
            "within_1h": plain(stl.shares["within_1h"]),
            "within_24h": plain(stl.shares["within_24h"]),
            "never": plain(stl.shares["never"]),
            "median_hours": plain(stl.shares["median_hours"], 2),
            "date_only": bool(stl.date_only),
            "conversion_by_bucket": {str(r.bucket): plain(r.rate) for r in stl.by_bucket.itertuples()},
            "effect_vs_fastest_adjusted": {str(b): plain(v) for b, v in adj["rr"].items()},
            "effect_vs_fastest_crude": {str(b): plain(v) for b, v in adj["crude_rr"].items()},
            "effect_low": {str(b): plain(v) for b, v in adj["low"].items()},
            "effect_high": {str(b): plain(v) for b, v in adj["high"].items()},
            "n": int(stl.n),
        }
    else:
        out["speed_to_lead"] = None
    if plateau is not None:
        out["touches_plateau"] = plateau.touches
        out["touches_plateau_note"] = plateau.note
        out["touches_gain_before"] = plain(plateau.slope_before)
        out["touches_gain_after"] = plain(plateau.slope_after)
        out["touches_cumulative_plateau"] = plateau.detail.attrs.get("cumulative_plateau")
    else:
        out["touches_plateau"] = None
        out["touches_plateau_note"] = None
    out["attribution"] = None
    out["lost_mqls"] = None
    out["under_worked_share"] = None
    if att is not None and len(att):
        sh = attribution_shares(att).set_index("cause")["share"]
        out["attribution"] = {str(c): plain(v) for c, v in sh.items() if not (c == "not judged" and v == 0)}
        out["lost_mqls"] = int(len(att))
        out["under_worked_share"] = plain(under_worked_share(att, journeys, plateau.touches if plateau else None))
    out["journey_before_sales"] = {k: plain(v) for k, v in journey.items()} if journey is not None else None
    out["weekly_alerts"] = {r.transition: int(r.alerts) for r in alerts.itertuples()} if alerts is not None else None
    out["cohort_status"] = (
        {tr: g["status"].value_counts().to_dict() for tr, g in cohorts.groupby("transition", sort=False)}
        if cohorts is not None else None
    )
    return out
