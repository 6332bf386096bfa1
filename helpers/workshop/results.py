"""Self-check results and the generic comparisons every exercise's check is built from.

A check never raises in front of a participant: it returns a :class:`CheckResult` that says,
in one friendly sentence, whether the answer is right and, if not, gives a hint (never the
answer): first a concept hint (what to look at on the screen), then, for those who write
code, a code hint. :func:`check_number`, :func:`check_choice`, :func:`check_set` and
:func:`check_bool` compare one answer with the value computed from the data; :func:`combine`
joins the parts of a several-part answer; :func:`checked` turns a method computing the
expected value into a check.

Every exercise can be answered by reading a displayed table or chart: a number typed as it
is shown on the screen (rounded to the ``decimals`` shown, or a rate typed as a percentage)
is right. A right answer reveals the expected value (``CheckResult.answer``), so the
facilitator's copy of a solution doubles as an answer key; passing :data:`REVEAL` instead of
an answer returns that value without an answer (what :mod:`.answer_key` does).
"""

from __future__ import annotations

import functools
import html
import math
import numbers
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Display MIME type of a check result (read back by the tests from executed notebooks).
CHECK_MIME = "application/vnd.alignment-edge.check+json"

STATUSES = ("correct", "incorrect", "unanswered", "error")
_ICONS = {"correct": "✅", "incorrect": "❌", "unanswered": "✏️", "error": "⚠️"}
_LABELS = {
    "correct": "right",
    "incorrect": "not yet",
    "unanswered": "not answered yet",
    "error": "the check could not run",
}
_COLOURS = {
    "correct": "#2ca02c",
    "incorrect": "#d62728",
    "unanswered": "#7f7f7f",
    "error": "#ff7f0e",
}


class _Reveal:
    """The answer that asks a check for its expected value (see :data:`REVEAL`)."""

    def __repr__(self) -> str:
        return "REVEAL"


#: Passed as an answer, makes a check return its expected value as a right result (the
#: answer key is built this way, with the same code that judges participants).
REVEAL = _Reveal()


# --------------------------------------------------------------------------------------
# Check results
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
        The concept hint: what to look at on the screen (empty when the answer is right).
    code_hint : str
        For participants who write code: which table, column or function gives it. Shown
        after the concept hint (folded away in JupyterLab).
    answer : str
        The expected value(s) as shown on the screen; revealed only when the answer is right.
    answers : tuple
        The same values as plain Python values (numbers rounded as shown, labels, booleans),
        one per answer of the exercise, in order: what the answer key records.
    """

    exercise: str
    status: str
    message: str
    hint: str = ""
    code_hint: str = ""
    answer: str = ""
    answers: tuple = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"A check status must be one of {STATUSES}, not '{self.status}'.")

    @property
    def passed(self) -> bool:
        """True only when the answer is right."""
        return self.status == "correct"

    def __str__(self) -> str:
        text = (
            f"{_ICONS[self.status]} Exercise {self.exercise} - {_LABELS[self.status]}: "
            f"{self.message}"
        )
        if self.passed:
            return text + (f" Answer: {self.answer}." if self.answer else "")
        if self.hint:
            text += f" Hint: {self.hint}"
        if self.code_hint:
            text += f" Code hint: {self.code_hint}"
        return text

    def __repr__(self) -> str:
        return str(self)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (what :data:`CHECK_MIME` outputs hold)."""
        return {
            "exercise": self.exercise,
            "status": self.status,
            "passed": self.passed,
            "message": self.message,
            "hint": self.hint,
            "code_hint": self.code_hint,
            "answer": self.answer if self.passed else "",
            "answers": list(self.answers) if self.passed else [],
        }

    def _repr_html_(self) -> str:
        extra = ""
        if self.passed and self.answer:
            extra = f"<br><i>Answer:</i> {html.escape(self.answer)}"
        if not self.passed and self.hint:
            extra += f"<br><i>Hint:</i> {html.escape(self.hint)}"
        if not self.passed and self.code_hint:
            extra += (
                "<details><summary><i>Code hint</i> (only if you write code)</summary>"
                f"<code>{html.escape(self.code_hint)}</code></details>"
            )
        return (
            f'<div style="border-left: 4px solid {_COLOURS[self.status]}; padding: 4px 10px;">'
            f"{_ICONS[self.status]} <b>Exercise {html.escape(self.exercise)} - "
            f"{_LABELS[self.status]}</b>: {html.escape(self.message)}{extra}</div>"
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


def revealed(answer: Any, result: CheckResult) -> Any:
    """``answer``, or the value ``result`` revealed when ``answer`` is :data:`REVEAL`.

    A several-part check whose second part depends on the first answer (which segment,
    which side) uses it to go on with the revealed first answer.
    """
    if answer is REVEAL and result.answers:
        return result.answers[0]
    return answer


def checked(exercise: str, hint: str) -> Callable:
    """Decorate a check method: placeholders and failures become results, never raises.

    The decorated method receives the answers and returns a :class:`CheckResult`. Any
    answer still ``...`` gives a "not answered yet" result before anything is computed;
    an exception while computing the expected value gives an ``"error"`` result.

    Parameters
    ----------
    exercise : str
        Exercise number shown to the participant (kept as the method's ``exercise``
        attribute, which :meth:`ModuleChecks.exercises` lists).
    hint : str
        Where the answer is read on the screen, in one line (the method's ``hint``
        attribute, printed in the answer key). The method's answer names are kept as its
        ``answer_names`` attribute.
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
            except ValueError as exc:  # the helpers' sentence: the data cannot answer this
                return CheckResult(
                    exercise,
                    "error",
                    str(exc),
                    "this exercise needs data this organization does not have: "
                    "go on to the next one.",
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

        code = method.__code__
        wrapper.exercise = exercise
        wrapper.hint = hint
        wrapper.answer_names = tuple(code.co_varnames[1 : code.co_argcount])
        return wrapper

    return decorate


def combine(exercise: str, parts: Sequence[CheckResult], right: str) -> CheckResult:
    """One result for a several-part answer: the first part that is not right, else ``right``.

    A right result carries every part's revealed answer, in order.
    """
    for part in parts:
        if not part.passed:
            return CheckResult(
                exercise, part.status, part.message, part.hint, part.code_hint
            )
    return CheckResult(
        exercise,
        "correct",
        right,
        answer="; ".join(p.answer for p in parts if p.answer),
        answers=tuple(a for p in parts for a in p.answers),
    )


# --------------------------------------------------------------------------------------
# Generic comparisons
# --------------------------------------------------------------------------------------


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


def _norm(value: Any) -> str:
    """A label compared without case or extra spaces (``"  Sales "`` -> ``"sales"``)."""
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def shown_number(value: float, decimals: int | None) -> float | int:
    """``value`` as a participant reads it on the screen: rounded to ``decimals``.

    ``decimals=0`` gives a whole number; ``None`` leaves the value as it is.
    """
    value = float(value)
    if decimals is None:
        return value
    if decimals <= 0:
        return int(round(value))
    return round(value, decimals)


def format_number(value: float, decimals: int | None = None, *, fraction: bool = False) -> str:
    """How a check writes an expected number: ``0.525 (52.5%)``, ``1,234``, ``245.9``."""
    value = float(value)
    if fraction:
        d = 3 if decimals is None else decimals
        return f"{value:.{d}f} ({value * 100:.{max(d - 2, 0)}f}%)"
    if decimals is None:
        decimals = 0 if value.is_integer() else 3
    return f"{value:,.{max(decimals, 0)}f}"


def check_number(
    exercise: str,
    answer: Any,
    expected: float,
    *,
    what: str,
    hint: str,
    code_hint: str = "",
    rel_tol: float = 0.01,
    abs_tol: float = 0.0,
    decimals: int | None = None,
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
        The participant's answer (or :data:`REVEAL`).
    expected : float
        The value computed from the data (shown only once the answer is right).
    what : str
        What the number is, for the message ("the overall win rate").
    hint, code_hint : str
        Shown when the answer is wrong: where to look on the screen, then (for participants
        who write code) which table, column or function gives it.
    rel_tol, abs_tol : float
        The answer is right when ``|answer - expected| <= max(abs_tol, rel_tol * |expected|,
        half a unit of the last decimal shown)``.
    decimals : int, optional
        Decimals the value is displayed with where participants read it (a table rounded
        to 3 decimals: 3). The value read off the screen is always right.
    fraction : bool
        The number is a rate stored as a fraction (0.25 for 25%): the same rate typed as a
        percentage (25) is right too.
    mistakes : sequence of (value, hint)
        Known wrong answers (computed from the data too) and what to say about them; the
        first one matching within the same tolerance replaces the generic hint.
    right : str
        Optional sentence shown when the answer is right (the value follows it).

    Returns
    -------
    CheckResult
    """
    if is_unanswered(answer):
        return unanswered(exercise)
    expected = float(expected)
    if not math.isfinite(expected):
        return CheckResult(
            exercise, "error", f"{what} cannot be computed on this organization's data.",
            "this exercise needs data this organization does not have; skip it.",
        )
    good = CheckResult(
        exercise, "correct", right or f"that is {what}.",
        answer=format_number(expected, decimals, fraction=fraction),
        answers=(shown_number(expected, decimals),),
    )
    if answer is REVEAL:
        return good
    value = _as_number(answer)
    if value is None:
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a single number, but your answer is {_kind(answer)}.",
            "type the number as you read it, such as 0.25 or 1200 (no quotes, no % sign).",
        )
    if decimals is not None:
        abs_tol = max(abs_tol, 0.5 * 10.0 ** (-decimals) * (1 + 1e-9))
    if _close(value, expected, rel_tol, abs_tol):
        return good
    if fraction and abs(value) > 1 and _close(value / 100, expected, rel_tol, abs_tol):
        return good
    tolerance = (rel_tol, abs_tol)
    return _wrong_number(exercise, value, expected, what, hint, code_hint, mistakes, tolerance)


def _wrong_number(
    exercise: str,
    value: float,
    expected: float,
    what: str,
    hint: str,
    code_hint: str,
    mistakes: Sequence[tuple[float, str]],
    tolerance: tuple[float, float],
) -> CheckResult:
    """A wrong number's result: a known mistake's hint, else which way it is off."""
    for wrong, wrong_hint in mistakes:
        if (
            wrong is not None
            and math.isfinite(float(wrong))
            and _close(value, float(wrong), *tolerance)
        ):
            return CheckResult(
                exercise, "incorrect", f"that is not quite {what}.", wrong_hint, code_hint
            )
    direction = "higher" if value > expected else "lower"
    return CheckResult(
        exercise, "incorrect", f"your number is {direction} than {what} in the data.", hint,
        code_hint,
    )


def _labels(expected: Any) -> list[Any]:
    """The accepted labels, the first one being the one an answer key shows."""
    if isinstance(expected, list | tuple | set | frozenset | pd.Index):
        return list(expected)
    return [expected]


def check_choice(
    exercise: str,
    answer: Any,
    expected: Any,
    *,
    what: str,
    hint: str,
    code_hint: str = "",
    options: Iterable[Any] | None = None,
    mistakes: dict[Any, str] | None = None,
    right: str = "",
) -> CheckResult:
    """Compare a one-word / one-label answer (case and spacing ignored).

    Parameters
    ----------
    exercise : str
        Exercise number shown to the participant.
    answer : str
        The participant's answer (or :data:`REVEAL`).
    expected : str or collection of str
        The right label, or several equally right labels (ties, a code and its name); the
        first is the one an answer key shows.
    what, hint, code_hint, right : str
        As in :func:`check_number`.
    options : collection, optional
        The labels a participant may choose from; an answer outside them is told so.
    mistakes : dict, optional
        Known wrong labels -> what they reveal (the hint shown for them).

    Returns
    -------
    CheckResult
    """
    if is_unanswered(answer):
        return unanswered(exercise)
    accepted = _labels(expected)
    if not accepted:
        raise ValueError(f"{what} cannot be found in this organization's data.")
    primary = accepted[0]
    primary = primary.item() if isinstance(primary, np.generic) else primary
    good = CheckResult(
        exercise, "correct", right or f"that is {what}.", answer=str(primary), answers=(primary,)
    )
    if answer is REVEAL:
        return good
    if not isinstance(answer, str | numbers.Number | np.generic):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a single label, but your answer is {_kind(answer)}.",
            "type the label as text in quotes, e.g. \"sales\".",
        )
    given = _norm(answer)
    if given in {_norm(e) for e in accepted}:
        return good
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
            return CheckResult(exercise, "incorrect", f"that is not {what}.", wrong_hint, code_hint)
    return CheckResult(exercise, "incorrect", f"that is not {what}.", hint, code_hint)


def check_set(
    exercise: str,
    answer: Any,
    expected: Iterable[Any],
    *,
    what: str,
    hint: str,
    code_hint: str = "",
    right: str = "",
) -> CheckResult:
    """Compare a collection of labels with the expected set (order, case and spacing ignored)."""
    if is_unanswered(answer):
        return unanswered(exercise)
    want_labels = sorted(dict.fromkeys(str(e) for e in expected))
    good = CheckResult(
        exercise, "correct", right or f"those are {what}.",
        answer=", ".join(want_labels) if want_labels else "none", answers=(want_labels,),
    )
    if answer is REVEAL:
        return good
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be a list of labels, but your answer is {_kind(answer)}.",
            "type a list in square brackets, e.g. [\"a\", \"b\"].",
        )
    given = {_norm(a) for a in answer}
    want = {_norm(e) for e in want_labels}
    if given == want:
        return good
    missing, extra = len(want - given), len(given - want)
    parts = []
    if missing:
        parts.append(f"{missing} missing")
    if extra:
        parts.append(f"{extra} that do not belong")
    return CheckResult(
        exercise, "incorrect", f"your list of {what} has " + " and ".join(parts) + ".", hint,
        code_hint,
    )


def check_bool(
    exercise: str,
    answer: Any,
    expected: bool,
    *,
    what: str,
    hint: str,
    code_hint: str = "",
    right: str = "",
) -> CheckResult:
    """Compare a yes/no answer given as ``True`` or ``False``."""
    if is_unanswered(answer):
        return unanswered(exercise)
    good = CheckResult(
        exercise, "correct", right or f"that is the right reading of {what}.",
        answer=str(bool(expected)), answers=(bool(expected),),
    )
    if answer is REVEAL:
        return good
    if not isinstance(answer, bool | np.bool_):
        return CheckResult(
            exercise,
            "incorrect",
            f"{what} should be True or False, but your answer is {_kind(answer)}.",
            "write True or False, without quotes.",
        )
    if bool(answer) == bool(expected):
        return good
    return CheckResult(
        exercise, "incorrect", f"your True/False for {what} does not match the data.", hint,
        code_hint,
    )
