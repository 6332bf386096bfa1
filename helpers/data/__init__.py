"""Read an organization's export, map and validate it, protect personal data.

``load_org`` returns the canonical tables (``OrgData``); ``check_org`` describes a load for
``alignment-edge check``; ``write_tables`` / ``read_tables`` / ``load_for_notebook`` keep the
validated tables beside a run's report. ``datacheck`` holds the figures of the data-check
notebook and ``plots`` its charts. ``isin_values``, ``text_equals`` and ``positions_in`` are
fast look-ups on long text columns. ``readiness`` (with the ``contracts`` of every notebook)
says which modules and sections can run on the data; ``check``, the data-check notebook and
the runner all use it.

The load, step by step: ``sources`` and ``csv_files`` (reading), ``mapping`` (which export
column feeds each canonical column), ``convert`` and ``dates`` (typing), ``privacy``
(personal data), ``validation`` (fatal and reported checks), ``loader`` (the steps in
order), ``shapes`` (leads read from the opportunity export, row-number ids), ``results``
(what a load returns), ``tables`` (the validated tables on disk, each read on first use),
``derived`` (per-lead derivations several modules share, stored beside them:
``derive_tables`` is what the runner calls after the load),
``check`` (the check report), ``errors`` (``DataError`` and message wording).
"""

from helpers.data import contracts, datacheck, plots, readiness
from helpers.data.check import CheckReport, TableSummary, check_org, summarize
from helpers.data.derived import derive_tables, read_derived
from helpers.data.errors import DataError, OrgConfigError, OrgPathError
from helpers.data.loader import DEFAULT_NA_VALUES, load_org
from helpers.data.privacy import keyed_hash, secret_key_path
from helpers.data.results import OrgData, PiiFinding, QualityIssue, SourceFile
from helpers.data.tables import (
    load_for_notebook,
    read_manifest,
    read_tables,
    tables_match,
    write_tables,
)
from helpers.data.text import isin_values, positions_in, text_equals

__all__ = [
    "DEFAULT_NA_VALUES",
    "CheckReport",
    "DataError",
    "OrgConfigError",
    "OrgData",
    "OrgPathError",
    "PiiFinding",
    "QualityIssue",
    "SourceFile",
    "TableSummary",
    "check_org",
    "contracts",
    "datacheck",
    "derive_tables",
    "isin_values",
    "keyed_hash",
    "load_for_notebook",
    "load_org",
    "plots",
    "positions_in",
    "read_derived",
    "read_manifest",
    "read_tables",
    "readiness",
    "secret_key_path",
    "summarize",
    "tables_match",
    "text_equals",
    "write_tables",
]
