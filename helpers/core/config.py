"""``org.yml``: an organization's data mapping and module parameters, strictly validated.

An unknown key or a value of the wrong type is an error that names the key, the
file, and the allowed keys (with the closest match for a typo). See
``docs/org-yml.md`` for every key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from helpers.core import schema

ORG_FILE = "org.yml"
Scalar = str | int | float | bool | None


class ConfigError(ValueError):
    """``org.yml`` is missing, unreadable, or has an unknown key / wrong type."""


class _OrgYamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans: only true/false, so Yes/No/On/Off stay text.

    Exports use "Yes"/"No" as values, and an analyst writes them unquoted as keys of a
    value map (``Yes: true``); YAML 1.1 would silently turn those keys into booleans.
    """


_OrgYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_OrgYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def yaml_load(text: str) -> Any:
    """Parse org.yml text safely, with YAML 1.2 booleans (``Yes``/``No`` stay strings)."""
    return yaml.load(text, Loader=_OrgYamlLoader)  # noqa: S506 - a SafeLoader subclass


def _key_text(key: Any) -> str:
    """A YAML key written without quotes (``1``, ``true``, ``~``) as the text it stands for."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return ""
    return str(key)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class JoinSpec(_Strict):
    """A second export file left-joined onto a table's main file (e.g. deal fields onto leads)."""

    path: str = Field(description="File path relative to the org folder")
    on: str = Field(description="Column present in both files (source names)")
    sheet: str | int | None = Field(None, description="Excel sheet name or index")
    delimiter: str = Field(",", description="CSV field separator")
    decimal: str = Field(".", description="Decimal mark of numbers in a CSV")
    thousands: str | None = Field(None, description="Thousands separator in a CSV")
    encoding: str = Field("utf-8", description="Text encoding of a CSV (e.g. latin-1, cp1252)")


class FileSpec(_Strict):
    """Where one canonical table comes from."""

    path: str = Field(description="File path relative to the org folder (.csv, .csv.gz, .parquet, .xlsx)")
    sheet: str | int | None = Field(None, description="Excel sheet name or index")
    delimiter: str = Field(",", description="CSV field separator, e.g. ';' for a French Excel export")
    decimal: str = Field(".", description="Decimal mark of numbers in a CSV, e.g. ','")
    thousands: str | None = Field(None, description="Thousands separator in a CSV")
    encoding: str = Field("utf-8", description="Text encoding of a CSV (e.g. latin-1, cp1252)")
    join: list[JoinSpec] = Field(default_factory=list, description="Other files left-joined on a key")
    where_not_empty: list[str] = Field(
        default_factory=list,
        description="Keep only rows where these source columns are filled "
        "(one export feeding several tables)",
    )


class BooleanSpec(_Strict):
    """Text tokens read as True / False in boolean columns (compared ignoring case)."""

    true: list[str] = Field(
        default_factory=lambda: ["yes", "y", "true", "1", "won", "x"],
        description="Tokens read as True",
    )
    false: list[str] = Field(
        default_factory=lambda: ["no", "n", "false", "0", "lost", ""],
        description="Tokens read as False; '' makes an empty cell False",
    )

    @model_validator(mode="before")
    @classmethod
    def _bool_keys(cls, data: Any) -> Any:
        # ``true:``/``false:`` written unquoted are YAML booleans; read them as the key names.
        if isinstance(data, dict):
            data = {(_key_text(k) if isinstance(k, bool) else k): v for k, v in data.items()}
            for k, v in data.items():
                if isinstance(v, list):
                    data[k] = [_key_text(x) if isinstance(x, bool | int | float) or x is None else x for x in v]
        return data


class OrgConfig(_Strict):
    """The whole ``org.yml``."""

    name: str = Field(description="Organization name shown in reports")
    currency: str = Field("USD", description="ISO currency code of every money column")
    timezone: str = Field("UTC", description="IANA timezone of the export's timestamps")
    files: dict[str, FileSpec] = Field(description="table -> file; 'leads' is required")
    columns: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="table -> {canonical or feature name: source column}. Source columns already "
        "named canonically are mapped automatically; other unmapped columns are dropped.",
    )
    hash_columns: dict[str, list[str]] = Field(
        default_factory=dict,
        description="table -> columns replaced by a keyed hash (owner_id is always hashed)",
    )
    values: dict[str, dict[str, dict[str, Scalar]]] = Field(
        default_factory=dict,
        description="table -> column -> {export value: canonical value}; matched ignoring case, "
        "'*' stands for any other non-empty value, ~ (null) makes a value missing",
    )
    booleans: BooleanSpec = Field(default_factory=BooleanSpec, description="Tokens read as True/False")
    na_values: list[str] = Field(default_factory=list, description="Tokens read as missing, e.g. 'Select'")
    constants: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict, description="table -> {column: value for every row}"
    )
    scales: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="table -> {money column: multiplier, e.g. 1000}"
    )
    date_formats: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="table -> {column: strftime format, e.g. '%d-%m-%Y'}"
    )
    stages: list[str] = Field(
        default_factory=lambda: list(schema.STAGES),
        description="The org's funnel stages, in order, from: " + ", ".join(schema.STAGES),
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Notebook parameters for this org (notebook default < org.yml < -p)",
    )

    @field_validator("values", mode="before")
    @classmethod
    def _value_keys_as_text(cls, v: Any) -> Any:
        # A value map's keys are export values; ``1: won`` or ``true: won`` mean the text.
        if not isinstance(v, dict):
            return v
        out: dict = {}
        for table, cols in v.items():
            if not isinstance(cols, dict):
                out[table] = cols
                continue
            out[table] = {
                col: ({_key_text(k): val for k, val in m.items()} if isinstance(m, dict) else m)
                for col, m in cols.items()
            }
        return out

    @field_validator("na_values", mode="before")
    @classmethod
    def _na_as_text(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [_key_text(x) if isinstance(x, bool | int | float) or x is None else x for x in v]
        return v

    @field_validator("files")
    @classmethod
    def _known_tables(cls, v: dict[str, FileSpec]) -> dict[str, FileSpec]:
        for table in v:
            _check_table(table, "files")
        if "leads" not in v:
            raise ValueError("the 'leads' table is required: add files.leads.path")
        return v

    @field_validator("columns", "hash_columns", "values", "constants", "scales", "date_formats")
    @classmethod
    def _known_table_keys(cls, v: dict, info) -> dict:
        for table in v:
            _check_table(table, info.field_name)
        return v

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, v: list[str]) -> list[str]:
        for s in v:
            if s not in schema.STAGES:
                raise ValueError(f"unknown stage '{s}'; allowed: {', '.join(schema.STAGES)}")
        order = [schema.STAGES.index(s) for s in v]
        if order != sorted(order) or len(set(v)) != len(v):
            raise ValueError(f"stages must be in funnel order: {', '.join(schema.STAGES)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _known_tz(cls, v: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(v)
        except Exception as exc:  # noqa: BLE001 - any failure means an unknown zone
            raise ValueError(f"unknown timezone '{v}'; use an IANA name like 'Europe/Paris'") from exc
        return v

    @model_validator(mode="after")
    def _parameters_literal(self) -> OrgConfig:
        for key, value in self.parameters.items():
            if not key.isidentifier():
                raise ValueError(f"parameter name '{key}' is not a valid Python name")
            _check_literal(value, f"parameters.{key}")
        return self


def _check_table(table: str, field: str) -> None:
    if table not in schema.TABLES:
        close = difflib.get_close_matches(table, list(schema.TABLES), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(
            f"unknown table '{table}' under '{field}'; allowed: {', '.join(schema.TABLES)}{hint}"
        )


def _check_literal(value: Any, where: str) -> None:
    if isinstance(value, dt.date):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_literal(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_literal(v, f"{where}[{i}]")
    elif not isinstance(value, str | int | float | bool | type(None)):
        raise ValueError(f"{where} must be a literal (text, number, list or mapping)")


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """Find the model class that owns the error location (for listing allowed keys)."""
    model: type[BaseModel] | None = OrgConfig
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, str) and part in model.model_fields:
            ann = model.model_fields[part].annotation
            sub = _submodel(ann)
            model = sub if sub is not None else (model if part == loc[-2] else None)
            if sub is None:
                return None
        elif isinstance(part, int | str):
            continue
    return model


def _submodel(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Turn pydantic's error into sentences naming each key and what is allowed."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            model = _model_at(loc)
            allowed = list(model.model_fields) if model else []
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            lines.append(
                f"{source}: unknown key '{key}'. Allowed here: {', '.join(allowed)}.{hint}"
            )
        elif err["type"] == "missing":
            lines.append(f"{source}: required key '{key}' is missing.")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            got_s = "" if isinstance(got, dict | list) else f" (got {got!r})"
            lines.append(f"{source}: key '{key}': {msg}{got_s}.")
    return "\n".join(lines)


def parse_org_config(data: Any, source: str = ORG_FILE) -> OrgConfig:
    """Validate a parsed ``org.yml`` mapping."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys (name, files, ...), got {type(data).__name__}.")
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def load_org_config(org_dir: str | Path) -> OrgConfig:
    """Read and validate ``ORG_DIR/org.yml`` (``yaml.safe_load`` only)."""
    path = Path(org_dir) / ORG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{path}: not found. An organization folder needs an org.yml; "
            f"draft one with `alignment-edge init EXPORT.csv --out {Path(org_dir)}`."
        )
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml_load(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: org.yml must be saved as UTF-8.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    return parse_org_config(data, str(path))


def config_hash(org_dir: str | Path) -> str:
    """SHA-256 of the org.yml bytes (part of the validated tables' manifest)."""
    import hashlib

    return hashlib.sha256((Path(org_dir) / ORG_FILE).read_bytes()).hexdigest()


def field_docs() -> list[tuple[str, str, str]]:
    """(key, type, description) for every key, used to check docs/org-yml.md covers them."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            key = f"{prefix}{name}"
            rows.append((key, str(f.annotation), f.description or ""))
            sub = _submodel(f.annotation)
            if sub is not None and sub is not model:
                walk(sub, key + ".")

    walk(OrgConfig, "")
    return rows


Table = Literal["accounts", "leads", "activities", "opportunities", "spend", "plan"]


# --------------------------------------------------------------------------- drafting an org.yml

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
        "job_title": ["title", "job_title", "jobtitle", "position", "role"],
        "stage": ["lifecycle_stage", "lead_status", "status", "stage", "lead_stage"],
        "mql_at": ["became_a_marketing_qualified_lead_date", "mql_date", "mql_at", "marketing_qualified_date"],
        "sal_at": ["became_a_sales_accepted_lead_date", "sal_date", "sal_at", "accepted_date"],
        "sql_at": ["became_a_sales_qualified_lead_date", "sql_date", "sql_at", "sales_qualified_date"],
        "disqualified_at": ["disqualified_date", "disqualified_at", "unqualified_date", "closed_lost_date"],
        "disqualify_reason": ["disqualify_reason", "disqualification_reason", "unqualified_reason",
                              "lost_reason", "reason_lost"],
        "converted": ["converted", "is_converted", "became_customer", "isconverted"],
        "sales_touches": ["number_of_sales_activities", "sales_activities", "sales_touches"],
        "marketing_touches": ["marketing_touches", "number_of_marketing_touches", "number_of_form_submissions"],
        "first_sales_touch_at": ["first_sales_activity_date", "first_sales_touch_at", "first_outreach_date"],
    },
    "opportunities": {
        "opportunity_id": ["opportunity_id", "deal_id", "record_id", "opportunity", "id"],
        "outcome": ["outcome", "won", "is_won", "won_lost", "deal_stage", "stage"],
        "created_at": ["created_date", "create_date", "created_at", "engage_date", "created"],
        "closed_at": ["close_date", "closed_date", "closed_at", "won_date", "closedate"],
        "stage": ["stage", "deal_stage", "opportunity_stage", "sales_stage"],
        "account_id": ["account_id", "associated_company_id", "account_name", "account", "company"],
        "lead_id": ["lead_id", "associated_contact_id", "contact_id", "mql_id"],
        "owner_id": ["opportunity_owner", "deal_owner", "owner", "owner_id", "sales_agent", "sr_id"],
        "amount": ["amount", "close_value", "deal_amount", "value", "revenue", "amount_converted"],
        "gross_margin": ["gross_margin", "margin"],
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
_DATE_FORMATS_TRY = ("%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M",
                     "%m/%d/%Y %I:%M %p", "%d.%m.%Y %H:%M", "%Y/%m/%d", "%m/%d/%y", "%d/%m/%y")
#: An export's path, header, first rows (as text) and reading options.
_Export = tuple[Path, list[str], list[dict[str, str]], dict[str, str]]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _read_export_head(path: Path, rows: int = 50) -> tuple[list[str], list[dict[str, str]], dict[str, str]]:
    """Header, a few rows (as text) and the reading options a file needs (delimiter, encoding)."""
    import csv

    low = path.name.lower()
    if low.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        header = list(pf.schema_arrow.names)
        first = next(pf.iter_batches(batch_size=rows), None)
        sample = [] if first is None else [{k: "" if v is None else str(v) for k, v in r.items()}
                                           for r in first.to_pylist()]
        return header, sample, {}
    if low.endswith((".xlsx", ".xlsm")):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [str(c) if c is not None else "" for c in next(it, ())]
        sample = []
        for _, row in zip(range(rows), it, strict=False):
            sample.append({h: "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                           for h, v in zip(header, row, strict=False)})
        wb.close()
        opts = {} if len(wb.sheetnames) == 1 else {"sheet": wb.sheetnames[0]}
        return header, sample, opts
    import gzip

    opener = gzip.open if low.endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read(1 << 16)
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
    lines = [ln for ln in text.splitlines() if ln.strip()][: rows + 1]
    if not lines:
        return [], [], opts
    counts = {d: len(next(csv.reader([lines[0]], delimiter=d))) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: (counts[d], d == ","))
    if delim != ",":
        opts["delimiter"] = delim
    reader = list(csv.reader(lines, delimiter=delim))
    header = reader[0]
    sample = [dict(zip(header, r, strict=False)) for r in reader[1:-1 if len(reader) > 2 else None]]
    if delim == ";" and any(re.fullmatch(r"-?\d+,\d+", v or "") for r in sample for v in r.values()):
        opts["decimal"] = ","
    return header, sample, opts


def _guess_table(path: Path, header: list[str]) -> str:
    normed = {_norm(h) for h in header}
    scores = {}
    for table, cols in _SYNONYMS.items():
        score = sum(1 for syns in cols.values() if normed & set(syns))
        score += 3 * any(h in path.name.lower() for h in _FILE_HINTS[table])
        scores[table] = score
    best = max(scores.values())
    for table in ("leads", "opportunities", "accounts", "activities", "spend", "plan"):
        if scores[table] == best:
            return table
    return "leads"


def _map_columns(table: str, header: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    used: set[str] = set()
    by_norm = {}
    for h in header:
        by_norm.setdefault(_norm(h), h)
    for target, syns in _SYNONYMS[table].items():
        for syn in syns:
            h = by_norm.get(syn)
            if h is not None and h not in used:
                if target == "stage" and "outcome" in mapping and mapping["outcome"] == h:
                    mapping[target] = h  # one column may feed both outcome and stage
                    break
                mapping[target] = h
                used.add(h)
                break
    if table == "opportunities" and "outcome" in mapping and "stage" not in mapping:
        mapping["stage"] = mapping["outcome"]
    return mapping


def _date_format(values: list[str]) -> str | None | tuple[str, ...]:
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


def _q(text: str) -> str:
    import json

    return json.dumps(str(text), ensure_ascii=False)


def draft_org_config(export_paths: list[str | Path], *, name: str | None = None) -> str:
    """Draft an ``org.yml`` from export files' column names, for the analyst to finish.

    Each file is assigned to the canonical table its name and columns suggest; columns
    whose names resemble canonical ones are mapped, personal-data columns are listed as
    dropped, every other column is listed in a comment (map it to keep it as a feature).
    Date formats are guessed from the first rows. The result parses as a valid
    ``org.yml``; file paths are the files' names (copy the exports next to org.yml).

    Parameters
    ----------
    export_paths : list of path-like
        CSV (.csv, .csv.gz), Parquet or Excel exports.
    name : str, optional
        Organization name (default: "My organization").

    Returns
    -------
    str
        The YAML text, with comments.
    """
    if not export_paths:
        raise ValueError("give at least one export file to draft an org.yml from")
    files, extra, leads_from = _exports_by_table(export_paths)
    out = [
        "# Drafted by `alignment-edge init` from the exports' column names. Check every line,",
        "# then run `alignment-edge check <this folder>`. Keys: docs/org-yml.md",
        f"name: {_q(name or 'My organization')}",
        "currency: USD                     # ISO code of every money column",
        "timezone: UTC                     # IANA time zone of the export's timestamps",
        "",
        "files:",
    ]
    for table, (path, _h, _s, opts) in files.items():
        out.append(f"  {table}:")
        out.append(f"    path: {_q(path.name)}" + ("   # also the lead list (same file)" if table == "leads" and leads_from else ""))
        for k, v in opts.items():
            out.append(f"    {k}: {_q(v)}")
    for table, path in extra:
        out.append(f"  # {table} again? {path.name} also looks like {table}: use a join or another org")
    out += ["", "columns:"]
    date_formats: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    for table, (_path, header, sample, _opts) in files.items():
        out += _draft_columns(table, header, sample, leads_from, date_formats, notes)
    return "\n".join(out + _draft_tail(files, date_formats, notes)) + "\n"


def _exports_by_table(export_paths: list[str | Path]) -> tuple[dict[str, _Export], list[tuple[str, Path]], str | None]:
    """The exports by the table each looks like; a second file for a table goes to ``extra``,
    and without a leads file the opportunity export (or the first) is the lead list."""
    files: dict[str, _Export] = {}
    extra: list[tuple[str, Path]] = []
    for p in export_paths:
        path = Path(p)
        if not path.is_file():
            raise ValueError(f"{path}: file not found")
        header, sample, opts = _read_export_head(path)
        if not header:
            raise ValueError(f"{path}: the file is empty; export it again")
        table = _guess_table(path, header)
        if table in files:
            extra.append((table, path))
            continue
        files[table] = (path, header, sample, opts)
    leads_from = None
    if "leads" not in files:
        # an opportunity export is often also the lead list
        first = "opportunities" if "opportunities" in files else next(iter(files))
        files["leads"] = files[first]
        leads_from = first
    return {t: files[t] for t in schema.TABLES if t in files}, extra, leads_from


def _draft_columns(table: str, header: list[str], sample: list[dict[str, str]], leads_from: str | None,
                   date_formats: dict[str, dict[str, str]], notes: list[str]) -> list[str]:
    """One table's ``columns`` entries and comments; guessed date formats are collected."""
    mapping = _map_columns(table, header)
    if table == "leads" and leads_from == "opportunities":
        opp = _map_columns("opportunities", header)
        for target, source in (("lead_id", "opportunity_id"), ("created_at", "created_at")):
            if target not in mapping and source in opp:
                mapping[target] = opp[source]
    out = [f"  {table}:"]
    for target, source in mapping.items():
        out.append(f"    {target}: {_q(source)}")
        col = schema.TABLES[table].get(target)
        if col is not None and col.kind == "datetime":
            guess = _date_format([r.get(source, "") for r in sample])
            if isinstance(guess, str):
                date_formats.setdefault(table, {})[target] = guess
            elif isinstance(guess, tuple):
                notes.append(f"#   {table}.{target}: day/month order unclear, set one of "
                             + ", ".join(_q(g) for g in guess))
    if not mapping:
        out.append("    {}")
    used = set(mapping.values())
    personal = [h for h in header if h not in used and _PERSONAL.search(_norm(h))]
    rest = [h for h in header if h not in used and h not in personal]
    if personal:
        out.append("    # personal data, left out (list under hash_columns if it is a key): "
                   + ", ".join(_q(h) for h in personal))
    if rest:
        out.append("    # not mapped (dropped); to keep one as a feature add `feature_name: \"Column\"`:")
        out += [f"    #   {_norm(h) or 'column'}: {_q(h)}" for h in rest]
    out += [f"    # REQUIRED, not found: {c}: \"<the column that holds it>\""
            for c in schema.required_columns(table) if c not in mapping]
    return out


def _draft_tail(files: dict[str, _Export], date_formats: dict[str, dict[str, str]],
                notes: list[str]) -> list[str]:
    """The draft's ``date_formats``, the formats left to decide and the outcome example."""
    out: list[str] = []
    if date_formats:
        out += ["", "date_formats:"]
        for table, cols in date_formats.items():
            out += [f"  {table}:"] + [f"    {col}: {_q(fmt)}" for col, fmt in cols.items()]
    if notes:
        out += ["", "# Date formats to decide:"] + notes
    if "opportunities" in files:
        out += [
            "",
            "# Map the deal stage labels onto outcomes (open, won, lost), for example:",
            "# values:",
            "#   opportunities:",
            "#     outcome:",
            "#       Closed Won: won",
            "#       Closed Lost: lost",
            "#       \"*\": open",
        ]
    return out
