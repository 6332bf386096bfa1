"""The ICP's dimensions and segment labels, and fast lookups on categorical labels.

Segment labels are kept as categoricals: a million rows carry integer codes, and every
lookup (effects, set membership, pooling) is done once per distinct label.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OTHER_SMALL = "Other (small)"
UNKNOWN = "Unknown"
TIERS = ("A", "B", "C", "D")

SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual")
FUNCTIONS = ("marketing", "sales", "IT", "finance", "operations", "HR", "other")

#: Display names of the dimensions, in the order the notebook shows them.
DIMENSION_LABELS: dict[str, str] = {
    "sic_division": "SIC division",
    "sic_major_group": "Industry (SIC major group)",
    "sic_code": "SIC code",
    "industry": "Industry",
    "employee_band": "Employees",
    "revenue_band": "Annual revenue",
    "locations_band": "Sites (locations)",
    "region": "Region",
    "country": "Country",
    "seniority": "Seniority",
    "function": "Function",
    "job_title": "Job title",
}
FIRMOGRAPHIC = (
    "sic_division",
    "sic_major_group",
    "sic_code",
    "industry",
    "employee_band",
    "revenue_band",
    "locations_band",
    "region",
    "country",
)
#: Buyer dimensions: a title's seniority and function, or the raw ``job_title`` values when
#: the column holds occupations or categories rather than titles.
PERSONA = ("seniority", "function", "job_title")
#: Ordered (banded) dimensions: small bands are flagged, never pooled across the order.
ORDERED = ("employee_band", "revenue_band", "locations_band", "seniority")


def dimension_label(dimension: str) -> str:
    """The display name of a dimension; a declared attribute's column name made readable.

    Examples
    --------
    >>> dimension_label("employee_band")
    'Employees'
    >>> dimension_label("route_to_market")
    'Route to market'
    """
    if dimension in DIMENSION_LABELS:
        return DIMENSION_LABELS[dimension]
    text = str(dimension).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def label_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and their text labels; missing values get the label ``Unknown``."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray([str(c) for c in s.cat.categories], dtype=object)
        codes = s.cat.codes.to_numpy()
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        cats = np.asarray([str(c) for c in uniques], dtype=object)
    if (codes < 0).any():
        hit = np.flatnonzero(cats == UNKNOWN)
        if len(hit):
            unk = int(hit[0])
        else:
            cats = np.append(cats, UNKNOWN)
            unk = len(cats) - 1
        codes = np.where(codes < 0, unk, codes)
    return codes, cats


def relabel(s: pd.Series, mapping, *, ordered_categories: list[str] | None = None) -> pd.Series:
    """New labels through ``mapping(label) -> label``, computed once per distinct label."""
    codes, cats = label_codes(s)
    new = np.asarray([mapping(c) for c in cats], dtype=object)
    if ordered_categories is not None:
        cat_list = list(ordered_categories)
    else:
        cat_list = list(dict.fromkeys(new))
    index = {c: i for i, c in enumerate(cat_list)}
    lookup = (
        np.asarray([index[c] for c in new], dtype=np.int64) if len(new) else np.zeros(0, np.int64)
    )
    out = pd.Categorical.from_codes(
        lookup[codes] if len(codes) else codes,
        categories=cat_list,
        ordered=ordered_categories is not None,
    )
    return pd.Series(out, index=s.index, name=s.name)


def label_values(s: pd.Series, table: dict, default=0.0) -> np.ndarray:
    """``table[label]`` for every row (``default`` when absent), looked up once per label."""
    codes, cats = label_codes(s)
    per_cat = np.asarray([table.get(c, default) for c in cats], dtype="float64")
    return per_cat[codes] if len(codes) else np.zeros(0)


def label_isin(s: pd.Series, values) -> np.ndarray:
    """Boolean array: the row's label is one of ``values``."""
    codes, cats = label_codes(s)
    per_cat = np.isin(cats, list(values))
    return per_cat[codes] if len(codes) else np.zeros(0, dtype=bool)


def fill_unknown(s: pd.Series) -> pd.Series:
    """Missing labels -> ``Unknown`` (categoricals keep their dtype)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        if UNKNOWN not in s.cat.categories:
            s = s.cat.add_categories([UNKNOWN])
        return s.fillna(UNKNOWN)
    return relabel(s, lambda c: c)
