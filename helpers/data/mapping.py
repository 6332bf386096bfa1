"""Which export column feeds each canonical column, and the rows read for one table.

``plan_columns`` resolves ``org.yml`` (``columns``, ``constants``, ``hash_columns``,
``values``/``scales``/``date_formats``, ``where_not_empty``, ``join``) against the files'
headers and reports every reference to a column that does not exist. ``read_rows`` then
reads only the needed columns of each file, joins the extra files on their keys and keeps
the rows ``where_not_empty`` asks for, remembering each row's position in every file so
that messages can quote the file's own line numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.config import FileSpec, OrgConfig
from helpers.data.errors import N_EXAMPLES, DataError, closest, quote, short_list
from helpers.data.sources import Source
from helpers.data.text import norm_id

Fail = Callable[..., None]


@dataclass
class Col:
    """A mapped column under construction: its values and where they came from."""

    target: str
    source: str | None
    src: Source | None
    pos: np.ndarray | None  # data-row positions in ``src``, aligned with the table rows

    def where(self, mask: np.ndarray) -> tuple[str, list[int], str | None]:
        """`` (lines 2, 5)``, the example line numbers and the file of the rows in ``mask``."""
        if self.src is None:
            return "", [], None
        pos = self.pos[np.asarray(mask, dtype=bool)]
        return f" ({self.src.where(pos)})", self.src.lines(pos[:N_EXAMPLES]), self.src.rel

    def label(self, table: str) -> str:
        """How a message names the column: file, export column and canonical name."""
        if self.src is None:
            return f"org.yml constants.{table}.{self.target}"
        return f"{self.src.rel}, column '{self.source}' ({table}.{self.target})"

    def examples(self, values: pd.Series, mask: np.ndarray) -> str:
        """Up to three of the values in ``mask``, quoted, with their line numbers."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))[:3]
        if self.src is None:
            return ", ".join(quote(values.iloc[i]) for i in idx)
        lines = self.src.lines(self.pos[idx])
        return ", ".join(
            f"{quote(values.iloc[i])} at {self.src.unit} {ln}"
            for i, ln in zip(idx, lines, strict=True)
        )


@dataclass
class ColumnPlan:
    """Where each column of one canonical table comes from."""

    table: str
    spec: FileSpec
    sources: list[Source]
    #: source column -> index in ``sources`` of the first file that has it
    owner: dict[str, int]
    #: canonical or feature column -> source column
    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    #: columns kept only as a keyed hash
    hashed: set[str] = field(default_factory=set)
    where_not_empty: list[str] = field(default_factory=list)
    join_keys: list[str] = field(default_factory=list)

    @property
    def main(self) -> Source:
        return self.sources[0]

    def find(self, name: str) -> str | None:
        """The file column called ``name`` (case and spaces ignored when unambiguous)."""
        if name in self.owner:
            return name
        low = [h for h in self.owner if h.strip().casefold() == name.strip().casefold()]
        return low[0] if len(low) == 1 else None


def plan_columns(
    config: OrgConfig, table: str, sources: list[Source], fail: Fail
) -> ColumnPlan | None:
    """Resolve ``org.yml`` against the files' headers (None when a reference is wrong).

    Every wrong reference is reported through ``fail`` (not only the first).
    """
    owner: dict[str, int] = {}
    for i, s in enumerate(sources):
        for h in s.header:
            owner.setdefault(h, i)
    plan = ColumnPlan(
        table=table,
        spec=config.files[table],
        sources=sources,
        owner=owner,
        constants=config.constants.get(table, {}),
        hashed=set(config.hash_columns.get(table, [])),
    )
    ok = _map_named_columns(plan, config, fail)
    _map_canonical_names(plan)
    ok &= _map_hashed_columns(plan, fail)
    ok &= _check_column_settings(plan, config, fail)
    ok &= _resolve_where_not_empty(plan, fail)
    ok &= _check_join_keys(plan, fail)
    return plan if ok else None


def _map_named_columns(plan: ColumnPlan, config: OrgConfig, fail: Fail) -> bool:
    ok = True
    table = plan.table
    for target, source in config.columns.get(table, {}).items():
        found = plan.find(source)
        if found is None:
            ok = False
            files = " / ".join(s.rel for s in plan.sources)
            fail(
                f"{files}: column '{source}' (columns.{table}.{target} in org.yml) is not in the "
                f"file.{closest(source, list(plan.owner))} The file has: "
                f"{short_list(list(plan.owner))}.",
                file=plan.main.rel,
                column=source,
                lines=[1],
                key=f"columns.{table}.{target}",
            )
        else:
            plan.mapping[target] = found
    return ok


def _map_canonical_names(plan: ColumnPlan) -> None:
    """A file column named like a canonical column maps to it unless something else does."""
    mapped_sources = set(plan.mapping.values())
    for c in schema.TABLES[plan.table]:
        if (
            c not in plan.mapping
            and c not in plan.constants
            and c in plan.owner
            and c not in mapped_sources
        ):
            plan.mapping[c] = c


def _map_hashed_columns(plan: ColumnPlan, fail: Fail) -> bool:
    ok = True
    table = plan.table
    for h in sorted(plan.hashed):
        if h in plan.mapping or h in plan.constants:
            continue
        found = plan.find(h)
        if found is None:
            ok = False
            fail(
                f"org.yml: hash_columns.{table} names '{h}', which is neither a mapped column "
                f"of {table} nor a column of {plan.main.rel}."
                f"{closest(h, list(plan.mapping) + list(plan.owner))}",
                file=plan.main.rel,
                column=h,
                key=f"hash_columns.{table}",
            )
        else:
            plan.mapping[h] = found
    return ok


def _check_column_settings(plan: ColumnPlan, config: OrgConfig, fail: Fail) -> bool:
    """``values``, ``scales`` and ``date_formats`` only name mapped columns."""
    ok = True
    table = plan.table
    for field_name in ("values", "scales", "date_formats"):
        for col in getattr(config, field_name).get(table, {}):
            if col not in plan.mapping and col not in plan.constants:
                ok = False
                mapped = short_list(sorted(plan.mapping) + sorted(plan.constants))
                fail(
                    f"org.yml: {field_name}.{table}.{col} refers to no column of {table} (mapped "
                    f"columns: {mapped}).{closest(col, list(plan.mapping))}",
                    key=f"{field_name}.{table}.{col}",
                )
    return ok


def _resolve_where_not_empty(plan: ColumnPlan, fail: Fail) -> bool:
    ok = True
    table = plan.table
    for col in plan.spec.where_not_empty:
        found = plan.find(col)
        if found is None:
            ok = False
            fail(
                f"{plan.main.rel}: column '{col}' (files.{table}.where_not_empty in org.yml) "
                f"is not in the file.{closest(col, list(plan.owner))}",
                file=plan.main.rel,
                column=col,
                lines=[1],
                key=f"files.{table}.where_not_empty",
            )
        else:
            plan.where_not_empty.append(found)
    return ok


def _check_join_keys(plan: ColumnPlan, fail: Fail) -> bool:
    """Each joined file has its key, and so does the main file (or a file joined before)."""
    ok = True
    table, sources, main = plan.table, plan.sources, plan.main
    for i, j in enumerate(plan.spec.join, start=1):
        key = f"files.{table}.join[{i - 1}].on"
        if j.on not in sources[i].header:
            ok = False
            fail(
                f"{sources[i].rel}: join key '{j.on}' ({key}) is not in "
                f"the file.{closest(j.on, sources[i].header)}",
                file=sources[i].rel,
                column=j.on,
                lines=[1],
                key=key,
            )
        elif plan.owner.get(j.on, i) >= i:
            ok = False
            fail(
                f"{main.rel}: join key '{j.on}' ({key}) must also be a "
                f"column of {main.rel} (or of a file joined before it).",
                file=main.rel,
                column=j.on,
                lines=[1],
                key=key,
            )
        plan.join_keys.append(j.on)
    return ok


# --------------------------------------------------------------------------- reading the rows


def read_rows(
    plan: ColumnPlan, clean: Callable[[pd.Series], pd.Series]
) -> tuple[pd.DataFrame, int]:
    """The needed columns of every file, joined, filtered by ``where_not_empty``.

    Column ``_p{i}`` holds each row's position in ``plan.sources[i]`` (-1 where a joined
    file has no matching row). Returns the rows and the number of rows read from the main
    file. ``clean`` turns cells into text with missing values as NA.

    Raises
    ------
    DataError
        A file cannot be read, a join key repeats, or no row is left.
    """
    per_file = _columns_per_file(plan)
    main = plan.main
    frame = main.read(sorted(per_file[0], key=main.header.index))
    rows_read = len(frame)
    frame["_p0"] = np.arange(len(frame), dtype="int64")
    for i, (src, j) in enumerate(zip(plan.sources[1:], plan.spec.join, strict=True), start=1):
        other = src.read(sorted(per_file[i], key=src.header.index))
        frame = _join(plan, frame, other, i, j.on, clean)
    for col in plan.where_not_empty:
        frame = frame[clean(frame[col]).notna()]
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        raise DataError(
            f"{main.rel}: no row is left after files.{plan.table}.where_not_empty "
            f"({', '.join(plan.spec.where_not_empty)}); check those column names and values.",
            file=main.rel,
            key=f"files.{plan.table}.where_not_empty",
        )
    return frame, rows_read


def _columns_per_file(plan: ColumnPlan) -> list[list[str]]:
    """Only the columns each file must give (join keys included; at least one per file)."""
    needed = set(plan.mapping.values()) | set(plan.where_not_empty) | set(plan.join_keys)
    per_file: list[list[str]] = [[] for _ in plan.sources]
    for col in needed:
        per_file[plan.owner[col]].append(col)
    for i, j in enumerate(plan.spec.join, start=1):
        if j.on not in per_file[i]:
            per_file[i].append(j.on)
    if not per_file[0]:
        per_file[0].append(plan.main.header[0])
    return per_file


def _join(
    plan: ColumnPlan,
    frame: pd.DataFrame,
    other: pd.DataFrame,
    i: int,
    on: str,
    clean: Callable[[pd.Series], pd.Series],
) -> pd.DataFrame:
    """Left-join file ``i`` on ``on`` (ids compared as text); its key must not repeat."""
    src = plan.sources[i]
    other[f"_p{i}"] = np.arange(len(other), dtype="int64")
    rkey = norm_id(clean(other[on]))
    dup = rkey.notna() & rkey.duplicated(keep=False)
    if dup.any():
        pos = other.loc[dup, f"_p{i}"].to_numpy()
        raise DataError(
            f"{src.rel}, column '{on}': the join key repeats ({src.where(pos)}), so each "
            f"row of {plan.main.rel} would match several rows. Remove the duplicates, or join on a "
            f"unique column (files.{plan.table}.join[{i - 1}].on).",
            file=src.rel,
            column=on,
            lines=src.lines(pos[:N_EXAMPLES]),
            key=f"files.{plan.table}.join[{i - 1}].on",
        )
    other = other.drop(columns=[on])
    other["__k"] = rkey
    other = other[rkey.notna()]
    left = frame.assign(__k=norm_id(clean(frame[on])))
    frame = left.merge(other, how="left", on="__k", sort=False).drop(columns="__k")
    frame[f"_p{i}"] = frame[f"_p{i}"].fillna(-1).astype("int64")
    return frame
