"""Self-check results and the generic comparisons (``helpers/workshop/results.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import workshop
from helpers.workshop import CheckResult

# --------------------------------------------------------------------------- check results


def test_check_result_text_and_bundle():
    wrong = CheckResult("1.2", "incorrect", "that is not the top segment.", "sort by win rate.")
    assert not wrong.passed
    assert (
        str(wrong)
        == "❌ Exercise 1.2 - not yet: that is not the top segment. Hint: sort by win rate."
    )
    coded = CheckResult("1.2", "incorrect", "no.", "look at the chart.", "table.idxmax()")
    assert str(coded).index("Hint: look at the chart.") < str(coded).index("Code hint:")
    assert "<details>" in coded._repr_html_() and "table.idxmax()" in coded._repr_html_()
    bundle = wrong._repr_mimebundle_()
    assert bundle["text/plain"] == str(wrong)
    assert bundle[workshop.CHECK_MIME]["status"] == "incorrect"
    assert "sort by win rate." in bundle["text/html"]
    right = CheckResult(
        "1.2",
        "correct",
        "that is the top segment.",
        "ignored when right",
        "x",
        answer="Software",
        answers=("Software",),
    )
    assert right.passed and "Hint" not in str(right)
    assert str(right).endswith("Answer: Software.")
    assert right.to_dict()["answers"] == ["Software"]
    # an answer is never revealed by a result that is not right
    hidden = CheckResult("1.2", "incorrect", "no.", answer="Software", answers=("Software",))
    assert "Software" not in str(hidden) and hidden.to_dict()["answers"] == []


def test_check_result_rejects_unknown_status():
    with pytest.raises(ValueError, match="status"):
        CheckResult("1.1", "maybe", "x")


def test_html_is_escaped():
    result = CheckResult("1.1", "incorrect", "<b>x</b>", "a & b")
    assert "<b>x</b>" not in result._repr_html_()
    assert "a &amp; b" in result._repr_html_()


@pytest.mark.parametrize("answer", [..., None, [1, ...], (..., ...), {"a": ...}])
def test_placeholders_are_unanswered(answer):
    assert workshop.is_unanswered(answer)


@pytest.mark.parametrize("answer", [0, 0.0, "", [1, 2], "sales", np.float64(0.2)])
def test_real_answers_are_answered(answer):
    assert not workshop.is_unanswered(answer)


# --------------------------------------------------------------------------- comparisons


def test_number_right_within_tolerance():
    r = workshop.check_number("1", 0.2504, 0.25, what="the win rate", hint="h", rel_tol=0.01)
    assert r.passed
    assert workshop.check_number("1", np.float64(0.25), 0.25, what="w", hint="h").passed
    assert workshop.check_number("1", pd.Series([0.25]), 0.25, what="w", hint="h").passed
    assert workshop.check_number("1", 12, 10, what="w", hint="h", abs_tol=2).passed


def test_number_wrong_says_direction_never_the_value():
    expected = 0.3141
    high = workshop.check_number(
        "1", 0.5, expected, what="the win rate", hint="look at won deals only."
    )
    low = workshop.check_number(
        "1", 0.1, expected, what="the win rate", hint="look at won deals only."
    )
    assert high.status == low.status == "incorrect"
    assert "higher" in high.message and "lower" in low.message
    for r in (high, low):
        assert "0.314" not in str(r) and "31.4" not in str(r)
        assert r.hint == "look at won deals only."


def test_number_percentage_and_known_mistake():
    """A rate typed as the percentage a chart shows is right; a plain number is not."""
    assert workshop.check_number("1", 25, 0.25, what="the rate", hint="h", fraction=True).passed
    assert not workshop.check_number("1", 25, 0.25, what="the rate", hint="h").passed
    assert not workshop.check_number("1", 30, 0.25, what="the rate", hint="h", fraction=True).passed
    mistake = workshop.check_number(
        "1", 0.2, 0.25, what="the rate", hint="h", mistakes=[(0.2, "open deals are not lost.")]
    )
    assert mistake.hint == "open deals are not lost."
    # the right answer wins over a mistake that happens to coincide with it
    assert workshop.check_number("1", 0.25, 0.25, what="r", hint="h", mistakes=[(0.25, "x")]).passed


@pytest.mark.parametrize("answer", ["0.25", True, [0.1, 0.2], pd.Series([1.0, 2.0]), float("nan")])
def test_number_wrong_type_is_a_friendly_failure(answer):
    r = workshop.check_number("1", answer, 0.25, what="the rate", hint="h")
    assert r.status == "incorrect" and "number" in r.message


def test_number_expected_not_computable_is_error():
    r = workshop.check_number("1", 0.2, float("nan"), what="the rate", hint="h")
    assert r.status == "error"


def test_choice():
    assert workshop.check_choice("1", "  Sales ", "sales", what="the side", hint="h").passed
    assert workshop.check_choice(
        "1", "VP", ["Director", "vp"], what="a winning seniority", hint="h"
    ).passed
    wrong = workshop.check_choice(
        "1",
        "marketing",
        "sales",
        what="the side",
        hint="h",
        mistakes={"marketing": "count touches."},
    )
    assert wrong.status == "incorrect" and wrong.hint == "count touches."
    outside = workshop.check_choice(
        "1", "finance", "sales", what="the side", hint="h", options=["marketing", "sales"]
    )
    assert "not one of" in outside.message and "'marketing'" in outside.hint
    typed = workshop.check_choice("1", ["sales"], "sales", what="the side", hint="h")
    assert typed.status == "incorrect" and "single label" in typed.message


def test_set():
    assert workshop.check_set("1", ["73", " 36"], {"36", "73"}, what="groups", hint="h").passed
    r = workshop.check_set("1", ["73", "50", "51"], ["73", "36"], what="groups", hint="h")
    assert (
        r.status == "incorrect" and "1 missing" in r.message and "2 that do not belong" in r.message
    )
    assert "36" not in str(r)
    assert workshop.check_set("1", "73", ["73"], what="groups", hint="h").status == "incorrect"


class _Demo:
    calls = 0

    @workshop.checked("9.1", "count again.")
    def good(self, answer):
        type(self).calls += 1
        return workshop.check_number("9.1", answer, 3, what="the count", hint="count again.")

    @workshop.checked("9.2", "h")
    def broken(self, answer):
        raise KeyError("win_rate")

    @workshop.checked("9.3", "h")
    def no_result(self, answer):
        return 3

    @workshop.checked("9.4", "h")
    def no_data(self, answer):
        raise ValueError("this organization's export records no sales touches.")


def test_checked_decorator_never_raises():
    demo = _Demo()
    assert demo.good(3).passed
    calls = _Demo.calls
    untouched = demo.good(...)
    assert untouched.status == "unanswered" and _Demo.calls == calls  # nothing computed
    assert untouched.hint == ""  # try first: no hint before an answer
    assert demo.good().status == "unanswered"
    err = demo.broken(1)
    assert err.status == "error" and "KeyError" in err.message
    assert demo.no_result(1).status == "error"
    missing = demo.no_data(1)
    assert (
        missing.status == "error"
        and missing.message == "this organization's export records no sales touches."
    )
    assert "next one" in missing.hint
    assert _Demo.good.exercise == "9.1"


def test_bool_and_combine():
    assert workshop.check_bool("1", np.bool_(True), True, what="the reading", hint="h").passed
    typed = workshop.check_bool("1", "True", True, what="the reading", hint="h")
    assert typed.status == "incorrect" and "True or False" in typed.message
    wrong = workshop.check_bool("1", False, True, what="the reading", hint="look again.")
    assert wrong.status == "incorrect" and wrong.hint == "look again."
    right = CheckResult("1", "correct", "that is the band.")
    combined = workshop.combine("1", [right, wrong], "both parts right.")
    assert (combined.status, combined.message, combined.hint) == (
        "incorrect",
        wrong.message,
        wrong.hint,
    )
    assert workshop.combine("1", [right, right], "both parts right.").message == "both parts right."


# --------------------------------------------------------------------------- screen reading


def test_value_read_off_the_screen_is_right():
    """A table rounded to 3 decimals shows 0.436 for 0.43594: that is right, 0.438 is not."""
    expected = 0.43594
    for shown in (0.436, 43.6):
        assert workshop.check_number(
            "1", shown, expected, what="w", hint="h", rel_tol=0, decimals=3, fraction=True
        ).passed
    assert not workshop.check_number(
        "1", 0.438, expected, what="w", hint="h", rel_tol=0, decimals=3, fraction=True
    ).passed
    # a count shown as a whole number
    assert workshop.check_number(
        "1", 7112, 7111.6, what="w", hint="h", rel_tol=0, decimals=0
    ).passed
    assert not workshop.check_number(
        "1", 7110, 7111.6, what="w", hint="h", rel_tol=0, decimals=0
    ).passed


def test_reveal_gives_the_expected_value_as_shown():
    n = workshop.check_number(
        "1", workshop.REVEAL, 0.43594, what="w", hint="h", decimals=3, fraction=True
    )
    assert n.passed and n.answers == (0.436,) and n.answer == "0.436 (43.6%)"
    c = workshop.check_choice("1", workshop.REVEAL, ["Software", "73"], what="w", hint="h")
    assert c.answers == ("Software",)
    s = workshop.check_set("1", workshop.REVEAL, {"b", "a"}, what="w", hint="h")
    assert s.answers == (["a", "b"],) and s.answer == "a, b"
    b = workshop.check_bool("1", workshop.REVEAL, False, what="w", hint="h")
    assert b.answers == (False,) and b.answer == "False"
    both = workshop.combine("1", [n, b], "right.")
    assert both.answers == (0.436, False) and both.answer == "0.436 (43.6%); False"
    assert workshop.revealed(workshop.REVEAL, c) == "Software"
    assert workshop.revealed("x", c) == "x"


def test_format_and_shown_numbers():
    assert workshop.format_number(1234.0) == "1,234"
    assert workshop.format_number(245.8822, 1) == "245.9"
    assert workshop.shown_number(245.8822, 1) == 245.9
    assert workshop.shown_number(6.0, 0) == 6 and isinstance(workshop.shown_number(6.0, 0), int)


def test_checked_records_the_answer_names():
    assert _Demo.good.answer_names == ("answer",)
