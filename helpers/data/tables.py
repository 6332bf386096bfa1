"""The validated tables on disk: Parquet beside a run's report, with a manifest.

``write_tables`` keeps the tables of a load in ``<output_dir>/tables/`` with a manifest
holding the SHA-256 of ``org.yml`` and of every input file; ``load_for_notebook`` reuses
them only while those hashes match, so every notebook of a run reads the same checked data
without validating it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import paths
from helpers.core.config import ORG_FILE, ConfigError, OrgConfig, load_org_config
from helpers.data.errors import DataError
from helpers.data.loader import load_org
from helpers.data.results import UNREAD, OrgData, PiiFinding, QualityIssue, SourceFile

#: Bumped whenever the canonical tables written by ``write_tables`` change shape.
LOADER_VERSION = 1
TABLES_DIR = "tables"
MANIFEST = "manifest.json"
_SOURCE_ROW = "_source_row"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(org_dir: str | os.PathLike, config: OrgConfig | None = None) -> list[str]:
    """The org's input files named in org.yml (relative paths, main files and joins)."""
    org = paths.resolve(org_dir)
    from helpers.data.shapes import expand_config

    config = expand_config(config or load_org_config(org))
    rel = []
    for spec in config.files.values():
        for p in [spec.path, *[j.path for j in spec.join]]:
            if p is not None and p not in rel:
                rel.append(p)
    return rel


def input_hashes(org_dir: str | os.PathLike, config: OrgConfig | None = None) -> dict[str, str]:
    """SHA-256 of org.yml and of each input file (the manifest's fingerprint)."""
    org = paths.resolve(org_dir)
    config = config or load_org_config(org)
    out = {ORG_FILE: _sha256(org / ORG_FILE)}
    for rel in input_files(org, config):
        p = paths.safe_join(org, rel, what="input path")
        out[rel] = _sha256(p) if p.is_file() else "missing"
    return out


def write_tables(data: OrgData, out_dir: str | os.PathLike) -> Path:
    """Write the validated tables to ``out_dir/tables/*.parquet`` with ``manifest.json``.

    The manifest holds the SHA-256 of org.yml and of every input file, the issues, the
    date-only columns and where each table came from; ``load_for_notebook`` reuses the
    tables only while those hashes match. Returns the tables folder.
    """
    from helpers.core.report import atomic_write_text

    folder = Path(out_dir) / TABLES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    manifest_path.unlink(
        missing_ok=True
    )  # never leave a manifest that matches new files half-written
    tables = {}
    for t, df in data.tables().items():
        out = df.copy()
        if t in data.source_rows:
            out[_SOURCE_ROW] = data.source_rows[t]
        target = folder / f"{t}.parquet"
        tmp = folder / f".{t}.parquet.tmp"
        # LZ4 decompresses faster than the default Snappy: every notebook reads these files.
        out.to_parquet(tmp, index=False, compression="lz4")
        os.replace(tmp, target)
        tables[t] = {"file": target.name, "rows": len(df)}
    for stale in folder.glob("*.parquet"):
        if stale.stem not in tables:
            stale.unlink()
    manifest = {
        "loader_version": LOADER_VERSION,
        "org_dir": paths.portable(data.org_dir),  # no machine path in a report
        "name": data.name,
        "inputs": input_hashes(data.org_dir, data.config),
        "config": data.config.model_dump(mode="json"),
        "tables": tables,
        "date_only": data.date_only,
        "issues": [i.to_dict() for i in data.issues],
        "pii": [p.to_dict() for p in data.pii],
        "source_files": {t: s.to_dict() for t, s in data.source_files.items()},
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, default=str) + "\n")
    return folder


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The tables' manifest of a run folder, or None."""
    path = Path(out_dir) / TABLES_DIR / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_tables(out_dir: str | os.PathLike) -> OrgData:
    """Validated tables written by ``write_tables`` (no validation is repeated).

    Each table is read from its Parquet file on first use (a notebook that never looks
    at the activities does not read them); ``tables_from`` keeps the run folder, where
    the derived tables (:mod:`helpers.data.derived`) are looked up.
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise DataError(
            f"{Path(out_dir) / TABLES_DIR / MANIFEST}: no validated tables here; run the data "
            "check first."
        )
    config = OrgConfig.model_validate(manifest["config"])
    folder = Path(out_dir) / TABLES_DIR
    pending = {
        t: (partial(_read_table, folder / meta["file"]), meta.get("rows", 0))
        for t, meta in manifest["tables"].items()
    }
    return OrgData(
        config=config,
        org_dir=Path(manifest["org_dir"]),
        issues=[QualityIssue(**i) for i in manifest["issues"]],
        source_files={t: SourceFile(**s) for t, s in manifest["source_files"].items()},
        date_only={t: list(v) for t, v in manifest["date_only"].items()},
        pii=[PiiFinding(**p) for p in manifest["pii"]],
        tables_from=Path(out_dir),
        pending=pending,
        **{t: UNREAD for t in pending},
    )


def _read_table(path: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """One validated table and its source-row positions (None when not stored)."""
    df = pd.read_parquet(path)
    rows = df.pop(_SOURCE_ROW).to_numpy() if _SOURCE_ROW in df.columns else None
    return df, rows


def tables_match(org_dir: str | os.PathLike, out_dir: str | os.PathLike) -> bool:
    """True when ``out_dir`` holds validated tables of the current org.yml and inputs."""
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get("loader_version") != LOADER_VERSION:
        return False
    org = paths.resolve(org_dir)
    if manifest.get("org_dir") != paths.portable(org):
        return False
    try:
        return manifest.get("inputs") == input_hashes(org)
    except (ConfigError, paths.PathEscapeError, OSError):
        return False


def load_for_notebook(org_dir: str | os.PathLike, output_dir: str | os.PathLike) -> OrgData:
    """The org's validated tables for a notebook.

    Reuses ``output_dir/tables/`` when its manifest matches the current org.yml and input
    files (as written by the runner), otherwise loads and validates the data and writes
    the tables there for the next notebook.
    """
    org = paths.resolve(org_dir)
    out = paths.resolve(output_dir)
    if tables_match(org, out):
        return read_tables(out)
    data = load_org(org)
    write_tables(data, out)
    return data
