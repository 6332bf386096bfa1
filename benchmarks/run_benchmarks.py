"""Wall time and peak memory of the curriculum at growing organization sizes.

For each size (leads; about 10 activities each, accounts and opportunities in proportion)
this script generates an organization with ``helpers.synth`` as Parquet files (like a large
export), then measures, each in a fresh process so that nothing is shared between steps:

- ``check``: ``alignment-edge check ORG`` (read + map + validate, the data-check report);
- ``run``: ``alignment-edge run ORG --html --out ...``, the real runner
  (``helpers.runner.run_org``): load + validate once, write the validated tables, execute every
  notebook in its own kernel, export HTML.

While a command runs, the resident memory of its whole process tree (the runner and the
notebook kernels it starts) is summed and sampled every 50 ms; CPU time is the user + system
time of the tree (from the operating system's accounting of finished child processes). The
runner's progress lines give each notebook's wall time and split the memory samples into
phases. Each executed notebook records how long every cell took, which splits a notebook into
kernel start (papermill + kernel start-up + writing the notebook), setup (imports + reading the
validated tables) and analysis (every other cell, charts included).

Besides generated CRM orgs, two export shapes without dates are measured
(``benchmarks/shapes.py``): a lead-only export and an opportunity-only export.

Each org is run ``--repeat`` times (default 3; orgs of more than 500,000 leads once) and the
run with the median wall time is kept, with every run's time. It writes
``benchmarks/results.md`` and ``benchmarks/results.json`` and prints the summary table.
Usage::

    python benchmarks/run_benchmarks.py                      # sample, 100k, 1M, the 75k shapes
    python benchmarks/run_benchmarks.py --sizes 10000        # one size (and the sample)
    python benchmarks/run_benchmarks.py --sizes 100000 lead-only:75k --no-sample --reuse
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT, Path(__file__).resolve().parent):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from helpers.core import paths  # noqa: E402

WORK = paths.BENCHMARKS / "work"
RESULTS = paths.BENCHMARKS / "results.md"
SAMPLE = "sample"
DEFAULT_SIZES = (100_000, 1_000_000, "lead-only:75000", "opportunity-only:75000")
#: Runs per org (the median is kept); orgs above ``LARGE`` leads run once (minutes each).
REPEAT = 3
LARGE = 500_000
#: Targets of the curriculum (issue 16; seconds, bytes).
TARGET_SAMPLE_S = 15.0
TARGET_100K_S = 30.0
TARGET_1M_S = 90.0
TARGET_1M_BYTES = 4 * 2**30
TARGET_SCALING = 4.0
TARGET_SHAPE_S = 20.0
#: A progress line of the runner: ``[2/5] 01_define_icp   ok   12.3 s`` (a notebook that
#: skipped its module says ``skipped`` and adds the reason after the time).
PROGRESS_LINE = re.compile(
    r"^\[(\d+)/(\d+)\]\s+(\S+)\s+(ok|FAILED|skipped)\s+([\d.]+)\s*s(?:\s+\(.*\))?\s*$"
)
GIB = 2**30


# --------------------------------------------------------------------------- measuring


@dataclasses.dataclass
class Sample:
    """One memory sample: seconds since the command started, bytes of the process tree."""

    t: float
    rss: int


@dataclasses.dataclass
class Measured:
    """What one command cost."""

    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    peak_bytes: int
    samples: list[Sample]
    lines: list[tuple[float, str]]  # (seconds since start, stdout line)
    stderr: str
    load_before: float
    load_after: float

    def peak_between(self, start: float, end: float) -> int:
        """Peak memory of the samples taken between ``start`` and ``end`` (seconds)."""
        inside = [s.rss for s in self.samples if start <= s.t <= end]
        return max(inside, default=0)


def tree_rss(proc: psutil.Process) -> int:
    """Resident memory (bytes) of ``proc`` and all its descendants, summed."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(
    argv: Sequence[str],
    *,
    cwd: Path = ROOT,
    interval: float = 0.05,
    on_line: Callable[[str], None] | None = None,
) -> Measured:
    """Run ``argv`` to completion, sampling its process tree's memory every ``interval``.

    Stdout is read line by line as it comes (each line timestamped); stderr is kept.
    CPU time is the growth of this process's ``RUSAGE_CHILDREN`` (the command and every
    descendant it waited for).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, bufsize=1,
    )
    ps = psutil.Process(proc.pid)
    samples: list[Sample] = []
    lines: list[tuple[float, str]] = []
    err_chunks: list[str] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            samples.append(Sample(time.perf_counter() - t0, tree_rss(ps)))
            done.wait(interval)

    def read_err() -> None:
        assert proc.stderr is not None
        err_chunks.append(proc.stderr.read())

    poller = threading.Thread(target=poll, daemon=True)
    err_reader = threading.Thread(target=read_err, daemon=True)
    poller.start()
    err_reader.start()
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        lines.append((time.perf_counter() - t0, line))
        if on_line is not None:
            on_line(line)
    proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    poller.join()
    err_reader.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(
        argv=list(argv), returncode=proc.returncode, wall_s=wall, cpu_s=cpu,
        peak_bytes=max((s.rss for s in samples), default=0), samples=samples, lines=lines,
        stderr="".join(err_chunks), load_before=load_before, load_after=os.getloadavg()[0],
    )


# --------------------------------------------------------------------------- run breakdown


def parse_progress(lines: Sequence[tuple[float, str]]) -> list[dict]:
    """The notebooks of a run from the runner's progress lines, with their time windows.

    Returns
    -------
    list of dict
        ``{"notebook", "ok", "seconds", "start", "end"}`` per notebook, ``start``/``end``
        in seconds since the command started (``end`` = when its line was printed); a
        skipped module is ``ok`` (it is no failure).
    """
    out = []
    for t, line in lines:
        m = PROGRESS_LINE.match(line.strip())
        if m:
            secs = float(m.group(5))
            out.append({"notebook": m.group(3), "ok": m.group(4) != "FAILED", "seconds": secs,
                        "start": max(t - secs, 0.0), "end": t})
    return out


_HEADER = re.compile(r"^(if|elif|else|for|while|try|except|finally|with|def|class)\b.*:$|^#")
_HELPER_CALL = re.compile(r"\b[A-Za-z_]\w*\.[A-Za-z_]\w*\(")


def _telling_line(src: str) -> str:
    """The line of a cell that says what it does: the first that calls a module's function
    (``icp.fit_icp(...)``), else the first that is not ``if ...:`` or a comment."""
    lines = [ln.strip() for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    calls = [ln for ln in lines if _HELPER_CALL.search(ln) and not ln.startswith("print(")]
    if calls:
        return calls[0]
    return next((ln for ln in lines if not _HEADER.match(ln)), lines[0] if lines else "")


def notebook_cells(nb_path: Path) -> dict:
    """Split an executed notebook's time using papermill's per-cell durations.

    Returns
    -------
    dict
        ``cells_s`` (the code cells but the parameter cells, which only wait for the kernel
        to be ready), ``setup_s`` (the cell that loads the data: imports and validated
        tables), ``analysis_s`` (the other cells, charts included) and ``slowest`` (the
        three slowest analysis cells: a telling line and seconds).
    """
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    total = setup = 0.0
    timed: list[tuple[float, str]] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {})
        dur = float((meta.get("papermill") or {}).get("duration") or 0.0)
        if {"parameters", "injected-parameters"} & set(meta.get("tags", [])):
            continue  # literals only: their time is the wait for the kernel (kernel start)
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        total += dur
        if "load_for_notebook(" in src and setup == 0.0:
            setup = dur
            continue
        timed.append((dur, _telling_line(src)))
    timed.sort(reverse=True)
    return {
        "cells_s": total,
        "setup_s": setup,
        "analysis_s": total - setup,
        "slowest": [{"seconds": round(d, 2), "cell": c[:80]} for d, c in timed[:3]],
    }


def run_breakdown(m: Measured, report_dir: Path) -> dict:
    """Phases of a measured ``alignment-edge run``: load, each notebook, HTML/finish."""
    nbs = parse_progress(m.lines)
    # notebooks run at the same time: the first to start and the last to end
    first_start = min((nb["start"] for nb in nbs), default=m.wall_s)
    last_end = max((nb["end"] for nb in nbs), default=m.wall_s)
    modules = {}
    for nb in nbs:
        path = report_dir / f"{nb['notebook']}.ipynb"
        if not path.is_file():
            path = report_dir / "failed" / f"{nb['notebook']}.ipynb"
        cells = notebook_cells(path) if path.is_file() else {
            "cells_s": math.nan, "setup_s": math.nan, "analysis_s": math.nan, "slowest": []}
        modules[nb["notebook"]] = {
            "ok": nb["ok"],
            "start_s": nb["start"],
            "wall_s": nb["seconds"],
            "kernel_s": max(nb["seconds"] - cells["cells_s"], 0.0),
            "setup_s": cells["setup_s"],
            "analysis_s": cells["analysis_s"],
            "slowest": cells["slowest"],
            "peak_bytes": m.peak_between(nb["start"], nb["end"]),
        }
    modules = dict(sorted(modules.items()))  # teaching order, whatever order they ended in
    return {
        "load_s": first_start,  # process start, imports, load + validate, write tables
        "notebooks_s": max(last_end - first_start, 0.0),  # first start to last end
        "load_peak_bytes": m.peak_between(0.0, first_start),
        "finish_s": max(m.wall_s - last_end, 0.0),  # HTML export still running, summary
        "modules": modules,
    }


# --------------------------------------------------------------------------- one size


def cli() -> list[str]:
    """The ``alignment-edge`` command of this environment."""
    exe = Path(sys.executable).with_name("alignment-edge")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-m", "helpers.runner.cli"]


def generate(n_leads: int | str, work: Path, *, seed: int = 1, reuse: bool = False) -> tuple[Path, float]:
    """The benchmark org of ``n_leads`` leads (Parquet), generated unless reused.

    ``n_leads == "sample"`` gives the committed sample org (CSV), never regenerated.
    Returns the org folder and the seconds spent generating it.
    """
    if n_leads == SAMPLE:
        return paths.SAMPLE_ORG, 0.0
    from helpers import synth

    name = str(n_leads).replace(":", "_")
    org = work / f"org_{name}"
    stamp = work / f"org_{name}.json"
    want = {"leads": n_leads, "seed": seed, "format": "parquet"}
    if reuse and org.is_dir() and stamp.is_file() and json.loads(stamp.read_text()) == want:
        return org, 0.0
    shutil.rmtree(org, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    t0 = time.perf_counter()
    if is_shape(n_leads):
        import shapes

        kind, rows = str(n_leads).split(":")
        shapes.write_shape(kind, int(rows), org, seed=seed)
    else:
        config = synth.SCENARIOS["sample"].replace(n_leads=int(n_leads), seed=seed)
        synth.write_org(config, org, fmt="parquet")
    secs = time.perf_counter() - t0
    stamp.write_text(json.dumps(want))
    return org, secs


def is_shape(size: int | str) -> bool:
    """True for an export shape of ``benchmarks/shapes.py`` (``"lead-only:75000"``)."""
    return ":" in str(size)


def label(size: int | str) -> str:
    """How an org is named in the tables: ``sample``, ``100,000``, ``lead-only 75,000``."""
    if size == SAMPLE:
        return SAMPLE
    if is_shape(size):
        kind, rows = str(size).split(":")
        return f"{kind} {int(rows):,}"
    return f"{int(size):,}"


def table_rows(org: Path) -> dict[str, int]:
    """Rows of each input table (Parquet metadata or CSV line count), without loading it."""
    out = {}
    for export, tables in (("leads_export.csv", ("leads",)),
                           ("closed_deals.csv", ("leads", "opportunities"))):
        if (org / export).is_file():  # an export shape: one file feeds the tables
            import pyarrow.csv as pacsv

            n = pacsv.read_csv(org / export).num_rows
            return dict.fromkeys(tables, n)
    for table in ("leads", "activities", "accounts", "opportunities"):
        pq_path, csv_path = org / f"{table}.parquet", org / f"{table}.csv"
        if pq_path.is_file():
            import pyarrow.parquet as pq

            out[table] = pq.ParquetFile(pq_path).metadata.num_rows
        elif csv_path.is_file():
            import pyarrow.csv as pacsv

            out[table] = pacsv.read_csv(csv_path).num_rows
    return out


def bench_size(
    n_leads: int | str,
    *,
    work: Path = WORK,
    seed: int = 1,
    reuse: bool = False,
    only: Sequence[str] | None = None,
    html: bool = True,
    keep: bool = False,
    repeat: int = 1,
    echo: Callable[[str], None] = print,
) -> dict:
    """Generate one org and measure ``check`` and the whole ``run`` on it.

    Parameters
    ----------
    n_leads : int or str
        Leads of the generated org, ``"sample"`` (the committed sample org) or an export
        shape (``"lead-only:75000"``, see ``benchmarks/shapes.py``).
    only : sequence of str, optional
        Notebooks to run (default all), as ``alignment-edge run --only``.
    keep : bool
        Keep the report folder of the last run (default: removed after it was read).
    repeat : int
        Runs of ``alignment-edge run``; the row is the run with the median wall time, and
        ``runs_s`` lists every run's time.

    Returns
    -------
    dict
        One row of the results (JSON-able).
    """
    work.mkdir(parents=True, exist_ok=True)
    org, gen_s = generate(n_leads, work, seed=seed, reuse=reuse)
    rows = table_rows(org)
    row: dict = {"size": label(n_leads), "leads": rows.get("leads", 0),
                 "activities": rows.get("activities", 0), "accounts": rows.get("accounts", 0),
                 "opportunities": rows.get("opportunities", 0), "generate_s": gen_s}

    echo(f"  check {org} ...")
    chk = measure([*cli(), "check", str(org)])
    row.update(check_s=chk.wall_s, check_cpu_s=chk.cpu_s, check_peak_bytes=chk.peak_bytes,
               check_ok=chk.returncode == 0)

    report = work / f"report_{str(n_leads).replace(':', '_')}"
    argv = [*cli(), "run", str(org), "--out", str(report)]
    if html:
        argv.append("--html")
    if only:
        argv += ["--only", ",".join(only)]
    runs = []
    for i in range(max(1, repeat)):
        shutil.rmtree(report, ignore_errors=True)
        echo(f"  run {i + 1}/{max(1, repeat)}: {' '.join(argv[1:])} ...")
        m = measure(argv, on_line=lambda line: echo("    " + line)
                    if PROGRESS_LINE.match(line.strip()) else None)
        run = dict(
            ok=m.returncode == 0,
            message="" if m.returncode == 0 else (m.stderr.strip().splitlines() or ["failed"])[-1],
            run_s=m.wall_s, run_cpu_s=m.cpu_s, peak_bytes=m.peak_bytes,
            load_avg=[round(m.load_before, 2), round(m.load_after, 2)],
            **run_breakdown(m, report),
        )
        runs.append(run)
        if not run["ok"]:
            break
    median = sorted(runs, key=lambda r: r["run_s"])[(len(runs) - 1) // 2]
    row.update(median, runs_s=[round(r["run_s"], 2) for r in runs])
    row["ok"] = all(r["ok"] for r in runs)
    if not row["ok"]:
        row["message"] = next(r["message"] for r in runs if not r["ok"])
    if not keep:
        shutil.rmtree(report, ignore_errors=True)
    return row


# --------------------------------------------------------------------------- results


def _f(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:,.{digits}f}"


def _gib(b: int | float | None) -> str:
    return "-" if not b else f"{b / GIB:.2f}"


def machine() -> dict:
    """Cores, memory, Python and platform of this machine."""
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "date": dt.date.today().isoformat(),
    }


def target_lines(rows: Sequence[dict]) -> list[str]:
    """One sentence per target of issue 16: met, or missed by how much."""
    by = {r["size"]: r for r in rows}
    out = []
    cores = os.cpu_count() or 1

    def busy(row: dict) -> str:
        load = max(row["load_avg"])
        return f", with a load average of {load:.1f} on {cores} cores" if load > cores * 0.75 else ""

    def timed(name: str, row: dict, target: float) -> str:
        s = row["run_s"]
        verdict = "met" if s <= target else f"missed by {s - target:.1f} s{busy(row)}"
        return f"- {name}: {s:.1f} s (target <= {target:.0f} s: {verdict})."

    if SAMPLE in by:
        out.append(timed("Whole curriculum on the sample org (HTML included)", by[SAMPLE],
                         TARGET_SAMPLE_S))
    mid, big = by.get("100,000"), by.get("1,000,000")
    if mid is not None:
        out.append(timed("100k leads, whole curriculum", mid, TARGET_100K_S))
    if big is not None:
        mem = big["peak_bytes"]
        vm = "met" if mem <= TARGET_1M_BYTES else (
            f"missed by {(mem - TARGET_1M_BYTES) / GIB:.1f} GiB")
        out.append(timed(f"1M leads / {big['activities'] / 1e6:.0f}M activities, whole "
                         "curriculum", big, TARGET_1M_S)[:-1]
                   + f"; peak memory {mem / GIB:.1f} GiB (target <= 4 GiB: {vm}).")
    if mid is not None and big is not None:
        ratio = big["run_s"] / mid["run_s"]
        cpu_ratio = big["run_cpu_s"] / mid["run_cpu_s"] if mid["run_cpu_s"] else math.nan
        v = "met" if ratio <= TARGET_SCALING else f"missed by {ratio - TARGET_SCALING:.1f}x"
        out.append(f"- Time at 1M / time at 100k: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU "
                   f"(target within {TARGET_SCALING:.0f}x: {v}).")
    for r in rows:
        if r["size"].startswith(("lead-only", "opportunity-only")):
            out.append(timed(f"{r['size']}-row export without dates", r, TARGET_SHAPE_S))
    for r in rows:
        if not r.get("ok", True):
            out.append(f"- {r['size']} FAILED: {r.get('message', '')}")
    return out


def where_time_goes(row: dict) -> str:
    """One line: the largest parts of a run, its slowest cell and when memory peaked."""
    total = row["run_s"] or math.nan
    parts = {"load + validate": row["load_s"], **{k: v["wall_s"] for k, v in row["modules"].items()}}
    top = sorted(parts.items(), key=lambda kv: kv[1], reverse=True)[:3]
    share = ", ".join(f"{k} {v:.0f} s ({v / total:.0%})" for k, v in top)
    slow = [(c["seconds"], k, c["cell"]) for k, v in row["modules"].items() for c in v["slowest"]]
    text = f"- {row['size']}: {share} of {total:.0f} s"
    if slow:
        secs, module, cell = max(slow)
        text += f"; slowest cell {secs:.1f} s in {module}: `{cell.replace('|', '/')}`"
    peaks = {"load + validate": row["load_peak_bytes"], **{k: v["peak_bytes"] for k, v in row["modules"].items()}}
    at = max(peaks, key=lambda k: peaks[k] or 0)
    return text + f"; memory peaked during {at} ({_gib(peaks[at])} GiB)."


def summary_table(rows: Sequence[dict]) -> list[str]:
    """The whole-curriculum table (Markdown lines): one row per org, the median run."""
    lines = [
        "| org | leads | activities | check (s) | load + validate (s) | notebooks (s) | "
        "HTML + finish (s) | whole run (s) | runs (s) | CPU (s) | peak memory (GiB) | "
        "load average |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        nb_wall = r.get("notebooks_s")
        if nb_wall is None:
            nb_wall = sum(v["wall_s"] for v in r["modules"].values())
        status = "" if r.get("ok", True) else " (FAILED)"
        runs = ", ".join(f"{s:.1f}" for s in r.get("runs_s", [r["run_s"]]))
        lines.append(
            f"| {r['size']} | {r['leads']:,} | {r['activities']:,} | {_f(r['check_s'])} | "
            f"{_f(r['load_s'])} | {_f(nb_wall)} | {_f(r['finish_s'])} | "
            f"**{_f(r['run_s'])}**{status} | {runs} | {_f(r['run_cpu_s'], 0)} | "
            f"{_gib(r['peak_bytes'])} | {r['load_avg'][0]:.1f} -> {r['load_avg'][1]:.1f} |"
        )
    return lines


def render(rows: Sequence[dict], info: dict, notes: Sequence[str] = ()) -> str:
    """``results.md``: summary table, per-module breakdown, targets."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {info['cores']} cores, {info['memory_gib']:.0f} GiB memory, Python "
        f"{info['python']}, {info['platform']}. Measured {info['date']} with `make bench` "
        "(`benchmarks/run_benchmarks.py`; see `benchmarks/README.md` for what each column means).",
        "",
        "## Whole curriculum",
        "",
        *summary_table(rows),
    ]
    lines += [
        "",
        "## Per module",
        "",
        "Notebooks that do not need each other's results run at the same time (00 with 01, "
        "then 02, then 03 with 04): start is when each began, in seconds after the command "
        "started. Each notebook's wall time = kernel start (papermill, waiting for a kernel "
        "still importing, writing the notebook) + setup (imports and reading the validated "
        "tables) + analysis (every other cell, charts included). Peak memory is the runner "
        "plus every kernel alive meanwhile.",
        "",
        "| org | module | start (s) | wall (s) | kernel start (s) | setup (s) | analysis (s) | "
        "peak memory (GiB) | slowest cell |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['size']} | load + validate + write tables | 0.0 | {_f(r['load_s'])} "
                     f"| | | | {_gib(r['load_peak_bytes'])} | |")
        for name, v in r["modules"].items():
            slow = v["slowest"][0] if v["slowest"] else None
            slow_txt = f"{slow['seconds']:.1f} s `{slow['cell'].replace('|', '/')}`" if slow else ""
            flag = "" if v["ok"] else " (FAILED)"
            lines.append(
                f"| {r['size']} | {name}{flag} | {_f(v.get('start_s'))} | {_f(v['wall_s'])} | "
                f"{_f(v['kernel_s'])} | "
                f"{_f(v['setup_s'])} | {_f(v['analysis_s'])} | {_gib(v['peak_bytes'])} | {slow_txt} |"
            )
    lines += ["", "## Targets", "", *target_lines(rows)]
    lines += ["", "## Where the time goes", "", *[where_time_goes(r) for r in rows]]
    busy = [r for r in rows if max(r["load_avg"]) > (info["cores"] or 1)]
    if busy:
        names = ", ".join(r["size"] for r in busy)
        lines += ["", f"The machine was shared while measuring ({names}): a load average above "
                  f"{info['cores']} means other work competed for the cores, so wall times are "
                  "longer than on an idle machine; CPU time is less affected."]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


#: Hand-written findings (what each change gained) and the generated profile of "derive
#: once" and "fit once" (``profile_modules.py``), appended to ``results.md`` when present.
NOTES = paths.BENCHMARKS / "notes.md"
PROFILE = paths.BENCHMARKS / "profile.md"


def appendices() -> list[str]:
    """The Markdown of ``notes.md`` and ``profile.md``, as extra sections of ``results.md``."""
    out = []
    if NOTES.is_file():
        out += ["", NOTES.read_text(encoding="utf-8").rstrip()]
    if PROFILE.is_file():
        out += ["", "## Profile: derive once, fit once (`profile_modules.py`)", "",
                PROFILE.read_text(encoding="utf-8").rstrip()]
    return out


def write_results(rows: Sequence[dict], path: Path, notes: Sequence[str] = ()) -> None:
    """Write ``path`` (Markdown) and the same rows as JSON beside it."""
    info = machine()
    text = render(rows, info, notes)
    if path.resolve() == RESULTS.resolve():
        text = text.rstrip("\n") + "\n" + "\n".join(appendices()) + "\n"
    path.write_text(text, encoding="utf-8")
    payload = {"machine": info, "rows": list(rows)}
    path.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")


def previous_rows(path: Path, measuring: Sequence[str]) -> list[dict]:
    """The rows of ``path``'s JSON for the orgs not in ``measuring`` (``--merge``)."""
    saved = path.with_suffix(".json")
    if not saved.is_file():
        return []
    rows = json.loads(saved.read_text(encoding="utf-8")).get("rows", [])
    return [r for r in rows if r.get("size") not in measuring]


def ordered(rows: Sequence[dict]) -> list[dict]:
    """Rows in a stable order: the sample, generated orgs by size, then export shapes."""
    def key(r: dict) -> tuple:
        size = r["size"]
        if size == SAMPLE:
            return (0, 0, "")
        if " " in size:
            return (2, 0, size)
        return (1, int(size.replace(",", "")), "")

    return sorted(rows, key=key)


def _size(text: str) -> int | str:
    """``sample``, a number of leads (``100k``, ``1M``) or a shape (``lead-only:75k``)."""
    if text == SAMPLE:
        return SAMPLE
    kind, _, number = text.rpartition(":")
    value = int(float(number.lower().replace("k", "e3").replace("m", "e6")))
    if value < 500:
        raise argparse.ArgumentTypeError("a benchmark org needs at least 500 leads")
    if kind:
        import shapes

        if kind not in shapes.SHAPES:
            raise argparse.ArgumentTypeError(
                f"unknown export shape {kind!r}; choose from {', '.join(shapes.SHAPES)}")
        return f"{kind}:{value}"
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_size, nargs="+", default=list(DEFAULT_SIZES),
                        metavar="N", help="leads per generated org (10000, 100k, 1M) or an "
                        "export shape (lead-only:75k, opportunity-only:75k)")
    parser.add_argument("--repeat", type=int, default=REPEAT, metavar="N",
                        help=f"runs per org, the median is kept (default {REPEAT}; orgs of "
                        f"more than {LARGE:,} leads run once unless --repeat-large)")
    parser.add_argument("--repeat-large", action="store_true",
                        help="repeat the largest orgs too")
    parser.add_argument("--no-sample", action="store_true", help="skip the committed sample org")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse generated orgs of benchmarks/work/ of the same size and seed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="+", help="notebooks to run (default all)")
    parser.add_argument("--keep", action="store_true", help="keep the report folders in the work folder")
    parser.add_argument("--work", type=Path, default=WORK, help="folder for generated orgs and reports")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results Markdown file")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of the existing results for the orgs not measured now")
    args = parser.parse_args(argv)

    sizes = ([] if args.no_sample else [SAMPLE]) + [s for s in args.sizes if s != SAMPLE]
    kept = previous_rows(args.out, [label(n) for n in sizes]) if args.merge else []
    rows: list[dict] = []
    for n in sizes:
        large = not is_shape(n) and n != SAMPLE and int(n) > LARGE
        repeat = 1 if large and not args.repeat_large else max(1, args.repeat)
        print(f"benchmarking {label(n)} ({repeat} run{'s' if repeat > 1 else ''}) ...",
              flush=True)
        row = bench_size(n, work=args.work, seed=args.seed, reuse=args.reuse, only=args.only,
                         keep=args.keep, repeat=repeat, echo=lambda s: print(s, flush=True))
        rows.append(row)
        write_results(ordered([*kept, *rows]), args.out)
        print(f"  whole run {row['run_s']:.1f} s (median of {len(row['runs_s'])}), CPU "
              f"{row['run_cpu_s']:.0f} s, peak {row['peak_bytes'] / GIB:.2f} GiB", flush=True)
    rows = ordered([*kept, *rows])
    print()
    print("\n".join(summary_table(rows)))
    print()
    print("\n".join(target_lines(rows)))
    print(f"\nwrote {args.out} and {args.out.with_suffix('.json')}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
