"""Copies of the shared third-party exports for tests (never committed into the repository).

Import it as ``from real_orgs import real_org`` (``tests/`` is on the test path), or use the
``real_org_copy`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.core import paths


def real_org(name: str, folder: str, tmp_path: Path, files: list[str] | None = None) -> Path:
    """Copy a committed real-export org.yml and its third-party data into ``tmp_path``.

    Skips the test (with the reason) when ``../shared/datasets/<folder>`` is absent.
    """
    src = paths.SHARED_DATASETS / folder
    if not src.is_dir():
        pytest.skip(f"third-party export folder {src} is absent (not shipped with the product)")
    org = tmp_path / name
    shutil.copytree(paths.ORGS / name, org)
    for f in files or sorted(p.name for p in src.iterdir()):
        shutil.copy2(src / f, org / f)
    return org
