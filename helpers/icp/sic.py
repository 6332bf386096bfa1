"""The SIC roll-up: 4-digit codes -> major group (2-digit) -> division.

The reference table is ``datasets/reference/sic_codes.csv`` (:data:`helpers.core.paths.SIC_CODES`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core import paths
from helpers.icp.labels import UNKNOWN


def read_sic_codes(path: str | Path | None = None) -> pd.DataFrame:
    """Read the SIC reference table (division -> major group -> 4-digit code), as text.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``datasets/reference/sic_codes.csv``.

    Returns
    -------
    DataFrame
        Columns ``division, division_name, industry_group, industry_group_name,
        sic_code, industry_name``; codes keep their leading zeros; rows without
        a code are dropped.
    """
    table = pd.read_csv(path or paths.SIC_CODES, dtype=str, keep_default_na=False, na_values=[""])
    for col in table.columns:
        table[col] = table[col].str.replace("\\'", "'", regex=False).str.strip()
    table = table.dropna(subset=["sic_code"]).drop_duplicates("sic_code")
    return table.reset_index(drop=True)


def _clean_sic(codes: pd.Series) -> pd.Series:
    """Normalise SIC codes to 4-digit strings ("737.0" -> "0737", "7372" stays)."""
    s = pd.Series(codes).astype("str").str.strip()
    s = s.str.replace(r"\.0+$", "", regex=True).str.replace(r"\D", "", regex=True)
    s = s.where(s.str.len() > 0)
    s = s.where(s.str.len() != 3, "0" + s)
    s = s.where(s.str.len() != 2, s + "00")
    return s.str.slice(0, 4)


def sic_rollup(codes: pd.Series, sic_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Roll 4-digit SIC codes up to major group (2-digit) and division.

    Parameters
    ----------
    codes : Series
        SIC codes (text; "7372", "0111"; a 3-digit "111" is read as "0111").
    sic_table : DataFrame, optional
        The reference table from :func:`read_sic_codes` (read when omitted).

    Returns
    -------
    DataFrame, same index as ``codes``
        ``sic_division`` ("I Services"), ``sic_major_group`` ("73 Business
        Services"), ``sic_code`` ("7372 Prepackaged Software"),
        ``sic_major_group_code`` ("73"). A code missing from the table falls back
        to its 2-digit group (its code label reads "73xx (other codes in 73 ...)");
        a missing code is ``Unknown`` at every level.
    """
    ref = read_sic_codes() if sic_table is None else sic_table
    code = _clean_sic(codes)
    group = code.str.slice(0, 2)
    groups = ref.drop_duplicates("industry_group").set_index("industry_group")
    div_label = groups["division"] + " " + groups["division_name"]
    group_label = groups.index.to_series() + " " + groups["industry_group_name"]
    code_label = pd.Series(
        (ref["sic_code"] + " " + ref["industry_name"]).to_numpy(), index=ref["sic_code"].to_numpy()
    )
    out = pd.DataFrame(index=code.index)
    major = group.map(group_label)
    major = major.where(major.notna() | group.isna(), group + " (not in SIC table)")
    out["sic_major_group"] = major.fillna(UNKNOWN).astype("str")
    out["sic_division"] = group.map(div_label).fillna(UNKNOWN).astype("str")
    label = code.map(code_label)
    fallback = group + "xx (other codes in " + major.fillna("") + ")"
    label = label.where(label.notna(), fallback)
    out["sic_code"] = label.fillna(UNKNOWN).astype("str")
    out["sic_major_group_code"] = group.astype("str")
    return out
