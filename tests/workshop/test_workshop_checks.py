"""The notebooks' ``check`` object (``helpers/workshop/checks.py``) and its module classes."""

from __future__ import annotations

from helpers import workshop
from helpers.workshop import CheckResult


def test_every_real_check_answers_without_raising(sample_data):
    """On the sample: a placeholder is 'unanswered', a nonsense answer is a friendly failure."""
    check = workshop.Checks(sample_data)
    for number, name in workshop.Checks.exercises().items():
        method = getattr(check, name)
        n_answers = method.__wrapped__.__code__.co_argcount - 1
        untouched = method(*[...] * n_answers)
        assert untouched.status == "unanswered", name
        wrong = method(*[object()] * n_answers)
        assert isinstance(wrong, CheckResult) and wrong.exercise == number
        assert wrong.status in ("incorrect", "error"), (name, wrong)
        assert wrong.message and str(wrong).startswith(("❌", "⚠️"))


def test_one_class_per_notebook_holds_its_exercises():
    prefixes = {
        workshop.IcpChecks: "1.",
        workshop.FunnelChecks: "2.",
        workshop.RevenueChecks: "3.",
        workshop.ScoringChecks: "4.",
        workshop.CapstoneChecks: "5.",
        workshop.MeetingChecks: "6.",
    }
    assert tuple(prefixes) == workshop.MODULE_CHECKS
    merged = {}
    for cls, prefix in prefixes.items():
        found = cls.exercises()
        assert len(found) >= 5 and all(number.startswith(prefix) for number in found), cls
        merged.update(found)
    assert workshop.Checks.exercises() == merged
    assert tuple(workshop.NOTEBOOK_CHECKS.values()) == workshop.MODULE_CHECKS


def test_every_check_names_its_answers_and_where_to_read_them():
    """The answer key prints each exercise's answer names and where they are read."""
    for number, name in workshop.Checks.exercises().items():
        method = getattr(workshop.Checks, name)
        assert method.answer_names and all(n.isidentifier() for n in method.answer_names), name
        assert method.hint.endswith(".") and len(method.hint) <= 100, (number, method.hint)


def test_module_checks_share_one_cache(sample_data):
    """The capstone reuses the funnel's expected values rather than computing them again."""
    capstone = workshop.CapstoneChecks(sample_data)
    assert capstone.capstone_leak_cause("no such cause").status == "incorrect"
    funnel = capstone._sibling(workshop.FunnelChecks)
    assert funnel._cache is capstone._cache and {"journeys", "ranking", "low_fit"} <= set(
        funnel._cache
    )
    assert repr(capstone).startswith(
        f"Self-checks on {sample_data.name}: 5.1 capstone_costliest_leak"
    )
