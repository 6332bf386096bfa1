"""Sales and marketing touches: the touch columns of the journeys, the buyer's journey
before sales, and how many sales touches a lead needs (the touches curve and its plateau).

Touches after a conversion are never counted, so leads that convert early do not make
few touches look good (survivorship bias).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.stats import Z95, wilson_interval
from helpers.data import positions_in, text_equals
from helpers.funnel.conversion import eligibility, span_window
from helpers.funnel.journeys import (
    DAY,
    HOUR,
    Journeys,
    default_start,
    default_target,
    is_date_only,
    journey_stage,
)

_INT_NAT = np.iinfo("int64").min


def _touch_window_end(t: pd.DataFrame, target: str, export_date: pd.Timestamp) -> np.ndarray:
    """Where sales touches stop counting: the conversion to ``target``, else the close-out,
    else the export date."""
    conv = t[f"reached_{target}"].to_numpy()
    t_target = t[f"t_{target}"].to_numpy("datetime64[ns]")
    closed = t["closed_at"].to_numpy("datetime64[ns]")
    return np.where(conv & ~np.isnat(t_target), t_target,
                    np.where(np.isnat(closed), np.datetime64(export_date, "ns"), closed))


def _has_activity_log(activities: pd.DataFrame | None) -> bool:
    return (activities is not None and len(activities) > 0 and {"lead_id", "occurred_at"} <= set(activities.columns)
            and "team" in activities.columns and bool(activities["team"].notna().any()))


def _touches_from_activities(
    t: pd.DataFrame, activities: pd.DataFrame, start: str, jstage: str, end: np.ndarray, sales: str, marketing: str
) -> None:
    """Touch columns counted from the activity log (``t`` updated in place)."""
    n = len(t)
    t_start = t[f"t_{start}"].to_numpy("datetime64[ns]")
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
    fst = np.full(n, _INT_NAT)
    fst[first.index.to_numpy()] = first.to_numpy()
    end_i = end.view("int64")[pos]
    in_window = s_mask & (occ_i <= end_i)
    fst_at = fst[pos]
    before_sales = is_mkt & ((fst_at == _INT_NAT) & (occ_i <= end_i) | (occ_i < fst_at))
    t_journey = t[f"t_{jstage}"].to_numpy("datetime64[ns]")
    tt = t_journey.view("int64")[pos]
    pre_target = ~np.isnat(t_journey)[pos] & (occ_i < tt) & (is_sales | is_mkt)
    pre_all = np.bincount(pos[pre_target], minlength=n).astype(float)
    pre_mkt = np.bincount(pos[pre_target & is_mkt], minlength=n).astype(float)
    t["first_sales_touch_at"] = fst.view("datetime64[ns]")  # int64 min is NaT
    t["sales_touches"] = np.bincount(pos[in_window], minlength=n).astype(float)
    t["marketing_before_sales"] = np.bincount(pos[before_sales], minlength=n).astype(float)
    jconv = t[f"reached_{jstage}"].to_numpy()
    t["pre_target_touches"] = np.where(jconv, pre_all, np.nan)
    t["pre_target_marketing"] = np.where(jconv, pre_mkt, np.nan)
    t["touch_source"] = "activities"


def _touches_from_aggregates(t: pd.DataFrame) -> None:
    """Touch columns from the leads' aggregate columns (``t`` updated in place)."""
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
    known = t["sales_touches"].notna().any() or t["first_sales_touch_at"].notna().any()
    t["touch_source"] = "aggregates" if known else "none"


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
    t = journeys.table.copy()
    if _has_activity_log(activities):
        end = _touch_window_end(t, target, journeys.export_date)
        _touches_from_activities(t, activities, start, journey_stage(journeys.stages), end, sales, marketing)
    else:
        _touches_from_aggregates(t)
    fst_s = t["first_sales_touch_at"]
    t["response_hours"] = (fst_s - t[f"t_{start}"]) / HOUR
    t["days_to_sales"] = (fst_s - t["entered_at"]) / DAY
    if date_only is None:
        date_only = journeys.date_only or is_date_only(t[f"t_{start}"]) or is_date_only(fst_s)
    return Journeys(t, journeys.stages, journeys.export_date, journeys.recycled_dropped,
                    dict(journeys.recording_start), bool(date_only), journeys.contract, list(journeys.collapsed))


def has_touch_data(journeys: Journeys) -> bool:
    """True when the journeys carry sales-touch information (activities or aggregates)."""
    t = journeys.table
    return "touch_source" in t.columns and (t["touch_source"] != "none").any() and (
        t["sales_touches"].notna().any() or t["first_sales_touch_at"].notna().any()
    )


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
    _, elig, conv = eligibility(journeys, f"{start}->{target}", k)
    touches = journeys.table["sales_touches"].to_numpy(float)
    keep = elig & ~np.isnan(touches)
    if worked_only:
        keep &= touches > 0
    return curve_from_counts(np.minimum(touches[keep], max_touches).astype(int), conv[keep], max_touches)


def curve_from_counts(n_touch: np.ndarray, converted: np.ndarray, max_touches: int) -> pd.DataFrame:
    """The touches curve of :func:`touch_curve` from each lead's touch count and outcome."""
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
            "cum_low": np.clip(cum - Z95 * se, 0, 1),
            "cum_high": np.clip(cum + Z95 * se, 0, 1),
            "rate_exact": rate_exact,
            "rate_low": r_lo,
            "rate_high": r_hi,
        }
    )
    df["gain"] = df["cumulative"].diff().fillna(df["cumulative"])
    return df


# --------------------------------------------------------------------------- plateau


@dataclass
class Plateau:
    """Where more sales touches stop adding conversions (see :func:`find_plateau`)."""

    touches: int | None
    method: str
    slope_before: float
    slope_after: float
    note: str
    detail: pd.DataFrame


def _best_breakpoint(d: pd.DataFrame) -> dict | None:
    """The piecewise-linear fit ``a + b min(n, P) + c max(n - P, 0)`` of ``rate_exact`` on
    ``touches`` (weighted by ``n_exact``) with the least weighted squares, over ``P``."""
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
    return best


def _cumulative_view(c: pd.DataFrame, min_gain: float, min_leads: int) -> pd.DataFrame:
    """Per touch: the marginal gain in cumulative conversion and its lower bound; the last
    touch whose lower bound exceeds ``min_gain`` is ``attrs["cumulative_plateau"]``."""
    surv_prev = 1 - c["cumulative"].shift(1).fillna(0.0)
    gain_low = surv_prev * c["hazard_low"].fillna(0.0)
    sig = ((gain_low > min_gain) & (c["at_risk"] >= min_leads)).to_numpy(copy=True)
    sig[0] = False
    reliable_max = int(c.loc[c["at_risk"] >= min_leads, "touches"].max()) if (c["at_risk"] >= min_leads).any() else 0
    last_sig = int(np.flatnonzero(sig).max()) if sig.any() else None
    detail = pd.DataFrame({"touches": c["touches"], "rate_exact": c["rate_exact"], "gain": c["gain"],
                           "gain_low": gain_low, "at_risk": c["at_risk"]})
    detail.attrs["cumulative_plateau"] = last_sig if last_sig is not None and last_sig < reliable_max else None
    return detail


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
    best = _best_breakpoint(d)
    detail = _cumulative_view(c, min_gain, min_leads)
    method = "piecewise-linear fit"
    if best is None:
        return Plateau(None, method, np.nan, np.nan, "too few touch counts to fit a curve", detail)
    b, cc = best["coef"][1], best["coef"][2]
    sb, sc = best["se"][1], best["se"][2]
    detail.attrs["fit"] = {"breakpoint": best["P"], "intercept": float(best["coef"][0]), "slope_before": float(b),
                           "slope_after": float(cc)}
    if b - z * sb <= 0:
        return Plateau(None, method, float(b), float(cc), "conversion does not rise significantly with touches", detail)
    if cc - z * sc > min_gain:
        return Plateau(None, method, float(b), float(cc), "conversion keeps rising with touches within the data", detail)
    return Plateau(best["P"], method, float(b), float(cc),
                   f"conversion rises by {b:.1%} per touch up to {best['P']}, then {cc:+.1%} per touch", detail)
