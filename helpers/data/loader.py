"""Read an organization's export files, map them onto the canonical tables, validate them.

``load_org(org_dir)`` is the one way data enters the curriculum::

    raw files (CSV, .csv.gz, Parquet, Excel) + org.yml
        -> read (declared encoding, delimiter, sheet; only the columns the mapping needs)
        -> map columns, values, constants, scales, date formats, time zone
        -> drop or hash personal data, redact emails / phone numbers in free text
        -> validate: fatal problems raise ``DataError``; quality problems are reported
        -> OrgData(accounts, leads, activities, opportunities, spend, plan, issues)

Every message names the file, the column and the file's own line numbers (the header is
line 1, so the first data row is line 2; Excel sheets give sheet rows, Parquet files give
row numbers) and says what to do. Input files are only ever read.

The steps live in their own modules: :mod:`~helpers.data.sources` and
:mod:`~helpers.data.csv_files` (reading), :mod:`~helpers.data.mapping` (which column feeds
which), :mod:`~helpers.data.convert` and :mod:`~helpers.data.dates` (typing),
:mod:`~helpers.data.privacy` (personal data), :mod:`~helpers.data.validation` (checks).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import paths, schema
from helpers.core.config import ORG_FILE, ConfigError, OrgConfig, load_org_config
from helpers.core.export_sample import DEFAULT_NA_VALUES  # also what init leaves out
from helpers.data import shapes
from helpers.data.convert import ColumnConverter, looks_boolean, spec_kind
from helpers.data.errors import DataError, OrgConfigError, combined_error
from helpers.data.mapping import Col, ColumnPlan, plan_columns, read_rows
from helpers.data.privacy import personal_reason, scan_pii, secret_key
from helpers.data.results import OrgData, PiiFinding, QualityIssue, SourceFile
from helpers.data.sources import Source
from helpers.data.text import clean_text, obj_text
from helpers.data.validation import QualityChecks, validate_table


def load_org(org_dir: str | os.PathLike, *, strict: bool = False) -> OrgData:
    """Read, map and validate an organization's data.

    Parameters
    ----------
    org_dir : path-like
        Folder with ``org.yml`` and the export files it names (relative paths resolve
        against the repository root when they do not exist from the working directory).
    strict : bool
        Make reported quality problems fatal too.

    Returns
    -------
    OrgData
        The canonical tables, reported issues and where every column came from.

    Raises
    ------
    DataError
        A fatal problem (missing file or column, unparsable value, duplicate id, bad
        ``org.yml``...): the message names file, column, line numbers and what to do.
    """
    org = paths.resolve(org_dir)
    if not org.is_dir():
        raise DataError(f"{org}: organization folder not found.", file=str(org))
    try:
        user_config = load_org_config(org)
    except ConfigError as exc:
        raise OrgConfigError(str(exc), file=str(org / ORG_FILE)) from None
    config = shapes.expand_config(user_config)  # e.g. leads read from the opportunities' file
    loader = _Loader(config, org)
    loader.check_config_tables()
    if not loader.errors:
        for table in shapes.load_order(config):
            loader.load_table(table)
    if loader.errors:
        raise combined_error(loader.errors)
    shapes.link_opportunities(config, loader.tables, loader.cols, loader.source_rows)
    loader.issues = QualityChecks(
        loader.tables,
        loader.cols,
        loader.main_src,
        loader.source_rows,
        loader.date_only,
        config.parameters,
        leads_are_deals=shapes.leads_from(config) is not None,
    ).run()
    data = OrgData(
        config=user_config,
        org_dir=org,
        issues=loader.issues,
        source_files=loader.source_files,
        date_only=loader.date_only,
        pii=loader.pii,
        source_rows=loader.source_rows,
        **loader.tables,
    )
    if strict and data.issues:
        text = "\n".join(f"- {i.message}" for i in data.issues)
        first = data.issues[0]
        raise DataError(
            f"{len(data.issues)} data quality problem(s) (fatal because of --strict):\n{text}",
            file=first.file,
            column=first.column,
            lines=first.lines,
        )
    return data


class _Loader:
    """The state of one load: tables so far, where their columns came from, what went wrong.

    ``load_table`` runs the steps for one table: open its files, plan its columns, read
    and join the rows, type each column, check the table, scan it for personal data.
    """

    def __init__(self, config: OrgConfig, org_dir: Path) -> None:
        self.config = config
        self.org_dir = org_dir
        self.errors: list[DataError] = []
        self.issues: list[QualityIssue] = []
        self.pii: list[PiiFinding] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.cols: dict[str, dict[str, Col]] = {}
        self.main_src: dict[str, Source] = {}
        self.source_rows: dict[str, np.ndarray] = {}
        self.source_files: dict[str, SourceFile] = {}
        self.date_only: dict[str, list[str]] = {}
        self._key: bytes | None = None
        na = set(DEFAULT_NA_VALUES) | set(config.na_values)
        self.na_tokens = sorted(na - {""})

    def fail(self, message: str, **kw: Any) -> None:
        self.errors.append(DataError(message, **kw))

    def hash_key(self) -> bytes:
        """The organization's secret key (read or created on first use)."""
        if self._key is None:
            self._key = secret_key(self.config.name)
        return self._key

    def clean(self, s: pd.Series) -> pd.Series:
        """Text with surrounding spaces removed and NA tokens / empty cells as missing."""
        return clean_text(s, self.na_tokens)

    def check_config_tables(self) -> None:
        """``org.yml`` settings that name a table without a file, or a column twice."""
        cfg = self.config
        for field_name in (
            "columns",
            "hash_columns",
            "values",
            "constants",
            "scales",
            "date_formats",
        ):
            for table in getattr(cfg, field_name):
                if table not in cfg.files:
                    self.fail(
                        f"org.yml: {field_name}.{table} is set but files.{table} is not: add "
                        f"files.{table}.path or remove {field_name}.{table}.",
                        key=f"{field_name}.{table}",
                    )
        for table, cols in cfg.constants.items():
            for col in cols:
                if col in cfg.columns.get(table, {}):
                    self.fail(
                        f"org.yml: {table}.{col} is set both under columns and under "
                        "constants; keep one.",
                        key=f"constants.{table}.{col}",
                    )

    # ---- one table
    def load_table(self, table: str) -> None:
        """Load one canonical table (problems are collected in ``errors``)."""
        sources = self._open_sources(table)
        if sources is None:
            return
        main = sources[0]
        self.main_src[table] = main
        info = SourceFile(
            table=table,
            path=main.rel,
            format=main.fmt,
            columns_in_file=list(main.header),
            joins=[s.rel for s in sources[1:]],
            notes=[n for s in sources for n in s.notes],
        )
        self.source_files[table] = info
        plan = plan_columns(self.config, table, sources, self.fail)
        if plan is None:
            return
        try:
            frame, info.rows_read = read_rows(plan, self.clean)
        except DataError as exc:
            self.errors.append(exc)
            return
        info.rows_kept = len(frame)
        df = self._typed_table(plan, frame, info)
        if df is None:
            return
        self.source_rows[table] = frame["_p0"].to_numpy()
        validate_table(table, df, self.cols[table], main, self.config, self.fail)
        self.pii += scan_pii(table, df, self.cols[table], info.hashed)
        self.tables[table] = df

    def _open_sources(self, table: str) -> list[Source] | None:
        """The table's main file and joined files, headers read (None on a fatal problem)."""
        spec = self.config.files[table]
        try:
            sources = [Source(self.org_dir, table, spec, f"files.{table}")]
            sources += [
                Source(self.org_dir, table, j, f"files.{table}.join[{i}]")
                for i, j in enumerate(spec.join)
            ]
            for s in sources:
                s.read_header()
        except DataError as exc:
            self.errors.append(exc)
            return None
        return sources

    def _typed_table(
        self, plan: ColumnPlan, frame: pd.DataFrame, info: SourceFile
    ) -> pd.DataFrame | None:
        """The canonical table: typed mapped columns then constants (None on a problem)."""
        table = plan.table
        canon = schema.TABLES[table]
        conv = ColumnConverter(
            self.config,
            table,
            plan.spec,
            self.na_tokens,
            self.errors,
            self.date_only,
            self.hash_key,
        )
        n_err = len(self.errors)
        out: dict[str, pd.Series] = {}
        colinfo: dict[str, Col] = {}
        self._mapped_columns(plan, frame, conv, info, out, colinfo)
        self._constant_columns(plan, len(frame), conv, info, out, colinfo)
        opps = self.tables.get("opportunities")
        shapes.derived_columns(
            plan,
            frame["_p0"].to_numpy(),
            out,
            colinfo,
            (opps, self.cols["opportunities"], self.source_rows["opportunities"])
            if opps is not None
            else None,
            self.date_only,
        )
        if len(self.errors) > n_err:
            return None
        order = [c for c in canon if c in out] + [c for c in out if c not in canon]
        df = pd.DataFrame({c: out[c] for c in order}, index=pd.RangeIndex(len(frame)))
        info.hashed = sorted(c for c in df.columns if c in plan.hashed or c == "owner_id")
        info.features = [c for c in df.columns if c not in canon]
        self.cols[table] = colinfo
        return df

    def _mapped_columns(
        self,
        plan: ColumnPlan,
        frame: pd.DataFrame,
        conv: ColumnConverter,
        info: SourceFile,
        out: dict[str, pd.Series],
        colinfo: dict[str, Col],
    ) -> None:
        """Type each mapped column; drop extra columns that look personal, hash email keys."""
        table, hashed = plan.table, plan.hashed
        canon = schema.TABLES[table]
        for target, source in plan.mapping.items():
            i = plan.owner[source]
            c = Col(target, source, plan.sources[i], frame[f"_p{i}"].to_numpy())
            if target not in canon and target not in hashed:
                reason = personal_reason(target, source)
                if reason is not None and not looks_boolean(self.clean(frame[source]), self.config):
                    # "Do Not Email: Yes/No" is an opt-out flag, not an address: it is kept
                    info.dropped_personal[target] = source
                    continue
            if (
                spec_kind(table, target) == "id"
                and target not in hashed
                and personal_reason(source)
            ):
                hashed.add(target)  # an email (or name) used as a key: kept only as a keyed hash
            series = conv.convert(c, frame[source], hashed=target in hashed or target == "owner_id")
            if series is not None:
                out[target] = series
                colinfo[target] = c
                info.mapped[target] = source

    def _constant_columns(
        self,
        plan: ColumnPlan,
        n: int,
        conv: ColumnConverter,
        info: SourceFile,
        out: dict[str, pd.Series],
        colinfo: dict[str, Col],
    ) -> None:
        """Type each ``org.yml: constants`` value as a column of ``n`` rows."""
        hashed = plan.hashed
        for target, value in plan.constants.items():
            c = Col(target, None, None, None)
            raw = pd.Series([None if value is None else obj_text(value)] * n, dtype="str")
            series = conv.convert(c, raw, hashed=target in hashed or target == "owner_id")
            if series is not None:
                out[target] = series
                colinfo[target] = c
                info.constants.append(target)
