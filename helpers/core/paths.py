"""Every path the project uses, resolved from the repository root.

No notebook or helper depends on the working directory: relative paths given by
a user (``org_dir``, ``output_dir``) are resolved against the repository root
when they do not exist relative to the current directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = REPO_ROOT / "datasets"
SAMPLE_ORG = DATASETS / "sample"
REFERENCE = DATASETS / "reference"
SIC_CODES = REFERENCE / "sic_codes.csv"
ORGS = DATASETS / "orgs"
NOTEBOOKS = REPO_ROOT / "notebooks"
SOLUTIONS = REPO_ROOT / "solutions"
EXERCISES = REPO_ROOT / "exercises"
REPORTS = REPO_ROOT / "reports"
DOCS = REPO_ROOT / "docs"
BENCHMARKS = REPO_ROOT / "benchmarks"
#: Third-party exports used for validation; present beside the repository in
#: development and CI, never copied into it (see their licences).
SHARED_DATASETS = Path(
    os.environ.get("ALIGNMENT_EDGE_SHARED_DATASETS", REPO_ROOT.parent / "shared" / "datasets")
)
#: Per-organization secrets (HMAC keys for personal data) live here, outside reports/.
SECRETS = Path(os.environ.get("ALIGNMENT_EDGE_SECRETS", REPO_ROOT / ".secrets"))


class PathEscapeError(ValueError):
    """A path given in a config or on the command line leaves its allowed folder."""


def resolve(path: str | os.PathLike) -> Path:
    """Resolve a user-given path: absolute, relative to the cwd, else to the repo root."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    if p.exists():
        return p.resolve()
    return (REPO_ROOT / p).resolve()


def portable(path: str | os.PathLike) -> str:
    """A path as a report records it: never an absolute path of this machine.

    Relative to the repository root (POSIX separators) when the path is inside it,
    e.g. ``"datasets/sample"``; otherwise only its own name (``"acme_export"``).
    """
    p = resolve(path).resolve()
    try:
        rel = p.relative_to(REPO_ROOT)
    except ValueError:
        return p.name or "."
    return rel.as_posix() or "."


def safe_join(base: str | os.PathLike, relative: str | os.PathLike, *, what: str = "path") -> Path:
    """Join ``relative`` onto ``base`` and refuse a result outside ``base``.

    Parameters
    ----------
    base : path-like
        The folder the result must stay inside.
    relative : path-like
        A relative path from a config file (absolute paths are refused too).
    what : str
        Named in the error message, e.g. ``"files.leads.path in org.yml"``.
    """
    base_p = Path(base).resolve()
    rel = Path(relative)
    if rel.is_absolute():
        raise PathEscapeError(
            f"{what} '{relative}' is an absolute path; give a path relative to {base_p}."
        )
    target = (base_p / rel).resolve()
    if target != base_p and base_p not in target.parents:
        raise PathEscapeError(
            f"{what} '{relative}' points outside {base_p}; keep the file inside that folder."
        )
    return target


def safe_name(name: str, *, what: str = "name") -> str:
    """Return ``name`` if it is a plain folder/file name (no separators, no '..')."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        raise PathEscapeError(f"{what} '{name}' must be a plain name without '/' or '..'.")
    return name


def org_slug(name: str) -> str:
    """Folder and file name of an org: ``"Acme Corp (EU)"`` -> ``"acme-corp-eu"``.

    The one slug rule of the project: report folders (``reports/<slug>``) and the
    org's secret key file (``.secrets/<slug>.key``) both use it.

    Raises
    ------
    PathEscapeError
        When the name contains a path separator or ``..`` (it would leave its folder).
    ValueError
        When the name has no letter or digit to make a slug from.
    """
    safe_name(str(name), what="The organization name in org.yml")
    if ".." in str(name):
        raise PathEscapeError(
            f"The organization name in org.yml '{name}' must not contain '..'; "
            "rename it or give --out."
        )
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    if not slug:
        raise ValueError(
            f"The organization name '{name}' has no letters or digits to name its report "
            "folder; rename it in org.yml or give --out."
        )
    return slug
