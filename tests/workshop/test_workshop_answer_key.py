"""The facilitator's answer key (``helpers/workshop/answer_key.py``).

The key is computed once for every solution (each module's figures on the workshop's
organizations: the slow part); the tests then check it three ways: it regenerates
identically, it matches the answers the committed solutions' checks revealed, and every
check accepts the key's value as read off the screen, refuses a placeholder and a wrong
value.
"""

from __future__ import annotations

import math
import re

import nbformat
import pytest

from helpers import workshop
from helpers.core import paths

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("notebooks")]

#: What code looks like in a hint: a call, an attribute, an index (``funnel.x(``, ``t["a"]``).
CODE = re.compile(r"\w\.\w+\(|\w\[|\.loc\b|\.iloc\b")


@pytest.fixture(scope="module")
def keys() -> list[workshop.NotebookKey]:
    return workshop.answer_key()


def test_key_regenerates_identically(keys):
    committed = workshop.KEY_FILE.read_text(encoding="utf-8")
    assert workshop.answer_key_text(keys) == committed, (
        "run `python -m helpers.workshop answer-key`: the key differs from the checks"
    )


def test_key_covers_every_exercise_with_a_value(keys):
    numbers = [e.exercise for k in keys for e in k.entries]
    assert numbers == list(workshop.Checks.exercises())
    for key in keys:
        for entry in key.entries:
            assert entry.status == "correct", (key.notebook, entry.exercise, entry.answer)
            assert len(entry.answers) == len(entry.names), entry


def test_key_matches_what_the_solutions_checks_revealed(keys):
    for key in keys:
        nb = nbformat.read(paths.SOLUTIONS / key.notebook, as_version=4)
        stored = {r["exercise"]: r for r in workshop.check_outputs(nb)}
        for entry in key.entries:
            assert stored[entry.exercise]["answers"] == list(entry.answers), (
                key.notebook,
                entry.exercise,
                "run `make solutions`, then the key",
            )
            assert stored[entry.exercise]["answer"] == entry.answer


def _wrong(value):
    """A value no check may accept in place of ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value * 1.5 + 7 if math.isfinite(value) else 1.0
    if isinstance(value, list):
        return ["no such label"]
    return "no such label"


@pytest.mark.parametrize("index", range(6))
def test_checks_accept_the_screen_value_and_refuse_the_rest(keys, index):
    """Per notebook: the key's values pass, ``...`` is unanswered, a wrong value fails."""
    key = keys[index]
    check, cls, _ = workshop.solution_checks(paths.SOLUTIONS / key.notebook)
    for entry in key.entries:
        method = getattr(check, cls.exercises()[entry.exercise])
        right = method(*entry.answers)
        assert right.passed, (entry.exercise, entry.answers, str(right))
        assert method(*[...] * len(entry.names)).status == "unanswered"
        for i in range(len(entry.answers)):
            answers = list(entry.answers)
            answers[i] = _wrong(answers[i])
            wrong = method(*answers)
            assert not wrong.passed, (entry.exercise, answers)
            # the concept hint comes first and holds no code; code waits in the code hint
            assert wrong.hint and not CODE.search(wrong.hint), (entry.exercise, wrong.hint)
