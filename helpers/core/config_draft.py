"""``alignment-edge init``: draft an ``org.yml`` from export files, for the analyst to finish.

Each export is assigned to the canonical table its name, columns and values suggest (an
export with a won/lost column is an opportunity export, and when no lead list is given the
leads are read from it: ``files.leads.from: opportunities``); columns that resemble canonical
ones are mapped, the won/lost labels get a value map, placeholder tokens ("Select", "--",
"Unknown") are proposed as ``na_values``, a table without an id column numbers its rows
(``row_ids``), date formats are guessed from the first rows. Everything else is listed.

The draft's comments come in two kinds: ``## text`` explains, ``# key: value`` is a
suggestion that stays valid YAML when the ``# `` is removed (one line or all of them). The
guesses are in :mod:`helpers.core.export_sample`; the models the draft must satisfy in
:mod:`helpers.core.config`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import schema
from helpers.core.export_sample import (
    SAMPLE_ROWS,
    Export,
    date_format,
    guess_table,
    is_personal,
    map_columns,
    na_tokens,
    norm,
    outcome_column,
    read_export,
    repeats,
)

#: Lead columns a lead read from the opportunity export may still map from it (the lead's id,
#: dates and stage are the deal's; a deal's lost reason or owner is not a lead attribute).
LEAD_ATTRIBUTES_ON_DEALS = (
    "source",
    "job_title",
    "sales_touches",
    "marketing_touches",
    "first_sales_touch_at",
    "converted",
)


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


@dataclass
class _Draft:
    """What the draft says, table by table, before it is written out."""

    files: dict[str, Export]
    extra: list[tuple[str, Path]]
    leads_from: str | None
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    outcomes: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    row_ids: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, list[tuple[str, str | tuple[str, ...]]]] = field(default_factory=dict)


def draft_org_config(export_paths: list[str | Path], *, name: str | None = None) -> str:
    """Draft an ``org.yml`` from export files' columns and first rows, for the analyst to finish.

    Parameters
    ----------
    export_paths : list of path-like
        CSV (.csv, .csv.gz), Parquet or Excel exports.
    name : str, optional
        Organization name (default: the first export's folder name).

    Returns
    -------
    str
        The YAML text, with comments; it parses as a valid ``org.yml`` (file paths are the
        files' names: copy the exports next to it).
    """
    if not export_paths:
        raise ValueError("give at least one export file to draft an org.yml from")
    draft = _plan(export_paths)
    first = Path(export_paths[0])
    title = name or first.resolve().parent.name.replace("-", " ").replace("_", " ").strip()
    title = title[:1].upper() + title[1:]
    out = [
        "## Drafted by `alignment-edge init` from the exports' columns and first rows. Check every",
        "## line, then run `alignment-edge check <this folder>`. Every key: docs/org-yml.md.",
        "## Lines starting with '# ' are suggestions: delete the '# ' to use one.",
        f"name: {_q(title or 'My organization')}",
        "currency: USD                     ## ISO code of every money column",
        "timezone: UTC                     ## IANA time zone of the export's timestamps",
    ]
    out += _na_lines(draft)
    out += ["", "files:", *_file_lines(draft), "", "columns:"]
    for table in draft.mappings:
        out += _column_lines(draft, table)
    out += _value_lines(draft) + _date_lines(draft)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- planning


def _plan(export_paths: list[str | Path]) -> _Draft:
    """Read the exports and decide each table's file, columns, labels, ids and dates."""
    files: dict[str, Export] = {}
    extra: list[tuple[str, Path]] = []
    for p in export_paths:
        path = Path(p)
        if not path.is_file():
            raise ValueError(f"{path}: file not found")
        exp = read_export(path)
        if not exp.header:
            raise ValueError(f"{path}: the file is empty; export it again")
        table = guess_table(exp)
        if table in files:
            extra.append((table, path))
        else:
            files[table] = exp
    leads_from = None
    if "leads" not in files:
        if "opportunities" not in files:
            first = next(iter(files))
            files["opportunities" if first == "accounts" else "leads"] = files.pop(first)
        if "leads" not in files:
            leads_from = "opportunities"  # a one-row-per-deal export is also the lead list
    order = [t for t in schema.TABLES if t in files]
    if leads_from:
        order.remove("opportunities")
        order.insert(order.index("leads") if "leads" in order else 0, "opportunities")
    draft = _Draft({t: files[t] for t in order}, extra, leads_from)
    for table, exp in draft.files.items():
        _plan_table(draft, table, exp)
    if leads_from:
        _plan_table(draft, "leads", draft.files["opportunities"])
    return draft


def _plan_table(draft: _Draft, table: str, exp: Export) -> None:
    """The mapping, outcome labels, id and date formats of one table."""
    mapping = map_columns(table, exp.header)
    if table == "opportunities":
        found = outcome_column(exp, prefer=mapping.get("outcome"))
        if found is not None:
            mapping["outcome"] = found[0]
            mapping.setdefault("stage", found[0])
            draft.outcomes[table] = found
    if table == "leads" and draft.leads_from:
        taken = set(draft.mappings.get("opportunities", {}).values())
        mapping = {
            t: s for t, s in mapping.items() if t in LEAD_ATTRIBUTES_ON_DEALS and s not in taken
        }
    notes = draft.notes.setdefault(table, [])
    pk = schema.PRIMARY_KEYS.get(table)
    inherited = table == "leads" and draft.leads_from
    if pk in ("lead_id", "opportunity_id", "account_id") and not inherited:
        if pk not in mapping:
            draft.row_ids.append(table)
        elif (twice := repeats(exp.values(mapping[pk]))) is not None:
            notes.append(
                f"## {_q(mapping[pk])} repeats in the first rows (e.g. {_q(twice)}): ids must be "
                f"unique. Remove duplicate rows, or set files.{table}.row_ids: true."
            )
    draft.mappings[table] = mapping
    for target, source in mapping.items():
        col = schema.TABLES[table].get(target)
        if col is not None and col.kind == "datetime":
            guess = date_format(exp.values(source))
            if guess is not None:
                draft.dates.setdefault(table, []).append((target, guess))


# --------------------------------------------------------------------------- writing


def _na_lines(draft: _Draft) -> list[str]:
    tokens: dict[str, list[str]] = {}
    for exp in {id(e): e for e in draft.files.values()}.values():
        for token, cols in na_tokens(exp).items():
            tokens.setdefault(token, []).extend(cols)
    if not tokens:
        return []
    out = [f"na_values: [{', '.join(_q(t) for t in tokens)}]   ## placeholders read as missing:"]
    for token, cols in tokens.items():
        more = f" and {len(cols) - 2} more" if len(cols) > 2 else ""
        out.append(f"##   {_q(token)} in {', '.join(_q(c) for c in cols[:2])}{more}")
    return out + ["## Delete a token that is a real answer in this export."]


def _file_lines(draft: _Draft) -> list[str]:
    out = []
    for table, exp in draft.files.items():
        out += [f"  {table}:", f"    path: {_q(exp.path.name)}"]
        out += [f"    {k}: {_q(v)}" for k, v in exp.opts.items()]
        if table in draft.row_ids:
            out.append("    row_ids: true     ## no id column found: rows are numbered (line numbers)")
        if draft.leads_from == table:
            out += [
                "  leads:",
                f"    from: {table}     ## one row per deal: each deal is also a lead "
                "(lead_id and created_at are the deal's)",
            ]
    for table, path in draft.extra:
        out.append(
            f"  ## {path.name} also looks like {table}: join it (files.{table}.join) or run it "
            "as another organization."
        )
    return out


def _column_lines(draft: _Draft, table: str) -> list[str]:
    """One table's ``columns`` entries, then its suggestions and notes."""
    exp = draft.files.get(table) or draft.files[draft.leads_from]
    mapping = draft.mappings[table]
    out = [f"  {table}:"]
    out += [f"    {target}: {_q(source)}" for target, source in mapping.items()]
    used = {s for m in draft.mappings.values() for s in m.values()} if draft.leads_from else set(mapping.values())
    listed_here = not (draft.leads_from and table == draft.leads_from)
    rest = [h for h in exp.header if h not in used and h.strip()]
    personal = [h for h in rest if is_personal(h, exp.values(h))]
    rest = [h for h in rest if h not in personal]
    canon = schema.TABLES[table]
    if personal and listed_here:
        out.append(
            "    ## personal data, left out (list one under hash_columns if it is a key): "
            + ", ".join(_q(h) for h in personal)
        )
    if rest and listed_here:
        out.append("    ## not mapped (dropped); delete the '# ' to keep one as a feature:")
        names: set[str] = set(mapping)
        for h in rest:
            key = norm(h) or "column"
            key = f"{key}_raw" if key in canon else key
            while key in names:
                key += "_2"
            names.add(key)
            out.append(f"    # {key}: {_q(h)}")
    elif draft.leads_from == table and rest:
        out.append("    ## the file's other columns are listed under columns.leads")
    for c in schema.required_columns(table):
        if c not in mapping and not (table in draft.row_ids and c == schema.PRIMARY_KEYS.get(table)):
            if not (table == "leads" and draft.leads_from):
                out.append(f'    # {c}: ""    ## REQUIRED: no column looks like it; name the one that holds it')
    return out + [f"    {note}" for note in draft.notes.get(table, [])]


def _value_lines(draft: _Draft) -> list[str]:
    if not draft.outcomes:
        if "opportunities" not in draft.files:
            return []
        return [
            "",
            "## Map the deal stage labels onto outcomes (open, won, lost), for example:",
            "# values:",
            "#   opportunities:",
            "#     outcome:",
            '#       "Closed Won": won',
            '#       "Closed Lost": lost',
        ]
    out = ["", "values:"]
    for table, (column, labels) in draft.outcomes.items():
        out += [f"  {table}:", "    outcome:     ## " + _q(column) + ": every label seen, as won, lost or open"]
        out += [f"      {_q(label)}: {outcome}" for label, outcome in labels.items()]
    return out


def _date_lines(draft: _Draft) -> list[str]:
    if not draft.dates:
        return []
    out = ["", "date_formats:"]
    for table, cols in draft.dates.items():
        sure = [(c, f) for c, f in cols if isinstance(f, str)]
        unsure = [(c, f) for c, f in cols if isinstance(f, tuple)]
        out.append(f"  {table}:")
        out += [f"    {c}: {_q(f)}" for c, f in sure]
        for c, fmts in unsure:
            alts = " or ".join(_q(f) for f in fmts[1:])
            out.append(
                f"    # {c}: {_q(fmts[0])}    ## or {alts}: the first {SAMPLE_ROWS:,} rows do "
                "not tell the day from the month"
            )
    return out
