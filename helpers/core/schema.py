"""The canonical tables every module reads (DESIGN section 3).

An organization's export is mapped onto these names by its ``org.yml``. Each
column has a *kind* that the loader parses and validates:

``id``        string key (never a number: leading zeros kept)
``str``       free or categorical text
``sic``       4-digit SIC code kept as a string
``datetime``  timestamp, converted to naive UTC from the org's timezone
``float``     number (money columns are multiplied by the org's ``scale``)
``int``       whole number
``bool``      True/False after value mapping ("Yes"/"No", 1/0, ...)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    description: str = ""
    money: bool = False


def _cols(*cols: Column) -> dict[str, Column]:
    return {c.name: c for c in cols}


TABLES: dict[str, dict[str, Column]] = {
    "accounts": _cols(
        Column("account_id", "id", True, "Company key"),
        Column("name", "str", False, "Company name (a business, not a person)"),
        Column("industry", "str", False, "Industry label as the CRM records it"),
        Column("sic_code", "sic", False, "4-digit SIC code"),
        Column("annual_revenue", "float", False, "Annual revenue in the org's currency", money=True),
        Column("employees", "float", False, "Number of employees"),
        Column("locations", "float", False, "Number of sites"),
        Column("country", "str", False, "Country"),
        Column("region", "str", False, "Sales region"),
    ),
    "leads": _cols(
        Column("lead_id", "id", True, "Person / inquiry key"),
        Column("created_at", "datetime", False, "Inquiry date (start of the funnel)"),
        Column("account_id", "id", False, "Company of the lead"),
        Column("owner_id", "id", False, "Sales rep (hashed key, never a name)"),
        Column("source", "str", False, "Lead source / channel"),
        Column("job_title", "str", False, "Job title as typed"),
        Column("stage", "str", False, "Current stage label (ordered, see stages)"),
        Column("mql_at", "datetime", False, "Marketing-qualified"),
        Column("sal_at", "datetime", False, "Sales-accepted"),
        Column("sql_at", "datetime", False, "Sales-qualified"),
        Column("disqualified_at", "datetime", False, "Closed out / disqualified"),
        Column("disqualify_reason", "str", False, "Why the lead was closed out"),
        Column("converted", "bool", False, "Became a customer (lead-only exports)"),
        Column("sales_touches", "float", False, "Number of sales activities (aggregate)"),
        Column("marketing_touches", "float", False, "Number of marketing activities (aggregate)"),
        Column("first_sales_touch_at", "datetime", False, "First sales activity (aggregate)"),
    ),
    "activities": _cols(
        Column("lead_id", "id", True, "Lead touched"),
        Column("occurred_at", "datetime", True, "When"),
        Column("activity_type", "str", True, "email, call, meeting, webinar, download, ..."),
        Column("team", "str", False, "marketing or sales"),
        Column("owner_id", "id", False, "Who (hashed)"),
    ),
    "opportunities": _cols(
        Column("opportunity_id", "id", True, "Deal key"),
        Column("outcome", "str", True, "open, won or lost"),
        Column("created_at", "datetime", False, "Opportunity created"),
        Column("closed_at", "datetime", False, "Closed (won or lost)"),
        Column("stage", "str", False, "Deal stage label"),
        Column("account_id", "id", False, "Company"),
        Column("lead_id", "id", False, "Originating lead"),
        Column("owner_id", "id", False, "Rep (hashed)"),
        Column("amount", "float", False, "Deal value", money=True),
        Column("gross_margin", "float", False, "Gross margin as a fraction of amount (0-1)"),
        Column("gross_profit", "float", False, "Gross profit of the deal (amount less its cost)", money=True),
    ),
    "spend": _cols(
        Column("month", "datetime", True, "First day of the month"),
        Column("channel", "str", True, "Marketing channel (matches leads.source)"),
        Column("amount", "float", True, "Program cost", money=True),
    ),
    "plan": _cols(
        Column("period", "datetime", True, "First day of the planned period (month)"),
        Column("revenue_target", "float", True, "Revenue target for the period", money=True),
    ),
}

#: Primary key of each table (activities has none).
PRIMARY_KEYS: dict[str, str | None] = {
    "accounts": "account_id",
    "leads": "lead_id",
    "activities": None,
    "opportunities": "opportunity_id",
    "spend": None,
    "plan": "period",
}

#: (table, column) -> (referenced table, referenced column): checked as "reported" problems.
FOREIGN_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("leads", "account_id"): ("accounts", "account_id"),
    ("activities", "lead_id"): ("leads", "lead_id"),
    ("opportunities", "lead_id"): ("leads", "lead_id"),
    ("opportunities", "account_id"): ("accounts", "account_id"),
}

#: Canonical funnel stages, in order. ``org.yml: stages`` may rename/shorten them.
STAGES: list[str] = ["inquiry", "mql", "sal", "sql", "opportunity", "won"]
#: Timestamp column of each lead stage (opportunity/won come from ``opportunities``).
STAGE_TIMESTAMPS: dict[str, str] = {
    "inquiry": "created_at",
    "mql": "mql_at",
    "sal": "sal_at",
    "sql": "sql_at",
}
OUTCOMES = ("open", "won", "lost")
TEAMS = ("marketing", "sales")

REQUIRED_TABLES = ("leads",)


def required_columns(table: str) -> list[str]:
    """Names of the required columns of ``table``."""
    return [c.name for c in TABLES[table].values() if c.required]


def canonical_columns(table: str) -> list[str]:
    """All canonical column names of ``table``, in contract order."""
    return list(TABLES[table])
