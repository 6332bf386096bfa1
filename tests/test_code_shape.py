"""The shape of the package: small files, short functions, computation apart from plotting.

A function may run past ``MAX_FUNCTION_LINES`` only when its docstring says why, in a
line starting with ``Length:`` (e.g. a table of literal settings that reads best whole).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.core import paths

MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 80
PACKAGE = paths.REPO_ROOT / "helpers"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if ".ipynb_checkpoints" not in p.parts)


def _rel(path: Path) -> str:
    return str(path.relative_to(paths.REPO_ROOT))


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_file_over_the_line_limit(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_FILE_LINES, f"{_rel(path)} has {n} lines (limit {MAX_FILE_LINES}): split it"


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1
            doc = ast.get_docstring(node) or ""
            if n > MAX_FUNCTION_LINES and "Length:" not in doc:
                out.append(f"{node.name} (line {node.lineno}, {n} lines)")
    return out


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_long_function_without_a_reason(path):
    long = _long_functions(path)
    assert not long, (
        f"{_rel(path)}: functions over {MAX_FUNCTION_LINES} lines with no 'Length:' reason "
        f"in their docstring: {', '.join(long)}"
    )


def test_computation_imports_no_plotting_library():
    """Importing every subpackage (their plot functions included) loads no plotting library."""
    code = (
        "import sys\n"
        "import helpers.core, helpers.data, helpers.synth, helpers.icp, helpers.funnel\n"
        "import helpers.revenue, helpers.scoring\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'seaborn')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_import_time_warning_filters():
    """Third-party libraries may set their own filters; importing ``helpers`` adds none."""
    code = (
        "import warnings\n"
        "import numpy, pandas, scipy.special, scipy.stats, sklearn.ensemble, sklearn.linear_model\n"
        "before = list(warnings.filters)\n"
        "import helpers.core, helpers.data, helpers.synth, helpers.icp, helpers.funnel\n"
        "import helpers.revenue, helpers.scoring, helpers.workshop\n"
        "print(warnings.filters == before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_every_subpackage_declares_its_public_names():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = [
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, f"{_rel(init)} has no __all__"


#: Shared pieces defined exactly once in ``helpers/`` (issue: two Wilson intervals, two slug
#: rules, two notebook executors and four rounding helpers had drifted apart).
SHARED_ONCE = (
    "wilson_interval",
    "mantel_haenszel_rr",
    "two_proportion_p",
    "beta_posterior",
    "hac_covariance",
    "plain",
    "org_slug",
    "execute_notebook",
)


def test_shared_pieces_are_defined_once():
    where: dict[str, list[str]] = {name: [] for name in SHARED_ONCE}
    for path in SOURCES:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level
            if isinstance(node, ast.FunctionDef) and node.name in where:
                where[node.name].append(f"{_rel(path)}:{node.lineno}")
    twice = {name: found for name, found in where.items() if len(found) != 1}
    assert not twice, f"defined more or less than once: {twice}"
