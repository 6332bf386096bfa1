"""Record a module's key figures in ``summary.json`` and write artifacts safely.

Every module records its figures under its own key (``"01_icp"``), so a run with
``--only`` merges into an existing summary instead of replacing it. Writes go to
a temporary file that is renamed into place, so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

SUMMARY = "summary.json"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars, dates and NaN into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.to_dict(orient="records"))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NaT or (not isinstance(value, str | int | float | bool | type(None)) and pd.isna(value) is True):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def plain(value: Any, nd: int = 4) -> Any:
    """One figure for ``summary.json``: a number rounded to ``nd`` decimals.

    ``None``, NaN and infinities become ``None``; booleans and values that are not
    numbers (text, lists) are returned unchanged; other numbers become floats.

    Examples
    --------
    >>> plain(0.123456), plain(float("nan")), plain(12.5, 0), plain("n/a")
    (0.1235, None, 12.0, 'n/a')
    """
    if value is None or isinstance(value, bool | np.bool_ | str):
        return value.item() if isinstance(value, np.bool_) else value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return round(number, nd) if math.isfinite(number) else None


class ModuleSkipped(Exception):
    """Raised by :func:`skip_module` to stop a notebook whose inputs are missing.

    The runner counts a notebook stopped this way as skipped, not failed. In
    JupyterLab the reason is shown in one line instead of a traceback.
    """

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a custom display
        return [f"Module skipped: {self}"]


def skip_module(output_dir: str | Path | None, module: str, reason: str) -> None:
    """Record that ``module`` was skipped and why, then stop the notebook.

    Writes ``{"skipped": reason}`` under ``module`` in ``summary.json`` (when
    ``output_dir`` is given), prints the reason and raises :class:`ModuleSkipped`.
    """
    if output_dir is not None:
        record(output_dir, module, {"skipped": reason})
    print(f"Module skipped: {reason}")
    raise ModuleSkipped(reason)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_summary(output_dir: str | Path) -> dict:
    """The run's ``summary.json`` as a dict (empty when it does not exist yet)."""
    path = Path(output_dir) / SUMMARY
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record(output_dir: str | Path, module: str, figures: dict[str, Any]) -> dict:
    """Merge ``figures`` into ``summary.json`` under ``module`` and return the module's entry.

    Parameters
    ----------
    output_dir : path-like
        The run's output folder.
    module : str
        Notebook key, e.g. ``"01_icp"``.
    figures : dict
        Key figures (numbers, short strings, small lists/dicts). Floats are kept
        as they are; round in the notebook where text output must be stable.
    """
    with _summary_lock(output_dir):  # notebooks running at the same time add to one file
        summary = read_summary(output_dir)
        entry = summary.get(module, {})
        entry.update(to_jsonable(figures))
        summary[module] = entry
        atomic_write_text(
            Path(output_dir) / SUMMARY, json.dumps(summary, indent=2, sort_keys=True) + "\n"
        )
    return entry


@contextlib.contextmanager
def _summary_lock(output_dir: str | Path):
    """Hold an exclusive lock on ``output_dir`` (released on exit; none without ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the runner runs one notebook at a time
        yield
        return
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def escape_csv_text(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote.

    Numbers stay numbers; only strings starting with ``= + - @``, tab or CR change.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv_safe(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV with text cells escaped against formula injection."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_csv_text)
    # Quote every text cell: a cell holding CR or LF stays one field for any CSV reader.
    text = out.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return atomic_write_text(path, text)


def write_yaml(data: Any, path: str | Path) -> Path:
    """Write ``data`` as YAML (plain types only, keys in the given order)."""
    text = yaml.safe_dump(to_jsonable(data), sort_keys=False, allow_unicode=True)
    return atomic_write_text(path, text)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML artifact with ``yaml.safe_load``."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
