"""helpers.runner.dask_fleet: several organizations on Dask distributed, each on a worker of
a ``LocalCluster``; progress streams back while they run, each org's status is gathered and
one failing org does not stop the others.

The orgs are tiny generated ones (``helpers.synth``, 150 leads) run through the two tiny
fixture notebooks, so that a fleet takes seconds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import runner as run
from helpers.runner import dask_fleet

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
BAD_ORG = FIXTURES / "bad_org"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """One tiny generated org (copied and renamed by each test)."""
    from helpers import synth

    out = tmp_path_factory.mktemp("generated") / "org"
    synth.write_org(synth.SCENARIOS["sample"].replace(n_leads=150, seed=5), out)
    return out


def fleet(generated: Path, folder: Path) -> Path:
    """Three orgs: two good ones (different names), one whose notebook fails, one bad."""
    for name, changes in {
        "north": {"name": "North"},
        "south": {"name": "South"},
        "failing": {"name": "Failing", "parameters": {"fail": True}},
    }.items():
        dest = folder / name
        shutil.copytree(generated, dest)
        cfg = yaml.safe_load((dest / "org.yml").read_text())
        cfg.update(changes)
        (dest / "org.yml").write_text(yaml.safe_dump(cfg))
    shutil.copytree(BAD_ORG, folder / "bad")
    return folder


def test_local_cluster_size_uses_the_cores_once():
    assert dask_fleet.local_cluster_size(5, cores=2) == (2, 1)  # 2 orgs at a time, 1 nb each
    assert dask_fleet.local_cluster_size(1, cores=2) == (1, 2)  # one org: its notebooks in 2
    assert dask_fleet.local_cluster_size(3, cores=8) == (3, 2)
    assert dask_fleet.local_cluster_size(0, cores=1) == (1, 1)


def _check_fleet(results, out: Path, lines: list[str]) -> None:
    by_name = {r.org_dir.name: r for r in results}
    assert [r.org_dir.name for r in results] == ["bad", "failing", "north", "south"]
    for good, slug in (("north", "north"), ("south", "south")):
        r = by_name[good]
        assert r.ok, r.message
        assert r.notebooks == ["00_first", "01_second"]
        summary = json.loads((out / slug / "summary.json").read_text())
        assert summary["_run"]["org"] == good.title()
        assert summary["00_first"]["tables"] is True
    assert not by_name["failing"].ok and "ZeroDivisionError" in by_name["failing"].message
    assert (out / "failing" / "failed" / "00_first.ipynb").is_file()
    assert not by_name["bad"].ok and "lead_id" in by_name["bad"].message
    # the progress lines came back while the orgs ran, each with its org's folder name
    for good in ("north", "south"):
        mine = [ln for ln in lines if ln.startswith(f"[{good}] ")]
        assert any("00_first" in ln and " ok " in ln for ln in mine), lines
        assert any("01_second" in ln and " ok " in ln for ln in mine), lines
    assert any(ln.startswith("[failing] ") and "FAILED" in ln for ln in lines), lines
    table = run.results_table(results)
    assert table.count("FAILED") == 2 and str(out / "north") in table


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_a_fleet_on_a_local_cluster(generated, tmp_path):
    orgs = run.expand_org_dirs([fleet(generated, tmp_path / "orgs")])
    out = tmp_path / "reports"
    lines: list[str] = []
    results = run.run_many(orgs, out=out, jobs=2, notebooks_dir=NOTEBOOKS, echo=lines.append)
    _check_fleet(results, out, lines)


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
def test_a_fleet_sent_to_a_running_scheduler(generated, tmp_path):
    from distributed import LocalCluster

    orgs = run.expand_org_dirs([fleet(generated, tmp_path / "orgs")])
    out = tmp_path / "reports"
    lines: list[str] = []
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster:
        results = run.run_many(orgs, out=out, scheduler=cluster.scheduler_address,
                               notebooks_dir=NOTEBOOKS, only=["00", "01"], echo=lines.append)
    _check_fleet(results, out, lines)


def test_an_unreachable_scheduler_is_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(dask_fleet, "CONNECT_TIMEOUT", "1s")
    org = tmp_path / "org"
    shutil.copytree(FIXTURES / "org", org)
    with pytest.raises(ValueError) as err:
        run.run_many([org], out=tmp_path / "reports", scheduler="tcp://127.0.0.1:9",
                     notebooks_dir=NOTEBOOKS)
    message = str(err.value)
    assert message.startswith("Could not reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "dask scheduler" in message and "\n" not in message
    assert not (tmp_path / "reports").exists()


def test_a_lost_task_is_a_failed_org():
    class Lost:
        def result(self):
            raise RuntimeError("worker tcp://10.0.0.5:4000 died")

    r = dask_fleet._gathered(Lost(), Path("/orgs/acme"), Path("/reports/acme"))
    assert not r.ok and r.out == Path("/reports/acme")
    assert "was lost (RuntimeError: worker tcp://10.0.0.5:4000 died)" in r.message


# --------------------------------------------------------------------------- the weekly example


def test_the_airflow_example_builds_the_runners_graph(tmp_path, monkeypatch):
    """docs/examples/airflow_alignment_edge.py, loaded against a stand-in of Airflow's API:
    one fleet task, and per org a tables task then the notebooks along the runner's graph."""
    import runpy
    import sys
    import types

    from helpers.core import paths

    orgs = tmp_path / "orgs"
    for name in ("acme", "globex"):
        (orgs / name).mkdir(parents=True)
        (orgs / name / "org.yml").write_text("name: x\n")
    tasks: dict[str, object] = {}

    class Op:
        def __init__(self, task_id, **kwargs):
            self.task_id, self.kwargs, self.upstream = task_id, kwargs, []
            tasks[task_id] = self

        def __rrshift__(self, others):
            self.upstream += list(others)
            return self

    class Dag:
        def __init__(self, dag_id, **kwargs):
            self.dag_id, self.kwargs = dag_id, kwargs

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    defaults = {"alignment_edge_project": str(paths.REPO_ROOT),
                "alignment_edge_orgs": str(orgs), "alignment_edge_reports": "/r",
                "alignment_edge_dask_scheduler": "tcp://s:8786"}
    variable = types.SimpleNamespace(get=lambda key, default=None: defaults[key])
    fake = {
        "airflow": types.SimpleNamespace(DAG=Dag),
        "airflow.models": types.SimpleNamespace(Variable=variable),
        "airflow.operators.bash": types.SimpleNamespace(BashOperator=Op),
        "airflow.operators.python": types.SimpleNamespace(PythonOperator=Op),
        "airflow.providers.papermill.operators.papermill":
            types.SimpleNamespace(PapermillOperator=Op),
    }
    for name, module in fake.items():
        monkeypatch.setitem(sys.modules, name, module)
    runpy.run_path(str(paths.REPO_ROOT / "docs" / "examples" / "airflow_alignment_edge.py"))

    fleet_cmd = tasks["run_every_organization"].kwargs["bash_command"]
    assert f"alignment-edge run {orgs} --scheduler tcp://s:8786 --out /r/{{{{ ds }}}}" in fleet_cmd
    deps = run.dependencies([nb.key for nb in run.discover_notebooks()])
    for org in ("acme", "globex"):
        for key, waits in deps.items():
            task = tasks[f"{org}.{key}"]
            expected = [f"{org}.{k}" for k in waits] or [f"{org}.tables"]
            assert [t.task_id for t in task.upstream] == expected
            assert task.kwargs["parameters"]["org_dir"] == str(orgs / org)
        assert tasks[f"{org}.tables"].kwargs["op_kwargs"]["org_dir"] == str(orgs / org)
