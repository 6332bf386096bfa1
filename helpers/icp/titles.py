"""Free-text job titles read as a seniority and a business function.

The rules are regular expressions applied in order of precedence, once per distinct
title, so a million leads with a few thousand distinct titles are read in a blink.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.icp.labels import FUNCTIONS, SENIORITIES, UNKNOWN

_SENIORITY_RULES: list[tuple[str, str]] = [
    ("VP", r"\b(?:vp|svp|evp|avp|vice president|vicepresident|v p)\b"),
    (
        "C-level",
        r"\b(?:chief|ceo|cfo|cmo|cio|cto|coo|cro|cdo|cpo|cso|cco|chro|ciso|c level|c suite|"
        r"founder|cofounder|co founder|owner|president|managing director|managing partner)\b",
    ),
    ("Director", r"\b(?:director|dir|head|gm|general manager)\b"),
    # individual contributors whose title contains "manager"
    ("Individual", r"\b(?:account manager|key account manager)\b"),
    ("Manager", r"\b(?:manager|mgr|mngr|lead|leader|supervisor|team lead)\b"),
]
_FUNCTION_RULES: list[tuple[str, str]] = [
    (
        "sales",
        r"\b(?:sales|revenue|cro|business development|biz dev|bizdev|bdr|sdr|account executive|"
        r"account manager|account management|commercial|inside sales)\b",
    ),
    (
        "marketing",
        r"\b(?:marketing|mktg|cmo|growth|demand gen|demand generation|brand|branding|content|"
        r"communications|comms|pr|public relations|seo|sem|digital|campaigns?|events?|social media)\b",
    ),
    (
        "HR",
        r"\b(?:hr|chro|human resources|people|talent|recruiting|recruiter|recruitment|"
        r"learning and development)\b",
    ),
    (
        "finance",
        r"\b(?:finance|financial|cfo|accounting|accountant|controller|comptroller|treasury|"
        r"treasurer|fp a|audit|auditor|tax|payroll|billing)\b",
    ),
    (
        "IT",
        r"\b(?:it|information technology|information systems|information officer|cio|cto|ciso|cdo|"
        r"technology|tech|"
        r"engineering|engineer|software|developer|data|systems|infrastructure|security|network|"
        r"devops|cloud|architect)\b",
    ),
    (
        "operations",
        r"\b(?:operations|ops|coo|operating|supply chain|logistics|buyer|facilities|manufacturing|"
        r"production|plant)\b",
    ),
]


def _clean_titles(titles: pd.Series) -> pd.Series:
    """Lower-case, turn punctuation into spaces, collapse spaces ("Sr. Dir. IT" -> "sr dir it")."""
    s = titles.astype("str").str.lower()
    s = s.str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    return s


def _classify_titles(
    titles: pd.Series, rules: list[tuple[str, str]], default: str, order
) -> pd.Series:
    """Apply ordered regex rules once per distinct title (fast on a million leads)."""
    titles = pd.Series(titles)
    codes, uniques = pd.factorize(titles, use_na_sentinel=True)
    uniq = pd.Series([str(u) for u in uniques], dtype="str")
    categories = [*order, UNKNOWN]
    if len(uniq):
        clean = _clean_titles(uniq)
        conds = [
            clean.str.contains(pattern, regex=True).to_numpy(dtype=bool) for _, pattern in rules
        ]
        labels = np.select(conds, [label for label, _ in rules], default=default)
        labels = np.where(uniq.str.strip().to_numpy(dtype=object) == "", UNKNOWN, labels)
    else:
        labels = np.zeros(0, dtype=object)
    index = {c: i for i, c in enumerate(categories)}
    per_title = np.asarray([index[str(lb)] for lb in labels], dtype=np.int64)
    out_codes = np.where(
        codes < 0, index[UNKNOWN], per_title[codes] if len(per_title) else index[UNKNOWN]
    )
    out = pd.Categorical.from_codes(out_codes, categories=categories)
    return pd.Series(out, index=titles.index, name=titles.name)


def normalise_seniority(titles: pd.Series) -> pd.Series:
    """Map free-text job titles to a seniority level.

    Parameters
    ----------
    titles : Series of str
        Job titles as typed ("Sr. Dir. IT", "CMO", "VP, Sales Ops").

    Returns
    -------
    Series (categorical)
        One of ``C-level, VP, Director, Manager, Individual``; ``Unknown`` when
        the title is missing. Rules apply in that order of precedence, so
        "Vice President" is VP (not C-level) and "Head of Growth" is Director.
    """
    return _classify_titles(titles, _SENIORITY_RULES, "Individual", SENIORITIES)


def normalise_function(titles: pd.Series) -> pd.Series:
    """Map free-text job titles to a business function.

    Parameters
    ----------
    titles : Series of str
        Job titles as typed.

    Returns
    -------
    Series (categorical)
        One of ``marketing, sales, IT, finance, operations, HR, other``;
        ``Unknown`` when the title is missing. Sales is tested first ("VP, Sales
        Ops" is sales; "Chief Revenue Officer" is sales), then marketing ("Head of
        Growth"), HR, finance, IT, operations. Procurement, legal, product,
        strategy and general management read "other".
    """
    return _classify_titles(titles, _FUNCTION_RULES, "other", FUNCTIONS)
