"""Workshop material: exercises generated from solutions, and self-checks for participants.

Solutions (``solutions/NN_topic.ipynb``) are the single source. Each exercise in a
solution puts its answer code between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
and ends with a self-check call::

    # BEGIN SOLUTION
    rankable = industry[industry["reliable"] & ~industry["pooled"]]
    top_industry = rankable.sort_values("win_rate", ascending=False)["segment"].iloc[0]
    # END SOLUTION
    check.icp_top_industry(top_industry)

:func:`exercise_from_solution` turns a solution into an exercise: the block becomes
``top_industry = ...  # Your answer here`` (one line per answer the rest of the cell
reads), markdown between ``<!-- BEGIN SOLUTION -->`` and
``<!-- END SOLUTION -->`` becomes *Your answer here.*, cells tagged ``solution`` or
``hidden-check`` are removed, and every output is cleared so no chart gives an
answer away. :func:`generate_exercises` writes ``exercises/`` from ``solutions/``.

Self-checks never raise: each returns a :class:`CheckResult` that says, in one
friendly sentence, whether the answer is right and, if not, gives a hint (never the
answer). The expected values are computed from the organization's data by the same
helpers the notebooks use, so the checks work on any organization. The generic
comparisons (:func:`check_number`, :func:`check_choice`, :func:`check_set`) are
public; :class:`Checks` holds the curriculum's exercises, bound to one ``OrgData``, and
:func:`mql_rule_evidence` lets participants evaluate a candidate MQL definition.

Command line (``python -m helpers.workshop ...``): ``execute-solutions [NAME ...]``
re-executes solutions in place with their outputs (for nbval); ``generate`` writes
the exercises; ``check`` exits non-zero when the committed exercises are stale.
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import html
import math
import numbers
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core import paths

if TYPE_CHECKING:  # nbformat is slow to import: only the generator and the runner need it
    import nbformat

# --------------------------------------------------------------------------------------
# Markers and conventions
# --------------------------------------------------------------------------------------

BEGIN_SOLUTION = "# BEGIN SOLUTION"
END_SOLUTION = "# END SOLUTION"
ANSWER_COMMENT = "# Your answer here"
MD_BEGIN_SOLUTION = "<!-- BEGIN SOLUTION -->"
MD_END_SOLUTION = "<!-- END SOLUTION -->"
MD_ANSWER_PLACEHOLDER = "*Your answer here.*"
#: Cells with one of these tags are dropped from the exercise.
REMOVED_TAGS = frozenset({"solution", "hidden-check"})
#: Display MIME type of a check result (read back by the tests from executed notebooks).
CHECK_MIME = "application/vnd.alignment-edge.check+json"
KERNEL_NAME = "python3"
NB_VERSION = 4

STATUSES = ("correct", "incorrect", "unanswered", "error")
_ICONS = {"correct": "✅", "incorrect": "❌", "unanswered": "✏️", "error": "⚠️"}
_LABELS = {
    "correct": "right",
    "incorrect": "not yet",
    "unanswered": "not answered yet",
    "error": "the check could not run",
}
_COLOURS = {"correct": "#2ca02c", "incorrect": "#d62728", "unanswered": "#7f7f7f", "error": "#ff7f0e"}


# --------------------------------------------------------------------------------------
# Check results and generic comparisons
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one self-check, shown to the participant.

    Attributes
    ----------
    exercise : str
        Exercise number as shown in the notebook, e.g. ``"1.3"``.
    status : str
        ``"correct"``, ``"incorrect"``, ``"unanswered"`` or ``"error"``.
    message : str
        One friendly sentence: right or not, never the expected answer.
    hint : str
        What to look at next (empty when the answer is right).
    """

    exercise: str
    status: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"A check status must be one of {STATUSES}, not '{self.status}'.")

    @property
    def passed(self) -> bool:
        """True only when the answer is right."""
        return self.status == "correct"

    def __str__(self) -> str:
        text = f"{_ICONS[self.status]} Exercise {self.exercise} - {_LABELS[self.status]}: {self.message}"
        if self.hint and not self.passed:
            text += f" Hint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "status": self.status,
            "passed": self.passed,
            "message": self.message,
            "hint": self.hint,
        }

    def _repr_html_(self) -> str:
        hint = ""
        if self.hint and not self.passed:
            hint = f"<br><i>Hint:</i> {html.escape(self.hint)}"
        return (
            f'<div style="border-left: 4px solid {_COLOURS[self.status]}; padding: 4px 10px;">'
            f"{_ICONS[self.status]} <b>Exercise {html.escape(self.exercise)} - "
            f"{_LABELS[self.status]}</b>: {html.escape(self.message)}{hint}</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {
            "text/plain": str(self),
            "text/html": self._repr_html_(),
            CHECK_MIME: self.to_dict(),
        }


def is_unanswered(answer: Any) -> bool:
    """True when ``answer`` is still the exercise's placeholder (``...`` or ``None``).

    A list, tuple, set or dict that contains ``...`` counts as unanswered too.
    """
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, list | tuple | set | frozenset):
        return any(a is Ellipsis for a in answer)
    if isinstance(answer, dict):
        return any(v is Ellipsis for v in answer.values())
    return False


def unanswered(exercise: str) -> CheckResult:
    """The result of a check whose answer is still ``...`` (no hint: try first)."""
    return CheckResult(
        exercise, "unanswered", "replace the `...` with your answer, then run this cell again."
    )


def _as_number(answer: Any) -> float | None:
    """A real number from ``answer`` (Python, NumPy or pandas scalar), or None."""
    if isinstance(answer, bool | np.bool_):
        return None
    if isinstance(answer, pd.Series | pd.DataFrame | np.ndarray):
        if answer.size != 1:
            return None
        answer = np.asarray(answer).reshape(-1)[0]
    if isinstance(answer, numbers.Real):
        value = float(answer)
        return None if math.isnan(value) else value
    return None


def _kind(answer: Any) -> str:
    """What an answer is, in words ("text", "a list", "a table"...)."""
    if isinstance(answer, str):
        return "text"
    if isinstance(answer, bool | np.bool_):
        return "True/False"
    if isinstance(answer, pd.DataFrame):
        return "a table (DataFrame)"
    if isinstance(answer, pd.Series):
        return "a column (Series)"
    if isinstance(answer, list | tuple | set | np.ndarray | pd.Index):
        return "a list"
    if isinstance(answer, numbers.Number):
        return "a number"
    name = type(answer).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _close(a: float, b: float, rel_tol: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(abs_tol, rel_tol * abs(b))


def check_number(
    exercise: str,
    answer: Any,
    expected: float,
    *,
    what: str,
    hint: str,
    rel_tol: float = 0.01,
    abs_tol: float = 0.0,
    fraction: bool = False,
    mistakes: Sequence[tuple[float, str]] = (),
    right: str = "",
) -> CheckResult:
    """Compare a numeric answer with the value computed from the data.

    Parameters
    ----------
    exercise : str
        Exercise number shown to the participant.
    answer : number
        The participant's answer.
    expected : float
        The value computed from the data (never shown).
    what : str
        What the number is, for the message ("the overall win rate").
    hint : str
        Shown when the answer is wrong.
    rel_tol, abs_tol : float
        The answer is right when ``|answer - expected| <= max(abs_tol, rel_tol * |expected|)``.
    fraction : bool
        The number is a rate stored as a fraction (0.25 for 25%): an answer 100 times too
        large gets a specific hint.
    mistakes : sequence of (value, hint)
        Known wrong answers (computed from the data too) and what to say about them; the
        first one matching within the same tolerance replaces the generic hint.
    right : str
        Optional sentence shown when the answer is right (it must not state the value).

    Returns
    -------
    CheckResult
    """
    if is_unanswered(answer):
        return unanswered(exercise)
    value = _as_number(answer)
    if value is None:
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a single number, but your answer is {_kind(answer)}.",
            "give a plain number such as 0.25 or 1200 (no quotes, no % sign).",
        )
    expected = float(expected)
    if not math.isfinite(expected):
        return CheckResult(
            exercise, "error", f"{what} cannot be computed on this organization's data.",
            "this exercise needs data this organization does not have; skip it.",
        )
    if _close(value, expected, rel_tol, abs_tol):
        return CheckResult(exercise, "correct", right or f"that is {what}.")
    for wrong, wrong_hint in mistakes:
        if wrong is not None and math.isfinite(float(wrong)) and _close(value, float(wrong), rel_tol, abs_tol):
            return CheckResult(exercise, "incorrect", f"that is not quite {what}.", wrong_hint)
    if fraction and value > 1 and _close(value / 100, expected, rel_tol, abs_tol):
        return CheckResult(
            exercise,
            "incorrect",
            f"that looks like {what} written as a percentage.",
            "give rates as fractions: 25% is 0.25.",
        )
    direction = "higher" if value > expected else "lower"
    return CheckResult(
        exercise, "incorrect", f"your number is {direction} than {what} in the data.", hint
    )


def _norm(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def check_choice(
    exercise: str,
    answer: Any,
    expected: Any,
    *,
    what: str,
    hint: str,
    options: Iterable[Any] | None = None,
    mistakes: dict[Any, str] | None = None,
    right: str = "",
) -> CheckResult:
    """Compare a one-word / one-label answer (case and spacing ignored).

    Parameters
    ----------
    expected : str or collection of str
        The right label, or several equally right labels (ties).
    options : collection, optional
        The labels a participant may choose from; an answer outside them is told so.
    mistakes : dict, optional
        Known wrong labels -> what they reveal (the hint shown for them).
    """
    if is_unanswered(answer):
        return unanswered(exercise)
    if not isinstance(answer, str | numbers.Number | np.generic):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a single label, but your answer is {_kind(answer)}.",
            "give the label as text in quotes, e.g. \"sales\".",
        )
    accepted = (
        {_norm(e) for e in expected}
        if isinstance(expected, list | tuple | set | frozenset | pd.Index)
        else {_norm(expected)}
    )
    given = _norm(answer)
    if given in accepted:
        return CheckResult(exercise, "correct", right or f"that is {what}.")
    if options is not None:
        allowed = list(dict.fromkeys(str(o) for o in options))
        if given not in {_norm(o) for o in allowed}:
            return CheckResult(
                exercise,
                "incorrect",
                f"'{answer}' is not one of the labels in the data for {what}.",
                "use one of: " + ", ".join(f"'{o}'" for o in allowed) + ".",
            )
    for wrong, wrong_hint in (mistakes or {}).items():
        if _norm(wrong) == given:
            return CheckResult(exercise, "incorrect", f"that is not {what}.", wrong_hint)
    return CheckResult(exercise, "incorrect", f"that is not {what}.", hint)


def check_set(
    exercise: str,
    answer: Any,
    expected: Iterable[Any],
    *,
    what: str,
    hint: str,
    right: str = "",
) -> CheckResult:
    """Compare a collection of labels with the expected set (order, case and spacing ignored)."""
    if is_unanswered(answer):
        return unanswered(exercise)
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a list of labels, but your answer is {_kind(answer)}.",
            "give a list, e.g. [\"a\", \"b\"].",
        )
    given = {_norm(a) for a in answer}
    want = {_norm(e) for e in expected}
    if given == want:
        return CheckResult(exercise, "correct", right or f"those are {what}.")
    missing, extra = len(want - given), len(given - want)
    parts = []
    if missing:
        parts.append(f"{missing} missing")
    if extra:
        parts.append(f"{extra} that do not belong")
    return CheckResult(
        exercise, "incorrect", f"your list of {what} has " + " and ".join(parts) + ".", hint
    )


def checked(exercise: str, hint: str) -> Callable:
    """Decorate a :class:`Checks` method: placeholders and failures become results, never raises.

    The decorated method receives the answers and returns a :class:`CheckResult`. Any
    answer still ``...`` gives a "not answered yet" result before anything is computed;
    an exception while computing the expected value gives an ``"error"`` result.
    """

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, *answers, **kw_answers):
            if not answers and not kw_answers:
                return unanswered(exercise)
            if any(is_unanswered(a) for a in (*answers, *kw_answers.values())):
                return unanswered(exercise)
            try:
                result = method(self, *answers, **kw_answers)
            except ValueError as exc:  # the helpers' sentence: the data cannot answer this exercise
                return CheckResult(
                    exercise, "error", str(exc),
                    "this exercise needs data this organization does not have: go on to the next one.",
                )
            except Exception as exc:  # a check must never raise in front of a participant
                return CheckResult(
                    exercise,
                    "error",
                    f"{type(exc).__name__}: {exc}",
                    "run all the cells above from the top (Run > Run All Cells), then this one.",
                )
            if not isinstance(result, CheckResult):
                return CheckResult(exercise, "error", "this check returned no result.", "")
            return result

        wrapper.exercise = exercise
        wrapper.hint = hint
        return wrapper

    return decorate


def check_bool(
    exercise: str, answer: Any, expected: bool, *, what: str, hint: str, right: str = ""
) -> CheckResult:
    """Compare a yes/no answer given as ``True`` or ``False``."""
    if is_unanswered(answer):
        return unanswered(exercise)
    if not isinstance(answer, bool | np.bool_):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be True or False, but your answer is {_kind(answer)}.",
            "write True or False, without quotes.",
        )
    if bool(answer) == bool(expected):
        return CheckResult(exercise, "correct", right or f"that is the right reading of {what}.")
    return CheckResult(exercise, "incorrect", f"your True/False for {what} does not match the data.", hint)


def combine(exercise: str, parts: Sequence[CheckResult], right: str) -> CheckResult:
    """One result for a several-part answer: the first part that is not right, else ``right``."""
    for part in parts:
        if not part.passed:
            return CheckResult(exercise, part.status, part.message, part.hint)
    return CheckResult(exercise, "correct", right)


# --------------------------------------------------------------------------------------
# The curriculum's self-checks
# --------------------------------------------------------------------------------------


def _leading_code(label: str) -> str:
    """``"73 Business Services"`` -> ``"73"`` (SIC labels start with their code)."""
    head = str(label).split(" ", 1)[0]
    return head if head.isdigit() else str(label)


def mql_rule_evidence(features, labels, tiers: Iterable[str], min_touches: int) -> dict[str, float]:
    """How a candidate rule-based MQL definition does on the leads old enough to be labelled.

    The rule is the curriculum's agreed-rule shape (:class:`helpers.scoring.RuleSpec`): the
    lead's ICP tier is one of ``tiers`` and it had at least ``min_touches`` marketing touches
    by its scoring moment.

    Parameters
    ----------
    features : helpers.scoring.FeatureSet
        From :func:`helpers.scoring.build_features` (with ICP tiers).
    labels : helpers.scoring.LabelResult
        From :func:`helpers.scoring.build_labels`.
    tiers : iterable of str
        ICP tiers that qualify, e.g. ``["A", "B"]``.
    min_touches : int
        Minimum marketing touches before the scoring moment.

    Returns
    -------
    dict
        ``mql_share`` (share of labelled leads that are MQLs), ``conversion`` (conversion of
        those MQLs), ``lift`` (``conversion`` / conversion of all labelled leads) and ``recall``
        (share of all conversions that were MQLs).

    Raises
    ------
    ValueError
        When a tier is not one of A, B, C, D, or no lead is labelled.
    """
    from helpers import scoring

    tiers = [str(t).strip().upper() for t in tiers]
    unknown = [t for t in tiers if t not in ("A", "B", "C", "D")]
    if unknown or not tiers:
        raise ValueError(f"ICP tiers are A, B, C and D; {unknown or 'no tier'} is not a tier list.")
    eligible = labels.table["eligible"].to_numpy(dtype=bool)
    if not eligible.any():
        raise ValueError("No lead is old enough to be labelled, so no definition can be evaluated.")
    y = labels.table["label"].to_numpy(dtype=float)[eligible]
    rule = scoring.RuleSpec(tiers=tuple(tiers), min_touches=int(min_touches))
    mql = np.asarray(scoring.rule_is_mql(features.frame, rule), dtype=bool)[eligible]
    base = float(y.mean())
    conversion = float(y[mql].mean()) if mql.any() else 0.0
    return {
        "mql_share": float(mql.mean()),
        "conversion": conversion,
        "lift": conversion / base if base > 0 else float("nan"),
        "recall": float(y[mql].sum() / y.sum()) if y.sum() > 0 else float("nan"),
    }


class Checks:
    """The self-checks of the workshop's exercises, bound to one organization's data.

    Every expected answer is computed from ``data`` with the same helpers the analysis
    notebooks use (and cached), so the checks hold on any organization, not only on the
    sample. Each method is one exercise; it takes the participant's answer(s) and returns a
    :class:`CheckResult` - never raises.

    Parameters
    ----------
    data : OrgData
        The organization the exercises run on (``helpers.data.load.load_org``).
    min_segment_size : int
        Closed opportunities a segment needs to be ranked (module 1).
    max_rule_conditions : int
        Most firmographic conditions in the ICP rule (module 1).
    tier_lifts : (float, float, float)
        Tier A, B and C cut-offs as multiples of the overall win rate (module 1).
    sla_hours : float
        Agreed first-response time of an MQL (module 2).
    label_stage, horizon_days, score_after_days, test_share, max_single_auc
        The label, the out-of-time split and the leakage check (module 4).
    rule_tiers, rule_min_touches
        The agreed rule-based MQL definition: ICP tiers and marketing touches (module 4).
    sales_reps, leads_per_rep_per_week
        Sales capacity, which sets the MQL threshold (module 4).
    touches_plateau, horizon_months
        Sales touches worth making, and the months projected in the scenarios (module 3).
    mql_min_lift, mql_min_recall
        The bars an agreed MQL definition must meet (capstone): its MQLs convert at least
        ``mql_min_lift`` times as often as the average lead (sales' bar) and catch at least
        ``mql_min_recall`` of the conversions (marketing's bar).
    seed : int
        Random seed of the models (module 4) and simulations (module 3).

    Examples
    --------
    >>> check = Checks(data)                       # doctest: +SKIP
    >>> check.icp_overall_win_rate(0.52)           # doctest: +SKIP
    ✅ Exercise 1.1 - right: that is the overall win rate of closed opportunities.
    """

    def __init__(
        self,
        data,
        *,
        min_segment_size: int = 30,
        max_rule_conditions: int = 3,
        tier_lifts: tuple[float, float, float] = (1.25, 1.0, 0.75),
        sla_hours: float = 24.0,
        label_stage: str = "opportunity",
        horizon_days: int = 90,
        score_after_days: int = 0,
        test_share: float = 0.25,
        max_single_auc: float = 0.95,
        rule_tiers: Sequence[str] = ("A", "B"),
        rule_min_touches: int = 2,
        sales_reps: int = 4,
        leads_per_rep_per_week: float = 3.0,
        touches_plateau: int = 6,
        horizon_months: int = 24,
        mql_min_lift: float = 2.0,
        mql_min_recall: float = 0.4,
        seed: int = 42,
    ) -> None:
        self.data = data
        self.min_segment_size = int(min_segment_size)
        self.max_rule_conditions = int(max_rule_conditions)
        self.tier_lifts = tuple(float(x) for x in tier_lifts)
        self.sla_hours = float(sla_hours)
        self.label_stage = label_stage
        self.horizon_days = int(horizon_days)
        self.score_after_days = int(score_after_days)
        self.test_share = float(test_share)
        self.max_single_auc = float(max_single_auc)
        self.rule_tiers = tuple(rule_tiers)
        self.rule_min_touches = int(rule_min_touches)
        self.sales_reps = int(sales_reps)
        self.leads_per_rep_per_week = float(leads_per_rep_per_week)
        self.touches_plateau = int(touches_plateau)
        self.horizon_months = int(horizon_months)
        self.mql_min_lift = float(mql_min_lift)
        self.mql_min_recall = float(mql_min_recall)
        self.seed = int(seed)
        self._cache: dict[str, Any] = {}

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @classmethod
    def exercises(cls) -> dict[str, str]:
        """Exercise number -> check method name, in order."""
        found = {
            getattr(cls, name).exercise: name
            for name in dir(cls)
            if not name.startswith("_") and hasattr(getattr(cls, name), "exercise")
        }
        return dict(sorted(found.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]))

    def __repr__(self) -> str:
        listed = ", ".join(f"{number} {name}" for number, name in self.exercises().items())
        return f"Self-checks on {getattr(self.data, 'name', 'this organization')}: {listed}"

    # ---------------------------------------------------------------- module 1: the ICP

    def _icp_inputs(self):
        from helpers import icp

        d = self.data
        return self._cached(
            "icp_inputs",
            lambda: icp.prepare_icp(leads=d.leads, opportunities=d.opportunities, accounts=d.accounts),
        )

    def _icp_tables(self) -> pd.DataFrame:
        from helpers import icp

        return self._cached(
            "icp_tables", lambda: icp.segment_tables(self._icp_inputs(), min_n=self.min_segment_size)
        )

    def _icp_model(self):
        from helpers import icp

        return self._cached(
            "icp_model",
            lambda: icp.fit_icp(
                self._icp_inputs(),
                min_n=self.min_segment_size,
                max_conditions=self.max_rule_conditions,
                tier_lifts=self.tier_lifts,
            ),
        )

    def _icp_table(self, dimension: str) -> pd.DataFrame:
        from helpers import icp

        table = icp.table_for(self._icp_tables(), dimension)
        if table.empty:
            raise ValueError(f"this organization's data has no '{dimension}' segments.")
        return table

    def _rankable(self, table: pd.DataFrame) -> pd.DataFrame:
        from helpers import icp

        return table[table["reliable"] & ~table["pooled"] & (table["segment"] != icp.UNKNOWN)]

    @checked("1.1", "won / (won + lost): open opportunities have no outcome yet.")
    def icp_overall_win_rate(self, answer) -> CheckResult:
        """Exercise 1.1: the overall win rate of closed opportunities."""
        inputs = self._icp_inputs()
        expected = float(inputs.deals["won"].astype(bool).mean())
        with_open = float(inputs.deals["won"].sum()) / (len(inputs.deals) + inputs.open_excluded)
        return check_number(
            "1.1", answer, expected,
            what="the overall win rate of closed opportunities",
            hint="divide the won opportunities by the closed ones (won + lost).",
            rel_tol=0.005, fraction=True,
            mistakes=[(with_open, "open opportunities are not lost yet: leave them out of the denominator.")],
        )

    @checked("1.2", "look at the industry chart: green/blue bars with enough deals.")
    def icp_top_industry(self, answer) -> CheckResult:
        """Exercise 1.2: the industry segment that wins most often, among rankable ones."""
        dimension = self._icp_inputs().industry_dimension
        if dimension is None:
            raise ValueError("this organization's data has no industry or SIC code.")
        table = self._icp_table(dimension)
        ranked = self._rankable(table)
        best = ranked.loc[ranked["win_rate"] == ranked["win_rate"].max(), "segment"].tolist()
        accepted = best + [_leading_code(b) for b in best]
        unreliable = table.loc[~table["segment"].isin(ranked["segment"]), "segment"].tolist()
        mistakes = {s: "that segment has too few deals (or is a pool of small ones) to be ranked." for s in unreliable}
        mistakes.update({_leading_code(s): mistakes[s] for s in unreliable if s in mistakes})
        return check_choice(
            "1.2", answer, accepted,
            what="the industry with the highest win rate among segments with enough deals",
            hint="keep the rows marked reliable (not 'Other (small)' or 'Unknown'), then sort by win_rate.",
            mistakes=mistakes,
            options=table["segment"].tolist() + [_leading_code(x) for x in table["segment"]],
            right="that is the industry that wins most often among segments with enough deals.",
        )

    @checked("1.3", "count the codes with at least min_segment_size closed opportunities.")
    def icp_rankable_codes(self, answer) -> CheckResult:
        """Exercise 1.3: how many 4-digit SIC codes have enough deals to be ranked."""
        table = self._icp_table("sic_code")
        expected = len(self._rankable(table))
        if _as_number(answer) == int(table["reliable"].sum()):  # counting 'Unknown' too is fine
            expected = int(table["reliable"].sum())
        perfect = int(((table["win_rate"] == 1.0) & (table["segment"] != "Unknown")).sum())
        return check_number(
            "1.3", answer, expected,
            what="the number of 4-digit codes with enough deals to rank",
            hint="filter the 4-digit table on the 'reliable' column (or on opportunities >= min_segment_size).",
            abs_tol=0, rel_tol=0,
            mistakes=[
                (perfect, "those are the codes that won every deal - on how many deals each?"),
                (len(table), "that counts every code, however few deals it has."),
            ],
        )

    @checked("1.4", "highest lift among reliable bands; then compare ci_low with the overall rate.")
    def icp_size_band(self, band, proven) -> CheckResult:
        """Exercise 1.4: the employee band with the highest lift, and whether its interval clears the average."""
        inputs = self._icp_inputs()
        table = self._rankable(self._icp_table("employee_band"))
        top = table.loc[table["lift"] == table["lift"].max()]
        overall = float(inputs.deals["won"].astype(bool).mean())
        first = check_choice(
            "1.4", band, top["segment"].tolist(),
            what="the employee band with the highest lift among bands with enough deals",
            hint="keep the reliable bands, then take the largest lift.",
            options=self._icp_table("employee_band")["segment"].tolist(),
        )
        second = check_bool(
            "1.4", proven, bool((top["ci_low"] > overall).all()),
            what="whether that band's 95% interval stays above the overall win rate (proven)",
            hint="'proven' means the low end of the interval (ci_low) is above the overall win rate.",
        )
        return combine("1.4", [first, second], "right band, and the right reading of its interval.")

    @checked("1.5", "rule_evidence: the 'inside ICP' row, columns leads_share and win_rate.")
    def icp_rule_evidence(self, coverage, win_rate) -> CheckResult:
        """Exercise 1.5: the ICP rule's share of leads and its win rate."""
        from helpers import icp

        evidence = icp.rule_evidence(self._icp_inputs(), self._icp_model()).loc["inside ICP"]
        first = check_number(
            "1.5", coverage, float(evidence["leads_share"]),
            what="the share of leads inside the ICP rule", fraction=True, rel_tol=0.01,
            hint="coverage is measured on leads here: the 'leads_share' column.",
            mistakes=[
                (float(evidence["opportunities_share"]), "that is the share of closed deals, not of leads."),
                (float(evidence["accounts_share"]), "that is the share of accounts, not of leads."),
            ],
        )
        second = check_number(
            "1.5", win_rate, float(evidence["win_rate"]),
            what="the win rate inside the ICP rule", fraction=True, rel_tol=0.01,
            hint="the 'win_rate' column of the 'inside ICP' row.",
        )
        return combine("1.5", [first, second], "that is the rule's coverage of leads and its win rate.")

    @checked("1.6", "the segment of the rule with the lowest win rate; its leads inside the rule / all leads.")
    def icp_drop_segment(self, segment, coverage_cost) -> CheckResult:
        """Exercise 1.6: the weakest segment of the rule, and the share of leads dropping it costs."""
        from helpers import icp

        inputs, model = self._icp_inputs(), self._icp_model()
        candidates = []
        for cond in model.conditions:
            if len(cond.segments) < 2:
                continue
            rates = self._icp_table(cond.dimension).set_index("segment")["win_rate"]
            for seg in cond.segments:
                if seg in rates.index:
                    candidates.append((float(rates[seg]), cond.dimension, seg))
        if not candidates:
            raise ValueError("this organization's ICP rule has no condition with two segments to choose from.")
        low = min(c[0] for c in candidates)
        weakest = [c for c in candidates if c[0] == low]
        leads = inputs.leads
        inside = icp.condition_mask(leads, model.conditions)
        costs = [float((inside & (leads[dim].astype("str") == seg)).mean()) for _, dim, seg in weakest]
        naive = [float((leads[dim].astype("str") == seg).mean()) for _, dim, seg in weakest]
        names = [seg for _, _, seg in weakest]
        first = check_choice(
            "1.6", segment, names + [_leading_code(n) for n in names],
            what="the segment of the rule with the lowest win rate",
            hint="look up the win rate of each segment named in the rule, in its segment table.",
            options=[c[2] for c in candidates] + [_leading_code(c[2]) for c in candidates],
        )
        if not first.passed:
            return first
        index = next(i for i, n in enumerate(names) if _norm(n) == _norm(segment) or _norm(_leading_code(n)) == _norm(segment))
        second = check_number(
            "1.6", coverage_cost, costs[index],
            what="the share of all leads the ICP would lose", fraction=True, rel_tol=0.02,
            hint="count the leads inside the rule that are in that segment, divided by all leads.",
            mistakes=[(naive[index], "only the leads inside the rule leave it: combine the segment with the rule's mask.")]
            if len(model.conditions) > 1 else [],
        )
        return combine("1.6", [first, second], "right segment, and the right price in coverage.")

    # ---------------------------------------------------------------- module 2: the funnel

    def _journeys(self):
        from helpers import funnel

        return self._cached("journeys", lambda: funnel.from_org(self.data))

    def _conv(self) -> pd.DataFrame:
        from helpers import funnel

        return self._cached("conv", lambda: funnel.conversion_table(self._journeys()))

    def _ranking(self) -> pd.DataFrame:
        from helpers import funnel

        j = self._journeys()
        return self._cached("ranking", lambda: funnel.leakage_ranking(self._conv(), funnel.average_deal(j)))

    def _speed(self):
        from helpers import funnel

        j = self._journeys()
        if not funnel.has_touch_data(j):
            raise ValueError("this organization's export records no sales touches.")
        return self._cached("speed", lambda: funnel.speed_to_lead(j))

    def _plateau_or_none(self) -> int | None:
        from helpers import funnel

        def compute():
            j = self._journeys()
            if not funnel.has_touch_data(j):
                return None
            return funnel.find_plateau(funnel.touch_curve(j)).touches

        return self._cached("plateau", compute)

    def _plateau(self) -> int:
        from helpers import funnel

        if not funnel.has_touch_data(self._journeys()):
            raise ValueError("this organization's export records no sales touches.")
        plateau = self._plateau_or_none()
        if plateau is None:
            raise ValueError("conversion does not level off with touches on this data, so there is no plateau.")
        return plateau

    def _low_fit(self):
        from helpers import funnel, icp

        def compute():
            icp_def = icp.icp_artifact(self._icp_model(), self._icp_inputs())
            return funnel.low_fit_flags(self._journeys(), self.data.accounts, icp_def)[0]

        return self._cached("low_fit", compute)

    def _attribution(self) -> pd.DataFrame:
        from helpers import funnel

        return self._cached(
            "attribution",
            lambda: funnel.attribute_losses(
                self._journeys(), low_fit=self._low_fit(), plateau=self._plateau_or_none(), sla_hours=self.sla_hours
            ),
        )

    @checked("2.1", "compare the lost leads of each step, not their conversion rates.")
    def funnel_most_leads_lost(self, transition) -> CheckResult:
        """Exercise 2.1: the step that loses the most leads (old enough to judge)."""
        conv = self._conv()
        most = conv.loc[conv["lost"] == conv["lost"].max(), "transition"].tolist()
        lowest = conv.loc[conv["rate"] == conv["rate"].min(), "transition"].tolist()
        return check_choice(
            "2.1", transition, most,
            what="the step that loses the most leads",
            hint="sort the conversion table by its 'lost' column.",
            options=conv["transition"].tolist(),
            mistakes={t: "that step has the lowest rate, but a low rate on few leads loses few leads: "
                      "compare the lost leads." for t in lowest if t not in most},
        )

    @checked("2.2", "the first row of the leakage ranking, and that step's censored 'rate'.")
    def funnel_costliest_leak(self, transition, rate) -> CheckResult:
        """Exercise 2.2: the step losing the most expected revenue, and its censored conversion."""
        return self._costliest_leak("2.2", transition, rate)

    def _costliest_leak(self, exercise: str, transition, rate) -> CheckResult:
        ranking, conv = self._ranking(), self._conv().set_index("transition")
        costliest = str(ranking["transition"].iloc[0])
        most_leads = conv["lost"].idxmax()
        first = check_choice(
            exercise, transition, costliest,
            what="the step that loses the most expected revenue",
            hint="use funnel.leakage_ranking: it is sorted by lost revenue.",
            options=list(conv.index),
            mistakes={most_leads: "that step loses the most leads; rank by the revenue those leads would have brought."}
            if most_leads != costliest else {},
        )
        second = check_number(
            exercise, rate, float(conv.loc[costliest, "rate"]),
            what="that step's conversion under the censoring rule", fraction=True, rel_tol=0.01,
            hint="the 'rate' column, which leaves out leads too young to have converted.",
            mistakes=[(float(conv.loc[costliest, "rate_naive"]),
                       "that is the naive rate: it counts leads too young to have converted as lost.")],
        )
        return combine(exercise, [first, second], "right step, and its rate measured on leads old enough to judge.")

    @checked("2.3", "stl.shares and the adjusted risk ratios in stl.adjusted.")
    def funnel_speed_to_lead(self, within_24h, slow_effect) -> CheckResult:
        """Exercise 2.3: share of MQLs answered within 24 hours, and the source-adjusted effect of a slow answer."""
        stl = self._speed()
        adjusted = stl.adjusted.set_index("bucket")
        slow = str(adjusted.index[2])  # ">24h" (or ">2 days" with date-only timestamps)
        first = check_number(
            "2.3", within_24h, float(stl.shares["within_24h"]),
            what="the share of MQLs with a first sales touch within 24 hours", fraction=True, rel_tol=0.01,
            hint="stl.shares['within_24h'].",
            mistakes=[(float(stl.shares["within_1h"] or np.nan), "that is the share within one hour.")],
        )
        second = check_number(
            "2.3", slow_effect, float(adjusted.loc[slow, "rr"]),
            what=f"the adjusted risk ratio of the '{slow}' bucket", rel_tol=0.01,
            hint="the 'rr' column of stl.adjusted (adjusted for lead source), row of the slow bucket.",
            mistakes=[(float(adjusted.loc[slow, "crude_rr"]),
                       "that is the crude ratio; use the one adjusted for lead source ('rr').")],
        )
        return combine("2.3", [first, second], "right share, and the right effect of a slow answer.")

    @checked("2.4", "the touch count where the curve stops rising (find_plateau).")
    def funnel_plateau(self, touches) -> CheckResult:
        """Exercise 2.4: the touches plateau (one touch either side is accepted when read off the chart)."""
        return check_number(
            "2.4", touches, self._plateau(),
            what="the number of touches after which conversion stops rising", abs_tol=1, rel_tol=0,
            hint="look where the curve flattens, or use funnel.find_plateau(curve).touches.",
            right="that is where extra touches stop paying off on this data.",
        )

    @checked("2.5", "count the lost MQLs per cause: low-fit is marketing's side, under-worked is sales'.")
    def funnel_whose_leak(self, side, share) -> CheckResult:
        """Exercise 2.5: whose side loses more MQLs, and that side's share of the lost MQLs."""
        return self._whose_leak("2.5", side, share)

    def _whose_leak(self, exercise: str, side, share) -> CheckResult:
        from helpers import funnel

        shares = funnel.attribution_shares(self._attribution()).set_index("cause")["share"]
        by_side = {"marketing": float(shares.get("low-fit", 0.0)), "sales": float(shares.get("under-worked", 0.0))}
        bigger = [s for s, v in by_side.items() if v == max(by_side.values())]
        first = check_choice(
            exercise, side, bigger,
            what="the side whose leak is bigger",
            hint="compare the shares of 'low-fit' (marketing) and 'under-worked' (sales) lost MQLs.",
            options=["marketing", "sales"],
        )
        if not first.passed:
            return first
        second = check_number(
            exercise, share, by_side[_norm(side)],
            what=f"the share of lost MQLs on {_norm(side)}' side", fraction=True, rel_tol=0.01,
            hint="the 'share' column of funnel.attribution_shares(att), for that side's cause.",
        )
        return combine(exercise, [first, second], "right side, and the right size of its leak.")

    @checked("2.6", "funnel.leak_cause at the costliest step: its 'cause'.")
    def funnel_leak_cause(self, cause) -> CheckResult:
        """Exercise 2.6: the cause behind the costliest leak."""
        return self._leak_cause("2.6", cause)

    def _leak_cause(self, exercise: str, cause) -> CheckResult:
        from helpers import funnel

        transition = str(self._ranking()["transition"].iloc[0])
        found = funnel.leak_cause(
            self._journeys(), transition, low_fit=self._low_fit(), plateau=self._plateau_or_none(),
            sla_hours=self.sla_hours,
        )
        return check_choice(
            exercise, cause, found["cause"],
            what="the cause that explains most of the costliest leak",
            hint="call funnel.leak_cause for the costliest step and read its 'cause'.",
            options=[c for c in funnel.ATTRIBUTION_CAUSES if c != "not judged"],
            right=f"that is the cause to put on the weekly meeting's agenda ({found['side']} side).",
        )

    # ---------------------------------------------------------------- module 3: revenue

    def _rv_model(self):
        from helpers import revenue

        def compute():
            model, why = revenue.try_build_funnel(self.data)
            if model is None:
                raise ValueError(why)
            return model

        return self._cached("rv_model", compute)

    def _rv_plan(self):
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_plan",
            lambda: revenue.plan_targets(self.data.plan, model.as_of, trailing_revenue=model.trailing_revenue(12)),
        )

    def _rv_gap(self) -> pd.DataFrame:
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_gap",
            lambda: revenue.plan_gap(self._rv_plan().targets, model.rates, model.deal, model.current, seed=self.seed),
        )

    def _rv_levers(self):
        from helpers import revenue

        model = self._rv_model()
        return self._cached(
            "rv_levers",
            lambda: revenue.alignment_levers(
                model, self.data.leads, self.data.activities, plateau=self.touches_plateau,
                sla_hours=self.sla_hours, seed=self.seed,
            ),
        )

    def _rv_scenarios(self):
        from helpers import revenue

        def compute():
            model, levers = self._rv_model(), self._rv_levers()
            growth = revenue.estimate_growth(model.counts[model.top_stage], model.as_of)
            result = revenue.project_scenarios(
                model.rates, model.deal, model.current[model.top_stage],
                [levers.combined] if levers.combined else [], model.first_projection_month,
                horizon=self.horizon_months, growth=growth, seed=self.seed,
            )
            tornado = revenue.sensitivity(
                model.rates, model.deal, model.current[model.top_stage], levers.levers,
                horizon=self.horizon_months, growth=growth,
            )
            return result, tornado

        return self._cached("rv_scenarios", compute)

    @checked("3.1", "wins = plan / deal size, then divide by each conversion; round up once, at the end.")
    def revenue_hand_waterfall(self, inquiries) -> CheckResult:
        """Exercise 3.1: the worked example - inquiries for a 2.4M plan at 30k deals (25%, 60%, 50%, 15%)."""
        from helpers import revenue

        rates = {"inquiry->mql": 0.25, "mql->sql": 0.60, "sql->opportunity": 0.50, "opportunity->won": 0.15}
        table = revenue.reverse_waterfall(2_400_000, 30_000, rates)
        stepwise = 2_400_000 / 30_000
        for rate in reversed(list(rates.values())):
            stepwise = math.ceil(stepwise / rate)
        return check_number(
            "3.1", inquiries, float(table["needed_rounded"].iloc[0]),
            what="the inquiries the plan needs", rel_tol=0, abs_tol=0,
            hint="work back from the wins: divide by each conversion in turn, from the bottom up.",
            mistakes=[
                (float(table["needed"].iloc[0]), "right maths, but you cannot have a fraction of a lead: round up."),
                (math.floor(table["needed"].iloc[0]), "rounding down falls short of the plan: round up."),
                (float(stepwise), "rounding up at every stage inflates the plan: round only the final count."),
            ],
        )

    @checked("3.2", "the plan gap table: the 'needed_per_month' of the top stage.")
    def revenue_leads_needed(self, inquiries_per_month) -> CheckResult:
        """Exercise 3.2: the top-of-funnel count the plan needs per month, at today's rates."""
        return self._leads_needed("3.2", inquiries_per_month)

    def _leads_needed(self, exercise: str, per_month) -> CheckResult:
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        needed = float(gap.loc[top, "needed_per_month"])
        given = _as_number(per_month)
        if given is not None and math.isclose(given, math.ceil(needed)):
            needed = float(math.ceil(needed))  # rounded up is right too
        return check_number(
            exercise, per_month, needed,
            what=f"the {top} count the plan needs per month", rel_tol=0.005,
            hint="plan_gap gives, per stage, the count needed per month at today's observed rates.",
            mistakes=[(float(gap.loc[top, "run_rate"]), "that is what arrives today (the run-rate), not what the plan needs.")],
        )

    @checked("3.3", "the 'gap' and 'high' columns of the top stage's row.")
    def revenue_gap(self, shortfall, plan_high) -> CheckResult:
        """Exercise 3.3: the monthly shortfall against the run-rate, and the upper end of the need's interval."""
        gap = self._rv_gap().set_index("stage")
        top = self._rv_model().top_stage
        first = check_number(
            "3.3", shortfall, float(gap.loc[top, "gap"]),
            what="the monthly shortfall of today's flow", rel_tol=0.01, abs_tol=0.5,
            hint="needed per month minus today's run-rate (the 'gap' column; negative means ahead of plan).",
            mistakes=[(-float(gap.loc[top, "gap"]), "the sign is reversed: needed minus run-rate.")],
        )
        second = check_number(
            "3.3", plan_high, float(gap.loc[top, "high"]),
            what="the upper end of the 90% interval of the need", rel_tol=0.01,
            hint="the 'high' column: the need if the true rates sit at the low end of what the data allows.",
            mistakes=[(float(gap.loc[top, "low"]), "that is the lower end of the interval.")],
        )
        return combine("3.3", [first, second], "the shortfall, and how much bigger it could be.")

    @checked("3.4", "result.uplift: 'revenue_pct' and 'revenue_pct_low'.")
    def revenue_uplift(self, uplift, uplift_low) -> CheckResult:
        """Exercise 3.4: the aligned scenario's relative revenue uplift and the low end of its interval."""
        u = self._rv_scenarios()[0].uplift
        first = check_number(
            "3.4", uplift, float(u["revenue_pct"]),
            what="the aligned scenario's revenue uplift", fraction=True, rel_tol=0.01, abs_tol=0.002,
            hint="result.uplift['revenue_pct'] (a fraction of today's funnel's revenue).",
            mistakes=[(float(u["revenue"]), "that is the uplift in money; give it relative to today's revenue.")],
        )
        second = check_number(
            "3.4", uplift_low, float(u["revenue_pct_low"]),
            what="the low end of its 90% interval", fraction=True, rel_tol=0.01, abs_tol=0.002,
            hint="result.uplift['revenue_pct_low'].",
        )
        return combine("3.4", [first, second], "that is this organization's own modelled uplift, with its uncertainty.")

    @checked("3.5", "the tornado table: among the rows of kind 'lever', the largest swing.")
    def revenue_top_lever(self, lever) -> CheckResult:
        """Exercise 3.5: the sales-work lever worth the most revenue within the horizon."""
        tornado = self._rv_scenarios()[1]
        levers = tornado[tornado["kind"] == "lever"]
        if levers.empty:
            raise ValueError("this organization's data gives no sales-work lever to compare.")
        best = levers.loc[levers["swing"] == levers["swing"].max(), "driver"].tolist()
        return check_choice(
            "3.5", lever, best,
            what="the lever worth the most revenue within the horizon",
            hint="filter the tornado table on kind == 'lever' and take the largest swing.",
            options=tornado["driver"].tolist(),
            mistakes={d: "that is a driver (a 10% move of a rate or volume), not one of the sales-work levers."
                      for d in tornado.loc[tornado["kind"] != "lever", "driver"]},
        )

    @checked("3.6", "the claims ledger's grade column; then compare the uplift's low end with 0.19.")
    def revenue_quote_claim(self, grade, above_claim) -> CheckResult:
        """Exercise 3.6: the grade of the article's 19% claim, and whether the org's own uplift clearly beats it."""
        from helpers import revenue

        ledger = revenue.claims_ledger()
        row = ledger.loc[(ledger["attributed_to"] == "SiriusDecisions") & ledger["figure"].eq(0.19)].iloc[0]
        u = self._rv_scenarios()[0].uplift
        first = check_choice(
            "3.6", grade, row["grade"],
            what="the grade of the article's 19% claim",
            hint="revenue.claims_ledger(): the row of the 19% SiriusDecisions claim.",
            options=sorted(set(ledger["grade"])),
        )
        second = check_bool(
            "3.6", above_claim, bool(u["revenue_pct_low"] > row["figure"]),
            what="whether even the low end of this org's uplift is above 19%",
            hint="compare result.uplift['revenue_pct_low'] with 0.19.",
        )
        return combine("3.6", [first, second], "grade the claim, then plan with your own number.")


    # ---------------------------------------------------------------- module 4: the MQL score

    def _labels(self):
        from helpers import scoring

        d = self.data
        return self._cached(
            "labels",
            lambda: scoring.build_labels(
                d.leads, d.opportunities, label_stage=self.label_stage, horizon_days=self.horizon_days,
                score_after_days=self.score_after_days, activities=d.activities, stages=d.config.stages,
            ),
        )

    def _raw_features(self):
        from helpers import scoring

        def compute():
            d, labels = self.data, self._labels()
            icp_def, _ = scoring.recompute_icp(d)
            tiers = scoring.icp_tiers_for_leads(d.leads, d.accounts, icp_def)
            return scoring.build_features(
                d.leads, labels.table["scoring_moment"], accounts=d.accounts, activities=d.activities, icp_tiers=tiers
            )

        return self._cached("raw_features", compute)

    def _features_and_leaks(self):
        from helpers import scoring

        def compute():
            labels, features = self._labels(), self._raw_features()
            split = scoring.time_split(labels, test_share=self.test_share, seed=self.seed)
            leaks = scoring.find_leaks(features, labels, split, max_auc=self.max_single_auc, seed=self.seed)
            return scoring.drop_leaks(features, leaks), leaks, split

        return self._cached("features", compute)

    def _scorers(self):
        from helpers import scoring

        def compute():
            features, _, split = self._features_and_leaks()
            rule = scoring.RuleSpec(tiers=tuple(self.rule_tiers), min_touches=self.rule_min_touches)
            return scoring.fit_scorers(features, self._labels(), split, rule=rule, seed=self.seed)

        return self._cached("scorers", compute)

    def _capacity(self):
        from helpers import scoring

        def compute():
            scorers, labels = self._scorers(), self._labels()
            weekly = scoring.weekly_lead_inflow(labels.table["created_at"], as_of=labels.as_of)
            return scoring.capacity_threshold(
                scorers.predictions[scorers.best], scorers.y_test, weekly_leads=weekly,
                sales_reps=self.sales_reps, leads_per_rep_per_week=self.leads_per_rep_per_week,
            )

        return self._cached("capacity", compute)

    def _points(self):
        from helpers import scoring

        return self._cached(
            "points",
            lambda: scoring.fit_points_table(
                self._features_and_leaks()[0], self._labels(), self._scorers(),
                mql_share=self._capacity().share_of_leads,
            ),
        )

    @checked("4.1", "conversions divided by the eligible leads only.")
    def mql_base_rate(self, answer) -> CheckResult:
        """Exercise 4.1: the conversion rate of the leads old enough to be labelled."""
        labels = self._labels()
        return check_number(
            "4.1", answer, labels.n_conversions / labels.n_eligible,
            what="the conversion rate of the labelled leads", fraction=True, rel_tol=0.005,
            hint="use labels.n_conversions and labels.n_eligible.",
            mistakes=[(labels.n_conversions / len(labels.table),
                       "that divides by every lead: leads too young to know are not failures.")],
        )

    @checked("4.2", "the rows of the leak report whose 'leak' column is True.")
    def mql_leaky_fields(self, answer) -> CheckResult:
        """Exercise 4.2: the fields the leakage check excludes."""
        leaks = self._features_and_leaks()[1]
        flagged = leaks.loc[leaks["leak"].astype(bool), "feature"].tolist()
        if isinstance(answer, str):
            answer = [answer]
        return check_set(
            "4.2", answer, flagged,
            what="the fields that leak the outcome",
            hint="look for a field filled mostly for converted leads, or one that alone predicts almost perfectly.",
            right="those fields are filled because the lead converted: kept, they would fake a brilliant score.",
        )

    @checked("4.3", "scorers.metrics: the largest roc_auc, minus the agreed rule's.")
    def mql_best_scorer(self, scorer, auc_gain) -> CheckResult:
        """Exercise 4.3: the scorer with the best ROC AUC, and its gain over the agreed rule."""
        metrics = self._scorers().metrics.set_index("scorer")["roc_auc"]
        best = metrics[metrics == metrics.max()].index.tolist()
        first = check_choice(
            "4.3", scorer, best,
            what="the scorer that ranks the test leads best",
            hint="compare the roc_auc column of scorers.metrics.",
            options=list(metrics.index),
        )
        second = check_number(
            "4.3", auc_gain, float(metrics.max() - metrics["agreed rule"]),
            what="its ROC AUC gain over the agreed rule", abs_tol=0.002, rel_tol=0,
            hint="subtract the agreed rule's roc_auc from the best one (in AUC units, e.g. 0.05).",
        )
        return combine("4.3", [first, second], "right scorer, and the right gain over the rule both teams use today.")

    @checked("4.4", "share = reps x MQLs per rep / weekly leads; cut-off = that top share of the test scores.")
    def mql_capacity(self, mql_share, cutoff) -> CheckResult:
        """Exercise 4.4: the MQL share sales can work, and the score cut-off that gives it."""
        cap = self._capacity()
        share = min(1.0, self.sales_reps * self.leads_per_rep_per_week / cap.weekly_leads)
        first = check_number(
            "4.4", mql_share, share,
            what="the share of new leads sales can work as MQLs", fraction=True, rel_tol=0.01,
            hint="reps x MQLs each rep can work a week, divided by the new leads a week.",
        )
        second = check_number(
            "4.4", cutoff, cap.probability,
            what="the score cut-off for that share", rel_tol=0.02,
            hint="the (1 - share) quantile of the best scorer's test predictions: np.quantile(p, 1 - share).",
            mistakes=[(float(np.quantile(self._scorers().predictions[self._scorers().best], share)),
                       "that quantile keeps the bottom of the scores: use 1 - share.")],
        )
        return combine("4.4", [first, second], "the threshold now follows what sales can actually work.")

    @checked("4.5", "points.threshold_points, and the first row of points.importance.")
    def mql_points(self, threshold_points, top_feature) -> CheckResult:
        """Exercise 4.5: the MQL threshold in points, and the attribute whose points spread most."""
        points = self._points()
        imp = points.importance
        top = imp[imp["points_range"] == imp["points_range"].max()]
        first = check_number(
            "4.5", threshold_points, points.threshold_points,
            what="the MQL threshold in points", abs_tol=0, rel_tol=0,
            hint="points.threshold_points: the smallest total reached by the share of leads sales can work.",
        )
        second = check_choice(
            "4.5", top_feature, top["feature"].tolist() + top["label"].tolist(),
            what="the attribute with the widest spread of points",
            hint="points.importance is sorted by the spread of points: take its first row.",
        )
        return combine("4.5", [first, second], "you can read the MQL definition both teams would sign.")

    @checked("4.6", "points.agreement: auc_points, and compare it with auc_best_model.")
    def mql_sign_points(self, auc_points, sign) -> CheckResult:
        """Exercise 4.6: the points table's AUC, and whether it stays within 0.03 of the best model."""
        agreement = self._points().agreement
        first = check_number(
            "4.6", auc_points, agreement["auc_points"],
            what="the points table's ROC AUC on the test leads", abs_tol=0.002, rel_tol=0,
            hint="points.agreement['auc_points'].",
        )
        second = check_bool(
            "4.6", sign, agreement["auc_best_model"] - agreement["auc_points"] <= 0.03,
            what="whether the points table stays within 0.03 AUC of the best model",
            hint="subtract auc_points from auc_best_model and compare with 0.03.",
        )
        return combine("4.6", [first, second], "an explicit definition, priced in ranking quality.")

    # ---------------------------------------------------------------- capstone: settle the argument

    @checked("5.1", "the first row of the leakage ranking, and that step's censored 'rate'.")
    def capstone_costliest_leak(self, transition, rate) -> CheckResult:
        """Capstone 5.1: the costliest leak of the new organization, and its censored conversion."""
        return self._costliest_leak("5.1", transition, rate)

    @checked("5.2", "count the lost MQLs per cause: low-fit is marketing's side, under-worked is sales'.")
    def capstone_whose_leak(self, side, share) -> CheckResult:
        """Capstone 5.2: whose side loses more MQLs, and that side's share."""
        return self._whose_leak("5.2", side, share)

    @checked("5.3", "funnel.leak_cause at the costliest step: its 'cause'.")
    def capstone_leak_cause(self, cause) -> CheckResult:
        """Capstone 5.3: the cause behind the costliest leak."""
        return self._leak_cause("5.3", cause)

    @checked("5.4", "try tiers and touch minimums with workshop.mql_rule_evidence until both bars are met.")
    def capstone_mql_definition(self, tiers, min_touches) -> CheckResult:
        """Capstone 5.4: an MQL definition meeting both teams' bars (several answers can be right)."""
        if isinstance(tiers, str):
            tiers = [t for t in re.split(r"[,\s]+", tiers) if t]
        if not isinstance(tiers, Iterable) or not all(isinstance(t, str) for t in tiers):
            return CheckResult("5.4", "incorrect", "the tiers should be a list of tier letters.", 'e.g. ["A", "B"].')
        number = _as_number(min_touches)
        if number is None or number < 0 or number != int(number):
            return CheckResult("5.4", "incorrect", "the minimum of marketing touches should be a whole number.",
                               "e.g. 0, 1 or 2.")
        try:
            ev = mql_rule_evidence(self._raw_features(), self._labels(), tiers, int(number))
        except ValueError as exc:
            return CheckResult("5.4", "incorrect", str(exc), 'use tier letters among "A", "B", "C" and "D".')
        if ev["lift"] < self.mql_min_lift:
            return CheckResult(
                "5.4", "incorrect",
                f"these MQLs convert {ev['lift']:.1f} times as often as the average lead; sales asked for at least "
                f"{self.mql_min_lift:g} times.",
                "narrow the definition: fewer tiers, or more marketing touches.",
            )
        if ev["recall"] < self.mql_min_recall:
            return CheckResult(
                "5.4", "incorrect",
                f"this definition catches {ev['recall']:.0%} of the leads that converted; marketing asked for at least "
                f"{self.mql_min_recall:.0%}.",
                "widen the definition: more tiers, or fewer marketing touches.",
            )
        return CheckResult(
            "5.4", "correct",
            f"both bars are met: these MQLs convert {ev['lift']:.1f} times as often as the average lead and catch "
            f"{ev['recall']:.0%} of the conversions.",
        )

    @checked("5.5", "the plan gap table: the 'needed_per_month' of the top stage.")
    def capstone_leads_needed(self, per_month) -> CheckResult:
        """Capstone 5.5: the top-of-funnel count the new organization's plan needs per month."""
        return self._leads_needed("5.5", per_month)


# --------------------------------------------------------------------------------------
# Exercise generation
# --------------------------------------------------------------------------------------


class SolutionFormatError(ValueError):
    """A solution notebook's markers cannot be turned into an exercise."""


def _assigned_names(tree: ast.Module) -> list[str]:
    """Names bound at the top level of a block, in order (``a = ...``, ``a, b = ...``, ``a: int = ...``)."""
    names: list[str] = []

    def add(target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if target.id not in names:
                names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                add(elt)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            add(node.target)
    return names


def _last_targets(tree: ast.Module, where: str) -> list[str]:
    """Names assigned by the block's last statement (``[]`` when it is not an assignment)."""
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.AnnAssign) and isinstance(last.target, ast.Name):
        return [last.target.id]
    if not isinstance(last, ast.Assign):
        return []
    names = []
    target = last.targets[-1]  # a = b = x: the outermost name is the answer
    for elt in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
        if not isinstance(elt, ast.Name):
            raise SolutionFormatError(
                f"{where}: the last line of a solution block must assign plain names "
                f"(e.g. 'answer = ...'), not '{ast.unparse(elt)}'."
            )
        names.append(elt.id)
    return names


def _used_names(code: str) -> set[str] | None:
    """Names read by ``code`` (``None`` when it does not parse on its own)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _block_stub(block: list[str], indent: str, rest: str, where: str) -> list[str]:
    """The exercise lines replacing one solution block.

    One ``name = ...  # Your answer here`` line for every name the block assigns that
    the rest of the cell reads (typically the check call), else for the names its last
    statement assigns; a block that assigns nothing becomes ``...  # Your answer here``.
    """
    code = textwrap.dedent("\n".join(block))
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SolutionFormatError(f"{where}: the solution block is not valid Python ({exc.msg}).") from exc
    last = _last_targets(tree, where)
    used = _used_names(rest)
    assigned = _assigned_names(tree)
    if used is None:
        names = [n for n in assigned if re.search(rf"(?<![\w.]){re.escape(n)}\b", rest)]
    else:
        names = [n for n in assigned if n in used]
    names = names or last
    if not names:
        return [f"{indent}...  {ANSWER_COMMENT}"]
    return [f"{indent}{name} = ...  {ANSWER_COMMENT}" for name in names]


def strip_code_solution(source: str, where: str = "cell") -> str:
    """Replace every ``# BEGIN SOLUTION`` / ``# END SOLUTION`` block of a code cell.

    Parameters
    ----------
    source : str
        The code cell's source.
    where : str
        Named in error messages (notebook and cell).

    Returns
    -------
    str
        The source with each block replaced by ``name = ...  # Your answer here`` for each
        name the block assigns and the rest of the cell reads (see :func:`_block_stub`).
    """
    lines = source.split("\n")
    blocks: list[tuple[int, int]] = []  # (begin line, end line), 0-based
    begin = None
    for number, line in enumerate(lines):
        marker = line.strip()
        if marker.startswith(BEGIN_SOLUTION):
            if begin is not None:
                raise SolutionFormatError(f"{where}, line {number + 1}: '{BEGIN_SOLUTION}' inside another block.")
            begin = number
        elif marker.startswith(END_SOLUTION):
            if begin is None:
                raise SolutionFormatError(f"{where}, line {number + 1}: '{END_SOLUTION}' without a '{BEGIN_SOLUTION}'.")
            blocks.append((begin, number))
            begin = None
    if begin is not None:
        raise SolutionFormatError(f"{where}: '{BEGIN_SOLUTION}' is never closed by '{END_SOLUTION}'.")
    out: list[str] = []
    position = 0
    for first, last in blocks:
        out.extend(lines[position:first])
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        rest = "\n".join(line for line in lines[last + 1 :] if not line.strip().startswith(("# BEGIN", "# END")))
        out.extend(_block_stub(lines[first + 1 : last], indent, rest, where))
        position = last + 1
    out.extend(lines[position:])
    return "\n".join(out)


def strip_markdown_solution(source: str, where: str = "cell") -> str:
    """Replace markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``."""
    pattern = re.compile(re.escape(MD_BEGIN_SOLUTION) + r"(.*?)" + re.escape(MD_END_SOLUTION), re.DOTALL)
    result = pattern.sub(MD_ANSWER_PLACEHOLDER, source)
    if MD_BEGIN_SOLUTION in result or MD_END_SOLUTION in result:
        raise SolutionFormatError(f"{where}: unbalanced '{MD_BEGIN_SOLUTION}' / '{MD_END_SOLUTION}'.")
    return result


def has_solution(source: str) -> bool:
    """True when a cell's source holds a solution block (code or markdown)."""
    return any(m in source for m in (BEGIN_SOLUTION, MD_BEGIN_SOLUTION))


def exercise_from_solution(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Build the exercise notebook from a solution notebook (the solution is not modified).

    Parameters
    ----------
    solution : NotebookNode
        The solution notebook (with or without outputs).
    name : str
        File name, used in error messages and in the exercise's metadata.

    Returns
    -------
    NotebookNode
        Same cells (and cell ids) without the answers, without cells tagged ``solution`` or
        ``hidden-check``, without outputs or execution counts, with minimal metadata.
    """
    import nbformat

    exercise = nbformat.v4.new_notebook()
    exercise.nbformat, exercise.nbformat_minor = solution.nbformat, solution.nbformat_minor
    exercise.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME},
        "language_info": {"name": "python"},
        "alignment_edge": {"generated_from": f"solutions/{name}", "edit": "edit the solution, then run `make exercises`"},
    }
    cells = []
    for index, cell in enumerate(solution.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVED_TAGS:
            continue
        where = f"{name}, cell {index + 1}"
        new = copy.deepcopy(cell)
        source = "".join(new.source) if isinstance(new.source, list) else new.source
        metadata = {"tags": sorted(tags)} if tags else {}
        if new.cell_type == "code":
            new.source = strip_code_solution(source, where)
            new.outputs = []
            new.execution_count = None
        elif new.cell_type == "markdown":
            new.source = strip_markdown_solution(source, where)
            new.pop("attachments", None)
        else:
            new.source = source
        new.metadata = metadata
        cells.append(new)
    exercise.cells = cells
    return exercise


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text a notebook is written with (stable across runs)."""
    import nbformat

    return nbformat.writes(nb, version=NB_VERSION) + "\n"


def solution_paths(solutions_dir: str | Path | None = None) -> list[Path]:
    """Solution notebooks in teaching order (``NN_topic.ipynb``)."""
    folder = Path(solutions_dir) if solutions_dir is not None else paths.SOLUTIONS
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def exercise_text(solution_path: str | Path) -> str:
    """What :func:`generate_exercises` writes for one solution."""
    import nbformat

    solution_path = Path(solution_path)
    solution = nbformat.read(solution_path, as_version=NB_VERSION)
    return notebook_text(exercise_from_solution(solution, solution_path.name))


def generate_exercises(
    solutions_dir: str | Path | None = None, exercises_dir: str | Path | None = None
) -> list[Path]:
    """Write ``exercises/NN_topic.ipynb`` for every ``solutions/NN_topic.ipynb``.

    Exercise notebooks whose solution no longer exists are removed, so both folders hold
    the same file names. Files are only rewritten when their text changes.

    Returns
    -------
    list of Path
        The exercise notebooks, in teaching order.
    """
    exercises = Path(exercises_dir) if exercises_dir is not None else paths.EXERCISES
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    sources = solution_paths(solutions_dir)
    names = {p.name for p in sources}
    for solution_path in sources:
        target = exercises / solution_path.name
        text = exercise_text(solution_path)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    for stale in exercises.glob("*.ipynb"):
        if stale.name not in names:
            stale.unlink()
    return written


def stale_exercises(
    solutions_dir: str | Path | None = None, exercises_dir: str | Path | None = None
) -> list[str]:
    """Names of exercises that differ from (or are missing from) what the generator makes."""
    exercises = Path(exercises_dir) if exercises_dir is not None else paths.EXERCISES
    sources = solution_paths(solutions_dir)
    names = {p.name for p in sources}
    stale = []
    for solution_path in sources:
        target = exercises / solution_path.name
        if not target.exists() or target.read_text(encoding="utf-8") != exercise_text(solution_path):
            stale.append(solution_path.name)
    stale += sorted(p.name for p in exercises.glob("*.ipynb") if p.name not in names)
    return stale


# --------------------------------------------------------------------------------------
# Executing notebooks and reading their checks
# --------------------------------------------------------------------------------------


def execute_notebook(
    nb: nbformat.NotebookNode,
    *,
    cwd: str | Path | None = None,
    timeout: int = 600,
    allow_errors: bool = False,
) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom in the environment's ``python3`` kernel.

    Parameters
    ----------
    nb : NotebookNode
        Executed in place (outputs replaced) and returned.
    cwd : path, optional
        Working directory of the kernel (default: the repository root).
    timeout : int
        Seconds allowed per cell.
    allow_errors : bool
        Keep going after a failing cell (cells tagged ``raises-exception`` always may fail).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell fails and ``allow_errors`` is False.
    """
    from nbclient import NotebookClient

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(Path(cwd) if cwd is not None else paths.REPO_ROOT)}},
    )
    client.execute()
    return nb


def _execute_text(text: str, cwd: str, timeout: int, allow_errors: bool) -> str:
    """Execute a notebook given as JSON text; return the executed notebook as text (process-pool worker)."""
    import nbformat

    nb = nbformat.reads(text, as_version=NB_VERSION)
    execute_notebook(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors)
    return nbformat.writes(nb, version=NB_VERSION)


def execute_notebooks(
    notebooks: Sequence[nbformat.NotebookNode],
    *,
    cwd: str | Path | None = None,
    timeout: int = 600,
    workers: int = 2,
    allow_errors: bool = False,
) -> list[nbformat.NotebookNode]:
    """Execute several notebooks at once, each in its own process and kernel.

    Worker processes are started with ``spawn``: a script calling this must guard its
    entry point with ``if __name__ == "__main__":``.

    Parameters
    ----------
    notebooks : sequence of NotebookNode
        Not modified; executed copies are returned in the same order.
    cwd : path, optional
        Working directory of every kernel (default: the repository root).
    workers : int
        Notebooks executed at the same time.
    allow_errors : bool
        Keep executing after a failing cell (the error is in the cell's outputs, see
        :func:`error_outputs`) instead of raising.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell fails and ``allow_errors`` is False.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import nbformat

    where = str(Path(cwd) if cwd is not None else paths.REPO_ROOT)
    texts = [nbformat.writes(nb, version=NB_VERSION) for nb in notebooks]
    if workers <= 1 or len(texts) <= 1:
        done = [_execute_text(t, where, timeout, allow_errors) for t in texts]
    else:
        context = multiprocessing.get_context("spawn")
        n = len(texts)
        with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
            done = list(pool.map(_execute_text, texts, [where] * n, [timeout] * n, [allow_errors] * n))
    return [nbformat.reads(t, as_version=NB_VERSION) for t in done]


def check_outputs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Every self-check result displayed in an executed notebook, in cell order.

    Each item is :meth:`CheckResult.to_dict` plus ``cell`` (the cell's position, from 1).
    """
    results = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if CHECK_MIME in data:
                item = dict(data[CHECK_MIME])
                item["cell"] = index + 1
                results.append(item)
    return results


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """One line per error output in an executed notebook (empty when it ran cleanly)."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {index + 1}: {output.get('ename')}: {output.get('evalue')}")
    return errors


@dataclass
class SolutionRun:
    """What re-executing one solution gave."""

    name: str
    seconds: float
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["passed"]]


def _clean_solution_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata so a re-execution only changes what nbval compares."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
    info = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {"name": "python", **({"pygments_lexer": info["pygments_lexer"]} if "pygments_lexer" in info else {})}
    for cell in nb.cells:
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)


def execute_solution(path: str | Path, *, timeout: int = 600) -> SolutionRun:
    """Re-execute one solution top to bottom (cwd = repository root) and save it with outputs."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=NB_VERSION)
    start = time.perf_counter()
    execute_notebook(nb, cwd=paths.REPO_ROOT, timeout=timeout)
    seconds = time.perf_counter() - start
    _clean_solution_metadata(nb)
    path.write_text(notebook_text(nb), encoding="utf-8")
    return SolutionRun(path.name, seconds, check_outputs(nb))


def execute_solutions(names: Sequence[str] | None = None, *, solutions_dir: str | Path | None = None) -> list[SolutionRun]:
    """Re-execute solutions in place, storing their outputs (what nbval compares against).

    Parameters
    ----------
    names : sequence of str, optional
        File names (``01_define_icp.ipynb``) or prefixes (``01``); all solutions by default.
    """
    available = solution_paths(solutions_dir)
    if names:
        chosen = [p for p in available if any(p.name == n or p.name.startswith(n) for n in names)]
        unknown = [n for n in names if not any(p.name == n or p.name.startswith(n) for p in available)]
        if unknown:
            raise ValueError(
                f"No solution notebook matches {', '.join(unknown)}; "
                f"available: {', '.join(p.name for p in available)}."
            )
    else:
        chosen = available
    return [execute_solution(p) for p in chosen]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.workshop {execute-solutions,generate,check}``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.workshop", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute-solutions", help="re-execute solutions in place with their outputs")
    run.add_argument("names", nargs="*", help="solution file names or prefixes (default: all)")
    sub.add_parser("generate", help="write exercises/ from solutions/")
    sub.add_parser("check", help="exit 1 when exercises/ differs from what the generator makes")
    args = parser.parse_args(argv)

    if args.command == "generate":
        for path in generate_exercises():
            print(f"wrote {path.relative_to(paths.REPO_ROOT)}")
        return 0
    if args.command == "check":
        stale = stale_exercises()
        if stale:
            print("Exercises out of date (run `make exercises`): " + ", ".join(stale))
            return 1
        print("Exercises match their solutions.")
        return 0

    from nbclient.exceptions import CellExecutionError

    status = 0
    try:
        names = args.names or None
        chosen = [p.name for p in solution_paths()] if names is None else names
        for name in chosen:
            try:
                (result,) = execute_solutions([name])
            except CellExecutionError as exc:
                lines = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
                print(f"{name}: a cell failed - {lines[-1] if lines else exc}")
                status = 1
                continue
            bad = result.failed_checks
            verdict = f"{len(result.checks) - len(bad)}/{len(result.checks)} checks pass"
            print(f"{result.name}: executed in {result.seconds:.1f} s, {verdict}")
            for item in bad:
                print(f"  cell {item['cell']}: exercise {item['exercise']} {item['status']}: {item['message']}")
            status = status or (1 if bad else 0)
    except ValueError as exc:
        print(exc)
        return 2
    stale = stale_exercises()
    if stale:
        print("Exercises out of date (run `make exercises`): " + ", ".join(stale))
    return status


if __name__ == "__main__":
    sys.exit(main())
