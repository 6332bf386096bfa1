"""Module 3: the leads a revenue plan needs, and what alignment is worth.

The seed article asks for "the number of leads needed to achieve the revenue
plan" and quotes "19% faster revenue growth and 15% higher profitability" for
highly aligned B2B organizations. This module makes both concrete for one
organization, with the uncertainty its own data carries:

* **Reverse waterfall** (:func:`reverse_waterfall`, :func:`lead_plan`): revenue
  plan / deal size -> wins -> opportunities -> SQLs -> MQLs -> inquiries, each
  stage shifted earlier by its median lag, with Monte Carlo intervals from Beta
  posteriors of the observed conversion rates. Rounding rule: nothing is rounded
  between stages; only the final counts are rounded **up** (:func:`ceil_count`).
* **Scenarios** (:func:`project_scenarios`): a driver-based projection (leads x
  conversions x win rate x deal size, with stage lags) of today's funnel against
  an aligned funnel whose levers (:func:`alignment_levers`: :func:`worked_lever`,
  :func:`sla_lever`) come from the org's own evidence on under-worked leads and
  response time (module 2's findings when present).
* **Profitability** (:func:`unit_economics`, :func:`channel_investments`): gross
  margin, cost per MQL, CAC, payback and, by channel, cost per MQL / SQL / won
  deal and won revenue per unit of spend on mature lead cohorts.
* **Sensitivity** (:func:`sensitivity`): revenue per lever improvement (tornado).
* **Claims ledger** (:func:`claims_ledger`): the published alignment claims with
  their source and grade, never used as proof.
* **The org's own history** (:func:`alignment_series`, :func:`segmented_regression`):
  level and slope change of log monthly won revenue (per inquiry, by lead cohort)
  at the alignment start date, with autocorrelation-robust (Newey-West) errors
  whose p-values and intervals are calibrated by simulation.

Every function takes DataFrames with the canonical column names as defaults and
does no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core import style
from helpers.core.report import plain
from helpers.core.schema import STAGES
from helpers.core.stats import beta_posterior, hac_covariance
from helpers.data import isin_values, positions_in, text_equals

#: Average days in a month, used to turn day lags into whole months.
MONTH_DAYS = 30.4375
#: Tolerance under which a count is considered whole before rounding up
#: (so 80.0000000001 wins stay 80, not 81).
CEIL_TOLERANCE = 1e-9
#: Lead stages whose timestamps live on the leads table.
LEAD_STAGE_COLUMNS = {"inquiry": "created_at", "mql": "mql_at", "sal": "sal_at", "sql": "sql_at"}
STAGE_LABELS = {
    "inquiry": "Inquiries",
    "mql": "MQLs",
    "sal": "SALs",
    "sql": "SQLs",
    "opportunity": "Opportunities",
    "won": "Won deals",
}


# =============================================================================
# Claims ledger
# =============================================================================

#: Grades used in the claims ledger (best to worst).
CLAIM_GRADES = {
    "A": "primary study with published method, checked",
    "B": "primary source found (vendor survey, self-reported, correlational)",
    "C": "secondary sources only: primary report not found",
    "D": "attributed in passing, no primary source found",
}


def claims_ledger(
    sirius_growth: float = 0.19,
    sirius_profit: float = 0.15,
    sirius_3yr_revenue: float = 0.24,
    sirius_3yr_profit: float = 0.27,
    aberdeen_aligned: float = 0.20,
    aberdeen_misaligned: float = -0.04,
    idc_cost: float = 0.10,
) -> pd.DataFrame:
    """The published sales & marketing alignment claims, with source and grade.

    Figures are parameters so a facilitator can correct them; the sources and
    grades say how far each can be trusted. None of them is evidence about a
    particular organization: they are survey averages of self-reported
    "alignment", correlational at best.

    Returns
    -------
    DataFrame
        One row per claim: ``claim``, ``figure`` (fraction), ``metric``,
        ``attributed_to``, ``where_seen``, ``primary_source_found``, ``grade``,
        ``grade_meaning``.
    """
    rows = [
        (
            "Aligned orgs grow revenue faster",
            sirius_growth,
            "faster revenue growth (relative)",
            "SiriusDecisions",
            "the seed article (and many marketing blogs)",
            False,
            "D",
        ),
        (
            "Aligned orgs are more profitable",
            sirius_profit,
            "higher profitability (relative)",
            "SiriusDecisions",
            "the seed article (and many marketing blogs)",
            False,
            "D",
        ),
        (
            "Aligned orgs: 3-year revenue growth",
            sirius_3yr_revenue,
            "faster 3-year revenue growth",
            "SiriusDecisions",
            "secondary sources (blogs, vendor e-books)",
            False,
            "C",
        ),
        (
            "Aligned orgs: 3-year profit growth",
            sirius_3yr_profit,
            "faster 3-year profit growth",
            "SiriusDecisions",
            "secondary sources (blogs, vendor e-books)",
            False,
            "C",
        ),
        (
            "Annual revenue growth, aligned orgs",
            aberdeen_aligned,
            "annual revenue growth",
            "Aberdeen Group",
            "secondary sources citing an Aberdeen survey",
            False,
            "C",
        ),
        (
            "Annual revenue growth, misaligned orgs",
            aberdeen_misaligned,
            "annual revenue growth",
            "Aberdeen Group",
            "secondary sources citing an Aberdeen survey",
            False,
            "C",
        ),
        (
            "Misalignment costs at least this share of revenue",
            idc_cost,
            "revenue lost per year",
            "IDC",
            "secondary sources",
            False,
            "C",
        ),
    ]
    out = pd.DataFrame(
        rows,
        columns=[
            "claim",
            "figure",
            "metric",
            "attributed_to",
            "where_seen",
            "primary_source_found",
            "grade",
        ],
    )
    out["grade_meaning"] = out["grade"].map(CLAIM_GRADES)
    return out


# =============================================================================
# Small maths: rounding, Beta posteriors
# =============================================================================


def ceil_count(x, tol: float = CEIL_TOLERANCE):
    """Round counts **up** to whole units, ignoring floating-point dust.

    The reverse waterfall rounds only its final counts, up: a plan that needs
    7,111.1 inquiries needs 7,112. A value within ``tol`` (relative) of a whole
    number is that number (80.00000000001 wins are 80 wins).

    Parameters
    ----------
    x : float or array-like
        Unrounded counts.
    tol : float
        Relative tolerance.

    Returns
    -------
    int or ndarray of float
        Rounded-up counts (an ``int`` for a scalar input; NaN stays NaN).
    """
    arr = np.asarray(x, dtype=float)
    near = np.round(arr)
    close = np.abs(arr - near) <= tol * np.maximum(1.0, np.abs(arr))
    out = np.where(close, near, np.ceil(arr))
    if out.ndim == 0:
        return int(out) if np.isfinite(out) else float("nan")
    return out


# =============================================================================
# Reverse waterfall (hand-checkable core)
# =============================================================================


def _rates_frame(rates) -> pd.DataFrame:
    """Accept a DataFrame (from_stage, to_stage, rate) or a sequence/mapping of rates."""
    if isinstance(rates, pd.DataFrame):
        missing = {"from_stage", "to_stage", "rate"} - set(rates.columns)
        if missing:
            raise ValueError(f"The rates table needs the columns {sorted(missing)}.")
        return rates.reset_index(drop=True)
    if isinstance(rates, Mapping):
        rows = []
        for key, rate in rates.items():
            a, b = key.split("->") if isinstance(key, str) else key
            rows.append((a.strip(), b.strip(), float(rate)))
    else:
        rows = [(a, b, float(r)) for a, b, r in rates]
    return pd.DataFrame(rows, columns=["from_stage", "to_stage", "rate"])


def _check_chain(rates: pd.DataFrame) -> None:
    if rates.empty:
        raise ValueError("At least one stage conversion is needed to work back from wins to leads.")
    if rates["to_stage"].iloc[-1] != "won":
        raise ValueError("The last stage conversion must end at 'won' (wins are what the plan pays for).")
    for i in range(1, len(rates)):
        if rates["from_stage"].iloc[i] != rates["to_stage"].iloc[i - 1]:
            raise ValueError(
                "Stage conversions must form a chain from the first stage to 'won' "
                f"(got {rates['to_stage'].iloc[i - 1]} then {rates['from_stage'].iloc[i]})."
            )
    bad = rates[(rates["rate"] <= 0) | (rates["rate"] > 1) | rates["rate"].isna()]
    if not bad.empty:
        r = bad.iloc[0]
        raise ValueError(
            f"The conversion {r['from_stage']} -> {r['to_stage']} is {r['rate']}; "
            "it must be above 0 and at most 1 (100%)."
        )


def reverse_waterfall(revenue: float, deal_size: float, rates) -> pd.DataFrame:
    """Work back from a revenue target to the count needed at every funnel stage.

    ``wins = revenue / deal_size``; each earlier stage needs ``next / rate``.
    Nothing is rounded between stages; ``needed_rounded`` rounds each final count
    up (:func:`ceil_count`).

    Parameters
    ----------
    revenue : float
        Revenue target.
    deal_size : float
        Average won deal value.
    rates : DataFrame or sequence or mapping
        Stage conversions in funnel order ending at ``won``: a DataFrame with
        ``from_stage, to_stage, rate``, a list of ``(from, to, rate)`` or a dict
        ``{"inquiry->mql": 0.25, ...}``.

    Returns
    -------
    DataFrame
        ``stage``, ``needed`` (unrounded), ``needed_rounded`` (rounded up), from
        the top stage down to ``won``.

    Examples
    --------
    >>> reverse_waterfall(2_400_000, 30_000, {"inquiry->mql": .25, "mql->sql": .6,
    ...     "sql->opportunity": .5, "opportunity->won": .15}).iloc[0]["needed_rounded"]
    7112
    """
    if not deal_size or deal_size <= 0 or not np.isfinite(deal_size):
        raise ValueError("The average deal size must be a positive amount.")
    if revenue < 0:
        raise ValueError("The revenue target cannot be negative.")
    r = _rates_frame(rates)
    _check_chain(r)
    wins = revenue / deal_size
    stages = list(r["from_stage"]) + ["won"]
    needed = [wins]
    for rate in r["rate"].to_numpy()[::-1]:
        needed.append(needed[-1] / rate)
    needed = needed[::-1]
    out = pd.DataFrame({"stage": stages, "needed": needed})
    out["needed_rounded"] = ceil_count(out["needed"].to_numpy()).astype("int64")
    return out


def draw_stage_factors(
    rates: pd.DataFrame,
    deal_mean: float,
    deal_se: float = 0.0,
    n_draws: int = 4000,
    seed: int = 42,
) -> pd.DataFrame:
    """Monte Carlo draws of "count needed at each stage per unit of revenue".

    Each stage's conversion is drawn from its Beta posterior (columns ``alpha``,
    ``beta``) and the deal size from Normal(``deal_mean``, ``deal_se``) (kept
    above 1% of the mean). Multiplying a row by a revenue target gives one draw of
    the reverse waterfall, so every month of a plan shares the same draws.

    Returns
    -------
    DataFrame
        ``n_draws`` rows, one column per stage (top stage ... ``won``).
    """
    r = _rates_frame(rates) if not isinstance(rates, pd.DataFrame) else rates.reset_index(drop=True)
    if not {"alpha", "beta"} <= set(r.columns):
        raise ValueError("Draws need the Beta posterior of each rate (columns alpha and beta).")
    if n_draws < 2:
        raise ValueError("Use at least 2 Monte Carlo draws.")
    rng = np.random.default_rng(seed)
    p = rng.beta(r["alpha"].to_numpy(float), r["beta"].to_numpy(float), size=(n_draws, len(r)))
    if deal_se and deal_se > 0:
        d = rng.normal(deal_mean, deal_se, size=n_draws)
        d = np.maximum(d, 0.01 * deal_mean)
    else:
        d = np.full(n_draws, float(deal_mean))
    wins_per_unit = 1.0 / d
    # cumulative product from the bottom: needed at stage i = wins / prod(rates after i)
    inv = 1.0 / p
    cum = np.cumprod(inv[:, ::-1], axis=1)[:, ::-1]
    cols = list(r["from_stage"]) + ["won"]
    data = np.column_stack([cum * wins_per_unit[:, None], wins_per_unit])
    return pd.DataFrame(data, columns=cols)


# =============================================================================
# From the org's data: stage times, rates, lags, deal size, run-rate
# =============================================================================


def month_start(values) -> pd.Series:
    """First day of the month of each timestamp."""
    s = pd.to_datetime(pd.Series(values))
    return s.dt.to_period("M").dt.to_timestamp()


def _ts(x) -> pd.Timestamp:
    return pd.Timestamp(x).tz_localize(None) if pd.Timestamp(x).tzinfo else pd.Timestamp(x)


def data_end(leads: pd.DataFrame | None, opportunities: pd.DataFrame | None = None) -> pd.Timestamp:
    """The snapshot date of an export: the latest lead or opportunity timestamp."""
    latest = []
    for df in (leads, opportunities):
        if df is None:
            continue
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and df[col].notna().any():
                latest.append(df[col].max())
    if not latest:
        raise ValueError("No dated lead or opportunity was found: the revenue module needs created_at or closed_at dates.")
    return pd.Timestamp(max(latest))


def last_complete_month(as_of) -> pd.Timestamp:
    """First day of the last calendar month fully covered by data ending at ``as_of``."""
    as_of = _ts(as_of)
    month = as_of.to_period("M")
    if (as_of + pd.Timedelta(days=1)).to_period("M") != month:
        return month.to_timestamp()
    return (month - 1).to_timestamp()


def _has(df: pd.DataFrame | None, *cols: str) -> bool:
    return df is not None and all(c in df.columns and df[c].notna().any() for c in cols)


def available_stages(
    leads: pd.DataFrame | None,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str] = STAGES,
) -> tuple[list[str], dict[str, str]]:
    """The org's stages the data can measure, and why the others are skipped.

    A lead stage is measurable when its timestamp column has values; ``opportunity``
    when opportunities are dated; ``won`` when opportunities have outcomes and close
    dates. Lead stages count only when opportunities are linked to leads
    (``opportunities.lead_id``): otherwise lead counts cannot be tied to wins. A
    skipped middle stage is simply passed over (MQL -> SQL when SAL is missing).

    Returns
    -------
    (list of str, dict)
        Stages kept (funnel order), and ``{stage: reason}`` for each stage skipped.
    """
    has_opps = _has(opportunities, "outcome")
    linked = has_opps and _has(opportunities, "lead_id") and _has(leads, "lead_id")
    kept: list[str] = []
    skipped: dict[str, str] = {}
    for s in stages:
        if s in LEAD_STAGE_COLUMNS:
            ok = _has(leads, LEAD_STAGE_COLUMNS[s])
            why = f"leads.{LEAD_STAGE_COLUMNS[s]} is missing or empty"
        elif s == "opportunity":
            ok = has_opps and _has(opportunities, "created_at")
            why = "opportunities.created_at is missing or empty"
        else:
            ok = has_opps and _has(opportunities, "closed_at")
            why = "no opportunities with outcome and closed_at"
        if ok:
            kept.append(s)
        else:
            skipped[s] = why
    if "won" not in kept:
        raise ValueError(
            "The revenue module needs won deals: an opportunities table with outcome, closed_at "
            "and amount."
        )
    lead_part = [s for s in kept if s in LEAD_STAGE_COLUMNS]
    if lead_part and not linked:
        for s in lead_part:
            skipped[s] = "opportunities are not linked to leads (opportunities.lead_id)"
        kept = [s for s in kept if s not in LEAD_STAGE_COLUMNS]
    if len(kept) < 2:
        raise ValueError(
            "The reverse waterfall needs at least one dated stage before 'won' "
            "(e.g. opportunities.created_at or leads.created_at)."
        )
    return kept, skipped


def skipped_sentence(skipped: Mapping[str, str], kept: Sequence[str] | None = None) -> str:
    """One sentence naming the stages the plan cannot work back through (empty if none).

    With ``kept``, the funnel stages the org does not track at all (not in its
    ``org.yml: stages``) are named too, e.g. a deals-only export without inquiries.
    """
    missing = dict(skipped)
    if kept is not None:
        first = STAGES.index(kept[0]) if kept and kept[0] in STAGES else 0
        for s in STAGES[:first]:
            missing.setdefault(s, "not tracked in this org's stages")
    if not missing:
        return ""
    parts = "; ".join(f"{STAGE_LABELS.get(s, s)} ({why})" for s, why in missing.items())
    top = STAGE_LABELS.get(kept[0], kept[0]).lower() if kept else "the first dated stage"
    return f"The plan works back from won deals to {top} only; stages skipped, as the data lacks them: {parts}."


def _reindex_unique(values: pd.Series, index: pd.Index) -> pd.Series:
    """``values.reindex(index)`` for a Series whose index does not repeat (per-lead
    aggregates), looked up in Arrow: fast with millions of text ids."""
    if len(values) == 0 or len(index) == 0:
        return values.reindex(index)
    pos = positions_in(index, values.index)
    found = pos >= 0
    out = values.iloc[np.where(found, pos, 0)].where(found)
    out.index = index
    return out


def stage_times(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
    *,
    lead_id: str = "lead_id",
) -> pd.DataFrame:
    """When each lead reached each stage (one row per lead, one column per stage).

    Lead stages come from their timestamp columns; ``opportunity`` is the lead's
    first opportunity, ``won`` its first won opportunity's close date. A lead that
    skipped a stage (e.g. an SQL time without an SAL time) has passed it: it gets
    the time of its next reached stage. Columns ``reached_<stage>`` say whether
    the lead passed the stage (also when the time is unknown); ``won_amount`` is
    the total of its won deals.
    """
    if leads is None or lead_id not in leads.columns:
        raise ValueError("The leads table with lead_id is needed to follow leads through the funnel.")
    ids = leads[lead_id].astype("string")
    out = pd.DataFrame(index=pd.Index(ids, name=lead_id))
    reached = pd.DataFrame(index=out.index)
    opp_first = won_first = won_amt = None
    if opportunities is not None and _has(opportunities, "lead_id"):
        o = opportunities[opportunities["lead_id"].notna()]
        key = o["lead_id"].astype("string")
        if "created_at" in o.columns:
            opp_first = o["created_at"].groupby(key).min()
        opp_any = pd.Series(True, index=pd.Index(key.unique()))
        won = o["outcome"].astype("string").str.lower() == "won"
        ow = o[won.fillna(False).to_numpy()]
        wkey = ow["lead_id"].astype("string")
        won_first = ow["closed_at"].groupby(wkey).min() if "closed_at" in ow.columns else None
        won_any = pd.Series(True, index=pd.Index(wkey.unique()))
        won_amt = (
            ow["amount"].groupby(wkey).sum() if "amount" in ow.columns else pd.Series(dtype=float)
        )
    for s in stages:
        if s in LEAD_STAGE_COLUMNS:
            col = LEAD_STAGE_COLUMNS[s]
            t = pd.Series(leads[col].to_numpy(), index=out.index) if col in leads.columns else None
            out[s] = t if t is not None else pd.NaT
            reached[s] = out[s].notna()
        elif s == "opportunity":
            out[s] = _reindex_unique(opp_first, out.index) if opp_first is not None else pd.NaT
            reached[s] = (
                pd.Series(isin_values(out.index, opp_any.index), index=out.index)
                if opportunities is not None and _has(opportunities, "lead_id")
                else False
            )
        elif s == "won":
            out[s] = _reindex_unique(won_first, out.index) if won_first is not None else pd.NaT
            reached[s] = (
                pd.Series(isin_values(out.index, won_any.index), index=out.index)
                if opportunities is not None and _has(opportunities, "lead_id")
                else False
            )
    # passing a later stage means passing the earlier ones
    stages = list(stages)
    reached_bf = reached[stages[::-1]].astype(bool).cummax(axis=1)[stages]
    arr = np.column_stack(
        [pd.to_datetime(out[s]).to_numpy("datetime64[ns]").astype("int64") for s in stages]
    ).astype(float)
    arr[arr == float(np.iinfo(np.int64).min)] = np.nan
    later = np.full_like(arr, np.nan)
    if len(stages) > 1:
        rev_min = np.fmin.accumulate(arr[:, ::-1], axis=1)[:, ::-1]
        later[:, :-1] = rev_min[:, 1:]
    filled = np.where(np.isnan(arr), later, arr)
    for i, s in enumerate(stages):
        col = filled[:, i]
        vals = pd.to_datetime(np.where(np.isnan(col), np.iinfo(np.int64).min, col).astype("int64"), unit="ns")
        out[s] = pd.Series(vals, index=out.index).where(~np.isnan(col), pd.NaT)
        out[f"reached_{s}"] = reached_bf[s].to_numpy()
    out["won_amount"] = _reindex_unique(won_amt, out.index).fillna(0.0) if won_amt is not None else 0.0
    return out


def _quantile_days(td: pd.Series, q: float) -> float:
    d = td.dt.total_seconds() / 86400.0
    d = d[d.notna()].clip(lower=0)
    return float(d.quantile(q)) if len(d) else float("nan")


def stage_rates(
    times: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
    as_of,
    *,
    window_months: int = 12,
    maturity_quantile: float = 0.9,
    max_maturity_days: float = 365.0,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """Stage-to-stage conversion rates on mature recent cohorts, with Beta posteriors.

    Right-censoring rule: for the conversion ``s -> t``, a lead counts only if it
    reached ``s`` at least *maturity* days before the data end, where maturity is
    the ``maturity_quantile`` (90%) of the observed ``s -> t`` lag (capped at
    ``max_maturity_days``); leads too young to have converted are not counted as
    lost. Among mature leads, the last ``window_months`` months of entries into
    ``s`` give today's rate (all history when that window is empty). The
    ``opportunity -> won`` rate is counted on opportunities (open ones older than
    the maturity count as not won); the others on leads.

    Returns
    -------
    DataFrame
        ``from_stage, to_stage, trials, successes, rate, alpha, beta,
        lag_days_median, lag_days_p90, maturity_days, window_start, window_end``.
    """
    as_of = _ts(as_of)
    rows = []
    for s, t in zip(stages[:-1], stages[1:]):
        if s == "opportunity" and t == "won":
            if opportunities is None or not _has(opportunities, "created_at"):
                raise ValueError("The win rate needs opportunities.created_at.")
            o = opportunities[opportunities["created_at"].notna()]
            is_won = (o["outcome"].astype("string").str.lower() == "won").fillna(False).to_numpy()
            start_t = o["created_at"]
            lag = (o["closed_at"] - o["created_at"])[is_won] if "closed_at" in o.columns else pd.Series(dtype="timedelta64[ns]")
            success = pd.Series(is_won, index=o.index)
        else:
            reached_s = times[f"reached_{s}"] & times[s].notna()
            start_t = times.loc[reached_s, s]
            success = times.loc[reached_s, f"reached_{t}"]
            conv = success & times.loc[reached_s, t].notna()
            lag = (times.loc[reached_s, t] - start_t)[conv]
        med = _quantile_days(lag, 0.5)
        p90 = _quantile_days(lag, maturity_quantile)
        maturity = min(p90 if np.isfinite(p90) else 0.0, max_maturity_days)
        cutoff = as_of - pd.Timedelta(days=maturity)
        win_start = cutoff - pd.DateOffset(months=window_months)
        mature = start_t <= cutoff
        recent = mature & (start_t > win_start)
        use = recent if recent.sum() > 0 else mature
        if use.sum() == 0:
            raise ValueError(
                f"No {STAGE_LABELS.get(s, s)} is old enough to measure the conversion {s} -> {t} "
                f"(leads need about {maturity:.0f} days to convert); the data history is too short."
            )
        n = int(use.sum())
        k = int(success[use.to_numpy()].sum())
        if k == 0:
            raise ValueError(
                f"No conversion {s} -> {t} was observed among {n} mature {STAGE_LABELS.get(s, s)}; "
                "the plan cannot be worked back through this stage."
            )
        a, b = beta_posterior(k, n, prior)
        rows.append(
            {
                "from_stage": s,
                "to_stage": t,
                "trials": n,
                "successes": k,
                "rate": k / n,
                "alpha": float(a),
                "beta": float(b),
                "lag_days_median": med if np.isfinite(med) else 0.0,
                "lag_days_p90": p90 if np.isfinite(p90) else 0.0,
                "maturity_days": maturity,
                "window_start": start_t[use].min(),
                "window_end": start_t[use].max(),
            }
        )
    if not rows:
        raise ValueError("At least two measurable stages (one of them 'won') are needed for a reverse waterfall.")
    out = pd.DataFrame(rows)
    out["lag_months"] = lag_months(out["lag_days_median"])
    return out


def lag_months(lag_days) -> np.ndarray:
    """Whole-month lags per conversion whose running sums from the bottom stay rounded right.

    Rounding each stage's lag separately would lose the sales cycle (five lags of
    ten days are 50 days, not 0 months): the cumulative lag from each stage to
    the win is rounded, and the per-stage lags are its differences.
    """
    d = np.asarray(lag_days, dtype=float)
    after = np.round(np.cumsum(d[::-1])[::-1] / MONTH_DAYS).astype("int64")
    nxt = np.append(after[1:], 0)
    return after - nxt


@dataclass
class DealSize:
    """Average won deal value and its uncertainty."""

    mean: float
    sd: float
    n: int
    se: float
    window_start: pd.Timestamp | None = None
    window_end: pd.Timestamp | None = None


def deal_size(
    opportunities: pd.DataFrame,
    as_of,
    *,
    window_months: int = 12,
    amount: str = "amount",
    outcome: str = "outcome",
    closed_at: str = "closed_at",
) -> DealSize:
    """Average value of deals won in the last ``window_months`` (all history if none)."""
    if not _has(opportunities, amount, outcome):
        raise ValueError("Deal size needs opportunities with amount and outcome.")
    o = opportunities
    won = (o[outcome].astype("string").str.lower() == "won").fillna(False).to_numpy()
    w = o[won & o[amount].notna().to_numpy()]
    if w.empty:
        raise ValueError("No won deal has an amount: the revenue plan cannot be turned into wins.")
    as_of = _ts(as_of)
    if closed_at in w.columns and w[closed_at].notna().any():
        recent = w[w[closed_at] > as_of - pd.DateOffset(months=window_months)]
        if len(recent) >= 5:
            w = recent
    vals = w[amount].astype(float)
    n = len(vals)
    sd = float(vals.std(ddof=1)) if n > 1 else 0.0
    start = w[closed_at].min() if closed_at in w.columns else None
    end = w[closed_at].max() if closed_at in w.columns else None
    return DealSize(float(vals.mean()), sd, n, sd / math.sqrt(n) if n > 1 else 0.0, start, end)


def monthly_stage_counts(
    times: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str],
) -> pd.DataFrame:
    """Count of entries into each stage by calendar month of the stage event.

    Lead stages count leads by their stage timestamp; ``opportunity`` and ``won``
    count opportunities by ``created_at`` and won ``closed_at``; ``revenue`` is
    won revenue by close month.
    """
    series = {}
    for s in stages:
        if s in ("opportunity", "won") and opportunities is not None:
            if s == "opportunity":
                t = opportunities["created_at"] if "created_at" in opportunities.columns else None
            else:
                won = (opportunities["outcome"].astype("string").str.lower() == "won").fillna(False).to_numpy()
                t = opportunities.loc[won, "closed_at"]
        else:
            t = times[s]
        if t is None:
            continue
        t = t.dropna()
        series[s] = month_start(t).value_counts()
    if opportunities is not None and _has(opportunities, "amount", "closed_at"):
        won = (opportunities["outcome"].astype("string").str.lower() == "won").fillna(False).to_numpy()
        w = opportunities.loc[won & opportunities["closed_at"].notna().to_numpy()]
        series["revenue"] = w["amount"].groupby(month_start(w["closed_at"]).to_numpy()).sum()
    out = pd.DataFrame(series).sort_index()
    if out.empty:
        return out
    full = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(full).fillna(0.0)
    out.index.name = "month"
    return out


def run_rate(counts: pd.DataFrame, as_of, months: int = 6) -> pd.Series:
    """Average monthly count per stage over the last ``months`` complete months."""
    end = last_complete_month(as_of)
    start = end - pd.DateOffset(months=months - 1)
    window = counts.loc[(counts.index >= start) & (counts.index <= end)]
    if window.empty:
        raise ValueError("No complete month of data is available to measure the current run-rate.")
    out = window.reindex(pd.date_range(start, end, freq="MS")).fillna(0.0).mean()
    out.name = "run_rate"
    out.attrs["window"] = (start, end)
    return out


# =============================================================================
# The plan and the lead plan
# =============================================================================


@dataclass
class PlanTargets:
    """Monthly revenue targets and where they came from (one sentence)."""

    targets: pd.Series
    source: str

    @property
    def annual(self) -> float:
        """Revenue over the first 12 planned months (scaled when fewer)."""
        t = self.targets.iloc[:12]
        return float(t.sum() * 12 / len(t)) if len(t) else 0.0


def plan_targets(
    plan: pd.DataFrame | None,
    as_of,
    *,
    revenue_plan: float = 0.0,
    trailing_revenue: float | None = None,
    plan_growth: float = 0.2,
    months: int = 12,
    period: str = "period",
    target: str = "revenue_target",
) -> PlanTargets:
    """Monthly revenue targets for the lead plan.

    Precedence: a positive ``revenue_plan`` (annual target, spread evenly over the
    ``months`` after the data end) > the ``plan`` table's months after the last
    complete month > the plan table's last ``months`` periods (a past plan: what
    was needed) > the trailing 12 months' won revenue grown by ``plan_growth``.
    Quarterly or yearly plan periods are spread evenly over their months.
    """
    start = last_complete_month(as_of) + pd.DateOffset(months=1)
    future_months = pd.date_range(start, periods=months, freq="MS")
    if revenue_plan and revenue_plan > 0:
        s = pd.Series(revenue_plan / 12.0, index=future_months, name="revenue_target")
        return PlanTargets(s, f"the revenue_plan parameter ({revenue_plan:,.0f} a year), spread evenly")
    if plan is not None and _has(plan, period, target):
        p = plan[[period, target]].dropna().sort_values(period)
        p = pd.DataFrame({"month": month_start(p[period]).to_numpy(), "t": p[target].astype(float).to_numpy()})
        p = p.groupby("month")["t"].sum()
        gaps = p.index.to_series().diff().dt.days.dropna()
        step = int(round(gaps.median() / MONTH_DAYS)) if len(gaps) else 1
        if step > 1:  # quarterly/yearly plan: spread each period over its months
            idx = p.index.repeat(step) + pd.to_timedelta(0, "D")
            offs = np.tile(np.arange(step), len(p))
            idx = pd.DatetimeIndex([i + pd.DateOffset(months=int(k)) for i, k in zip(idx, offs)])
            p = pd.Series(np.repeat(p.to_numpy() / step, step), index=idx)
        fut = p[p.index >= start]
        if len(fut):
            s = fut.iloc[:max(months, len(fut))]
            return PlanTargets(s.rename("revenue_target"), "the plan table (months after the data end)")
        s = p.iloc[-months:]
        return PlanTargets(
            s.rename("revenue_target"),
            "the plan table (its last months, all before the data end: what the plan needed)",
        )
    if trailing_revenue is None or trailing_revenue <= 0:
        raise ValueError(
            "No revenue plan: add a plan table, set the revenue_plan parameter, or provide won revenue history."
        )
    annual = trailing_revenue * (1 + plan_growth)
    s = pd.Series(annual / 12.0, index=future_months, name="revenue_target")
    return PlanTargets(
        s,
        f"no plan table: the last 12 months' won revenue grown by {plan_growth:.0%} "
        f"({annual:,.0f} a year)",
    )


def lead_plan(
    targets: pd.Series,
    rates: pd.DataFrame,
    deal: DealSize,
    *,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
) -> pd.DataFrame:
    """The monthly count needed at every stage, arriving early enough for the plan.

    For each plan month ``m`` and stage ``s``: ``needed = target_m / deal size /
    product of the conversions after s`` (observed rates, no rounding between
    stages), arriving in month ``m - lag(s -> won)`` where the lag is the sum of
    the median stage lags (whole months). ``needed_rounded`` rounds up the final
    count; ``mc_mean``, ``low`` and ``high`` come from Monte Carlo draws of the
    rates' Beta posteriors and of the deal size.

    Returns
    -------
    DataFrame
        ``plan_month, revenue_target, stage, arrival_month, lead_time_months,
        needed, needed_rounded, mc_mean, low, high``.
    """
    r = rates.reset_index(drop=True)
    point = reverse_waterfall(1.0, deal.mean, r).set_index("stage")["needed"]
    draws = draw_stage_factors(r, deal.mean, deal.se, n_draws=n_draws, seed=seed)
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    q = draws.quantile([lo_q, hi_q])
    mean = draws.mean()
    lags = list(r["lag_months"].to_numpy())
    stages = list(r["from_stage"]) + ["won"]
    lead_time = {s: int(sum(lags[i:])) for i, s in enumerate(stages)}
    t = targets.astype(float)
    frames = []
    for s in stages:
        f = pd.DataFrame(
            {
                "plan_month": t.index,
                "revenue_target": t.to_numpy(),
                "stage": s,
                "lead_time_months": lead_time[s],
            }
        )
        f["arrival_month"] = [m - pd.DateOffset(months=lead_time[s]) for m in t.index]
        f["needed"] = t.to_numpy() * point[s]
        f["mc_mean"] = t.to_numpy() * mean[s]
        f["low"] = t.to_numpy() * q.loc[lo_q, s]
        f["high"] = t.to_numpy() * q.loc[hi_q, s]
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["needed_rounded"] = ceil_count(out["needed"].to_numpy()).astype("int64")
    out["stage"] = out["stage"].astype("string")
    return out[
        [
            "plan_month",
            "revenue_target",
            "stage",
            "arrival_month",
            "lead_time_months",
            "needed",
            "needed_rounded",
            "mc_mean",
            "low",
            "high",
        ]
    ]


def plan_gap(
    targets: pd.Series,
    rates: pd.DataFrame,
    deal: DealSize,
    current: pd.Series,
    *,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
) -> pd.DataFrame:
    """Monthly count needed per stage (plan average) against the current run-rate.

    Returns
    -------
    DataFrame
        One row per stage (``revenue`` first): ``needed_per_month`` (at observed
        rates), ``low``, ``high`` (Monte Carlo interval), ``needed_rounded``,
        ``run_rate``, ``gap`` (needed - run-rate; positive = short),
        ``gap_pct`` (gap / needed), ``p_enough`` (share of draws where the
        run-rate covers the need).
    """
    r = rates.reset_index(drop=True)
    avg = float(targets.astype(float).mean())
    point = reverse_waterfall(avg, deal.mean, r).set_index("stage")["needed"]
    draws = draw_stage_factors(r, deal.mean, deal.se, n_draws=n_draws, seed=seed) * avg
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    rows = [
        {
            "stage": "revenue",
            "needed_per_month": avg,
            "low": avg,
            "high": avg,
            "needed_rounded": avg,
            "run_rate": float(current.get("revenue", np.nan)),
        }
    ]
    for s in point.index:
        rows.append(
            {
                "stage": s,
                "needed_per_month": float(point[s]),
                "low": float(draws[s].quantile(lo_q)),
                "high": float(draws[s].quantile(hi_q)),
                "needed_rounded": float(ceil_count(point[s])),
                "run_rate": float(current.get(s, np.nan)),
            }
        )
    out = pd.DataFrame(rows)
    out["gap"] = out["needed_per_month"] - out["run_rate"]
    out["gap_pct"] = out["gap"] / out["needed_per_month"]
    p_enough = [float("nan")]
    for s in point.index:
        rr = current.get(s, np.nan)
        p_enough.append(float((draws[s] <= rr).mean()) if np.isfinite(rr) else float("nan"))
    out["p_enough"] = p_enough
    out["stage"] = out["stage"].astype("string")
    return out


# =============================================================================
# Levers: sales work (touches to the plateau, response within the SLA)
# =============================================================================


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
    as_of = _ts(as_of)
    for s in (start_stage, target_stage):
        if s not in times.columns:
            raise ValueError(f"The stage '{s}' is not in this org's funnel, so sales work cannot be measured from it.")
    base = times[times[f"reached_{start_stage}"] & times[start_stage].notna()]
    work_start = base[start_stage]
    converted = base[f"reached_{target_stage}"].astype(bool)
    end = base[target_stage].where(converted & base[target_stage].notna(), pd.NaT)
    if "disqualified_at" in leads.columns:
        dq = pd.Series(leads["disqualified_at"].to_numpy(), index=times.index).reindex(base.index)
        end = end.where(end.notna(), dq)
    end = end.fillna(as_of)
    out = pd.DataFrame({"start": work_start, "converted": converted.to_numpy()}, index=base.index)
    if activities is not None and _has(activities, "lead_id", "occurred_at"):
        a = activities
        if "team" in a.columns and a["team"].notna().any():
            a = a[text_equals(a["team"], team_value)]
        pos = positions_in(a["lead_id"], base.index)
        ok = pos >= 0
        pos = pos[ok]
        occ = a["occurred_at"].to_numpy("datetime64[ns]")[ok].view("int64")
        ws = work_start.to_numpy("datetime64[ns]").view("int64")[pos]
        we = pd.to_datetime(end).to_numpy("datetime64[ns]").view("int64")[pos]
        nat = np.iinfo(np.int64).min
        after = (occ != nat) & (occ >= ws)
        inwin = after & (occ < we)
        out["touches"] = np.bincount(pos[inwin], minlength=len(base)).astype(float)
        first = np.full(len(base), nat, dtype=np.int64)
        if after.any():
            f = pd.Series(occ[after]).groupby(pos[after]).min()
            first[f.index.to_numpy()] = f.to_numpy()
        first_t = pd.Series(first.view("datetime64[ns]"), index=base.index)
        out["response_hours"] = (first_t - work_start) / pd.Timedelta(hours=1)
        out.attrs["touch_source"] = "activities"
    elif _has(leads, "sales_touches") or _has(leads, "first_sales_touch_at"):
        lk = leads.set_index(leads["lead_id"].astype("string"))
        if "sales_touches" in lk.columns:
            out["touches"] = lk["sales_touches"].reindex(base.index).astype(float).to_numpy()
        else:
            out["touches"] = np.nan
        if "first_sales_touch_at" in lk.columns:
            f = pd.to_datetime(lk["first_sales_touch_at"].reindex(base.index))
            out["response_hours"] = ((f - work_start) / pd.Timedelta(hours=1)).to_numpy()
        else:
            out["response_hours"] = np.nan
        out.attrs["touch_source"] = "aggregates"
    else:
        raise ValueError(
            "Sales-work levers need an activities table (lead_id, occurred_at, team) "
            "or the leads' sales_touches / first_sales_touch_at columns."
        )
    return out


def mature_work(work: pd.DataFrame, as_of, maturity_days: float, window_months: int = 12) -> pd.DataFrame:
    """Leads old enough to have converted (censoring rule), from the last ``window_months``."""
    cutoff = _ts(as_of) - pd.Timedelta(days=maturity_days)
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
        return float(np.quantile(self.draws, 0.05))

    @property
    def high(self) -> float:
        return float(np.quantile(self.draws, 0.95))


def conversion_by_touches(work: pd.DataFrame, plateau: int, prior: tuple[float, float] = (1.0, 1.0)) -> pd.DataFrame:
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
        raise ValueError("The share of under-worked leads that would be worked must be between 0 and 1.")
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
        raise ValueError(f"No lead got {plateau} sales touches or more, so their conversion is unknown.")
    n_under = under["leads"].to_numpy(float)
    r_under = np.where(n_under > 0, under["rate"].fillna(0.0).to_numpy(float), 0.0)
    e_point = float(np.sum(n_under * np.clip(top["rate"] - r_under, 0, None)))
    rng = np.random.default_rng(seed)
    d_top = rng.beta(top["alpha"], top["beta"], size=(n_draws, 1))
    d_under = rng.beta(under["alpha"].to_numpy(float), under["beta"].to_numpy(float), size=(n_draws, len(under)))
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
        f"{int(n_under.sum()):,} of {int(c['leads'].sum()):,} touched mature leads got fewer than {plateau} sales "
        f"touches and converted at {detail['rate_under_worked']:.1%}, against {top['rate']:.1%} with {plateau} or more; "
        f"worked to {plateau}, about {fix * e_point:,.0f} more would convert (+{m_point - 1:.0%} on {transition})."
    )
    return Lever(f"Work under-worked leads to {plateau} touches", transition, m_point, m_draws, ev, detail)


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
        raise ValueError("The share of slow leads that would be answered within the SLA must be between 0 and 1.")
    touched = work[work["response_hours"].notna()]
    if touched.empty:
        raise ValueError("No lead has a first sales touch, so response time cannot be measured.")
    fast = touched["response_hours"].to_numpy(float) <= sla_hours
    conv = touched["converted"].to_numpy(bool)
    n_f, k_f = int(fast.sum()), int(conv[fast].sum())
    n_s, k_s = int((~fast).sum()), int(conv[~fast].sum())
    if n_f == 0 or n_s == 0:
        m = np.ones(n_draws)
        return Lever(f"Answer leads within {sla_hours:g} h", transition, 1.0, m,
                     "All touched leads fall on one side of the SLA: no contrast to measure.",
                     {"fast_share": n_f / len(touched)})
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
        f"{n_s:,} of {len(touched):,} touched leads were first answered after {sla_hours:g} h; they converted "
        f"at {r_s:.1%} against {r_f:.1%} for leads answered in time ({m_point - 1:+.0%} on {transition} "
        "if they had been answered in time)."
    )
    return Lever(f"Answer leads within {sla_hours:g} h", transition, m_point, m_draws, ev, detail)


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
class FunnelModel:
    """The org's funnel as the revenue module sees it (see :func:`build_funnel`).

    Attributes
    ----------
    stages : list of str
        Measurable stages, top to ``won``.
    skipped : dict
        ``{stage: reason}`` for the org's stages the data lacks.
    as_of : Timestamp
        Data end (the export's latest timestamp).
    times : DataFrame
        :func:`stage_times` output.
    rates : DataFrame
        :func:`stage_rates` output (today's conversions, lags, Beta posteriors).
    deal : DealSize
    counts : DataFrame
        :func:`monthly_stage_counts` output.
    current : Series
        :func:`run_rate` output.
    """

    stages: list
    skipped: dict
    as_of: pd.Timestamp
    times: pd.DataFrame
    rates: pd.DataFrame
    deal: DealSize
    counts: pd.DataFrame
    current: pd.Series
    opportunities: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def top_stage(self) -> str:
        return self.stages[0]

    @property
    def transitions(self) -> list[str]:
        return [f"{a}->{b}" for a, b in zip(self.rates["from_stage"], self.rates["to_stage"])]

    @property
    def cycle_days(self) -> float:
        """Sum of the median stage lags: top stage to won."""
        return float(self.rates["lag_days_median"].sum())

    @property
    def maturity_months(self) -> int:
        """Whole months after which 95% of a cohort's wins have closed (top stage to won)."""
        t = self.times
        top = self.top_stage
        ok = t["reached_won"] & t["won"].notna() & t[top].notna()
        days = _quantile_days((t["won"] - t[top])[ok], 0.95)
        if not np.isfinite(days):
            days = float(self.rates["maturity_days"].sum())
        return max(1, int(math.ceil(days / MONTH_DAYS)))

    @property
    def first_projection_month(self) -> pd.Timestamp:
        """The first month after the last complete month of data."""
        return last_complete_month(self.as_of) + pd.DateOffset(months=1)

    def won_history(self) -> pd.DataFrame:
        """Won revenue by close month (``month``, ``revenue``), complete months only."""
        if "revenue" not in self.counts.columns:
            return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "revenue": pd.Series(dtype=float)})
        return pd.DataFrame({"month": self.counts.index, "revenue": self.counts["revenue"].to_numpy()})

    def trailing_revenue(self, months: int = 12) -> float:
        """Won revenue over the last ``months`` complete months."""
        if "revenue" not in self.counts.columns:
            return float("nan")
        end = last_complete_month(self.as_of)
        c = self.counts.loc[(self.counts.index <= end) & (self.counts.index > end - pd.DateOffset(months=months)), "revenue"]
        return float(c.sum())

    def rates_table(self, interval: float = 0.9) -> pd.DataFrame:
        """Today's conversions for display: rate with its interval, leads counted, lags."""
        from scipy import stats

        r = self.rates
        lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
        return pd.DataFrame(
            {
                "conversion": [f"{STAGE_LABELS.get(a, a)} -> {STAGE_LABELS.get(b, b)}" for a, b in zip(r["from_stage"], r["to_stage"])],
                "counted": r["trials"].astype("int64"),
                "converted": r["successes"].astype("int64"),
                "rate": r["rate"],
                "low": stats.beta.ppf(lo, r["alpha"], r["beta"]),
                "high": stats.beta.ppf(hi, r["alpha"], r["beta"]),
                "median_lag_days": r["lag_days_median"],
                "mature_after_days": r["maturity_days"],
            }
        )


def build_funnel(
    leads: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    stages: Sequence[str] = STAGES,
    *,
    window_months: int = 12,
    run_rate_months: int = 6,
) -> FunnelModel:
    """Everything the revenue module needs from an org's leads and opportunities.

    Raises ``ValueError`` (with a sentence) when the data cannot support a plan:
    no won deal with an amount, no dated stage before ``won``, too short a history.
    """
    kept, skipped = available_stages(leads, opportunities, stages)
    as_of = data_end(leads, opportunities)
    times = stage_times(leads, opportunities, kept)
    rates = stage_rates(times, opportunities, kept, as_of, window_months=window_months)
    deal = deal_size(opportunities, as_of, window_months=window_months)
    counts = monthly_stage_counts(times, opportunities, kept)
    counts = counts[counts.index <= last_complete_month(as_of)]
    current = run_rate(counts, as_of, run_rate_months)
    return FunnelModel(kept, skipped, as_of, times, rates, deal, counts, current, opportunities)


@dataclass
class LeverSet:
    """The aligned scenario's levers, their combination and what was used to build them."""

    levers: list
    combined: Lever | None
    notes: list
    plateau: int | None = None
    transition: str | None = None


def alignment_levers(
    model: FunnelModel,
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
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
    """
    notes: list[str] = []
    if "mql" not in model.stages:
        notes.append("No MQL dates: the sales-work levers (touches, response time) cannot be measured, "
                      "so the aligned scenario is skipped.")
        return LeverSet([], None, notes)
    target = "opportunity" if "opportunity" in model.stages else "won"
    i0, i1 = model.stages.index("mql"), model.stages.index(target)
    span = model.transitions[i0:i1]
    fs = dict(funnel_summary or {})
    p = fs.get("touches_plateau")
    if isinstance(p, int | float) and p and p > 0:
        plateau = int(p)
        notes.append(f"Touches plateau {plateau}: from module 2's findings (summary.json).")
    else:
        notes.append(f"Touches plateau {plateau}: the notebook parameter (module 2's finding not available).")
    big = fs.get("biggest_leak") if isinstance(fs.get("biggest_leak"), dict) else {}
    leak = big.get("stage") if big.get("cause") == "under-worked" else None
    if leak in span:
        chosen = leak
        notes.append(f"The levers move {chosen}: module 2 found it the biggest leak, caused by under-working.")
    elif transition in span:
        chosen = transition
        notes.append(f"The levers move {chosen} (parameter lever_transition).")
    else:
        into_sql = [t for t in span if t.endswith("->sql")]
        chosen = into_sql[0] if into_sql else span[0]
        notes.append(f"The levers move {chosen}, the sales qualification step.")
    maturity = float(model.rates.iloc[i0:i1]["maturity_days"].sum())
    try:
        work = sales_work(model.times, leads, activities, "mql", target, model.as_of)
    except ValueError as exc:
        notes.append(f"{exc} The aligned scenario is skipped.")
        return LeverSet([], None, notes, plateau, chosen)
    mw = mature_work(work, model.as_of, maturity, window_months)
    levers = []
    for fn, kw in ((worked_lever, {"plateau": plateau, "fix": worked_fix}), (sla_lever, {"sla_hours": sla_hours, "fix": sla_fix})):
        try:
            lv = fn(mw, chosen, n_draws=n_draws, seed=seed, **kw)
        except ValueError as exc:
            notes.append(str(exc))
            continue
        levers.append(lv)
        notes.append(lv.evidence)
        if lv.multiplier <= 1:
            notes.append(f"'{lv.name}' shows no gain on this data, so the aligned scenario leaves it out.")
    if work.attrs.get("touch_source") == "aggregates":
        notes.append("Touch counts come from lead aggregates (no activity log), so they include touches after "
                     "the conversion: the touches lever is overstated.")
    combined = combine_levers(levers)
    if combined is not None and len([lv for lv in levers if lv.multiplier > 1]) > 1:
        notes.append("Both levers are multiplied together; a lead both slow and under-worked counts in both, "
                     "a slight overstatement.")
    return LeverSet(levers, combined, notes, plateau, chosen)


# =============================================================================
# Scenarios: driver-based projection with lags
# =============================================================================


def _multipliers(
    transitions: Sequence[str], levers: Sequence[Lever], n_draws: int, use_draws: bool
) -> np.ndarray:
    m = np.ones((n_draws, len(transitions)))
    for lv in levers:
        if lv.transition not in transitions:
            raise ValueError(
                f"The lever '{lv.name}' moves {lv.transition}, which is not a stage conversion "
                f"of this funnel ({', '.join(transitions)})."
            )
        j = list(transitions).index(lv.transition)
        if use_draws:
            d = np.asarray(lv.draws, dtype=float)
            if len(d) != n_draws:
                d = np.resize(d, n_draws)
            m[:, j] *= d
        else:
            m[:, j] *= lv.multiplier
    return m


def _expected_wins(
    inquiries0: float,
    growth: float,
    rates: np.ndarray,
    lags: np.ndarray,
    mult: np.ndarray,
    horizon: int,
    ramp_months: int,
    volume_mult: float = 1.0,
) -> np.ndarray:
    """Expected wins per month (draws x months) of a lagged multiplicative funnel.

    A lead arriving in month ``a`` meets conversion ``j`` in month
    ``a + sum(lags before j)`` and wins in ``a + sum(lags)``. A lever on
    conversion ``j`` applies to leads meeting it from month 0 on, phased in
    linearly over ``ramp_months``; the pipeline already in flight keeps today's
    rates. ``volume_mult`` scales arrivals from month 0 on.
    """
    t = np.arange(horizon)
    total = int(lags.sum())
    after = np.cumsum(lags[::-1])[::-1]  # months from meeting conversion j to the win
    s = t[None, :] - after[:, None]  # (k, H): month lead meets conversion j
    if ramp_months and ramp_months > 0:
        phase = np.clip((s + 1) / ramp_months, 0.0, 1.0)
    else:
        phase = (s >= 0).astype(float)
    eff = 1.0 + (mult[:, :, None] - 1.0) * phase[None, :, :]  # (n, k, H)
    r = np.minimum(rates[:, :, None] * eff, 1.0)  # a conversion cannot pass 100%
    arrival = t - total
    vol = inquiries0 * (1.0 + growth) ** arrival * np.where(arrival >= 0, volume_mult, 1.0)
    return vol[None, :] * np.prod(r, axis=1)


@dataclass
class ScenarioResult:
    """Baseline vs aligned projection."""

    monthly: pd.DataFrame
    totals: pd.DataFrame
    uplift: dict
    draws: dict = field(repr=False, default_factory=dict)


def project_scenarios(
    rates: pd.DataFrame,
    deal: DealSize,
    inquiries0: float,
    levers: Sequence[Lever],
    start_month,
    *,
    horizon: int = 24,
    growth: float = 0.0,
    gross_margin: float = 0.7,
    ramp_months: int = 3,
    n_draws: int = 4000,
    seed: int = 42,
    interval: float = 0.9,
    alignment_cost_monthly: float = 0.0,
) -> ScenarioResult:
    """Revenue and gross profit, today's funnel (baseline) vs the aligned funnel.

    Driver-based: inquiries (``inquiries0`` a month, growing by ``growth`` a
    month) x stage conversions x win rate x deal size, with each stage's median
    lag; the pipeline already in flight keeps today's rates. The aligned scenario
    multiplies the conversions its levers move. Monte Carlo draws combine the
    rates' Beta posteriors, the deal size's uncertainty, the levers' uncertainty
    and (for the monthly fan) Poisson noise in the number of wins and deal-size
    spread. The uplift uses the same draws in both scenarios.

    Returns
    -------
    ScenarioResult
        ``monthly``: month, scenario, revenue mean and quantiles p05/p25/p50/p75/p95,
        gross_profit_mean, expected_revenue; ``totals``: per scenario, revenue and
        gross profit over the horizon (mean, low, high) and first-year revenue;
        ``uplift``: aligned - baseline (expected revenue, gross profit, relative).
    """
    if horizon < 1:
        raise ValueError("The projection horizon must be at least one month.")
    if not 0 <= gross_margin <= 1:
        raise ValueError("The gross margin is a fraction of revenue between 0 and 1.")
    r = rates.reset_index(drop=True)
    transitions = [f"{a}->{b}" for a, b in zip(r["from_stage"], r["to_stage"])]
    lags = r["lag_months"].to_numpy(dtype=np.int64)
    rng = np.random.default_rng(seed)
    p = rng.beta(r["alpha"].to_numpy(float), r["beta"].to_numpy(float), size=(n_draws, len(r)))
    d = rng.normal(deal.mean, deal.se, size=n_draws) if deal.se > 0 else np.full(n_draws, deal.mean)
    d = np.maximum(d, 0.01 * deal.mean)
    base_m = np.ones((n_draws, len(r)))
    al_m = _multipliers(transitions, levers, n_draws, use_draws=True)
    months = pd.date_range(_ts(start_month), periods=horizon, freq="MS")
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    monthly, totals, draws = [], [], {}
    exp_rev = {}
    for name, m in (("baseline", base_m), ("aligned", al_m)):
        lam = _expected_wins(inquiries0, growth, p, lags, m, horizon, ramp_months)
        exp_rev[name] = lam * d[:, None]
        wins = rng.poisson(lam)
        rev = wins * d[:, None] + deal.sd * np.sqrt(wins) * rng.standard_normal(wins.shape)
        rev = np.maximum(rev, 0.0)
        qs = np.quantile(rev, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        monthly.append(
            pd.DataFrame(
                {
                    "month": months,
                    "scenario": name,
                    "revenue_mean": rev.mean(axis=0),
                    "p05": qs[0],
                    "p25": qs[1],
                    "p50": qs[2],
                    "p75": qs[3],
                    "p95": qs[4],
                    "expected_revenue": exp_rev[name].mean(axis=0),
                    "gross_profit_mean": rev.mean(axis=0) * gross_margin,
                    "wins_mean": lam.mean(axis=0),
                }
            )
        )
        tot = rev.sum(axis=1)
        y1 = rev[:, : min(12, horizon)].sum(axis=1)
        totals.append(
            {
                "scenario": name,
                "revenue": float(tot.mean()),
                "revenue_low": float(np.quantile(tot, lo_q)),
                "revenue_high": float(np.quantile(tot, hi_q)),
                "gross_profit": float(tot.mean() * gross_margin),
                "gross_profit_low": float(np.quantile(tot, lo_q) * gross_margin),
                "gross_profit_high": float(np.quantile(tot, hi_q) * gross_margin),
                "first_year_revenue": float(y1.mean()),
                "wins": float(lam.sum(axis=1).mean()),
            }
        )
        draws[name] = tot
    diff = exp_rev["aligned"].sum(axis=1) - exp_rev["baseline"].sum(axis=1)
    rel = diff / exp_rev["baseline"].sum(axis=1)
    gp = diff * gross_margin - alignment_cost_monthly * horizon
    uplift = {
        "revenue": float(diff.mean()),
        "revenue_low": float(np.quantile(diff, lo_q)),
        "revenue_high": float(np.quantile(diff, hi_q)),
        "revenue_pct": float(rel.mean()),
        "revenue_pct_low": float(np.quantile(rel, lo_q)),
        "revenue_pct_high": float(np.quantile(rel, hi_q)),
        "gross_profit": float(gp.mean()),
        "gross_profit_low": float(np.quantile(gp, lo_q)),
        "gross_profit_high": float(np.quantile(gp, hi_q)),
        "p_positive": float((diff > 0).mean()),
        "horizon_months": int(horizon),
    }
    draws["uplift"] = diff
    monthly_df = pd.concat(monthly, ignore_index=True)
    monthly_df["scenario"] = monthly_df["scenario"].astype("string")
    totals_df = pd.DataFrame(totals)
    totals_df["scenario"] = totals_df["scenario"].astype("string")
    return ScenarioResult(monthly_df, totals_df, uplift, draws)


def sensitivity(
    rates: pd.DataFrame,
    deal: DealSize,
    inquiries0: float,
    levers: Sequence[Lever] = (),
    *,
    horizon: int = 12,
    growth: float = 0.0,
    step: float = 0.10,
    ramp_months: int = 0,
    gross_margin: float = 1.0,
) -> pd.DataFrame:
    """Revenue over the horizon when one driver moves, all else at today's values.

    Each stage conversion, the deal size and the inquiry volume move by
    ``-step`` and ``+step`` (relative) from month 0; each lever moves its
    conversion by its own multiplier. Because of the stage lags, a change late in
    the funnel pays sooner than the same change at the top, which is why the bars
    differ within a finite horizon.

    Returns
    -------
    DataFrame
        ``driver``, ``kind`` ("driver"/"lever"), ``low``, ``high`` (revenue change
        against the baseline, currency), ``low_pct``, ``high_pct``, ``swing``;
        sorted by the gain (``high``), largest first: the lever to pull first on
        top. Pass ``gross_margin`` to read gross profit instead of revenue.
    """
    r = rates.reset_index(drop=True)
    transitions = [f"{a}->{b}" for a, b in zip(r["from_stage"], r["to_stage"])]
    lags = r["lag_months"].to_numpy(dtype=np.int64)
    p = r["rate"].to_numpy(float)[None, :]
    one = np.ones((1, len(r)))

    def total(mult=one, vol=1.0, dmult=1.0):
        lam = _expected_wins(inquiries0, growth, p, lags, mult, horizon, ramp_months, vol)
        return float(lam.sum() * deal.mean * dmult * gross_margin)

    base = total()
    rows = []
    for j, tr in enumerate(transitions):
        a, b = tr.split("->")
        lo, hi = one.copy(), one.copy()
        lo[0, j], hi[0, j] = 1 - step, 1 + step
        label = f"{STAGE_LABELS.get(a, a)} -> {STAGE_LABELS.get(b, b)} conversion"
        rows.append((label, "driver", total(lo) - base, total(hi) - base))
    rows.append(("Deal size", "driver", total(dmult=1 - step) - base, total(dmult=1 + step) - base))
    top = STAGE_LABELS.get(r["from_stage"].iloc[0], r["from_stage"].iloc[0])
    rows.append((f"{top} volume", "driver", total(vol=1 - step) - base, total(vol=1 + step) - base))
    for lv in levers:
        m = _multipliers(transitions, [lv], 1, use_draws=False)
        rows.append((lv.name, "lever", 0.0, total(m) - base))
    out = pd.DataFrame(rows, columns=["driver", "kind", "low", "high"])
    out["low_pct"] = out["low"] / base
    out["high_pct"] = out["high"] / base
    out["swing"] = (out["high"] - out["low"]).abs()
    out = out.sort_values("high", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["baseline"] = base
    out["driver"] = out["driver"].astype("string")
    out["kind"] = out["kind"].astype("string")
    return out


# =============================================================================
# Profitability and programme investments
# =============================================================================


def gross_margin_rate(
    opportunities: pd.DataFrame | None,
    *,
    default: float = 0.7,
    amount: str = "amount",
    margin: str = "gross_margin",
) -> tuple[float, str]:
    """Amount-weighted gross margin of won deals, or ``default`` with a sentence saying so."""
    if opportunities is not None and _has(opportunities, amount, margin):
        won = (opportunities["outcome"].astype("string").str.lower() == "won").fillna(False).to_numpy()
        w = opportunities.loc[won & opportunities[margin].notna().to_numpy() & opportunities[amount].notna().to_numpy()]
        if len(w) and w[amount].sum() > 0:
            gm = float((w[amount] * w[margin]).sum() / w[amount].sum())
            return gm, f"measured on {len(w):,} won deals (amount-weighted)"
    return float(default), "assumed: won deals carry no gross_margin (set the gross_margin parameter)"


def unit_economics(
    counts: pd.DataFrame,
    spend: pd.DataFrame | None,
    deal: DealSize,
    gross_margin: float,
    as_of,
    *,
    months: int = 12,
    sales_cost_monthly: float = 0.0,
    contract_months: int = 12,
) -> pd.DataFrame:
    """Cost per MQL, CAC and payback over the last ``months`` complete months.

    CAC = (marketing programme spend + ``sales_cost_monthly`` x months) / deals
    won in the window; payback = CAC / monthly gross profit of a customer, where a
    deal's value is spread over ``contract_months`` (12 = annual contracts).

    Returns
    -------
    DataFrame
        ``metric``, ``value``, ``unit``.
    """
    end = last_complete_month(as_of)
    start = end - pd.DateOffset(months=months - 1)
    win = counts.loc[(counts.index >= start) & (counts.index <= end)]
    total_spend = np.nan
    if spend is not None and _has(spend, "month", "amount"):
        sm = month_start(spend["month"])
        total_spend = float(spend.loc[((sm >= start) & (sm <= end)).to_numpy(), "amount"].sum())
    cost = total_spend + sales_cost_monthly * months if np.isfinite(total_spend) else np.nan
    mqls = float(win["mql"].sum()) if "mql" in win.columns else np.nan
    sqls = float(win["sql"].sum()) if "sql" in win.columns else np.nan
    wins = float(win["won"].sum()) if "won" in win.columns else np.nan
    revenue = float(win["revenue"].sum()) if "revenue" in win.columns else np.nan
    cac = cost / wins if wins else np.nan
    monthly_gp = deal.mean * gross_margin / contract_months
    rows = [
        ("marketing_spend", total_spend, "currency"),
        ("won_revenue", revenue, "currency"),
        ("gross_margin", gross_margin, "fraction"),
        ("gross_profit", revenue * gross_margin if np.isfinite(revenue) else np.nan, "currency"),
        ("mqls", mqls, "count"),
        ("sqls", sqls, "count"),
        ("wins", wins, "count"),
        ("cost_per_mql", total_spend / mqls if mqls else np.nan, "currency"),
        ("cost_per_sql", total_spend / sqls if sqls else np.nan, "currency"),
        ("cac", cac, "currency"),
        ("payback_months", cac / monthly_gp if monthly_gp > 0 else np.nan, "months"),
        ("marketing_spend_share_of_revenue", total_spend / revenue if revenue else np.nan, "fraction"),
    ]
    out = pd.DataFrame(rows, columns=["metric", "value", "unit"])
    out["value"] = out["value"].astype(float)
    out.attrs["window"] = (start, end)
    out["metric"] = out["metric"].astype("string")
    out["unit"] = out["unit"].astype("string")
    return out


def channel_investments(
    times: pd.DataFrame,
    leads: pd.DataFrame,
    spend: pd.DataFrame,
    as_of,
    *,
    maturity_months: int = 6,
    window_months: int = 12,
    source: str = "source",
) -> pd.DataFrame:
    """Programme investments by channel on mature lead cohorts.

    Won revenue is attributed to the lead's source and creation month, and only
    cohorts created at least ``maturity_months`` before the last complete month
    are counted (younger leads have not had time to close: their spend would look
    wasted). Spend is taken over the same months as the cohorts.

    Returns
    -------
    DataFrame
        One row per channel: ``spend, leads, mqls, sqls, won_deals, won_revenue,
        cost_per_lead, cost_per_mql, cost_per_sql, cost_per_won, revenue_per_spend``;
        attrs ``window`` = (first, last cohort month).
    """
    if spend is None or not _has(spend, "month", "channel", "amount"):
        raise ValueError("Programme investments need the spend table (month, channel, amount).")
    if not _has(leads, source, "created_at"):
        raise ValueError("Programme investments need leads.source and leads.created_at to tie spend to leads.")
    end = last_complete_month(as_of) - pd.DateOffset(months=maturity_months)
    start = end - pd.DateOffset(months=window_months - 1)
    cm = month_start(times["inquiry"]) if "inquiry" in times.columns else month_start(leads["created_at"])
    cm = pd.Series(cm.to_numpy(), index=times.index)
    in_win = ((cm >= start) & (cm <= end)).to_numpy()
    src = pd.Series(leads[source].astype("string").to_numpy(), index=times.index).fillna("(no source)")
    t = times.loc[in_win]
    g = src[in_win]
    agg = {"leads": t.groupby(g.to_numpy()).size()}
    for s, name in (("mql", "mqls"), ("sql", "sqls"), ("won", "won_deals")):
        if f"reached_{s}" in t.columns:
            agg[name] = t[f"reached_{s}"].astype(float).groupby(g.to_numpy()).sum()
    agg["won_revenue"] = t["won_amount"].groupby(g.to_numpy()).sum()
    out = pd.DataFrame(agg)
    sm = month_start(spend["month"])
    sp = spend.loc[((sm >= start) & (sm <= end)).to_numpy()]
    out = out.join(sp.groupby(sp["channel"].astype("string"))["amount"].sum().rename("spend"), how="outer")
    out = out.fillna({c: 0.0 for c in out.columns if c != "spend"})
    out["cost_per_lead"] = out["spend"] / out["leads"].where(out["leads"] > 0)
    for col, name in (("mqls", "cost_per_mql"), ("sqls", "cost_per_sql"), ("won_deals", "cost_per_won")):
        if col in out.columns:
            out[name] = out["spend"] / out[col].where(out[col] > 0)
    out["revenue_per_spend"] = out["won_revenue"] / out["spend"].where(out["spend"] > 0)
    out.index.name = "channel"
    out = out.reset_index()
    out["channel"] = out["channel"].astype("string")
    out = out.sort_values("spend", ascending=False, na_position="last").reset_index(drop=True)
    out.attrs["window"] = (start, end)
    return out


# =============================================================================
# The org's own history: segmented regression with HAC errors
# =============================================================================


def monthly_won_revenue(
    opportunities: pd.DataFrame,
    *,
    amount: str = "amount",
    outcome: str = "outcome",
    closed_at: str = "closed_at",
) -> pd.DataFrame:
    """Won revenue and number of wins by close month (months without a win are 0)."""
    if not _has(opportunities, amount, outcome, closed_at):
        raise ValueError("Monthly won revenue needs opportunities with outcome, closed_at and amount.")
    won = (opportunities[outcome].astype("string").str.lower() == "won").fillna(False).to_numpy()
    w = opportunities.loc[won & opportunities[closed_at].notna().to_numpy()]
    if w.empty:
        raise ValueError("No won deal has a close date.")
    m = month_start(w[closed_at]).to_numpy()
    out = pd.DataFrame({"revenue": w[amount].fillna(0.0).groupby(m).sum(), "wins": w.groupby(m).size()})
    full = pd.date_range(out.index.min(), out.index.max(), freq="MS")
    out = out.reindex(full).fillna(0.0)
    out.index.name = "month"
    return out.reset_index()


def _wald(X: np.ndarray, Y: np.ndarray, R: np.ndarray, maxlags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS fit of every column of Y, HAC Wald statistic (/q) of R b = 0, coefficients and SEs."""
    B = np.linalg.lstsq(X, Y, rcond=None)[0]
    E = Y - X @ B
    V = hac_covariance(X, E, maxlags)
    rb = (R @ B).T
    M = R[None] @ V @ R.T[None]
    w = np.einsum("bi,bi->b", rb, np.linalg.solve(M, rb[..., None])[..., 0]) / R.shape[0]
    se = np.sqrt(np.einsum("bii->bi", V)).T
    return w, B, se


def _ar1_errors(resid: np.ndarray, adjacent: np.ndarray) -> tuple[float, float]:
    """AR(1) coefficient (small-sample bias-corrected, within [0, 0.95]) and innovation sd."""
    r = np.asarray(resid, dtype=float)
    num = float(np.sum(r[1:][adjacent] * r[:-1][adjacent]))
    rho = num / float(np.sum(r**2)) if np.sum(r**2) > 0 else 0.0
    rho = float(np.clip(rho + (1 + 3 * rho) / len(r), 0.0, 0.95))
    sd = float(np.sqrt(np.sum(r**2) / max(len(r) - 2, 1)) * np.sqrt(1 - rho**2))
    return rho, sd


def _simulate_ar1(rho: float, sd: float, n: int, draws: int, rng) -> np.ndarray:
    z = rng.normal(0.0, sd, size=(n, draws))
    e = np.empty_like(z)
    e[0] = z[0] / math.sqrt(1 - rho**2)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + z[i]
    return e


@dataclass
class AlignmentEffect:
    """Before/after estimate of the alignment start on log monthly won revenue.

    Attributes
    ----------
    level_ratio, level_low, level_high : float
        Revenue after/before from the level change (trend excluded) and its interval.
    slope_change, slope_low, slope_high : float
        Change of the monthly growth rate (log points a month) and its interval.
    trend : float
        Monthly growth before the start.
    level_p, slope_p, joint_p : float
        Calibrated p-values (level, slope, both together: the before/after test).
    hac_joint_p : float
        The textbook HAC p-value of the joint test, kept for comparison only (it is
        far too optimistic with a few dozen monthly points).
    """

    level_ratio: float
    level_low: float
    level_high: float
    level_p: float
    slope_change: float
    slope_low: float
    slope_high: float
    slope_p: float
    joint_p: float
    hac_joint_p: float
    trend: float
    n_pre: int
    n_post: int
    maxlags: int
    rho: float
    alpha: float
    excluded: dict
    fitted: pd.DataFrame = field(repr=False)

    @property
    def significant(self) -> bool:
        """Whether the before/after test (level and slope together) rejects 'no change' at ``alpha``."""
        return bool(self.joint_p < self.alpha)

    def as_dict(self) -> dict:
        return {
            "level_ratio": self.level_ratio,
            "level_ratio_low": self.level_low,
            "level_ratio_high": self.level_high,
            "level_p": self.level_p,
            "slope_change_monthly": self.slope_change,
            "slope_change_low": self.slope_low,
            "slope_change_high": self.slope_high,
            "slope_p": self.slope_p,
            "joint_p": self.joint_p,
            "hac_joint_p": self.hac_joint_p,
            "significant": self.significant,
            "trend_monthly": self.trend,
            "n_pre": self.n_pre,
            "n_post": self.n_post,
            "maxlags": self.maxlags,
            "residual_autocorrelation": self.rho,
            "excluded_recent_months": self.excluded.get("recent_months"),
            "excluded_transition_months": self.excluded.get("transition_months"),
            "empty_months_floored": self.excluded.get("empty_months_floored", 0),
        }


def segmented_regression(
    monthly: pd.DataFrame,
    start,
    *,
    value: str = "revenue",
    month: str = "month",
    exclude_last: int = 0,
    transition_months: int = 0,
    slope_change: bool = True,
    maxlags: int | None = None,
    alpha: float = 0.05,
    n_sim: int = 999,
    seed: int = 42,
    min_months: int = 4,
) -> AlignmentEffect:
    """Interrupted time series: level and growth change of log revenue at ``start``.

    ``log(revenue_t) = b0 + b1 t + b2 post_t + b3 (t - t0) post_t + e_t``, fitted by
    OLS (statsmodels) with Newey-West (HAC) standard errors, because monthly points
    are autocorrelated. ``exp(b2)`` is the level ratio after/before (trend
    excluded), ``b3`` the change in monthly growth, and the joint test of
    ``b2 = b3 = 0`` is the before/after test.

    Calibration: with a few dozen monthly points the textbook HAC test is far too
    optimistic (in simulations of 27 usable months with no change it rejects
    18-37% of the time at a nominal 5%). The p-values and intervals are therefore
    calibrated by simulation: ``n_sim`` series with AR(1) errors fitted to the
    residuals (bias-corrected) are refitted with the same HAC statistic, under "no
    change" for the p-values and around the fit for the intervals (bootstrap-t).

    Right-censoring and transition: the last ``exclude_last`` months and the
    ``transition_months`` after ``start`` (leads already in the pipeline when the
    change began) are left out of the fit.

    Parameters
    ----------
    monthly : DataFrame
        ``month`` and ``value`` columns, one row per calendar month.
    start : date-like
        When the alignment programme began.
    maxlags : int, optional
        HAC lag truncation; default ``floor(4 (n/100)^(2/9))``, at least 1.
    seed : int
        Seed of the calibration simulations.

    Returns
    -------
    AlignmentEffect
    """
    import statsmodels.api as sm

    df = monthly[[month, value]].copy().sort_values(month).reset_index(drop=True)
    df[month] = month_start(df[month]).to_numpy()
    t0 = month_start([start]).iloc[0]
    n_all = len(df)
    used = np.ones(n_all, dtype=bool)
    if exclude_last > 0:
        used[max(0, n_all - exclude_last):] = False
    months_from = np.round((df[month] - t0).dt.days / MONTH_DAYS).astype(int).to_numpy()
    post = months_from >= 0
    in_transition = post & (months_from < transition_months)
    used &= ~in_transition
    y = df[value].astype(float).to_numpy()
    n_zero = int(np.sum(y[used] <= 0))
    if np.any(y <= 0):  # log of an empty month: half the smallest positive month (a crude floor)
        floor = 0.5 * float(y[y > 0].min()) if np.any(y > 0) else 1.0
        y = np.where(y <= 0, floor, y)
    n_pre = int((used & ~post).sum())
    n_post = int((used & post).sum())
    need = min_months + (1 if slope_change else 0)
    if n_pre < min_months or n_post < need:
        raise ValueError(
            f"Too few months to compare before and after the alignment start ({n_pre} before, "
            f"{n_post} after, once transition and recent months are left out); at least "
            f"{min_months} before and {need} after are needed."
        )
    t = np.arange(n_all, dtype=float)
    tt0 = float(np.argmax(post)) if post.any() else float(n_all)
    cols = {"const": np.ones(n_all), "trend": t, "level": post.astype(float)}
    if slope_change:
        cols["slope"] = np.where(post, t - tt0, 0.0)
    X = pd.DataFrame(cols)
    ly = np.log(y)
    n = int(used.sum())
    L = maxlags if maxlags is not None else max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))
    Xu, yu = X[used], ly[used]
    fit = sm.OLS(yu, Xu).fit(cov_type="HAC", cov_kwds={"maxlags": L, "use_correction": True}, use_t=True)
    b = fit.params
    names = list(X.columns)
    tested = [c for c in ("level", "slope") if c in names]
    R = np.zeros((len(tested), len(names)))
    for i, c in enumerate(tested):
        R[i, names.index(c)] = 1.0
    hac_joint_p = float(np.squeeze(fit.f_test(R).pvalue))
    # --- calibration by simulation (AR(1) errors fitted on the residuals) ---
    rng = np.random.default_rng(seed)
    Xa = Xu.to_numpy(float)
    idx = np.flatnonzero(used)
    adjacent = np.diff(idx) == 1
    w_obs, _, se_obs = _wald(Xa, yu[:, None], R, L)
    # p-values under "no change": refit the null model's simulated series
    X0 = Xa[:, :2]
    b0 = np.linalg.lstsq(X0, yu, rcond=None)[0]
    rho0, sd0 = _ar1_errors(yu - X0 @ b0, adjacent)
    Y0 = (X0 @ b0)[:, None] + _simulate_ar1(rho0, sd0, n_all, n_sim, rng)[used]
    w_null, B_null, se_null = _wald(Xa, Y0, R, L)
    joint_p = float((1 + np.sum(w_null >= w_obs[0])) / (n_sim + 1))
    t_obs = b.to_numpy() / se_obs[:, 0]
    t_null = B_null / se_null

    def p_of(c: str) -> float:
        j = names.index(c)
        return float((1 + np.sum(np.abs(t_null[j]) >= abs(t_obs[j]))) / (n_sim + 1))

    # intervals: bootstrap-t around the fit
    rho1, sd1 = _ar1_errors(yu - Xa @ b.to_numpy(), adjacent)
    Y1 = (Xa @ b.to_numpy())[:, None] + _simulate_ar1(rho1, sd1, n_all, n_sim, rng)[used]
    _, B1, se1 = _wald(Xa, Y1, R, L)
    tstar = (B1 - b.to_numpy()[:, None]) / se1
    lo_q, hi_q = np.quantile(tstar, [1 - alpha / 2, alpha / 2], axis=1)

    def ci(c: str) -> tuple[float, float]:
        j = names.index(c)
        return float(b[c] - lo_q[j] * se_obs[j, 0]), float(b[c] - hi_q[j] * se_obs[j, 0])

    lv_lo, lv_hi = ci("level")
    if slope_change:
        s_lo, s_hi = ci("slope")
        s_ch, s_p = float(b["slope"]), p_of("slope")
    else:
        s_ch = s_lo = s_hi = 0.0
        s_p = float("nan")
    fitted = df.copy()
    fitted["used"] = used
    fitted["post"] = post
    fitted["fitted"] = np.exp(X.to_numpy() @ b.to_numpy())
    cf = X.copy()
    cf["level"] = 0.0
    if slope_change:
        cf["slope"] = 0.0
    fitted["counterfactual"] = np.exp(cf.to_numpy() @ b.to_numpy())
    return AlignmentEffect(
        level_ratio=float(np.exp(b["level"])),
        level_low=float(np.exp(lv_lo)),
        level_high=float(np.exp(lv_hi)),
        level_p=p_of("level"),
        slope_change=s_ch,
        slope_low=s_lo,
        slope_high=s_hi,
        slope_p=s_p,
        joint_p=joint_p,
        hac_joint_p=hac_joint_p,
        trend=float(np.expm1(b["trend"])),
        n_pre=n_pre,
        n_post=n_post,
        maxlags=L,
        rho=rho0,
        alpha=alpha,
        excluded={
            "recent_months": int(min(max(exclude_last, 0), n_all)),
            "transition_months": int(in_transition.sum()),
            "empty_months_floored": n_zero,
        },
        fitted=fitted,
    )


@dataclass
class AlignmentSeries:
    """The monthly series the before/after test runs on, and how it was cut.

    ``frame`` has ``month``, ``revenue`` (the value regressed), ``won_revenue``,
    ``inquiries`` (cohort series only) and ``wins``; ``exclude_last`` and
    ``transition_months`` are what :func:`segmented_regression` should leave out;
    ``description`` says it in one sentence.
    """

    frame: pd.DataFrame
    kind: str
    exclude_last: int
    transition_months: int
    description: str


def alignment_series(
    times: pd.DataFrame | None,
    opportunities: pd.DataFrame,
    as_of,
    *,
    kind: str = "auto",
    censor_quantile: float = 0.95,
) -> AlignmentSeries:
    """Monthly won revenue for the before/after test, with censoring handled.

    ``kind="cohort"``: won revenue per inquiry by the lead's creation month. Lead
    volume growth is divided out, and a change applied to leads from a date shows
    as a sharp step; the last months are right-censored (their leads have not had
    time to close), so the last ``ceil(q95 of inquiry-to-won days / month)`` complete
    months are left out. ``kind="close"``: won revenue by close month (orgs whose
    deals are not linked to dated leads); a month's revenue is complete once the
    month is over, but deals closing just after the start come from leads worked
    before it, so one median sales cycle after the start is a transition left out.
    ``"auto"`` picks the cohort series when leads are linked to won deals.
    """
    end = last_complete_month(as_of)
    linked = (
        times is not None
        and "inquiry" in times.columns
        and "won" in times.columns
        and bool(times["reached_won"].any())
    )
    if kind == "auto":
        kind = "cohort" if linked else "close"
    if kind == "cohort":
        if not linked:
            raise ValueError("The cohort series needs dated leads linked to won deals (opportunities.lead_id).")
        ok = times["inquiry"].notna()
        m = month_start(times.loc[ok, "inquiry"]).to_numpy()
        g = pd.DataFrame(
            {"won_revenue": times.loc[ok, "won_amount"].to_numpy(float),
             "wins": times.loc[ok, "reached_won"].to_numpy(float)}
        ).groupby(m)
        f = pd.DataFrame({"won_revenue": g["won_revenue"].sum(), "wins": g["wins"].sum(), "inquiries": g.size()})
        f = f.reindex(pd.date_range(f.index.min(), end, freq="MS")).fillna(0.0)
        f = f[f["inquiries"] > 0]
        f["revenue"] = f["won_revenue"] / f["inquiries"]
        lag = (times["won"] - times["inquiry"])[times["reached_won"] & times["won"].notna()]
        days = _quantile_days(lag, censor_quantile)
        excl = int(math.ceil(days / MONTH_DAYS)) if np.isfinite(days) else 0
        desc = (
            f"won revenue per inquiry by the month the lead was created (lead-volume growth divided out); "
            f"the last {excl} complete months are left out because {censor_quantile:.0%} of wins take up to "
            f"{days:.0f} days from inquiry, so younger leads are still converting"
        )
        trans = 0
    elif kind == "close":
        f = monthly_won_revenue(opportunities).set_index("month")
        f = f[f.index <= end]
        f["won_revenue"] = f["revenue"]
        if linked:
            lag = (times["won"] - times["inquiry"])[times["reached_won"] & times["won"].notna()]
        else:
            o = opportunities
            won = (o["outcome"].astype("string").str.lower() == "won").fillna(False).to_numpy()
            lag = (o["closed_at"] - o["created_at"])[won] if "created_at" in o.columns else pd.Series(dtype="timedelta64[ns]")
        med = _quantile_days(lag, 0.5)
        trans = int(round(med / MONTH_DAYS)) if np.isfinite(med) else 0
        excl = 0
        desc = (
            f"won revenue by close month; the {trans} months after the start are a transition left out "
            f"(deals closing then were mostly worked before it: median cycle {med:.0f} days); no recent "
            "month is left out, as a month's closed revenue is complete once the month is over"
        )
    else:
        raise ValueError("The alignment series is 'cohort', 'close' or 'auto'.")
    f.index.name = "month"
    return AlignmentSeries(f.reset_index(), kind, excl, trans, desc)


def try_build_funnel(data, *, window_months: int = 12, run_rate_months: int = 6, deal_size_value: float = 0.0):
    """:func:`build_funnel` on an ``OrgData``, or ``(None, sentence)`` when the data cannot support it.

    ``deal_size_value`` > 0 replaces the measured deal size (for exports whose won
    deals carry no amount).
    """
    opps = data.opportunities
    if opps is None or not _has(opps, "outcome"):
        return None, "The opportunities table (with outcome) is missing: the revenue module needs won deals, so it is skipped."
    if deal_size_value <= 0 and not _has(opps, "amount"):
        return None, ("Won deals carry no amount (opportunities.amount): set the deal_size parameter to the "
                      "average won deal value to run the revenue module; it is skipped.")
    if deal_size_value > 0 and not _has(opps, "amount"):
        opps = opps.assign(amount=float(deal_size_value))  # every won deal valued at the given average
    try:
        model = build_funnel(data.leads, opps, data.config.stages, window_months=window_months,
                             run_rate_months=run_rate_months)
    except ValueError as exc:
        return None, f"{exc} The revenue module is skipped."
    if deal_size_value > 0:
        model.deal = DealSize(float(deal_size_value), 0.0, model.deal.n, 0.0)
    return model, ""


def estimate_alignment_effect(
    model: FunnelModel,
    opportunities: pd.DataFrame,
    start,
    *,
    kind: str = "auto",
    n_sim: int = 999,
    seed: int = 42,
) -> tuple[AlignmentSeries | None, AlignmentEffect | None, str]:
    """The before/after test on the org's history, or a sentence saying why it cannot run."""
    if start is None or (isinstance(start, str) and not start.strip()):
        return None, None, ("No alignment_start is set (org.yml parameters or -p alignment_start=YYYY-MM-DD): "
                            "the before/after section is skipped.")
    try:
        t0 = pd.Timestamp(str(start))
    except (ValueError, TypeError):
        return None, None, f"alignment_start '{start}' is not a date (use YYYY-MM-DD): the before/after section is skipped."
    try:
        series = alignment_series(model.times, opportunities, model.as_of, kind=kind)
        effect = segmented_regression(series.frame, t0, exclude_last=series.exclude_last,
                                      transition_months=series.transition_months, n_sim=n_sim, seed=seed)
    except ValueError as exc:
        return None, None, f"{exc} The before/after section is skipped."
    return series, effect, effect_sentence(effect, t0)


def effect_sentence(effect: AlignmentEffect, start) -> str:
    """Plain-language reading of the before/after estimate."""
    start = pd.Timestamp(start)
    lvl = (
        f"After {start:%B %Y}, the revenue level is x{effect.level_ratio:.2f} the pre-start trend "
        f"(95% interval x{effect.level_low:.2f} to x{effect.level_high:.2f}), and monthly growth changed by "
        f"{effect.slope_change:+.1%} (95% interval {effect.slope_low:+.1%} to {effect.slope_high:+.1%})."
    )
    if effect.significant:
        verdict = (f"The before/after test rejects 'no change' (p = {effect.joint_p:.3f}): the change is larger "
                   "than this series' month-to-month noise.")
    else:
        verdict = (f"The before/after test does not reject 'no change' (p = {effect.joint_p:.3f}): with "
                   f"{effect.n_pre} months before and {effect.n_post} after, this history cannot tell the "
                   "estimate from noise.")
    zero = effect.excluded.get("empty_months_floored", 0)
    if zero:
        verdict += (f" {zero} month(s) had no won revenue and were set to half the smallest month for the log: "
                    "a sign the series is too thin for a monthly model.")
    return f"{lvl} {verdict}"


def estimate_growth(counts: pd.Series, as_of, months: int = 24) -> float:
    """Monthly growth of a count series, year over year.

    The last 12 complete months against the 12 before them (``months`` = 24):
    ``(last / previous) ** (1/12) - 1``. Full years cancel seasonality, and a
    ramp-up at the start of an export (its first, partial months) is never used:
    when the history does not cover both years entirely, growth is 0 (volume held
    flat), which :func:`growth_sentence` says.
    """
    end = last_complete_month(as_of)
    half = max(1, months // 2)
    start = end - pd.DateOffset(months=2 * half - 1)
    s = counts[(counts.index >= start) & (counts.index <= end)]
    if counts.index.min() >= start or len(s) < 2 * half:
        return 0.0
    prev, last = float(s.iloc[:half].sum()), float(s.iloc[half:].sum())
    if prev <= 0 or last <= 0:
        return 0.0
    return float((last / prev) ** (1.0 / half) - 1.0)


def growth_sentence(counts: pd.Series, as_of, growth: float, given: bool = False) -> str:
    """Where the projection's volume growth comes from, in one sentence."""
    if given:
        return f"Top-of-funnel growth: {growth:+.1%} a month (the lead_growth_monthly parameter)."
    if growth == 0.0 and counts.index.min() >= last_complete_month(as_of) - pd.DateOffset(months=23):
        return ("Top-of-funnel growth: held flat, as the history is shorter than two full years "
                "(set lead_growth_monthly to plan a growth).")
    return (f"Top-of-funnel growth: {growth:+.1%} a month (the last 12 complete months against the 12 "
            "before them).")


# =============================================================================
# Plots
# =============================================================================


def _date_axis(ax):
    """Readable month ticks: at most about eight, concise labels."""
    import matplotlib.dates as mdates

    lo, hi = ax.get_xlim()
    months = max(1.0, (hi - lo) / MONTH_DAYS)
    step = next((k for k in (1, 2, 3, 4, 6, 12) if months / k <= 8), 12)
    loc = mdates.MonthLocator(bymonth=range(1, 13, step)) if step < 12 else mdates.YearLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    return ax


def plot_plan_vs_run_rate(
    counts: pd.DataFrame,
    plan: pd.DataFrame,
    stage: str,
    run_rate_value: float | None = None,
    ax=None,
    *,
    history_months: int = 18,
):
    """Monthly arrivals at ``stage``: actual history (bars) vs what the plan needs (line and band).

    Parameters
    ----------
    counts : DataFrame
        :func:`monthly_stage_counts` output.
    plan : DataFrame
        :func:`lead_plan` output.
    stage : str
        Stage to show (usually the top of the funnel).
    """
    ax = style.get_ax(ax)
    label = STAGE_LABELS.get(stage, stage)
    p = plan[plan["stage"] == stage].sort_values("arrival_month")
    first = min(p["arrival_month"].min(), counts.index.max()) - pd.DateOffset(months=history_months)
    hist = counts.loc[counts.index >= first, stage] if stage in counts.columns else pd.Series(dtype=float)
    ax.bar(hist.index, hist.to_numpy(), width=25, color=style.PALETTE["marketing"], alpha=0.55,
           label=f"{label} arriving (actual)")
    ax.fill_between(p["arrival_month"], p["low"], p["high"], color=style.PALETTE["highlight"], alpha=0.15,
                    step="mid", label="Needed: 90% interval")
    ax.step(p["arrival_month"], p["needed"], where="mid", color=style.PALETTE["highlight"], lw=2,
            label="Needed for the plan")
    if run_rate_value is not None and np.isfinite(run_rate_value):
        ax.axhline(run_rate_value, color=style.PALETTE["neutral"], ls="--", lw=1.5,
                   label=f"Current run-rate ({run_rate_value:,.0f}/month)")
    _date_axis(ax)
    ax.set_title(f"{label} needed for the revenue plan vs arriving")
    ax.set_xlabel("Month the leads must arrive (plan month minus the sales cycle)")
    ax.set_ylabel(f"{label} per month")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_fan_chart(
    result: ScenarioResult,
    history: pd.DataFrame | None = None,
    ax=None,
    *,
    currency: str = "USD",
    history_months: int = 18,
):
    """Monthly won revenue: history, then baseline and aligned projections with 50% / 90% bands."""
    ax = style.get_ax(ax)
    if history is not None and len(history):
        h = history.tail(history_months)
        ax.plot(h["month"], h["revenue"], color="black", lw=1.5, label="Won revenue (actual)")
    colors = {"baseline": style.PALETTE["neutral"], "aligned": style.PALETTE["good"]}
    names = {"baseline": "Today's funnel", "aligned": "Aligned funnel"}
    m = result.monthly
    same = np.allclose(m.loc[m["scenario"] == "aligned", "expected_revenue"].to_numpy(),
                       m.loc[m["scenario"] == "baseline", "expected_revenue"].to_numpy())
    for name, g in m.groupby("scenario", sort=False):
        if same and str(name) == "aligned":
            continue  # no lever: the aligned funnel is today's
        c = colors.get(str(name), style.PALETTE["both"])
        ax.fill_between(g["month"], g["p05"], g["p95"], color=c, alpha=0.15)
        ax.fill_between(g["month"], g["p25"], g["p75"], color=c, alpha=0.3)
        ax.plot(g["month"], g["expected_revenue"], color=c, lw=2, label=f"{names.get(str(name), name)} (mean; bands 50%, 90%)")
    first = result.monthly["month"].min()
    ax.axvline(first - pd.Timedelta(days=15), color="black", ls=":", lw=1)
    ax.annotate("projection", (first, 0), xytext=(4, 4), textcoords="offset points", fontsize=8)
    _date_axis(ax)
    ax.yaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title("Won revenue per month: today's funnel projected" if same
                 else "Won revenue per month: today's funnel vs aligned")
    ax.set_xlabel("Month")
    ax.set_ylabel(f"Won revenue per month ({currency})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_tornado(table: pd.DataFrame, ax=None, *, currency: str = "USD", horizon: int = 12, step: float = 0.1):
    """Tornado: change in revenue over the horizon when each driver moves (levers at their fix)."""
    ax = style.get_ax(ax, figsize=(8, 0.45 * len(table) + 1.5))
    t = table.iloc[::-1]
    y = np.arange(len(t))
    colors_hi = [style.PALETTE["good"] if k == "driver" else style.PALETTE["sales"] for k in t["kind"]]
    ax.barh(y, t["high"], color=colors_hi, alpha=0.85)
    ax.barh(y, t["low"], color=style.PALETTE["bad"], alpha=0.6)
    ax.set_yticks(y)
    ax.set_yticklabels(t["driver"])
    ax.axvline(0, color="black", lw=1)
    ax.xaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title(f"Which lever moves revenue most ({horizon} months)")
    ax.set_xlabel(f"Change in won revenue over {horizon} months ({currency}); "
                  f"drivers -{step:.0%} / +{step:.0%}, levers at full fix")
    ax.set_ylabel("")
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color=style.PALETTE["good"], label=f"Driver +{step:.0%}"),
            Patch(color=style.PALETTE["bad"], alpha=0.6, label=f"Driver -{step:.0%}"),
            Patch(color=style.PALETTE["sales"], label="Sales-work lever fixed"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    return ax


def claims_comparison(
    ledger: pd.DataFrame,
    org_figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One table for the claims chart: published claims and the org's own figures.

    ``org_figures`` has ``claim``, ``figure``, ``low``, ``high`` (fractions).
    """
    c = ledger[["claim", "figure", "grade"]].copy()
    c["low"] = np.nan
    c["high"] = np.nan
    c["kind"] = "published claim"
    if org_figures is not None and len(org_figures):
        o = org_figures[["claim", "figure", "low", "high"]].copy()
        o["grade"] = "this org"
        o["kind"] = "this org (modelled / estimated)"
        c = pd.concat([c, o], ignore_index=True)
    for col in ("claim", "grade", "kind"):
        c[col] = c[col].astype("string")
    return c


def plot_claims(table: pd.DataFrame, ax=None, *, clip: float | None = None):
    """Published claims (by grade) next to this org's own numbers with intervals.

    Intervals wider than the axis (``clip``, default: a little beyond the largest
    point) are cut with an arrow and their end written, so one vague estimate does
    not squash the rest of the chart.
    """
    ax = style.get_ax(ax, figsize=(9, 0.5 * len(table) + 1.8))
    t = table.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(t))
    grade_color = {"A": style.PALETTE["good"], "B": style.PALETTE["marketing"], "C": "#bcbd22", "D": style.PALETTE["neutral"]}
    pts = t["figure"].astype(float)
    hi_lim = clip if clip is not None else max(0.5, float(pts.max()) * 1.6 + 0.1)
    lo_lim = min(-0.2, float(pts.min()) * 1.6 - 0.1)
    for i, row in t.iterrows():
        f = float(row["figure"])
        if row["kind"] == "published claim":
            ax.scatter(f, i, s=70, color=grade_color.get(row["grade"], "grey"), zorder=3, marker="D")
            ax.annotate(f"{f:+.0%} (grade {row['grade']})", (f, i), xytext=(6, 4), textcoords="offset points", fontsize=8)
            continue
        lo = float(row["low"]) if np.isfinite(row["low"]) else f
        hi = float(row["high"]) if np.isfinite(row["high"]) else f
        ax.errorbar(f, i, xerr=[[max(f - max(lo, lo_lim), 0)], [max(min(hi, hi_lim) - f, 0)]], fmt="o",
                    color=style.PALETTE["highlight"], capsize=4, zorder=3)
        note = f"{f:+.0%} ({lo:+.0%} to {hi:+.0%})"
        ax.annotate(note, (f, i), xytext=(6, 5), textcoords="offset points", fontsize=8, color=style.PALETTE["highlight"])
        if hi > hi_lim:
            ax.annotate("", xy=(hi_lim, i), xytext=(hi_lim - 0.04 * (hi_lim - lo_lim), i),
                        arrowprops={"arrowstyle": "->", "color": style.PALETTE["highlight"]})
        if lo < lo_lim:
            ax.annotate("", xy=(lo_lim, i), xytext=(lo_lim + 0.04 * (hi_lim - lo_lim), i),
                        arrowprops={"arrowstyle": "->", "color": style.PALETTE["highlight"]})
    ax.set_xlim(lo_lim, hi_lim)
    ax.set_yticks(y)
    ax.set_yticklabels(t["claim"])
    ax.axvline(0, color="black", lw=1)
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.set_title("Published alignment claims vs this org's own numbers")
    ax.set_xlabel("Effect (%): the claims measure different things; shown for scale, never as proof")
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="D", ls="", color=grade_color["C"], label="Claim, grade C: secondary sources only"),
        Line2D([], [], marker="D", ls="", color=grade_color["D"], label="Claim, grade D: no primary source found"),
        Line2D([], [], marker="o", ls="", color=style.PALETTE["highlight"],
               label="This org: modelled (90% interval) / history (95%)"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    return ax


def plot_alignment_history(effect: AlignmentEffect, start, ax=None, *, currency: str = "USD", kind: str = "close"):
    """Monthly won revenue (or revenue per inquiry by cohort) with the segmented fit,
    the pre-start trend continued, and the months left out."""
    ax = style.get_ax(ax)
    f = effect.fitted
    used = f["used"].to_numpy()
    ax.plot(f["month"], f["revenue"], color=style.PALETTE["neutral"], lw=1, alpha=0.6)
    ax.scatter(f.loc[used, "month"], f.loc[used, "revenue"], color="black", s=14, zorder=3, label="Month used in the fit")
    ax.scatter(f.loc[~used, "month"], f.loc[~used, "revenue"], facecolors="none", edgecolors=style.PALETTE["neutral"],
               s=22, zorder=3, label="Month left out (transition / still converting)")
    ax.plot(f["month"], f["fitted"], color=style.PALETTE["good"], lw=2, label="Fitted: trend + change at start")
    post = f["post"].to_numpy()
    ax.plot(f.loc[post, "month"], f.loc[post, "counterfactual"], color=style.PALETTE["good"], ls="--", lw=1.5,
            label="Pre-start trend continued")
    ax.axvline(pd.Timestamp(start), color=style.PALETTE["highlight"], ls=":", lw=1.5, label="Alignment start")
    _date_axis(ax)
    ax.yaxis.set_major_formatter(style.money_formatter(currency))
    ax.set_title(
        f"Before/after the alignment start: level x{effect.level_ratio:.2f} "
        f"(95%: {effect.level_low:.2f}-{effect.level_high:.2f})"
    )
    if kind == "cohort":
        ax.set_xlabel("Month the leads were created")
        ax.set_ylabel(f"Won revenue per inquiry ({currency})")
    else:
        ax.set_xlabel("Close month")
        ax.set_ylabel(f"Won revenue per month ({currency})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylim(bottom=0)
    return ax


def plot_channels(table: pd.DataFrame, ax=None, *, currency: str = "USD"):
    """Won revenue per unit of spend by channel (mature cohorts), with spend labelled."""
    ax = style.get_ax(ax)
    t = table[table["spend"].fillna(0) > 0].sort_values("revenue_per_spend")
    y = np.arange(len(t))
    ax.barh(y, t["revenue_per_spend"].fillna(0.0), color=style.PALETTE["marketing"])
    for i, (_, row) in enumerate(t.iterrows()):
        ax.annotate(f"spend {style.money_formatter(currency)(row['spend'], None)}", (row["revenue_per_spend"] if np.isfinite(row["revenue_per_spend"]) else 0, i),
                    xytext=(4, -3), textcoords="offset points", fontsize=8)
    ax.axvline(1.0, color=style.PALETTE["neutral"], ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(t["channel"])
    w = table.attrs.get("window")
    when = f" (leads created {w[0]:%Y-%m} to {w[1]:%Y-%m})" if w else ""
    ax.set_title("Won revenue per unit of programme spend, by channel")
    ax.set_xlabel(f"Won revenue / spend ({currency} per {currency}){when}")
    ax.set_ylabel("Channel")
    return ax


def plot_gap(gap: pd.DataFrame, ax=None):
    """How much of what the plan needs each stage's current run-rate covers (100% = enough).

    Parameters
    ----------
    gap : DataFrame
        :func:`plan_gap` output; the ``revenue`` row is shown too.
    """
    ax = style.get_ax(ax)
    g = gap.iloc[::-1].reset_index(drop=True)
    cover = g["run_rate"] / g["needed_per_month"]
    lo = g["run_rate"] / g["high"]
    hi = g["run_rate"] / g["low"]
    y = np.arange(len(g))
    colors = [style.PALETTE["good"] if c >= 1 else style.PALETTE["bad"] for c in cover]
    ax.barh(y, cover, color=colors, alpha=0.8)
    err = np.vstack([np.clip(cover - lo, 0, None), np.clip(hi - cover, 0, None)])
    ax.errorbar(cover, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    for i, (c, h, rr, nd) in enumerate(zip(cover, hi, g["run_rate"], g["needed_per_month"])):
        ax.annotate(f"{c:.0%}  ({rr:,.0f} of {nd:,.0f}/month)", (max(c, h if np.isfinite(h) else c, 0), i),
                    xytext=(6, -3), textcoords="offset points", fontsize=8)
    ax.axvline(1.0, color="black", ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([STAGE_LABELS.get(s, "Won revenue" if s == "revenue" else s) for s in g["stage"]])
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.set_xlim(0, max(1.6, float(np.nanmax(hi)) + 0.6 if np.isfinite(np.nanmax(hi)) else 1.6))
    ax.set_title("Does today's run-rate cover the plan? (bars: 90% interval)")
    ax.set_xlabel("Current monthly run-rate as a share of what the plan needs per month (%)")
    ax.set_ylabel("Stage")
    return ax


def org_claim_rows(result: ScenarioResult | None, effect: AlignmentEffect | None) -> pd.DataFrame:
    """This org's own figures for the claims chart: modelled uplift and estimated history."""
    rows = []
    if result is not None:
        u = result.uplift
        h = u["horizon_months"]
        rows.append((f"This org: modelled revenue uplift ({h} months)", u["revenue_pct"], u["revenue_pct_low"], u["revenue_pct_high"]))
        base_gp = float(result.totals.set_index("scenario").loc["baseline", "gross_profit"])
        if base_gp > 0:
            rows.append((f"This org: modelled gross profit uplift ({h} months)", u["gross_profit"] / base_gp,
                         u["gross_profit_low"] / base_gp, u["gross_profit_high"] / base_gp))
    if effect is not None:
        rows.append(("This org: revenue level after vs before its alignment start (history)",
                     effect.level_ratio - 1, effect.level_low - 1, effect.level_high - 1))
    return pd.DataFrame(rows, columns=["claim", "figure", "low", "high"])


def for_csv(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy for a CSV artifact: numbers rounded, dates as YYYY-MM-DD."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(decimals)
        elif pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d").astype("string")
    return out


def summary_figures(
    model: FunnelModel,
    plan: PlanTargets,
    gap: pd.DataFrame,
    *,
    result: ScenarioResult | None = None,
    levers: LeverSet | None = None,
    economics: pd.DataFrame | None = None,
    channels: pd.DataFrame | None = None,
    tornado: pd.DataFrame | None = None,
    effect: AlignmentEffect | None = None,
    series: AlignmentSeries | None = None,
    gross_margin: float | None = None,
    growth: float | None = None,
) -> dict:
    """The module's key figures for ``summary.json`` (plain, rounded values)."""
    g = gap.set_index("stage")
    top = model.top_stage
    lead_time = int(model.rates["lag_months"].sum())
    out: dict = {
        "stages": list(model.stages),
        "skipped_stages": dict(model.skipped),
        "as_of": f"{model.as_of:%Y-%m-%d}",
        "plan_source": plan.source,
        "plan_annual_revenue": plain(plan.annual, 0),
        "plan_monthly_revenue": plain(g.loc["revenue", "needed_per_month"], 0),
        "run_rate_revenue": plain(g.loc["revenue", "run_rate"], 0),
        "deal_size": plain(model.deal.mean, 0),
        "stage_conversion": {t: plain(r, 3) for t, r in zip(model.transitions, model.rates["rate"])},
        "lead_time_months": lead_time,
        "cycle_days": plain(model.cycle_days, 1),
        "top_stage": top,
        "leads_needed_per_month": plain(g.loc[top, "needed_per_month"], 1),
        "leads_needed_rounded": int(g.loc[top, "needed_rounded"]),
        "leads_needed_low": plain(g.loc[top, "low"], 1),
        "leads_needed_high": plain(g.loc[top, "high"], 1),
        "run_rate_top": plain(g.loc[top, "run_rate"], 1),
        "gap_top": plain(g.loc[top, "gap"], 1),
        "gap_pct_top": plain(g.loc[top, "gap_pct"], 3),
        "p_run_rate_enough": plain(g.loc[top, "p_enough"], 3),
        "wins_needed_per_month": plain(g.loc["won", "needed_per_month"], 2),
        "needed_per_month": {s: plain(v, 1) for s, v in g["needed_per_month"].drop("revenue").items()},
        "mqls_needed_per_month": plain(g.loc["mql", "needed_per_month"], 1) if "mql" in g.index else None,
        "lead_growth_monthly": plain(growth, 4),
    }
    if result is not None:
        t = result.totals.set_index("scenario")
        u = result.uplift
        out["scenario"] = {
            "horizon_months": u["horizon_months"],
            "baseline_revenue": plain(t.loc["baseline", "revenue"], 0),
            "baseline_revenue_low": plain(t.loc["baseline", "revenue_low"], 0),
            "baseline_revenue_high": plain(t.loc["baseline", "revenue_high"], 0),
            "aligned_revenue": plain(t.loc["aligned", "revenue"], 0) if "aligned" in t.index else None,
            "uplift_revenue": plain(u["revenue"], 0),
            "uplift_pct": plain(u["revenue_pct"], 3),
            "uplift_pct_low": plain(u["revenue_pct_low"], 3),
            "uplift_pct_high": plain(u["revenue_pct_high"], 3),
            "uplift_gross_profit": plain(u["gross_profit"], 0),
            "uplift_gross_profit_low": plain(u["gross_profit_low"], 0),
            "uplift_gross_profit_high": plain(u["gross_profit_high"], 0),
            "p_uplift_positive": plain(u["p_positive"], 3),
        }
    else:
        out["scenario"] = None
    if levers is not None:
        out["levers"] = {lv.name: {"transition": lv.transition, "multiplier": plain(lv.multiplier, 3),
                                   "low": plain(lv.low, 3), "high": plain(lv.high, 3)} for lv in levers.levers}
        out["touches_plateau_used"] = levers.plateau
    if economics is not None:
        e = economics.set_index("metric")["value"]
        out["gross_margin"] = plain(gross_margin if gross_margin is not None else e.get("gross_margin"), 3)
        for k in ("marketing_spend", "cost_per_mql", "cost_per_sql", "cac", "payback_months"):
            out[k] = plain(e.get(k), 1)
        out["won_revenue_12m"] = plain(e.get("won_revenue"), 0)
        if result is not None:
            out["cac_aligned"] = plain(aligned_cac(economics, result), 1)
    if channels is not None and len(channels):
        c = channels.dropna(subset=["revenue_per_spend"])
        out["channels"] = {
            "window": [f"{d:%Y-%m}" for d in channels.attrs.get("window", ())],
            "best_revenue_per_spend": str(c.sort_values("revenue_per_spend").iloc[-1]["channel"]) if len(c) else None,
            "worst_revenue_per_spend": str(c.sort_values("revenue_per_spend").iloc[0]["channel"]) if len(c) else None,
            "revenue_per_spend": {str(r.channel): plain(r.revenue_per_spend, 2) for r in c.itertuples()},
        }
    if tornado is not None and len(tornado):
        out["tornado_top"] = str(tornado.iloc[0]["driver"])
    if effect is not None:
        out["alignment_effect"] = {k: plain(v, 4) if isinstance(v, float) else v for k, v in effect.as_dict().items()}
        out["alignment_effect"]["series"] = series.kind if series is not None else None
    else:
        out["alignment_effect"] = None
    return out


def aligned_cac(economics: pd.DataFrame, result: ScenarioResult) -> float:
    """CAC if the aligned funnel's extra wins came at today's spend (NaN without spend)."""
    e = economics.set_index("metric")["value"]
    t = result.totals.set_index("scenario")
    cac = float(e.get("cac", np.nan))
    if not np.isfinite(cac) or t.loc["aligned", "wins"] <= 0:
        return float("nan")
    return cac * float(t.loc["baseline", "wins"] / t.loc["aligned", "wins"])


def profit_sentence(economics: pd.DataFrame, result: ScenarioResult, currency: str, alignment_cost_monthly: float = 0.0) -> str:
    """The aligned scenario's effect on wins, CAC and profit, in one sentence."""
    t = result.totals.set_index("scenario")
    u = result.uplift
    more = float(t.loc["aligned", "wins"] / t.loc["baseline", "wins"] - 1)
    cac = float(economics.set_index("metric")["value"].get("cac", np.nan))
    cac_part = (
        f"CAC {cac:,.0f} -> {aligned_cac(economics, result):,.0f} {currency}; " if np.isfinite(cac) else "CAC not measured (no spend); "
    )
    return (
        f"Same spend, {more:+.1%} won deals in the aligned funnel: {cac_part}gross profit difference "
        f"{u['gross_profit']:,.0f} {currency} over {u['horizon_months']} months (90%: {u['gross_profit_low']:,.0f} to "
        f"{u['gross_profit_high']:,.0f}), after {alignment_cost_monthly:,.0f} a month of programme cost."
    )
