"""Fixtures of the meeting-kit tests: one full curriculum run of the generated "alt" org (the
sample's run is ``sample_run`` of ``tests/conftest.py``), and the kit's inputs for both."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def alt_report(alt_org_dir, tmp_path_factory) -> Path:
    """Output folder of one full curriculum run on the generated alternative org."""
    from helpers import runner

    out = tmp_path_factory.mktemp("runs") / "alt"
    result = runner.run_org(alt_org_dir, out=out, html=False, echo=lambda _line: None)
    assert result.ok, result.message
    return out


@pytest.fixture(scope="session")
def sample_inputs(sample_run):
    from helpers import meeting

    return meeting.inputs_from_report(sample_run)


@pytest.fixture(scope="session")
def alt_inputs(alt_report):
    from helpers import meeting

    return meeting.inputs_from_report(alt_report)


@pytest.fixture(scope="session", params=["sample", "alt"])
def case(request):
    """The sample and the alt org (different planted mechanics): ``name``, ``inputs`` (from
    its report), ``report`` (the folder) and ``truths``."""
    name = request.param
    report = request.getfixturevalue("sample_run" if name == "sample" else "alt_report")
    return SimpleNamespace(
        name=name,
        inputs=request.getfixturevalue(f"{name}_inputs"),
        report=report,
        truths=request.getfixturevalue(f"{name}_truths"),
    )


@pytest.fixture(scope="session")
def report_inputs(case):
    return case.inputs
