"""helpers.runner.scheduler: independent notebooks at the same time, within a limit, in the
order their dependencies allow; the first failure stops the rest; and a run as a graph gives
the same report and summary.json as a run one notebook after another.

The scheduling tests use a fake executor (no kernel); the end-to-end tests run the tiny
fixture notebooks, and the curriculum itself on the sample org (marked ``notebook``).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import runner as run
from helpers.runner.graph import TABLES, ModuleIO
from helpers.runner.params import Notebook
from helpers.runner.scheduler import CANCELLED, FAILED, OK, SKIPPED, NotebookGraph

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY_ORG = FIXTURES / "org"
CURRICULUM_DEPS = run.dependencies([nb.key for nb in run.discover_notebooks()])


def fake_notebooks(keys) -> list[Notebook]:
    return [Notebook(path=Path(f"/nowhere/{k}.ipynb"), number=k[:2]) for k in keys]


class Recorder:
    """A fake executor: each notebook 'runs' for ``seconds``; records what overlapped."""

    def __init__(self, seconds: float | dict = 0.15, fail: str | None = None,
                 skip: str | None = None):
        self.seconds, self.fail, self.skip = seconds, fail, skip
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.max_running = 0
        self.spans: dict[str, tuple[float, float]] = {}
        self.kernels: dict[str, object] = {}

    def __call__(self, nb: Notebook, kernel) -> None:
        t0 = time.perf_counter()
        with self.lock:
            self.running.add(nb.key)
            self.max_running = max(self.max_running, len(self.running))
            self.kernels[nb.key] = kernel
        try:
            time.sleep(self.seconds if isinstance(self.seconds, float) else self.seconds[nb.key])
            if nb.key == self.fail:
                raise ZeroDivisionError("planted")
            if nb.key == self.skip:
                exc = RuntimeError("skip")
                exc.ename, exc.evalue = "ModuleSkipped", "no opportunities"
                raise exc
        finally:
            with self.lock:
                self.running.discard(nb.key)
                self.spans[nb.key] = (t0, time.perf_counter())


def graph_of(deps, parallel, started=None):
    nbs = fake_notebooks(deps)

    def start_kernel(nb):
        if started is not None:
            started.append(nb.key)
        return SimpleNamespace(name=f"kernel of {nb.key}")

    return NotebookGraph(nbs, deps, parallel=parallel, start_kernel=start_kernel)


def test_independent_notebooks_run_together_within_the_limit():
    rec = Recorder()
    seen = []
    graph = graph_of(CURRICULUM_DEPS, parallel=2)
    try:
        outcomes = graph.run(rec, seen.append)
    finally:
        graph.close()
    assert [o.key for o in outcomes] == list(CURRICULUM_DEPS)  # teaching order
    assert all(o.status == OK for o in outcomes) and len(seen) == 5
    assert rec.max_running == 2
    span = rec.spans
    # 00 and 01 overlapped; 02 started after 01 ended; 03 and 04 after 02 ended, together
    assert span["00_data_check"][0] < span["01_define_icp"][1]
    assert span["02_funnel_leakage"][0] >= span["01_define_icp"][1]
    for k in ("03_revenue_growth", "04_mql_classifier"):
        assert span[k][0] >= span["02_funnel_leakage"][1]
    assert span["03_revenue_growth"][0] < span["04_mql_classifier"][1]
    # each notebook ran in the kernel started for it
    assert {k: v.name for k, v in rec.kernels.items()} == {k: f"kernel of {k}" for k in CURRICULUM_DEPS}


def test_one_at_a_time_runs_in_teaching_order():
    rec = Recorder(seconds=0.02)
    graph = graph_of(CURRICULUM_DEPS, parallel=1)
    try:
        graph.run(rec, lambda o: None)
    finally:
        graph.close()
    assert rec.max_running == 1
    starts = sorted(rec.spans, key=lambda k: rec.spans[k][0])
    assert starts == list(CURRICULUM_DEPS)


def test_kernels_start_ahead_one_wave_at_a_time():
    started: list[str] = []
    graph = graph_of(CURRICULUM_DEPS, parallel=2, started=started)
    try:
        # made while the data loads: only the notebooks that wait for nobody have a kernel
        assert {k for k, job in graph.jobs.items() if job.started} == {
            "00_data_check", "01_define_icp"}
        graph.run(Recorder(seconds=0.02), lambda o: None)
        assert all(job.started for job in graph.jobs.values())
    finally:
        graph.close()
    assert sorted(started) == sorted(CURRICULUM_DEPS)


def test_no_kernel_is_started_for_a_notebook_that_will_not_execute():
    started: list[str] = []
    graph = graph_of(CURRICULUM_DEPS, parallel=2, started=started)
    rec = Recorder(seconds=0.02)
    try:
        graph.run(rec, lambda o: None, needs_kernel=lambda key: key != "03_revenue_growth")
    finally:
        graph.close()
    assert "03_revenue_growth" not in started and len(started) == 4
    assert rec.kernels["03_revenue_growth"] is None  # papermill would start one if it ran


def test_a_skip_is_no_failure_and_the_next_notebooks_run():
    graph = graph_of(CURRICULUM_DEPS, parallel=2)
    try:
        outcomes = graph.run(Recorder(seconds=0.02, skip="02_funnel_leakage"), lambda o: None)
    finally:
        graph.close()
    status = {o.key: o.status for o in outcomes}
    assert status["02_funnel_leakage"] == SKIPPED and status["04_mql_classifier"] == OK
    assert outcomes[2].reason == "no opportunities"


def test_the_first_failure_stops_the_others():
    rec = Recorder(seconds={"00_data_check": 0.05, "01_define_icp": 0.4}, fail="00_data_check")
    seen = []
    graph = graph_of(CURRICULUM_DEPS, parallel=2)
    try:
        outcomes = graph.run(rec, seen.append)
    finally:
        graph.close()
    status = {o.key: o.status for o in outcomes}
    # 00 failed while 01 ran: 01 was stopped, nothing after it was released
    assert status == {"00_data_check": FAILED, "01_define_icp": CANCELLED}
    assert [o.key for o in seen] == ["00_data_check"]  # a stopped notebook is not reported
    assert isinstance(outcomes[0].error, ZeroDivisionError)
    assert "02_funnel_leakage" not in rec.spans


# --------------------------------------------------------------------------- end to end

FIXTURE_IO = {
    "00_first": ModuleIO(reads=(TABLES,), writes=("summary:00_first",)),
    "01_second": ModuleIO(reads=(TABLES,), writes=("summary:01_second",)),
}


def _report(folder: Path) -> dict[str, object]:
    """Every file of a report; executed notebooks without their timings."""
    out: dict[str, object] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(folder))
        if p.suffix == ".ipynb":
            nb = nbformat.read(p, as_version=4)
            out[rel] = [(c.cell_type, c.source, c.get("outputs")) for c in nb.cells]
        elif p.suffix == ".html":
            out[rel] = "html"  # rendered from the notebook compared above
        elif p.suffix == ".skops":  # a zip whose member names are Python object ids
            out[rel] = _skops_content(p)
        elif p.name == "summary.json":
            summary = json.loads(p.read_text())
            summary.get("00_first", {}).pop("output_dir", None)  # the fixture records its tmp
            out[rel] = summary
        else:
            out[rel] = p.read_bytes()
    return out


def _skops_content(path: Path) -> tuple:
    """A saved model's arrays (as a multiset) and the values of its schema.

    skops names members by Python object ids and stores an object met twice once, so the
    bytes depend on which equal strings happen to be one object in the kernel; the scores
    every lead gets from the model (``scored_leads.csv``) are compared byte for byte.
    """
    import collections
    import hashlib
    import json
    import zipfile

    with zipfile.ZipFile(path) as z:
        arrays = collections.Counter(
            hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if n.endswith(".npy"))
        schema = json.loads(z.read("schema.json"))
    values: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "content" in node and isinstance(node["content"], str | int | float):
                values.add(str(node["content"]))
            for key, value in node.items():
                if key not in {"__id__", "file"}:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return arrays, values


def test_fixture_notebooks_in_parallel_give_the_sequential_report(tmp_path):
    out = tmp_path / "tiny"
    reports = {}
    for parallel in (1, 2):
        lines: list[str] = []
        result = run.run_org(TINY_ORG, out=out, notebooks_dir=NOTEBOOKS, echo=lines.append,
                             parameters={"threshold": 0.7}, parallel=parallel,
                             module_io=FIXTURE_IO, html=True)
        assert result.ok, result.message
        assert result.notebooks == ["00_first", "01_second"]
        assert sorted(ln.split()[1] for ln in lines if ln.startswith("[")) == [
            "00_first", "01_second"]
        reports[parallel] = _report(out)
        shutil.rmtree(out)
    assert reports[1].keys() == reports[2].keys()
    for name in reports[1]:
        assert reports[1][name] == reports[2][name], name


def test_a_failure_in_parallel_keeps_the_previous_report(tmp_path):
    out = tmp_path / "tiny"
    first = run.run_org(TINY_ORG, out=out, notebooks_dir=NOTEBOOKS, echo=lambda _: None,
                        parallel=2, module_io=FIXTURE_IO)
    assert first.ok, first.message
    before = (out / "summary.json").read_bytes()
    result = run.run_org(TINY_ORG, out=out, notebooks_dir=NOTEBOOKS, echo=lambda _: None,
                         parallel=2, module_io=FIXTURE_IO, parameters={"fail": True})
    assert not result.ok and "00_first failed" in result.message
    assert "ZeroDivisionError" in result.message
    assert (out / "summary.json").read_bytes() == before
    assert (out / "failed" / "00_first.ipynb").is_file()


def test_parallel_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        run.run_org(TINY_ORG, out=tmp_path / "x", notebooks_dir=NOTEBOOKS, parallel=0)


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_the_curriculum_as_a_graph_gives_the_sequential_report(sample_org_dir, sample_run, tmp_path):
    """The sample run of the test session ran as a graph; one notebook at a time gives the
    same summary.json, charts, artifacts and notebook outputs."""
    assert run.default_parallel() >= 2 or pytest.skip("one core: nothing ran at the same time")
    out = tmp_path / "sample"
    result = run.run_org(sample_org_dir, out=out, echo=lambda _: None, parallel=1)
    assert result.ok, result.message
    graph_summary = json.loads((sample_run / "summary.json").read_text())
    seq_summary = json.loads((out / "summary.json").read_text())
    assert graph_summary == seq_summary
    graph_files, seq_files = _report(sample_run), _report(out)
    assert graph_files.keys() == seq_files.keys()
    differ = [name for name in seq_files if graph_files[name] != seq_files[name]
              and not name.startswith("tables/")]
    assert differ == []
