"""Workshop material: the exercise generator, the self-checks, and the two-way check.

Unit tests build tiny notebooks by hand. The repository tests read ``solutions/`` and
``exercises/``; the notebook tests execute every exercise (each check must say "not
answered yet", no cell may fail, from a working directory outside the repository) and
every solution (each check must pass).
"""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from helpers import workshop
from helpers.core import paths
from helpers.workshop import CheckResult

# --------------------------------------------------------------------------- check results


def test_check_result_text_and_bundle():
    wrong = CheckResult("1.2", "incorrect", "that is not the top segment.", "sort by win rate.")
    assert not wrong.passed
    assert str(wrong) == "❌ Exercise 1.2 - not yet: that is not the top segment. Hint: sort by win rate."
    bundle = wrong._repr_mimebundle_()
    assert bundle["text/plain"] == str(wrong)
    assert bundle[workshop.CHECK_MIME]["status"] == "incorrect"
    assert "sort by win rate." in bundle["text/html"]
    right = CheckResult("1.2", "correct", "that is the top segment.", "ignored when right")
    assert right.passed and "Hint" not in str(right)


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
    high = workshop.check_number("1", 0.5, expected, what="the win rate", hint="look at won deals only.")
    low = workshop.check_number("1", 0.1, expected, what="the win rate", hint="look at won deals only.")
    assert high.status == low.status == "incorrect"
    assert "higher" in high.message and "lower" in low.message
    for r in (high, low):
        assert "0.314" not in str(r) and "31.4" not in str(r)
        assert r.hint == "look at won deals only."


def test_number_percentage_and_known_mistake():
    pct = workshop.check_number("1", 25, 0.25, what="the rate", hint="h", fraction=True)
    assert pct.status == "incorrect" and "percentage" in pct.message
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
    assert workshop.check_choice("1", "VP", ["Director", "vp"], what="a winning seniority", hint="h").passed
    wrong = workshop.check_choice(
        "1", "marketing", "sales", what="the side", hint="h", mistakes={"marketing": "count touches."}
    )
    assert wrong.status == "incorrect" and wrong.hint == "count touches."
    outside = workshop.check_choice("1", "finance", "sales", what="the side", hint="h", options=["marketing", "sales"])
    assert "not one of" in outside.message and "'marketing'" in outside.hint
    typed = workshop.check_choice("1", ["sales"], "sales", what="the side", hint="h")
    assert typed.status == "incorrect" and "single label" in typed.message


def test_set():
    assert workshop.check_set("1", ["73", " 36"], {"36", "73"}, what="groups", hint="h").passed
    r = workshop.check_set("1", ["73", "50", "51"], ["73", "36"], what="groups", hint="h")
    assert r.status == "incorrect" and "1 missing" in r.message and "2 that do not belong" in r.message
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
    assert missing.status == "error" and missing.message == "this organization's export records no sales touches."
    assert "next one" in missing.hint
    assert _Demo.good.exercise == "9.1"


def test_mql_rule_evidence_hand_computed():
    from types import SimpleNamespace

    frame = pd.DataFrame(
        {
            "icp_tier": ["A", "A", "B", "B", "C", "D", "A", "C"],
            "n_marketing": [3, 0, 2, 5, 4, 1, 2, 0],
        }
    )
    table = pd.DataFrame(
        {
            "eligible": [True, True, True, True, True, True, True, False],
            "label": [1, 0, 1, 0, 0, 0, 1, 0],
        }
    )
    ev = workshop.mql_rule_evidence(SimpleNamespace(frame=frame), SimpleNamespace(table=table), ["a", "B"], 2)
    # eligible MQLs: rows 0, 2, 3, 6 -> 3 conversions of 4; all eligible: 3 of 7
    assert ev["mql_share"] == pytest.approx(4 / 7)
    assert ev["conversion"] == pytest.approx(0.75)
    assert ev["lift"] == pytest.approx(0.75 / (3 / 7))
    assert ev["recall"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="tiers are A, B, C and D"):
        workshop.mql_rule_evidence(SimpleNamespace(frame=frame), SimpleNamespace(table=table), ["E"], 0)


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


# --------------------------------------------------------------------------- generator

SOLUTION_CELLS = [
    ("markdown", "# Demo\n\nQuestion.\n\n<!-- BEGIN SOLUTION -->\n**Answer.** The secret.\n<!-- END SOLUTION -->\n\nEnd."),
    ("code", "x = 2"),
    ("code", "# Exercise 1\n# BEGIN SOLUTION\ny = x * 3\nanswer = y + 1\n# END SOLUTION\ncheck(answer)"),
    ("code", "# BEGIN SOLUTION\nseg, cost = 'a', 0.1\n# END SOLUTION\ncheck(seg, cost)"),
    ("code", "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\nf()"),
    ("code", "# BEGIN SOLUTION\nplot_something()\n# END SOLUTION"),
]


def make_solution(cells=SOLUTION_CELLS, hidden: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(source))
    if hidden:
        nb.cells.append(nbformat.v4.new_code_cell("assert answer == 7", metadata={"tags": ["hidden-check"]}))
        nb.cells.append(nbformat.v4.new_markdown_cell("Solution notes.", metadata={"tags": ["solution"]}))
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    nb.cells[1].execution_count = 4
    nb.metadata["papermill"] = {"duration": 1.0}
    return nb


def test_exercise_replaces_blocks_with_placeholders():
    ex = workshop.exercise_from_solution(make_solution(), "demo.ipynb")
    sources = [c.source for c in ex.cells]
    assert sources[0] == "# Demo\n\nQuestion.\n\n*Your answer here.*\n\nEnd."
    assert sources[2] == "# Exercise 1\nanswer = ...  # Your answer here\ncheck(answer)"
    assert sources[3] == "seg = ...  # Your answer here\ncost = ...  # Your answer here\ncheck(seg, cost)"
    assert sources[4] == "def f():\n    ...  # Your answer here\nf()"
    assert sources[5] == "...  # Your answer here"
    joined = "\n".join(sources)
    assert "secret" not in joined and "y * 3" not in joined and "SOLUTION" not in joined


def test_block_stubs_every_answer_the_check_reads():
    source = (
        "rates = table['win_rate']\n"
        "# BEGIN SOLUTION\n"
        "weakest = rates.idxmin()\n"
        "helper = 3\n"
        "cost = rates[weakest] * helper\n"
        "# END SOLUTION\n"
        "check.drop(weakest, cost)"
    )
    assert workshop.strip_code_solution(source) == (
        "rates = table['win_rate']\n"
        "weakest = ...  # Your answer here\n"
        "cost = ...  # Your answer here\n"
        "check.drop(weakest, cost)"
    )
    # nothing read after the block: the names of its last statement
    assert workshop.strip_code_solution("# BEGIN SOLUTION\nx = 1\ny = x\n# END SOLUTION") == "y = ...  # Your answer here"


def test_exercise_drops_hidden_cells_outputs_and_metadata():
    solution = make_solution()
    ex = workshop.exercise_from_solution(solution, "demo.ipynb")
    assert len(ex.cells) == len(SOLUTION_CELLS)
    assert all(c.outputs == [] and c.execution_count is None for c in ex.cells if c.cell_type == "code")
    assert ex.cells[1].metadata == {"tags": ["parameters"]}
    assert "papermill" not in ex.metadata
    assert ex.metadata["kernelspec"]["name"] == "python3"
    assert ex.metadata["alignment_edge"]["generated_from"] == "solutions/demo.ipynb"
    assert [c.id for c in ex.cells] == [c.id for c in solution.cells[: len(SOLUTION_CELLS)]]
    # the solution itself is untouched
    assert solution.cells[1].outputs and "BEGIN SOLUTION" in solution.cells[2].source
    nbformat.validate(ex)


def test_exercise_text_is_deterministic_and_idempotent():
    solution = make_solution()
    first = workshop.notebook_text(workshop.exercise_from_solution(solution, "demo.ipynb"))
    again = workshop.notebook_text(workshop.exercise_from_solution(solution, "demo.ipynb"))
    assert first == again
    twice = workshop.exercise_from_solution(nbformat.reads(first, as_version=4), "demo.ipynb")
    assert workshop.notebook_text(twice) == first


@pytest.mark.parametrize(
    "source, message",
    [
        ("# BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n# END SOLUTION", "without"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
        ("# BEGIN SOLUTION\nx = (\n# END SOLUTION", "not valid Python"),
        ("# BEGIN SOLUTION\nd['k'] = 1\n# END SOLUTION", "plain names"),
    ],
)
def test_bad_markers_name_the_cell(source, message):
    nb = make_solution([("markdown", "# T"), ("code", "x = 1"), ("code", source)], hidden=False)
    with pytest.raises(workshop.SolutionFormatError, match=message) as info:
        workshop.exercise_from_solution(nb, "bad.ipynb")
    assert "bad.ipynb, cell 3" in str(info.value)


def test_unbalanced_markdown_markers():
    nb = make_solution([("markdown", "<!-- BEGIN SOLUTION --> x"), ("code", "x = 1")], hidden=False)
    with pytest.raises(workshop.SolutionFormatError, match="unbalanced"):
        workshop.exercise_from_solution(nb, "bad.ipynb")


def test_generate_exercises_writes_same_names_and_removes_orphans(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    ex.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        nbformat.write(make_solution(), sol / name)
    (ex / "03_gone.ipynb").write_text("{}", encoding="utf-8")
    (ex / "README.md").write_text("guide", encoding="utf-8")
    written = workshop.generate_exercises(sol, ex)
    assert [p.name for p in written] == ["01_a.ipynb", "02_b.ipynb"]
    assert sorted(p.name for p in ex.glob("*.ipynb")) == ["01_a.ipynb", "02_b.ipynb"]
    assert (ex / "README.md").read_text(encoding="utf-8") == "guide"
    assert workshop.stale_exercises(sol, ex) == []
    nb = nbformat.read(ex / "01_a.ipynb", as_version=4)
    assert "BEGIN SOLUTION" not in json.dumps(nb)
    # editing an exercise by hand is detected as drift
    nb.cells[1].source = "x = 3"
    nbformat.write(nb, ex / "01_a.ipynb")
    (ex / "04_extra.ipynb").write_text("{}", encoding="utf-8")
    assert workshop.stale_exercises(sol, ex) == ["01_a.ipynb", "04_extra.ipynb"]


def test_main_check_reports_drift(tmp_path, monkeypatch, capsys):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(make_solution(), sol / "01_a.ipynb")
    monkeypatch.setattr(paths, "SOLUTIONS", sol)
    monkeypatch.setattr(paths, "EXERCISES", ex)
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    assert workshop.main(["check"]) == 1
    assert "01_a.ipynb" in capsys.readouterr().out
    assert workshop.main(["generate"]) == 0
    assert workshop.main(["check"]) == 0
    assert workshop.main(["execute-solutions", "99"]) == 2
    assert "No solution notebook matches 99" in capsys.readouterr().out


# --------------------------------------------------------------------------- execution (tiny)

TINY_CELLS = [
    ("markdown", "# Tiny"),
    ("code", "value = 6  # parameters"),
    ("code", "from helpers import workshop\nprint('ready')"),
    (
        "code",
        "# BEGIN SOLUTION\nanswer = value * 7\n# END SOLUTION\n"
        "workshop.check_number('1.1', answer, value * 7, what='the product', hint='multiply.')",
    ),
    (
        "code",
        "# BEGIN SOLUTION\nside = 'sales'\n# END SOLUTION\n"
        "workshop.check_choice('1.2', side, 'sales', what='the side', hint='look at touches.')",
    ),
]


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_tiny_notebook_two_way(tmp_path):
    solution = make_solution(TINY_CELLS, hidden=False)
    exercise = workshop.exercise_from_solution(solution, "tiny.ipynb")
    workshop.execute_notebook(solution, cwd=tmp_path)
    workshop.execute_notebook(exercise, cwd=tmp_path)
    assert [c["status"] for c in workshop.check_outputs(solution)] == ["correct", "correct"]
    assert [c["status"] for c in workshop.check_outputs(exercise)] == ["unanswered", "unanswered"]
    assert workshop.error_outputs(exercise) == []
    assert exercise.cells[2].outputs[0]["text"] == "ready\n"


# --------------------------------------------------------------------------- the repository's material

SOLUTION_PATHS = workshop.solution_paths()
NAMES = [p.name for p in SOLUTION_PATHS]
CHECK_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)


def _read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _check_calls(nb) -> list[str]:
    return [m for c in nb.cells if c.cell_type == "code" for m in CHECK_CALL.findall(c.source)]


def test_the_workshop_has_its_five_notebooks():
    assert NAMES == [
        "01_define_icp.ipynb",
        "02_funnel_leakage.ipynb",
        "03_revenue_growth.ipynb",
        "04_mql_classifier.ipynb",
        "05_capstone.ipynb",
    ]


def test_same_file_names_in_both_folders():
    exercises = sorted(p.name for p in paths.EXERCISES.glob("*.ipynb"))
    assert exercises == NAMES


def test_committed_exercises_equal_the_generator_output():
    assert workshop.stale_exercises() == [], "run `make exercises`: the exercises differ from their solutions"


def test_every_check_is_used_by_exactly_one_exercise():
    used = [name for p in SOLUTION_PATHS for name in _check_calls(_read(p))]
    assert sorted(used) == sorted(workshop.Checks.exercises().values())


@pytest.mark.parametrize("name", NAMES)
def test_solution_conventions(name):
    path = paths.SOLUTIONS / name
    nb = _read(path)
    assert path.stat().st_size < 1_000_000, "keep solutions small (< 1 MB with outputs)"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    calls = _check_calls(nb)
    assert len(calls) >= 5, "each workshop has at least 5 self-checked exercises"
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            assert "# BEGIN SOLUTION" in cell.source, "a check follows an answer block in the same cell"
            assert CHECK_CALL.search(cell.source.strip().splitlines()[-1]), "the check is the cell's last line"
        if cell.cell_type == "code" and cell.source.strip():
            # nbval runs cells without storing history, so IPython ignores a trailing ';':
            # plot cells assign their Axes instead (ax = ...), which never prints a repr
            assert not cell.source.rstrip().endswith(";"), cell.source
    # committed outputs: no error, every check right
    assert workshop.error_outputs(nb) == []
    results = workshop.check_outputs(nb)
    assert [r["status"] for r in results] == ["correct"] * len(calls), "run `make solutions`"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert "image/png" not in output.get("data", {}) or len(output["data"]["image/png"]) < 200_000


@pytest.mark.parametrize("name", NAMES)
def test_exercises_hold_no_answers_and_no_outputs(name):
    solution = _read(paths.SOLUTIONS / name)
    exercise = _read(paths.EXERCISES / name)
    text = json.dumps(exercise)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert all(not c.get("outputs") for c in exercise.cells if c.cell_type == "code")
    assert not any("solution" in c.metadata.get("tags", []) for c in exercise.cells)
    assert _check_calls(exercise) == _check_calls(solution)
    assert text.count(workshop.ANSWER_COMMENT) >= len(_check_calls(solution))


# --------------------------------------------------------------------------- the two-way check


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every solution and every untouched exercise, executed from a folder outside the repository."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    solutions = [_read(p) for p in SOLUTION_PATHS]
    exercises = [_read(paths.EXERCISES / n) for n in NAMES]
    done = workshop.execute_notebooks(exercises + solutions, cwd=cwd, workers=2, allow_errors=True)
    return dict(zip(NAMES, done[: len(NAMES)])), dict(zip(NAMES, done[len(NAMES) :]))


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_runs_and_every_check_fails(executed, name):
    exercise = executed[0][name]
    assert workshop.error_outputs(exercise) == []  # every setup cell runs
    statuses = [r["status"] for r in workshop.check_outputs(exercise)]
    assert statuses == ["unanswered"] * len(_check_calls(exercise))


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", NAMES)
def test_solution_runs_and_every_check_passes(executed, name):
    solution = executed[1][name]
    assert workshop.error_outputs(solution) == []
    results = workshop.check_outputs(solution)
    assert [r["status"] for r in results] == ["correct"] * len(_check_calls(solution)), results
