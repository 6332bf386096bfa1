"""What an export holds, read from its header and first rows (for ``alignment-edge init``).

:func:`read_export` reads a file's header, up to :data:`SAMPLE_ROWS` rows as text and the
reading options it needs (delimiter, decimal comma, encoding, sheet). The guesses the draft
builds on are here: which canonical table a file looks like (:func:`guess_table`, an export
with a won/lost column is an opportunity export), which columns feed which canonical column
(:func:`map_columns`), the won/lost column and its labels (:func:`outcome_column`), tokens
that mean "not answered" (:func:`na_tokens`), yes/no flags (:func:`is_flag`), personal data
(:func:`is_personal`) and date formats (:func:`date_format`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Rows read from each export to guess formats, labels and missing-value tokens.
SAMPLE_ROWS = 2000
#: Cell texts read as missing in every column (besides ``org.yml: na_values``).
DEFAULT_NA_VALUES = ("", "NULL", "null", "Null", "NaN", "nan", "N/A", "n/a", "#N/A", "None", "NaT")

#: Normalized export column names that usually hold each canonical column, by table.
_SYNONYMS: dict[str, dict[str, list[str]]] = {
    "leads": {
        "lead_id": ["lead_id", "record_id", "contact_id", "mql_id", "lead", "id", "person_id", "prospect_id"],
        "created_at": ["create_date", "created_date", "created_at", "created", "date_created",
                       "first_contact_date", "creation_date", "createddate"],
        "account_id": ["account_id", "associated_company_id", "company_id", "company_account",
                       "account_name", "company_name", "company", "account", "associated_company_ids_primary"],
        "owner_id": ["lead_owner", "contact_owner", "owner", "owner_id", "sales_agent", "sales_rep",
                     "assigned_to", "hubspot_owner", "owner_name"],
        "source": ["lead_source", "original_source", "source", "origin", "channel", "utm_source",
                   "original_source_type"],
        "job_title": ["title", "job_title", "jobtitle", "position", "role", "job", "occupation",
                      "profession"],
        "stage": ["lifecycle_stage", "lead_status", "status", "stage", "lead_stage"],
        "mql_at": ["became_a_marketing_qualified_lead_date", "mql_date", "mql_at", "marketing_qualified_date"],
        "sal_at": ["became_a_sales_accepted_lead_date", "sal_date", "sal_at", "accepted_date"],
        "sql_at": ["became_a_sales_qualified_lead_date", "sql_date", "sql_at", "sales_qualified_date"],
        "disqualified_at": ["disqualified_date", "disqualified_at", "unqualified_date", "closed_lost_date"],
        "disqualify_reason": ["disqualify_reason", "disqualification_reason", "unqualified_reason",
                              "lost_reason", "reason_lost"],
        "converted": ["converted", "is_converted", "became_customer", "isconverted", "subscribed",
                      "signed_up", "purchased", "is_customer", "y"],
        "sales_touches": ["number_of_sales_activities", "sales_activities", "sales_touches",
                          "contacts", "number_of_contacts", "contacts_count", "calls", "number_of_calls"],
        "marketing_touches": ["marketing_touches", "number_of_marketing_touches", "number_of_form_submissions"],
        "first_sales_touch_at": ["first_sales_activity_date", "first_sales_touch_at", "first_outreach_date"],
    },
    "opportunities": {
        "opportunity_id": ["opportunity_id", "deal_id", "record_id", "opportunity", "opportunity_number",
                           "deal_number", "id"],
        "outcome": ["outcome", "won", "is_won", "won_lost", "result", "deal_result", "deal_stage", "stage",
                    "status"],
        "created_at": ["created_date", "create_date", "created_at", "engage_date", "created"],
        "closed_at": ["close_date", "closed_date", "closed_at", "won_date", "closedate"],
        "stage": ["stage", "deal_stage", "opportunity_stage", "sales_stage"],
        "account_id": ["account_id", "associated_company_id", "account_name", "account", "company"],
        "lead_id": ["lead_id", "associated_contact_id", "contact_id", "mql_id"],
        "owner_id": ["opportunity_owner", "deal_owner", "owner", "owner_id", "sales_agent", "sr_id"],
        "amount": ["amount", "close_value", "deal_amount", "value", "revenue", "amount_converted"],
        "gross_margin": ["gross_margin", "margin", "gross_margin_pct", "margin_pct"],
        "gross_profit": ["gross_profit", "profit", "margin_amount", "gross_profit_amount"],
    },
    "accounts": {
        "account_id": ["account_id", "record_id", "company_id", "account", "id"],
        "name": ["account_name", "company_name", "name", "company"],
        "industry": ["industry", "sector", "vertical"],
        "sic_code": ["sic_code", "sic", "primary_sic"],
        "annual_revenue": ["annual_revenue", "revenue", "annualrevenue"],
        "employees": ["employees", "number_of_employees", "employee_count", "no_of_employees", "numberofemployees"],
        "locations": ["locations", "number_of_locations", "sites", "number_of_sites"],
        "country": ["country", "billing_country", "country_region", "office_location", "hq_country"],
        "region": ["region", "billing_state_province", "state", "state_region", "territory"],
    },
    "activities": {
        "lead_id": ["lead_id", "contact_id", "who_id", "associated_contact_id", "name_id"],
        "occurred_at": ["occurred_at", "activity_date", "date", "timestamp", "completed_date",
                        "created_date", "due_date", "activity_timestamp"],
        "activity_type": ["activity_type", "type", "task_type", "event_type", "task_subtype"],
        "team": ["team", "department"],
        "owner_id": ["assigned", "assigned_to", "owner", "activity_owner", "owner_id"],
    },
    "spend": {
        "month": ["month", "period", "date"],
        "channel": ["channel", "source", "campaign_type"],
        "amount": ["amount", "spend", "cost", "budget_spent"],
    },
    "plan": {
        "period": ["period", "month", "quarter", "date"],
        "revenue_target": ["revenue_target", "target", "quota", "plan", "revenue_plan"],
    },
}
_FILE_HINTS: dict[str, list[str]] = {
    "leads": ["lead", "contact", "mql", "prospect", "inquir"],
    "opportunities": ["opportunit", "deal", "pipeline", "closed"],
    "accounts": ["account", "compan", "organi"],
    "activities": ["activit", "task", "event", "touch", "engagement"],
    "spend": ["spend", "cost", "budget", "campaign"],
    "plan": ["plan", "target", "quota", "forecast"],
}
_PERSONAL = re.compile(
    r"(^|_)(e_?mail|e_?mail_address|phone|phone_number|mobile|mobile_phone|telephone|fax|"
    r"(first|last|full|given|family|contact)_?name|surname|street|street_address|linkedin)$"
)
_DATE_FORMATS_TRY = (
    "%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M",
    "%m/%d/%Y %I:%M %p", "%d.%m.%Y %H:%M", "%Y/%m/%d", "%m/%d/%y", "%d/%m/%y",
)
_WON = re.compile(r"\b(won|win|success|successful|converted)\b", re.IGNORECASE)
_LOST = re.compile(r"\b(lost|loss|lose|unsuccessful|failed|rejected)\b", re.IGNORECASE)
_FLAG_TOKENS = {"yes", "no", "y", "n", "true", "false", "t", "f", "0", "1", "x", "0.0", "1.0"}
#: Cell texts that stand for "not answered" (compared without case, spaces and punctuation).
_NA_WORDS = {
    "", "select", "pleaseselect", "selectone", "choose", "chooseone", "none", "na", "unknown",
    "notset", "notprovided", "notspecified", "notavailable", "null", "nil", "tbd", "xxx", "xxxx",
    "xxxxx", "xxxxxx",
}


@dataclass
class Export:
    """One export file: its header, first rows as text, and the reading options it needs."""

    path: Path
    header: list[str]
    sample: list[dict[str, str]]
    opts: dict[str, str] = field(default_factory=dict)

    def values(self, column: str) -> list[str]:
        """The column's non-empty values in the first rows, stripped."""
        return [v.strip() for r in self.sample if (v := r.get(column)) and v.strip()]


def norm(name: str) -> str:
    """A column name as lower-case words joined by ``_`` (``"Lead Source"`` -> ``lead_source``)."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def read_export(path: Path, rows: int = SAMPLE_ROWS) -> Export:
    """Header, first rows (as text) and reading options of a CSV, Excel or Parquet export."""
    low = path.name.lower()
    if low.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        first = next(pf.iter_batches(batch_size=rows), None)
        sample = [] if first is None else [
            {k: "" if v is None else str(v) for k, v in r.items()} for r in first.to_pylist()
        ]
        return Export(path, list(pf.schema_arrow.names), sample)
    if low.endswith((".xlsx", ".xlsm")):
        return _read_excel(path, rows)
    return _read_csv(path, rows)


def _read_excel(path: Path, rows: int) -> Export:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    it = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(c) if c is not None else "" for c in next(it, ())]
    sample = []
    for _, row in zip(range(rows), it, strict=False):
        sample.append({
            h: "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
            for h, v in zip(header, row, strict=False)
        })
    wb.close()
    return Export(path, header, sample, {} if len(wb.sheetnames) == 1 else {"sheet": wb.sheetnames[0]})


def _read_csv(path: Path, rows: int) -> Export:
    import csv
    import gzip
    import io

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read(1 << 21)
    opts: dict[str, str] = {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:
            text = raw[: exc.start].decode("utf-8")
        else:
            text = raw.decode("cp1252", errors="replace")
            opts["encoding"] = "cp1252"
    text = text.lstrip("\ufeff")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        return Export(path, [], [], opts)
    counts = {d: len(next(csv.reader([first], delimiter=d))) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    if delim != ",":
        opts["delimiter"] = delim
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if any(r)]
    if len(raw) == 1 << 21 and len(records) > 2:
        records = records[:-1]  # the last record may be cut
    header = records[0]
    sample = [dict(zip(header, r, strict=False)) for r in records[1 : rows + 1]]
    cells = [v.strip() for r in sample for v in r.values() if v]
    if delim == ";" and any(re.fullmatch(r"-?\d+,\d+", v) for v in cells):
        opts["decimal"] = ","
    elif any(re.fullmatch(r"[$\u20ac\u00a3]?\s*-?\d{1,3}(,\d{3})+(\.\d+)?", v) for v in cells):
        opts["thousands"] = ","  # "$27,900": a comma between thousands
    return Export(path, header, sample, opts)


# --------------------------------------------------------------------------- guesses


def outcome_column(exp: Export, prefer: str | None = None) -> tuple[str, dict[str, str]] | None:
    """The column holding deal results and a map of its labels onto won / lost / open.

    A yes/no column named like "won" (``Is Won``) maps yes to won and no to lost; a column
    whose labels include both a won-like label ("Won", "Closed Won - Paid") and a lost-like
    one ("Lost", "Loss") maps them, every other label being open. ``prefer`` (a column the
    names already point at) wins when it fits. None when no column fits.
    """
    best: tuple[int, str, dict[str, str]] | None = None
    order = [prefer, *[h for h in exp.header if h != prefer]] if prefer in exp.header else exp.header
    for h in order:
        vals = exp.values(h)
        distinct = sorted(set(vals))
        if not vals or len(distinct) > 25:
            continue
        words = norm(h).split("_")
        if "won" in words and {v.lower() for v in distinct} <= _FLAG_TOKENS:
            yes = {"yes", "y", "true", "t", "1", "x", "1.0"}
            return h, {v: "won" if v.lower() in yes else "lost" for v in distinct}
        won = [v for v in distinct if _WON.search(v) and not _LOST.search(v)]
        lost = [v for v in distinct if _LOST.search(v)]
        if won and lost:
            named = any(w in words for w in ("outcome", "result", "status", "stage", "won"))
            score = 2 * named + sum(v in won or v in lost for v in vals) / len(vals)
            mapping = {v: "won" if v in won else "lost" if v in lost else "open" for v in distinct}
            if h == prefer:
                return h, mapping
            if best is None or score > best[0]:
                best = (score, h, mapping)
    return None if best is None else (best[1], best[2])


def guess_table(exp: Export) -> str:
    """The canonical table an export looks like, from its file name, columns and values.

    An export with a won/lost column and no lead-only column (stage dates, a lead id, a job
    title) is an opportunity export, whatever its name.
    """
    normed = {norm(h) for h in exp.header}
    scores = {}
    for table, cols in _SYNONYMS.items():
        score = sum(1 for syns in cols.values() if normed & set(syns))
        score += 3 * any(h in exp.path.name.lower() for h in _FILE_HINTS[table])
        scores[table] = score
    lead_only = {"mql_at", "sal_at", "sql_at", "job_title", "converted"}
    lead_named = any(h in exp.path.name.lower() for h in _FILE_HINTS["leads"])
    lead_cols = any(normed & set(_SYNONYMS["leads"][c]) for c in lead_only)
    if not lead_named and not lead_cols and outcome_column(exp) is not None:
        return "opportunities"
    best = max(scores.values())
    return next((t for t in _SYNONYMS if scores[t] == best), "leads")


def map_columns(table: str, header: list[str]) -> dict[str, str]:
    """Canonical column -> export column, by name (exact synonyms first, then id prefixes
    such as ``Opportunity ID (18 Digit)``)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(norm(h), h)
    for target, syns in _SYNONYMS[table].items():
        h = next((by_norm[s] for s in syns if s in by_norm and by_norm[s] not in used), None)
        if h is None and target.endswith("_id"):
            h = next((by_norm[n] for s in syns[:2] for n in by_norm
                      if n.startswith(s + "_") and by_norm[n] not in used), None)
        if h is None:
            continue
        if target == "stage" and mapping.get("outcome") == h:
            mapping[target] = h  # one column may feed both outcome and stage
            continue
        mapping[target] = h
        used.add(h)
    if table == "opportunities" and "outcome" in mapping and "stage" not in mapping:
        mapping["stage"] = mapping["outcome"]
    return mapping


def is_flag(values: list[str]) -> bool:
    """True for a yes/no column (``Do Not Email``: Yes/No is an opt-out flag, not an address)."""
    return bool(values) and {v.strip().lower() for v in values} <= _FLAG_TOKENS


def is_personal(name: str, values: list[str]) -> bool:
    """True when a column looks like personal data (an email, a phone, a person's name)."""
    return bool(_PERSONAL.search(norm(name))) and not is_flag(values)


def na_tokens(exp: Export) -> dict[str, list[str]]:
    """Tokens that stand for "not answered" in this export, with the columns holding them.

    A token qualifies when it reads as a placeholder ("Select", "--", "Unknown", "(not set)",
    "xxxxx"; case, spaces and punctuation ignored), is not already read as missing, has no
    digit or currency mark (``$-`` is a zero amount), and is frequent: in two columns or
    more, or in at least 2% of one column's rows.
    """
    seen: dict[str, list[tuple[str, int]]] = {}
    n = max(len(exp.sample), 1)
    for h in exp.header:
        counts: dict[str, int] = {}
        for v in exp.values(h):
            counts[v] = counts.get(v, 0) + 1
        for v, k in counts.items():
            if _placeholder(v) and (len(counts) > 1 or re.search(r"[a-z]", v.lower())):
                seen.setdefault(v, []).append((h, k))
    out = {
        v: [h for h, _ in cols]
        for v, cols in seen.items()
        if len(cols) >= 2 or max(k for _, k in cols) / n >= 0.02
    }
    return dict(sorted(out.items(), key=lambda kv: -len(kv[1])))


def _placeholder(value: str) -> bool:
    """True for a cell text that reads as "not answered" and is not already missing."""
    if value in DEFAULT_NA_VALUES or re.search(r"[\d$\u20ac\u00a3]", value):
        return False
    return re.sub(r"[^a-z]", "", value.lower()) in _NA_WORDS


def date_format(values: list[str]) -> str | None | tuple[str, ...]:
    """None when ISO-like (no format needed), a format, or the ambiguous candidates."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals or all(re.match(r"^\d{4}-\d{1,2}-\d{1,2}", v) for v in vals):
        return None
    fits = []
    for fmt in _DATE_FORMATS_TRY:
        try:
            for v in vals:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        fits.append(fmt)
    if len(fits) == 1:
        return fits[0]
    return tuple(fits) if fits else None


def repeats(values: list[str]) -> str | None:
    """A value that occurs twice in ``values`` (None when all differ)."""
    seen: set[str] = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return None
