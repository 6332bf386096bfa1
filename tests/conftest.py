"""Shared fixtures: the sample org, a generated alternative org, their loaded data, and the
curriculum's runs on the sample, each executed once for every test that reads them.

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


@pytest.fixture(scope="session")
def sample_funnel_run(sample_org_dir, tmp_path_factory) -> Path:
    """Report folder of modules 02 and 03 run once on the sample.

    Shared by the funnel and revenue notebook tests (module 03 reads module 02's findings), so
    the sample's funnel notebook is executed once per test session, not once per test file.
    """
    from helpers import runner

    out = tmp_path_factory.mktemp("runs") / "sample_02_03"
    result = runner.run_org(
        sample_org_dir, out=out, only=["02", "03"], html=False, progress_bar=False,
        echo=lambda _line: None,
    )
    assert result.ok, result.message
    return out


@pytest.fixture(scope="session")
def sample_run(sample_org_dir, tmp_path_factory) -> Path:
    """Output folder of one full curriculum run on the sample org."""
    from helpers import runner

    out = tmp_path_factory.mktemp("runs") / "sample"
    result = runner.run_org(sample_org_dir, out=out, html=False, echo=lambda _line: None)
    assert result.ok, result.message
    return out


@pytest.fixture
def real_org_copy(tmp_path):
    """``real_org_copy(name, folder, files=None)``: a real export copied beside its org.yml."""

    def copy(name: str, folder: str, files: list[str] | None = None) -> Path:
        return real_org(name, folder, tmp_path, files)

    return copy
