"""Vectorised array helpers: per-owner rows, weighted draws, and columns built from codes.

Rows that belong to an owner (a lead's touches) are laid out owner by owner;
:func:`_group_positions` and :func:`_group_cumsum` work on that layout. Table columns are
built from integer codes into a list of labels (-1 = missing), as categoricals or Arrow text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def _choice_sorted(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with weights whose cumulative sum is ``cum``."""
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)


def _group_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For repeated rows: owner index and position within the owner (0-based)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(owner.size) - np.repeat(starts, counts)
    return owner, pos


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each owner (``counts`` rows per owner)."""
    c = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.where(starts > 0, c[np.maximum(starts - 1, 0)], 0)
    return c - np.repeat(before, counts)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Zero-padded text ids ("L0000042"), vectorised."""
    return prefix + pd.Series(numbers).astype("str").str.zfill(width)


def _cat(codes: np.ndarray, categories) -> pd.Categorical:
    """Categorical from integer codes (-1 = missing); duplicate labels are merged."""
    cats = np.asarray(list(categories), dtype=object)
    uniq, inv = np.unique(cats, return_inverse=True)
    codes = np.asarray(codes)
    mapped = np.where(codes >= 0, inv[np.maximum(codes, 0)], -1)
    return pd.Categorical.from_codes(mapped, categories=pd.Index(uniq, dtype="str"))


def _text(codes: np.ndarray, categories) -> pd.Series:
    """Text Series from integer codes into ``categories`` (-1 = missing), built in Arrow."""
    codes = np.asarray(codes)
    table = pa.array([str(c) for c in categories], type=pa.large_string())
    arr = table.take(pa.array(codes, mask=codes < 0))
    return _string_series(arr)


def _string_series(arr: pa.Array) -> pd.Series:
    """An Arrow string array as a pandas text Series (NaN for missing)."""
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return pd.Series(arr.to_pandas(types_mapper=lambda _: dtype))
