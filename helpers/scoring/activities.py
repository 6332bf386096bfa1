"""Each lead's activities counted by type and team, strictly up to its scoring moment."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def _safe_feature_name(text: str) -> str:
    """A column-name-safe form of an activity type (``"Web visit"`` -> ``"web_visit"``)."""
    s = re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")
    return s or "other"


def activity_counts(
    lead_ids: pd.Series,
    moments: pd.Series,
    activities: pd.DataFrame,
    *,
    types: list[str] | None = None,
    max_types: int = 12,
    lead_col: str = "lead_id",
    time_col: str = "occurred_at",
    type_col: str = "activity_type",
    team_col: str = "team",
    teams: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Count each lead's activities by type and team, strictly up to its scoring moment.

    Vectorised (one ``bincount``), so 10 million activities take seconds. An activity at
    exactly the scoring moment counts; one a second later does not.

    Parameters
    ----------
    lead_ids, moments : Series
        The leads (unique ids) and their scoring moments, aligned.
    activities : DataFrame
        Canonical activities.
    types : list of str, optional
        Activity types to count (others are pooled into ``n_other_type``); by default the
        ``max_types`` most frequent types.
    teams : tuple of str, optional
        Count only these teams' activities (e.g. ``("marketing",)``); all when None or when
        the log has no ``team`` column.

    Returns
    -------
    (DataFrame, list of str)
        Counts aligned with ``lead_ids``: ``n_<type>``, and ``n_marketing`` / ``n_sales`` per
        counted team when the log has a ``team`` column, else ``n_activities`` (all types).
    """
    n = len(lead_ids)
    pos = _positions(lead_ids, activities[lead_col])
    when = activities[time_col].to_numpy(dtype="datetime64[ns]")
    m = moments.to_numpy(dtype="datetime64[ns]")
    known = pos >= 0
    cut = np.zeros(len(pos), dtype=bool)
    cut[known] = when[known] <= m[pos[known]]
    keep = known & cut & ~np.isnat(when)
    team = None
    if team_col in activities.columns:
        team = _normalised_codes(activities[team_col])
        if teams is not None:
            keep &= np.isin(team, [t.lower() for t in teams])
    atype = _normalised_codes(activities[type_col])
    if types is None:
        types = pd.Series(atype[keep]).value_counts().head(max_types).index.tolist()
    codes = pd.Index(types).get_indexer(atype).astype(np.int64)
    k = len(types) + 1
    codes = np.where(codes < 0, k - 1, codes)
    flat = np.bincount(pos[keep] * k + codes[keep], minlength=n * k).reshape(n, k)
    cols = [f"n_{_safe_feature_name(t)}" for t in types] + ["n_other_type"]
    out = pd.DataFrame(flat.astype("float64"), columns=cols)
    if not flat[:, -1].any():
        out = out.drop(columns="n_other_type")
    if team is not None:
        for t in ("marketing", "sales"):
            if teams is None or t in teams:
                sel = keep & (team == t)
                out[f"n_{t}"] = np.bincount(pos[sel], minlength=n).astype("float64")
    else:
        out["n_activities"] = np.bincount(pos[keep], minlength=n).astype("float64")
    return out, list(types)


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in the unique ``keys`` (-1 when absent), via Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    k = (
        pa.array(keys.astype("str"), type=pa.large_string())
        if not isinstance(keys, pa.Array)
        else keys
    )
    v = pa.array(values.astype("str"), type=pa.large_string())
    return pc.index_in(v, value_set=k).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _normalised_codes(s: pd.Series) -> np.ndarray:
    """Lower-cased, stripped text of a low-cardinality column (normalised once per value)."""
    codes, uniques = pd.factorize(s)
    clean = pd.Index(uniques).astype("str").str.strip().str.lower().to_numpy(dtype=object)
    out = np.empty(len(codes), dtype=object)
    valid = codes >= 0
    out[valid] = clean[codes[valid]]
    out[~valid] = ""
    return out
