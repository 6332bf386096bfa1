"""helpers.runner.fleet: several organizations in parallel processes, one report each."""

from __future__ import annotations

import json
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


def test_multi_org_run_one_failure_does_not_stop_the_others(tmp_path):
    orgs = tmp_path / "orgs"
    good1 = copy_org(orgs, "good1", name="Good One")
    failing = copy_org(orgs, "failing", name="Failing", parameters={"fail": True})
    bad = orgs / "bad"
    shutil.copytree(BAD_ORG, bad)
    out = tmp_path / "reports"
    results = run.run_many(
        run.expand_org_dirs([orgs]), out=out, jobs=2, notebooks_dir=NOTEBOOKS, only=["00"]
    )
    by_name = {r.org_dir.name: r for r in results}
    assert [r.org_dir.name for r in results] == ["bad", "failing", "good1"]
    assert by_name["good1"].ok and by_name["good1"].notebooks == ["00_first"]
    assert not by_name["failing"].ok and "ZeroDivisionError" in by_name["failing"].message
    assert not by_name["bad"].ok and "L2" in by_name["bad"].message
    assert json.loads((out / "good-one" / "summary.json").read_text())["_run"]["org"] == "Good One"
    assert (out / "failing" / "failed" / "00_first.ipynb").is_file()
    assert not (out / "bad-org").exists()
    table = run.results_table(results)
    assert "FAILED" in table and "good1" in table and str(out / "good-one") in table
    assert good1.is_dir() and failing.is_dir()


def test_multi_org_same_name_is_refused(tmp_path):
    a = copy_org(tmp_path, "a")
    b = copy_org(tmp_path, "b")
    with pytest.raises(ValueError, match="same organization name"):
        run.plan_outputs([a, b], tmp_path / "reports")
