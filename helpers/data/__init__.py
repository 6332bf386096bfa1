"""Read an organization's export, map and validate it, protect personal data.

``load_org`` returns the canonical tables (``OrgData``); ``load_for_notebook``
reuses the validated tables of a run; ``datacheck`` holds the data-check figures.
"""

from helpers.data import datacheck, load
from helpers.data.load import (
    DEFAULT_NA_VALUES,
    CheckReport,
    DataError,
    OrgData,
    QualityIssue,
    check_org,
    isin_values,
    load_for_notebook,
    load_org,
    positions_in,
    read_tables,
    text_equals,
    write_tables,
)

__all__ = [
    "DEFAULT_NA_VALUES",
    "CheckReport",
    "DataError",
    "OrgData",
    "QualityIssue",
    "check_org",
    "datacheck",
    "isin_values",
    "load",
    "load_for_notebook",
    "load_org",
    "positions_in",
    "read_tables",
    "text_equals",
    "write_tables",
]
