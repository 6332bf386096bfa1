"""benchmarks/run_benchmarks.py, the benchmark script's pieces: measuring a process tree, splitting a run into phases,
and the results table (on a generated 2,000-lead org; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap

import nbformat
import pytest

from helpers.core import paths


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "run_benchmarks", paths.BENCHMARKS / "run_benchmarks.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


SUMMARY_COLUMNS = [
    "org", "leads", "activities", "check (s)", "load + validate (s)", "notebooks (s)",
    "HTML + finish (s)", "whole run (s)", "runs (s)", "CPU (s)", "peak memory (GiB)",
    "load average",
]
MODULE_COLUMNS = [
    "org", "module", "start (s)", "wall (s)", "kernel start (s)", "setup (s)", "analysis (s)",
    "peak memory (GiB)", "slowest cell",
]


def header_of(markdown: str, first: str) -> list[str]:
    """Column names of the Markdown table whose header starts with ``| first |``."""
    line = next(ln for ln in markdown.splitlines() if ln.startswith(f"| {first} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def rows_of(markdown: str, first: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"| {first} |"))
    out = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        out.append([c.strip() for c in ln.strip("|").split("|")])
    return out


# --------------------------------------------------------------------------- pieces


def test_measure_sums_the_memory_of_the_whole_process_tree(bench):
    # the parent prints, then waits for a child that holds 150 MiB for a moment
    child = "import time; b = bytearray(150 * 2**20); time.sleep(1.0)"
    code = textwrap.dedent(f"""
        import subprocess, sys
        print("started", flush=True)
        subprocess.run([sys.executable, "-c", {child!r}], check=True)
        print("done", flush=True)
    """)
    m = bench.measure([sys.executable, "-c", code], interval=0.02)
    assert m.returncode == 0
    assert [line for _, line in m.lines] == ["started", "done"]
    assert m.lines[0][0] <= m.lines[1][0] <= m.wall_s
    assert m.peak_bytes >= 150 * 2**20  # only the child held it: the tree was summed
    assert m.cpu_s > 0
    assert m.peak_between(0.0, m.lines[0][0]) < m.peak_bytes  # before the child started


def test_progress_lines_give_each_notebooks_window(bench):
    lines = [
        (0.5, "Running /x/org"),
        (10.0, "[1/2] 00_data_check                ok        4.0 s"),
        (31.0, "[2/2] 01_define_icp                FAILED   20.5 s"),
        (31.2, "Done in 31.2 s"),
    ]
    nbs = bench.parse_progress(lines)
    assert [n["notebook"] for n in nbs] == ["00_data_check", "01_define_icp"]
    assert nbs[0] == {"notebook": "00_data_check", "ok": True, "seconds": 4.0, "start": 6.0, "end": 10.0}
    assert nbs[1]["ok"] is False and nbs[1]["start"] == pytest.approx(10.5)
    skipped = bench.parse_progress([(9.0, "[3/5] 03_revenue_growth   skipped    2.0 s (no deals)")])
    assert skipped == [{"notebook": "03_revenue_growth", "ok": True, "seconds": 2.0, "start": 7.0,
                        "end": 9.0}]


def test_notebook_cells_split_setup_from_analysis(bench, tmp_path):
    nb = nbformat.v4.new_notebook()
    cells = [
        ('org_dir = "x"  # org', 0.01),
        ("from helpers.data import load_for_notebook\ndata = load_for_notebook(org_dir, out)", 2.0),
        ("\nax = plot_a(data)\nplots.save(ax, out, 'a')", 0.5),
        ("table = slow_thing(data)", 3.0),
    ]
    for src, dur in cells:
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["papermill"] = {"duration": dur}
        nb.cells.append(cell)
    nb.cells[0].metadata["tags"] = ["parameters"]  # its time is the wait for the kernel
    nb.cells.append(nbformat.v4.new_markdown_cell("text"))
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    out = bench.notebook_cells(path)
    assert out["cells_s"] == pytest.approx(5.5)
    assert out["setup_s"] == pytest.approx(2.0)
    assert out["analysis_s"] == pytest.approx(3.5)
    assert out["slowest"][0] == {"seconds": 3.0, "cell": "table = slow_thing(data)"}
    assert out["slowest"][1]["cell"] == "plots.save(ax, out, 'a')"  # the first helper call
    nb.cells[3].source = "if ready:\n    # a comment\n    table = slow_thing(data)\n    print(x)"
    nbformat.write(nb, path)
    assert bench.notebook_cells(path)["slowest"][0]["cell"] == "table = slow_thing(data)"


def _row(bench, size, leads, run_s, peak_gib, cpu=100.0, ok=True):
    return {
        "size": size, "leads": leads, "activities": leads * 10, "accounts": 0, "opportunities": 0,
        "generate_s": 0.0, "check_s": 1.0, "check_cpu_s": 1.0, "check_peak_bytes": 2**30,
        "check_ok": True, "ok": ok, "message": "" if ok else "01 failed", "run_s": run_s,
        "run_cpu_s": cpu, "peak_bytes": peak_gib * bench.GIB, "load_avg": [3.5, 2.0],
        "load_s": 2.0, "load_peak_bytes": 2**29, "finish_s": 0.5,
        "modules": {"00_data_check": {"ok": True, "wall_s": run_s - 2.5, "kernel_s": 1.0,
                                      "setup_s": 0.5, "analysis_s": run_s - 4.0, "slowest": [],
                                      "peak_bytes": 2**30}},
    }


def test_targets_say_met_or_missed_by_how_much(bench):
    rows = [
        _row(bench, "sample", 5000, 20.0, 0.5),
        _row(bench, "100,000", 100_000, 25.0, 1.0, cpu=20.0),
        _row(bench, "1,000,000", 1_000_000, 110.0, 4.5, cpu=100.0),
        _row(bench, "opportunity-only 75,000", 75_000, 26.0, 0.8),
    ]
    text = "\n".join(bench.target_lines(rows))
    assert "sample org (HTML included): 20.0 s (target <= 15 s: missed by 5.0 s" in text
    assert "100k leads, whole curriculum: 25.0 s (target <= 30 s: met)" in text
    assert "110.0 s (target <= 90 s: missed by 20.0 s" in text
    busy = bench.os.cpu_count() < 3.5 / 0.75  # the rows say the load average reached 3.5
    assert ("with a load average of 3.5" in text) == busy
    assert "4.5 GiB (target <= 4 GiB: missed by 0.5 GiB)" in text
    assert "4.4x wall, 5.0x CPU (target within 4x: missed by 0.4x)" in text
    assert "opportunity-only 75,000-row export without dates: 26.0 s (target <= 20 s: missed" in text
    rows[0]["run_s"], rows[2]["run_s"], rows[2]["peak_bytes"] = 15.0, 90.0, 4 * bench.GIB
    rows[3]["run_s"] = 12.0
    text = "\n".join(bench.target_lines(rows))
    assert text.count(": met") == 6, text


def test_sizes_and_shapes_on_the_command_line(bench):
    assert bench._size("100k") == 100_000 and bench._size("1M") == 1_000_000
    assert bench._size("lead-only:75k") == "lead-only:75000"
    assert bench.label("opportunity-only:75000") == "opportunity-only 75,000"
    assert bench.label(100_000) == "100,000" and bench.label("sample") == "sample"
    with pytest.raises(bench.argparse.ArgumentTypeError, match="lead-only"):
        bench._size("deals-only:75k")


@pytest.mark.parametrize("kind", ["lead-only", "opportunity-only"])
def test_export_shapes_load_and_validate(bench, tmp_path, kind):
    import shapes

    from helpers.data import load_org

    org = shapes.write_shape(kind, 1200, tmp_path / kind)
    data = load_org(org)
    assert len(data.leads) == 1200
    assert "created_at" not in data.leads or data.leads["created_at"].isna().all()
    converted = data.leads["converted"].astype(float)
    assert 0.02 < converted.mean() < 0.9  # both outcomes, from the generated deals
    if kind == "opportunity-only":
        assert len(data.opportunities) == 1200
        assert set(data.opportunities["outcome"]) == {"won", "lost"}
    assert bench.table_rows(org)["leads"] == 1200


def test_results_table_has_the_expected_columns(bench, tmp_path):
    rows = [_row(bench, "sample", 5000, 30.0, 0.5), _row(bench, "10,000", 10_000, 40.0, 0.7, ok=False)]
    out = tmp_path / "results.md"
    bench.write_results(rows, out, notes=["- a note"])
    md = out.read_text()
    assert header_of(md, "org")[:3] == SUMMARY_COLUMNS[:3]
    assert header_of(md, "org") == SUMMARY_COLUMNS
    assert [r[0] for r in rows_of(md, "org")] == ["sample", "10,000"]
    assert "**40.0** (FAILED)" in md and "10,000 FAILED: 01 failed" in md
    if bench.machine()["cores"] < 3.5:  # the rows say the load average reached 3.5
        assert "a load average above" in md
    assert "- a note" in md
    assert "- sample: 00_data_check 28 s (92%), load + validate 2 s (7%) of 30 s" in md
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["machine"]["cores"] >= 1 and len(saved["rows"]) == 2


# --------------------------------------------------------------------------- a real run


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_bench_size_on_a_small_generated_org(bench, tmp_path):
    """Generate a 2,000-lead org, run check and the data-check notebook through the real
    runner, and render the tables."""
    lines: list[str] = []
    row = bench.bench_size(2000, work=tmp_path / "work", only=["00"], echo=lines.append)
    assert row["ok"], row["message"]
    assert row["check_ok"]
    assert row["leads"] == 2000 and row["activities"] > 10_000
    assert list(row["modules"]) == ["00_data_check"]
    mod = row["modules"]["00_data_check"]
    assert mod["ok"] and mod["setup_s"] > 0 and mod["analysis_s"] > 0
    assert mod["kernel_s"] >= 0 and mod["peak_bytes"] > 0
    assert row["peak_bytes"] >= mod["peak_bytes"] > 0
    assert row["run_cpu_s"] > 0 and row["load_s"] > 0
    assert any("00_data_check" in ln for ln in lines)
    assert not (tmp_path / "work" / "report_2000").exists()  # reports are removed unless kept
    # a second call reuses the generated org
    org, secs = bench.generate(2000, tmp_path / "work", reuse=True)
    assert secs == 0.0 and (org / "org.yml").is_file()

    md = bench.render([row], bench.machine())
    assert header_of(md, "org") == SUMMARY_COLUMNS
    per_module = next(ln for ln in md.splitlines() if ln.startswith("| org | module |"))
    assert [c.strip() for c in per_module.strip("|").split("|")] == MODULE_COLUMNS
    body = md.split("## Per module", 1)[1]
    assert "| 2,000 | load + validate + write tables |" in body
    assert "| 2,000 | 00_data_check |" in body


# --------------------------------------------------------------------------- what the scale work added


def test_fast_text_lookups_match_pandas():
    import numpy as np
    import pandas as pd

    from helpers.data import isin_values, positions_in, text_equals

    rng = np.random.default_rng(0)
    ids = pd.Series([f"L{i:05d}" for i in rng.permutation(3000)], dtype="str")
    keys = pd.Series(rng.choice([*ids.iloc[:2000], "nope", None], size=20_000), dtype="str")
    expected = pd.Index(ids).get_indexer(keys.fillna("\x00"))
    assert (positions_in(keys, ids) == expected).all()
    assert (positions_in(keys.astype(object), ids.astype("string")) == expected).all()
    assert (positions_in(pd.Series([3, 1, 7]), pd.Series([1, 2, 3])) == [2, 0, -1]).all()
    with pytest.raises(ValueError, match="repeated"):
        positions_in(keys, pd.Series(["a", "a"]))
    assert (isin_values(keys, ids.iloc[:500]) == keys.isin(ids.iloc[:500]).to_numpy()).all()
    assert isin_values(pd.Series(["a", None]), ["a", None]).tolist() == [True, False]
    team = pd.Series(["Sales", "sales", None, "Marketing", "SALES "], dtype="str")
    assert text_equals(team, "sales").tolist() == [True, True, False, False, False]


def test_every_default_size_has_a_label(bench):
    """`make bench` with no --sizes names every default org (a shape's rows are a number)."""
    labels = [bench.label(size) for size in bench.DEFAULT_SIZES]
    assert labels == ["100,000", "1,000,000", "lead-only 75,000", "opportunity-only 75,000"]
    assert all(bench._size(str(s)) == s for s in bench.DEFAULT_SIZES)
