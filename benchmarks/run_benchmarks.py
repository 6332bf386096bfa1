"""Wall time and peak memory of the curriculum at growing organization sizes.

For each size (leads; ~10 activities each, accounts and opportunities in proportion) this
script generates an organization with ``helpers.synth`` (Parquet files, like a large export),
then measures, through the real runner:

- ``load + validate``: ``helpers.load.load_org`` (what ``alignment-edge check`` does);
- each notebook's wall time, and within it the kernel/notebook overhead (an empty notebook
  that only imports ``helpers``, executed the same way) and the module's own computation;
- peak memory of the whole process tree - the runner and the notebook kernels it starts -
  sampled every 50 ms with psutil.

It writes ``benchmarks/results.md`` (and ``results.json``). Usage::

    python benchmarks/run_benchmarks.py                 # 10k, 100k, 1M leads
    python benchmarks/run_benchmarks.py --sizes 10000   # one size
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import load, paths, run, synth  # noqa: E402

WORK = paths.BENCHMARKS / "work"


class PeakMemory:
    """Peak resident memory (bytes) of this process and all its descendants."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            try:
                procs = [me, *me.children(recursive=True)]
            except psutil.Error:
                procs = [me]
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _overhead_notebook(folder: Path) -> Path:
    """A notebook with the same parameters/setup shape but no analysis."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('org_dir = ""  # org\noutput_dir = ""  # output')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import helpers.load, helpers.plots")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "99_overhead.ipynb"
    nbformat.write(nb, path)
    return path


def bench_size(n_leads: int, seed: int = 1) -> dict:
    """Generate one org of ``n_leads`` and measure check + every module."""
    org = WORK / f"org_{n_leads}"
    out = WORK / f"report_{n_leads}"
    shutil.rmtree(org, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    row: dict = {"leads": n_leads}

    t0 = time.perf_counter()
    synth.write_org(synth.SCENARIOS["sample"].replace(n_leads=n_leads, seed=seed), org, fmt="parquet")
    row["generate_s"] = time.perf_counter() - t0

    with PeakMemory() as mem:
        t0 = time.perf_counter()
        data = load.load_org(org)
        row["load_validate_s"] = time.perf_counter() - t0
    row["load_peak_mb"] = mem.peak / 2**20
    row["activities"] = 0 if data.activities is None else len(data.activities)
    row["opportunities"] = 0 if data.opportunities is None else len(data.opportunities)
    row["accounts"] = 0 if data.accounts is None else len(data.accounts)
    del data

    # kernel/notebook overhead: an empty notebook executed the same way as the modules
    with tempfile.TemporaryDirectory() as nbdir:
        _overhead_notebook(Path(nbdir))
        t0 = time.perf_counter()
        res = run.run_org(org, out=WORK / f"overhead_{n_leads}", notebooks_dir=nbdir,
                          echo=lambda _line: None, progress_bar=False)
        row["overhead_run_s"] = time.perf_counter() - t0
        assert res.ok, res.message
    shutil.rmtree(WORK / f"overhead_{n_leads}", ignore_errors=True)

    lines: list[str] = []
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        res = run.run_org(org, out=out, html=True, echo=lines.append, progress_bar=False)
        row["total_s"] = time.perf_counter() - t0
    row["peak_mb"] = mem.peak / 2**20
    row["ok"] = res.ok
    row["message"] = res.message
    modules = {}
    for line in lines:  # "[i/n] 01_define_icp    ok     12.3 s"
        parts = line.split()
        if len(parts) >= 4 and parts[-1] == "s":
            modules[parts[1]] = float(parts[-2])
    row["modules_s"] = modules
    return row


def kernel_overhead_per_notebook(row: dict) -> float:
    """Seconds an empty notebook costs (run total minus load/validate/write)."""
    return max(row["overhead_run_s"] - row["load_validate_s"], 0.0)


def write_results(rows: list[dict], path: Path) -> None:
    mem = psutil.virtual_memory().total / 2**30
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores, {mem:.0f} GiB memory, Python {platform.python_version()}, "
        f"{platform.machine()}. Measured {dt.date.today().isoformat()} by "
        "`make bench` (`benchmarks/run_benchmarks.py`).",
        "",
        "Peak memory is the resident memory of the runner plus the notebook kernels it starts, "
        "summed and sampled every 50 ms. Kernel overhead is the cost of starting a kernel and "
        "running an empty notebook the same way; a module's computation is its notebook time "
        "minus that overhead. The whole run includes load + validate, writing the validated "
        "tables and the HTML export.",
        "",
    ]
    names = sorted({k for r in rows for k in r.get("modules_s", {})})
    header = ["leads", "activities", "generate (s)", "load + validate (s)", "kernel overhead (s)"]
    header += [f"{n} (s)" for n in names] + ["whole run (s)", "peak memory (MiB)"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for r in rows:
        cells = [f"{r['leads']:,}", f"{r['activities']:,}", f"{r['generate_s']:.1f}",
                 f"{r['load_validate_s']:.1f}", f"{kernel_overhead_per_notebook(r):.1f}"]
        cells += [f"{r['modules_s'].get(n, float('nan')):.1f}" for n in names]
        cells += [f"{r['total_s']:.1f}" + ("" if r["ok"] else " (FAILED)"), f"{r['peak_mb']:,.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Targets", ""]
    by = {r["leads"]: r for r in rows}
    if 5000 in by or 10000 in by:
        small = by.get(10000) or by[5000]
        lines.append(f"- Whole curriculum at {small['leads']:,} leads: {small['total_s']:.0f} s "
                     "(target for the 5,000-lead sample: under 45 s).")
    if 1_000_000 in by:
        big = by[1_000_000]
        ok_t = big["total_s"] < 300
        ok_m = big["peak_mb"] < 6 * 1024
        lines.append(f"- 1M leads: {big['total_s']:.0f} s (target < 300 s: {'met' if ok_t else 'missed by ' + format(big['total_s'] - 300, '.0f') + ' s'}), "
                     f"peak {big['peak_mb'] / 1024:.1f} GiB (target < 6 GiB: {'met' if ok_m else 'missed'}).")
        if 100_000 in by:
            ratio = big["total_s"] / by[100_000]["total_s"]
            lines.append(f"- Time at 1M / time at 100k: {ratio:.1f}x (target within 12x).")
    for r in rows:
        if not r["ok"]:
            lines.append(f"- {r['leads']:,} leads FAILED: {r['message']}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=paths.BENCHMARKS / "results.md")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        print(f"benchmarking {n:,} leads ...", flush=True)
        row = bench_size(n)
        rows.append(row)
        print(json.dumps(row, indent=1, default=str), flush=True)
        write_results(rows, args.out)
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1, default=str) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
