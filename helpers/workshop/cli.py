"""``python -m helpers.workshop {execute-solutions,generate,check}`` (``make solutions``).

``execute-solutions [NAME ...]`` re-executes solutions in place with their outputs (for
nbval); ``generate`` writes the exercises; ``check`` exits non-zero when the committed
exercises are stale.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from helpers.core import paths
from helpers.workshop.execute import execute_solutions
from helpers.workshop.exercises import generate_exercises, solution_paths, stale_exercises

DESCRIPTION = (
    "Workshop material: exercises generated from solutions, and self-checks for participants."
)
STALE_MESSAGE = "Exercises out of date (run `make exercises`): "


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers.workshop", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "execute-solutions", help="re-execute solutions in place with their outputs"
    )
    run.add_argument("names", nargs="*", help="solution file names or prefixes (default: all)")
    sub.add_parser("generate", help="write exercises/ from solutions/")
    sub.add_parser("check", help="exit 1 when exercises/ differs from what the generator makes")
    return parser


def _generate() -> int:
    for path in generate_exercises():
        print(f"wrote {path.relative_to(paths.REPO_ROOT)}")
    return 0


def _check() -> int:
    stale = stale_exercises()
    if stale:
        print(STALE_MESSAGE + ", ".join(stale))
        return 1
    print("Exercises match their solutions.")
    return 0


def _execute(names: Sequence[str] | None) -> int:
    """Re-execute the solutions one by one, printing one line each (and each failed check).

    Returns 1 when a cell fails or a check does not pass, 2 when a name matches no solution.
    """
    from nbclient.exceptions import CellExecutionError

    status = 0
    try:
        chosen = [p.name for p in solution_paths()] if names is None else names
        for name in chosen:
            try:
                (result,) = execute_solutions([name])
            except CellExecutionError as exc:
                lines = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
                print(f"{name}: a cell failed - {lines[-1] if lines else exc}")
                status = 1
                continue
            bad = result.failed_checks
            verdict = f"{len(result.checks) - len(bad)}/{len(result.checks)} checks pass"
            print(f"{result.name}: executed in {result.seconds:.1f} s, {verdict}")
            for item in bad:
                print(
                    f"  cell {item['cell']}: exercise {item['exercise']} {item['status']}: "
                    f"{item['message']}"
                )
            status = status or (1 if bad else 0)
    except ValueError as exc:
        print(exc)
        return 2
    stale = stale_exercises()
    if stale:
        print(STALE_MESSAGE + ", ".join(stale))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.workshop {execute-solutions,generate,check}``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: the command line).

    Returns
    -------
    int
        The exit status: 0 when everything passed.
    """
    args = _parser().parse_args(argv)
    if args.command == "generate":
        return _generate()
    if args.command == "check":
        return _check()
    return _execute(args.names or None)
