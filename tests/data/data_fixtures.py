"""Helpers of the data tests: fixture orgs, small org folders, and the bad-input contract.

A fatal problem raises ``DataError`` (``check`` exits non-zero); a reported problem is
counted with example lines and only fails with ``strict``. Each message names the file,
the column or org.yml key, and the file's own line numbers (header = line 1); input files
are never modified.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.data import DataError, QualityIssue, check_org, load_org

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = FIXTURES / "basic"


def make_org(tmp_path: Path, config: dict, files: dict[str, str | bytes]) -> Path:
    """Write an org folder: org.yml from ``config`` and the given files."""
    org = tmp_path / "org"
    org.mkdir(exist_ok=True)
    (org / "org.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (org / name).write_bytes(data)
    return org


def leads_only(extra: dict | None = None, **spec) -> dict:
    """An org.yml with only a leads file (``spec``: its file settings)."""
    cfg = {"name": "T", "files": {"leads": {"path": "leads.csv", **spec}}}
    cfg.update(extra or {})
    return cfg


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (to prove inputs are only read)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` by ``new`` in a text file (``old`` must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_config(org: Path, change) -> None:
    """Apply ``change(cfg)`` to the org's parsed org.yml and write it back."""
    cfg = yaml.safe_load((org / "org.yml").read_text(encoding="utf-8"))
    change(cfg)
    (org / "org.yml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")


def fatal(org: Path) -> DataError:
    """Load ``org`` expecting a fatal error; check the input folder is unchanged and the
    check report shows the same message without a traceback."""
    before = snapshot(org)
    with pytest.raises(DataError) as exc:
        load_org(org)
    report = check_org(org)
    assert report.exit_code == 1 and report.error == str(exc.value)
    assert "Traceback" not in report.to_text()
    assert snapshot(org) == before
    return exc.value


def reported(org: Path, kind: str) -> QualityIssue:
    """The one reported problem of ``kind``: exit 0 without strict, 1 with, inputs unchanged."""
    before = snapshot(org)
    report = check_org(org)
    assert report.exit_code == 0 and report.ok
    strict = check_org(org, strict=True)
    assert strict.exit_code == 1
    assert snapshot(org) == before
    (issue,) = [i for i in report.issues if i.kind == kind]
    assert issue.message in report.to_text().replace("\n   ", " ") or issue.kind in report.to_text()
    return issue


def ts(*values) -> pd.Series:
    """Timestamps from text (None -> NaT)."""
    return pd.to_datetime(pd.Series(values, dtype="object"))
