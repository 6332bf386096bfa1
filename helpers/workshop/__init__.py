"""Workshop material: exercises generated from solutions, and self-checks for participants.

Solutions (``solutions/NN_topic.ipynb``) are the single source: :mod:`.exercises` turns each
into its exercise (answers replaced by ``...  # Your answer here``, outputs cleared) and
:mod:`.execute` re-executes them in place for nbval (``python -m helpers.workshop
execute-solutions``, :mod:`.cli`).

Self-checks never raise: each returns a :class:`CheckResult` (:mod:`.results`) that says, in
one friendly sentence, whether the answer is right and, if not, gives a hint (never the
answer). The expected values are computed from the organization's data by the same helpers
the notebooks use, so the checks work on any organization. There is one check class per
notebook (:class:`IcpChecks`, :class:`FunnelChecks`, :class:`RevenueChecks`,
:class:`ScoringChecks`, :class:`CapstoneChecks`), all configured by one
:class:`CheckParams`; :class:`Checks` gathers them for the notebooks::

    check = workshop.Checks(data, min_segment_size=min_segment_size)
    check.icp_top_industry(top_industry)

:func:`mql_rule_evidence` lets participants evaluate a candidate MQL definition.
"""

from helpers.workshop.checks import MODULE_CHECKS, Checks
from helpers.workshop.checks_base import ModuleChecks
from helpers.workshop.checks_capstone import CapstoneChecks, mql_rule_evidence
from helpers.workshop.checks_funnel import FunnelChecks
from helpers.workshop.checks_icp import IcpChecks
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
from helpers.workshop.params import CheckParams
from helpers.workshop.results import (
    CHECK_MIME,
    STATUSES,
    CheckResult,
    check_bool,
    check_choice,
    check_number,
    check_set,
    checked,
    combine,
    is_unanswered,
    unanswered,
)

__all__ = [
    # results and comparisons
    "CHECK_MIME",
    "STATUSES",
    "CheckResult",
    "check_bool",
    "check_choice",
    "check_number",
    "check_set",
    "checked",
    "combine",
    "is_unanswered",
    "unanswered",
    # the curriculum's checks
    "MODULE_CHECKS",
    "CapstoneChecks",
    "CheckParams",
    "Checks",
    "FunnelChecks",
    "IcpChecks",
    "ModuleChecks",
    "RevenueChecks",
    "ScoringChecks",
    "mql_rule_evidence",
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
