"""A seeded generator of a realistic B2B SaaS organization with planted truths.

The generator simulates about three years of a company's demand funnel - accounts, leads,
marketing and sales activities, opportunities, monthly program spend and a revenue plan -
from a :class:`SynthConfig` whose fields *are* the truths: which segments form the ideal
customer profile, which funnel stage leaks and why, how conversion rises with sales touches
up to a plateau, when the alignment program started and what it changed, which lead
attributes drive conversion, and which column leaks the outcome. :func:`generate` returns the
raw tables and the truths; :func:`write_org` writes an organization folder (raw files,
``org.yml``, ``truths.yml`` and ``lead_truths.csv``) that the loader reads like any export.

How a lead's story is drawn (all vectorised with NumPy, one row per lead), phase by phase:

1. *Inquiry* (``timeline``, ``accounts``). Created at a time following monthly growth and a
   mild season, from a channel (``source``); attached to an account (industry by SIC code,
   employees, revenue, sites, country) and a person with a job title (seniority x function).
   The ``low_fit_source`` channel brings mostly junior people from non-ICP accounts.
2. *Marketing engagement and MQL* (``stages``). Touches before the inquiry, the inquiry
   itself, touches in the first ``score_after_days`` days; a marketing rule on fit points and
   engagement (tightened when the alignment program starts) makes the MQL, no later than the
   scoring moment (``created_at + score_after_days``).
3. *Sales process* (``sales``). Independent of the lead's attributes given the period (before
   or after the alignment start) and the rep: sales may reject a low-fit MQL; otherwise the
   first response falls in a bucket (<1h, 1-24h, >24h, never) and the rep makes ``k`` touches
   (an under-worked share gets 1-3). A worked MQL becomes an SQL with probability
   ``q(lead) * g(k) * m(bucket)`` (``model``).
4. *Opportunity* (``opportunities``). An SQL becomes an opportunity with a fixed probability,
   is won with a probability raised by the ICP, has a lognormal amount (larger in the ICP) and
   a 30-150 day cycle. Nurture touches follow (``activities``); everything after the export
   date is cut (right-censoring, ``stages``); spend and the plan follow (``plan``).

Because the sales process does not depend on the lead's attributes, the probability that a
lead becomes an opportunity within the horizon, given what is known at the scoring moment, is
computed *exactly* (``lead_truths.csv: p_true``, ``expected``): the oracle for the
lead-scoring classifier. ``truths`` assembles ``truths.yml``; ``writer`` writes the folder.
"""

from helpers.synth.config import (
    SCENARIOS,
    Channel,
    SalesRegime,
    SynthConfig,
    cfg_channel_index,
)
from helpers.synth.generator import SynthOrg, generate
from helpers.synth.leaks import HONEST_FIELDS, LEAK_FIELDS, add_leak_fields, write_leaky_org
from helpers.synth.people import _title_table  # noqa: F401  (read by tests/test_icp.py)
from helpers.synth.vocabulary import (
    ACTIVITY_TYPES,
    BUCKETS,
    COUNTRIES,
    FUNCTIONS,
    INDUSTRY_MIX,
    LEAD_STATUS,
    MARKETING_TYPES,
    NAT,
    OPEN_DEAL_STAGES,
    REASONS,
    SALES_TYPES,
    SENIORITIES,
    SIZE_BANDS,
    SIZE_EDGES,
    TRANSITIONS,
)
from helpers.synth.writer import org_yaml, write_csv, write_org, write_parquet

__all__ = [
    "ACTIVITY_TYPES",
    "BUCKETS",
    "COUNTRIES",
    "FUNCTIONS",
    "HONEST_FIELDS",
    "INDUSTRY_MIX",
    "LEAD_STATUS",
    "LEAK_FIELDS",
    "MARKETING_TYPES",
    "NAT",
    "OPEN_DEAL_STAGES",
    "REASONS",
    "SALES_TYPES",
    "SCENARIOS",
    "SENIORITIES",
    "SIZE_BANDS",
    "SIZE_EDGES",
    "TRANSITIONS",
    "Channel",
    "SalesRegime",
    "SynthConfig",
    "SynthOrg",
    "add_leak_fields",
    "cfg_channel_index",
    "generate",
    "org_yaml",
    "write_csv",
    "write_leaky_org",
    "write_org",
    "write_parquet",
]
