"""Module 1: define the ideal customer profile (ICP) from won and lost deals.

The seed article's first practice: leadership agrees on the ideal customer -
industry or SIC code, firmographics (revenue, employees, locations) and job
titles - and builds the MQL definition on it. This package turns an
organization's won/lost history into that agreement, with its uncertainty.

The steps, each a function a notebook calls (``from helpers import icp``):

1. :func:`prepare_icp` (``inputs.py``) - one row per closed opportunity (won or
   lost; open ones are left out) with the segment of every dimension: SIC
   division, major group and code (:func:`sic_rollup`, ``sic.py``), employee /
   revenue / locations bands (:func:`band`, ``bands.py``), region, country, and
   the buyer's seniority and function (:func:`normalise_seniority`,
   :func:`normalise_function`, ``titles.py``; ``buyers.py`` segments the raw values
   when the "title" column holds occupations). Lead-only exports use each lead's
   ``converted`` flag as the outcome instead. Firmographics may also come from the deal
   rows of a one-row-per-deal export (``firmographics.py``), sizes as text bands
   ("1K to 5K", ordered by :func:`parse_band`), and any mapped column declared in
   ``org.yml: parameters: icp_segments`` becomes a dimension too (``attributes.py``).
   With nothing to segment by, :func:`try_prepare_icp` gives the reason to skip.
2. :func:`segment_table` (``segments.py``) - per segment: opportunities, wins,
   win rate with a Wilson 95% interval, lift, average won deal, median sales
   cycle, revenue per lead. Small segments are pooled into ``"Other (small)"``
   (unordered dimensions) or flagged ``reliable=False`` (bands);
   :func:`top_segments` never ranks them.
3. :func:`fit_icp` (``model.py``) - a logistic model with one "winning set of
   segments" per dimension (a band range, or the top industries), all dimensions
   weighed together and each kept only when it beats chance after the search
   (:func:`select_segment_splits`, ``search.py``: simulated null, Holm's
   step-down). The kept sets become a readable rule such as ``Industry (SIC major
   group) in {63 Insurance Carriers, 80 Health Services} and Employees
   501-5,000``, a buyer profile (seniorities, functions), an account fit score and
   tiers A-D (``tiers.py``), with their evidence (``evidence.py``).
4. :func:`icp_artifact` / :func:`write_icp` (``artifact.py``) - the agreed
   definition written to ``output_dir/icp.yml``; :func:`summary_figures`
   (``summary.py``) records the key figures of an :class:`IcpResult`.

The notebook's tables come from ``display.py``, its charts from ``plots.py``
(``ax=None`` in, the Axes out; matplotlib is imported only when a chart is drawn).

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

from helpers.icp.artifact import ICP_FILE, ICP_VERSION, icp_artifact, read_icp, write_icp
from helpers.icp.attributes import Attribute, describe_attribute, parse_segments
from helpers.icp.bands import (
    EMPLOYEE_EDGES,
    LOCATION_EDGES,
    REVENUE_EDGES,
    band,
    band_labels,
    parse_band,
    text_band_order,
)
from helpers.icp.display import (
    describe_personas,
    extra_note,
    figure_name,
    heatmap_pair,
    icp_segments,
    rule_point,
    sample_note,
    show_evidence,
    show_table,
    show_top,
    table_for,
    tier_counts,
    tier_note,
    tier_sentence,
    title_examples,
)
from helpers.icp.evidence import coverage_curve, rule_evidence, tier_evidence
from helpers.icp.firmographics import account_segments
from helpers.icp.inputs import (
    IcpInputs,
    dimension_note,
    nothing_to_segment,
    prepare_icp,
    skipped_sentences,
    try_prepare_icp,
)
from helpers.icp.labels import (
    DIMENSION_LABELS,
    FUNCTIONS,
    OTHER_SMALL,
    SENIORITIES,
    TIERS,
    UNKNOWN,
    dimension_label,
)
from helpers.icp.model import (
    Condition,
    IcpModel,
    condition_mask,
    default_model_dimensions,
    fit_icp,
)
from helpers.icp.plots import plot_coverage_curve, plot_lift_heatmap, plot_tiers, plot_win_rates
from helpers.icp.search import select_segment_splits
from helpers.icp.segments import (
    describe_segment,
    lift_matrix,
    pool_small_segments,
    segment_table,
    segment_tables,
    top_segments,
)
from helpers.icp.sic import read_sic_codes, sic_rollup
from helpers.icp.summary import IcpResult, summary_figures
from helpers.icp.tiers import assign_lead_tiers, assign_tiers, score_segments, tier_of
from helpers.icp.titles import normalise_function, normalise_seniority

__all__ = [
    "DIMENSION_LABELS",
    "EMPLOYEE_EDGES",
    "FUNCTIONS",
    "ICP_FILE",
    "ICP_VERSION",
    "LOCATION_EDGES",
    "OTHER_SMALL",
    "REVENUE_EDGES",
    "SENIORITIES",
    "TIERS",
    "UNKNOWN",
    "Attribute",
    "Condition",
    "IcpInputs",
    "IcpModel",
    "IcpResult",
    "account_segments",
    "assign_lead_tiers",
    "assign_tiers",
    "band",
    "band_labels",
    "condition_mask",
    "coverage_curve",
    "default_model_dimensions",
    "describe_attribute",
    "describe_personas",
    "describe_segment",
    "dimension_label",
    "dimension_note",
    "extra_note",
    "tier_note",
    "tier_sentence",
    "figure_name",
    "fit_icp",
    "heatmap_pair",
    "icp_artifact",
    "icp_segments",
    "lift_matrix",
    "normalise_function",
    "normalise_seniority",
    "nothing_to_segment",
    "parse_band",
    "parse_segments",
    "plot_coverage_curve",
    "plot_lift_heatmap",
    "plot_tiers",
    "plot_win_rates",
    "pool_small_segments",
    "prepare_icp",
    "read_icp",
    "read_sic_codes",
    "rule_evidence",
    "rule_point",
    "sample_note",
    "score_segments",
    "segment_table",
    "segment_tables",
    "select_segment_splits",
    "show_evidence",
    "show_table",
    "show_top",
    "sic_rollup",
    "skipped_sentences",
    "summary_figures",
    "table_for",
    "text_band_order",
    "tier_counts",
    "tier_evidence",
    "tier_of",
    "title_examples",
    "top_segments",
    "try_prepare_icp",
    "write_icp",
]
