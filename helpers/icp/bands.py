"""Ordered bands: numbers cut at edges (employees, annual revenue, sites), text bands parsed.

:func:`band` cuts numbers at conventional edges; :func:`parse_band` reads the bounds of a
text band ("1K to 5K", "More than 25K", "10,001+") so that :func:`text_band_order` can put an
export's own bands in order without hand-written midpoints.
"""

from __future__ import annotations

import re

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


# --------------------------------------------------------------------------- text bands

_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(thousand|million|billion|mn|mm|bn|k|m|b)?"
_UNIT_WORDS = (
    r"(?:\s+(?:employees?|staff|people|persons|emp|ftes?|users|seats|vehicles|sites|locations|"
    r"units|usd|eur|gbp|dollars|euros))?"
)
_BELOW = r"(?:less than|fewer than|under|below|up to|<=|<|≤)"
_ABOVE = r"(?:more than|greater than|over|above|at least|>=|>|≥)"
_BAND_FORMS: list[tuple[str, str]] = [
    ("range", rf"^(?:between\s+)?{_NUM}\s*(?:-|–|—|to|and|through)\s*{_NUM}$"),
    ("below", rf"^{_BELOW}\s*{_NUM}$"),
    ("below", rf"^{_NUM}\s*(?:or less|or fewer|or below|and under|and below|and less|max)$"),
    ("above", rf"^{_ABOVE}\s*{_NUM}$"),
    ("above", rf"^{_NUM}\s*(?:\+|or more|or over|or above|and over|and above|and up|plus)$"),
    ("point", rf"^{_NUM}$"),
]


def _number(digits: str, decimals: str | None, scale: str | None) -> tuple[float, bool]:
    """A band bound as a number, and whether it carried its own scale ("5K")."""
    value = float(digits.replace(",", "") + (decimals or ""))
    return value * _SCALE.get((scale or "").lower(), 1.0), bool(scale)


def parse_band(label) -> tuple[float | None, float | None] | None:
    """The bounds of a text band, or ``None`` when the label is not a band.

    Reads ranges ("1K to 5K", "11-50", "$1M - $5M", "between 10 and 50"), open
    bands ("1K or less", "Less than 10", "<15", "More than 25K", "10,001+", "500 or
    more") and single numbers ("1"). Thousands separators (","), currency signs and
    a trailing unit word ("employees", "USD") are ignored; "K", "M", "B" scale a
    number, and a range's scale applies to its first number when that keeps the
    range increasing ("1-5M" is 1M-5M, "500-1K" is 500-1,000).

    Returns
    -------
    (low, high) or None
        ``low`` is ``None`` for "or less" bands, ``high`` ``None`` for open-ended
        ones; a single number gives ``(x, x)``.

    Examples
    --------
    >>> parse_band("1K to 5K")
    (1000.0, 5000.0)
    >>> parse_band("More than 25K")
    (25000.0, None)
    >>> parse_band("Small") is None
    True
    """
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return None
    text = str(label).strip().lower().replace("$", "").replace("€", "").replace("£", "")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(_UNIT_WORDS + "$", "", text).strip()
    for kind, pattern in _BAND_FORMS:
        m = re.match(pattern, text)
        if m is None:
            continue
        g = m.groups()
        first, scaled = _number(*g[:3])
        if kind == "range":
            second, _ = _number(*g[3:6])
            if not scaled and g[5]:
                bigger = first * _SCALE[g[5].lower()]
                first = bigger if bigger < second else first
            return (first, second) if first <= second else None
        if kind == "below":
            return (None, first)
        if kind == "above":
            return (first, None)
        return (first, first)
    return None


def _band_key(bounds: tuple[float | None, float | None]) -> tuple[float, float]:
    low, high = bounds
    return (-np.inf if low is None else low, np.inf if high is None else high)


def text_band_order(values: pd.Series) -> list[str] | None:
    """The labels of a text column in band order, or ``None`` when they do not read as bands.

    The column reads as bands when at least two distinct labels parse
    (:func:`parse_band`), one of them a range or an open band, and the parsed
    labels hold at least half of the known rows. Parsed labels are sorted by their
    bounds; labels that do not parse ("Not disclosed") follow in first-seen order.
    """
    labels = pd.Series(values).dropna().astype("str").str.strip()
    labels = labels[(labels != "") & (labels != UNKNOWN)]
    if labels.empty:
        return None
    counts = labels.value_counts(sort=False)
    seen = list(dict.fromkeys(labels))
    bounds = {lab: parse_band(lab) for lab in seen}
    parsed = [lab for lab in seen if bounds[lab] is not None]
    ranges = [lab for lab in parsed if bounds[lab][0] != bounds[lab][1]]
    if len(parsed) < 2 or not ranges or counts[parsed].sum() * 2 < counts.sum():
        return None
    parsed.sort(key=lambda lab: _band_key(bounds[lab]))
    return parsed + [lab for lab in seen if bounds[lab] is None]


def ordered_labels(values: pd.Series, order: list[str]) -> pd.Series:
    """Text labels as an ordered Categorical: ``order`` first, other labels after, ``Unknown`` last.

    Labels are stripped; missing and empty ones read ``Unknown``. Labels absent from
    ``order`` keep their first-seen order after it.
    """
    s = pd.Series(values)
    text = s.astype("object").where(s.notna(), None)
    text = text.map(lambda v: None if v is None else (str(v).strip() or None))
    order = [str(o).strip() for o in order]
    rest = [v for v in dict.fromkeys(text.dropna()) if v not in order and v != UNKNOWN]
    cats = [c for c in dict.fromkeys([*order, *rest]) if c != UNKNOWN] + [UNKNOWN]
    out = pd.Categorical(text.fillna(UNKNOWN), categories=cats, ordered=True)
    return pd.Series(out, index=s.index, name=s.name)


def band_bounds(label: str) -> tuple[float | None, float | None]:
    """The bounds of a band label (:func:`parse_band`), ``(None, None)`` when it does not parse."""
    return parse_band(label) or (None, None)


def quantile_edges(values: pd.Series, n_bands: int = 5) -> list[float]:
    """Band edges at the quantiles of a numeric column, rounded to two significant digits.

    Used for numeric attributes that have no conventional bands (employees and revenue
    use :data:`EMPLOYEE_EDGES` and :data:`REVENUE_EDGES`). Repeated edges (a value
    most rows share) are merged.
    """
    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype="float64")
    if x.size == 0:
        return [0.0]
    qs = np.quantile(x, np.linspace(0, 1, n_bands + 1)[:-1])
    edges: list[float] = []
    for q in qs:
        if q != 0:
            digits = 1 - int(np.floor(np.log10(abs(q))))
            q = float(np.round(q, digits))
        if not edges or q > edges[-1]:
            edges.append(float(q))
    return edges
