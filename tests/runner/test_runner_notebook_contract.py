"""Every analysis notebook follows the curriculum's skeleton, and the code is lint-clean."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess

import pytest

from helpers.core import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _cells(nb_path):
    return json.loads(nb_path.read_text(encoding="utf-8"))["cells"]


def test_notebooks_exist_in_teaching_order():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["00_data_check.ipynb", "01_define_icp.ipynb", "02_funnel_leakage.ipynb",
                     "03_revenue_growth.ipynb", "04_mql_classifier.ipynb"]
    solutions = {p.name for p in paths.SOLUTIONS.glob("0[1-4]_*.ipynb")}
    assert solutions == set(names[1:]), "solutions/ uses the same basenames as notebooks/"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(nb_path):
    for cell in _cells(nb_path):
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{nb_path.name} has stored outputs"
            assert cell.get("execution_count") is None


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_literals_with_comments(nb_path):
    cells = _cells(nb_path)
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{nb_path.name}: exactly one cell tagged 'parameters'"
    names = set()
    for line in "".join(tagged[0]["source"]).splitlines():
        if not line.strip():
            continue
        m = re.fullmatch(r"([a-z_][a-z0-9_]*) = (.+?)\s+# .+", line)
        assert m, f"{nb_path.name}: parameter line needs 'name = literal  # comment': {line!r}"
        ast.literal_eval(m.group(2))  # literals only: no computation in the parameters cell
        names.add(m.group(1))
    assert {"org_dir", "output_dir"} <= names


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_skeleton_header_and_key_figures(nb_path):
    cells = _cells(nb_path)
    first = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# ")
    assert "question" in first.lower()
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "report.record(" in code, f"{nb_path.name} records its key figures"
    assert "load_for_notebook(" in code, f"{nb_path.name} loads through helpers.data.load"


def test_ruff_is_clean_on_code_and_notebooks():
    ruff = shutil.which("ruff", path=str(paths.REPO_ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:  # pragma: no cover - ruff is in the dev dependencies
        pytest.skip("ruff is not installed in this environment")
    cmd = [ruff, "check", "helpers", "tests", "notebooks", "solutions", "benchmarks"]
    proc = subprocess.run(cmd, cwd=paths.REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
