"""helpers.runner.fleet: the orgs of a fleet and their report folders (the fleet itself runs
on Dask: ``test_runner_dask_fleet.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from helpers import runner as run

FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY_ORG = FIXTURES / "org"
BAD_ORG = FIXTURES / "bad_org"


def copy_org(tmp_path: Path, folder: str = "org", **org_yml_changes) -> Path:
    dest = tmp_path / folder
    shutil.copytree(TINY_ORG, dest)
    if org_yml_changes:
        cfg = yaml.safe_load((dest / "org.yml").read_text())
        cfg.update(org_yml_changes)
        (dest / "org.yml").write_text(yaml.safe_dump(cfg))
    return dest


def test_expand_org_dirs(tmp_path):
    a = copy_org(tmp_path / "orgs", "a")
    b = copy_org(tmp_path / "orgs", "b")
    (tmp_path / "orgs" / "notes").mkdir()
    assert run.expand_org_dirs([tmp_path / "orgs"]) == [a, b]
    assert run.expand_org_dirs([b, a, b]) == [b, a]
    with pytest.raises(ValueError, match="no org.yml"):
        run.expand_org_dirs([tmp_path / "orgs" / "notes"])
    with pytest.raises(ValueError, match="does not exist"):
        run.expand_org_dirs([tmp_path / "nowhere"])


def test_multi_org_same_name_is_refused(tmp_path):
    a = copy_org(tmp_path, "a")
    b = copy_org(tmp_path, "b")
    with pytest.raises(ValueError, match="same organization name"):
        run.plan_outputs([a, b], tmp_path / "reports")
