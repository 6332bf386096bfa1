"""A second generator, with other mechanics than :mod:`helpers.synth.generator`: a follow-up problem.

The sample's generator plants one story (a SAL stage at the first sales touch, under-working
spread over every rep, buyer titles that win, a high win rate). Tests that only ever see it
share its mechanics. This generator plants a different organization, the kind module 2 got
wrong on real exports:

* **no SAL date**: the rep qualifies a lead straight to SQL, dated at the last touch; the export
  has ``mql_at`` and ``sql_at`` only (``org.yml`` keeps the default stages, so the funnel
  module must collapse the stage nobody records);
* **a low win rate** (about 20%), while the leak to act on is before the opportunity;
* **a buyer profile with no effect**: job titles are drawn independently of everything;
* **a follow-up problem on a few reps** (``problem_reps`` of ``n_reps``): until the alignment
  start they answer late or never and give up after one or two touches; from the alignment
  start they work like everyone else;
* **an ICP by industry** (a few SIC major groups, a minority of the accounts) that converts and
  wins more.

Every draw is vectorised; :class:`FollowUpConfig` holds the truths, :func:`generate_followup`
returns a :class:`helpers.synth.generator.SynthOrg` and :func:`write_followup_org` writes the
folder (raw CSV files, ``org.yml``, ``truths.yml``, ``lead_truths.csv``). The truths are computed
exactly from the model (:mod:`helpers.synth.followup_truths`).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: First-response buckets, as in the sample generator.
BUCKETS = ("<1h", "1-24h", ">24h", "never")


def _normal_response() -> dict:
    return {"<1h": 0.35, "1-24h": 0.45, ">24h": 0.14, "never": 0.06}


def _problem_response() -> dict:
    return {"<1h": 0.04, "1-24h": 0.16, ">24h": 0.40, "never": 0.40}


def _channels() -> dict:
    """Lead sources and their share of inquiries (no source changes a lead's chances here)."""
    return {
        "Paid Search": 0.24,
        "Webinar": 0.14,
        "Content Download": 0.20,
        "Referral": 0.08,
        "Trade Show": 0.10,
        "Partner": 0.09,
        "Organic Search": 0.15,
    }


@dataclass(frozen=True)
class FollowUpConfig:
    """Settings of the follow-up generator; its fields are the planted truths.

    ``sql_rate_*`` is the chance that an MQL worked as agreed (answered within the hour, at
    least ``touches_plateau`` touches) becomes an SQL; fewer touches scale it linearly
    (``k / touches_plateau``), a later answer by ``response_effect``, never answering to 0.
    """

    name: str = "Fabrikam Fleet Software (synthetic, follow-up scenario)"
    scenario: str = "followup"
    seed: int = 3
    n_leads: int = 6000
    start: str = "2022-01-01"
    months: int = 30
    timezone: str = "Europe/Berlin"
    currency: str = "EUR"
    lead_growth_monthly: float = 0.02
    channels: dict = field(default_factory=_channels)
    icp_sic_major_groups: tuple[str, ...] = ("50", "73")
    icp_account_share: float = 0.32
    mql_rate_icp: float = 0.80
    mql_rate_other: float = 0.45
    sql_rate_icp: float = 0.50
    sql_rate_other: float = 0.42
    touches_plateau: int = 5
    max_touches: int = 12
    touches_mean: float = 5.0  # worked MQLs get 1 + Poisson(touches_mean) touches
    under_worked_share: float = 0.10  # every rep gives up after 1-2 touches this often
    response: dict = field(default_factory=_normal_response)
    response_effect: dict = field(default_factory=lambda: {"<1h": 1.0, "1-24h": 0.8, ">24h": 0.55})
    n_reps: int = 12
    problem_reps: int = 4
    problem_response: dict = field(default_factory=_problem_response)
    problem_under_worked_share: float = 0.85
    alignment_start: str = "2023-10-01"
    sql_to_opportunity: float = 0.8
    win_rate_icp: float = 0.27
    win_rate_other: float = 0.13
    deal_median: float = 24_000.0
    deal_sigma: float = 0.6
    horizon_days: int = 60
    score_after_days: int = 3

    def replace(self, **changes: Any) -> FollowUpConfig:
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
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def validate(self) -> None:
        """Raise ``ValueError`` when the settings cannot produce a coherent organization."""
        if self.n_leads < 200:
            raise ValueError("The follow-up scenario needs at least 200 leads.")
        if not 0 <= self.problem_reps < self.n_reps:
            raise ValueError("problem_reps must be between 0 and n_reps - 1.")
        if not 2 <= self.touches_plateau <= self.max_touches:
            raise ValueError("touches_plateau must be between 2 and max_touches.")
        for r in (self.response, self.problem_response):
            if set(r) != set(BUCKETS) or abs(sum(r.values()) - 1) > 1e-9:
                raise ValueError(f"Response shares must cover {BUCKETS} and sum to 1.")

    def generate_org(self):
        """Generate this scenario (:func:`helpers.synth.followup_truths.generate_followup`)."""
        from helpers.synth.followup_truths import generate_followup

        return generate_followup(self)

    def write_org(self, out_dir, fmt: str = "csv"):
        """Write this scenario's folder (:func:`helpers.synth.followup_truths.write_followup_org`)."""
        from helpers.synth.followup_truths import write_followup_org

        return write_followup_org(self, out_dir, fmt)


#: The follow-up scenarios: the problem on 4 of 12 reps; on 3 of 12; and no problem at all
#: (a false-positive check: no owner may be named).
FOLLOWUP_SCENARIOS: dict[str, FollowUpConfig] = {"followup": FollowUpConfig()}
FOLLOWUP_SCENARIOS["followup_three"] = FollowUpConfig(
    scenario="followup_three", problem_reps=3, seed=4
)
FOLLOWUP_SCENARIOS["followup_none"] = FollowUpConfig(
    scenario="followup_none", problem_reps=0, seed=5
)
