"""Write an organization folder: the raw files, ``org.yml``, ``truths.yml`` and ``lead_truths``.

:func:`write_org` generates a config and writes everything the loader reads, plus the planted
truths. CSV files are encoded with Arrow, one chunk at a time, in a fixed format (quotes only
where needed, "\\n" line ends, timestamps "YYYY-MM-DD HH:MM:SS"): the same config and seed
always give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from helpers.synth.arrays import _string_series
from helpers.synth.config import SynthConfig, n_sales_reps, yaml_ready
from helpers.synth.generator import generate
from helpers.synth.vocabulary import DAY, LEAD_STATUS, NAT

#: The raw tables of an organization, in the order ``org.yml`` lists them.
TABLES = ("accounts", "leads", "activities", "opportunities", "spend", "plan")

# --------------------------------------------------------------------------- org.yml


def org_yaml(config: SynthConfig, fmt: str = "csv", *, capacity: float | None = None) -> dict:
    """The ``org.yml`` mapping of a generated organization."""
    ext = "csv" if fmt == "csv" else "parquet"
    leak_map = {config.leaky_column: config.leaky_column}
    values: dict[str, dict] = {
        "leads": {"stage": {label: stage for stage, label in LEAD_STATUS.items()}},
        "opportunities": {"outcome": {"Won": "won", "Lost": "lost", "Open": "open"}},
    }
    if config.leaky_kind == "yes_no":
        values["leads"][config.leaky_column] = {"Yes": True, "No": False}
    params: dict[str, Any] = {
        "horizon_days": config.horizon_days,
        "score_after_days": config.score_after_days,
        "sales_reps": n_sales_reps(config),
    }
    if capacity is not None:
        params["leads_per_rep_per_week"] = capacity
    if config.alignment_start is not None:
        params = {"alignment_start": config.alignment_start, **params}
    return {
        "name": config.name,
        "currency": config.currency,
        "timezone": config.timezone,
        "files": {t: {"path": f"{t}.{ext}"} for t in TABLES},
        "columns": {
            "accounts": {"name": "account_name"},
            "leads": {
                "source": "lead_source",
                "stage": "status",
                "owner_id": "owner",
                "person_key": "email",
                "country": "country",
                "company_size_band": "company_size_band",
                **leak_map,
            },
            "activities": {"owner_id": "owner"},
            "opportunities": {"owner_id": "owner"},
        },
        "hash_columns": {"leads": ["person_key"]},
        "values": values,
        "parameters": params,
    }


def _capacity(config: SynthConfig, leads: pd.DataFrame) -> float:
    """MQL capacity per rep and week: ~30% of the last quarter's weekly inquiries."""
    created = leads["created_at"]
    end = created.max()
    recent = int((created > end - pd.Timedelta(days=91)).sum())
    reps = n_sales_reps(config)
    return float(max(1.0, round(0.30 * recent / 13 / reps, 1)))


# --------------------------------------------------------------------------- CSV

_LARGE = pa.large_string()


def _quote(arr: pa.Array) -> pa.Array:
    """CSV-quote the values that hold a comma, a quote or a line break (RFC 4180)."""
    need = pc.match_substring_regex(arr, '[,"\n\r]')
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _csv_text(col: pd.Series) -> pa.Array:
    """One column as CSV cell text (large_string, "" for missing)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = _quote(pc.cast(pa.array(col.cat.categories.astype("str")), pa.string()))
        codes = col.cat.codes.to_numpy()
        arr = cats.take(pa.array(codes, mask=codes < 0))
    elif pd.api.types.is_datetime64_any_dtype(col):
        if col.name in ("month", "period"):
            arr = pa.array(np.datetime_as_string(col.to_numpy().astype("datetime64[D]")))
        else:
            arr = pa.array(_format_ts(col.to_numpy()))
    elif pd.api.types.is_bool_dtype(col):
        arr = pc.if_else(pa.array(col), "True", "False")
    elif pd.api.types.is_numeric_dtype(col):
        arr = pc.cast(pa.array(col, from_pandas=True), pa.string())
    else:
        arr = _quote(pc.cast(pa.array(col, from_pandas=True), pa.string()))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(pc.fill_null(arr, ""), _LARGE)


def write_csv(df: pd.DataFrame, path: str | Path, chunk_rows: int = 1_000_000) -> Path:
    """Write ``df`` as UTF-8 CSV ("\n" line ends, quotes only where needed), fast and deterministic.

    Timestamps are written "YYYY-MM-DD HH:MM:SS", ``month``/``period`` columns as dates,
    missing values as empty cells; rows are encoded with Arrow, one chunk at a time.
    """
    path = Path(path)
    sep, nl, empty = pa.scalar(",", _LARGE), pa.scalar("\n", _LARGE), pa.scalar("", _LARGE)
    with open(path, "wb") as fh:
        fh.write((",".join(df.columns) + "\n").encode("utf-8"))
        for start in range(0, len(df), chunk_rows):
            part = df.iloc[start : start + chunk_rows]
            cols = [_csv_text(part[c]) for c in part.columns]
            rows = pc.binary_join_element_wise(*cols, sep) if len(cols) > 1 else cols[0]
            rows = pc.binary_join_element_wise(rows, empty, nl)
            off = np.frombuffer(
                rows.buffers()[1], dtype=np.int64, count=len(rows) + 1, offset=rows.offset * 8
            )
            fh.write(memoryview(rows.buffers()[2])[off[0] : off[-1]])
    return path



_TWO_DIGITS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _format_ts(values: np.ndarray) -> pd.Series:
    """``datetime64`` -> "YYYY-MM-DD HH:MM:SS" text (missing for NaT), vectorised.

    Builds the ASCII bytes with integer arithmetic (civil-from-days) and hands them to
    Arrow as a string array: about 0.4 s per million timestamps.
    """
    v = np.asarray(values).astype("datetime64[s]").astype(np.int64)
    nat = v == NAT
    v = np.where(nat, 0, v)
    days = np.floor_divide(v, DAY)
    sec = (v - days * DAY).astype(np.int32)
    z = (days + 719468).astype(np.int32)
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    hh, rem = sec // 3600, sec % 3600
    out = np.empty((v.size, 19), dtype=np.uint8)
    out[:, 4] = out[:, 7] = ord("-")
    out[:, 10] = ord(" ")
    out[:, 13] = out[:, 16] = ord(":")
    fields = (
        (0, y // 100), (2, y % 100), (5, m), (8, d), (11, hh), (14, rem // 60), (17, rem % 60)
    )
    for col, val in fields:
        out[:, col : col + 2] = _TWO_DIGITS[val]
    offsets = np.arange(0, (v.size + 1) * 19, 19, dtype=np.int32)
    valid = pa.py_buffer(np.packbits(~nat, bitorder="little"))
    arr = pa.StringArray.from_buffers(
        v.size, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1)), valid, int(nat.sum())
    )
    return _string_series(arr)


# --------------------------------------------------------------------------- Parquet


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as Parquet with plain types: text as strings (no categoricals), timestamps
    as naive local ``timestamp[s]``, no pandas-specific metadata."""
    cols = {}
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cols[c] = pc.cast(pa.array(col), pa.string())
        elif pd.api.types.is_datetime64_any_dtype(col):
            cols[c] = pa.array(col.to_numpy().astype("datetime64[s]"))
        elif pd.api.types.is_string_dtype(col) or col.dtype == object:
            cols[c] = pc.cast(pa.array(col, from_pandas=True), pa.string())
        else:
            cols[c] = pa.array(col.to_numpy(), from_pandas=True)
    import pyarrow.parquet as pq

    pq.write_table(pa.table(cols), Path(path))
    return Path(path)


# --------------------------------------------------------------------------- the folder

_ORG_HEADER = (
    "# Generated by helpers.synth: a synthetic organization (no real people or companies).\n"
)
_TRUTHS_HEADER = (
    "# Planted truths of this synthetic organization (see datasets/sample/README.md).\n"
)


def _yaml_text(data: Any) -> str:
    """``data`` as YAML text: plain types, keys in insertion order."""
    return yaml.safe_dump(yaml_ready(data), sort_keys=False, allow_unicode=True, width=100)


def write_org(config: SynthConfig, out_dir: str | Path, fmt: str = "csv") -> Path:
    """Generate ``config`` and write the organization folder.

    Writes ``accounts``, ``leads``, ``activities``, ``opportunities``, ``spend`` and ``plan``
    (CSV, or Parquet with ``fmt="parquet"``), ``org.yml``, ``truths.yml`` and
    ``lead_truths.csv``. The same config and seed always give byte-identical files.

    Parameters
    ----------
    config : SynthConfig
    out_dir : path-like
        Folder to create or overwrite.
    fmt : {"csv", "parquet"}

    Returns
    -------
    Path
        The organization folder.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}.")
    if hasattr(config, "write_org"):  # a scenario with its own generator (helpers.synth.followup)
        return config.write_org(out_dir, fmt)
    org = generate(config)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext, other = ("csv", "parquet") if fmt == "csv" else ("parquet", "csv")
    for name in [*org.tables, "lead_truths"]:  # a previous run in the other format
        (out / f"{name}.{other}").unlink(missing_ok=True)
    write = write_csv if fmt == "csv" else write_parquet
    for name, df in org.tables.items():
        write(df, out / f"{name}.{ext}")
    capacity = _capacity(config, org.tables["leads"])
    org_cfg = org_yaml(config, fmt, capacity=capacity)
    org.truths["scoring"]["leads_per_rep_per_week"] = capacity
    (out / "org.yml").write_text(_ORG_HEADER + _yaml_text(org_cfg), encoding="utf-8")
    truths = dict(org.truths)
    truths["config"] = config.to_dict()
    (out / "truths.yml").write_text(_TRUTHS_HEADER + _yaml_text(truths), encoding="utf-8")
    write(org.lead_truths, out / f"lead_truths.{ext}")
    return out
