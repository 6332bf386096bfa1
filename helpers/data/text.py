"""Text columns: any value as text, ids as text, and fast Arrow look-ups on long columns.

``isin_values``, ``text_equals`` and ``positions_in`` are public: the analysis packages use
them where pandas would convert millions of text ids to Python strings one by one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------- values as text


def is_text(s: pd.Series) -> bool:
    """True for a text (or object) column."""
    return pd.api.types.is_string_dtype(s) or s.dtype == object


def as_text(s: pd.Series) -> pd.Series:
    """Any column as text (integral numbers without '.0', dates in ISO form)."""
    if pd.api.types.is_string_dtype(s) and s.dtype != object:
        return s
    if pd.api.types.is_bool_dtype(s):
        out = s.astype("boolean").map({True: "true", False: "false"})
        return out.astype("str")
    if pd.api.types.is_numeric_dtype(s):
        return _numbers_as_text(s)
    if pd.api.types.is_datetime64_any_dtype(s):
        text = s.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
        return text.astype("str")
    return s.map(lambda v: v if _is_missing(v) else obj_text(v)).astype("str")


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _numbers_as_text(s: pd.Series) -> pd.Series:
    f = s.astype("float64")
    integral = f.notna() & np.isfinite(f) & (f == np.floor(f)) & (f.abs() < 2**53)
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    if integral.any():
        out[integral] = f[integral].astype("int64").astype(str)
    rest = f.notna() & ~integral
    if rest.any():
        out[rest] = f[rest].astype(str)
    return out.astype("str")


def obj_text(v: Any) -> str:
    """One Python value as text (``True`` -> ``"true"``, ``3.0`` -> ``"3"``, dates ISO)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | pd.Timestamp):
        text = v.isoformat(sep=" ")
        return text[:10] if text.endswith("00:00:00") else text
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def norm_id(s: pd.Series) -> pd.Series:
    """Ids as text: integral numbers without '.0', surrounding spaces removed."""
    s = as_text(s)
    dotted = s.str.contains(".", regex=False).fillna(False).astype(bool)
    if dotted.any():
        s = s.copy()
        s[dotted] = s[dotted].str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return s.astype("str")


def clean_text(s: pd.Series, na_tokens: list[str]) -> pd.Series:
    """Text with surrounding spaces removed and NA tokens / empty cells as missing."""
    t = as_text(s).str.strip()
    return t.mask(t.isin(na_tokens) | (t == ""))


# --------------------------------------------------------------------------- Arrow arrays


def as_arrow(values: Any):
    """The Arrow array behind ``values`` (a Series, Index, array or list), one chunk."""
    import pyarrow as pa

    arr = values.array if isinstance(values, pd.Series | pd.Index) else values
    if hasattr(arr, "__arrow_array__"):
        out = arr.__arrow_array__()
    else:
        out = pa.array(
            np.asarray(arr, dtype=object) if not isinstance(arr, np.ndarray) else arr,
            from_pandas=True,
        )
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def arrow_array(s: pd.Series):
    """The Arrow array behind a text column (converted when the column is not Arrow-backed)."""
    import pyarrow as pa

    if hasattr(s.array, "__arrow_array__"):
        arr = s.array.__arrow_array__()
    else:
        arr = pa.array(s.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def from_codes(codes: np.ndarray, values: list, index: pd.Index) -> pd.Series:
    """A text column from per-row codes into ``values`` (code -1 = missing), built in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dic = pa.array(list(values) + [None], type=pa.large_string())
    idx = np.where(codes < 0, len(values), codes).astype("int64")
    out = pc.take(dic, pa.array(idx)).to_pandas()
    out.index = index
    return out.astype("str")


# --------------------------------------------------------------------------- fast look-ups


def isin_values(s: pd.Series, values: Any) -> np.ndarray:
    """``s.isin(values)`` as a boolean array, fast for long text columns.

    pandas checks a text column against a list of values one value at a time; this
    builds the value set once in Arrow, so a million ids take a fraction of a second.
    Missing values of ``s`` give False (missing values in ``values`` are ignored).

    Parameters
    ----------
    s : Series
        Column to test (any dtype; text columns gain the most).
    values : Series, Index, array or list
        Values to look for.

    Returns
    -------
    numpy.ndarray of bool
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = as_arrow(s)
        vset = as_arrow(values)
        if vset.null_count:
            vset = vset.drop_null()
        if vset.type != arr.type:
            vset = vset.cast(arr.type)
        hits = pc.is_in(arr, value_set=vset, skip_nulls=True).fill_null(False)
        return hits.to_numpy(zero_copy_only=False)
    except (pa.ArrowException, TypeError, ValueError):
        vals = pd.Series(values).dropna().unique()
        return s.isin(vals).fillna(False).to_numpy(dtype=bool)


def text_equals(s: pd.Series, value: str) -> np.ndarray:
    """``s.str.lower() == value`` as a boolean array (missing -> False).

    Computed once per distinct value: an activity log repeats a handful of team or type
    names over millions of rows, and lower-casing every row costs seconds.
    """
    codes, uniques = pd.factorize(s)
    hit = np.asarray(pd.Index(uniques).astype("string").str.lower() == value, dtype=bool)
    return np.append(hit, False)[codes]  # code -1 (missing) -> the appended False


def positions_in(keys: Any, index: Any) -> np.ndarray:
    """Position of each of ``keys`` in ``index`` (int64, -1 when absent or missing).

    The same as ``pd.Index(index).get_indexer(keys)`` for an ``index`` without repeated
    values, computed in Arrow: with text ids pandas converts both sides to Python
    strings first, which costs seconds on millions of rows.

    Raises
    ------
    ValueError
        When ``index`` repeats a value (a key would have several positions).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        karr = as_arrow(keys)
        iarr = as_arrow(index)
        if iarr.type != karr.type:
            iarr = iarr.cast(karr.type)
        valid = iarr.drop_null() if iarr.null_count else iarr
        if pc.count_distinct(valid).as_py() != len(valid):
            raise ValueError("positions_in needs an index without repeated values.")
        pos = pc.index_in(karr, value_set=iarr, skip_nulls=True).fill_null(-1)
        return pos.to_numpy(zero_copy_only=False).astype("int64", copy=False)
    except (pa.ArrowException, TypeError):
        return pd.Index(index).get_indexer(keys).astype("int64", copy=False)
