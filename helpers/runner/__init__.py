"""Run the curriculum's notebooks for one organization (or several) with papermill.

One run = load and validate the org's data once, write the validated tables into the
run's folder, then execute ``notebooks/NN_*.ipynb`` (those that do not need each other's
results at the same time), each in the ``python3`` kernel of the environment this code
runs in, and swap the report into place only when no
notebook failed (a notebook that skips its module with ``report.skip_module`` is a skip,
not a failure).

Modules: ``params`` (notebook discovery, parameters and their precedence), ``kernels``
(this environment's kernel, started ahead), ``execute`` (one notebook with papermill, HTML
export), ``graph`` (which notebook needs which other's results), ``scheduler`` (independent
notebooks at the same time), ``output`` (the transactional report folder), ``summary`` (the
``_run`` entry of ``summary.json``), ``run`` (:func:`run_org` as named steps), ``fleet``
(several orgs in parallel processes), ``dask_fleet`` (several orgs on a Dask cluster) and
``cli`` (the ``alignment-edge`` command).
"""

from helpers.runner.dask_fleet import PROGRESS_TOPIC, local_cluster_size, run_fleet, run_org_task
from helpers.runner.execute import (
    ANALYST_SUFFIX,
    ENGINE_NAME,
    SAVE_EVERY,
    business_notebook,
    execute_notebook,
    export_html,
    export_renderings,
    failure_sentence,
    finish_notebook,
    report_paths,
    skip_reason,
)
from helpers.runner.fleet import expand_org_dirs, plan_outputs, results_table, run_many, run_one
from helpers.runner.graph import MODULE_IO, ModuleIO, dependencies, stages
from helpers.runner.kernels import (
    KERNEL_NAME,
    PRELOAD_PACKAGES,
    kill_kernel,
    notebook_imports,
    start_ahead,
    start_kernel,
    stop_kernel,
)
from helpers.runner.output import FAILED_DIR, SUMMARY, check_target, default_out
from helpers.runner.params import (
    NOTEBOOK_PATTERN,
    RUNNER_PARAMETERS,
    Notebook,
    discover_notebooks,
    parse_parameter_args,
    parse_value,
    path_replacements,
    portable_text,
    read_parameters,
    resolve_parameters,
    runner_parameters,
    select_notebooks,
)
from helpers.runner.run import RunPlan, RunResult, plan_run, run_org
from helpers.runner.scheduler import NotebookGraph, NotebookJob, Outcome, default_parallel
from helpers.runner.site import IndexPage, index_page, render_index, write_index
from helpers.runner.summary import RUN_KEY, VERSIONED_PACKAGES, RunFacts, run_entry

__all__ = [
    "ANALYST_SUFFIX",
    "IndexPage",
    "business_notebook",
    "export_renderings",
    "index_page",
    "path_replacements",
    "portable_text",
    "render_index",
    "report_paths",
    "runner_parameters",
    "write_index",
    "ENGINE_NAME",
    "FAILED_DIR",
    "KERNEL_NAME",
    "MODULE_IO",
    "NOTEBOOK_PATTERN",
    "PROGRESS_TOPIC",
    "PRELOAD_PACKAGES",
    "RUNNER_PARAMETERS",
    "RUN_KEY",
    "SAVE_EVERY",
    "SUMMARY",
    "VERSIONED_PACKAGES",
    "ModuleIO",
    "Notebook",
    "NotebookGraph",
    "NotebookJob",
    "Outcome",
    "RunFacts",
    "RunPlan",
    "RunResult",
    "check_target",
    "default_out",
    "default_parallel",
    "dependencies",
    "discover_notebooks",
    "execute_notebook",
    "expand_org_dirs",
    "export_html",
    "failure_sentence",
    "finish_notebook",
    "kill_kernel",
    "local_cluster_size",
    "notebook_imports",
    "parse_parameter_args",
    "parse_value",
    "plan_outputs",
    "plan_run",
    "read_parameters",
    "resolve_parameters",
    "results_table",
    "run_entry",
    "run_fleet",
    "run_many",
    "run_one",
    "run_org",
    "run_org_task",
    "select_notebooks",
    "skip_reason",
    "stages",
    "start_ahead",
    "start_kernel",
    "stop_kernel",
]
