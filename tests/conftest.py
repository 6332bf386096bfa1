"""Shared fixtures: the sample org, a generated alternative org, and one curriculum run each.

Expensive things run once per test session (and per xdist worker; notebook tests are
grouped onto one worker with ``xdist_group("notebooks")``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from real_orgs import real_org

from helpers.core import paths

ALT_LEADS = 3000
ALT_SEED = 11


@pytest.fixture(scope="session")
def sample_org_dir() -> Path:
    return paths.SAMPLE_ORG


@pytest.fixture(scope="session")
def sample_truths(sample_org_dir) -> dict:
    return yaml.safe_load((sample_org_dir / "truths.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def alt_org_dir(tmp_path_factory) -> Path:
    from helpers import synth

    out = tmp_path_factory.mktemp("orgs") / "alt"
    synth.write_org(synth.SCENARIOS["alt"].replace(n_leads=ALT_LEADS, seed=ALT_SEED), out)
    return out


@pytest.fixture(scope="session")
def alt_truths(alt_org_dir) -> dict:
    return yaml.safe_load((alt_org_dir / "truths.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_data(sample_org_dir):
    from helpers.data import load_org

    return load_org(sample_org_dir)


@pytest.fixture(scope="session")
def alt_data(alt_org_dir):
    from helpers.data import load_org

    return load_org(alt_org_dir)


def _run_curriculum(org_dir: Path, out: Path) -> Path:
    from helpers import runner as run

    result = run.run_org(org_dir, out=out, html=False, echo=lambda _line: None)
    assert result.ok, result.message
    return out


@pytest.fixture(scope="session")
def sample_run(sample_org_dir, tmp_path_factory) -> Path:
    """Output folder of one full curriculum run on the sample org."""
    return _run_curriculum(sample_org_dir, tmp_path_factory.mktemp("runs") / "sample")


@pytest.fixture
def real_org_copy(tmp_path):
    """``real_org_copy(name, folder, files=None)``: a real export copied beside its org.yml."""

    def copy(name: str, folder: str, files: list[str] | None = None) -> Path:
        return real_org(name, folder, tmp_path, files)

    return copy
