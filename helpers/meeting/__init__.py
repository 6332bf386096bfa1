"""The alignment meeting kit: the weekly funnel brief, the quarterly business review pack,
the SLA between sales and marketing, and the sign-off sheet.

The seed article's practices are meetings and agreements: "weekly high-level meetings to
review funnel metrics, possible leaks and evaluate program investments", "in-depth quarterly
business reviews", an agreed ICP and "clear and objective measures" for the MQL. This package
gives those meetings something to hold, every figure computed by the curriculum's modules
(``helpers.funnel``, ``revenue``, ``icp``, ``scoring``) exactly as the notebooks compute it.

Use::

    from helpers import meeting

    inputs = meeting.inputs_from_report("reports/sample")   # or inputs_from_org("datasets/sample")
    brief = meeting.weekly_brief(inputs, week="2024-12-23")  # volume, conversion, sla, investments
    meeting.brief_figures(brief)                              # its key figures, plain
    review = meeting.quarterly_review(inputs, quarter="2024Q4")
    terms = meeting.sla_terms(inputs)                         # what sla.yml holds
    sheet = meeting.signoff_from_report("reports/sample")     # ICP + MQL + SLA on one page
    meeting.write_page(meeting.render_brief(brief), "brief.html")

Files: ``inputs`` (the data, parameters and artifacts; each module step run once),
``brief`` (the weekly brief's blocks), ``questions`` (the three questions the data raises),
``qbr`` (the quarterly review), ``sla`` (the SLA terms and ``sla.yml``), ``signoff`` (the
sign-off sheet), ``render`` (HTML with print styles, from ``templates/``), ``plots`` (the
kit's charts) and ``kit`` (what ``alignment-edge run`` and ``alignment-edge brief`` write).
"""

from helpers.meeting.brief import (
    Brief,
    brief_figures,
    last_full_week,
    sla_block,
    volume_block,
    week_start,
    weekly_brief,
)
from helpers.meeting.inputs import (
    MeetingInputs,
    inputs_from_org,
    inputs_from_report,
    meeting_parameters,
    read_artifact,
)
from helpers.meeting.kit import KIT_FILES, KitResult, brief_path, write_brief, write_meeting_kit
from helpers.meeting.plots import plot_quarter_funnel, plot_weekly_volume
from helpers.meeting.qbr import QuarterlyReview, quarterly_review, review_quarters
from helpers.meeting.questions import brief_questions
from helpers.meeting.render import render_brief, render_qbr, render_signoff, write_page
from helpers.meeting.signoff import SignOff, signoff_from_report, signoff_sheet
from helpers.meeting.sla import sla_terms, write_sla

__all__ = [
    "KIT_FILES",
    "Brief",
    "KitResult",
    "MeetingInputs",
    "QuarterlyReview",
    "SignOff",
    "brief_figures",
    "brief_path",
    "brief_questions",
    "inputs_from_org",
    "inputs_from_report",
    "last_full_week",
    "meeting_parameters",
    "plot_quarter_funnel",
    "plot_weekly_volume",
    "quarterly_review",
    "read_artifact",
    "render_brief",
    "render_qbr",
    "render_signoff",
    "review_quarters",
    "signoff_from_report",
    "signoff_sheet",
    "sla_block",
    "sla_terms",
    "volume_block",
    "week_start",
    "weekly_brief",
    "write_brief",
    "write_meeting_kit",
    "write_page",
    "write_sla",
]
