"""helpers.runner.graph: which notebook waits for which, and that the declared inputs and
outputs are those the curriculum's notebooks really read and write."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from helpers import runner as run
from helpers.core import paths
from helpers.runner.graph import MODULE_IO, TABLES, ModuleIO, dependencies, describe, stages

CURRICULUM = [nb.key for nb in run.discover_notebooks()]


def test_the_curriculum_runs_in_three_waves():
    deps = dependencies(CURRICULUM)
    assert deps == {
        "00_data_check": (),
        "01_define_icp": (),
        "02_funnel_leakage": ("01_define_icp",),
        "03_revenue_growth": ("02_funnel_leakage",),
        "04_mql_classifier": ("01_define_icp", "02_funnel_leakage"),
    }
    assert stages(deps) == [
        ["00_data_check", "01_define_icp"],
        ["02_funnel_leakage"],
        ["03_revenue_growth", "04_mql_classifier"],
    ]
    assert describe(deps) == (
        "00_data_check + 01_define_icp -> 02_funnel_leakage -> "
        "03_revenue_growth + 04_mql_classifier"
    )


def test_with_only_an_input_from_the_previous_report_is_no_dependency():
    # --only 03 04: module 2's figures come from the previous report
    assert dependencies(["03_revenue_growth", "04_mql_classifier"]) == {
        "03_revenue_growth": (),
        "04_mql_classifier": (),
    }
    assert dependencies(["02_funnel_leakage", "04_mql_classifier"]) == {
        "02_funnel_leakage": (),
        "04_mql_classifier": ("02_funnel_leakage",),
    }


def test_a_notebook_the_graph_does_not_know_waits_and_is_waited_for():
    keys = ["00_data_check", "01_mine", "02_funnel_leakage", "03_revenue_growth"]
    deps = dependencies(keys)
    assert deps["01_mine"] == ("00_data_check",)
    assert deps["02_funnel_leakage"] == ("01_mine",)  # it may have written anything
    assert deps["03_revenue_growth"] == ("01_mine", "02_funnel_leakage")
    io = {"00_a": ModuleIO(reads=(TABLES,)), "01_b": ModuleIO(reads=(TABLES,))}
    assert stages(dependencies(["00_a", "01_b"], io)) == [["00_a", "01_b"]]


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="wait for each other"):
        stages({"a": ("b",), "b": ("a",)})


# --------------------------------------------------------------------------- the contract

#: Calls that read an artifact of another module, and what they read.
READERS = {
    "read_icp": "icp.yml",
    "icp_definition": "icp.yml",
}
#: Calls that write an artifact, and what they write.
WRITERS = {"write_icp": "icp.yml"}
SUMMARY_KEY = re.compile(r"^\d\d_[a-z_]+$")


def _code(nb_key: str) -> ast.Module:
    nb = nbformat.read(paths.NOTEBOOKS / f"{nb_key}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    return ast.parse("\n".join(line for c in cells for line in c.splitlines()
                               if not line.lstrip().startswith(("%", "!"))))


def _calls(tree: ast.Module) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")


def _looked_up(tree: ast.Module) -> set[str]:
    """Module keys looked up as ``x.get("02_funnel")`` or ``x["02_funnel"]``."""
    found = set()
    for n in ast.walk(tree):
        arg = None
        if isinstance(n, ast.Call) and _name(n) == "get" and n.args:
            arg = n.args[0]
        elif isinstance(n, ast.Subscript):
            arg = n.slice
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if SUMMARY_KEY.match(arg.value):
                found.add(arg.value)
    return found


@pytest.mark.parametrize("key", CURRICULUM)
def test_declared_inputs_and_outputs_match_the_notebook(key):
    assert key in MODULE_IO, f"{key} is not in helpers.runner.graph.MODULE_IO"
    io = MODULE_IO[key]
    tree = _code(key)
    calls = _calls(tree)
    names = {_name(c) for c in calls}
    reads = {what for fn, what in READERS.items() if fn in names}
    writes = {what for fn, what in WRITERS.items() if fn in names}
    # summary.json: the module keys it records, and those it looks up after reading it
    for call in calls:
        if _name(call) in {"record", "skip_module"} and len(call.args) >= 2:
            arg = call.args[1]
            if isinstance(arg, ast.Constant):
                writes.add(f"summary:{arg.value}")
    if "read_summary" in names:
        looked_up = {k for k in _looked_up(tree) if f"summary:{k}" not in writes}
        declared = {r for r in io.reads if r.startswith("summary:")}
        assert declared, f"{key} reads summary.json but declares no summary input"
        reads |= {f"summary:{k}" for k in looked_up}
    assert reads <= set(io.reads), f"{key} reads {sorted(reads - set(io.reads))} undeclared"
    assert writes <= set(io.writes), f"{key} writes {sorted(writes - set(io.writes))} undeclared"
    assert "load_for_notebook" in names and TABLES in io.reads


def test_every_declared_input_is_written_by_an_earlier_module():
    for i, key in enumerate(CURRICULUM):
        for item in MODULE_IO[key].reads:
            if item == TABLES:
                continue
            writers = [k for k in CURRICULUM[:i] if item in MODULE_IO[k].writes]
            assert writers, f"{key} reads {item}, which no earlier module writes"


def test_module_4_reads_module_2s_figures_through_the_summary():
    """04 passes the whole summary on: the key it uses is in helpers.scoring, not the
    notebook, so the test reads it there."""
    from helpers.scoring import thresholds

    source = (paths.REPO_ROOT / "helpers" / "scoring" / "thresholds.py").read_text()
    assert thresholds.touches_plateau({}, 6.0)[0] == 6.0
    keys = set(re.findall(r'summary\.get\("(\d\d_[a-z_]+)"\)', source))
    assert keys and {f"summary:{k}" for k in keys} <= set(MODULE_IO["04_mql_classifier"].reads)
