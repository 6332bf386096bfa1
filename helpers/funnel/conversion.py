"""Stage-to-stage conversion under the right-censoring rule, by stage and by cohort.

A lead counts in a stage's conversion only once it has had ``k`` days to convert (``k`` =
the 90th percentile of that stage's lag among leads that did convert, or a parameter),
counted back from the export date. Younger leads are left out of the rate - neither
converted nor lost - because they may still convert.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import two_proportion_p, wilson_interval
from helpers.funnel.journeys import DAY, Journeys, split_transition


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


def eligibility(journeys: Journeys, transition: str, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(base, eligible, converted) boolean arrays for one transition under the censoring rule.

    ``base``: leads that reached the from-stage; ``eligible``: those old enough (``k``
    days before the export date, and entered after the to-stage's records start);
    ``converted``: leads that reached the to-stage.
    """
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
        base, elig, conv = eligibility(journeys, tr, ks[tr])
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


def period_start(ts: pd.Series, freq: str) -> pd.Series:
    """Start of the period (``"M"``/``"month"``, ``"Q"``/``"quarter"``, ``"W"``/``"week"``) of each timestamp."""
    freq = {"M": "M", "month": "M", "Q": "Q", "quarter": "Q", "W": "W-SUN", "week": "W-SUN"}.get(freq, freq)
    return ts.dt.to_period(freq).dt.start_time


def _cohort_counts(journeys: Journeys, transition: str, k: float, cohort: pd.Series) -> pd.DataFrame:
    """One transition's counts and lags by cohort (see :func:`cohort_waterfall`)."""
    t = journeys.table
    a, b = split_transition(transition)
    base, elig, conv = eligibility(journeys, transition, k)
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
    g.insert(1, "transition", transition)
    return g


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
    ks = censor_windows(journeys, censor_days)
    cohort = period_start(journeys.table["entered_at"], freq)
    out = pd.concat([_cohort_counts(journeys, tr, ks[tr], cohort) for tr in journeys.transitions], ignore_index=True)
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
