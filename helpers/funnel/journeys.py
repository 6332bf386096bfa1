"""The journeys table: one row per lead and the date it reached each stage of the funnel.

Every metric of the funnel module reads this table. :func:`build_journeys` builds it in
named steps: the lead columns kept, each stage's own date, the deals linked to the lead,
the stage label and converted flag, stages reached through a later one (dated like the
next stage), dates made monotone (the stage contract), recycled leads counted once, and
the export date ages are counted back from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.data import positions_in

DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)

#: Lead columns kept in the journeys table by default (the person key is added).
KEEP_COLUMNS = ["source", "owner_id", "account_id", "job_title", "disqualify_reason", "sales_touches",
                "marketing_touches", "first_sales_touch_at"]


def transitions(stages: list[str]) -> list[str]:
    """Stage-to-stage transitions as ``"a->b"`` labels."""
    return [f"{a}->{b}" for a, b in zip(stages[:-1], stages[1:])]


def split_transition(transition: str) -> tuple[str, str]:
    """The two stages of an ``"a->b"`` transition label."""
    a, _, b = transition.partition("->")
    return a, b


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
    contract : DataFrame
        The stage contract (see :func:`stage_contract`).
    collapsed : list of str
        The org's stages the export never records (no lead has a date for them or is
        marked as at them): left out, so their neighbours' conversion is measured directly
        (e.g. MQL -> SQL when there is no SAL date).
    """

    table: pd.DataFrame
    stages: list[str]
    export_date: pd.Timestamp
    recycled_dropped: int = 0
    recording_start: dict = field(default_factory=dict)
    date_only: bool = False
    contract: pd.DataFrame = field(default_factory=pd.DataFrame)
    collapsed: list = field(default_factory=list)

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


def _nat(n: int) -> np.ndarray:
    return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")


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
        {"account_id": leads["account_id"].astype("string"), "t": leads[link_stage_col],
         "lead_id": leads["lead_id"].astype("string")}
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


# --------------------------------------------------------------------------- build steps


def _check_inputs(leads: pd.DataFrame, stages: list[str] | None) -> list[str]:
    """The org's stages (default ``schema.STAGES``), after checking they can make a funnel."""
    stages = list(stages or schema.STAGES)
    unknown = [s for s in stages if s not in schema.STAGES]
    if unknown:
        raise ValueError(f"Unknown funnel stage(s) {unknown}; stages must come from {schema.STAGES}.")
    if len(stages) < 2:
        raise ValueError("A funnel needs at least two stages (e.g. mql and won) to measure conversion.")
    if "lead_id" not in leads.columns:
        raise ValueError("The leads table needs a lead_id column to follow leads through the funnel.")
    return stages


def _lead_columns(leads: pd.DataFrame, keep: list[str]) -> pd.DataFrame:
    """``lead_id`` (as text) and the ``keep`` columns the leads table has."""
    out = pd.DataFrame({"lead_id": _column_values(leads["lead_id"].astype("str"))})
    for c in keep:
        if c in leads.columns and c != "lead_id":
            out[c] = _column_values(leads[c])
    return out


def _stage_times(leads: pd.DataFrame, stages: list[str]) -> dict[str, np.ndarray]:
    """Each stage's own date from the leads table (NaT where the export has none)."""
    times: dict[str, np.ndarray] = {}
    for s in stages:
        col = schema.STAGE_TIMESTAMPS.get(s)
        times[s] = leads[col].to_numpy("datetime64[ns]", copy=True) if col and col in leads.columns else _nat(len(leads))
    return times


def _first_stage_fallback(leads: pd.DataFrame, times: dict, first: str) -> None:
    """The first stage's date falls back to the lead's creation, then MQL date (in place)."""
    t = times[first]
    for fb in ("created_at", "mql_at"):
        if fb in leads.columns:
            t = np.where(np.isnat(t), leads[fb].to_numpy("datetime64[ns]"), t)
    times[first] = t


def _recorded_stages(stages: list[str], times: dict, explicit: dict) -> tuple[list[str], list[str]]:
    """(kept, collapsed): a stage is recorded when some lead has its own date for it or is
    explicitly marked as at it (its stage label, the converted flag, a linked deal); a stage
    only ever reached through a later one was never observed and is collapsed."""
    kept = [s for s in stages if (~np.isnat(times[s])).any() or explicit[s].any()]
    return kept, [s for s in stages if s not in kept]


def _link_stage_column(leads: pd.DataFrame) -> str | None:
    """The leads' timestamp column of the last stage before ``opportunity`` that has dates."""
    if "opportunity" not in schema.STAGES:
        return None
    j = schema.STAGES.index("opportunity")
    for s in reversed(schema.STAGES[:j]):
        col = schema.STAGE_TIMESTAMPS.get(s)
        if col and _has(leads, col):
            return col
    return None


def _deal_outcomes(leads: pd.DataFrame, opp: pd.DataFrame, lead_ids: pd.Series) -> pd.DataFrame:
    """Per lead position with a linked deal: first deal date ``opp_at``, first win date
    ``won_at``, last loss date ``lost_at``, ``won`` / ``open`` (any deal) and ``won_amount``."""
    link = _opportunity_links(leads, opp, _link_stage_column(leads))
    pos = positions_in(link, lead_ids)
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
    )[pos >= 0]
    return d.groupby("pos").agg(
        opp_at=("opp_at", "min"), won_at=("won_at", "min"), lost_at=("lost_at", "max"),
        won=("won", "any"), open=("open", "any"), won_amount=("won_amount", "sum"),
    )


def _apply_deals(
    g: pd.DataFrame, stages: list[str], times: dict, flags: dict, closed: np.ndarray, won_amount: np.ndarray
) -> None:
    """Write the deal outcomes ``g`` (see :func:`_deal_outcomes`) into the stage dates and
    flags, the close-out dates and the won amounts (all updated in place)."""
    idx = g.index.to_numpy()
    if "opportunity" in stages:
        times["opportunity"][idx] = g["opp_at"].to_numpy("datetime64[ns]")
        flags["opportunity"][idx] = True
    if "won" in stages:
        times["won"][idx] = g["won_at"].to_numpy("datetime64[ns]")
        flags["won"][idx] = g["won"].to_numpy()
    # A deal lost (and none won or open) closes the lead.
    lost_only = (~g["won"] & ~g["open"]).to_numpy()
    closed[idx[lost_only]] = np.where(
        np.isnat(closed[idx[lost_only]]), g["lost_at"].to_numpy("datetime64[ns]")[lost_only], closed[idx[lost_only]]
    )
    won_amount[idx] = g["won_amount"].to_numpy()


def _apply_lead_flags(leads: pd.DataFrame, stages: list[str], flags: dict) -> dict:
    """A lead-only export's ``converted`` flag and a ``stage`` label naming a stage mark
    stages as reached (``flags`` updated in place: a label marks the earlier stages too).

    Returns
    -------
    dict ``stage -> bool array``: the leads the export marks as *at* that stage (its own
    label, or the converted flag for ``won``), which tells a recorded stage.
    """
    explicit = {s: np.zeros(len(leads), dtype=bool) for s in stages}
    if "converted" in leads.columns and "won" in stages:
        conv = leads["converted"].astype("boolean").fillna(False).to_numpy(bool)
        flags["won"] |= conv
        explicit["won"] |= conv
    if "stage" in leads.columns:
        label = leads["stage"].astype("string").str.lower()
        order = {s: i for i, s in enumerate(stages)}
        idx_label = label.map(order).astype("Float64").fillna(-1).to_numpy()
        for i, s in enumerate(stages):
            flags[s] |= idx_label >= i
            explicit[s] |= idx_label == i
    return explicit


def _reach_through_later(times: dict, flags: dict, stages: list[str]) -> tuple[dict, dict, dict, dict]:
    """A stage is reached when dated, flagged or when any later stage is reached; a skipped
    stage takes the next stage's date.

    Returns
    -------
    (times, reached, dated, later_dated) : dicts ``stage -> array``
        ``dated``: the export gave the stage's own date; ``later_dated``: a later stage is dated.
    """
    n = len(next(iter(times.values())))
    dated = {s: ~np.isnat(times[s]) for s in stages}
    reached, later_dated = {}, {}
    later = np.zeros(n, dtype=bool)
    run_dated = np.zeros(n, dtype=bool)
    for s in reversed(stages):
        later_dated[s] = run_dated.copy()
        run_dated = run_dated | dated[s]
        later = later | dated[s] | flags[s]
        reached[s] = later.copy()
    filled = {}
    nxt = _nat(n)
    for s in reversed(stages):
        t = times[s]
        filled[s] = np.where(np.isnat(t) & reached[s], nxt, t)
        nxt = np.where(np.isnat(filled[s]), nxt, filled[s])
    return {s: filled[s] for s in stages}, {s: reached[s] for s in stages}, dated, later_dated


def _monotone_dates(
    times: dict, reached: dict, dated: dict, later_dated: dict, stages: list[str]
) -> tuple[dict, pd.DataFrame]:
    """Move a stage date earlier than the previous stage's up to it, and count the stage
    contract (dated, reached, skipped, undated, reversed records per stage)."""
    n = len(times[stages[0]])
    out, contract = {}, []
    run = _nat(n)
    for s in stages:
        t = times[s]
        rev = dated[s] & ~np.isnat(run) & (t < run)
        no_date = reached[s] & ~dated[s]
        contract.append({"stage": s, "dated": int(dated[s].sum()), "reached": int(reached[s].sum()),
                         "skipped": int((no_date & later_dated[s]).sum()),
                         "undated": int((no_date & ~later_dated[s]).sum()), "reversed": int(rev.sum())})
        run = np.where(np.isnat(run), t, np.where(np.isnat(t), run, np.maximum(run, t)))
        out[s] = np.where(np.isnat(t), t, run)
    return out, pd.DataFrame(contract)


def _collapse_unrecorded(leads: pd.DataFrame, stages: list[str], times: dict, flags: dict) -> tuple[list, list]:
    """The stage flags of the lead-only columns (``flags`` updated in place), the entry stage's
    fallback date, and the stages kept and collapsed (:func:`_recorded_stages`)."""
    explicit = _apply_lead_flags(leads, stages, flags)
    explicit = {s: explicit[s] | flags[s] if s in ("opportunity", "won") else explicit[s] for s in stages}
    _first_stage_fallback(leads, times, stages[0])  # the entry stage is dated by the lead's creation
    kept, collapsed = _recorded_stages(stages, times, explicit)
    if len(kept) < 2:
        raise ValueError(
            f"The export records only {len(kept)} funnel stage(s) ({', '.join(kept) or 'none'}): "
            "map a second stage's date or outcome in org.yml (e.g. sql_at, or opportunities) to measure conversion."
        )
    return kept, collapsed


def _drop_recycled(out: pd.DataFrame, person_col: str) -> tuple[pd.DataFrame, int]:
    """Keep each person's furthest (then earliest) record; returns the table and the
    number of records dropped."""
    dropped = 0
    if person_col in out.columns and out[person_col].notna().any():
        has_key = out[person_col].notna()
        # only the three columns that decide are sorted, the table is filtered once, in its order
        keyed = out.loc[has_key, ["furthest", "entered_at", person_col]].sort_values(
            ["furthest", "entered_at"], ascending=[False, True], kind="stable")
        first = ~keyed.duplicated(subset=[person_col], keep="first")
        dropped = int((~first).sum())
        kept = ~has_key.to_numpy()
        kept[out.index.get_indexer(keyed.index[first.to_numpy()])] = True
        out = out[kept]
    return out.reset_index(drop=True), dropped


def _latest_timestamp(series: list[pd.Series]) -> pd.Timestamp:
    """The latest timestamp in ``series`` (NaT when there is none)."""
    maxes = [s.max() for s in series if s is not None and len(s) and s.notna().any()]
    return max(maxes) if maxes else pd.NaT


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
        Lead columns to keep (default: source, owner_id, account_id, job_title,
        disqualify_reason, sales_touches, marketing_touches, first_sales_touch_at, person_col).

    Returns
    -------
    Journeys
    """
    stages = _check_inputs(leads, stages)
    n = len(leads)
    out = _lead_columns(leads, keep or [*KEEP_COLUMNS, person_col])
    times = _stage_times(leads, stages)
    flags = {s: np.zeros(n, dtype=bool) for s in stages}
    closed = leads["disqualified_at"].to_numpy("datetime64[ns]", copy=True) if "disqualified_at" in leads.columns else _nat(n)
    won_amount = np.zeros(n)
    all_ts = [leads[c] for c in leads.columns if pd.api.types.is_datetime64_any_dtype(leads[c])]
    if opportunities is not None and len(opportunities):
        all_ts += [opportunities[c] for c in ("created_at", "closed_at") if c in opportunities.columns]
        deals = _deal_outcomes(leads, opportunities, out["lead_id"])
        _apply_deals(deals, stages, times, flags, closed, won_amount)
    stages, collapsed = _collapse_unrecorded(leads, stages, times, flags)
    times, reached, dated, later_dated = _reach_through_later(times, flags, stages)
    times, contract = _monotone_dates(times, reached, dated, later_dated, stages)
    for s in stages:
        out[f"t_{s}"] = times[s]
        out[f"reached_{s}"] = reached[s]
        out[f"dated_{s}"] = dated[s]
    out["entered_at"] = out[f"t_{stages[0]}"]
    out["closed_at"] = closed
    out["won_amount"] = won_amount
    out["furthest"] = np.sum([reached[s] for s in stages], axis=0)
    out, dropped = _drop_recycled(out, person_col)
    if export_date is None:
        export_date = _latest_timestamp(all_ts + list(extra_timestamps or []))
    export_date = pd.Timestamp(export_date)
    date_only = is_date_only(*[out[f"t_{s}"] for s in stages])
    j = Journeys(out, stages, export_date, dropped, {}, date_only, contract, collapsed)
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
