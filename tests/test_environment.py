"""The pinned environment is consistent: pyproject, requirements.lock and environment.yml agree."""

from __future__ import annotations

import re
import sys
import tomllib

import yaml
from packaging.requirements import Requirement

from helpers.core import paths

LOCK = paths.REPO_ROOT / "requirements.lock"


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert m, f"requirements.lock line is not an exact pin: {line!r}"
        pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def _pyproject() -> dict:
    return tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())


def test_every_dependency_is_pinned_in_the_lock():
    pins = _lock()
    project = _pyproject()["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["dev"]
    for dep in deps:
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency but not pinned in requirements.lock"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} violates {dep}"


def test_fixed_packages_are_in_the_lock():
    pins = _lock()
    for name in ["jupyterlab", "pandas", "matplotlib", "seaborn", "scikit-learn", "papermill", "nbval"]:
        assert name in pins


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((paths.REPO_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-r requirements.lock" in pip_section
    # environment.yml must not pin anything on its own that could disagree with the lock
    conda_pkgs = [d for d in deps if isinstance(d, str)]
    assert set(conda_pkgs) <= {"python=3.11", "pip"}, conda_pkgs


def test_installed_versions_match_the_lock():
    from importlib.metadata import PackageNotFoundError, version

    pins = _lock()
    for name in ["pandas", "numpy", "scikit-learn", "matplotlib", "seaborn", "papermill", "nbval"]:
        try:
            assert version(name) == pins[name], f"{name} installed {version(name)} != lock {pins[name]}"
        except PackageNotFoundError:  # pragma: no cover - the venv always has them
            raise AssertionError(f"{name} is not installed") from None


def test_python_version_matches_environment():
    assert sys.version_info[:2] == (3, 11)
