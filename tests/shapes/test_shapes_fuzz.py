"""Remove each optional column and table of a small generated org: nothing breaks.

For every single removal (fast, no notebook): the data check still passes and every module
that stops running says why in a sentence naming what was removed. Then two runs share the
removals (a seeded split of every optional column into two halves, so each column is absent
from one run): each run exits 0, executes what the readiness contract lets run and records
the rest as skipped with its sentence. Missing tables are covered by the shape runs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
import yaml
from shape_runs import org_copy

from helpers.core import schema
from helpers.data import check_org, load_org
from helpers.data.readiness import assess

SPLIT_SEED = 3


def _base(tmp_path_factory) -> Path:
    return org_copy("canonical", tmp_path_factory.mktemp("fuzz_base"))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return _base(tmp_path_factory)


def optional_inputs(org: Path) -> list[tuple[str, str | None]]:
    """``(table, column)`` for every optional canonical column with values, and
    ``(table, None)`` for every optional table."""
    data = load_org(org)
    out: list[tuple[str, str | None]] = []
    for table, df in data.tables().items():
        if table != "leads":
            out.append((table, None))
        required = set(schema.required_columns(table))
        out += [(table, c) for c in schema.TABLES[table] if c in df.columns and c not in required]
    return out


def remove(org: Path, dest: Path, removals: list[tuple[str, str | None]], data=None) -> Path:
    """A copy of ``org`` without the given tables and columns (files and org.yml edited);
    ``data`` is ``org`` loaded (loaded here when not given)."""
    import shutil

    shutil.copytree(org, dest)
    cfg = yaml.safe_load((dest / "org.yml").read_text(encoding="utf-8"))
    data = data if data is not None else load_org(org)
    for table, column in removals:
        if column is None:
            cfg["files"].pop(table, None)
            for key in ("columns", "values", "date_formats", "hash_columns", "constants", "scales"):
                (cfg.get(key) or {}).pop(table, None)
            continue
        source = data.source_files[table].mapped.get(column, column)
        path = dest / cfg["files"][table]["path"]
        if path.exists():
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            df.drop(columns=[source], errors="ignore").to_csv(path, index=False, lineterminator="\n")
        cols = (cfg.get("columns") or {}).get(table) or {}
        for name in [k for k, v in cols.items() if v == source or k == column]:
            cols.pop(name)
        for key in ("values", "date_formats", "scales", "constants"):
            ((cfg.get(key) or {}).get(table) or {}).pop(column, None)
    (dest / "org.yml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return dest


def _names(table: str, column: str | None) -> tuple[str, ...]:
    """How a sentence may name a removed input (the table, or table.column / the column)."""
    if column is None:
        return (f"no {table} table", f"files.{table}", table)
    return (f"{table}.{column}", column)


def test_every_single_removal_keeps_the_check_ok_and_says_what_stops(base, tmp_path):
    data = load_org(base)
    full = {d.module: d.runs for d in assess(data).modules()}
    assert all(full.values())
    inputs = optional_inputs(base)
    assert len(inputs) > 25  # the canonical org exercises most optional inputs
    for i, (table, column) in enumerate(inputs):
        org = remove(base, tmp_path / f"r{i}", [(table, column)], data)
        report = check_org(org)
        assert report.ok, (table, column, report.error)
        for d in report.readiness.modules():
            if full[d.module] and not d.runs:
                assert any(n in d.reason for n in _names(table, column)) or "outcome" in d.reason, (
                    table, column, d.reason)


@pytest.fixture(scope="module")
def halves(base, tmp_path_factory):
    """Two runs, each without one half of the optional columns (a seeded split)."""
    from helpers import runner

    columns = [(t, c) for t, c in optional_inputs(base) if c is not None]
    random.Random(SPLIT_SEED).shuffle(columns)
    out = []
    for k, part in enumerate((columns[::2], columns[1::2])):
        root = tmp_path_factory.mktemp(f"fuzz_half{k}")
        org = remove(base, root / "org", part)
        result = runner.run_org(org, out=root / "report", echo=lambda _line: None)
        out.append((part, org, result))
    return out


@pytest.mark.notebook
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("half", [0, 1])
def test_each_half_runs_with_the_right_skips(halves, half):
    import json

    part, org, result = halves[half]
    assert result.ok, result.message
    ready = assess(load_org(org))
    summary = json.loads((result.out / "summary.json").read_text(encoding="utf-8"))
    for d in ready.modules():
        entry = summary.get(d.module, {})
        if not d.runs:
            assert entry == {"skipped": d.reason}, (d.module, part)
        elif set(entry) == {"skipped"}:  # the module stopped itself on a finer ground
            assert isinstance(entry["skipped"], str) and entry["skipped"].endswith("."), entry
        else:
            assert len(entry) > 2, (d.module, entry)
    assert len(result.notebooks) == 5
