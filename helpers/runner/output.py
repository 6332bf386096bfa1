"""The report folder of a run, written as a transaction.

A run writes into a temporary folder beside the report (``reports/.sample.tmp-XXXX``,
:func:`make_workspace`) and renames it into place only when every notebook succeeded or
skipped (:func:`swap_into_place`), so a failure never damages the previous report: the
failing notebook, partially executed with papermill's error banner, is kept in
``<report>/failed/`` (:func:`save_failed`). With ``--only`` the previous report is copied in
first and the outputs of the notebooks about to run again are removed
(:func:`copy_previous`, :func:`forget_outputs`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from helpers.core import paths
from helpers.runner.execute import finish_notebook, report_paths
from helpers.runner.params import Notebook

FAILED_DIR = "failed"
SUMMARY = "summary.json"


# --------------------------------------------------------------------------- where


def default_out(org_name: str, reports_dir: str | Path | None = None) -> Path:
    """``reports/<org slug>``, refusing a name that would land outside ``reports/``."""
    base = Path(reports_dir) if reports_dir is not None else paths.REPORTS
    return paths.safe_join(
        base, paths.org_slug(org_name), what="The report folder for this org name"
    )


def check_target(target: Path, org_dir: Path) -> None:
    """Refuse to replace a folder that is not a previous report (or holds the org's data)."""
    target = target.resolve()
    org_dir = org_dir.resolve()
    repo = paths.REPO_ROOT.resolve()
    if target == org_dir or target in org_dir.parents or org_dir in target.parents:
        raise ValueError(
            f"--out {target} overlaps the organization folder {org_dir}; "
            "write the report somewhere else (default: reports/<org>)."
        )
    if target == repo or target in repo.parents or target == Path.home().resolve():
        raise ValueError(f"--out {target} is not a report folder; give a new or report folder.")
    if target.exists():
        if not target.is_dir():
            raise ValueError(f"--out {target} is a file; give a folder.")
        entries = {p.name for p in target.iterdir()}
        if entries and SUMMARY not in entries and entries != {FAILED_DIR}:
            raise ValueError(
                f"--out {target} already exists and is not a report folder (no {SUMMARY}); "
                "give a new folder or a previous report's folder."
            )


# --------------------------------------------------------------------------- the transaction


def make_workspace(target: Path) -> Path:
    """A new temporary folder beside ``target`` for the run to write into.

    Folders that runs killed long ago left there are removed first.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; a report is a normal folder
    return tmp


def swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; the previous report is moved aside, then removed."""
    aside = None
    if target.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        aside.rmdir()
        os.replace(target, aside)
    try:
        os.replace(tmp, target)
    except BaseException:
        if aside is not None:
            os.replace(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def save_failed(partial: Path, target: Path, tmp: Path) -> Path | None:
    """Keep the partially executed notebook in ``target/failed/`` (replacing older ones)."""
    if not partial.is_file():
        return None
    failed = target / FAILED_DIR
    if failed.exists():
        shutil.rmtree(failed)
    failed.mkdir(parents=True)
    dest = failed / partial.name
    shutil.copy2(partial, dest)
    try:
        finish_notebook(dest, tmp, target)
    except Exception:  # noqa: BLE001 - a notebook cut mid-write is still kept as it is
        pass
    return dest


def remove_abandoned(target: Path, max_age_hours: float = 24.0) -> None:
    """Remove temporary folders that runs killed long ago left beside ``target``."""
    limit = time.time() - max_age_hours * 3600
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for folder in target.parent.glob(pattern):
            try:
                if folder.is_dir() and folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue


def normalise_permissions(folder: Path) -> None:
    """Give files written through private temporary files (mode 600) the usual mode."""
    mode = 0o666 & ~_umask()
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.stat().st_mode & 0o077:
                os.chmod(path, mode)
        except OSError:
            continue


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- --only


def copy_previous(target: Path, tmp: Path) -> None:
    """Copy the previous report into the new run's folder (``--only`` keeps the rest)."""
    for item in target.iterdir():
        if item.name in {FAILED_DIR}:
            continue
        dest = tmp / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)


def forget_outputs(folder: Path, notebooks: Sequence[Notebook]) -> None:
    """Remove the previous outputs of notebooks about to run again (``--only``): their
    executed notebook, both HTML renderings, ``NN_*`` charts and ``NN_*`` entries of
    ``summary.json``, so nothing stale survives the rerun."""
    from helpers.core import report

    for nb in notebooks:
        for name in (nb.path.name, *(p.name for p in report_paths(nb.path))):
            (folder / name).unlink(missing_ok=True)
        for png in (folder / "figures").glob(f"{nb.number}_*.png"):
            png.unlink()
    summary = report.read_summary(folder)
    prefixes = tuple(f"{nb.number}_" for nb in notebooks)
    kept = {k: v for k, v in summary.items() if not k.startswith(prefixes)}
    if kept != summary:
        report.atomic_write_text(
            folder / SUMMARY, json.dumps(kept, indent=2, sort_keys=True) + "\n"
        )
