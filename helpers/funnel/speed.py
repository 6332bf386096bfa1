"""Speed-to-lead: time from the start stage (MQL) to the first sales touch, and how
conversion falls with it (crude and Mantel-Haenszel-adjusted risk ratios)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.stats import mantel_haenszel_rr, wilson_interval
from helpers.funnel.conversion import eligibility, period_start, span_window
from helpers.funnel.journeys import Journeys, default_start, default_target

#: Response-time buckets (hours from MQL to the first sales touch).
RESPONSE_BUCKETS = ["<1h", "1-24h", ">24h", "never"]
#: Used instead when timestamps carry no time of day.
RESPONSE_BUCKETS_DAYS = ["same day", "1-2 days", ">2 days", "never"]


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


def has_first_touch(journeys: Journeys) -> bool:
    """True when some lead has a first sales touch date (speed-to-lead can be measured)."""
    t = journeys.table
    return "first_sales_touch_at" in t.columns and bool(t["first_sales_touch_at"].notna().any())


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


def _strata(t: pd.DataFrame, strata: tuple[str, ...], start: str) -> pd.Series:
    """Each lead's stratum label: the ``strata`` columns joined (``quarter`` = the quarter
    the lead reached the start stage); columns the table lacks are ignored."""
    strat = pd.Series("all", index=t.index, dtype="string")
    for col in strata:
        if col == "quarter":
            part = period_start(t[f"t_{start}"], "Q").dt.strftime("%Y-%m").astype("string")
        elif col in t.columns:
            part = t[col].astype("string")
        else:
            continue
        strat = strat + "|" + part.fillna("(unknown)")
    return strat


def _rates(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Leads ``n``, ``converted`` and ``rate`` per ``keys`` (every bucket kept)."""
    g = d.groupby(keys, observed=False).agg(n=("n", "sum"), converted=("converted", "sum")).reset_index()
    g["rate"] = np.where(g["n"] > 0, g["converted"] / g["n"].where(g["n"] > 0, 1), np.nan)
    return g


def _adjusted_effects(bs: pd.DataFrame, labels: list[str], ref: str) -> pd.DataFrame:
    """Each bucket's crude and Mantel-Haenszel risk ratio against the ``ref`` bucket."""
    rows = []
    for b in labels:
        if b == ref:
            rows.append({"bucket": b, "crude_rr": 1.0, "rr": 1.0, "low": np.nan, "high": np.nan})
            continue
        sub = bs[bs["bucket"].isin([b, ref])]
        sub = sub.assign(exposed=(sub["bucket"] == b).to_numpy())
        r = mantel_haenszel_rr(sub, stratum="stratum")
        rows.append({"bucket": b, "crude_rr": r["crude_rr"], "rr": r["rr"], "low": r["low"], "high": r["high"]})
    return pd.DataFrame(rows)


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
    if not has_first_touch(journeys):
        raise ValueError("Speed-to-lead is not recorded: no lead has a first sales touch date, so the time to "
                         "answer cannot be measured (map the activity log with its team, or first_sales_touch_at).")
    k = span_window(journeys, start, target, censor_days)
    _, elig, conv = eligibility(journeys, f"{start}->{target}", k)
    t = journeys.table.loc[elig]
    conv = conv[elig]
    date_only = journeys.date_only
    bucket = response_bucket(t["response_hours"], date_only)
    strat = _strata(t, strata, start)
    d = pd.DataFrame({"bucket": bucket, "converted": conv.astype(int), "stratum": strat.to_numpy(), "n": 1})
    g = d.groupby("bucket", observed=False).agg(n=("n", "sum"), converted=("converted", "sum")).reset_index()
    total = max(int(g["n"].sum()), 1)
    g["share"] = g["n"] / total
    g["rate"] = np.where(g["n"] > 0, g["converted"] / g["n"].where(g["n"] > 0, 1), np.nan)
    g["low"], g["high"] = wilson_interval(g["converted"], g["n"])
    bs = _rates(d, ["stratum", "bucket"])
    labels = list(bucket.cat.categories)
    adjusted = _adjusted_effects(bs, labels, reference or labels[0])
    hours = t["response_hours"]
    shares = {
        "within_1h": None if date_only else float((hours < 1).mean()) if len(t) else np.nan,
        "within_24h": float((hours <= 24).mean()) if len(t) else np.nan,
        "never": float(hours.isna().mean()) if len(t) else np.nan,
        "median_hours": float(hours.median()) if hours.notna().any() else np.nan,
    }
    return SpeedToLead(shares, g, bs, adjusted, k, start, target, date_only, int(len(t)))
