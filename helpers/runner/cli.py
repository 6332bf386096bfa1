"""``alignment-edge``: the command line of the curriculum.

Subcommands: ``check`` (validate an org's data), ``run`` (execute the notebooks),
``sample`` (generate a synthetic org), ``init`` (draft an ``org.yml`` from exports),
``score`` (score an org's leads with a saved model), ``params`` (the notebooks'
parameters), ``brief`` (the weekly funnel brief of one week), ``exercises`` (regenerate the
workshop exercises). A problem with the user's
data, config, parameters or paths is printed as one clear message on stderr (exit status
2), never as a traceback.

Exit status: 0 success (a module skipped for lack of data is no failure); 1 a notebook
failed, or ``check`` found fatal problems, or with ``--strict`` reported problems or skipped
modules; 2 a usage, data or config error. Set ``ALIGNMENT_EDGE_DEBUG=1`` to see the
traceback of such an error. Run it as ``alignment-edge`` or ``python -m helpers.runner.cli``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UserError(Exception):
    """An error the user can fix; printed without a traceback."""


def _err(message: str) -> None:
    print(f"alignment-edge: error: {message}", file=sys.stderr, flush=True)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception classes printed as one message (exit 2)."""
    from helpers.core.config import ConfigError
    from helpers.core.paths import PathEscapeError
    from helpers.data import DataError

    return (DataError, UserError, ConfigError, PathEscapeError, ValueError)


# --------------------------------------------------------------------------- subcommands


def cmd_check(args: argparse.Namespace) -> int:
    """``check ORG_DIR``: print the data report; exit 1 on fatal (or, strict, any) problems."""
    from helpers.core import paths
    from helpers.data import check_org

    org = paths.resolve(args.org_dir)
    report = check_org(org, strict=args.strict)
    print(report.to_text(), end="")
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_run(args: argparse.Namespace) -> int:
    """``run ORG_DIR...``: one org in this process; several, or any with ``--scheduler``, on
    Dask (a local cluster sized to this machine, or the scheduler's workers)."""
    from helpers import runner
    from helpers.core import paths

    params = runner.parse_parameter_args(args.param)
    only = [p for item in (args.only or []) for p in str(item).split(",") if p.strip()]
    if args.parallel is not None and args.parallel < 1:
        raise UserError("--parallel must be at least 1 notebook at a time.")
    if args.jobs is not None and args.jobs < 1:
        raise UserError("--jobs must be at least 1.")
    orgs = runner.expand_org_dirs(args.org_dir)
    kwargs = dict(
        only=only or None,
        parameters=params,
        html=args.html,
        strict=args.strict,
        notebooks_dir=args.notebooks,
        parallel=args.parallel,
    )
    single = (
        len(args.org_dir) == 1
        and len(orgs) == 1
        and (paths.resolve(args.org_dir[0]) == orgs[0])
        and args.scheduler is None
    )
    if single:
        print(f"Running {orgs[0]}", flush=True)
        result = runner.run_org(orgs[0], out=args.out, **kwargs)
        if result.ok:
            print(f"Done in {result.seconds:.1f} s: {result.message}")
            return EXIT_OK
        _err(result.message)
        return EXIT_FAILED
    n = len(orgs)
    orgs_text = f"{n} organization{'s' if n > 1 else ''}"
    if args.scheduler is not None:
        print(f"Running {orgs_text} on the Dask scheduler {args.scheduler}", flush=True)
    else:
        from helpers.runner.dask_fleet import local_cluster_size

        workers = min(args.jobs, n) if args.jobs else local_cluster_size(n)[0]
        print(f"Running {orgs_text} on a local Dask cluster, {workers} at a time", flush=True)
    results = runner.run_many(
        orgs, out=args.out, jobs=args.jobs, scheduler=args.scheduler, **kwargs
    )
    print()
    print(runner.results_table(results))
    failed = [r for r in results if not r.ok]
    if failed:
        _err(f"{len(failed)} of {len(results)} organizations failed.")
        return EXIT_FAILED
    return EXIT_OK


def cmd_sample(args: argparse.Namespace) -> int:
    """``sample``: write a synthetic organization with planted truths."""
    from helpers import synth

    if args.scenario not in synth.SCENARIOS:
        raise UserError(
            f"--scenario {args.scenario}: unknown; choose from {', '.join(synth.SCENARIOS)}."
        )
    config = synth.SCENARIOS[args.scenario]
    changes = {}
    if args.leads is not None:
        if args.leads < 1:
            raise UserError("--leads must be a positive number of leads.")
        changes["n_leads"] = args.leads
    if args.seed is not None:
        changes["seed"] = args.seed
    if changes:
        config = config.replace(**changes)
    from helpers.core import paths

    out = paths.resolve(args.out) if args.out else paths.SAMPLE_ORG
    written = synth.write_org(config, out, fmt=args.format)
    print(
        f"Wrote the '{args.scenario}' organization ({config.n_leads} leads, seed {config.seed}) "
        f"to {written if isinstance(written, str | Path) else out}"
    )
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """``init EXPORT...``: draft an ``org.yml`` from the exports' column names."""
    from helpers.core import config, paths

    exports = [paths.resolve(p) for p in args.export]
    for p in exports:
        if not p.is_file():
            raise UserError(f"{p}: export file not found.")
    out_dir = paths.resolve(args.out) if args.out else exports[0].parent
    target = out_dir / config.ORG_FILE
    if target.exists():
        raise UserError(
            f"{target} already exists; it was not overwritten. Move it away or choose another --out."
        )
    if not hasattr(config, "draft_org_config"):
        raise UserError(
            "'init' needs helpers.core.config.draft_org_config, which this installation lacks."
        )
    outside = [p for p in exports if out_dir.resolve() not in p.resolve().parents]
    draft = config.draft_org_config(exports)
    if not isinstance(draft, str):
        import yaml

        draft = yaml.safe_dump(draft, sort_keys=False, allow_unicode=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as fh:  # "x": never overwrite
        fh.write(draft)
    print(f"Drafted {target}. Finish the mapping, then run: alignment-edge check {out_dir}")
    if outside:
        names = ", ".join(str(p) for p in outside)
        print(f"Note: copy {names} into {out_dir}: an org's files must live inside its folder.")
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    """``score MODEL ORG_DIR``: score an org's leads with a saved model."""
    from helpers.core import paths
    from helpers.core.config import load_org_config
    from helpers.core.paths import org_slug

    model = paths.resolve(args.model)
    if not model.is_file():
        raise UserError(f"{model}: model file not found.")
    from helpers import scoring

    org = paths.resolve(args.org_dir)
    if args.out:
        out = paths.resolve(args.out)
    else:
        out = model.parent / f"scored_{org_slug(load_org_config(org).name)}.csv"
    scored = scoring.score_org(model, org, out)
    rows = f"{len(scored):,} leads" if hasattr(scored, "__len__") else "the leads"
    print(f"Scored {rows} of {org}: {out}")
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    """``params [MODULE]``: every notebook parameter, its default, meaning and when to change it."""
    from helpers.runner import param_docs

    print(param_docs.render_text(args.module, args.notebooks), end="")
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    """``brief ORG_DIR [--week]``: write one week's funnel brief (one printable page)."""
    import pandas as pd

    from helpers import meeting

    try:
        week = pd.Timestamp(args.week) if args.week else None
    except (ValueError, TypeError):
        raise UserError(f"--week {args.week}: not a date; write it as YYYY-MM-DD.") from None
    path, brief = meeting.write_brief(args.org_dir, week=week, out=args.out, report_dir=args.report)
    for note in [brief.no_data] if brief.no_data else brief.notes:
        print(f"Note: {note}")
    print(f"Wrote the brief of the week {brief.label}: {path}")
    return EXIT_OK


def cmd_exercises(args: argparse.Namespace) -> int:
    """``exercises``: regenerate ``exercises/`` from ``solutions/``."""
    from helpers import workshop

    result = workshop.generate_exercises()
    if isinstance(result, list | tuple):
        for p in result:
            print(f"wrote {p}")
    elif result is not None:
        print(result)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def _add_check(sub) -> None:
    p = sub.add_parser("check", help="validate an organization's data and print a data report")
    p.add_argument("org_dir", metavar="ORG_DIR", help="organization folder (with org.yml)")
    p.add_argument(
        "--strict", action="store_true", help="treat reported quality problems as errors"
    )
    p.set_defaults(func=cmd_check)


def _add_run(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run the notebooks for one or more organizations",
        description="Execute notebooks/NN_*.ipynb for each organization (notebooks that do "
        "not need each other's results at the same time). Several ORG_DIRs, or a folder of "
        "organization folders, run on Dask: a local cluster sized to this machine, or the "
        "workers of --scheduler.",
    )
    p.add_argument(
        "org_dir",
        nargs="+",
        metavar="ORG_DIR",
        help="organization folder(s), or a folder containing organization folders",
    )
    p.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NN",
        help="run only these notebooks (e.g. --only 02 03); merges into the existing report",
    )
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a notebook parameter (value read as YAML: 12, 0.5, text, [a, b])",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="report folder (default reports/<org>); with several orgs, their parent",
    )
    p.add_argument("--html", action="store_true", help="also export every notebook to HTML")
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="organizations at the same time on this machine (default: one per core)",
    )
    p.add_argument(
        "--parallel",
        type=int,
        metavar="N",
        help="notebooks of one organization at the same time (default: the machine's cores; "
        "1 runs them one after another)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster: the scheduler's address (tcp://HOST:8786) or scheduler "
        "file; each organization goes to a worker (see docs/fleets.md)",
    )
    p.add_argument(
        "--strict", action="store_true", help="treat reported quality problems and skipped modules as errors"
    )
    p.add_argument(
        "--notebooks",
        metavar="DIR",
        help="folder of NN_*.ipynb notebooks to run (default: the curriculum's)",
    )
    p.set_defaults(func=cmd_run)


def _add_sample(sub) -> None:
    p = sub.add_parser("sample", help="generate a synthetic organization with planted truths")
    p.add_argument(
        "--leads", type=int, metavar="N", help="number of leads (default: the scenario's)"
    )
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default: the scenario's)")
    p.add_argument(
        "--scenario", default="sample", help="planted truths: sample or alt (default sample)"
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default datasets/sample)")
    p.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)"
    )
    p.set_defaults(func=cmd_sample)


def _add_init(sub) -> None:
    p = sub.add_parser("init", help="draft an org.yml from export files' column names")
    p.add_argument(
        "export", nargs="+", metavar="EXPORT", help="export file(s): CSV, Excel or Parquet"
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="organization folder to write org.yml into (default: the first export's folder)",
    )
    p.set_defaults(func=cmd_init)


def _add_score(sub) -> None:
    p = sub.add_parser(
        "score", help="score an organization's leads with a saved lead-scoring model"
    )
    p.add_argument(
        "model", metavar="MODEL", help="model file written by the MQL classifier notebook"
    )
    p.add_argument("org_dir", metavar="ORG_DIR", help="organization folder (with org.yml)")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="CSV of scored leads to write (default: scored_<org>.csv beside the model)",
    )
    p.set_defaults(func=cmd_score)


def _add_params(sub) -> None:
    p = sub.add_parser(
        "params", help="list the notebooks' parameters: default, meaning, when to change it"
    )
    p.add_argument("module", nargs="?", metavar="MODULE", help="a notebook number, e.g. 03")
    p.add_argument("--notebooks", metavar="DIR", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_params)


def _add_brief(sub) -> None:
    p = sub.add_parser("brief", help="write the weekly funnel brief of an organization (one page)")
    p.add_argument("org_dir", metavar="ORG_DIR", help="organization folder (with org.yml)")
    p.add_argument(
        "--week", metavar="YYYY-MM-DD", help="any day of the week (default: the last full week)"
    )
    p.add_argument(
        "--out", metavar="FILE", help="HTML file (default reports/<org>/brief_<Monday>.html)"
    )
    p.add_argument(
        "--report", metavar="DIR", help="report folder with icp.yml, sla.yml (default: the org's)"
    )
    p.set_defaults(func=cmd_brief)


def _add_exercises(sub) -> None:
    p = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    p.set_defaults(func=cmd_exercises)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="alignment-edge",
        description="Sales & marketing alignment curriculum: validate an organization's CRM "
        "export and run the analysis notebooks on it.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in (
        _add_check, _add_run, _add_sample, _add_init, _add_score, _add_params, _add_brief,
        _add_exercises,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``alignment-edge``; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or help
        return int(exc.code or 0)
    errors = _user_errors()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        _err("interrupted; the previous report, if any, is unchanged.")
        return 130
    except errors as exc:
        if os.environ.get("ALIGNMENT_EDGE_DEBUG"):
            raise
        message = str(exc).strip() or type(exc).__name__
        _err(message)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
