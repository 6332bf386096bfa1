"""A seeded generator of a realistic B2B SaaS organization with planted truths.

The generator simulates about three years of a company's demand funnel - accounts,
leads, marketing and sales activities, opportunities, monthly program spend and a
revenue plan - from a :class:`SynthConfig` whose fields *are* the truths: which
segments form the ideal customer profile, which funnel stage leaks and why, how
conversion rises with sales touches up to a plateau, when the alignment program
started and what it changed, which lead attributes drive conversion, and which
column leaks the outcome. :func:`generate` returns the raw tables and the truths;
:func:`write_org` writes an organization folder (raw files, ``org.yml``,
``truths.yml`` and ``lead_truths.csv``) that the loader reads like any export.

How a lead's story is drawn (all vectorised with NumPy, one row per lead):

1. *Inquiry.* Created at a time following monthly growth and a mild season, from a
   channel (``source``); attached to an account (industry by SIC code, employees,
   revenue, sites, country) and a person with a job title (seniority x function).
   The ``low_fit_source`` channel brings mostly junior people from non-ICP accounts.
2. *Marketing engagement.* Touches before the inquiry, the inquiry itself, touches
   in the first ``score_after_days`` days, and nurture touches afterwards.
3. *MQL.* A marketing rule on fit points and engagement (tightened when the
   alignment program starts); MQL happens no later than the scoring moment
   (``created_at + score_after_days``).
4. *Sales process.* Independent of the lead's attributes given the period (before or
   after the alignment start) and the rep: sales may reject a low-fit MQL; otherwise
   the first response falls in a bucket (<1h, 1-24h, >24h, never) and the rep makes
   ``k`` touches (an under-worked share gets 1-3). A worked MQL becomes an SQL with
   probability ``q(lead) * g(k) * m(bucket)``: ``q`` from fit and intent, ``g`` rising
   with touches up to ``touches_plateau`` then flat, ``m`` the response-time multiplier.
5. *Opportunity.* An SQL becomes an opportunity with a fixed probability, is won with a
   probability raised by the ICP, has a lognormal amount (larger in the ICP) and a
   30-150 day cycle. Everything after the export date is cut (right-censoring).

Because the sales process does not depend on the lead's attributes, the probability
that a lead becomes an opportunity within the horizon, given what is known at the
scoring moment, is computed *exactly* (``lead_truths.csv: p_true``): the oracle for
the lead-scoring classifier.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from helpers.core import paths

# --------------------------------------------------------------------------- vocabularies

SENIORITIES = ("C-level", "VP", "Director", "Manager", "Individual")
FUNCTIONS = ("marketing", "sales", "IT", "finance", "operations", "HR", "other")
BUCKETS = ("<1h", "1-24h", ">24h", "never")
TRANSITIONS = ("inquiry->mql", "mql->sal", "sal->sql", "sql->opportunity", "opportunity->won")
MARKETING_TYPES = ("web_visit", "content_download", "webinar", "email_click", "inbound_call", "event")
SALES_TYPES = ("call", "email", "meeting", "linkedin")
ACTIVITY_TYPES = MARKETING_TYPES + SALES_TYPES

#: Raw lead status labels (Salesforce-like) and the canonical stage each one means.
LEAD_STATUS = {
    "inquiry": "Open - Not Contacted",
    "mql": "Marketing Qualified",
    "sal": "Working - Contacted",
    "sql": "Sales Qualified",
    "opportunity": "Converted",
    "won": "Customer",
    "disqualified": "Closed - Not Converted",
}
OPEN_DEAL_STAGES = ("Discovery", "Demo", "Proposal", "Negotiation")
REASONS = (
    "No response", "Unresponsive", "Could not reach", "Not interested", "No budget", "Bad timing",
    "Chose competitor", "No decision", "No project", "Budget on hold", "Not a fit", "Aged out",
    "Student", "Competitor", "Invalid contact", "Duplicate",
)

#: SIC major groups the accounts are drawn from: CRM industry label and relative weight.
INDUSTRY_MIX: dict[str, tuple[str, float]] = {
    "73": ("Software & Business Services", 1.0),
    "36": ("Electronics", 1.0),
    "35": ("Industrial Machinery & Computers", 1.0),
    "80": ("Healthcare Services", 1.0),
    "63": ("Insurance", 1.0),
    "60": ("Banking", 0.9),
    "62": ("Financial Services", 0.6),
    "87": ("Engineering & Consulting", 1.0),
    "48": ("Telecommunications", 0.7),
    "50": ("Wholesale", 0.8),
    "51": ("Wholesale", 0.6),
    "28": ("Chemicals & Pharmaceuticals", 0.8),
    "20": ("Food & Beverage", 0.7),
    "15": ("Construction", 0.4),
    "17": ("Construction", 0.5),
    "42": ("Logistics", 0.6),
    "45": ("Air Transport", 0.3),
    "58": ("Restaurants", 0.3),
    "59": ("Retail", 0.6),
    "82": ("Education", 0.6),
    "70": ("Hospitality", 0.4),
    "49": ("Utilities", 0.4),
    "27": ("Media & Publishing", 0.5),
    "37": ("Automotive & Transport Equipment", 0.6),
    "38": ("Instruments & Medical Devices", 0.7),
    "65": ("Real Estate", 0.5),
    "81": ("Legal Services", 0.3),
    "34": ("Metal Products", 0.5),
    "30": ("Plastics & Rubber", 0.3),
    "86": ("Nonprofit & Associations", 0.3),
}

COUNTRIES = (  # name, region, weight, phone prefix
    ("United States", "North America", 0.62, "+1"),
    ("Canada", "North America", 0.07, "+1"),
    ("United Kingdom", "EMEA", 0.10, "+44"),
    ("Germany", "EMEA", 0.05, "+49 30"),
    ("France", "EMEA", 0.04, "+33 1"),
    ("Netherlands", "EMEA", 0.03, "+31 20"),
    ("Ireland", "EMEA", 0.02, "+353 1"),
    ("Australia", "APAC", 0.04, "+61 2"),
    ("Singapore", "APAC", 0.02, "+65"),
    ("India", "APAC", 0.01, "+91 22"),
)
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+")
SIZE_EDGES = np.array([10, 50, 200, 500, 1000, 5000])

_FUNCTION_WORDS = {
    "marketing": ("Marketing", "Demand Generation", "Digital Marketing", "Growth Marketing", "Product Marketing", "Brand Marketing"),
    "sales": ("Sales", "Business Development", "Sales Ops", "Revenue Operations", "Inside Sales", "Sales Enablement"),
    "IT": ("IT", "Information Technology", "Engineering", "Infrastructure", "Technology", "IT Operations"),
    "finance": ("Finance", "FP&A", "Accounting", "Financial Planning"),
    "operations": ("Operations", "Supply Chain", "Business Operations", "Logistics"),
    "HR": ("Human Resources", "HR", "People", "Talent Acquisition", "People Operations"),
    "other": ("Customer Success", "Product", "Legal", "Procurement", "Strategy"),
}
_C_LEVEL = {
    "marketing": ("Chief Marketing Officer", "CMO"),
    "sales": ("Chief Revenue Officer", "CRO", "Chief Sales Officer"),
    "IT": ("Chief Technology Officer", "CTO", "Chief Information Officer", "CIO"),
    "finance": ("Chief Financial Officer", "CFO"),
    "operations": ("Chief Operating Officer", "COO"),
    "HR": ("Chief People Officer", "Chief Human Resources Officer", "CHRO"),
    "other": ("CEO", "Chief Executive Officer", "Founder & CEO", "President", "Owner", "Co-Founder"),
}
_PATTERNS = {
    "VP": ("VP of {f}", "VP, {f}", "Vice President of {f}", "Vice President, {f}", "SVP {f}", "SVP, {f}", "EVP, {f}", "VP {f}"),
    "Director": ("Director of {f}", "{f} Director", "Sr. Director, {f}", "Senior Director of {f}", "Head of {f}", "Director, {f}"),
    "Manager": ("{f} Manager", "Manager, {f}", "Sr. {f} Manager", "Senior Manager, {f}", "{f} Team Lead"),
}
_INDIVIDUAL = {
    "marketing": ("Marketing Specialist", "Marketing Coordinator", "Content Marketing Specialist", "SEO Specialist", "Marketing Associate", "Digital Marketing Analyst"),
    "sales": ("Account Executive", "Sales Representative", "SDR", "Business Development Representative", "Sales Associate", "Account Manager"),
    "IT": ("Software Engineer", "Senior Software Engineer", "Systems Administrator", "Developer", "DevOps Engineer", "Data Engineer", "IT Specialist"),
    "finance": ("Accountant", "Financial Analyst", "Staff Accountant", "Billing Specialist"),
    "operations": ("Operations Analyst", "Operations Coordinator", "Logistics Coordinator", "Buyer"),
    "HR": ("Recruiter", "HR Generalist", "Talent Acquisition Specialist", "HR Coordinator"),
    "other": ("Consultant", "Student", "Intern", "Analyst", "Customer Success Associate", "Freelancer"),
}

_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
    "Mark Margaret Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol "
    "Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Sharon "
    "Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas Anna Eric Ruth Jonathan Brenda Stephen "
    "Pamela Larry Nicole Justin Katherine Scott Samantha Brandon Christine Benjamin Emma Samuel Catherine "
    "Priya Wei Mohammed Sofia Lukas Chloe Mateo Aisha Hiroshi Fatima Olivier Ingrid Raj Mei Diego Leila"
).split()
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Patel Chen Muller Dubois Schmidt Rossi Tanaka Singh Kowalski Jansen Okafor Larsen Novak Fischer"
).split()
_COMPANY_A = (
    "Apex Blue Summit North Bright Silver Granite Harbor Pioneer Vertex Crest Lumen Cedar Atlas Nova Orion "
    "Evergreen Redwood Keystone Beacon Iron Clear Swift Union Prime Sterling Meridian Horizon Falcon Pacific "
    "Liberty Quantum Delta Tri-State Lakeside Riverbend Oak Maple Coastal Frontier Metro Alpine Signal Anchor "
    "Bridgewater Copper Highland Heritage Insight Paragon"
).split()
_COMPANY_B = (
    "Systems Labs Industries Partners Group Solutions Health Logistics Foods Manufacturing Networks Analytics "
    "Holdings Technologies Dynamics Capital Works Supply Electronics Services Insurance Bank Energy Media "
    "Devices Consulting Retail Materials Motors Pharma"
).split()
_COMPANY_SUFFIX = ("Inc.", "LLC", "Corp.", "Co.", "Ltd", "", "", "")
_FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")

_DAY = 86_400
_HOUR = 3_600
NAT = np.iinfo(np.int64).min


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Channel:
    """A marketing channel (``leads.source``) and how its leads behave.

    Parameters
    ----------
    name : str
        Source label as the CRM records it.
    share : float
        Share of inquiries (normalised over channels).
    cost_per_lead : float
        Program cost per inquiry (drives the ``spend`` table).
    intent : float
        Effect on the log-odds of conversion (a rep asked for = high intent).
    touches_before : float
        Mean marketing touches before the inquiry (anonymous visits later attributed).
    touches_early : float
        Mean marketing touches in the first ``score_after_days`` days after it.
    first_touch : str
        Activity type of the inquiry itself.
    """

    name: str
    share: float
    cost_per_lead: float
    intent: float
    touches_before: float
    touches_early: float
    first_touch: str


@dataclass(frozen=True)
class SalesRegime:
    """How marketing qualifies and sales works leads in one period (before/after alignment).

    Parameters
    ----------
    mql_min_touches : int
        Marketing touches needed (inbound calls are always MQLs).
    mql_min_score : int
        Fit points + marketing touches needed.
    mql_min_fit : int
        Fit points needed (0 = none).
    reject_low_fit, reject_other : float
        Probability that sales rejects an MQL with fit points below ``low_fit_points`` /
        with enough fit, before any touch ("Not a fit").
    response : dict
        Shares of accepted MQLs by first-response bucket (<1h, 1-24h, >24h, never).
    under_worked_share : float
        Share of touched MQLs that get only 1-3 touches, whatever the plateau.
    touches_mean : float
        Other touched MQLs get ``1 + Poisson(touches_mean)`` touches (capped).
    """

    mql_min_touches: int
    mql_min_score: int
    mql_min_fit: int
    reject_low_fit: float
    reject_other: float
    response: dict
    under_worked_share: float
    touches_mean: float


def _channels(**over: dict) -> tuple[Channel, ...]:
    base = {
        "Inbound Call": (0.04, 180.0, 2.5, 2.5, 1.2, "inbound_call"),
        "Referral": (0.05, 90.0, 1.2, 1.0, 1.0, "web_visit"),
        "Webinar": (0.10, 70.0, 0.5, 1.0, 1.4, "webinar"),
        "Content Download": (0.17, 55.0, 0.0, 1.5, 1.4, "content_download"),
        "Organic Search": (0.14, 25.0, 0.2, 2.0, 1.1, "web_visit"),
        "Paid Search": (0.13, 110.0, 0.0, 1.0, 1.0, "web_visit"),
        "Trade Show": (0.07, 220.0, 0.5, 0.5, 0.8, "event"),
        "Paid Social": (0.25, 20.0, -1.4, 0.6, 0.8, "web_visit"),
        "Content Syndication": (0.05, 35.0, -0.8, 0.3, 0.6, "content_download"),
    }
    for name, changes in over.items():
        cur = dict(zip(("share", "cost_per_lead", "intent", "touches_before", "touches_early", "first_touch"), base[name]))
        cur.update(changes)
        base[name] = tuple(cur.values())
    return tuple(Channel(name, *v) for name, v in base.items())


@dataclass(frozen=True)
class SynthConfig:
    """Everything the generator plants: sizes, dates, and the truths a module must recover.

    Use :meth:`replace` to change fields (``SCENARIOS["alt"].replace(n_leads=3000, seed=11)``).
    Log-odds effects act on ``q``, the probability that a *worked* MQL becomes an SQL;
    win effects act on the win probability of an opportunity.
    """

    name: str = "Northwind Analytics (synthetic sample)"
    scenario: str = "sample"
    seed: int = 42
    n_leads: int = 5000
    n_accounts: int | None = None  # default: n_leads / 12.5
    start: str = "2022-01-01"  # first day of the exported history
    months: int = 36
    burn_in_months: int = 9  # history simulated before the export window (its deals appear without a lead)
    timezone: str = "America/New_York"
    currency: str = "USD"
    lead_growth_monthly: float = 0.025
    seasonality: float = 0.08
    channels: tuple[Channel, ...] = field(default_factory=_channels)
    low_fit_source: str = "Paid Social"
    # --- ideal customer profile
    icp_sic_major_groups: tuple[str, ...] = ("73", "36")
    icp_industry_share: float = 0.26  # share of accounts in the ICP major groups
    icp_employee_range: tuple[int, int] = (201, 1000)  # inclusive
    winning_seniorities: tuple[str, ...] = ("C-level", "VP")
    winning_functions: tuple[str, ...] = ("marketing", "sales")
    low_fit_points: int = 2  # fit points below this = low fit
    conv_base: float = -1.9
    conv_industry: float = 1.0
    conv_size: float = 0.7
    conv_seniority: dict = field(default_factory=lambda: {"C-level": 0.6, "VP": 0.6, "Director": 0.3, "Manager": 0.0, "Individual": -0.3})
    conv_function: dict = field(default_factory=lambda: {"marketing": 0.4, "sales": 0.4, "IT": 0.0, "finance": -0.1, "operations": 0.0, "HR": -0.2, "other": -0.3})
    conv_engagement: float = 0.7  # per log(1 + marketing touches up to the scoring moment)
    win_base: float = -1.75
    win_industry: float = 0.8
    win_size: float = 0.7
    win_seniority: float = 1.1  # winning seniorities
    win_function: float = 0.9  # winning functions
    deal_median: float = 30_000.0
    deal_sigma: float = 0.5
    deal_industry: float = 0.35  # log multiplier of the amount in the ICP industries
    deal_size: float = 0.3  # log multiplier of the amount in the ICP employee band
    # --- sales process
    touches_plateau: int = 6
    touches_curvature: float = 0.8  # g(k) = (min(k, plateau) / plateau) ** curvature
    max_touches: int = 14
    response_effect: dict = field(default_factory=lambda: {"<1h": 1.0, "1-24h": 0.75, ">24h": 0.5})
    sql_to_opportunity: float = 0.85
    leak_stage: str = "sal->sql"
    leak_cause: str = "under-worked"
    before: SalesRegime = field(
        default_factory=lambda: SalesRegime(
            mql_min_touches=2, mql_min_score=5, mql_min_fit=0, reject_low_fit=0.12, reject_other=0.03,
            response={"<1h": 0.15, "1-24h": 0.40, ">24h": 0.32, "never": 0.13},
            under_worked_share=0.45, touches_mean=6.5,
        )
    )
    after: SalesRegime = field(
        default_factory=lambda: SalesRegime(
            mql_min_touches=2, mql_min_score=5, mql_min_fit=1, reject_low_fit=0.12, reject_other=0.03,
            response={"<1h": 0.38, "1-24h": 0.42, ">24h": 0.15, "never": 0.05},
            under_worked_share=0.2, touches_mean=7.0,
        )
    )
    alignment_start: str | None = "2023-07-01"
    alignment_effective: bool = True  # False: the program "started" but changed nothing
    n_reps: int | None = 6  # None: one rep per ~800 leads
    n_aes: int | None = 4
    rep_spread: float = 0.3  # how uneven reps are (under-working, speed)
    # --- scoring
    score_after_days: int = 7
    horizon_days: int = 90
    leaky_column: str = "budget_confirmed"
    leaky_kind: str = "yes_no"  # or "amount"
    # --- realism
    recycled_share: float = 0.03
    no_account_share: float = 0.03
    quirks: bool = True
    plan_growth_monthly: float = 0.04

    def replace(self, **changes: Any) -> SynthConfig:
        """A copy with ``changes`` applied (unknown names raise ``ValueError``)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"Unknown generator setting(s) {unknown}; known settings: {sorted(names)}.")
        return dataclasses.replace(copy.deepcopy(self), **copy.deepcopy(changes))

    def to_dict(self) -> dict:
        """Plain types only (YAML-able)."""
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> SynthConfig:
        """Inverse of :meth:`to_dict`."""
        d = dict(data)
        if "channels" in d:
            d["channels"] = tuple(Channel(**c) for c in d["channels"])
        for key in ("before", "after"):
            if key in d and isinstance(d[key], dict):
                d[key] = SalesRegime(**d[key])
        for key in ("icp_sic_major_groups", "icp_employee_range", "winning_seniorities", "winning_functions"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)

    # ----- derived
    @property
    def export_date(self) -> dt.date:
        """The day after the last exported day (the export ran at midnight)."""
        s = dt.date.fromisoformat(self.start)
        y, m = divmod(s.month - 1 + self.months, 12)
        return dt.date(s.year + y, m + 1, 1)

    def validate(self) -> None:
        """Raise ``ValueError`` when the settings cannot produce a coherent organization."""
        if self.n_leads < 50:
            raise ValueError("A synthetic organization needs at least 50 leads.")
        if self.months < 12:
            raise ValueError("A synthetic organization needs at least 12 months of history.")
        names = [c.name for c in self.channels]
        if self.low_fit_source not in names:
            raise ValueError(f"low_fit_source '{self.low_fit_source}' is not one of the channels {names}.")
        if "Inbound Call" not in names:
            raise ValueError("The channels must include 'Inbound Call' (a prospect asking for a rep).")
        for c in self.channels:
            if c.first_touch not in MARKETING_TYPES:
                raise ValueError(f"Channel {c.name}: first_touch must be one of {MARKETING_TYPES}.")
        for g in self.icp_sic_major_groups:
            if g not in INDUSTRY_MIX:
                raise ValueError(f"ICP major group {g} is not in the industry mix {sorted(INDUSTRY_MIX)}.")
        for s in self.winning_seniorities:
            if s not in SENIORITIES:
                raise ValueError(f"Unknown seniority {s}; use {SENIORITIES}.")
        for f in self.winning_functions:
            if f not in FUNCTIONS:
                raise ValueError(f"Unknown function {f}; use {FUNCTIONS}.")
        if self.leak_stage not in TRANSITIONS:
            raise ValueError(f"leak_stage must be one of {TRANSITIONS}.")
        if self.leaky_kind not in ("yes_no", "amount"):
            raise ValueError("leaky_kind must be 'yes_no' or 'amount'.")
        if not 2 <= self.touches_plateau <= self.max_touches:
            raise ValueError("touches_plateau must be between 2 and max_touches.")
        # Every opportunity must fall within the horizon of its scoring moment (exact p_true).
        if _max_lag_days(self) >= self.horizon_days:
            raise ValueError(
                f"horizon_days={self.horizon_days} is shorter than the longest MQL-to-opportunity lag "
                f"({_max_lag_days(self):.0f} days with max_touches={self.max_touches}); raise it or lower max_touches."
            )
        for reg in (self.before, self.after):
            if abs(sum(reg.response.values()) - 1) > 1e-9 or set(reg.response) != set(BUCKETS):
                raise ValueError(f"Response shares must cover {BUCKETS} and sum to 1.")
        if self.alignment_start is not None:
            a = dt.date.fromisoformat(self.alignment_start)
            if not dt.date.fromisoformat(self.start) < a < self.export_date:
                raise ValueError("alignment_start must fall inside the exported history.")


def _max_lag_days(cfg: SynthConfig) -> float:
    # first response <= 7 days, gaps <= 4 days, SQL <= 2 days after the last touch, deal <= 14 days after SQL
    return 7 + 4 * (cfg.max_touches - 1) + 2 + 14


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {(k if isinstance(k, str | int) else str(k)): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float):
        return round(v, 6)
    return v


def _alt_config() -> SynthConfig:
    s = SynthConfig()
    return s.replace(
        name="Contoso Health Cloud (synthetic alternative)",
        scenario="alt",
        seed=7,
        start="2021-07-01",
        lead_growth_monthly=0.015,
        channels=_channels(**{
            "Content Syndication": {"share": 0.34, "cost_per_lead": 18.0, "intent": -1.6, "touches_before": 0.3, "touches_early": 0.7},
            "Paid Social": {"share": 0.05, "cost_per_lead": 60.0, "intent": -0.2},
            "Inbound Call": {"share": 0.05, "intent": 1.4},
            "Content Download": {"share": 0.13},
            "Organic Search": {"share": 0.12},
            "Paid Search": {"share": 0.11},
        }),
        low_fit_source="Content Syndication",
        icp_sic_major_groups=("80", "63"),
        icp_industry_share=0.24,
        icp_employee_range=(501, 5000),
        winning_seniorities=("Director",),
        winning_functions=("IT", "operations"),
        conv_base=-1.1,
        conv_industry=1.1,
        conv_size=0.9,
        conv_seniority={"C-level": -0.3, "VP": 0.1, "Director": 1.0, "Manager": 0.9, "Individual": -0.5},
        conv_function={"marketing": -0.3, "sales": -0.2, "IT": 0.9, "finance": -0.2, "operations": 0.8, "HR": -0.4, "other": -0.4},
        conv_engagement=0.25,
        win_base=-1.95,
        win_industry=1.4,
        win_size=0.8,
        win_seniority=1.2,
        win_function=1.0,
        deal_median=45_000.0,
        deal_industry=0.4,
        deal_size=0.4,
        touches_plateau=4,
        touches_curvature=0.7,
        max_touches=10,
        response_effect={"<1h": 1.0, "1-24h": 0.85, ">24h": 0.6},
        sql_to_opportunity=0.8,
        leak_stage="mql->sal",
        leak_cause="low-fit",
        before=SalesRegime(
            mql_min_touches=1, mql_min_score=2, mql_min_fit=0, reject_low_fit=0.92, reject_other=0.06,
            response={"<1h": 0.30, "1-24h": 0.45, ">24h": 0.17, "never": 0.08},
            under_worked_share=0.12, touches_mean=3.5,
        ),
        after=SalesRegime(
            mql_min_touches=1, mql_min_score=3, mql_min_fit=0, reject_low_fit=0.92, reject_other=0.06,
            response={"<1h": 0.55, "1-24h": 0.36, ">24h": 0.07, "never": 0.02},
            under_worked_share=0.03, touches_mean=4.5,
        ),
        alignment_start="2022-10-01",
        n_reps=5,
        n_aes=3,
        score_after_days=3,
        horizon_days=60,
        leaky_column="expected_deal_value",
        leaky_kind="amount",
        plan_growth_monthly=0.03,
    )


#: Named scenarios. ``sample`` is committed as ``datasets/sample``; ``alt`` plants different
#: truths; ``alt_no_change`` is ``alt`` whose alignment program changed nothing (false-positive checks).
SCENARIOS: dict[str, SynthConfig] = {"sample": SynthConfig()}
SCENARIOS["alt"] = _alt_config()
SCENARIOS["alt_no_change"] = SCENARIOS["alt"].replace(scenario="alt_no_change", alignment_effective=False)


# --------------------------------------------------------------------------- result


@dataclass
class SynthOrg:
    """A generated organization.

    Attributes
    ----------
    config : SynthConfig
    tables : dict of DataFrame
        Raw tables as written (``accounts``, ``leads``, ``activities``, ``opportunities``,
        ``spend``, ``plan``); timestamps are local ``datetime64[s]`` (NaT when empty).
    truths : dict
        The planted truths (written to ``truths.yml``).
    lead_truths : DataFrame
        One row per lead: ``lead_id``, ``p_true`` and the lead's true segment labels.
    """

    config: SynthConfig
    tables: dict[str, pd.DataFrame]
    truths: dict
    lead_truths: pd.DataFrame


# --------------------------------------------------------------------------- time helpers


def _local_midnight_utc(day: dt.date | str, tz: str) -> int:
    ts = pd.Timestamp(str(day)).tz_localize(tz).tz_convert("UTC")
    return int(ts.value // 1_000_000_000)


def _ambiguous_windows(tz: str, lo: int, hi: int) -> np.ndarray:
    """UTC second ranges whose local wall time is ambiguous (the repeated DST hour)."""
    step = 900  # quarter hours: offsets change on the hour, half hour or quarter hour
    lo = (int(lo) // _DAY - 2) * _DAY
    grid = np.arange(lo, hi + 2 * _DAY, step, dtype=np.int64)
    local = pd.DatetimeIndex(grid.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    dup = pd.Index(local).duplicated(keep=False)
    if not dup.any():
        return np.empty((0, 2), dtype=np.int64)
    starts = grid[dup]
    brk = np.r_[True, np.diff(starts) > step]  # merge consecutive quarter hours into windows
    a = starts[brk]
    b = starts[np.r_[brk[1:], True]] + step
    return np.stack([a, b], axis=1)


def _avoid_ambiguous(sec: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Squeeze times around each ambiguous window so none falls inside (order preserved).

    Times in ``[a - 2h, b + 2h)`` are mapped linearly onto ``[a - 2h, a) U [b, b + 2h)``;
    times elsewhere do not move.
    """
    out = sec.copy()
    ok = sec != NAT
    for a, b in windows:
        lo, hi = a - 2 * _HOUR, b + 2 * _HOUR
        m = ok & (sec >= lo) & (sec < hi)
        if not m.any():
            continue
        good = (a - lo) + (hi - b)
        y = lo + (sec[m] - lo) * good // (hi - lo)
        y = np.where(y >= a, y + (b - a), y)
        out[m] = y
    return out


def _utc_offsets(tz: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants where ``tz`` changes its offset, and the offset (seconds) from each one on."""
    lo = (int(lo) // _DAY - 2) * _DAY
    hours = np.arange(lo, hi + 2 * _DAY, _HOUR, dtype=np.int64)
    local = pd.DatetimeIndex(hours.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
    off = local.to_numpy().astype("datetime64[s]").astype(np.int64) - hours
    change = np.flatnonzero(np.diff(off) != 0) + 1
    starts = [hours[0]]
    for i in change:  # refine each change to the minute
        mins = np.arange(hours[i - 1], hours[i] + 60, 60, dtype=np.int64)
        lm = pd.DatetimeIndex(mins.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
        mo = lm.to_numpy().astype("datetime64[s]").astype(np.int64) - mins
        starts.append(mins[np.argmax(mo == off[i])])
    return np.array(starts, dtype=np.int64), np.r_[off[0], off[change]]


def _to_local(sec: np.ndarray, tz: str, windows: np.ndarray, offsets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """UTC seconds (NAT for missing) -> local naive ``datetime64[s]`` (NaT for missing)."""
    s = _avoid_ambiguous(sec, windows)
    starts, off = offsets
    ok = s != NAT
    i = np.clip(np.searchsorted(starts, s, side="right") - 1, 0, off.size - 1)
    out = np.where(ok, s + off[i], NAT)
    return out.astype("datetime64[s]")


_TWO_DIGITS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _format_ts(values: np.ndarray) -> pd.Series:
    """``datetime64`` -> "YYYY-MM-DD HH:MM:SS" text (missing for NaT), vectorised.

    Builds the ASCII bytes with integer arithmetic (civil-from-days) and hands them to
    Arrow as a string array: about 0.4 s per million timestamps.
    """
    v = np.asarray(values).astype("datetime64[s]").astype(np.int64)
    nat = v == NAT
    v = np.where(nat, 0, v)
    days = np.floor_divide(v, _DAY)
    sec = (v - days * _DAY).astype(np.int32)
    z = (days + 719468).astype(np.int32)
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    hh, rem = sec // 3600, sec % 3600
    out = np.empty((v.size, 19), dtype=np.uint8)
    out[:, 4] = out[:, 7] = ord("-")
    out[:, 10] = ord(" ")
    out[:, 13] = out[:, 16] = ord(":")
    for col, val in ((0, y // 100), (2, y % 100), (5, m), (8, d), (11, hh), (14, rem // 60), (17, rem % 60)):
        out[:, col : col + 2] = _TWO_DIGITS[val]
    offsets = np.arange(0, (v.size + 1) * 19, 19, dtype=np.int32)
    valid = pa.py_buffer(np.packbits(~nat, bitorder="little"))
    arr = pa.StringArray.from_buffers(v.size, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1)), valid, int(nat.sum()))
    return pd.Series(arr.to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow", na_value=np.nan)))


# --------------------------------------------------------------------------- model pieces


def _fit_points(cfg: SynthConfig, ind, size, sen_win, fun_win) -> np.ndarray:
    return 2 * ind + 1 * size + 2 * sen_win + 1 * fun_win


def _q_logit(cfg: SynthConfig, L: dict) -> np.ndarray:
    sen_eff = np.array([cfg.conv_seniority[s] for s in SENIORITIES])
    fun_eff = np.array([cfg.conv_function[f] for f in FUNCTIONS])
    src_eff = np.array([c.intent for c in cfg.channels])
    return (
        cfg.conv_base
        + cfg.conv_industry * L["ind"]
        + cfg.conv_size * L["size"]
        + sen_eff[L["sen"]]
        + fun_eff[L["fun"]]
        + src_eff[L["src"]]
        + cfg.conv_engagement * np.log1p(L["eng"])
    )


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _win_prob(cfg: SynthConfig, L: dict) -> np.ndarray:
    return _sigmoid(
        cfg.win_base + cfg.win_industry * L["ind"] + cfg.win_size * L["size"]
        + cfg.win_seniority * L["sen_win"] + cfg.win_function * L["fun_win"]
    )


def _deal_log_median(cfg: SynthConfig, L: dict) -> np.ndarray:
    return math.log(cfg.deal_median) + cfg.deal_industry * L["ind"] + cfg.deal_size * L["size"]


def _mql_rule(reg: SalesRegime, fit, eng, inbound) -> tuple[np.ndarray, np.ndarray]:
    """(is MQL, touches needed to cross the rule) under ``reg``."""
    need = np.maximum(reg.mql_min_touches, reg.mql_min_score - fit)
    need = np.maximum(need, 1)
    mql = (eng >= need) & (fit >= reg.mql_min_fit)
    mql = mql | inbound
    need = np.where(inbound, 1, need)
    return mql, need


def _touch_curve(cfg: SynthConfig) -> np.ndarray:
    """g(k) for k = 0..max_touches."""
    k = np.arange(cfg.max_touches + 1)
    g = (np.minimum(k, cfg.touches_plateau) / cfg.touches_plateau) ** cfg.touches_curvature
    g[0] = 0.0
    return g


def _touches_pmf(cfg: SynthConfig, under: float, mean: float) -> np.ndarray:
    """P(k touches | touched) for k = 0..max_touches (k=0 has probability 0)."""
    K = cfg.max_touches
    ku = max(1, min(3, cfg.touches_plateau - 1))
    p = np.zeros(K + 1)
    p[1 : ku + 1] += under / ku
    j = np.arange(K - 1)  # k = 1 + j, j = 0..K-2; tail mass at k = K
    logpmf = -mean + j * math.log(mean) - np.array([math.lgamma(x + 1) for x in j])
    pm = np.exp(logpmf)
    reg = np.r_[pm, max(0.0, 1 - pm.sum())]
    p[1:] += (1 - under) * reg
    return p


@dataclass
class _Reps:
    names: np.ndarray
    under_mult: np.ndarray
    speed: np.ndarray


def _rep_tables(cfg: SynthConfig, reps: _Reps, reg: SalesRegime) -> dict[str, np.ndarray]:
    """Per-rep process distributions under ``reg``."""
    base = np.array([reg.response[b] for b in BUCKETS])
    w = np.stack([reps.speed, np.ones_like(reps.speed), 1 / reps.speed, 1 / reps.speed], axis=1)
    resp = base[None, :] * w
    resp = resp / resp.sum(axis=1, keepdims=True)
    under = np.clip(reg.under_worked_share * reps.under_mult, 0, 0.95)
    g = _touch_curve(cfg)
    pmf = np.stack([_touches_pmf(cfg, u, reg.touches_mean) for u in under])  # reps x (K+1)
    G = pmf @ g  # E[g(k) | touched]
    m = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    A = (resp * m[None, :]).sum(axis=1) * G  # P(SQL | accepted, q=1)
    return {"resp": resp, "under": under, "pmf": pmf, "G": G, "A": A, "touched": 1 - resp[:, 3]}


# --------------------------------------------------------------------------- generation


def _months(cfg: SynthConfig) -> tuple[np.ndarray, int]:
    s = np.datetime64(cfg.start[:7], "M")
    m = np.arange(s - cfg.burn_in_months, s + cfg.months, dtype="datetime64[M]")
    return m, cfg.burn_in_months


_SEASON = np.array([0.3, 0.5, 0.6, 0.3, 0.2, -0.2, -0.8, -0.8, 0.4, 0.6, 0.2, -1.0])


def _accounts(cfg: SynthConfig, rng: np.random.Generator, n_acc: int) -> dict[str, np.ndarray]:
    sic = pd.read_csv(paths.SIC_CODES, dtype=str)
    groups = np.array(list(INDUSTRY_MIX))
    w = np.array([INDUSTRY_MIX[g][1] for g in groups])
    icp = np.isin(groups, cfg.icp_sic_major_groups)
    w = np.where(icp, 0.0, w / w[~icp].sum() * (1 - cfg.icp_industry_share))
    w[icp] = cfg.icp_industry_share / icp.sum()
    gi = rng.choice(len(groups), size=n_acc, p=w)
    major = groups[gi]
    codes = np.empty(n_acc, dtype=object)
    u = rng.random(n_acc)
    for k, g in enumerate(groups):
        sel = gi == k
        if sel.any():
            pool = sic.loc[sic["industry_group"] == g, "sic_code"].to_numpy(dtype=object)
            codes[sel] = pool[(u[sel] * len(pool)).astype(int)]
    employees = np.clip(np.round(np.exp(rng.normal(math.log(150), 1.5, n_acc))), 2, 250_000).astype(np.int64)
    rev = employees * np.exp(rng.normal(math.log(180_000), 0.5, n_acc))
    revenue = np.round(rev, -4)
    locations = 1 + rng.poisson(np.maximum(0.0, (employees / 120.0) ** 0.6 - 0.6))
    cw = np.array([c[2] for c in COUNTRIES])
    ci = rng.choice(len(COUNTRIES), size=n_acc, p=cw / cw.sum())
    a = np.array(_COMPANY_A, dtype=object)[rng.integers(len(_COMPANY_A), size=n_acc)]
    b = np.array(_COMPANY_B, dtype=object)[rng.integers(len(_COMPANY_B), size=n_acc)]
    suf = np.array(_COMPANY_SUFFIX, dtype=object)[rng.integers(len(_COMPANY_SUFFIX), size=n_acc)]
    name = pd.Series(a + " " + b + " " + suf).str.strip().to_numpy(dtype=object)
    lo, hi = cfg.icp_employee_range
    return {
        "name": name,
        "industry": np.array([INDUSTRY_MIX[g][0] for g in major], dtype=object),
        "sic_code": codes,
        "major": major,
        "annual_revenue": revenue,
        "employees": employees,
        "locations": locations,
        "country_i": ci,
        "ind": np.isin(major, cfg.icp_sic_major_groups).astype(np.int8),
        "size": ((employees >= lo) & (employees <= hi)).astype(np.int8),
    }


def _title_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat array of titles and, per (seniority, function) cell, offset and count."""
    titles: list[str] = []
    off = np.zeros((len(SENIORITIES), len(FUNCTIONS)), dtype=np.int64)
    cnt = np.zeros_like(off)
    for i, s in enumerate(SENIORITIES):
        for j, f in enumerate(FUNCTIONS):
            if s == "C-level":
                cell = list(_C_LEVEL[f])
            elif s == "Individual":
                cell = list(_INDIVIDUAL[f])
            else:
                cell = [p.format(f=w) for p in _PATTERNS[s] for w in _FUNCTION_WORDS[f]]
            off[i, j] = len(titles)
            cnt[i, j] = len(cell)
            titles += cell
    return np.array(titles, dtype=object), off, cnt


def _choice_sorted(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)


def _group_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For repeated rows: owner index and position within the owner (0-based)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(owner.size) - np.repeat(starts, counts)
    return owner, pos


def generate(config: SynthConfig) -> SynthOrg:
    """Generate an organization's raw tables and planted truths.

    Parameters
    ----------
    config : SynthConfig
        Sizes, dates and the truths to plant (see :data:`SCENARIOS`).

    Returns
    -------
    SynthOrg
    """
    cfg = config
    cfg.validate()
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 20240917]))
    tz = cfg.timezone
    chan_names = [c.name for c in cfg.channels]
    n_ch = len(chan_names)
    low_fit_ch = chan_names.index(cfg.low_fit_source)
    inbound_ch = chan_names.index("Inbound Call")

    # ---------------------------------------------------------------- time line
    months, n_burn_m = _months(cfg)
    t_start = _local_midnight_utc(cfg.start, tz)
    t_export = _local_midnight_utc(cfg.export_date, tz)
    t_align = (
        _local_midnight_utc(cfg.alignment_start, tz)
        if cfg.alignment_start is not None and cfg.alignment_effective
        else np.iinfo(np.int64).max
    )
    m_idx = np.arange(len(months)) - n_burn_m
    cal = months.astype(int) % 12
    weight = (1 + cfg.lead_growth_monthly) ** m_idx * (1 + cfg.seasonality * _SEASON[cal])
    win = m_idx >= 0
    counts = np.zeros(len(months), dtype=np.int64)
    counts[win] = rng.multinomial(cfg.n_leads, weight[win] / weight[win].sum())
    n_burn = int(round(cfg.n_leads * weight[~win].sum() / weight[win].sum()))
    counts[~win] = rng.multinomial(n_burn, weight[~win] / weight[~win].sum())
    n = int(counts.sum())
    month_of = np.repeat(np.arange(len(months)), counts)
    m_start = np.array([_local_midnight_utc(str(m), tz) for m in months.astype("datetime64[D]")], dtype=np.int64)
    m_end = np.r_[m_start[1:], _local_midnight_utc(str((months[-1] + 1).astype("datetime64[D]")), tz)]
    day_len = (m_end - m_start) // _DAY
    day = (rng.random(n) * day_len[month_of]).astype(np.int64)
    # time of day: mostly business hours (local), some evenings
    hour = np.where(rng.random(n) < 0.85, rng.normal(12.5, 2.6, n), rng.uniform(6, 23.5, n))
    hour = np.clip(hour, 6.0, 23.9)
    created = m_start[month_of] + day * _DAY + (hour * _HOUR).astype(np.int64)
    created = np.minimum(created, m_end[month_of] - 60)
    order = np.argsort(created, kind="stable")
    created = created[order]
    month_of = month_of[order]
    exported = created >= t_start
    period = (created >= t_align).astype(np.int8)  # 0 before, 1 after the alignment start
    S = cfg.score_after_days * _DAY
    scoring = created + S

    # ---------------------------------------------------------------- accounts and people
    n_acc = cfg.n_accounts or max(40, int(round(cfg.n_leads / 12.5)))
    A = _accounts(cfg, rng, n_acc)
    shares = np.array([c.share for c in cfg.channels])
    src = rng.choice(n_ch, size=n, p=shares / shares.sum())
    low = src == low_fit_ch
    w_norm = A["employees"].astype(float) ** 0.35
    w_low = w_norm * np.where(A["ind"] == 1, 0.25, 1.0) * np.where(A["size"] == 1, 0.5, 1.0)
    acc = np.where(
        low,
        _choice_sorted(rng, np.cumsum(w_low), n),
        _choice_sorted(rng, np.cumsum(w_norm), n),
    )
    no_acc = rng.random(n) < cfg.no_account_share
    acc = np.where(no_acc, -1, acc)
    sen_p = np.array([0.06, 0.10, 0.18, 0.28, 0.38])
    sen_low = np.array([0.02, 0.04, 0.08, 0.20, 0.66])
    sen = np.where(low, rng.choice(5, size=n, p=sen_low), rng.choice(5, size=n, p=sen_p))
    fun = rng.choice(7, size=n, p=[0.24, 0.18, 0.18, 0.10, 0.12, 0.07, 0.11])
    first_i = rng.integers(len(_FIRST), size=n)
    last_i = rng.integers(len(_LAST), size=n)
    email_fmt = rng.integers(3, size=n)
    phone_n = rng.integers(0, 10_000, size=n)
    area = rng.integers(10, size=n)  # index of the area code (US/Canada phones)
    lead_country_other = rng.random(n) < 0.05
    lead_country_i = np.where(
        (acc < 0) | lead_country_other,
        rng.choice(len(COUNTRIES), size=n, p=np.array([c[2] for c in COUNTRIES]) / sum(c[2] for c in COUNTRIES)),
        np.where(acc >= 0, A["country_i"][np.maximum(acc, 0)], 0),
    )
    title_u = rng.random(n)
    case_u = rng.random(n)
    band_shift = rng.choice(np.array([-1, 0, 0, 0, 0, 0, 0, 1]), size=n)
    band_blank = rng.random(n) < 0.12

    # recycled leads: the same person entering again 30-365 days after an earlier lead
    orig = np.arange(n)
    rec = rng.random(n) < cfg.recycled_share
    lo = np.searchsorted(created, created - 365 * _DAY, side="left")
    hi = np.searchsorted(created, created - 30 * _DAY, side="right")
    pick = lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)
    rec &= hi > lo
    orig = np.where(rec, pick, orig)
    for _ in range(20):  # resolve chains (an original that is itself recycled)
        nxt = orig[orig]
        if np.array_equal(nxt, orig):
            break
        orig = nxt
    acc, sen, fun, first_i, last_i = acc[orig], sen[orig], fun[orig], first_i[orig], last_i[orig]
    email_fmt, phone_n, area, lead_country_i = email_fmt[orig], phone_n[orig], area[orig], lead_country_i[orig]
    title_u, case_u, band_shift, band_blank = title_u[orig], case_u[orig], band_shift[orig], band_blank[orig]

    has_acc = acc >= 0
    accc = np.maximum(acc, 0)
    ind = np.where(has_acc, A["ind"][accc], 0).astype(np.int8)
    size = np.where(has_acc, A["size"][accc], 0).astype(np.int8)
    sen_win = np.isin(np.array(SENIORITIES)[sen], cfg.winning_seniorities).astype(np.int8)
    fun_win = np.isin(np.array(FUNCTIONS)[fun], cfg.winning_functions).astype(np.int8)
    fit = _fit_points(cfg, ind, size, sen_win, fun_win)

    # ---------------------------------------------------------------- marketing engagement
    lam_pre = np.array([c.touches_before for c in cfg.channels])[src]
    lam_win = np.array([c.touches_early for c in cfg.channels])[src] * np.where(sen <= 1, 0.9, 1.0)
    n_pre = rng.poisson(lam_pre)
    n_win = rng.poisson(lam_win)
    eng = n_pre + 1 + n_win  # touches known at the scoring moment (the inquiry counts)
    inbound = src == inbound_ch
    regimes = (cfg.before, cfg.after if cfg.alignment_effective else cfg.before)
    mql = np.zeros(n, dtype=bool)
    need = np.ones(n, dtype=np.int64)
    for p_ in (0, 1):
        m_, nd = _mql_rule(regimes[p_], fit, eng, inbound)
        sel = period == p_
        mql[sel] = m_[sel]
        need[sel] = nd[sel]

    # window touches sorted within lead
    w_owner, _ = _group_positions(n_win)
    w_off = rng.random(w_owner.size)
    o = np.lexsort((w_off, w_owner))
    w_off = w_off[o]
    w_time = created[w_owner] + np.maximum(60, (w_off * S).astype(np.int64))
    w_time = np.minimum(w_time, scoring[w_owner] - 60)
    # the MQL moment: the touch that crosses the rule (the inquiry itself when enough before)
    j = need - n_pre - 1  # 1-based index among window touches; <= 0: at the inquiry
    win_start = np.cumsum(n_win) - n_win
    at_touch = mql & (j >= 1)
    cross = created.copy()
    if w_time.size:
        pos = np.minimum(win_start + np.maximum(j, 1) - 1, w_time.size - 1)
        cross = np.where(at_touch, w_time[pos], created)
    mql_at = np.where(mql, np.minimum(cross + rng.integers(60, 30 * 60, size=n), scoring - 1), NAT)

    pre_owner, _ = _group_positions(n_pre)
    pre_time = created[pre_owner] - (rng.random(pre_owner.size) * 45 * _DAY).astype(np.int64) - 300
    pre_type = rng.choice(np.array([0, 1, 3]), size=pre_owner.size, p=[0.8, 0.1, 0.1])
    win_type = rng.choice(np.array([0, 3, 1, 2]), size=w_owner.size, p=[0.45, 0.3, 0.15, 0.1])
    first_type = np.array([MARKETING_TYPES.index(c.first_touch) for c in cfg.channels])[src]

    # ---------------------------------------------------------------- reps and the sales process
    n_reps = cfg.n_reps or max(4, int(round(cfg.n_leads / 800)))
    rep_first = rng.integers(len(_FIRST), size=n_reps)
    rep_last = rng.integers(len(_LAST), size=n_reps)
    rep_names = np.array([f"{_FIRST[a]} {_LAST[b]}" for a, b in zip(rep_first, rep_last)], dtype=object)
    rep_names = _dedupe_names(rep_names)
    um = np.exp(rng.normal(0, cfg.rep_spread, n_reps))
    reps = _Reps(rep_names, um / um.mean(), np.exp(rng.normal(0, cfg.rep_spread, n_reps)))
    rep = rng.integers(n_reps, size=n)
    rep[:] = np.where(rec, rep[orig], rep)  # a recycled person usually goes back to the same rep
    tables_reg = [_rep_tables(cfg, reps, regimes[p_]) for p_ in (0, 1)]
    low_fit = fit < cfg.low_fit_points

    rej_p = np.where(
        period == 0,
        np.where(low_fit, regimes[0].reject_low_fit, regimes[0].reject_other),
        np.where(low_fit, regimes[1].reject_low_fit, regimes[1].reject_other),
    )
    rejected = mql & (rng.random(n) < rej_p)
    accepted = mql & ~rejected
    resp_cum = np.stack([np.cumsum(tables_reg[p_]["resp"], axis=1) for p_ in (0, 1)])  # 2 x reps x 4
    cum = resp_cum[period, rep]  # n x 4
    bucket = (rng.random(n)[:, None] > cum).sum(axis=1)
    bucket = np.minimum(bucket, 3)
    bucket = np.where(accepted, bucket, 3)
    touched = accepted & (bucket < 3)
    pmf_cum = np.stack([np.cumsum(tables_reg[p_]["pmf"], axis=1) for p_ in (0, 1)])
    kcum = pmf_cum[period, rep]  # n x (K+1)
    k = (rng.random(n)[:, None] > kcum).sum(axis=1)
    k = np.clip(k, 1, cfg.max_touches)
    k = np.where(touched, k, 0)
    delay = np.select(
        [bucket == 0, bucket == 1, bucket == 2],
        [rng.uniform(120, 3600, n), rng.uniform(3600, 24 * 3600, n), 24 * 3600 * np.exp(rng.uniform(0, math.log(7), n))],
        0.0,
    ).astype(np.int64)
    q = _sigmoid(_q_logit(cfg, {"ind": ind, "size": size, "sen": sen, "fun": fun, "src": src, "eng": eng}))
    g = _touch_curve(cfg)
    m_eff = np.array([cfg.response_effect[b] for b in BUCKETS[:3]] + [0.0])
    p_sql = np.where(touched, q * g[k] * m_eff[bucket], 0.0)
    is_sql = touched & (rng.random(n) < p_sql)
    is_opp = is_sql & (rng.random(n) < cfg.sql_to_opportunity)

    # sales touches
    s_owner, s_pos = _group_positions(k)
    gaps = np.where(s_pos == 0, delay[s_owner], rng.uniform(1 * _DAY, 4 * _DAY, s_owner.size).astype(np.int64))
    s_time = mql_at[s_owner] + _group_cumsum(gaps, k)
    s_type = rng.choice(np.array([0, 1, 3, 2]), size=s_owner.size, p=[0.42, 0.38, 0.12, 0.08])
    last = s_pos == k[s_owner] - 1
    s_type = np.where(last & is_sql[s_owner], 2, s_type)
    first_touch_at = np.full(n, NAT)
    last_touch_at = np.full(n, NAT)
    first_touch_at[s_owner[s_pos == 0]] = s_time[s_pos == 0]
    last_touch_at[s_owner[last]] = s_time[last]

    sal_at = np.where(touched, first_touch_at, NAT)
    sql_at = np.where(is_sql, last_touch_at + rng.integers(1800, 2 * _DAY, size=n), NAT)
    opp_at = np.where(is_opp, sql_at + rng.integers(3600, 14 * _DAY, size=n), NAT)

    # disqualification (codes into REASONS)
    reason = np.full(n, -1, dtype=np.int64)
    disq_at = np.full(n, NAT)
    worked_lost = touched & ~is_sql
    under_k = k < cfg.touches_plateau
    ru = np.array([0, 0, 1, 2])[rng.integers(4, size=n)]
    rl = 3 + rng.integers(5, size=n)
    disq_at = np.where(worked_lost, last_touch_at + rng.integers(1 * _DAY, 10 * _DAY, size=n), disq_at)
    reason = np.where(worked_lost, np.where(under_k, ru, rl), reason)
    sql_lost = is_sql & ~is_opp
    disq_at = np.where(sql_lost, sql_at + rng.integers(7 * _DAY, 30 * _DAY, size=n), disq_at)
    reason = np.where(sql_lost, 8 + rng.integers(2, size=n), reason)
    disq_at = np.where(rejected, mql_at + rng.integers(_HOUR, 72 * _HOUR, size=n), disq_at)
    reason = np.where(rejected, 10, reason)
    aged = accepted & (bucket == 3) & (rng.random(n) < 0.5)
    disq_at = np.where(aged, mql_at + rng.integers(60 * _DAY, 120 * _DAY, size=n), disq_at)
    reason = np.where(aged, 11, reason)
    junk = ~mql & (rng.random(n) < np.where(low, 0.35, 0.15))
    disq_at = np.where(junk, created + rng.integers(1 * _DAY, 30 * _DAY, size=n), disq_at)
    reason = np.where(junk, np.array([12, 13, 14, 10, 15])[rng.integers(5, size=n)], reason)

    # ---------------------------------------------------------------- opportunities
    L = {"ind": ind, "size": size, "sen": sen, "fun": fun, "sen_win": sen_win, "fun_win": fun_win, "src": src, "eng": eng}
    wp = _win_prob(cfg, L)
    won = is_opp & (rng.random(n) < wp)
    amount = np.exp(_deal_log_median(cfg, L) + rng.normal(0, cfg.deal_sigma, n))
    amount = np.round(amount, -2)
    cyc = np.where(
        won,
        np.clip(np.exp(rng.normal(math.log(55), 0.35, n)), 30, 120),
        np.clip(np.exp(rng.normal(math.log(45), 0.5, n)), 14, 150),
    )
    closed_at = np.where(is_opp, opp_at + (cyc * _DAY).astype(np.int64), NAT)
    margin = np.round(0.6 + 0.2 * rng.beta(4, 4, n), 3)
    n_aes = cfg.n_aes or max(3, n_reps // 2)
    ae_names = _dedupe_names(np.array(
        [f"{_FIRST[a]} {_LAST[b]}" for a, b in zip(rng.integers(len(_FIRST), size=n_aes), rng.integers(len(_LAST), size=n_aes))],
        dtype=object,
    ), taken=set(rep_names))
    ae = rng.integers(n_aes, size=n)

    # ---------------------------------------------------------------- post-scoring marketing touches
    n_post = rng.poisson(4.5, n) + np.where(is_opp, rng.poisson(1.5, n), 0)
    p_owner, _ = _group_positions(n_post)
    # nurture after the scoring moment; deals also bring touches after the SQL (never before scoring:
    # they depend on the outcome, so they must not change what is known at the scoring moment)
    after_sql = is_opp[p_owner] & (rng.random(p_owner.size) < 0.5)
    post_base = np.where(after_sql, np.maximum(sql_at[p_owner], scoring[p_owner]), scoring[p_owner])
    post_time = post_base + _HOUR + (rng.exponential(100, p_owner.size) * _DAY).astype(np.int64)
    post_type = rng.choice(np.array([3, 0, 2, 1]), size=p_owner.size, p=[0.45, 0.3, 0.12, 0.13])

    # ---------------------------------------------------------------- leaky column
    leak_u = rng.random(n)
    if cfg.leaky_kind == "yes_no":
        reached = sql_at != NAT  # codes: 0 "Yes", 1 "No", -1 empty
        leak_val = np.where(reached, np.where(leak_u < 0.9, 0, 1), -1)
        stray = ~reached & touched & (leak_u < 0.08)
        leak_val = np.where(stray, np.where(leak_u < 0.015, 0, 1), leak_val)
        leak_time = np.where(reached, sql_at, np.where(stray, last_touch_at, NAT))
    else:
        est = np.round(amount * np.exp(rng.normal(0, 0.25, n)), -3)
        reached = sql_at != NAT
        stray = ~reached & touched & (leak_u < 0.04)
        leak_val = np.where(reached | stray, est, np.nan)
        leak_time = np.where(reached, sql_at, np.where(stray, last_touch_at, NAT))

    # ---------------------------------------------------------------- censoring at the export date
    def cut(t):
        return np.where((t != NAT) & (t < t_export), t, NAT)

    mql_c, sal_c, sql_c, opp_c = cut(mql_at), cut(sal_at), cut(sql_at), cut(opp_at)
    disq_c = cut(disq_at)
    closed_c = cut(closed_at)
    leak_known = cut(leak_time) != NAT
    if cfg.leaky_kind == "yes_no":
        leak_out = np.where(leak_known, leak_val, -1)
    else:
        leak_out = np.where(leak_known, leak_val, np.nan)
    has_opp = opp_c != NAT
    won_c = has_opp & won & (closed_c != NAT)
    stage_no = {s_: i for i, s_ in enumerate(LEAD_STATUS)}  # codes into LEAD_STATUS labels
    status = np.full(n, stage_no["inquiry"])
    status = np.where(mql_c != NAT, stage_no["mql"], status)
    status = np.where(sal_c != NAT, stage_no["sal"], status)
    status = np.where(sql_c != NAT, stage_no["sql"], status)
    status = np.where((disq_c != NAT) & ~has_opp, stage_no["disqualified"], status)
    status = np.where(has_opp, stage_no["opportunity"], status)
    status = np.where(won_c, stage_no["won"], status)

    # ---------------------------------------------------------------- exact p_true
    p_true = np.zeros(n)
    for p_ in (0, 1):
        sel = period == p_
        p_true[sel] = (
            mql[sel] * (1 - rej_p[sel]) * tables_reg[p_]["A"][rep[sel]] * q[sel] * cfg.sql_to_opportunity
        )

    # ---------------------------------------------------------------- tables
    windows = _ambiguous_windows(tz, int(created.min()) - 400 * _DAY, t_export + 400 * _DAY)
    offsets = _utc_offsets(tz, int(created.min()) - 400 * _DAY, t_export + 400 * _DAY)
    ex = np.flatnonzero(exported)
    n_ex = ex.size
    lead_no = np.full(n, -1, dtype=np.int64)
    lead_no[ex] = np.arange(n_ex)
    width = max(7, len(str(n_ex)))
    lead_ids = _ids("L", np.arange(1, n_ex + 1), width)  # str Series, position = lead_no

    def loc(t):
        return _to_local(t, tz, windows, offsets)

    def lid(rows):  # lead ids of internal rows (NA for leads before the history)
        return pd.Categorical.from_codes(lead_no[rows], categories=pd.Index(lead_ids))

    acc_ids = _ids("A", np.arange(1, n_acc + 1), 6)
    first = _text(first_i[ex], _FIRST)
    last_n = _text(last_i[ex], _LAST)
    domains = list(_domains(A["name"])) + list(_FREE_MAIL)
    dom_code = np.where(has_acc, accc, n_acc + phone_n % len(_FREE_MAIL))
    # email local parts from a small table: (first, last, format) -> "jane.doe" / "jdoe" / "jane_doe"
    fl = [f.lower() for f in _FIRST]
    ll = [x.lower() for x in _LAST]
    local_tab = [
        (f"{f}.{x}", f"{f[0]}{x}", f"{f}_{x}")[k_] for f in fl for x in ll for k_ in range(3)
    ]
    local_code = (first_i * len(_LAST) + last_i) * 3 + email_fmt
    # two different people with the same address: the later one gets a number
    key = local_code.astype(np.int64) * (n_acc + len(_FREE_MAIL)) + dom_code
    base = orig == np.arange(n)
    kb = key[base]
    _, first_pos = np.unique(kb, return_index=True)
    clash_b = np.ones(kb.size, dtype=bool)
    clash_b[first_pos] = False
    suffix = np.zeros(n, dtype=np.int64)  # 0 = no number
    suffix[np.flatnonzero(base)[clash_b]] = 1 + np.flatnonzero(base)[clash_b] % 997
    suffix = suffix[orig]  # a recycled lead keeps the person's address
    email = (
        _text(local_code[ex], local_tab) + _text(suffix[ex], [""] + [str(i) for i in range(1, 998)])
        + "@" + _text(dom_code[ex], domains)
    )
    lc = lead_country_i[ex]
    areas = (212, 415, 617, 312, 206, 512, 303, 404, 646, 720)
    head_tab = [f"+1 ({a_}) 555-01" for a_ in areas] + ["+44 20 7946 0"] + [c[3] + " 555 0" for c in COUNTRIES]
    head = np.where(np.isin(lc, [0, 1]), area[ex], np.where(lc == 2, len(areas), len(areas) + 1 + lc))
    digits_tab = [f"{i:02d}" for i in range(100)] + [f"{i:03d}" for i in range(1000)] + [f"{i:04d}" for i in range(10000)]
    pn_ = phone_n[ex]
    tail = np.where(np.isin(lc, [0, 1]), pn_ % 100, np.where(lc == 2, 100 + pn_ % 1000, 1100 + pn_))
    phone = _text(head, head_tab) + _text(tail, digits_tab)
    domain = _text(dom_code[ex], domains)
    titles, t_off, t_cnt = _title_table()
    t_idx = t_off[sen, fun] + (title_u * t_cnt[sen, fun]).astype(np.int64)
    variant = np.where(case_u < 0.04, 1, np.where(case_u > 0.985, 2, 0))
    all_titles = np.r_[titles, [t.lower() for t in titles], [t.upper() for t in titles]]
    job = _cat(t_idx[ex] + variant[ex] * len(titles), all_titles)
    emp_lead = np.where(has_acc, A["employees"][accc], 0)
    band_i = np.clip(np.searchsorted(SIZE_EDGES, emp_lead, side="left") + band_shift, 0, len(SIZE_BANDS) - 1)
    band = _cat(np.where(band_blank | ~has_acc, -1, band_i)[ex], SIZE_BANDS)
    notes = _notes(rng, n_ex, first, last_n, domain, phone, email)
    no_acc_company = np.array([0, -1, 1])[phone_n[ex] % 3]  # "Self-employed", blank, "n/a"
    company = _cat(np.where(has_acc[ex], accc[ex] + 2, no_acc_company), ["Self-employed", "n/a"] + list(A["name"]))
    if cfg.leaky_kind == "yes_no":
        leak_col = _cat(leak_out[ex], ["Yes", "No"])
    else:
        leak_col = leak_out[ex].astype(float)

    leads = pd.DataFrame(
        {
            "lead_id": lead_ids,
            "created_at": loc(created[ex]),
            "first_name": first,
            "last_name": last_n,
            "email": email,
            "phone": phone,
            "company": company,
            "job_title": job,
            "lead_source": _cat(src[ex], chan_names),
            "status": _cat(status[ex], list(LEAD_STATUS.values())),
            "owner": _cat(rep[ex], reps.names),
            "account_id": _cat(np.where(has_acc[ex], accc[ex], -1), acc_ids),
            "country": _cat(lc, [c[0] for c in COUNTRIES]),
            "company_size_band": band,
            "mql_at": loc(mql_c[ex]),
            "sal_at": loc(sal_c[ex]),
            "sql_at": loc(sql_c[ex]),
            "disqualified_at": loc(disq_c[ex]),
            "disqualify_reason": _cat(np.where(disq_c[ex] != NAT, reason[ex], -1), REASONS),
            cfg.leaky_column: leak_col,
            "notes": notes,
        }
    )

    accounts = pd.DataFrame(
        {
            "account_id": acc_ids,
            "account_name": A["name"],
            "industry": A["industry"],
            "sic_code": A["sic_code"],
            "annual_revenue": A["annual_revenue"].astype(np.int64),
            "employees": A["employees"],
            "locations": A["locations"],
            "country": _cat(A["country_i"], [c[0] for c in COUNTRIES]),
            "region": np.array([c[1] for c in COUNTRIES], dtype=object)[A["country_i"]],
        }
    )

    # opportunities; deals of leads older than the history are exported (without their lead) when
    # still open at its start or closed inside it
    in_window = exported | (closed_at >= t_start)
    oi = np.flatnonzero(is_opp & (opp_at != NAT) & (opp_at < t_export) & in_window)
    oi = oi[np.argsort(opp_at[oi], kind="stable")]
    o_closed = closed_c[oi]
    o_open = o_closed == NAT
    age = (t_export - opp_at[oi]) / (cyc[oi] * _DAY)
    o_stage = np.where(o_open, np.clip((age * 4).astype(int), 0, 3), np.where(won[oi], 4, 5))
    opps = pd.DataFrame(
        {
            "opportunity_id": _ids("OPP-", np.arange(1, oi.size + 1), 6),
            "lead_id": lid(oi),
            "account_id": _cat(np.where(has_acc[oi], accc[oi], -1), acc_ids),
            "created_at": loc(opp_at[oi]),
            "closed_at": loc(o_closed),
            "stage": _cat(o_stage, OPEN_DEAL_STAGES + ("Closed Won", "Closed Lost")),
            "outcome": _cat(np.where(o_open, 2, np.where(won[oi], 0, 1)), ["Won", "Lost", "Open"]),
            "amount": amount[oi],
            "gross_margin": margin[oi],
            "owner": _cat(ae[oi], ae_names),
        }
    )

    # activities
    a_lead = np.concatenate([pre_owner, np.arange(n), w_owner, p_owner, s_owner])
    a_time = np.concatenate([pre_time, created, w_time, post_time, s_time])
    a_type = np.concatenate([pre_type, first_type, win_type, post_type, s_type + len(MARKETING_TYPES)]).astype(np.int8)
    keep = exported[a_lead] & (a_time < t_export)
    # sort by (time, lead, type) through one packed integer: 28 bits for the lead, 4 for the type
    if n_ex >= 2**24:
        raise ValueError("The generator handles at most 16 million leads.")
    t0 = int(a_time[keep].min()) if keep.any() else 0
    packed = ((a_time[keep] - t0) << 28) | (lead_no[a_lead[keep]] << 4) | a_type[keep]
    del a_lead, a_time, a_type
    packed.sort()
    a_type = (packed & 15).astype(np.int8)
    a_no = (packed >> 4) & (2**24 - 1)
    a_time = (packed >> 28) + t0
    del packed
    is_sales = a_type >= len(MARKETING_TYPES)
    activities = pd.DataFrame(
        {
            "lead_id": pd.Categorical.from_codes(a_no, categories=pd.Index(lead_ids)),
            "occurred_at": loc(a_time),
            "activity_type": _cat(a_type, ACTIVITY_TYPES),
            "team": _cat(is_sales.astype(np.int8), ["marketing", "sales"]),
            "owner": _cat(np.where(is_sales, rep[ex][a_no], -1), reps.names),
        }
    )

    spend = _spend(cfg, rng, months[n_burn_m:], src[ex], month_of[ex] - n_burn_m, chan_names)

    # ---------------------------------------------------------------- truths
    ctx = _Ctx(
        cfg=cfg, n=n, ex=ex, period=period, rep=rep, reps=reps, tables_reg=tables_reg, regimes=regimes,
        L=L, fit=fit, low_fit=low_fit, inbound=inbound, eng=eng, q=q, wp=wp, mql=mql, rej_p=rej_p,
        p_true=p_true, created=created, scoring=scoring, opp_at=opp_at, t_export=t_export,
        t_start=t_start, touched=touched, k=k, bucket=bucket, is_opp=is_opp, rejected=rejected,
        won=won, amount=amount, closed_at=closed_at, A=A, accc=accc, has_acc=has_acc, src=src,
        low_src=low, month_of=month_of, n_burn_m=n_burn_m, months=months,
        t_align=t_align if cfg.alignment_start is not None and cfg.alignment_effective else None,
    )
    truths = _truths(ctx)
    plan = _plan(cfg, ctx, months)
    tables = {"accounts": accounts, "leads": leads, "activities": activities, "opportunities": opps, "spend": spend, "plan": plan}
    truths["quirks"] = _quirks(cfg, rng, tables) if cfg.quirks else {}
    truths["quirks"]["preexisting_opportunities"] = {
        "count": int(tables["opportunities"]["lead_id"].isna().sum()),
        "what": "deals of leads created before the exported history: account set, lead_id empty",
    }
    lead_truths = pd.DataFrame(
        {
            "lead_id": lead_ids,
            "p_true": np.round(p_true[ex], 6),
            "seniority": _cat(sen[ex], SENIORITIES),
            "function": _cat(fun[ex], FUNCTIONS),
            "icp_industry": ind[ex].astype(bool),
            "icp_size": size[ex].astype(bool),
            "fit_points": fit[ex],
            "marketing_touches_at_scoring": eng[ex],
            "period": _cat(period[ex], ["before", "after"]),
            "person_first_lead_id": lid(orig[ex]),
        }
    )
    return SynthOrg(cfg, tables, truths, lead_truths)


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
    return pd.Series(arr.to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow", na_value=np.nan)))


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    c = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.where(starts > 0, c[np.maximum(starts - 1, 0)], 0)
    return c - np.repeat(before, counts)


def _dedupe_names(names: np.ndarray, taken: set | None = None) -> np.ndarray:
    seen = set(taken or ())
    out = []
    for nm in names:  # a handful of rep names, not rows
        base, i = nm, 2
        while nm in seen:
            nm = f"{base} {['Jr.', 'II', 'III', 'IV'][min(i - 2, 3)]}" if i < 6 else f"{base} {i}"
            i += 1
        seen.add(nm)
        out.append(nm)
    return np.array(out, dtype=object)


def _domains(names: np.ndarray) -> np.ndarray:
    s = pd.Series(names).str.lower()
    s = s.str.replace(r"\b(inc|llc|corp|co|ltd)\.?$", "", regex=True).str.replace(r"[^a-z0-9]", "", regex=True)
    tld = np.where(np.arange(len(names)) % 7 == 0, ".io", ".com")
    return (s + tld).to_numpy(dtype=object)


def _notes(rng, n, first, last, domain, phone, email) -> pd.Series:
    """Free-text notes on ~10% of leads; some hold an email address or a phone number."""
    has = np.flatnonzero(rng.random(n) < 0.10)
    kind = rng.integers(0, 10, size=has.size)
    alt = (
        _text(rng.integers(len(_FIRST), size=has.size), _FIRST).str.lower() + "."
        + _text(rng.integers(len(_LAST), size=has.size), _LAST).str.lower()
    ).to_numpy(dtype=object)
    plain = np.array([
        "Asked for pricing sheet", "Met at booth, interested in Q3 rollout", "Call back next quarter",
        "Evaluating vendors; decision by end of year", "Wants a demo for the team", "Existing customer of a competitor",
        "- follow up after webinar",
    ], dtype=object)
    em = email.to_numpy(dtype=object)[has]
    ph = phone.to_numpy(dtype=object)[has]
    dm = domain.to_numpy(dtype=object)[has]
    txt = np.select(
        [kind < 6, kind == 6, kind == 7, kind == 8],
        ["" + plain[np.minimum(kind, 5)], "Prefers email: " + em, "Assistant says reach at " + ph, "CC " + alt + "@" + dm + " on follow-ups"],
        plain[6],
    )
    out = np.full(n, None, dtype=object)
    out[has] = txt
    return pd.Series(out, dtype="str")


def _spend(cfg, rng, months, src, month_idx, chan_names) -> pd.DataFrame:
    nm, nc = len(months), len(chan_names)
    cnt = np.zeros((nm, nc))
    np.add.at(cnt, (month_idx, src), 1)
    cpl = np.array([c.cost_per_lead for c in cfg.channels])
    amt = cnt * cpl[None, :] * np.exp(rng.normal(0, 0.08, (nm, nc)))
    amt = np.round(amt, 0)
    mm = np.repeat(months.astype("datetime64[D]"), nc)
    df = pd.DataFrame({"month": mm, "channel": np.tile(np.array(chan_names, dtype=object), nm), "amount": amt.ravel()})
    return df[df["amount"] > 0].reset_index(drop=True)


# --------------------------------------------------------------------------- truths


@dataclass
class _Ctx:
    cfg: SynthConfig
    n: int
    ex: np.ndarray
    period: np.ndarray
    rep: np.ndarray
    reps: _Reps
    tables_reg: list
    regimes: tuple
    L: dict
    fit: np.ndarray
    low_fit: np.ndarray
    inbound: np.ndarray
    eng: np.ndarray
    q: np.ndarray
    wp: np.ndarray
    mql: np.ndarray
    rej_p: np.ndarray
    p_true: np.ndarray
    created: np.ndarray
    scoring: np.ndarray
    opp_at: np.ndarray
    t_export: int
    t_start: int
    touched: np.ndarray
    k: np.ndarray
    bucket: np.ndarray
    is_opp: np.ndarray
    rejected: np.ndarray
    won: np.ndarray
    amount: np.ndarray
    closed_at: np.ndarray
    A: dict
    accc: np.ndarray
    has_acc: np.ndarray
    src: np.ndarray
    low_src: np.ndarray
    month_of: np.ndarray
    n_burn_m: int
    months: np.ndarray
    t_align: int | None


def _expected(c: _Ctx, idx: np.ndarray, per: np.ndarray | int, mql: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-lead expected stage probabilities for leads ``idx`` under period(s) ``per``."""
    cfg = c.cfg
    per = np.broadcast_to(np.asarray(per), idx.shape)
    fit, eng, inb = c.fit[idx], c.eng[idx], c.inbound[idx]
    is_mql = np.zeros(idx.size, dtype=bool)
    rej = np.zeros(idx.size)
    A_ = np.zeros(idx.size)
    touched = np.zeros(idx.size)
    for p_ in (0, 1):
        s = per == p_
        reg = c.regimes[p_]
        m_, _ = _mql_rule(reg, fit[s], eng[s], inb[s])
        is_mql[s] = m_
        rej[s] = np.where(c.low_fit[idx][s], reg.reject_low_fit, reg.reject_other)
        A_[s] = c.tables_reg[p_]["A"][c.rep[idx][s]]
        touched[s] = c.tables_reg[p_]["touched"][c.rep[idx][s]]
    if mql is not None:
        is_mql = mql
    p_mql = is_mql.astype(float)
    p_sal = p_mql * (1 - rej) * touched
    p_sql = p_mql * (1 - rej) * A_ * c.q[idx]
    p_opp = p_sql * cfg.sql_to_opportunity
    p_won = p_opp * c.wp[idx]
    mean_amount = np.exp(_deal_log_median(cfg, {k: v[idx] for k, v in c.L.items()}) + cfg.deal_sigma**2 / 2)
    return {"mql": p_mql, "sal": p_sal, "sql": p_sql, "opportunity": p_opp, "won": p_won, "revenue": p_won * mean_amount}


def _rates(e: dict[str, np.ndarray], n_inq: int | None = None) -> dict[str, float]:
    stages = ["mql", "sal", "sql", "opportunity", "won"]
    tot = {s: float(e[s].sum()) for s in stages}
    n0 = n_inq if n_inq is not None else len(e["mql"])
    prev = [n0] + [tot[s] for s in stages[:-1]]
    return {tr: (tot[s] / p if p > 0 else float("nan")) for tr, s, p in zip(TRANSITIONS, stages, prev)}


def _leak_ranking(rates: dict[str, float], n_inq: float, avg_deal: float) -> list[dict]:
    r = [rates[t] for t in TRANSITIONS]
    entering = [n_inq]
    for x in r[:-1]:
        entering.append(entering[-1] * x)
    down = np.ones(len(r))
    for i in range(len(r) - 2, -1, -1):
        down[i] = down[i + 1] * r[i + 1]
    rows = []
    for i, t in enumerate(TRANSITIONS):
        lost = entering[i] * (1 - r[i])
        rows.append({"transition": t, "lost_leads": lost, "lost_revenue": lost * down[i] * avg_deal})
    return rows


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    y = y.astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _r(x: float, nd: int = 3) -> float:
    return float(round(float(x), nd))


def _truths(c: _Ctx) -> dict:
    cfg = c.cfg
    ex = c.ex
    n_ex = ex.size
    per_own = c.period[ex]
    # ---- expected rates: each regime applied to every exported lead, and each lead's own period
    e_b = _expected(c, ex, 0)
    e_a = _expected(c, ex, 1)
    e_own = _expected(c, ex, per_own, mql=c.mql[ex])
    rates_b, rates_a, rates_own = _rates(e_b), _rates(e_a), _rates(e_own)
    avg_deal = float(e_own["revenue"].sum() / e_own["won"].sum())
    ranking = _leak_ranking(rates_own, n_ex, avg_deal)
    by_rev = sorted(ranking, key=lambda r: -r["lost_revenue"])
    post_mql = [r for r in ranking if r["transition"] != "inquiry->mql"]
    by_leads = sorted(post_mql, key=lambda r: -r["lost_leads"])
    revenue_ratio = float(e_a["revenue"].sum() / e_b["revenue"].sum())

    # ---- process shares per period (averaged over reps with the leads' own assignment)
    def proc(p_):
        t = c.tables_reg[p_]
        sel = c.mql[ex] & (per_own == p_)
        reps_ = c.rep[ex][sel] if sel.any() else c.rep[ex]
        resp = t["resp"][reps_].mean(axis=0)
        pmf = t["pmf"][reps_].mean(axis=0)
        under = float(pmf[1 : cfg.touches_plateau].sum())
        lowfit = c.low_fit[ex][sel] if sel.any() else c.low_fit[ex]
        reg = c.regimes[p_]
        rej = float(np.mean(np.where(lowfit, reg.reject_low_fit, reg.reject_other)))
        return {
            "first_response_share": {b: _r(v) for b, v in zip(BUCKETS, resp)},
            "under_worked_share": _r(under),
            "touches_mean": _r(float((np.arange(pmf.size) * pmf).sum()), 2),
            "rejected_share": _r(rej),
        }

    proc_b, proc_a = proc(0), proc(1 if cfg.alignment_effective else 0)

    # ---- expected conversion by touches and by response bucket (pooled, own period)
    mi = ex[c.mql[ex]]
    pm = per_own[c.mql[ex]]
    acc_w = 1 - c.rej_p[mi]
    resp = np.stack([c.tables_reg[p_]["resp"] for p_ in (0, 1)])[pm, c.rep[mi]]  # m x 4
    pmf = np.stack([c.tables_reg[p_]["pmf"] for p_ in (0, 1)])[pm, c.rep[mi]]  # m x K+1
    G = np.stack([c.tables_reg[p_]["G"] for p_ in (0, 1)])[pm, c.rep[mi]]
    m_eff = np.array([cfg.response_effect[b] for b in BUCKETS[:3]])
    mbar = (resp[:, :3] * m_eff).sum(axis=1) / resp[:, :3].sum(axis=1)
    p_touch = acc_w * resp[:, :3].sum(axis=1)
    g = _touch_curve(cfg)
    conv_k = {}
    for kk in range(1, cfg.max_touches + 1):
        w = p_touch * pmf[:, kk]
        conv_k[kk] = _r((w * c.q[mi] * mbar).sum() / w.sum() * g[kk]) if w.sum() > 0 else None
    conv_r = {}
    for bi, b in enumerate(BUCKETS[:3]):
        w = acc_w * resp[:, bi]
        conv_r[b] = _r((w * c.q[mi] * G).sum() / w.sum() * m_eff[bi])
    conv_r["never"] = 0.0

    # ---- lost-MQL causes, as the generator knows them (mature MQLs without a deal)
    mature = c.created[ex] + (cfg.score_after_days + cfg.horizon_days) * _DAY <= c.t_export
    lost = ex[c.mql[ex] & ~c.is_opp[ex] & mature]
    lf = c.low_fit[lost]
    uw = ~lf & (~c.touched[lost] | (c.k[lost] < cfg.touches_plateau) | (c.bucket[lost] == 2))
    causes = {
        "low-fit": _r(lf.mean()),
        "under-worked": _r(uw.mean()),
        "worked-and-lost": _r(1 - lf.mean() - uw.mean()),
    }

    # ---- ICP win rates and deal sizes (expected among deals, own period)
    w_opp = e_own["opportunity"]
    ind, size = c.L["ind"][ex], c.L["size"][ex]
    icp = (ind == 1) & (size == 1)
    wpx = c.wp[ex]
    mean_amount = np.exp(_deal_log_median(cfg, {k_: v[ex] for k_, v in c.L.items()}) + cfg.deal_sigma**2 / 2)

    def wr(mask):
        return _r((w_opp[mask] * wpx[mask]).sum() / w_opp[mask].sum()) if w_opp[mask].sum() > 0 else None

    def deal(mask):
        ww = w_opp[mask] * wpx[mask]
        return _r((ww * mean_amount[mask]).sum() / ww.sum(), 0) if ww.sum() > 0 else None

    sen_lab = np.array(SENIORITIES)[c.L["sen"][ex]]
    fun_lab = np.array(FUNCTIONS)[c.L["fun"][ex]]
    conv_lead = e_own["opportunity"]

    # ---- drivers: mean absolute change of p_true when one feature is scrambled
    imp = _driver_importance(c)
    attrs = {k_: v for k_, v in imp.items() if k_ not in ("owner", "created_at")}
    top = max(attrs.values())
    drivers = [k_ for k_, v in sorted(attrs.items(), key=lambda kv: -kv[1]) if v >= 0.55 * top][:4]

    # ---- oracle on mature leads
    opp_ex = c.opp_at[ex]
    label = (opp_ex != NAT) & (opp_ex <= c.scoring[ex] + cfg.horizon_days * _DAY)
    auc = _auc(c.p_true[ex][mature], label[mature])

    # ---- lags
    won_ex = ex[c.won[ex] & c.is_opp[ex] & (c.closed_at[ex] < c.t_export)]
    lag = np.median((c.closed_at[won_ex] - c.created[won_ex]) / _DAY) if won_ex.size else float("nan")

    groups = list(cfg.icp_sic_major_groups)
    regs = c.regimes
    truths = {
        "scenario": cfg.scenario,
        "name": cfg.name,
        "seed": cfg.seed,
        "n_leads": int(n_ex),
        "history": {"start": cfg.start, "export_date": cfg.export_date.isoformat(), "months": cfg.months},
        "icp": {
            "sic_major_groups": groups,
            "industries": sorted({INDUSTRY_MIX[g_][0] for g_ in groups}),
            "employee_range": list(cfg.icp_employee_range),
            "winning_seniorities": list(cfg.winning_seniorities),
            "winning_functions": list(cfg.winning_functions),
            "conversion_effects": {
                "what": "log-odds effects on q, the probability that a worked MQL becomes an SQL",
                "industry": cfg.conv_industry,
                "employees": cfg.conv_size,
                "seniority": dict(cfg.conv_seniority),
                "function": dict(cfg.conv_function),
                "source": {ch.name: ch.intent for ch in cfg.channels},
                "marketing_touches_log1p": cfg.conv_engagement,
            },
            "win_rate_effects": {
                "what": "log-odds effects on the win probability of an opportunity",
                "base": cfg.win_base,
                "industry": cfg.win_industry,
                "employees": cfg.win_size,
                "winning_seniority": cfg.win_seniority,
                "winning_function": cfg.win_function,
            },
            "deal_size_multiplier": {"industry": _r(math.exp(cfg.deal_industry), 2), "employees": _r(math.exp(cfg.deal_size), 2)},
            "account_share": {
                "industry": _r(c.A["ind"].mean()),
                "employees": _r(c.A["size"].mean()),
                "both": _r((c.A["ind"] & c.A["size"]).mean()),
            },
            "lead_share_icp": _r(icp.mean()),
            "win_rate": {
                "icp": wr(icp), "non_icp": wr(~icp),
                "icp_industry": wr(ind == 1), "other_industry": wr(ind == 0),
                "icp_employees": wr(size == 1), "other_employees": wr(size == 0),
                "winning_seniorities": wr(np.isin(sen_lab, cfg.winning_seniorities)),
                "other_seniorities": wr(~np.isin(sen_lab, cfg.winning_seniorities)),
                "winning_functions": wr(np.isin(fun_lab, cfg.winning_functions)),
                "other_functions": wr(~np.isin(fun_lab, cfg.winning_functions)),
            },
            "lead_to_opportunity": {
                "icp": _r(conv_lead[icp].mean(), 4), "non_icp": _r(conv_lead[~icp].mean(), 4),
                "icp_industry": _r(conv_lead[ind == 1].mean(), 4), "other_industry": _r(conv_lead[ind == 0].mean(), 4),
                "icp_employees": _r(conv_lead[size == 1].mean(), 4), "other_employees": _r(conv_lead[size == 0].mean(), 4),
            },
            "by_seniority": {
                s_: {"lead_to_opportunity": _r(conv_lead[sen_lab == s_].mean(), 4), "win_rate": wr(sen_lab == s_)}
                for s_ in SENIORITIES
            },
            "by_function": {
                f_: {"lead_to_opportunity": _r(conv_lead[fun_lab == f_].mean(), 4), "win_rate": wr(fun_lab == f_)}
                for f_ in FUNCTIONS
            },
            "avg_won_deal": {"icp": deal(icp), "non_icp": deal(~icp)},
            "fit_points": "2 x ICP industry + 1 x ICP employees + 2 x winning seniority + 1 x winning function",
            "low_fit": f"fit points below {cfg.low_fit_points}",
        },
        "funnel": {
            "stages": ["inquiry", "mql", "sal", "sql", "opportunity", "won"],
            "stage_definitions": {
                "mql": "the marketing rule (fit points and marketing touches) is met; inbound calls always",
                "sal": "first sales touch (the rep starts working the lead)",
                "sql": "qualified by the rep after its last touch",
                "opportunity": "a deal created from the SQL",
                "won": "the deal closed won",
            },
            "leak_stage": cfg.leak_stage,
            "leak_cause": cfg.leak_cause,
            "leak_ranking": [
                {"transition": r_["transition"], "lost_leads": _r(r_["lost_leads"], 1), "lost_revenue": _r(r_["lost_revenue"], 0)}
                for r_ in by_rev
            ],
            "biggest_leak_by_revenue": by_rev[0]["transition"],
            "biggest_leak_by_leads_after_mql": by_leads[0]["transition"],
            "touches_plateau": cfg.touches_plateau,
            "touches_curve": {int(kk): _r(g[kk]) for kk in range(1, cfg.max_touches + 1)},
            "expected_sql_rate_by_touches": conv_k,
            "response_time_effect": {b: cfg.response_effect[b] for b in BUCKETS[:3]},
            "expected_sql_rate_by_response": conv_r,
            "response_note": "the multipliers are causal; raw rates by bucket mix periods (faster "
            "responses after the alignment start coincide with better MQLs): compare within a period",
            "low_fit_source": cfg.low_fit_source,
            "conversion_rates": {
                "all": {k_: _r(v) for k_, v in rates_own.items()},
                "before": {k_: _r(v) for k_, v in rates_b.items()},
                "after": {k_: _r(v) for k_, v in rates_a.items()},
            },
            "under_worked_share": {"before": proc_b["under_worked_share"], "after": proc_a["under_worked_share"]},
            "under_worked_definition": f"a touched MQL with fewer than {cfg.touches_plateau} sales touches",
            "lost_mql_causes": causes,
            "lost_mql_causes_rule": "low-fit if fit points below the low-fit line; else under-worked if never "
            "touched, fewer touches than the plateau or first response after 24h; else worked-and-lost "
            "(mature MQLs without a deal)",
            "lead_to_won": _r(e_own["won"].sum() / n_ex, 4),
        },
        "alignment": {
            "start": cfg.alignment_start,
            "effective": bool(cfg.alignment_effective),
            "applies_to": "leads created on or after the start date",
            "changes": {
                "mql_rule": {"before": _rule_text(regs[0]), "after": _rule_text(regs[1])},
                "mql_rate": {"before": _r(rates_b["inquiry->mql"]), "after": _r(rates_a["inquiry->mql"])},
                "under_worked_share": {"before": proc_b["under_worked_share"], "after": proc_a["under_worked_share"]},
                "first_response_share": {"before": proc_b["first_response_share"], "after": proc_a["first_response_share"]},
                "mean_sales_touches": {"before": proc_b["touches_mean"], "after": proc_a["touches_mean"]},
                "rejected_mql_share": {"before": proc_b["rejected_share"], "after": proc_a["rejected_share"]},
            },
            "revenue_ratio": _r(revenue_ratio),
            "revenue_ratio_definition": "expected won revenue per inquiry after / before (both regimes "
            "applied to the same leads), i.e. the level change of monthly won revenue with the trend removed",
            "trend_change": 0.0,
            "lead_growth_monthly": cfg.lead_growth_monthly,
            "lead_to_close_days_median": _r(lag, 0),
        },
        "scoring": {
            "horizon_days": cfg.horizon_days,
            "score_after_days": cfg.score_after_days,
            "label": "an opportunity created no later than created_at + score_after_days + horizon_days",
            "known_at_scoring": "account firmographics, job title, source, owner, marketing touches up to "
            "the scoring moment and whether the lead is an MQL; not the sales team's actions",
            "p_true": "lead_truths.csv: exact probability of the label given what is known at scoring",
            "drivers": drivers,
            "driver_importance": {k_: _r(v, 4) for k_, v in sorted(imp.items(), key=lambda kv: -kv[1])},
            "driver_importance_definition": "mean absolute change of p_true when the feature is shuffled "
            "across leads; drivers = lead attributes within 55% of the strongest (at most 4); owner and "
            "created_at (the period) are process effects, not lead attributes",
            "leaky_column": cfg.leaky_column,
            "leaky_note": "filled when the lead reaches SQL (after the outcome), rarely otherwise",
            "mature_leads": int(mature.sum()),
            "base_rate_mature": _r(label[mature].mean(), 4),
            "oracle_auc_mature": _r(auc, 4),
        },
    }
    return truths


def _rule_text(reg: SalesRegime) -> str:
    s = f"inbound call, or at least {reg.mql_min_touches} marketing touches and fit points + touches >= {reg.mql_min_score}"
    if reg.mql_min_fit:
        s += f" with fit points >= {reg.mql_min_fit}"
    return s


def _p_true_for(c: _Ctx, L: dict, fit: np.ndarray, low_fit: np.ndarray, idx: np.ndarray, rep: np.ndarray, period: np.ndarray) -> np.ndarray:
    cfg = c.cfg
    q = _sigmoid(_q_logit(cfg, L))
    inbound = L["src"] == cfg_channel_index(cfg, "Inbound Call")
    out = np.zeros(idx.size)
    for p_ in (0, 1):
        s = period == p_
        reg = c.regimes[p_]
        m_, _ = _mql_rule(reg, fit[s], L["eng"][s], inbound[s])
        rej = np.where(low_fit[s], reg.reject_low_fit, reg.reject_other)
        out[s] = m_ * (1 - rej) * c.tables_reg[p_]["A"][rep[s]] * q[s] * cfg.sql_to_opportunity
    return out


def cfg_channel_index(cfg: SynthConfig, name: str) -> int:
    """Position of channel ``name`` in ``cfg.channels``."""
    return [c.name for c in cfg.channels].index(name)


def _driver_importance(c: _Ctx) -> dict[str, float]:
    cfg = c.cfg
    rng = np.random.default_rng(cfg.seed + 1)
    ex = c.ex
    if ex.size > 200_000:  # a fixed subsample is plenty for averages of |change|
        ex = np.sort(rng.choice(ex, size=200_000, replace=False))
    base_L = {k_: v[ex].copy() for k_, v in c.L.items()}
    rep = c.rep[ex]
    per = c.period[ex]

    def p_of(L, rep_=rep, per_=per):
        fit = _fit_points(cfg, L["ind"], L["size"], L["sen_win"], L["fun_win"])
        return _p_true_for(c, L, fit, fit < cfg.low_fit_points, ex, rep_, per_)

    base = p_of(base_L)
    perm = rng.permutation(ex.size)
    groups = {
        "source": ["src"],
        "industry": ["ind"],
        "employees": ["size"],
        "seniority": ["sen", "sen_win"],
        "function": ["fun", "fun_win"],
        "marketing_touches": ["eng"],
    }
    out = {}
    for name, cols in groups.items():
        L = dict(base_L)
        for col in cols:
            L[col] = base_L[col][perm]
        out[name] = float(np.mean(np.abs(p_of(L) - base)))
    out["owner"] = float(np.mean(np.abs(p_of(base_L, rep_=rep[perm]) - base)))
    out["created_at"] = float(np.mean(np.abs(p_of(base_L, per_=per[perm]) - base)))
    out["country"] = 0.0
    out["company_size_band"] = 0.0
    return out


def _plan(cfg: SynthConfig, c: _Ctx, months: np.ndarray) -> pd.DataFrame:
    """Revenue targets: the last 12 months of history and the 12 months after the export."""
    ex = c.ex
    per_lead = [_expected(c, ex, p_)["revenue"].mean() for p_ in (0, 1)]
    lag = 3  # months from inquiry to closed deal, roughly
    nm = cfg.months
    m = np.arange(nm + 12)
    arrivals = (1 + cfg.lead_growth_monthly) ** (m - lag)
    arrivals = arrivals * cfg.n_leads / arrivals[lag : nm + lag].sum()
    lead_month = months[c.n_burn_m :][0] + (m - lag)
    t_lead = np.array([_local_midnight_utc(str(x), cfg.timezone) for x in lead_month.astype("datetime64[D]")])
    after = t_lead >= (c.t_align if c.t_align is not None else np.iinfo(np.int64).max)
    level = arrivals * np.where(after, per_lead[1], per_lead[0])  # expected won revenue by close month
    hist_months = months[-12:]
    hist = np.round(level[nm - 12 : nm] * 1.15, -3)  # an ambitious plan, usually missed
    fut_months = np.arange(months[-1] + 1, months[-1] + 13, dtype="datetime64[M]")
    fut = np.round(level[nm - 1] * 1.10 * (1 + cfg.plan_growth_monthly) ** np.arange(1, 13), -3)  # above run-rate
    return pd.DataFrame(
        {
            "period": np.r_[hist_months, fut_months].astype("datetime64[D]"),
            "revenue_target": np.r_[hist, fut],
        }
    )


def _quirks(cfg: SynthConfig, rng: np.random.Generator, tables: dict) -> dict:
    """Plant a few data-quality problems (reported by the loader, not fatal)."""
    leads, opps = tables["leads"], tables["opportunities"]
    out: dict[str, Any] = {}
    cand = np.flatnonzero((leads["sal_at"].notna() & leads["mql_at"].notna()).to_numpy())
    pick = np.sort(rng.choice(cand, size=min(4, cand.size), replace=False))
    sal = leads["sal_at"].to_numpy().copy()
    sal[pick] = leads["mql_at"].to_numpy()[pick] - rng.integers(1, 72, size=pick.size).astype("timedelta64[h]")
    leads["sal_at"] = sal
    out["sal_before_mql"] = {
        "count": int(pick.size), "lead_ids": leads["lead_id"].iloc[pick].tolist(),
        "what": "sal_at typed before mql_at (stage timestamps going backwards)",
    }
    lost = np.flatnonzero(((opps["outcome"] == "Lost") & opps["lead_id"].notna()).to_numpy())
    rows = np.sort(rng.choice(lost, size=min(3, lost.size), replace=False))
    extra = opps.iloc[rows].copy()
    n0 = len(opps)
    extra["opportunity_id"] = _ids("OPP-", np.arange(n0 + 1, n0 + 1 + len(extra)), 6).to_numpy()
    width = len(leads["lead_id"].iloc[0]) - 1
    ghost = [f"L{int('9' * width) - i:0{width}d}" for i in range(len(extra))]
    opps = pd.concat([opps.astype({"lead_id": "str"}), extra.astype({"lead_id": "str"}).assign(lead_id=ghost)], ignore_index=True)
    out["orphan_opportunities"] = {
        "count": len(extra), "opportunity_ids": extra["opportunity_id"].tolist(), "lead_ids": ghost,
        "what": "lead_id not in leads (the lead was deleted); copies of lost deals, so revenue is unchanged",
    }
    lost2 = np.flatnonzero((opps["outcome"] == "Lost").to_numpy()[:n0])
    neg = np.sort(rng.choice(lost2, size=min(2, lost2.size), replace=False))
    amt = opps["amount"].to_numpy().copy()
    amt[neg] = -amt[neg]
    opps["amount"] = amt
    out["negative_amounts"] = {
        "count": int(neg.size), "opportunity_ids": opps["opportunity_id"].iloc[neg].tolist(),
        "what": "lost deals whose amount was typed with a minus sign",
    }
    tables["opportunities"] = opps
    tables["leads"] = leads
    return out


# --------------------------------------------------------------------------- writing


def org_yaml(config: SynthConfig, fmt: str = "csv", *, capacity: float | None = None) -> dict:
    """The ``org.yml`` mapping of a generated organization."""
    ext = "csv" if fmt == "csv" else "parquet"
    leak_map = {config.leaky_column: config.leaky_column}
    values: dict[str, dict] = {
        "leads": {"stage": {label: stage for stage, label in LEAD_STATUS.items()}},
        "opportunities": {"outcome": {"Won": "won", "Lost": "lost", "Open": "open"}},
    }
    if config.leaky_kind == "yes_no":
        values["leads"][config.leaky_column] = {"Yes": True, "No": False}
    params: dict[str, Any] = {
        "horizon_days": config.horizon_days,
        "score_after_days": config.score_after_days,
        "sales_reps": config.n_reps or max(4, int(round(config.n_leads / 800))),
    }
    if capacity is not None:
        params["leads_per_rep_per_week"] = capacity
    if config.alignment_start is not None:
        params = {"alignment_start": config.alignment_start, **params}
    return {
        "name": config.name,
        "currency": config.currency,
        "timezone": config.timezone,
        "files": {t: {"path": f"{t}.{ext}"} for t in ("accounts", "leads", "activities", "opportunities", "spend", "plan")},
        "columns": {
            "accounts": {"name": "account_name"},
            "leads": {
                "source": "lead_source",
                "stage": "status",
                "owner_id": "owner",
                "person_key": "email",
                "country": "country",
                "company_size_band": "company_size_band",
                **leak_map,
            },
            "activities": {"owner_id": "owner"},
            "opportunities": {"owner_id": "owner"},
        },
        "hash_columns": {"leads": ["person_key"]},
        "values": values,
        "parameters": params,
    }


def _capacity(config: SynthConfig, leads: pd.DataFrame) -> float:
    """MQL capacity per rep and week: ~30% of the last quarter's weekly inquiries."""
    created = leads["created_at"]
    end = created.max()
    recent = int((created > end - pd.Timedelta(days=91)).sum())
    reps = config.n_reps or max(4, int(round(config.n_leads / 800)))
    return float(max(1.0, round(0.30 * recent / 13 / reps, 1)))


_LARGE = pa.large_string()


def _quote(arr: pa.Array) -> pa.Array:
    """CSV-quote the values that hold a comma, a quote or a line break (RFC 4180)."""
    need = pc.match_substring_regex(arr, '[,"\n\r]')
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _csv_text(col: pd.Series) -> pa.Array:
    """One column as CSV cell text (large_string, "" for missing)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = _quote(pc.cast(pa.array(col.cat.categories.astype("str")), pa.string()))
        codes = col.cat.codes.to_numpy()
        arr = cats.take(pa.array(codes, mask=codes < 0))
    elif pd.api.types.is_datetime64_any_dtype(col):
        if col.name in ("month", "period"):
            arr = pa.array(np.datetime_as_string(col.to_numpy().astype("datetime64[D]")))
        else:
            arr = pa.array(_format_ts(col.to_numpy()))
    elif pd.api.types.is_bool_dtype(col):
        arr = pc.if_else(pa.array(col), "True", "False")
    elif pd.api.types.is_numeric_dtype(col):
        arr = pc.cast(pa.array(col, from_pandas=True), pa.string())
    else:
        arr = _quote(pc.cast(pa.array(col, from_pandas=True), pa.string()))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(pc.fill_null(arr, ""), _LARGE)


def write_csv(df: pd.DataFrame, path: str | Path, chunk_rows: int = 1_000_000) -> Path:
    """Write ``df`` as UTF-8 CSV ("\n" line ends, quotes only where needed), fast and deterministic.

    Timestamps are written "YYYY-MM-DD HH:MM:SS", ``month``/``period`` columns as dates,
    missing values as empty cells; rows are encoded with Arrow, one chunk at a time.
    """
    path = Path(path)
    sep, nl, empty = pa.scalar(",", _LARGE), pa.scalar("\n", _LARGE), pa.scalar("", _LARGE)
    with open(path, "wb") as fh:
        fh.write((",".join(df.columns) + "\n").encode("utf-8"))
        for start in range(0, len(df), chunk_rows):
            part = df.iloc[start : start + chunk_rows]
            cols = [_csv_text(part[c]) for c in part.columns]
            rows = pc.binary_join_element_wise(*cols, sep) if len(cols) > 1 else cols[0]
            rows = pc.binary_join_element_wise(rows, empty, nl)
            off = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=len(rows) + 1, offset=rows.offset * 8)
            fh.write(memoryview(rows.buffers()[2])[off[0] : off[-1]])
    return path


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as Parquet with plain types: text as strings (no categoricals), timestamps
    as naive local ``timestamp[s]``, no pandas-specific metadata."""
    cols = {}
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cols[c] = pc.cast(pa.array(col), pa.string())
        elif pd.api.types.is_datetime64_any_dtype(col):
            cols[c] = pa.array(col.to_numpy().astype("datetime64[s]"))
        elif pd.api.types.is_string_dtype(col) or col.dtype == object:
            cols[c] = pc.cast(pa.array(col, from_pandas=True), pa.string())
        else:
            cols[c] = pa.array(col.to_numpy(), from_pandas=True)
    import pyarrow.parquet as pq

    pq.write_table(pa.table(cols), Path(path))
    return Path(path)


def _yaml_text(data: Any) -> str:
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def write_org(config: SynthConfig, out_dir: str | Path, fmt: str = "csv") -> Path:
    """Generate ``config`` and write the organization folder.

    Writes ``accounts``, ``leads``, ``activities``, ``opportunities``, ``spend`` and ``plan``
    (CSV, or Parquet with ``fmt="parquet"``), ``org.yml``, ``truths.yml`` and
    ``lead_truths.csv``. The same config and seed always give byte-identical files.

    Parameters
    ----------
    config : SynthConfig
    out_dir : path-like
        Folder to create or overwrite.
    fmt : {"csv", "parquet"}

    Returns
    -------
    Path
        The organization folder.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}.")
    org = generate(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext, other = ("csv", "parquet") if fmt == "csv" else ("parquet", "csv")
    for name in [*org.tables, "lead_truths"]:  # a previous run in the other format
        (out / f"{name}.{other}").unlink(missing_ok=True)
    for name, df in org.tables.items():
        if fmt == "csv":
            write_csv(df, out / f"{name}.{ext}")
        else:
            write_parquet(df, out / f"{name}.{ext}")
    capacity = _capacity(config, org.tables["leads"])
    org_cfg = org_yaml(config, fmt, capacity=capacity)
    org.truths["scoring"]["leads_per_rep_per_week"] = capacity
    (out / "org.yml").write_text(
        "# Generated by helpers.synth: a synthetic organization (no real people or companies).\n"
        + _yaml_text(org_cfg),
        encoding="utf-8",
    )
    truths = dict(org.truths)
    truths["config"] = config.to_dict()
    (out / "truths.yml").write_text(
        "# Planted truths of this synthetic organization (see datasets/sample/README.md).\n" + _yaml_text(truths),
        encoding="utf-8",
    )
    if fmt == "csv":
        write_csv(org.lead_truths, out / "lead_truths.csv")
    else:
        write_parquet(org.lead_truths, out / "lead_truths.parquet")
    return out
