"""Numeric firmographics cut into ordered bands (employees, annual revenue, sites)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.icp.labels import UNKNOWN

#: Default band edges: each edge is the lower bound of a band, the last band is open.
#: Employee bands follow the usual CRM / LinkedIn company-size bands (1-10, 11-50, ..., 10,001+).
EMPLOYEE_EDGES: tuple[float, ...] = (1, 11, 51, 201, 501, 1001, 5001, 10001)
REVENUE_EDGES: tuple[float, ...] = (0, 1e6, 10e6, 50e6, 100e6, 500e6, 1e9)
LOCATION_EDGES: tuple[float, ...] = (1, 2, 6, 21, 101)


def format_edge(x: float, money: bool) -> str:
    """A band edge as text: ``1,001`` for counts, ``10M`` (compact) for money."""
    if money:
        a = abs(x)
        for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if a >= div:
                v = x / div
                return f"{v:.0f}{suf}" if float(v).is_integer() else f"{v:.1f}{suf}"
        return f"{x:.0f}"
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def band_labels(edges: tuple[float, ...] | list[float], money: bool = False) -> list[str]:
    """Readable labels of the bands defined by ``edges`` (lower bounds, last band open).

    Counts use whole-number ranges ("200-499", "10,000+"), money uses compact
    half-open ranges ("10M-50M", "1B+"). A first edge of 0 reads "<50" / "<1M".

    Examples
    --------
    >>> band_labels([0, 50, 200])
    ['<50', '50-199', '200+']
    >>> band_labels([0, 1e6, 1e7], money=True)
    ['<1M', '1M-10M', '10M+']
    """
    edges = [float(e) for e in edges]
    if len(edges) < 1 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError("Band edges must be increasing numbers, e.g. [0, 50, 200, 1000].")
    labels = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        if hi is None:
            labels.append(f"{format_edge(lo, money)}+")
        elif i == 0 and lo <= 0:
            labels.append(f"<{format_edge(hi, money)}")
        elif money:
            labels.append(f"{format_edge(lo, money)}-{format_edge(hi, money)}")
        elif hi - 1 <= lo:
            labels.append(format_edge(lo, money))
        else:
            labels.append(f"{format_edge(lo, money)}-{format_edge(hi - 1, money)}")
    return labels


def band(
    values: pd.Series, edges: tuple[float, ...] | list[float], money: bool = False
) -> pd.Series:
    """Cut numbers into ordered bands; a value below the first edge joins the first band.

    Parameters
    ----------
    values : Series of numbers
        E.g. ``accounts["employees"]``.
    edges : sequence of float
        Lower bound of each band, increasing; the last band is open-ended.
    money : bool
        Label money compactly ("1M-10M") instead of counts ("200-499").

    Returns
    -------
    Series (ordered Categorical)
        Band labels from :func:`band_labels` plus ``Unknown`` (last) for missing values.
    """
    labels = band_labels(edges, money)
    values = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    bins = [-np.inf, *[float(e) for e in edges[1:]], np.inf]
    cut = pd.cut(values, bins=bins, right=False, labels=labels)
    cats = [*labels, UNKNOWN]
    out = pd.Categorical(
        cut.astype("object").where(cut.notna(), UNKNOWN), categories=cats, ordered=True
    )
    return pd.Series(out, index=values.index, name=values.name)
