"""helpers/runner/param_docs.py: docs/parameters.md stays equal to the notebooks' parameters."""

from __future__ import annotations

import pytest

from helpers.core import paths
from helpers.runner import param_docs
from helpers.runner.cli import main


def test_the_reference_page_matches_the_notebooks():
    page = (paths.DOCS / param_docs.PAGE).read_text(encoding="utf-8")
    assert page == param_docs.render_markdown(), (
        "docs/parameters.md differs from the notebooks' parameters cells: run "
        "`python -m helpers.runner.param_docs` and commit the page"
    )


def test_every_parameter_has_a_meaning_and_when_to_change_it():
    rows = param_docs.parameter_rows()
    assert {r.notebook for r in rows} >= {"00_data_check", "03_revenue_growth", "04_mql_classifier"}
    missing = sorted({r.name for r in rows if not r.when})
    assert not missing, f"add a 'when to change it' line to param_docs.WHEN_TO_CHANGE for {missing}"
    assert all(r.meaning for r in rows), [r.name for r in rows if not r.meaning]
    unused = set(param_docs.WHEN_TO_CHANGE) - {r.name for r in rows}
    assert not unused, f"WHEN_TO_CHANGE names parameters no notebook declares: {sorted(unused)}"


def test_params_command_prints_one_module(capsys):
    assert main(["params", "03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("03_revenue_growth\n") and "  deal_size = 0.0\n" in out
    assert "When to change it: Set the average won deal value" in out
    assert "04_mql_classifier" not in out
    assert main(["params"]) == 0 and "00_data_check" in capsys.readouterr().out


def test_params_command_unknown_module(capsys):
    assert main(["params", "09"]) == 2
    assert "no notebook '09'" in capsys.readouterr().err


@pytest.mark.parametrize("module", ["3", "03", "03_revenue_growth"])
def test_module_names(module):
    assert param_docs.render_text(module).startswith("03_revenue_growth\n")
