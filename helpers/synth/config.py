"""The generator's settings: :class:`SynthConfig`, its channels and sales regimes, and scenarios.

A :class:`SynthConfig`'s fields *are* the planted truths: which segments form the ideal
customer profile, which funnel stage leaks and why, how conversion rises with sales touches,
when the alignment program started and what it changed. :data:`SCENARIOS` names the
configurations the curriculum uses (``sample`` is committed as ``datasets/sample``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helpers.synth.vocabulary import (
    BUCKETS,
    FUNCTIONS,
    INDUSTRY_MIX,
    MARKETING_TYPES,
    SENIORITIES,
    TRANSITIONS,
)


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


_CHANNEL_FIELDS = (
    "share", "cost_per_lead", "intent", "touches_before", "touches_early", "first_touch",
)


def _channels(**over: dict) -> tuple[Channel, ...]:
    """The default channels, with the settings in ``over`` (by channel name) changed."""
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
        cur = dict(zip(_CHANNEL_FIELDS, base[name]))
        cur.update(changes)
        base[name] = tuple(cur.values())
    return tuple(Channel(name, *v) for name, v in base.items())


def _sample_seniority_effects() -> dict:
    """Log-odds effects of seniority on ``q`` in the ``sample`` scenario."""
    return {"C-level": 0.6, "VP": 0.6, "Director": 0.3, "Manager": 0.0, "Individual": -0.3}


def _sample_function_effects() -> dict:
    """Log-odds effects of job function on ``q`` in the ``sample`` scenario."""
    return {
        "marketing": 0.4, "sales": 0.4, "IT": 0.0, "finance": -0.1, "operations": 0.0,
        "HR": -0.2, "other": -0.3,
    }


def _sample_before() -> SalesRegime:
    """The ``sample`` sales regime before the alignment program."""
    return SalesRegime(
        mql_min_touches=2, mql_min_score=5, mql_min_fit=0, reject_low_fit=0.12,
        reject_other=0.03, response={"<1h": 0.15, "1-24h": 0.40, ">24h": 0.32, "never": 0.13},
        under_worked_share=0.45, touches_mean=6.5,
    )


def _sample_after() -> SalesRegime:
    """The ``sample`` sales regime after the alignment start: stricter MQLs, faster work."""
    return SalesRegime(
        mql_min_touches=2, mql_min_score=5, mql_min_fit=1, reject_low_fit=0.12,
        reject_other=0.03, response={"<1h": 0.38, "1-24h": 0.42, ">24h": 0.15, "never": 0.05},
        under_worked_share=0.2, touches_mean=7.0,
    )


@dataclass(frozen=True)
class SynthConfig:
    """Everything the generator plants: sizes, dates, and the truths a module must recover.

    Use :meth:`replace` to change fields (``SCENARIOS["alt"].replace(n_leads=3000, seed=11)``).
    Log-odds effects act on ``q``, the probability that a *worked* MQL becomes an SQL;
    win effects act on the win probability of an opportunity. The field order is the order
    of the ``config`` section of ``truths.yml``.
    """

    name: str = "Northwind Analytics (synthetic sample)"
    scenario: str = "sample"
    seed: int = 42
    n_leads: int = 5000
    n_accounts: int | None = None  # default: n_leads / 12.5
    start: str = "2022-01-01"  # first day of the exported history
    months: int = 36
    # history simulated before the export window (its deals appear without a lead)
    burn_in_months: int = 9
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
    conv_seniority: dict = field(default_factory=_sample_seniority_effects)
    conv_function: dict = field(default_factory=_sample_function_effects)
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
    response_effect: dict = field(
        default_factory=lambda: {"<1h": 1.0, "1-24h": 0.75, ">24h": 0.5}
    )
    sql_to_opportunity: float = 0.85
    leak_stage: str = "sal->sql"
    leak_cause: str = "under-worked"
    before: SalesRegime = field(default_factory=_sample_before)
    after: SalesRegime = field(default_factory=_sample_after)
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
            raise ValueError(
                f"Unknown generator setting(s) {unknown}; known settings: {sorted(names)}."
            )
        return dataclasses.replace(copy.deepcopy(self), **copy.deepcopy(changes))

    def to_dict(self) -> dict:
        """Plain types only (YAML-able)."""
        return yaml_ready(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> SynthConfig:
        """Inverse of :meth:`to_dict`."""
        d = dict(data)
        if "channels" in d:
            d["channels"] = tuple(Channel(**c) for c in d["channels"])
        for key in ("before", "after"):
            if key in d and isinstance(d[key], dict):
                d[key] = SalesRegime(**d[key])
        tuples = ("icp_sic_major_groups", "icp_employee_range", "winning_seniorities",
                  "winning_functions")
        for key in tuples:
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
        self._validate_channels()
        self._validate_truths()
        self._validate_process()

    def _validate_channels(self) -> None:
        """The low-fit and inbound-call channels exist; first touches are marketing types."""
        names = [c.name for c in self.channels]
        if self.low_fit_source not in names:
            raise ValueError(
                f"low_fit_source '{self.low_fit_source}' is not one of the channels {names}."
            )
        if "Inbound Call" not in names:
            raise ValueError(
                "The channels must include 'Inbound Call' (a prospect asking for a rep)."
            )
        for c in self.channels:
            if c.first_touch not in MARKETING_TYPES:
                raise ValueError(f"Channel {c.name}: first_touch must be one of {MARKETING_TYPES}.")

    def _validate_truths(self) -> None:
        """The planted segments, leak stage and leaky column are known values."""
        for g in self.icp_sic_major_groups:
            if g not in INDUSTRY_MIX:
                raise ValueError(
                    f"ICP major group {g} is not in the industry mix {sorted(INDUSTRY_MIX)}."
                )
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

    def _validate_process(self) -> None:
        """Touches, horizon, response shares and the alignment start are coherent."""
        if not 2 <= self.touches_plateau <= self.max_touches:
            raise ValueError("touches_plateau must be between 2 and max_touches.")
        # Every opportunity must fall within the horizon of its scoring moment (exact p_true).
        if max_lag_days(self) >= self.horizon_days:
            raise ValueError(
                f"horizon_days={self.horizon_days} is shorter than the longest "
                f"MQL-to-opportunity lag ({max_lag_days(self):.0f} days with "
                f"max_touches={self.max_touches}); raise it or lower max_touches."
            )
        for reg in (self.before, self.after):
            if abs(sum(reg.response.values()) - 1) > 1e-9 or set(reg.response) != set(BUCKETS):
                raise ValueError(f"Response shares must cover {BUCKETS} and sum to 1.")
        if self.alignment_start is not None:
            a = dt.date.fromisoformat(self.alignment_start)
            if not dt.date.fromisoformat(self.start) < a < self.export_date:
                raise ValueError("alignment_start must fall inside the exported history.")


def max_lag_days(cfg: SynthConfig) -> float:
    """The longest MQL-to-opportunity lag the sales process can produce, in days."""
    # first response <= 7 days, gaps <= 4 days, SQL <= 2 days after the last touch,
    # deal <= 14 days after SQL
    return 7 + 4 * (cfg.max_touches - 1) + 2 + 14


def yaml_ready(v: Any) -> Any:
    """Plain Python types for YAML: lists for tuples, text or int keys, floats to 6 decimals.

    Not :func:`helpers.core.report.plain`: NaN stays NaN and nested containers are walked,
    so ``org.yml`` and ``truths.yml`` keep their exact bytes.
    """
    if isinstance(v, dict):
        return {(k if isinstance(k, str | int) else str(k)): yaml_ready(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [yaml_ready(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float):
        return round(v, 6)
    return v


def n_sales_reps(cfg: SynthConfig) -> int:
    """Number of sales reps: ``n_reps``, or one per ~800 leads (at least 4)."""
    return cfg.n_reps or max(4, int(round(cfg.n_leads / 800)))


def cfg_channel_index(cfg: SynthConfig, name: str) -> int:
    """Position of channel ``name`` in ``cfg.channels``."""
    return [c.name for c in cfg.channels].index(name)


def _alt_config() -> SynthConfig:
    """The ``alt`` scenario: a health-care and insurance software vendor.

    Length: one literal table of settings (every planted truth differs from ``sample``);
    it reads best whole.
    """
    s = SynthConfig()
    return s.replace(
        name="Contoso Health Cloud (synthetic alternative)",
        scenario="alt",
        seed=7,
        start="2021-07-01",
        lead_growth_monthly=0.015,
        channels=_channels(**{
            "Content Syndication": {
                "share": 0.34, "cost_per_lead": 18.0, "intent": -1.6, "touches_before": 0.3,
                "touches_early": 0.7,
            },
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
        conv_seniority={
            "C-level": -0.3, "VP": 0.1, "Director": 1.0, "Manager": 0.9, "Individual": -0.5,
        },
        conv_function={
            "marketing": -0.3, "sales": -0.2, "IT": 0.9, "finance": -0.2, "operations": 0.8,
            "HR": -0.4, "other": -0.4,
        },
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
            mql_min_touches=1, mql_min_score=2, mql_min_fit=0, reject_low_fit=0.92,
            reject_other=0.06, response={"<1h": 0.30, "1-24h": 0.45, ">24h": 0.17, "never": 0.08},
            under_worked_share=0.12, touches_mean=3.5,
        ),
        after=SalesRegime(
            mql_min_touches=1, mql_min_score=3, mql_min_fit=0, reject_low_fit=0.92,
            reject_other=0.06, response={"<1h": 0.55, "1-24h": 0.36, ">24h": 0.07, "never": 0.02},
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
#: truths; ``alt_no_change`` is ``alt`` whose alignment program changed nothing
#: (false-positive checks).
SCENARIOS: dict[str, SynthConfig] = {"sample": SynthConfig()}
SCENARIOS["alt"] = _alt_config()
SCENARIOS["alt_no_change"] = SCENARIOS["alt"].replace(
    scenario="alt_no_change", alignment_effective=False
)

# Scenarios with other mechanics (no SAL date, a follow-up problem on a few reps, ...): their
# own generator, :mod:`helpers.synth.followup`.
from helpers.synth.followup import FOLLOWUP_SCENARIOS  # noqa: E402

SCENARIOS.update(FOLLOWUP_SCENARIOS)
