"""Per-lead derivations stored with the validated tables: computed once, reused while fresh.

Several modules need the same per-lead facts: the funnel journeys with their touches
(notebook 02, the meeting kit), the stage times of the revenue model and the sales work
behind its levers (notebook 03, the meeting kit). :func:`derive_tables` - what the runner
calls right after load + validate - computes them once and writes them beside the tables
(``tables/derived_<name>.parquet``), listed in ``manifest.json`` under ``derived`` with the
parameters they were computed with and the input hashes of the tables they came from.

A consumer asks :func:`read_derived` for a table with its own parameters: it gets the
stored frame only when the parameters match, the tables are the ones it was derived from
and the derivation code has not changed; otherwise ``None``, and it computes the table
itself (a notebook run by hand works and says the same thing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core import schema
from helpers.data.tables import MANIFEST, TABLES_DIR, read_manifest, read_tables

#: Bumped whenever a derivation's code changes what it stores: older stored tables are stale.
DERIVED_VERSION = 1
DERIVED_KEY = "derived"
PREFIX = "derived_"
_INDEX = "__index__"


def _folder(out_dir: str | os.PathLike) -> Path:
    return Path(out_dir) / TABLES_DIR


def _normal(params: dict | None) -> dict:
    """Parameters as JSON sees them (so a stored key compares equal to a fresh one)."""
    return json.loads(json.dumps(params or {}, default=str, sort_keys=True))


def _with_index_column(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its index as a column (Parquet gives a text index back with another
    dtype; as a column it comes back as it was)."""
    if isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1:
        return df
    out = df.reset_index(drop=True)
    out.insert(0, _INDEX, df.index.to_numpy() if df.index.dtype == object else df.index.array)
    out.attrs[_INDEX] = df.index.name
    return out


def _index_from_column(df: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`_with_index_column`."""
    if _INDEX not in df.columns:
        return df
    name = df.attrs.pop(_INDEX, None)
    out = df.set_index(_INDEX)
    out.index.name = name
    return out


def write_derived(
    out_dir: str | os.PathLike,
    name: str,
    frames: dict[str, pd.DataFrame],
    *,
    params: dict | None = None,
    meta: dict | None = None,
) -> list[Path]:
    """Store the frames of one derivation and list them in the tables' manifest.

    Parameters
    ----------
    out_dir : path-like
        The run folder holding ``tables/manifest.json`` (written by ``write_tables``).
    name : str
        The derivation, e.g. ``"journeys"``.
    frames : dict
        Part -> DataFrame (``"table"`` for the main one); each is written as
        ``derived_<name>[_<part>].parquet`` with its index.
    params : dict, optional
        The parameters it was computed with (a consumer with others recomputes).
    meta : dict, optional
        JSON-able facts that go with the frames (e.g. the export date).

    Returns
    -------
    list of Path
        The files written.
    """
    from helpers.core.report import atomic_write_text

    manifest = read_manifest(out_dir)
    if manifest is None:
        raise ValueError(f"{_folder(out_dir) / MANIFEST}: no validated tables to derive from.")
    folder = _folder(out_dir)
    files, written = {}, []
    for part, df in frames.items():
        stem = PREFIX + name + ("" if part == "table" else f"_{part}")
        target, tmp = folder / f"{stem}.parquet", folder / f".{stem}.parquet.tmp"
        _with_index_column(df).to_parquet(tmp, compression="lz4")
        os.replace(tmp, target)
        files[part] = target.name
        written.append(target)
    entry = {
        "version": DERIVED_VERSION,
        "inputs": manifest.get("inputs"),
        "loader_version": manifest.get("loader_version"),
        "params": _normal(params),
        "files": files,
        "rows": len(frames["table"]) if "table" in frames else None,
        "meta": _normal(meta),
    }
    current = read_manifest(out_dir) or manifest  # re-read: keep other derivations listed
    current.setdefault(DERIVED_KEY, {})[name] = entry
    atomic_write_text(folder / MANIFEST, json.dumps(current, indent=2, default=str) + "\n")
    return written


def derived_entry(
    out_dir: str | os.PathLike | None, name: str, params: dict | None = None
) -> dict | None:
    """The manifest entry of a stored derivation when it is fresh and ``params`` match."""
    if out_dir is None:
        return None
    manifest = read_manifest(out_dir)
    if manifest is None:
        return None
    entry = manifest.get(DERIVED_KEY, {}).get(name)
    if not isinstance(entry, dict) or entry.get("version") != DERIVED_VERSION:
        return None
    if entry.get("inputs") != manifest.get("inputs"):
        return None  # derived from other inputs than the tables now stored
    if entry.get("loader_version") != manifest.get("loader_version"):
        return None
    if entry.get("params") != _normal(params):
        return None
    folder = _folder(out_dir)
    if not all((folder / f).is_file() for f in entry.get("files", {}).values()):
        return None
    return entry


def _tables_as_stored(source: Any, out_dir: Any) -> bool:
    """False when ``source`` is an OrgData whose tables were changed after reading (a table
    replaced, filtered or removed by hand): what was derived from the stored tables is then
    not about these tables. A table still unread is as stored; a read one must have the
    stored row count."""
    if source is None or isinstance(source, str | os.PathLike):
        return True
    stored = (read_manifest(out_dir) or {}).get("tables", {})
    pending = getattr(source, "pending", {})
    for t in schema.TABLES:
        if t in pending:
            continue
        df = getattr(source, t, None)
        rows = 0 if df is None else len(df)
        if rows != int(stored.get(t, {}).get("rows", 0)):
            return False
    return True


def read_derived(
    source: Any, name: str, params: dict | None = None
) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """The stored frames and facts of a derivation, or None when absent, stale or other params.

    Parameters
    ----------
    source : OrgData, path-like or None
        Tables read by ``read_tables`` / ``load_for_notebook`` (their ``tables_from``
        says where they came from), or the run folder itself. Anything else (a load
        without stored tables, a test's stand-in) gives None.
    name, params
        As given to :func:`write_derived`.
    """
    out_dir = (
        source if isinstance(source, str | os.PathLike) else getattr(source, "tables_from", None)
    )
    entry = derived_entry(out_dir, name, params)
    if entry is None or not _tables_as_stored(source, out_dir):
        return None
    folder = _folder(out_dir)
    try:
        frames = {
            part: _index_from_column(pd.read_parquet(folder / f))
            for part, f in entry["files"].items()
        }
    except (OSError, ValueError):
        return None
    return frames, dict(entry.get("meta") or {})


def derive_tables(
    out_dir: str | os.PathLike, params: dict | None = None, data: Any = None
) -> dict[str, int]:
    """Compute the per-lead derivations several modules share and store them with the tables.

    What the runner calls right after load + validate (``write_tables``). Each derivation
    the export cannot feed is left out (its consumer then says why, as before).

    Parameters
    ----------
    out_dir : path-like
        The run folder whose ``tables/`` hold the validated tables.
    params : dict, optional
        Notebook 02's parameters as the run injects them; ``target_stage`` (default
        ``"auto"``) sets the conversion the journeys' touches count up to.
    data : OrgData, optional
        The tables just written by ``write_tables`` when still in memory (default: read
        from ``out_dir``).

    Returns
    -------
    dict
        Derivation name -> rows stored. A derivation that fails for any other reason is
        left out too: the notebooks then compute it themselves (and show any error there).
    """
    from helpers.funnel.org import store_journeys
    from helpers.revenue.funnel_model import store_revenue_tables

    data = read_tables(out_dir) if data is None else data
    target = (params or {}).get("target_stage", "auto")
    steps = (
        lambda: store_journeys(data, out_dir, target=None if target == "auto" else target),
        lambda: store_revenue_tables(data, out_dir),
    )
    stored = {}
    for step in steps:
        try:
            stored.update(step())
        except Exception:  # noqa: BLE001 - never fails a run: the consumer computes it itself
            continue
    return stored
