"""Workshop material: exercises generated from solutions, and self-checks for participants.

Solutions (``solutions/NN_topic.ipynb``) are the single source: :mod:`.exercises` turns each
into its exercise (answers replaced by ``...  # Your answer here``, outputs cleared) and
:mod:`.execute` re-executes them in place for nbval (``python -m helpers.workshop
execute-solutions``, :mod:`.cli`).

Self-checks never raise: each returns a :class:`CheckResult` (:mod:`.results`) that says, in
one friendly sentence, whether the answer is right and, if not, gives a concept hint, then a
code hint (never the answer); a right answer shows the expected value. Every exercise can be
answered by reading a displayed table or chart: the value read off the screen is accepted
within a tolerance. The expected values are computed from the organization's data by the same
helpers the notebooks use, so the checks work on any organization. There is one check class
per notebook (:class:`IcpChecks`, :class:`FunnelChecks`, :class:`RevenueChecks`,
:class:`ScoringChecks`, :class:`CapstoneChecks`, :class:`MeetingChecks`), all configured by
one :class:`CheckParams`; :class:`Checks` gathers them for the notebooks::

    check = workshop.Checks(data, min_segment_size=min_segment_size)
    check.icp_top_industry(top_industry)

Around the checks: the tables the exercises display (:mod:`.tables`; :mod:`.meeting_tables`:
the meeting kit's brief and SLA as the workshop shows them, its agenda and the role-play
handouts), the organizations the capstone and
the meeting generate (:mod:`.orgs`), the meeting's charts (:mod:`.plots`), the
facilitator's answer key (:mod:`.answer_key`), the printable handouts (:mod:`.handouts`) and
the debrief slides (:mod:`.slides`).
"""

from helpers.workshop.answer_key import (
    KEY_FILE,
    KeyEntry,
    NotebookKey,
    answer_key,
    answer_key_text,
    notebook_key,
    reveal,
    solution_checks,
    write_answer_key,
)
from helpers.workshop.checks import MODULE_CHECKS, NOTEBOOK_CHECKS, Checks
from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.checks_capstone import CapstoneChecks, mql_rule_evidence
from helpers.workshop.checks_funnel import FunnelChecks
from helpers.workshop.checks_icp import IcpChecks
from helpers.workshop.checks_meeting import MeetingChecks
from helpers.workshop.checks_revenue import RevenueChecks
from helpers.workshop.checks_scoring import ScoringChecks
from helpers.workshop.cli import main
from helpers.workshop.execute import (
    SolutionRun,
    check_outputs,
    error_outputs,
    execute_in_place,
    execute_notebooks,
    execute_solution,
    execute_solutions,
)
from helpers.workshop.exercises import (
    ANSWER_COMMENT,
    BEGIN_SOLUTION,
    END_SOLUTION,
    KERNEL_NAME,
    MD_ANSWER_PLACEHOLDER,
    MD_BEGIN_SOLUTION,
    MD_END_SOLUTION,
    NB_VERSION,
    REMOVED_TAGS,
    SolutionFormatError,
    exercise_from_solution,
    exercise_text,
    generate_exercises,
    has_solution,
    notebook_text,
    solution_paths,
    stale_exercises,
    strip_code_solution,
    strip_markdown_solution,
)
from helpers.workshop.handouts import (
    HANDOUTS_FILE,
    handouts_text,
    markdown_table,
    meeting_view_for_solution,
    write_handouts,
)
from helpers.workshop.meeting_tables import (
    AGENDA_COLUMNS,
    ROLES,
    STEP_OWNER,
    MeetingView,
    alert_agenda,
    first_alert,
    meeting_view,
    role_handout,
    sla_table,
    step_owner,
    workshop_inputs,
)
from helpers.workshop.orgs import (
    capstone_org,
    generated_org,
    incident_regime,
    meeting_org,
    notebook_parameters,
    org_for_parameters,
)
from helpers.workshop.params import CheckParams
from helpers.workshop.plots import (
    STATUS_COLOURS,
    plot_agenda,
    plot_channel_costs,
    plot_sla_by_owner,
)
from helpers.workshop.results import (
    CHECK_MIME,
    REVEAL,
    STATUSES,
    CheckResult,
    check_bool,
    check_choice,
    check_number,
    check_set,
    checked,
    combine,
    format_number,
    is_unanswered,
    revealed,
    shown_number,
    unanswered,
)
from helpers.workshop.slides import (
    SLIDES_DIR,
    slide_notebook,
    slide_type,
    slides_html,
    split_at_headings,
    write_slides,
)
from helpers.workshop.tables import (
    agreed_rules,
    best_definition,
    mql_definition_options,
    rule_segments,
    split_tiers,
)

__all__ = [
    # results and comparisons
    "CHECK_MIME",
    "REVEAL",
    "STATUSES",
    "CheckResult",
    "check_bool",
    "check_choice",
    "check_number",
    "check_set",
    "checked",
    "combine",
    "format_number",
    "is_unanswered",
    "revealed",
    "shown_number",
    "unanswered",
    # the curriculum's checks
    "MODULE_CHECKS",
    "NOTEBOOK_CHECKS",
    "CapstoneChecks",
    "CheckParams",
    "Checks",
    "FunnelChecks",
    "IcpChecks",
    "MeetingChecks",
    "ModuleChecks",
    "RevenueChecks",
    "ScoringChecks",
    "mql_rule_evidence",
    # tables the exercises display
    "agreed_rules",
    "best_definition",
    "mql_definition_options",
    "rule_segments",
    "split_tiers",
    # the weekly meeting and its role-play
    "AGENDA_COLUMNS",
    "ROLES",
    "STEP_OWNER",
    "MeetingView",
    "alert_agenda",
    "first_alert",
    "meeting_view",
    "role_handout",
    "sla_table",
    "step_owner",
    "workshop_inputs",
    "STATUS_COLOURS",
    "plot_agenda",
    "plot_channel_costs",
    "plot_sla_by_owner",
    # the workshop's organizations
    "capstone_org",
    "generated_org",
    "incident_regime",
    "meeting_org",
    "notebook_parameters",
    "org_for_parameters",
    # facilitator material
    "HANDOUTS_FILE",
    "KEY_FILE",
    "KeyEntry",
    "NotebookKey",
    "SLIDES_DIR",
    "answer_key",
    "answer_key_text",
    "handouts_text",
    "markdown_table",
    "meeting_view_for_solution",
    "notebook_key",
    "reveal",
    "slide_notebook",
    "slide_type",
    "slides_html",
    "split_at_headings",
    "solution_checks",
    "write_answer_key",
    "write_handouts",
    "write_slides",
    # exercises generated from solutions
    "ANSWER_COMMENT",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "KERNEL_NAME",
    "MD_ANSWER_PLACEHOLDER",
    "MD_BEGIN_SOLUTION",
    "MD_END_SOLUTION",
    "NB_VERSION",
    "REMOVED_TAGS",
    "SolutionFormatError",
    "exercise_from_solution",
    "exercise_text",
    "generate_exercises",
    "has_solution",
    "notebook_text",
    "solution_paths",
    "stale_exercises",
    "strip_code_solution",
    "strip_markdown_solution",
    # executing solutions
    "SolutionRun",
    "check_outputs",
    "error_outputs",
    "execute_in_place",
    "execute_notebooks",
    "execute_solution",
    "execute_solutions",
    "main",
]
