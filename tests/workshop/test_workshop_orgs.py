"""The workshop's organizations and a notebook's parameters (``helpers/workshop/orgs.py``)."""

from __future__ import annotations

import nbformat
import pytest

from helpers import funnel, workshop
from helpers.workshop import orgs


def _notebook(tmp_path, source: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_parameters_are_read_back_as_literals(tmp_path):
    path = _notebook(tmp_path, 'org_dir = "datasets/sample"  # where\nseed = 7\ntiers = ["A"]')
    assert workshop.notebook_parameters(path) == {
        "org_dir": "datasets/sample",
        "seed": 7,
        "tiers": ["A"],
    }
    with pytest.raises(ValueError, match="parameter 'x' is not a literal"):
        workshop.notebook_parameters(_notebook(tmp_path, "x = 2 * 3"))


def test_a_notebook_without_parameters_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, tmp_path / "bare.ipynb")
    with pytest.raises(ValueError, match="bare.ipynb has no cell tagged 'parameters'"):
        workshop.notebook_parameters(tmp_path / "bare.ipynb")


def test_org_for_parameters_dispatches(monkeypatch, sample_org_dir):
    monkeypatch.setattr(orgs, "capstone_org", lambda *a: ("capstone", a))
    monkeypatch.setattr(orgs, "meeting_org", lambda *a: ("meeting", a))
    assert orgs.org_for_parameters({"capstone_seed": 5, "scenario": "alt", "n_leads": 900}) == (
        "capstone",
        ("alt", 5, 900),
    )
    assert orgs.org_for_parameters({"meeting_seed": 3, "incident": "2024-12-02"}) == (
        "meeting",
        (3, "2024-12-02"),
    )
    data = orgs.org_for_parameters({"org_dir": "datasets/sample", "meeting_seed": 3})
    assert data.name.startswith("Northwind Analytics")


def test_unknown_scenario_is_refused():
    with pytest.raises(ValueError, match="'nope' is not a generator scenario; use one of"):
        workshop.capstone_org("nope")


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_the_capstone_org_has_every_rule_it_asks_for():
    """The default capstone org has an ICP rule and a touches plateau (the planted 4)."""
    data = workshop.capstone_org()
    plateau = funnel.find_plateau(funnel.touch_curve(funnel.from_org(data))).touches
    assert plateau is not None and abs(plateau - 4) <= 1
    assert data.name.startswith("Contoso Health Cloud")
