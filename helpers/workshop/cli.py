"""``python -m helpers.workshop COMMAND`` (``make solutions``, ``make slides``).

``execute-solutions [NAME ...]`` re-executes solutions in place with their outputs (for
nbval); ``generate`` writes the exercises; ``check`` exits non-zero when the committed
exercises are stale; ``answer-key [--org DIR]`` writes the facilitator's answer key (or
prints another organization's); ``handouts`` writes the role-play's data handouts;
``slides [NAME ...]`` writes the debrief slides from the solutions.
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
    key = sub.add_parser(
        "answer-key", help="write docs/workshop/answer_key.md (or print another org's key)"
    )
    key.add_argument(
        "--org", help="an organization folder: print the key of the exercises on its data"
    )
    sub.add_parser("handouts", help="write docs/workshop/handouts.md (the role-play's data)")
    slides = sub.add_parser("slides", help="write reports/slides/ from the solutions")
    slides.add_argument("names", nargs="*", help="solution file names or prefixes (default: all)")
    return parser


def _answer_key(org: str | None) -> int:
    from helpers.workshop.answer_key import answer_key, answer_key_text, write_answer_key

    if org is None:
        path = write_answer_key()
        print(f"wrote {path.relative_to(paths.REPO_ROOT)}")
        return 0
    folder = paths.resolve(org)
    if not folder.is_dir():
        print(f"{org} is not a folder: give an organization folder holding an org.yml.")
        return 2
    print(answer_key_text(answer_key(org_dir=folder)))
    return 0


def _handouts() -> int:
    from helpers.workshop.handouts import write_handouts

    print(f"wrote {write_handouts().relative_to(paths.REPO_ROOT)}")
    return 0


def _slides(names: Sequence[str] | None) -> int:
    from helpers.workshop.slides import write_slides

    try:
        written = write_slides(names)
    except ValueError as exc:
        print(exc)
        return 2
    for path in written:
        print(f"wrote {path}")
    print("Open a deck in a browser (reveal.js loads from its CDN): F for full screen.")
    return 0


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
    """``python -m helpers.workshop COMMAND`` (see the module's docstring).

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
    if args.command == "answer-key":
        return _answer_key(args.org)
    if args.command == "handouts":
        return _handouts()
    if args.command == "slides":
        return _slides(args.names or None)
    return _execute(args.names or None)
