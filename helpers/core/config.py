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
from helpers.core.config_draft import draft_org_config  # noqa: F401 - drafting lives there

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
    """Where one canonical table comes from: a file (``path``), or another table's file (``from``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    path: str | None = Field(None, description="File path relative to the org folder (.csv, .csv.gz, .parquet, .xlsx)")
    from_: Literal["opportunities"] | None = Field(
        None,
        alias="from",
        description="Read this table from another table's file instead of a path: "
        "`leads: {from: opportunities}` makes one lead per opportunity row (lead_id, "
        "created_at and converted are the opportunity's unless mapped), for one-row-per-deal "
        "exports",
    )
    row_ids: bool = Field(
        False,
        description="The export has no id column: number its rows (the file's own line "
        "numbers) as the table's id (lead_id, opportunity_id or account_id)",
    )
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

    @model_validator(mode="after")
    def _path_or_from(self) -> FileSpec:
        if (self.path is None) == (self.from_ is None):
            raise ValueError("give either path (a file) or from (another table's file), not both")
        extra = [
            name
            for name, f in type(self).model_fields.items()
            if name not in ("from_", "path", "where_not_empty")
            and getattr(self, name) != f.get_default(call_default_factory=True)
        ]
        if self.from_ is not None and extra:
            raise ValueError(
                f"with from: {self.from_}, the file and its reading options are the "
                f"{self.from_} table's; remove {', '.join(extra)}"
            )
        return self


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


class FieldDecision(_Strict):
    """Module 4: what the organization knows about one lead field, and its call on it."""

    known_at: Literal["before_contact", "after_contact", "after_outcome"] | None = Field(
        None,
        description="When the field is filled: before_contact (known when a lead is scored), "
        "after_contact or after_outcome (the lead score excludes it)",
    )
    exclude: bool = Field(False, description="Never use the field in the lead score")
    keep: bool = Field(False, description="Keep the field although the leakage check flags it")
    reason: str = Field("", description="Why, in words (the report shows it)")

    @model_validator(mode="after")
    def _one_call(self) -> FieldDecision:
        if self.keep and (self.exclude or self.known_at in ("after_contact", "after_outcome")):
            raise ValueError("keep contradicts exclude / known_at after contact: choose one")
        return self


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
        default_factory=dict,
        description="table -> {column: strftime format, e.g. '%d-%m-%Y', or excel for serial "
        "day numbers}",
    )
    stages: list[str] = Field(
        default_factory=lambda: list(schema.STAGES),
        description="The org's funnel stages, in order, from: " + ", ".join(schema.STAGES),
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Notebook parameters for this org (notebook default < org.yml < -p)",
    )
    field_decisions: dict[str, FieldDecision] = Field(
        default_factory=dict,
        description="Module 4: lead field -> your decision about it (known_at, exclude, keep, "
        "reason); the leakage report shows each one",
    )

    @field_validator(
        "columns", "hash_columns", "values", "constants", "scales", "date_formats", mode="before"
    )
    @classmethod
    def _empty_as_none(cls, v: Any, info) -> Any:
        # A key whose lines are all commented out (``columns:`` / ``  leads:``) is empty.
        if v is None:
            return {}
        if isinstance(v, dict):
            empty = [] if info.field_name == "hash_columns" else {}
            return {k: empty if sub is None else sub for k, sub in v.items()}
        return v

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
            raise ValueError(
                "the 'leads' table is required: add files.leads.path (or, for a one-row-per-"
                "deal export, files.leads.from: opportunities)"
            )
        for table, spec in v.items():
            if spec.from_ is not None and table != "leads":
                raise ValueError(f"files.{table}.from: only leads can be read from another table's file")
            if spec.from_ is not None and spec.from_ not in v:
                raise ValueError(f"files.{table}.from: {spec.from_} needs files.{spec.from_}.path")
            if spec.row_ids and schema.PRIMARY_KEYS.get(table) not in ("lead_id", "opportunity_id", "account_id"):
                raise ValueError(f"files.{table}.row_ids: {table} has no id column to number")
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
            key = f"{prefix}{f.alias or name}"
            rows.append((key, str(f.annotation), f.description or ""))
            sub = _submodel(f.annotation)
            if sub is not None and sub is not model:
                walk(sub, key + ".")

    walk(OrgConfig, "")
    return rows


Table = Literal["accounts", "leads", "activities", "opportunities", "spend", "plan"]

