"""Run Alignment Edge every week from Apache Airflow: two example DAGs.

Copy this file into your Airflow ``dags/`` folder and set the Airflow Variables it reads
(Admin > Variables), or edit the defaults below. The Airflow workers need the project's
environment (``make install``, or ``pip install -r requirements.lock && pip install -e .``)
and must see the organization folders and the report folder (a shared file system).

``alignment_edge_weekly_fleet``
    The recommended weekly run: one task runs ``alignment-edge run`` on every organization
    folder of ``ORGS_DIR`` on the Dask cluster at ``DASK_SCHEDULER`` (see ``docs/fleets.md``).
    The runner validates each export, runs the notebooks as a graph, exports HTML, writes each
    report atomically and prints one status line per organization; the task fails when one
    organization failed, after all the others have finished.

``alignment_edge_weekly_notebooks``
    The same curriculum with each notebook as an Airflow task, executed by the papermill
    provider (``apache-airflow-providers-papermill``): per-notebook retries and logs in Airflow.
    The task graph is the runner's own (``helpers.runner.graph``: 00 and 01 need only the
    tables, 02 reads ``icp.yml``, 03 and 04 read module 2's results). A first task validates
    the export and writes the validated tables that every notebook reads. What the runner adds
    on top - the report folder swapped into place only when every notebook succeeded, the
    ``failed/`` folder, HTML export, the ``_run`` entry of ``summary.json`` - is not done here;
    use the first DAG when you want it.

Airflow 2.7+ and 3.x are both supported (the imports below try the Airflow 3 names first).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG, Variable
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.models import Variable
    from airflow.operators.bash import BashOperator
    from airflow.operators.python import PythonOperator
from airflow.providers.papermill.operators.papermill import PapermillOperator

#: The project checkout (its .venv holds the pinned environment).
PROJECT = Path(Variable.get("alignment_edge_project", default="/srv/alignment-edge"))
#: A folder whose sub-folders are organizations (each with its org.yml and exports).
ORGS_DIR = Path(Variable.get("alignment_edge_orgs", default="/srv/crm-exports"))
#: Where the weekly reports go: <REPORTS_DIR>/<week>/<org>.
REPORTS_DIR = Path(Variable.get("alignment_edge_reports", default="/srv/reports/alignment-edge"))
#: The Dask scheduler (docs/fleets.md); empty: a local cluster on the Airflow worker.
DASK_SCHEDULER = Variable.get("alignment_edge_dask_scheduler", default="tcp://scheduler:8786")

BIN = PROJECT / ".venv" / "bin"
WEEKLY = {
    "schedule": "0 6 * * 1",  # Mondays 06:00, before the weekly funnel meeting
    "start_date": dt.datetime(2026, 1, 5),
    "catchup": False,
    "max_active_runs": 1,
    "tags": ["alignment-edge"],
}

# --------------------------------------------------------------------------- the whole fleet

with DAG("alignment_edge_weekly_fleet", **WEEKLY) as fleet_dag:
    scheduler = f"--scheduler {DASK_SCHEDULER} " if DASK_SCHEDULER else ""
    BashOperator(
        task_id="run_every_organization",
        bash_command=(
            f"cd {PROJECT} && {BIN}/alignment-edge run {ORGS_DIR} {scheduler}"
            f"--out {REPORTS_DIR}/{{{{ ds }}}} --html"
        ),
        retries=0,  # the runner already isolates each organization's failure
    )


# --------------------------------------------------------------------------- notebooks as tasks


def write_validated_tables(org_dir: str, output_dir: str) -> None:
    """Load and validate one organization's export; write the tables the notebooks read."""
    from helpers.data import load_org, write_tables

    write_tables(load_org(org_dir), output_dir)


def _org_dirs() -> list[Path]:
    """The organization folders under ORGS_DIR (read when the DAG file is parsed)."""
    if not ORGS_DIR.is_dir():
        return []
    return sorted(p for p in ORGS_DIR.iterdir() if (p / "org.yml").is_file())


with DAG("alignment_edge_weekly_notebooks", **WEEKLY) as notebooks_dag:
    from helpers.runner import dependencies, discover_notebooks

    notebooks = discover_notebooks(PROJECT / "notebooks")
    edges = dependencies([nb.key for nb in notebooks])
    for org in _org_dirs():
        out = f"{REPORTS_DIR}/{{{{ ds }}}}/{org.name}"
        tables = PythonOperator(
            task_id=f"{org.name}.tables",
            python_callable=write_validated_tables,
            op_kwargs={"org_dir": str(org), "output_dir": out},
        )
        tasks = {}
        for nb in notebooks:
            tasks[nb.key] = PapermillOperator(
                task_id=f"{org.name}.{nb.key}",
                input_nb=str(nb.path),
                output_nb=f"{out}/{nb.path.name}",
                parameters={"org_dir": str(org), "output_dir": out},
                kernel_name="python3",
                language_name="python",
            )
            # every notebook reads the tables; then the runner's own graph
            upstream = [tasks[k] for k in edges[nb.key]] or [tables]
            upstream >> tasks[nb.key]
