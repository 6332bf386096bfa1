"""Step 2 of the ICP: win rate and deal economics per segment, small segments pooled.

:func:`segment_table` gives one dimension's segments with a Wilson 95% interval, lift,
average won deal, median cycle and revenue per lead; :func:`segment_tables` stacks every
dimension; :func:`top_segments` ranks the reliable ones; :func:`lift_matrix` crosses two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.stats import wilson_interval
from helpers.icp.inputs import IcpInputs
from helpers.icp.labels import (
    OTHER_SMALL,
    UNKNOWN,
    dimension_label,
    fill_unknown,
    label_codes,
    relabel,
)

#: Columns of :func:`segment_table`, in order.
SEGMENT_COLUMNS = [
    "dimension",
    "segment",
    "opportunities",
    "wins",
    "win_rate",
    "ci_low",
    "ci_high",
    "lift",
    "avg_won_amount",
    "median_cycle_days",
    "won_revenue",
    "leads",
    "revenue_per_lead",
    "reliable",
    "pooled",
]


def pool_small_segments(labels: pd.Series, min_n: int, keep: list[str] | None = None) -> pd.Series:
    """Replace labels seen fewer than ``min_n`` times by ``"Other (small)"``.

    Parameters
    ----------
    labels : Series of str
        One label per closed outcome.
    min_n : int
        Minimum number of rows a segment needs to stand on its own.
    keep : list of str, optional
        Labels to keep as they are (others are pooled); computed from ``labels``
        when omitted. ``Unknown`` is never pooled.

    Returns
    -------
    Series (categorical)
        Missing labels read ``Unknown``.
    """
    labels = pd.Series(labels)
    if keep is None:
        codes, cats = label_codes(labels)
        counts = np.bincount(codes, minlength=len(cats)) if len(codes) else np.zeros(len(cats))
        keep = [c for c, v in zip(cats, counts) if v >= min_n or c == UNKNOWN]
    keep_set = set(keep) | {UNKNOWN}
    return relabel(labels, lambda c: c if c in keep_set else OTHER_SMALL)


def kept_segments(deals: pd.DataFrame, dimension: str, min_n: int) -> list[str] | None:
    """Labels of an unordered dimension large enough to stand alone (``None`` for bands)."""
    col = deals[dimension]
    if isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered:
        return None
    codes, cats = label_codes(col)
    counts = np.bincount(codes, minlength=len(cats)) if len(codes) else np.zeros(len(cats))
    return sorted(c for c, v in zip(cats, counts) if v >= min_n or c == UNKNOWN)


def segment_table(
    deals: pd.DataFrame,
    dimension: str,
    *,
    leads: pd.DataFrame | None = None,
    won: str = "won",
    amount: str = "amount",
    cycle: str = "cycle_days",
    min_n: int = 30,
    pool: bool = True,
) -> pd.DataFrame:
    """Win rate and deal economics of every segment of one dimension.

    Parameters
    ----------
    deals : DataFrame
        One row per closed outcome with ``dimension``, ``won`` (bool), ``amount``
        and ``cycle_days`` columns.
    dimension : str
        Segment column. An ordered Categorical (bands) keeps its order and small
        bands are flagged; other columns have small segments pooled.
    leads : DataFrame, optional
        One row per lead with the same ``dimension`` column: gives ``leads`` and
        ``revenue_per_lead`` (won revenue / leads of the segment).
    won, amount, cycle : str
        Column names.
    min_n : int
        Minimum closed outcomes for a segment to be ``reliable``.
    pool : bool
        Pool small segments of unordered dimensions into ``"Other (small)"``.

    Returns
    -------
    DataFrame
        ``dimension, segment, opportunities, wins, win_rate, ci_low, ci_high,
        lift, avg_won_amount, median_cycle_days, won_revenue, leads,
        revenue_per_lead, reliable, pooled``. Ordered dimensions in band order,
        others by win rate (pooled and unknown last). ``lift`` is the segment's
        win rate divided by the overall win rate of ``deals``.
    """
    if dimension not in deals.columns:
        raise ValueError(f"The closed outcomes have no '{dimension}' column to segment by.")
    col = deals[dimension]
    ordered = isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered
    keep = None
    if ordered:
        seg = col
    elif pool:
        keep = kept_segments(deals, dimension, min_n)
        seg = pool_small_segments(col, min_n, keep)
    else:
        seg = fill_unknown(col)
    w = deals[won].astype(bool)
    table = _segment_rates(seg, w, _numeric(deals, amount), _numeric(deals, cycle), ordered)
    _add_lead_counts(table, leads, dimension, min_n, keep)
    table["pooled"] = table.index == OTHER_SMALL
    table["reliable"] = (table["opportunities"] >= min_n) & ~table["pooled"]
    table = table.reset_index()
    table.insert(0, "dimension", dimension)
    if not ordered:
        rank = np.where(table["pooled"], 2, np.where(table["segment"] == UNKNOWN, 1, 0))
        table = (
            table.assign(_r=rank)
            .sort_values(
                ["_r", "win_rate", "opportunities"], ascending=[True, False, False], kind="stable"
            )
            .drop(columns="_r")
        )
    table["opportunities"] = table["opportunities"].astype("int64")
    table["wins"] = table["wins"].astype("int64")
    return table[SEGMENT_COLUMNS].reset_index(drop=True)


def _numeric(deals: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column of ``deals`` (NaN where absent or not a number)."""
    if column in deals:
        return pd.to_numeric(deals[column], errors="coerce")
    return pd.Series(np.nan, index=deals.index)


def _segment_rates(
    seg: pd.Series, w: pd.Series, amt: pd.Series, cyc: pd.Series, ordered: bool
) -> pd.DataFrame:
    """Per segment: opportunities, wins, won deal size and cycle, win rate, interval, lift."""
    frame = pd.DataFrame(
        {
            "segment": seg,
            "won": w,
            "won_amount": amt.where(w),
            "won_cycle": cyc.where(w),
        }
    )
    g = frame.groupby("segment", observed=True, sort=ordered)
    table = pd.DataFrame(
        {
            "opportunities": g.size(),
            "wins": g["won"].sum(),
            "avg_won_amount": g["won_amount"].mean(),
            "median_cycle_days": g["won_cycle"].median(),
            "won_revenue": g["won_amount"].sum(min_count=1),
        }
    )
    table.index = table.index.astype("str")
    table.index.name = "segment"
    overall = w.mean()
    table["win_rate"] = table["wins"] / table["opportunities"]
    lo, hi = wilson_interval(table["wins"], table["opportunities"])
    table["ci_low"], table["ci_high"] = lo, hi
    table["lift"] = table["win_rate"] / overall
    return table


def _add_lead_counts(
    table: pd.DataFrame,
    leads: pd.DataFrame | None,
    dimension: str,
    min_n: int,
    keep: list[str] | None,
) -> None:
    """Add ``leads`` and ``revenue_per_lead`` per segment (NA without leads), in place."""
    if leads is not None and dimension in leads.columns:
        lseg = leads[dimension]
        lseg = pool_small_segments(lseg, min_n, keep) if keep is not None else fill_unknown(lseg)
        lcodes, lcats = label_codes(lseg)
        lcounts = pd.Series(np.bincount(lcodes, minlength=len(lcats)), index=lcats)
        lcounts = lcounts.groupby(level=0).sum()
        table["leads"] = lcounts.reindex(table.index).fillna(0).astype("int64")
        with np.errstate(divide="ignore", invalid="ignore"):
            table["revenue_per_lead"] = table["won_revenue"].fillna(0) / table["leads"].replace(
                0, np.nan
            )
    else:
        table["leads"] = pd.array([pd.NA] * len(table), "Int64")
        table["revenue_per_lead"] = np.nan


def segment_tables(
    inputs: IcpInputs, min_n: int = 30, dimensions: list[str] | None = None
) -> pd.DataFrame:
    """:func:`segment_table` for every available dimension, stacked.

    4-digit SIC codes are a drill-down: they are flagged, not pooled, so the
    largest codes stay visible even when each is below ``min_n``.
    """
    dims = dimensions or inputs.dimensions
    parts = [
        segment_table(inputs.deals, d, leads=inputs.leads, min_n=min_n, pool=d != "sic_code")
        for d in dims
    ]
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def top_segments(
    tables: pd.DataFrame, n: int = 5, exclude: tuple[str, ...] = ("sic_division", "sic_code")
) -> pd.DataFrame:
    """The reliable segments that win most, ranked by the low end of their interval.

    Ranking by the interval's lower bound puts a 45% win rate on 400 deals ahead
    of a 60% one on 31 deals: only what the data can vouch for ranks high.
    Pooled, unknown and unreliable segments are never ranked.

    Parameters
    ----------
    tables : DataFrame
        Output of :func:`segment_tables`.
    n : int
        How many to return.
    exclude : tuple of str
        Dimensions left out (roll-up levels that repeat the major group; the
        CRM industry label too when SIC major groups are there).

    Returns
    -------
    DataFrame
        The rows of ``tables`` with lift above 1, best first.
    """
    if tables.empty:
        return tables
    if "sic_major_group" in set(tables["dimension"]):
        exclude = (*exclude, "industry")  # the CRM label repeats the SIC major group
    t = tables[
        tables["reliable"]
        & ~tables["pooled"]
        & (tables["segment"] != UNKNOWN)
        & (tables["lift"] > 1)
        & ~tables["dimension"].isin(exclude)
    ]
    return (
        t.sort_values(["ci_low", "win_rate"], ascending=False, kind="stable")
        .head(n)
        .reset_index(drop=True)
    )


def describe_segment(row: pd.Series) -> str:
    """One sentence about a segment row: win rate, interval, lift, sample size."""
    label = dimension_label(row["dimension"])
    return (
        f"{label} = {row['segment']}: {row['win_rate']:.0%} win rate "
        f"(95% interval {row['ci_low']:.0%}-{row['ci_high']:.0%}, {int(row['opportunities']):,} closed), "
        f"{row['lift']:.2f}x the overall rate."
    )


def lift_matrix(
    deals: pd.DataFrame,
    rows: str,
    cols: str,
    *,
    won: str = "won",
    min_n: int = 15,
    min_row: int = 30,
    max_rows: int = 10,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lift of the win rate for every combination of two dimensions.

    Parameters
    ----------
    deals : DataFrame
        Closed outcomes with ``rows`` and ``cols`` columns.
    rows, cols : str
        Dimensions (e.g. ``"sic_major_group"`` and ``"employee_band"``).
    min_n : int
        Cells with fewer closed outcomes get NaN lift (too few to compare).
    min_row : int
        Row segments (unordered) with fewer outcomes are pooled into "Other (small)".
    max_rows : int
        At most this many row segments (the largest) before pooling the rest.

    Returns
    -------
    (lift, counts) : tuple of DataFrame
        Lift (cell win rate / overall win rate) and closed outcomes per cell;
        columns without any outcome are left out.
    """
    d = deals[[rows, cols, won]].copy()
    for c in (rows, cols):
        if not (isinstance(d[c].dtype, pd.CategoricalDtype) and d[c].dtype.ordered):
            d[c] = d[c].astype("str")
    row_ordered = isinstance(d[rows].dtype, pd.CategoricalDtype)
    if not row_ordered:
        sizes = d[rows].value_counts()
        top = [k for k, v in sizes.head(max_rows).items() if v >= min_row and k != OTHER_SMALL]
        d[rows] = d[rows].where(d[rows].isin(top), OTHER_SMALL)
    overall = d[won].astype(bool).mean()
    g = d.groupby([rows, cols], observed=True)[won]
    counts = g.size().unstack(cols)
    rate = g.mean().unstack(cols)
    lift = (rate / overall).where(counts >= min_n)
    if not row_ordered:
        order = counts.sum(axis=1).sort_values(ascending=False).index
        order = [o for o in order if o != OTHER_SMALL] + [o for o in order if o == OTHER_SMALL]
        lift, counts = lift.reindex(order), counts.reindex(order)
    for frame in (lift, counts):
        frame.index = frame.index.astype("str")
        frame.columns = frame.columns.astype("str")
    return lift, counts.fillna(0).astype("int64")


def design_labels(df: pd.DataFrame, dims: list[str], kept: dict[str, list[str]]) -> pd.DataFrame:
    """Segment labels per dimension (categoricals), small unordered segments pooled."""
    out = pd.DataFrame(index=df.index)
    for d in dims:
        if d not in df:
            out[d] = pd.Categorical([UNKNOWN] * len(df))
        elif d in kept:
            out[d] = pool_small_segments(df[d], 0, kept[d]).array
        else:
            out[d] = fill_unknown(df[d]).array
    return out
