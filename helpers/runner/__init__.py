"""Run the curriculum's notebooks for one organization (or several) with papermill.

One run = load and validate the org's data once, write the validated tables into the
run's folder, then execute ``notebooks/NN_*.ipynb`` in order, each in the ``python3``
kernel of the environment this code runs in, and swap the report into place only when no
notebook failed (a notebook that skips its module with ``report.skip_module`` is a skip,
not a failure).

Modules: ``params`` (notebook discovery, parameters and their precedence), ``kernels``
(this environment's kernel, started one step ahead), ``execute`` (one notebook with
papermill, HTML export), ``output`` (the transactional report folder), ``summary`` (the
``_run`` entry of ``summary.json``), ``run`` (:func:`run_org` as named steps), ``fleet``
(several orgs in parallel processes) and ``cli`` (the ``alignment-edge`` command).
"""

from helpers.runner.execute import (
    ENGINE_NAME,
    SAVE_EVERY,
    execute_notebook,
    export_html,
    failure_sentence,
    finish_notebook,
    skip_reason,
)
from helpers.runner.fleet import expand_org_dirs, plan_outputs, results_table, run_many
from helpers.runner.kernels import (
    KERNEL_NAME,
    PRELOAD_PACKAGES,
    KernelRelay,
    notebook_imports,
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
    read_parameters,
    resolve_parameters,
    select_notebooks,
)
from helpers.runner.run import RunPlan, RunResult, plan_run, run_org
from helpers.runner.summary import RUN_KEY, VERSIONED_PACKAGES, RunFacts, run_entry

__all__ = [
    "ENGINE_NAME",
    "FAILED_DIR",
    "KERNEL_NAME",
    "NOTEBOOK_PATTERN",
    "PRELOAD_PACKAGES",
    "RUNNER_PARAMETERS",
    "RUN_KEY",
    "SAVE_EVERY",
    "SUMMARY",
    "VERSIONED_PACKAGES",
    "KernelRelay",
    "Notebook",
    "RunFacts",
    "RunPlan",
    "RunResult",
    "check_target",
    "default_out",
    "discover_notebooks",
    "execute_notebook",
    "expand_org_dirs",
    "export_html",
    "failure_sentence",
    "finish_notebook",
    "notebook_imports",
    "parse_parameter_args",
    "parse_value",
    "plan_outputs",
    "plan_run",
    "read_parameters",
    "resolve_parameters",
    "results_table",
    "run_entry",
    "run_many",
    "run_org",
    "select_notebooks",
    "skip_reason",
    "start_kernel",
    "stop_kernel",
]
