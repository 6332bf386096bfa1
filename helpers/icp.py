"""Module 1: define the ideal customer profile (ICP) from won and lost deals.

The seed article's first practice: leadership agrees on the ideal customer -
industry or SIC code, firmographics (revenue, employees, locations) and job
titles - and builds the MQL definition on it. This module turns an
organization's won/lost history into that agreement, with its uncertainty.

The steps, each a function a notebook calls:

1. :func:`prepare_icp` - one row per closed opportunity (won or lost; open ones
   are left out) with the segment of every dimension: SIC division, major group
   and code (:func:`sic_rollup`), employee / revenue / locations bands
   (:func:`band`), region, country, and the buyer's seniority and function
   (:func:`normalise_seniority`, :func:`normalise_function`). Lead-only exports
   use each lead's ``converted`` flag as the outcome instead.
2. :func:`segment_table` - per segment: opportunities, wins, win rate with a
   Wilson 95% interval, lift, average won deal, median sales cycle, revenue per
   lead. Small segments are pooled into ``"Other (small)"`` (unordered
   dimensions) or flagged ``reliable=False`` (bands); :func:`top_segments`
   never ranks them.
3. :func:`fit_icp` - a logistic model with one "winning set of segments" per
   dimension (a band range, or the top industries), all dimensions weighed
   together and each kept only when it beats chance after the search
   (:func:`select_segment_splits`: simulated null, Holm's step-down). The kept
   sets become a readable rule such as ``Industry (SIC major group) in {63
   Insurance Carriers, 80 Health Services} and Employees 501-5,000``, a buyer
   profile (seniorities, functions), an account fit score and tiers A-D.
4. :func:`icp_artifact` / :func:`write_icp` - the agreed definition written to
   ``output_dir/icp.yml``.

Stable API for the other modules
--------------------------------
``read_icp(output_dir)`` returns the ``icp.yml`` content as a dict (or ``None``
when absent); ``assign_tiers(accounts, icp)`` scores canonical accounts
(columns ``account_id``, ``sic_code``/``industry``, ``employees``,
``annual_revenue``, ``locations``, ``region``, ``country`` - whichever exist)
and returns ``account_id, fit_score, tier, in_icp``; ``assign_lead_tiers(leads,
account_tiers, icp)`` carries them to leads and adds ``persona_match`` from the
job title. These three keep their signatures.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import paths
from helpers.core.report import plain
from helpers.core.stats import wilson_interval
from helpers.data import isin_values

# --------------------------------------------------------------------------- constants

ICP_FILE = "icp.yml"
ICP_VERSION = 1
OTHER_SMALL = "Other (small)"
UNKNOWN = "Unknown"
TIERS = ("A", "B", "C", "D")

#: Default band edges: each edge is the lower bound of a band, the last band is open.
#: Employee bands follow the usual CRM / LinkedIn company-size bands (1-10, 11-50, ..., 10,001+).
EMPLOYEE_EDGES: tuple[float, ...] = (1, 11, 51, 201, 501, 1001, 5001, 10001)
REVENUE_EDGES: tuple[float, ...] = (0, 1e6, 10e6, 50e6, 100e6, 500e6, 1e9)
LOCATION_EDGES: tuple[float, ...] = (1, 2, 6, 21, 101)

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
PERSONA = ("seniority", "function")
#: Ordered (banded) dimensions: small bands are flagged, never pooled across the order.
ORDERED = ("employee_band", "revenue_band", "locations_band", "seniority")

# --------------------------------------------------------------------------- label helpers
# Segment labels are kept as categoricals: a million rows carry integer codes, and every
# lookup (effects, set membership, pooling) is done once per distinct label.


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
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


def _relabel(s: pd.Series, mapping, *, ordered_categories: list[str] | None = None) -> pd.Series:
    """New labels through ``mapping(label) -> label``, computed once per distinct label."""
    codes, cats = _codes(s)
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


def _values(s: pd.Series, table: dict, default=0.0) -> np.ndarray:
    """``table[label]`` for every row (``default`` when absent), looked up once per label."""
    codes, cats = _codes(s)
    per_cat = np.asarray([table.get(c, default) for c in cats], dtype="float64")
    return per_cat[codes] if len(codes) else np.zeros(0)


def _isin(s: pd.Series, values) -> np.ndarray:
    """Boolean array: the row's label is one of ``values``."""
    codes, cats = _codes(s)
    per_cat = np.isin(cats, list(values))
    return per_cat[codes] if len(codes) else np.zeros(0, dtype=bool)


def _fill_unknown(s: pd.Series) -> pd.Series:
    """Missing labels -> ``Unknown`` (categoricals keep their dtype)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        if UNKNOWN not in s.cat.categories:
            s = s.cat.add_categories([UNKNOWN])
        return s.fillna(UNKNOWN)
    return _relabel(s, lambda c: c)


# --------------------------------------------------------------------------- title normalisation

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


# --------------------------------------------------------------------------- SIC roll-up


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


# --------------------------------------------------------------------------- banding


def _fmt_edge(x: float, money: bool) -> str:
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
            labels.append(f"{_fmt_edge(lo, money)}+")
        elif i == 0 and lo <= 0:
            labels.append(f"<{_fmt_edge(hi, money)}")
        elif money:
            labels.append(f"{_fmt_edge(lo, money)}-{_fmt_edge(hi, money)}")
        elif hi - 1 <= lo:
            labels.append(_fmt_edge(lo, money))
        else:
            labels.append(f"{_fmt_edge(lo, money)}-{_fmt_edge(hi - 1, money)}")
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


# --------------------------------------------------------------------------- statistics


# --------------------------------------------------------------------------- inputs


@dataclass
class IcpInputs:
    """Closed outcomes and leads with their segments, ready for the ICP analysis.

    Attributes
    ----------
    deals : DataFrame
        One row per closed opportunity (or per lead with a ``converted`` flag):
        ``account_id``, ``lead_id``, ``won`` (bool), ``amount``, ``cycle_days``
        and one column per available dimension.
    leads : DataFrame or None
        One row per lead with the same dimension columns (denominator of revenue
        per lead and of coverage); ``None`` without a leads table.
    accounts : DataFrame or None
        One row per account with the firmographic dimension columns.
    dimensions : list of str
        Available dimension columns, in display order.
    skipped : dict
        Dimension (or group) -> one sentence saying why it is skipped.
    outcome_source : str
        ``"opportunities"`` or ``"leads.converted"``.
    open_excluded : int
        Open opportunities left out of win rates.
    industry_dimension : str or None
        The industry dimension the ICP model uses (``sic_major_group`` or ``industry``).
    edges : dict
        Band edges used: ``employees``, ``annual_revenue``, ``locations``.
    """

    deals: pd.DataFrame
    leads: pd.DataFrame | None
    accounts: pd.DataFrame | None
    dimensions: list[str]
    skipped: dict[str, str]
    outcome_source: str
    open_excluded: int = 0
    industry_dimension: str | None = None
    edges: dict[str, list[float]] = field(default_factory=dict)

    @property
    def firmographic(self) -> list[str]:
        """Available firmographic dimensions."""
        return [d for d in self.dimensions if d in FIRMOGRAPHIC]

    @property
    def persona(self) -> list[str]:
        """Available buyer (job-title) dimensions."""
        return [d for d in self.dimensions if d in PERSONA]

    def overview(self) -> pd.DataFrame:
        """Counts behind every win rate: closed, won, lost, open left out, overall win rate."""
        n = len(self.deals)
        w = int(self.deals["won"].sum())
        lo, hi = wilson_interval(w, n)
        rows = [
            ("outcome source", self.outcome_source),
            ("closed (won + lost)", n),
            ("won", w),
            ("lost", n - w),
            ("open, left out", self.open_excluded),
            ("overall win rate", round(w / n, 3)),
            ("95% interval", f"{lo:.1%} - {hi:.1%}"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"]).astype({"value": "str"})


def _has(df: pd.DataFrame | None, col: str) -> bool:
    return df is not None and col in df.columns and bool(df[col].notna().any())


def account_segments(
    accounts: pd.DataFrame,
    *,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
    account_id: str = "account_id",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Firmographic segment columns of every account.

    Parameters
    ----------
    accounts : DataFrame
        Canonical accounts (``sic_code``, ``industry``, ``employees``,
        ``annual_revenue``, ``locations``, ``region``, ``country`` where present).
    sic_table : DataFrame, optional
        SIC reference (:func:`read_sic_codes`), read when needed and omitted.
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds).

    Returns
    -------
    (segments, skipped)
        ``segments``: ``account_id`` plus one column per available dimension;
        ``skipped``: dimension -> sentence for each one the data cannot feed.
    """
    out = pd.DataFrame({"account_id": accounts[account_id].astype("str").to_numpy()})
    skipped: dict[str, str] = {}
    if _has(accounts, "sic_code"):
        roll = sic_rollup(accounts["sic_code"].reset_index(drop=True), sic_table)
        for col in ("sic_division", "sic_major_group", "sic_code"):
            out[col] = pd.Categorical(roll[col].to_numpy(dtype=object))
        out["sic_major_group_code"] = roll["sic_major_group_code"].to_numpy(dtype=object)
    else:
        skipped["sic"] = (
            "accounts has no sic_code values, so the SIC roll-up (division, major group, code) is skipped."
        )
    if _has(accounts, "industry"):
        out["industry"] = _relabel(
            accounts["industry"].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
        ).array
    elif "sic" in skipped:
        skipped["industry"] = (
            "accounts has no industry or sic_code values, so industry segments are skipped."
        )
    numeric = (
        ("employees", "employee_band", employee_edges, False),
        ("annual_revenue", "revenue_band", revenue_edges, True),
        ("locations", "locations_band", location_edges, False),
    )
    for src, dim, edges, money in numeric:
        if _has(accounts, src):
            out[dim] = band(accounts[src].reset_index(drop=True), edges, money=money).array
            out[dim] = out[dim].astype(
                pd.CategoricalDtype([*band_labels(edges, money), UNKNOWN], ordered=True)
            )
        else:
            skipped[dim] = (
                f"accounts has no {src} values, so the {DIMENSION_LABELS[dim].lower()} bands are skipped."
            )
    for src in ("region", "country"):
        if _has(accounts, src):
            out[src] = _relabel(
                accounts[src].reset_index(drop=True), lambda c: c.strip() or UNKNOWN
            ).array
        else:
            skipped[src] = f"accounts has no {src} values, so {src} segments are skipped."
    return out, skipped


def prepare_icp(
    *,
    leads: pd.DataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    sic_table: pd.DataFrame | None = None,
    employee_edges=EMPLOYEE_EDGES,
    revenue_edges=REVENUE_EDGES,
    location_edges=LOCATION_EDGES,
) -> IcpInputs:
    """Join closed outcomes to their account and buyer, and segment every dimension.

    Outcomes come from ``opportunities`` (``outcome`` won/lost; open ones are
    counted and left out). Without opportunities holding both won and lost deals
    (e.g. a "closed deals" export), each lead with a ``converted`` flag is an
    outcome instead (a lead-only export). An opportunity's account is its own
    ``account_id``, else its lead's; its buyer is its lead's ``job_title``.

    Parameters
    ----------
    leads, opportunities, accounts : DataFrame or None
        Canonical tables (``OrgData.leads`` etc.).
    sic_table : DataFrame, optional
        SIC reference table (read from ``datasets/reference`` when needed).
    employee_edges, revenue_edges, location_edges : sequence of float
        Band edges (lower bounds of each band).

    Returns
    -------
    IcpInputs

    Raises
    ------
    ValueError
        When there is no closed opportunity and no converted flag, or only one
        kind of outcome (all won or all lost): win rates cannot be compared.
    """
    skipped: dict[str, str] = {}
    open_excluded = 0
    opp_outcomes = (
        opportunities["outcome"].astype("str").str.strip().str.lower()
        if opportunities is not None and len(opportunities) and "outcome" in opportunities.columns
        else pd.Series([], dtype="str")
    )
    both_kinds = bool(opp_outcomes.eq("won").any() and opp_outcomes.eq("lost").any())
    use_converted = not both_kinds and _has(leads, "converted")
    if len(opp_outcomes) and not use_converted:
        opp = opportunities
        outcome = opp["outcome"].astype("str").str.strip().str.lower()
        open_excluded = int((~outcome.isin(["won", "lost"])).sum())
        closed = outcome.isin(["won", "lost"]).to_numpy()
        deals = pd.DataFrame(
            {
                "opportunity_id": opp["opportunity_id"].astype("str").to_numpy()[closed]
                if "opportunity_id" in opp
                else np.arange(closed.sum()).astype(str),
                "won": (outcome == "won").to_numpy()[closed],
            }
        )
        for col in ("account_id", "lead_id"):
            deals[col] = (
                opp[col].astype("str").to_numpy()[closed]
                if col in opp
                else pd.array([pd.NA] * len(deals), "str")
            )
        deals["amount"] = (
            pd.to_numeric(opp["amount"], errors="coerce").to_numpy(dtype="float64")[closed]
            if "amount" in opp
            else np.nan
        )
        if "created_at" in opp and "closed_at" in opp:
            cyc = (
                pd.to_datetime(opp["closed_at"]) - pd.to_datetime(opp["created_at"])
            ).dt.total_seconds() / 86400
            deals["cycle_days"] = cyc.to_numpy(dtype="float64")[closed]
        else:
            deals["cycle_days"] = np.nan
        source = "opportunities"
        missing_acc = deals["account_id"].isna() & deals["lead_id"].notna()
        if leads is not None and "lead_id" in leads and "account_id" in leads and missing_acc.any():
            lead_acc = leads[["lead_id", "account_id"]].drop_duplicates("lead_id")
            lead_acc = lead_acc.set_index("lead_id")["account_id"]
            fill = deals.loc[missing_acc, "lead_id"].map(lead_acc)
            deals.loc[missing_acc, "account_id"] = fill.to_numpy()
    elif leads is not None and _has(leads, "converted"):
        conv = leads["converted"]
        known = conv.notna().to_numpy()
        deals = pd.DataFrame(
            {
                "opportunity_id": leads["lead_id"].astype("str").to_numpy()[known],
                "won": conv.astype("boolean").to_numpy()[known].astype(bool),
                "lead_id": leads["lead_id"].astype("str").to_numpy()[known],
                "account_id": leads["account_id"].astype("str").to_numpy()[known]
                if "account_id" in leads
                else pd.array([pd.NA] * int(known.sum()), "str"),
                "amount": np.nan,
                "cycle_days": np.nan,
            }
        )
        source = "leads.converted"
    else:
        raise ValueError(
            "The ICP needs outcomes: an opportunities table with won/lost deals, or a 'converted' "
            "column on leads. Neither is in this data, so no win rate can be computed."
        )
    if deals.empty or deals["won"].all() or not deals["won"].any():
        raise ValueError(
            f"The {source} hold {len(deals)} closed outcomes, all of the same kind (won or lost): "
            "an ICP compares winners with losers, so both are needed."
        )
    deals["won"] = deals["won"].astype(bool)

    dims: list[str] = []
    acc_seg = None
    industry_dim = None
    if accounts is not None and len(accounts) and "account_id" in accounts:
        acc_seg, acc_skipped = account_segments(
            accounts,
            sic_table=sic_table,
            employee_edges=employee_edges,
            revenue_edges=revenue_edges,
            location_edges=location_edges,
        )
        acc_seg = acc_seg.drop_duplicates("account_id")
        skipped.update(acc_skipped)
        dims += [d for d in FIRMOGRAPHIC if d in acc_seg.columns]
        industry_dim = (
            "sic_major_group"
            if "sic_major_group" in acc_seg
            else ("industry" if "industry" in acc_seg else None)
        )
        extra = ["sic_major_group_code"] if "sic_major_group_code" in acc_seg else []
        deals = deals.merge(acc_seg[["account_id", *dims, *extra]], on="account_id", how="left")
        unmatched = deals[dims[0]].isna().sum() if dims else 0
        for d in dims:
            deals[d] = _fill_unknown(deals[d])
        if unmatched:
            skipped["_unmatched"] = (
                f"{unmatched:,} of {len(deals):,} closed outcomes have no matching account; "
                "their firmographic segments read 'Unknown'."
            )
    else:
        skipped["accounts"] = (
            "There is no accounts table, so industry, size, revenue and location segments "
            "(and the account tiers) are skipped."
        )

    lead_seg = None
    if leads is not None and len(leads):
        lead_seg = pd.DataFrame({"lead_id": leads["lead_id"].astype("str").to_numpy()})
        lead_seg["account_id"] = (
            leads["account_id"].astype("str").to_numpy()
            if "account_id" in leads
            else pd.array([pd.NA] * len(leads), "str")
        )
        if _has(leads, "job_title"):
            titles = leads["job_title"].reset_index(drop=True)
            lead_seg["seniority"] = normalise_seniority(titles).cat.as_ordered().array
            lead_seg["function"] = normalise_function(titles).array
            if deals["lead_id"].notna().any():
                dims += list(PERSONA)
                deals = deals.merge(lead_seg[["lead_id", *PERSONA]], on="lead_id", how="left")
                deals["seniority"] = _fill_unknown(deals["seniority"])
                deals["function"] = _fill_unknown(deals["function"])
            else:
                skipped["titles"] = (
                    "The opportunities do not name their lead (lead_id), so job-title segments are skipped."
                )
        else:
            skipped["titles"] = (
                "leads has no job_title values, so seniority and function segments are skipped."
            )
        if acc_seg is not None:
            fdims = [d for d in dims if d in FIRMOGRAPHIC]
            lead_seg["has_account"] = isin_values(lead_seg["account_id"], acc_seg["account_id"])
            lead_seg = lead_seg.merge(acc_seg[["account_id", *fdims]], on="account_id", how="left")
            for d in fdims:
                lead_seg[d] = _fill_unknown(lead_seg[d])
    else:
        skipped["titles"] = (
            "There is no leads table, so job-title segments and revenue per lead are skipped."
        )

    order = [d for d in DIMENSION_LABELS if d in dims]
    return IcpInputs(
        deals=deals,
        leads=lead_seg,
        accounts=acc_seg,
        dimensions=order,
        skipped=skipped,
        outcome_source=source,
        open_excluded=open_excluded,
        industry_dimension=industry_dim,
        edges={
            "employees": [float(e) for e in employee_edges],
            "annual_revenue": [float(e) for e in revenue_edges],
            "locations": [float(e) for e in location_edges],
        },
    )


def dimension_note(inputs: IcpInputs, dims: list[str] | tuple[str, ...]) -> str | None:
    """One sentence when none of ``dims`` is available (which data is missing), else ``None``."""
    if any(d in inputs.dimensions for d in dims):
        return None
    keys = {
        "sic_division": ("accounts", "sic", "industry"),
        "sic_major_group": ("accounts", "sic", "industry"),
        "sic_code": ("accounts", "sic"),
        "industry": ("accounts", "industry", "sic"),
        "employee_band": ("accounts", "employee_band"),
        "revenue_band": ("accounts", "revenue_band"),
        "locations_band": ("accounts", "locations_band"),
        "region": ("accounts", "region"),
        "country": ("accounts", "country"),
        "seniority": ("titles",),
        "function": ("titles",),
    }
    for d in dims:
        for k in keys.get(d, ()):
            if k in inputs.skipped:
                return "Section skipped: " + inputs.skipped[k][0].lower() + inputs.skipped[k][1:]
    names = ", ".join(DIMENSION_LABELS.get(d, d).lower() for d in dims)
    return f"Section skipped: the data has no {names} segments."


def skipped_sentences(inputs: IcpInputs) -> list[str]:
    """The one-sentence notes on every skipped dimension, without repeats."""
    seen: list[str] = []
    for text in inputs.skipped.values():
        if text not in seen:
            seen.append(text)
    return seen


# --------------------------------------------------------------------------- segment tables


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
        codes, cats = _codes(labels)
        counts = np.bincount(codes, minlength=len(cats)) if len(codes) else np.zeros(len(cats))
        keep = [c for c, v in zip(cats, counts) if v >= min_n or c == UNKNOWN]
    keep_set = set(keep) | {UNKNOWN}
    return _relabel(labels, lambda c: c if c in keep_set else OTHER_SMALL)


def kept_segments(deals: pd.DataFrame, dimension: str, min_n: int) -> list[str] | None:
    """Labels of an unordered dimension large enough to stand alone (``None`` for bands)."""
    col = deals[dimension]
    if isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered:
        return None
    codes, cats = _codes(col)
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
        seg = _fill_unknown(col)
    w = deals[won].astype(bool)
    amt = (
        pd.to_numeric(deals[amount], errors="coerce")
        if amount in deals
        else pd.Series(np.nan, index=deals.index)
    )
    cyc = (
        pd.to_numeric(deals[cycle], errors="coerce")
        if cycle in deals
        else pd.Series(np.nan, index=deals.index)
    )
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
    if leads is not None and dimension in leads.columns:
        lseg = leads[dimension]
        lseg = pool_small_segments(lseg, min_n, keep) if keep is not None else _fill_unknown(lseg)
        lcodes, lcats = _codes(lseg)
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
    cols = [
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
    return table[cols].reset_index(drop=True)


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
    label = DIMENSION_LABELS.get(row["dimension"], row["dimension"])
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


# --------------------------------------------------------------------------- ICP model


@dataclass
class Condition:
    """One condition of the ICP rule: ``dimension`` in ``segments``."""

    dimension: str
    segments: list[str]
    text: str
    low: float | None = None
    high: float | None = None
    codes: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "dimension": self.dimension,
            "label": DIMENSION_LABELS.get(self.dimension, self.dimension),
        }
        d.update({"segments": list(self.segments), "text": self.text})
        if self.low is not None or self.high is not None:
            d["range"] = [self.low, self.high]
        if self.codes is not None:
            d["codes"] = list(self.codes)
        return d


@dataclass
class IcpModel:
    """The fitted ICP: segment effects, the readable rule, buyer profile and tiers.

    Attributes
    ----------
    intercept : float
        Log-odds of winning for an account at the baseline of every dimension
        (buyer effects averaged in, so it scores accounts alone).
    coefficients : dict
        Firmographic dimension -> segment -> log-odds effect (0 when not kept).
    persona_effects : dict
        Buyer dimension -> segment -> log-odds effect.
    conditions : list of Condition
        The ICP rule (all must hold).
    personas : dict
        Buyer dimension -> segments that win above average.
    kept : dict
        Unordered dimension -> segments large enough to stand alone (others pool).
    overall_win_rate : float
    tier_lifts : dict
        Tier -> minimum fit score as a multiple of the overall win rate.
    evidence : dict
        Dimension -> winning ``segments``, ``log_odds`` effect, ``std_error``,
        ``odds_ratio``, score ``statistic``, the ``threshold`` it beat (Holm level)
        and its ``p_value`` (search-corrected).
    industry_dimension : str or None
    edges : dict
        Band edges used (to score new accounts the same way).
    """

    intercept: float
    coefficients: dict[str, dict[str, float]]
    persona_effects: dict[str, dict[str, float]]
    conditions: list[Condition]
    personas: dict[str, list[str]]
    kept: dict[str, list[str]]
    overall_win_rate: float
    tier_lifts: dict[str, float]
    evidence: dict[str, dict[str, Any]]
    industry_dimension: str | None
    edges: dict[str, list[float]]

    @property
    def rule_text(self) -> str:
        """The rule as one sentence ("Industry in {...} and Employees 201-1,000")."""
        if not self.conditions:
            return "No firmographic segment wins clearly above the others: no ICP rule."
        return " and ".join(c.text for c in self.conditions)

    @property
    def tier_cutoffs(self) -> dict[str, float]:
        """Tier -> minimum fit score (predicted win rate), D has 0."""
        cut = {t: min(1.0, self.overall_win_rate * self.tier_lifts[t]) for t in ("A", "B", "C")}
        cut["D"] = 0.0
        return cut


def _design(df: pd.DataFrame, dims: list[str], kept: dict[str, list[str]]) -> pd.DataFrame:
    """Segment labels per dimension (categoricals), small unordered segments pooled."""
    out = pd.DataFrame(index=df.index)
    for d in dims:
        if d not in df:
            out[d] = pd.Categorical([UNKNOWN] * len(df))
        elif d in kept:
            out[d] = pool_small_segments(df[d], 0, kept[d]).array
        else:
            out[d] = _fill_unknown(df[d]).array
    return out


def _aggregate(labels: pd.DataFrame, won: pd.Series) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Collapse outcomes to unique segment combinations: (keys, wins, n)."""
    frame = labels.assign(_won=won.astype(bool).to_numpy())
    g = frame.groupby(list(labels.columns), observed=True, sort=True)["_won"]
    agg = pd.DataFrame({"wins": g.sum(), "n": g.size()}).reset_index()
    return (
        agg[list(labels.columns)],
        agg["wins"].to_numpy(dtype="float64"),
        agg["n"].to_numpy(dtype="float64"),
    )


def _irls(
    X: np.ndarray, wins: np.ndarray, n: np.ndarray, ridge: float = 1e-4, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Binomial logistic regression on aggregated rows (Newton steps); returns (beta, covariance).

    ``X`` carries the intercept in its first column; a tiny ridge on the other
    coefficients keeps a segment that always wins (or loses) finite.
    """
    k = X.shape[1]
    beta = np.zeros(k)
    base = wins.sum() / n.sum()
    beta[0] = math.log(base / (1 - base))
    pen = np.full(k, ridge)
    pen[0] = 0.0
    H = np.eye(k)
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(X @ beta)))
        grad = X.T @ (wins - n * p) - pen * beta
        H = (X * (n * p * (1 - p))[:, None]).T @ X + np.diag(pen)
        step = np.linalg.lstsq(H, grad, rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta, np.linalg.pinv(H, hermitian=True)


@dataclass
class _Split:
    dimension: str
    segments: list[str]
    statistic: float
    threshold: float
    p_value: float = float("nan")
    null: np.ndarray | None = field(default=None, repr=False)


def _candidate_sets(
    order: list[str], ordered: bool, counts: dict[str, float], min_n: int
) -> list[list[str]] | None:
    """Contiguous band ranges (ordered), or ``None`` for unordered dimensions (top-k sets, data-driven)."""
    if not ordered:
        return None
    k = len(order)
    sets = []
    for i in range(k):
        for j in range(i, k):
            if i == 0 and j == k - 1:
                continue
            ends_ok = (i == 0 or counts.get(order[i], 0) >= min_n) and (
                j == k - 1 or counts.get(order[j], 0) >= min_n
            )
            if ends_ok:
                sets.append(order[i : j + 1])
    return sets


def _score_search(
    resid: np.ndarray, exp_: np.ndarray, cov: np.ndarray, ranges: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Best score statistic over candidate sets, for one or many replicates.

    ``resid``: (replicates, segments) observed minus expected wins of each
    segment under the model of the other dimensions; ``exp_``: expected wins
    (segments,); ``cov``: (segments, segments) covariance of those residuals
    once the other dimensions are refitted. ``ranges``: (sets, segments) 0/1
    matrix of band ranges, or ``None`` for "top-k segments by observed /
    expected". The statistic of a set is (sum of its residuals)^2 / variance.
    Returns (best statistic, index of the best set) per replicate; for top-k the
    index is k - 1.
    """
    if ranges is not None:
        U = resid @ ranges.T
        Vs = np.einsum("sk,kl,sl->s", ranges, cov, ranges)[None, :]
    else:
        ratio = resid / np.maximum(exp_, 1e-12)[None, :]
        idx = np.argsort(-ratio, axis=1, kind="stable")
        U = np.cumsum(np.take_along_axis(resid, idx, axis=1), axis=1)
        # variance of the first m segments in each replicate's order: the running
        # sum of the reordered covariance matrix up to (m, m)
        c = cov[idx[:, :, None], idx[:, None, :]]
        c = np.cumsum(np.cumsum(c, axis=1), axis=2)
        Vs = np.diagonal(c, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = np.where((U > 0) & (Vs > 1e-12), U**2 / Vs, 0.0)
    T = np.nan_to_num(T, nan=0.0, posinf=0.0)
    if T.shape[1] == 0:
        return np.zeros(T.shape[0]), np.zeros(T.shape[0], dtype=int)
    best = T.argmax(axis=1)
    return T[np.arange(T.shape[0]), best], best


def select_segment_splits(
    deals: pd.DataFrame,
    dims: list[str],
    *,
    won: str = "won",
    min_n: int = 30,
    alpha: float = 0.10,
    n_null: int = 2000,
    seed: int = 0,
) -> tuple[float, dict[str, _Split], dict[str, float], dict[str, float], dict[str, list[str]]]:
    """Find, per dimension, the set of segments that wins more, keeping only what beats chance.

    The model is a logistic regression on one indicator per dimension: "the
    segment is in the winning set" (a contiguous band range such as 201-1,000
    employees, or the top segments of an unordered dimension such as industry).
    Every dimension starts in the model with its best set (found by a score test
    against the model of the other dimensions, the sets re-chosen until they are
    stable). Each dimension's p-value is the share of searches, run on outcomes
    simulated from the model without it, that find a set at least as strong (so
    searching many sets does not manufacture findings); the weakest dimension is
    dropped while Holm's step-down test over the dimensions rejects it (so testing
    several dimensions does not either: the chance of keeping any dimension that
    has no effect stays below ``alpha``). Starting from all dimensions (backward
    elimination) finds effects that only show together, such as a seniority and a
    function that win in combination. Segments with fewer than ``min_n`` outcomes
    are pooled (unordered) or may only sit inside a range (bands); ``Unknown`` and
    pooled segments never join a winning set.

    Parameters
    ----------
    deals : DataFrame
        Closed outcomes with the ``dims`` columns (bands as ordered Categoricals) and ``won``.
    dims : list of str
        Candidate dimensions.
    min_n : int
        Minimum outcomes of a segment.
    alpha : float
        Family-wise chance of keeping a dimension that has no effect (Holm).
    n_null : int
        Simulated searches per threshold.
    seed : int
        Seed of the simulation (results are reproducible).

    Returns
    -------
    (intercept, splits, effects, std_errors, kept)
        ``splits``: dimension -> chosen set with its statistic and threshold;
        ``effects`` / ``std_errors``: dimension -> log-odds effect of being in its
        set (and its standard error) in the final model; ``kept``: unordered
        dimension -> segments standing alone.
    """
    rng = np.random.default_rng(seed)
    kept: dict[str, list[str]] = {}
    for d in dims:
        k = kept_segments(deals, d, min_n)
        if k is not None:
            kept[d] = k
    labels = _design(deals, dims, kept)
    keys, wins, n = _aggregate(labels, deals[won])
    info = {}
    for d in dims:
        ordered = isinstance(deals[d].dtype, pd.CategoricalDtype) and deals[d].dtype.ordered
        lab = keys[d].astype("str").to_numpy()
        counts = pd.Series(n).groupby(lab).sum().to_dict()
        if ordered:
            order = [
                str(c) for c in deals[d].cat.categories if str(c) not in (UNKNOWN, OTHER_SMALL)
            ]
        else:
            order = sorted(s for s in counts if s not in (UNKNOWN, OTHER_SMALL))
        order = [s for s in order if counts.get(s, 0) > 0]
        sets = _candidate_sets(order, ordered, counts, min_n)
        member = (
            (lab[:, None] == np.array(order, dtype=object)[None, :]).astype("float64")
            if order
            else np.zeros((len(lab), 0))
        )
        ranges = None
        if sets is not None:
            ranges = (
                np.array([[1.0 if s in st else 0.0 for s in order] for st in sets])
                if sets
                else np.zeros((0, len(order)))
            )
        if not ordered:
            # a top-k set needs segments large enough to stand alone
            member = member[:, [i for i, s in enumerate(order) if counts.get(s, 0) >= min_n]]
            order = [s for s in order if counts.get(s, 0) >= min_n]
        if (len(order) >= 2 and len(ranges)) if ranges is not None else len(order) >= 1:
            info[d] = (order, member, ranges, sets)

    key_arrays = {d: keys[d].astype("str").to_numpy(dtype=object) for d in dims}

    def design(splits, without=None):
        cols = [np.ones(len(keys))]
        for d, sp in splits.items():
            if d != without:
                cols.append(np.isin(key_arrays[d], sp.segments).astype("float64"))
        return np.column_stack(cols)

    def search(d, splits, simulate=True):
        """Best set of ``d`` given the other dimensions in ``splits``, with its chance threshold."""
        X = design(splits, without=d)
        beta, _ = _irls(X, wins, n)
        p = 1 / (1 + np.exp(-(X @ beta)))
        e_row, w_row = n * p, n * p * (1 - p)
        order, member, ranges, sets = info[d]
        resid = ((wins - e_row) @ member)[None, :]
        exp_ = e_row @ member
        # covariance of the segment residuals once the other dimensions are refitted
        A = (member * w_row[:, None]).T @ X
        H = (X * w_row[:, None]).T @ X
        # (a pseudo-inverse: two dimensions' sets may coincide on small title lists)
        cov = np.diag(w_row @ member) - A @ np.linalg.pinv(H, hermitian=True) @ A.T
        cov = (cov + cov.T) / 2
        stat, idx = _score_search(resid, exp_, cov, ranges)
        if stat[0] <= 0:
            return None
        if ranges is not None:
            segs = list(sets[int(idx[0])])
        else:
            ratio = resid[0] / np.maximum(exp_, 1e-12)
            segs = [order[i] for i in np.argsort(-ratio, kind="stable")[: int(idx[0]) + 1]]
        thr, pval = np.inf, float("nan")
        if simulate:
            # the same search on residuals simulated under "d has no effect"
            vals, vecs = np.linalg.eigh(cov)
            root = vecs * np.sqrt(np.clip(vals, 0, None))
            sim = rng.standard_normal((n_null, len(order))) @ root.T
            null, _ = _score_search(sim, exp_, cov, ranges)
            pval = float((1 + np.sum(null >= stat[0])) / (1 + n_null))
            thr = float(np.quantile(null, 1 - alpha))
        return _Split(d, segs, float(stat[0]), thr, pval, null if simulate else None)

    # start from every dimension's best set, then drop the weakest while Holm's test rejects it
    splits: dict[str, _Split] = {}
    for d in info:
        sp = search(d, {}, simulate=False)
        if sp is not None:
            splits[d] = sp
    n_tested = len(info)
    while splits:
        for _ in range(3):  # re-choose each set given the others until stable
            changed = False
            for d in list(splits):
                sp = search(d, splits, simulate=False)
                if sp is None:
                    splits.pop(d)
                    changed = True
                elif sp.segments != splits[d].segments:
                    splits[d] = sp
                    changed = True
            if not changed:
                break
        if not splits:
            break
        tested = {d: search(d, splits) for d in splits}
        if any(sp is None for sp in tested.values()):
            splits = {d: sp for d, sp in tested.items() if sp is not None}
            continue
        # Holm step-down over every dimension tested (dropped ones count): the i-th
        # smallest p-value must be below alpha / (n_tested - i)
        ranked = sorted(tested.values(), key=lambda sp: (sp.p_value, -sp.statistic))
        failed = next(
            (i for i, sp in enumerate(ranked) if sp.p_value > alpha / (n_tested - i)), None
        )
        if failed is None:
            for i, sp in enumerate(ranked):  # the threshold each kept dimension beat
                sp.threshold = float(np.quantile(sp.null, 1 - alpha / (n_tested - i)))
            splits = {sp.dimension: sp for sp in ranked}
            break
        splits.pop(ranked[-1].dimension)
    beta, cov = _irls(design(splits), wins, n)
    # a dimension whose effect turns non-positive once the others are in is dropped
    while splits and (beta[1:] <= 0).any():
        drop = list(splits)[int(np.argmin(beta[1:]))]
        splits.pop(drop)
        beta, cov = _irls(design(splits), wins, n)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    effects = {d: float(b) for d, b in zip(splits, beta[1:])}
    errors = {d: float(s) for d, s in zip(splits, se[1:])}
    return float(beta[0]), splits, effects, errors, kept


def _condition(dim: str, segments: list[str], edges: dict[str, list[float]]) -> Condition:
    label = DIMENSION_LABELS.get(dim, dim)
    src = {
        "employee_band": ("employees", False),
        "revenue_band": ("annual_revenue", True),
        "locations_band": ("locations", False),
    }
    if dim in src:
        key, money = src[dim]
        e = edges[key]
        labels = band_labels(e, money)
        idx = sorted(labels.index(s) for s in segments)
        if idx == list(range(idx[0], idx[-1] + 1)):
            low = e[idx[0]] if idx[0] > 0 or e[0] > 0 else None
            high = e[idx[-1] + 1] if idx[-1] + 1 < len(e) else None
            if low is None and high is not None:
                text = f"{label} under {_fmt_edge(high, money)}"
            elif high is None:
                text = f"{label} {_fmt_edge(low, money)}+"
            elif money:
                text = f"{label} {_fmt_edge(low, money)}-{_fmt_edge(high, money)}"
            else:
                text = f"{label} {_fmt_edge(low, money)}-{_fmt_edge(high - 1, money)}"
            return Condition(dim, [labels[i] for i in idx], text, low, high)
    codes = None
    if dim == "sic_major_group":
        codes = sorted(s.split(" ", 1)[0] for s in segments)
    if dim == "seniority":
        segments = [s for s in SENIORITIES if s in segments]
    else:
        segments = sorted(segments)
    text = (
        f"{label} in {{{', '.join(segments)}}}" if len(segments) > 1 else f"{label} = {segments[0]}"
    )
    return Condition(dim, segments, text, codes=codes)


def condition_mask(df: pd.DataFrame, conditions: list[Condition] | list[dict]) -> pd.Series:
    """True for rows (deals, leads or accounts) meeting every condition of a rule."""
    mask = pd.Series(True, index=df.index)
    for c in conditions:
        c = c.to_dict() if isinstance(c, Condition) else c
        if c["dimension"] not in df:
            return pd.Series(False, index=df.index)
        mask &= _isin(df[c["dimension"]], c["segments"])
    return mask


def default_model_dimensions(inputs: IcpInputs) -> list[str]:
    """Dimensions the ICP model weighs: industry, one size measure, one place, the buyer.

    Revenue and sites grow with headcount, so the model takes one size measure
    (employees, else annual revenue, else sites) rather than letting correlated
    measures split one effect; the segment tables still show all three. Likewise
    region, else country.
    """
    size = next(
        (d for d in ("employee_band", "revenue_band", "locations_band") if d in inputs.dimensions),
        None,
    )
    place = next((d for d in ("region", "country") if d in inputs.dimensions), None)
    dims = [d for d in (inputs.industry_dimension, size, place) if d]
    return dims + inputs.persona


def fit_icp(
    inputs: IcpInputs,
    *,
    min_n: int = 30,
    max_conditions: int = 3,
    tier_lifts: tuple[float, float, float] = (1.25, 1.0, 0.75),
    alpha: float = 0.10,
    seed: int = 42,
    dimensions: list[str] | None = None,
) -> IcpModel:
    """Fit the ICP: which segments win, a readable rule, the buyer profile and tier cut-offs.

    Parameters
    ----------
    inputs : IcpInputs
        From :func:`prepare_icp`.
    min_n : int
        Minimum closed outcomes for a segment to count (smaller ones are pooled).
    max_conditions : int
        At most this many firmographic conditions in the rule (the strongest).
    tier_lifts : (float, float, float)
        Minimum predicted win rate of tiers A, B, C as multiples of the overall
        win rate; the rest is D.
    alpha : float
        Family-wise significance: the chance that the ICP names any dimension
        that has no effect at all stays below it (Holm). 0.10 by default: an
        exploratory choice, where missing a real ICP dimension costs about as much
        as naming a spurious one.
    seed : int
        Seed of the significance simulation (42, the notebooks' default, so a
        refit elsewhere gives module 1's answer).
    dimensions : list of str, optional
        Dimensions to model; by default :func:`default_model_dimensions`.

    Returns
    -------
    IcpModel

    Notes
    -----
    See :func:`select_segment_splits`: one "winning set" per dimension, kept only
    when it beats chance, all estimated together (so overlapping dimensions such
    as employees and revenue do not both claim the same effect). The rule is the
    firmographic winning sets joined by "and"; the buyer's winning seniorities and
    functions form the persona.
    """
    deals = inputs.deals
    if dimensions is None:
        dimensions = default_model_dimensions(inputs)
    dimensions = [d for d in dimensions if deals[d].nunique(dropna=False) > 1]
    intercept, splits, effects, errors, kept = select_segment_splits(
        deals, dimensions, min_n=min_n, alpha=alpha, seed=seed
    )
    won = deals["won"].astype(bool)
    firmo = [d for d in dimensions if d in FIRMOGRAPHIC]
    persona = [d for d in dimensions if d in PERSONA]
    labels = _design(deals, dimensions, kept)

    def seg_effects(d):
        b = effects.get(d, 0.0)
        segs = splits[d].segments if d in splits else []
        levels = sorted(set(_codes(labels[d])[1]))
        return {lv: (b if lv in segs else 0.0) for lv in levels}

    coefficients = {d: seg_effects(d) for d in firmo}
    persona_effects = {d: seg_effects(d) for d in persona}
    # buyer effects averaged in: accounts are scored without knowing who will buy
    account_intercept = intercept
    for d in persona:
        account_intercept += float(_values(labels[d], persona_effects[d]).mean())
    chosen = sorted((d for d in splits if d in FIRMOGRAPHIC), key=lambda d: -splits[d].statistic)[
        :max_conditions
    ]
    order = {d: i for i, d in enumerate(DIMENSION_LABELS)}
    conditions = [
        _condition(d, splits[d].segments, inputs.edges)
        for d in sorted(chosen, key=lambda d: order.get(d, 99))
    ]
    evidence = {
        d: {
            "segments": list(sp.segments),
            "log_odds": effects[d],
            "std_error": errors[d],
            "odds_ratio": math.exp(effects[d]),
            "statistic": sp.statistic,
            "threshold": sp.threshold,
            "p_value": sp.p_value,
        }
        for d, sp in splits.items()
    }
    return IcpModel(
        intercept=float(account_intercept),
        coefficients=coefficients,
        persona_effects=persona_effects,
        conditions=conditions,
        personas={d: (list(splits[d].segments) if d in splits else []) for d in persona},
        kept=kept,
        overall_win_rate=float(won.mean()),
        tier_lifts=dict(zip(("A", "B", "C"), (float(x) for x in tier_lifts))),
        evidence=evidence,
        industry_dimension=inputs.industry_dimension,
        edges=inputs.edges,
    )


# --------------------------------------------------------------------------- scoring and tiers


def _as_icp_dict(icp: IcpModel | dict) -> dict:
    if isinstance(icp, IcpModel):
        return icp_artifact(icp)
    if not isinstance(icp, dict) or "fit_model" not in icp or "tiers" not in icp:
        raise ValueError(
            "This is not an ICP definition: expected the content of icp.yml (read_icp)."
        )
    return icp


def score_segments(segments: pd.DataFrame, icp: IcpModel | dict) -> pd.Series:
    """Fit score (predicted win rate, 0-1) of rows that carry firmographic segment columns."""
    icp = _as_icp_dict(icp)
    fm = icp["fit_model"]
    eta = np.full(len(segments), float(fm["intercept"]))
    kept = icp.get("segmentation", {}).get("kept_segments", {})
    for d, coefs in fm["coefficients"].items():
        if d not in segments:
            eta += float(coefs.get(UNKNOWN, 0.0) or 0.0)
            continue
        keep = set(kept[d]) | {UNKNOWN} if d in kept else None
        table = {}
        for label in _codes(segments[d])[1]:
            key = label if keep is None or label in keep else OTHER_SMALL
            table[label] = float(coefs.get(key, 0.0) or 0.0)
        eta += _values(segments[d], table)
    return pd.Series(1 / (1 + np.exp(-eta)), index=segments.index, name="fit_score")


def tier_of(scores: pd.Series, cutoffs: dict[str, float]) -> pd.Series:
    """Tier A-D of each fit score from the tiers' minimum scores."""
    s = pd.Series(scores, dtype="float64")
    tol = 1e-5  # cut-offs are stored rounded in icp.yml: an exactly average account stays in B
    labels = np.select(
        [s >= cutoffs["A"] - tol, s >= cutoffs["B"] - tol, s >= cutoffs["C"] - tol],
        ["A", "B", "C"],
        default="D",
    )
    out = pd.Series(
        pd.Categorical(labels, categories=list(TIERS), ordered=True), index=s.index, name="tier"
    )
    return out.where(s.notna())


def assign_tiers(
    accounts: pd.DataFrame, icp: IcpModel | dict, *, sic_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Fit score, tier A-D and ICP membership of every account.

    Stable API (module 2 and module 4 call it with the content of ``icp.yml``).

    Parameters
    ----------
    accounts : DataFrame
        Canonical accounts (``account_id`` and whichever of ``sic_code``,
        ``industry``, ``employees``, ``annual_revenue``, ``locations``,
        ``region``, ``country`` exist). Missing attributes count as ``Unknown``.
    icp : dict or IcpModel
        ``read_icp(output_dir)`` or a fitted model.
    sic_table : DataFrame, optional
        SIC reference table.

    Returns
    -------
    DataFrame
        ``account_id``, ``fit_score`` (predicted win rate of a deal with the
        account, 0-1), ``tier`` (ordered A > B > C > D), ``in_icp`` (meets every
        condition of the ICP rule).
    """
    icp = _as_icp_dict(icp)
    if "account_id" not in accounts:
        raise ValueError("The accounts table needs an account_id column to be given tiers.")
    seg_cfg = icp.get("segmentation", {})
    edges = seg_cfg.get("edges", {})
    segs, _ = account_segments(
        accounts,
        sic_table=sic_table,
        employee_edges=edges.get("employees", EMPLOYEE_EDGES),
        revenue_edges=edges.get("annual_revenue", REVENUE_EDGES),
        location_edges=edges.get("locations", LOCATION_EDGES),
    )
    score = score_segments(segs, icp)
    cut = icp["tiers"]["cutoffs"]
    conds = icp["rule"]["conditions"]
    out = pd.DataFrame(
        {
            "account_id": segs["account_id"].astype("str"),
            "fit_score": score.to_numpy(),
            "tier": tier_of(score, cut).to_numpy(),
            "in_icp": condition_mask(segs, conds).to_numpy() if conds else False,
        },
        index=accounts.index,
    )
    return out


def assign_lead_tiers(
    leads: pd.DataFrame, account_tiers: pd.DataFrame, icp: IcpModel | dict | None = None
) -> pd.DataFrame:
    """Carry account fit and tier to leads, and flag leads whose title fits the buyer profile.

    Stable API.

    Parameters
    ----------
    leads : DataFrame
        Canonical leads (``lead_id``, ``account_id``, optionally ``job_title``).
    account_tiers : DataFrame
        Output of :func:`assign_tiers`.
    icp : dict or IcpModel, optional
        Gives the winning seniorities/functions for ``persona_match``.

    Returns
    -------
    DataFrame
        ``lead_id, account_id, fit_score, tier, in_icp, seniority, function,
        persona_match``. A lead without a known account has no score and no tier
        (NA). ``persona_match`` is True when the title's seniority and function
        are among the winning ones (a buyer dimension without winners does not
        restrict); NA without a title column.
    """
    out = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()})
    out["account_id"] = (
        leads["account_id"].to_numpy()
        if "account_id" in leads
        else pd.array([pd.NA] * len(leads), "str")
    )
    at = account_tiers[["account_id", "fit_score", "tier", "in_icp"]].drop_duplicates("account_id")
    out = out.merge(at, on="account_id", how="left")  # a left merge keeps the leads' order
    out["fit_score"] = out["fit_score"].astype("float64")
    out["tier"] = pd.Categorical(out["tier"], categories=list(TIERS), ordered=True)
    out["in_icp"] = out["in_icp"].astype("boolean").fillna(False)
    if "job_title" in leads:
        titles = leads["job_title"].reset_index(drop=True)
        out["seniority"] = normalise_seniority(titles).array
        out["function"] = normalise_function(titles).array
        match = np.ones(len(out), dtype=bool)
        personas = {}
        if icp is not None:
            personas = _as_icp_dict(icp).get("personas", {})
        for d in PERSONA:
            segs = (personas.get(d) or {}).get("segments") or []
            if segs:
                match &= _isin(out[d], segs)
        out["persona_match"] = pd.array(match, dtype="boolean")
    else:
        out["seniority"] = UNKNOWN
        out["function"] = UNKNOWN
        out["persona_match"] = pd.array([pd.NA] * len(out), "boolean")
    return out


# --------------------------------------------------------------------------- evidence


def rule_evidence(inputs: IcpInputs, model: IcpModel) -> pd.DataFrame:
    """Inside vs outside the ICP rule: coverage, win rate with interval, revenue share.

    Returns
    -------
    DataFrame
        Rows ``inside ICP`` / ``outside ICP``; columns ``accounts_share``,
        ``leads_share``, ``opportunities``, ``opportunities_share``, ``wins``,
        ``win_rate``, ``ci_low``, ``ci_high``, ``lift``, ``won_revenue_share``.
    """
    deals = inputs.deals
    labels = _design(deals, [c.dimension for c in model.conditions], model.kept)
    inside = (
        condition_mask(labels, model.conditions)
        if model.conditions
        else pd.Series(False, index=deals.index)
    )
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    rows = []
    for name, m in (("inside ICP", inside), ("outside ICP", ~inside)):
        n = int(m.sum())
        w = int(won[m].sum())
        lo, hi = wilson_interval(w, n)
        rows.append(
            {
                "group": name,
                "opportunities": n,
                "opportunities_share": n / len(deals),
                "wins": w,
                "win_rate": w / n if n else np.nan,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "lift": (w / n) / won.mean() if n else np.nan,
                "won_revenue_share": float(rev[m].sum() / rev.sum()) if rev.sum() > 0 else np.nan,
            }
        )
    out = pd.DataFrame(rows).set_index("group")
    for frame, name in ((inputs.accounts, "accounts_share"), (inputs.leads, "leads_share")):
        if (
            frame is not None
            and model.conditions
            and all(c.dimension in frame for c in model.conditions)
        ):
            lab = _design(frame, [c.dimension for c in model.conditions], model.kept)
            share = float(condition_mask(lab, model.conditions).mean())
            out[name] = [share, 1 - share]
        else:
            out[name] = np.nan
    return out[
        [
            "accounts_share",
            "leads_share",
            "opportunities",
            "opportunities_share",
            "wins",
            "win_rate",
            "ci_low",
            "ci_high",
            "lift",
            "won_revenue_share",
        ]
    ]


def coverage_curve(inputs: IcpInputs, model: IcpModel | dict) -> pd.DataFrame:
    """Coverage vs win rate: segments (cells of equal fit score) from best to worst, cumulated.

    Each point answers "if marketing only passed leads from the best segments up
    to here, what share of leads would we keep, what win rate would sales see,
    and what share of won revenue would we keep?".

    Returns
    -------
    DataFrame
        One row per cell, best first: ``fit_score``, ``tier``, ``opportunities``,
        ``wins``, ``leads``, ``cum_opportunities_share``, ``cum_leads_share``
        (NaN without leads), ``cum_win_rate``, ``cum_revenue_share``.
    """
    icp = _as_icp_dict(model)
    deals = inputs.deals
    score = score_segments(deals, icp)
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    key = score.round(10)
    cells = pd.DataFrame({"fit_score": key, "won": won, "rev": rev}).groupby("fit_score")
    curve = pd.DataFrame(
        {"opportunities": cells.size(), "wins": cells["won"].sum(), "revenue": cells["rev"].sum()}
    )
    if inputs.leads is not None and all(
        d in inputs.leads for d in icp["fit_model"]["coefficients"]
    ):
        lscore = score_segments(inputs.leads, icp).round(10)
        curve["leads"] = lscore.value_counts().reindex(curve.index).fillna(0)
        lead_total = len(lscore)
    else:
        curve["leads"] = np.nan
        lead_total = np.nan
    curve = curve.sort_index(ascending=False).reset_index()
    curve["tier"] = tier_of(curve["fit_score"], icp["tiers"]["cutoffs"]).astype("str")
    curve["cum_opportunities_share"] = (
        curve["opportunities"].cumsum() / curve["opportunities"].sum()
    )
    curve["cum_leads_share"] = curve["leads"].cumsum() / lead_total
    curve["cum_win_rate"] = curve["wins"].cumsum() / curve["opportunities"].cumsum()
    total_rev = curve["revenue"].sum()
    curve["cum_revenue_share"] = curve["revenue"].cumsum() / total_rev if total_rev > 0 else np.nan
    return curve


def tier_evidence(inputs: IcpInputs, model: IcpModel | dict) -> pd.DataFrame:
    """Per tier: minimum fit score, accounts, leads, closed deals, actual win rate, revenue share."""
    icp = _as_icp_dict(model)
    deals = inputs.deals
    tiers = tier_of(score_segments(deals, icp), icp["tiers"]["cutoffs"])
    won = deals["won"].astype(bool)
    rev = pd.to_numeric(deals["amount"], errors="coerce").where(won).fillna(0.0)
    g = pd.DataFrame({"tier": tiers, "won": won, "rev": rev}).groupby("tier", observed=False)
    out = pd.DataFrame(
        {"opportunities": g.size(), "wins": g["won"].sum(), "revenue": g["rev"].sum()}
    )
    out.index = out.index.astype("str")
    out.insert(0, "min_fit_score", pd.Series(icp["tiers"]["cutoffs"]).reindex(out.index))
    for frame, name in ((inputs.accounts, "accounts"), (inputs.leads, "leads")):
        if frame is not None:
            t = tier_of(score_segments(frame, icp), icp["tiers"]["cutoffs"])
            if "has_account" in frame:
                t = t.where(frame["has_account"].to_numpy())
            out[name] = t.value_counts().reindex(out.index).fillna(0).astype("int64")
        else:
            out[name] = pd.array([pd.NA] * len(out), "Int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["win_rate"] = out["wins"] / out["opportunities"].replace(0, np.nan)
    lo, hi = wilson_interval(out["wins"], out["opportunities"])
    out["ci_low"], out["ci_high"] = lo, hi
    total = out["revenue"].sum()
    out["won_revenue_share"] = out["revenue"] / total if total > 0 else np.nan
    out.index.name = "tier"
    return out.drop(columns="revenue")[
        [
            "min_fit_score",
            "accounts",
            "leads",
            "opportunities",
            "wins",
            "win_rate",
            "ci_low",
            "ci_high",
            "won_revenue_share",
        ]
    ]


# --------------------------------------------------------------------------- artifact


def icp_artifact(
    model: IcpModel,
    inputs: IcpInputs | None = None,
    tables: pd.DataFrame | None = None,
    *,
    org: str | None = None,
    currency: str | None = None,
    min_n: int | None = None,
) -> dict[str, Any]:
    """The agreed ICP as plain data (the content of ``icp.yml``).

    Keys: ``version``, ``org``, ``currency``, ``outcomes`` (what the win rates
    count), ``rule`` (``text``, ``conditions`` [dimension, label, segments,
    range or codes], ``evidence``), ``personas`` (seniority/function ->
    winning ``segments`` and their ``effects``), ``tiers`` (``lifts``,
    ``cutoffs`` = minimum fit score, ``evidence``), ``fit_model`` (``intercept``
    and log-odds ``coefficients`` per segment: fit score =
    1 / (1 + exp(-(intercept + sum of the account's segment effects))); and the
    ``evidence`` per kept dimension: segments, log-odds, std. error, odds ratio,
    statistic, threshold, search-corrected p-value),
    ``segmentation`` (band ``edges``, ``industry_dimension``,
    ``kept_segments``, ``min_segment_size``), ``evidence`` (top segments).
    """
    art: dict[str, Any] = {"version": ICP_VERSION}
    if org is not None:
        art["org"] = org
    if currency is not None:
        art["currency"] = currency
    if inputs is not None:
        art["outcomes"] = {
            "source": inputs.outcome_source,
            "closed": int(len(inputs.deals)),
            "won": int(inputs.deals["won"].sum()),
            "open_excluded": int(inputs.open_excluded),
            "overall_win_rate": plain(model.overall_win_rate),
        }
    rule: dict[str, Any] = {
        "text": model.rule_text,
        "conditions": [c.to_dict() for c in model.conditions],
    }
    art["rule"] = rule
    art["personas"] = {
        d: {
            "label": DIMENSION_LABELS[d],
            "segments": list(model.personas.get(d, [])),
            "effects": {k: plain(v) for k, v in model.persona_effects.get(d, {}).items()},
        }
        for d in model.persona_effects
    }
    cut = model.tier_cutoffs
    art["tiers"] = {
        "definition": "Tier by fit score (predicted win rate): A, B, C need at least lifts x overall win rate.",
        "lifts": {k: plain(v) for k, v in model.tier_lifts.items()},
        "cutoffs": {k: plain(v, 6) for k, v in cut.items()},
    }
    art["fit_model"] = {
        "intercept": plain(model.intercept, 6),
        "coefficients": {
            d: {k: plain(v, 6) for k, v in c.items()} for d, c in model.coefficients.items()
        },
        "evidence": {
            d: {
                "segments": list(e["segments"]),
                "log_odds": plain(e["log_odds"]),
                "std_error": plain(e["std_error"]),
                "odds_ratio": plain(e["odds_ratio"], 3),
                "statistic": plain(e["statistic"], 2),
                "threshold": plain(e["threshold"], 2),
                "p_value": plain(e["p_value"], 5),
            }
            for d, e in model.evidence.items()
        },
    }
    art["segmentation"] = {
        "industry_dimension": model.industry_dimension,
        "edges": {k: [float(e) for e in v] for k, v in model.edges.items()},
        "kept_segments": {d: list(v) for d, v in model.kept.items()},
        "min_segment_size": min_n,
    }
    if inputs is not None:
        ev = rule_evidence(inputs, model)
        ins = ev.loc["inside ICP"]
        out = ev.loc["outside ICP"]
        rule["evidence"] = {
            "accounts_share": plain(ins["accounts_share"]),
            "leads_share": plain(ins["leads_share"]),
            "opportunities_share": plain(ins["opportunities_share"]),
            "opportunities": int(ins["opportunities"]),
            "win_rate": plain(ins["win_rate"]),
            "ci_low": plain(ins["ci_low"]),
            "ci_high": plain(ins["ci_high"]),
            "outside_win_rate": plain(out["win_rate"]),
            "lift": plain(ins["lift"]),
            "won_revenue_share": plain(ins["won_revenue_share"]),
        }
        te = tier_evidence(inputs, art)
        art["tiers"]["evidence"] = {
            t: {
                "accounts": None if pd.isna(r["accounts"]) else int(r["accounts"]),
                "leads": None if pd.isna(r["leads"]) else int(r["leads"]),
                "opportunities": int(r["opportunities"]),
                "win_rate": plain(r["win_rate"]),
                "ci_low": plain(r["ci_low"]),
                "ci_high": plain(r["ci_high"]),
                "won_revenue_share": plain(r["won_revenue_share"]),
            }
            for t, r in te.iterrows()
        }
    if tables is not None and not tables.empty:
        top = top_segments(tables, n=10)
        art["evidence"] = {
            "top_segments": [
                {
                    "dimension": r["dimension"],
                    "segment": r["segment"],
                    "opportunities": int(r["opportunities"]),
                    "win_rate": plain(r["win_rate"]),
                    "ci_low": plain(r["ci_low"]),
                    "ci_high": plain(r["ci_high"]),
                    "lift": plain(r["lift"]),
                }
                for _, r in top.iterrows()
            ]
        }
    return art


def write_icp(icp: dict, output_dir: str | Path) -> Path:
    """Write the ICP definition to ``output_dir/icp.yml`` (atomically)."""
    from helpers.core.report import write_yaml

    return write_yaml(icp, Path(output_dir) / ICP_FILE)


def read_icp(output_dir: str | Path) -> dict | None:
    """Read ``output_dir/icp.yml`` (stable API for later modules).

    Returns
    -------
    dict or None
        The artifact (see :func:`icp_artifact` for its keys), or ``None`` when
        the file does not exist (the caller recomputes or skips).

    Raises
    ------
    ValueError
        When the file exists but is not an ICP definition of a known version.
    """
    from helpers.core.report import read_yaml

    path = Path(output_dir) / ICP_FILE
    if not path.is_file():
        return None
    icp = read_yaml(path)
    if not isinstance(icp, dict) or icp.get("version") != ICP_VERSION or "fit_model" not in icp:
        raise ValueError(
            f"{path} is not an ICP definition this version understands; rerun module 1."
        )
    return icp


def summary_figures(
    inputs: IcpInputs, model: IcpModel, tables: pd.DataFrame, icp: dict, n_top: int = 5
) -> dict:
    """Key figures of module 1 for ``summary.json`` (plain, rounded values)."""
    ev = icp["rule"].get("evidence", {})
    top = top_segments(tables, n=n_top)
    conds = {c.dimension: c for c in model.conditions}
    fig: dict[str, Any] = {
        "outcome_source": inputs.outcome_source,
        "closed_opportunities": int(len(inputs.deals)),
        "overall_win_rate": plain(model.overall_win_rate, 3),
        "top_segments": [
            {
                "dimension": r["dimension"],
                "segment": r["segment"],
                "win_rate": plain(r["win_rate"], 3),
                "ci_low": plain(r["ci_low"], 3),
                "ci_high": plain(r["ci_high"], 3),
                "lift": plain(r["lift"], 2),
                "opportunities": int(r["opportunities"]),
            }
            for _, r in top.iterrows()
        ],
        "icp_rule": model.rule_text,
        "icp_conditions": {c.dimension: list(c.segments) for c in model.conditions},
        "icp_industry_codes": conds["sic_major_group"].codes
        if "sic_major_group" in conds
        else None,
        "icp_employee_range": [conds["employee_band"].low, conds["employee_band"].high]
        if "employee_band" in conds
        else None,
        "icp_coverage_accounts": plain(ev.get("accounts_share"), 3),
        "icp_coverage_leads": plain(ev.get("leads_share"), 3),
        "icp_coverage_opportunities": plain(ev.get("opportunities_share"), 3),
        "icp_win_rate": plain(ev.get("win_rate"), 3),
        "icp_win_rate_ci": [plain(ev.get("ci_low"), 3), plain(ev.get("ci_high"), 3)],
        "icp_outside_win_rate": plain(ev.get("outside_win_rate"), 3),
        "icp_lift": plain(ev.get("lift"), 2),
        "icp_revenue_share": plain(ev.get("won_revenue_share"), 3),
        "icp_evidence": {
            d: {
                "segments": list(e["segments"]),
                "odds_ratio": plain(e["odds_ratio"], 2),
                "p_value": plain(e["p_value"], 4),
            }
            for d, e in model.evidence.items()
        },
        "winning_seniorities": list(model.personas.get("seniority", []))
        if "seniority" in model.personas
        else None,
        "winning_functions": list(model.personas.get("function", []))
        if "function" in model.personas
        else None,
        "tiers_accounts": {t: e["accounts"] for t, e in icp["tiers"].get("evidence", {}).items()},
        "tiers_win_rate": {t: e["win_rate"] for t, e in icp["tiers"].get("evidence", {}).items()},
        "skipped": skipped_sentences(inputs),
    }
    return fig


# --------------------------------------------------------------------------- notebook display


def try_prepare_icp(**kwargs) -> tuple[IcpInputs | None, str | None]:
    """:func:`prepare_icp`, returning ``(None, sentence)`` instead of raising when the data has no outcomes.

    A notebook uses it to print one clear sentence and skip the module's sections
    instead of stopping the whole run.
    """
    try:
        return prepare_icp(**kwargs), None
    except ValueError as exc:
        return None, f"The ICP sections are skipped: {exc}"


def sample_note(inputs: IcpInputs, min_n: int = 30) -> str | None:
    """A warning sentence when there are too few closed outcomes to rank segments, else ``None``."""
    n = len(inputs.deals)
    if n >= 2 * min_n:
        return None
    return (
        f"Only {n:,} closed outcomes: fewer than twice the minimum segment size ({min_n}), so no "
        "segment can be ranked; read the charts below as an illustration, not as evidence."
    )


def table_for(tables: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The rows of one dimension from :func:`segment_tables`."""
    return tables[tables["dimension"] == dimension].reset_index(drop=True)


_SHOW_COLUMNS = [
    "segment",
    "opportunities",
    "wins",
    "win_rate",
    "ci_low",
    "ci_high",
    "lift",
    "avg_won_amount",
    "median_cycle_days",
    "revenue_per_lead",
    "reliable",
]


def show_table(tables: pd.DataFrame, dimension: str, n: int | None = None) -> pd.DataFrame:
    """A dimension's segment table for display: rounded, largest segments first when ``n`` is given."""
    t = table_for(tables, dimension)
    if n is not None:
        t = t.sort_values(
            ["opportunities", "segment"], ascending=[False, True], kind="stable"
        ).head(n)
    t = t[_SHOW_COLUMNS].set_index("segment")
    t.index.name = DIMENSION_LABELS.get(dimension, dimension)
    return t.round(
        {
            "win_rate": 3,
            "ci_low": 3,
            "ci_high": 3,
            "lift": 2,
            "avg_won_amount": 0,
            "median_cycle_days": 1,
            "revenue_per_lead": 1,
        }
    )


def show_top(top: pd.DataFrame) -> pd.DataFrame:
    """:func:`top_segments` for display (dimension names spelled out, rounded)."""
    t = top.assign(dimension=top["dimension"].map(lambda d: DIMENSION_LABELS.get(d, d)))
    cols = ["dimension", "segment", "opportunities", "win_rate", "ci_low", "ci_high", "lift"]
    return t[cols].round({"win_rate": 3, "ci_low": 3, "ci_high": 3, "lift": 2})


def show_evidence(model: IcpModel) -> pd.DataFrame:
    """The model's evidence per kept dimension, for display (rounded)."""
    rows = [
        {
            "dimension": DIMENSION_LABELS.get(d, d),
            "winning segments": ", ".join(e["segments"]),
            "odds ratio": round(e["odds_ratio"], 2),
            "log-odds": round(e["log_odds"], 2),
            "std. error": round(e["std_error"], 2),
            "p-value": round(e["p_value"], 4),
        }
        for d, e in model.evidence.items()
    ]
    cols = ["dimension", "winning segments", "odds ratio", "log-odds", "std. error", "p-value"]
    return pd.DataFrame(rows, columns=cols)


def icp_segments(model: IcpModel) -> list[str]:
    """Every segment named by the ICP rule or the buyer profile (for highlighting charts)."""
    out = [s for c in model.conditions for s in c.segments]
    for segs in model.personas.values():
        out += list(segs)
    return out


def describe_personas(model: IcpModel) -> str:
    """The buyer profile in one sentence."""
    parts = []
    for d in PERSONA:
        if d in model.personas:
            segs = model.personas[d]
            label = DIMENSION_LABELS[d].lower()
            parts.append(f"{label} in {{{', '.join(segs)}}}" if segs else f"no {label} stands out")
    return "; ".join(parts) if parts else "no job titles in the data."


def heatmap_pair(inputs: IcpInputs) -> tuple[str, str] | None:
    """The (industry, size) dimensions for the lift heat map, or ``None`` when one is missing."""
    row = inputs.industry_dimension
    col = next(
        (d for d in ("employee_band", "revenue_band", "locations_band") if d in inputs.dimensions),
        None,
    )
    if row is None or col is None:
        return None
    return row, col


def rule_point(icp: dict) -> tuple[float, float] | None:
    """(coverage of leads - or of deals without leads -, win rate) of the ICP rule, for the curve."""
    ev = icp.get("rule", {}).get("evidence")
    if not ev or not icp["rule"].get("conditions"):
        return None
    cov = ev.get("leads_share")
    if cov is None:
        cov = ev.get("opportunities_share")
    return (cov, ev.get("win_rate"))


def tier_counts(account_tiers: pd.DataFrame | None) -> dict[str, int]:
    """Accounts per tier A-D (empty without accounts)."""
    if account_tiers is None:
        return {}
    counts = account_tiers["tier"].value_counts().reindex(list(TIERS)).fillna(0).astype(int)
    return {k: int(v) for k, v in counts.items()}


# --------------------------------------------------------------------------- plots


def _short(label: str, width: int = 34) -> str:
    label = str(label)
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def plot_win_rates(
    table: pd.DataFrame,
    ax=None,
    *,
    overall: float | None = None,
    highlight: list[str] | None = None,
    title: str | None = None,
    unit: str | None = None,
    max_rows: int = 15,
):
    """Horizontal bars of win rate by segment, with 95% intervals and the overall rate.

    Parameters
    ----------
    table : DataFrame
        One dimension's :func:`segment_table`.
    ax : Axes, optional
    overall : float, optional
        Overall win rate (dashed line); derived from the table when omitted.
    highlight : list of str, optional
        Segments drawn in green (e.g. those in the ICP rule).
    title : str, optional
    unit : str, optional
        Added to the segment axis label, e.g. the currency of revenue bands.
    max_rows : int
        Show at most this many segments (the largest, in the table's order).

    Returns
    -------
    Axes
        Unreliable or pooled segments are drawn grey and marked "few deals".
    """
    from matplotlib.patches import Patch

    from helpers.core import style

    t = table.copy()
    if len(t) > max_rows:
        keep = t.nlargest(max_rows, "opportunities").index
        t = t.loc[t.index.isin(keep)]
    t = t.iloc[::-1]
    height = max(3.0, 0.42 * len(t) + 1.4)
    ax = style.get_ax(ax, figsize=(9, height))
    if overall is None:
        overall = t["wins"].sum() / t["opportunities"].sum() if t["opportunities"].sum() else np.nan
    solid = t["reliable"].to_numpy()
    hl = t["segment"].isin(highlight or []).to_numpy()
    colors = np.where(
        ~solid, "#c8c8c8", np.where(hl, style.PALETTE["good"], style.PALETTE["marketing"])
    )
    y = np.arange(len(t))
    err = np.vstack(
        [(t["win_rate"] - t["ci_low"]).to_numpy(), (t["ci_high"] - t["win_rate"]).to_numpy()]
    )
    ax.barh(y, t["win_rate"], color=colors, height=0.65)
    ax.errorbar(t["win_rate"], y, xerr=err, fmt="none", ecolor="#333333", elinewidth=1.2, capsize=3)
    labels = [
        f"{_short(s)}  (n={int(n):,}{', few deals' if not r else ''})"
        for s, n, r in zip(t["segment"], t["opportunities"], solid)
    ]
    ax.set_yticks(y, labels)
    line = ax.axvline(overall, color=style.PALETTE["highlight"], linestyle="--", linewidth=1.5)
    handles = [line]
    names = [f"overall win rate {overall:.0%}"]
    if hl.any():
        handles.append(Patch(color=style.PALETTE["good"]))
        names.append("in the ICP")
    if (~solid).any():
        handles.append(Patch(color="#c8c8c8"))
        names.append("too few deals to rank")
    ax.legend(handles, names, loc="lower right", frameon=True, fontsize=9)
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.set_xlim(0, min(1.0, max(float(np.nanmax(t["ci_high"])) * 1.1, overall * 1.5)))
    dim = (
        DIMENSION_LABELS.get(str(t["dimension"].iloc[0]), str(t["dimension"].iloc[0]))
        if len(t)
        else ""
    )
    ax.set_xlabel("Win rate of closed opportunities (%; line = 95% interval)")
    ax.set_ylabel(f"{dim} ({unit})" if unit else dim)
    ax.set_title(title or f"Win rate by {dim[:1].lower() + dim[1:]}")
    ax.grid(axis="y", visible=False)
    return ax


def plot_lift_heatmap(
    lift: pd.DataFrame,
    counts: pd.DataFrame,
    ax=None,
    *,
    title: str | None = None,
    row_label: str = "",
    col_label: str = "",
):
    """Heat map of win-rate lift for two dimensions (e.g. industry x company size).

    Cells show the lift ("1.8x") and the number of closed deals; cells under the
    minimum sample of :func:`lift_matrix` are grey with their count only. Colours: blue above the
    overall win rate, red below (log scale, centred on 1x).

    Returns
    -------
    Axes
    """
    import matplotlib.colors as mcolors
    import seaborn as sns

    from helpers.core import style

    rows = [_short(r, 30) for r in lift.index]
    ax = style.get_ax(
        ax, figsize=(max(7.0, 1.0 * lift.shape[1] + 4.0), max(3.5, 0.55 * lift.shape[0] + 2.0))
    )
    ax.grid(False)
    data = np.log2(lift.astype("float64").clip(lower=1 / 8, upper=8))
    annot = np.empty(lift.shape, dtype=object)
    for i in range(lift.shape[0]):
        for j in range(lift.shape[1]):
            v, n = lift.iat[i, j], counts.iat[i, j]
            annot[i, j] = f"{v:.1f}x\nn={n}" if pd.notna(v) else ""
    lim = max(
        1.0,
        float(np.nanmax(np.abs(data.to_numpy()))) if np.isfinite(data.to_numpy()).any() else 1.0,
    )
    cmap = sns.diverging_palette(15, 240, as_cmap=True)
    with (
        warnings.catch_warnings()
    ):  # an all-blank matrix (tiny exports) is drawn grey, not warned about
        warnings.simplefilter("ignore", RuntimeWarning)
        _heatmap(
            sns, data, ax, cmap, mcolors.TwoSlopeNorm(vmin=-lim, vcenter=0, vmax=lim), annot, rows
        )
    for i in range(lift.shape[0]):  # seaborn leaves blank cells unannotated: show their count
        for j in range(lift.shape[1]):
            if pd.isna(lift.iat[i, j]) and counts.iat[i, j]:
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"n={counts.iat[i, j]}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#777777",
                )
    cbar = ax.collections[0].colorbar
    ticks = [t for t in (-3, -2, -1, 0, 1, 2, 3) if -lim <= t <= lim]
    cbar.set_ticks(ticks, labels=[f"{2.0**t:g}x" for t in ticks])
    ax.set_facecolor("#f2f2f2")
    ax.set_xlabel(f"{col_label} (grey cell: too few deals to compare)" if col_label else "")
    ax.set_ylabel(row_label)
    ax.set_title(title or f"Win rate vs average: {row_label} x {col_label}")
    ax.tick_params(axis="x", rotation=30)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    return ax


def _heatmap(sns, data, ax, cmap, norm, annot, rows):
    sns.heatmap(
        data,
        ax=ax,
        cmap=cmap,
        norm=norm,
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 8},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "Lift vs overall win rate (x, log scale)"},
        yticklabels=rows,
    )


def plot_coverage_curve(
    curve: pd.DataFrame,
    ax=None,
    *,
    icp_point: tuple[float, float] | None = None,
    overall: float | None = None,
    x: str = "leads",
    title: str | None = None,
):
    """Coverage vs win rate and won revenue: the trade-off of a narrower ICP.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`coverage_curve`.
    icp_point : (coverage, win rate), optional
        Marks the agreed ICP rule.
    overall : float, optional
        Overall win rate (dashed line).
    x : {"leads", "opportunities"}
        Coverage measured as share of leads (falls back to opportunities when
        leads are not available) or of closed opportunities.

    Returns
    -------
    Axes
    """
    from helpers.core import style

    ax = style.get_ax(ax)
    col = (
        "cum_leads_share"
        if x == "leads" and curve["cum_leads_share"].notna().any()
        else "cum_opportunities_share"
    )
    what = "leads" if col == "cum_leads_share" else "closed opportunities"
    xs = np.r_[0, curve[col].to_numpy()]
    wr = np.r_[curve["cum_win_rate"].iloc[0], curve["cum_win_rate"].to_numpy()]
    ax.step(
        xs,
        wr,
        where="pre",
        color=style.PALETTE["sales"],
        linewidth=2.2,
        label="win rate of the segments kept",
    )
    if curve["cum_revenue_share"].notna().any():
        ax.plot(
            xs,
            np.r_[0, curve["cum_revenue_share"].to_numpy()],
            color=style.PALETTE["marketing"],
            linewidth=2,
            label="share of won revenue kept",
        )
    if overall is not None:
        ax.axhline(
            overall,
            color=style.PALETTE["neutral"],
            linestyle="--",
            linewidth=1,
            label=f"overall win rate {overall:.0%}",
        )
    # tier boundaries
    for tier in ("A", "B", "C"):
        sub = curve[curve["tier"] == tier]
        if len(sub):
            xv = float(sub[col].iloc[-1])
            ax.axvline(xv, color="#bbbbbb", linewidth=0.8)
            ax.text(
                xv,
                1.01,
                f"end of tier {tier}",
                rotation=0,
                ha="right",
                va="bottom",
                fontsize=8,
                color="#555555",
                transform=ax.get_xaxis_transform(),
            )
    if icp_point is not None and all(v is not None and np.isfinite(v) for v in icp_point):
        ax.plot(
            *icp_point,
            marker="*",
            markersize=16,
            color=style.PALETTE["highlight"],
            linestyle="none",
            label="agreed ICP rule",
        )
    ax.xaxis.set_major_formatter(style.percent_formatter())
    ax.yaxis.set_major_formatter(style.percent_formatter())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"Share of {what} kept, best-fitting segments first (%)")
    ax.set_ylabel("Win rate / revenue share (%)")
    default = (
        "Narrower ICP: higher win rate, less volume"
        if len(curve) > 1
        else "No segment wins more: a narrower ICP would not raise the win rate"
    )
    ax.set_title(title or default, pad=18)
    ax.legend(loc="lower right", frameon=True, fontsize=9)
    return ax


def plot_tiers(
    evidence: pd.DataFrame, ax=None, *, overall: float | None = None, title: str | None = None
):
    """Actual win rate of closed deals by fit tier (A-D), with 95% intervals and volumes.

    Returns
    -------
    Axes
    """
    from helpers.core import style

    ax = style.get_ax(ax)
    t = evidence
    x = np.arange(len(t))
    colors = [
        style.PALETTE["good"],
        style.PALETTE["marketing"],
        style.PALETTE["neutral"],
        "#c8c8c8",
    ][: len(t)]
    rate = t["win_rate"].fillna(0.0)
    ax.bar(x, rate, color=colors, width=0.6)
    err = np.vstack(
        [(t["win_rate"] - t["ci_low"]).to_numpy(), (t["ci_high"] - t["win_rate"]).to_numpy()]
    )
    ax.errorbar(x, t["win_rate"], yerr=err, fmt="none", ecolor="#333333", capsize=4)
    ax.set_xticks(
        x,
        [
            f"Tier {i}\n{int(n):,} deals" if n else f"Tier {i}\nno deals"
            for i, n in zip(t.index, t["opportunities"])
        ],
    )
    if overall is not None:
        ax.axhline(
            overall,
            color=style.PALETTE["highlight"],
            linestyle="--",
            linewidth=1.5,
            label=f"overall {overall:.0%}",
        )
        ax.legend(loc="upper right")
    ax.yaxis.set_major_formatter(style.percent_formatter())
    ax.set_ylim(0, min(1.05, float(np.nanmax(t["ci_high"])) * 1.15))
    ax.set_xlabel("Account fit tier (from the ICP fit score)")
    ax.set_ylabel("Win rate of closed opportunities (%)")
    ax.set_title(title or "Do higher tiers really win more?")
    ax.grid(axis="x", visible=False)
    return ax


def title_examples(leads: pd.DataFrame, n: int = 12, title: str = "job_title") -> pd.DataFrame:
    """The most frequent job titles with the seniority and function they map to."""
    if title not in leads or not leads[title].notna().any():
        return pd.DataFrame(columns=["job_title", "leads", "seniority", "function"])
    counts = leads[title].astype("str").value_counts().head(n)
    t = pd.Series(counts.index, dtype="str")
    return pd.DataFrame(
        {
            "job_title": t,
            "leads": counts.to_numpy(),
            "seniority": normalise_seniority(t),
            "function": normalise_function(t),
        }
    )


__all__ = [
    "ICP_FILE",
    "OTHER_SMALL",
    "UNKNOWN",
    "TIERS",
    "SENIORITIES",
    "FUNCTIONS",
    "DIMENSION_LABELS",
    "IcpInputs",
    "IcpModel",
    "Condition",
    "normalise_seniority",
    "normalise_function",
    "read_sic_codes",
    "sic_rollup",
    "band",
    "band_labels",
    "wilson_interval",
    "account_segments",
    "prepare_icp",
    "skipped_sentences",
    "dimension_note",
    "try_prepare_icp",
    "sample_note",
    "table_for",
    "show_table",
    "show_top",
    "show_evidence",
    "icp_segments",
    "describe_personas",
    "heatmap_pair",
    "rule_point",
    "tier_counts",
    "pool_small_segments",
    "segment_table",
    "segment_tables",
    "top_segments",
    "describe_segment",
    "lift_matrix",
    "select_segment_splits",
    "default_model_dimensions",
    "fit_icp",
    "condition_mask",
    "score_segments",
    "tier_of",
    "assign_tiers",
    "assign_lead_tiers",
    "rule_evidence",
    "coverage_curve",
    "tier_evidence",
    "icp_artifact",
    "write_icp",
    "read_icp",
    "summary_figures",
    "plot_win_rates",
    "plot_lift_heatmap",
    "plot_coverage_curve",
    "plot_tiers",
    "title_examples",
]
