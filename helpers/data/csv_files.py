"""CSV exports: the declared encoding and delimiter, checked against the file itself.

A wrong delimiter, a Latin-1 file read as UTF-8 or a row with too many fields stops the
load with a message that says which ``org.yml`` setting to change (and, for a French Excel
export, that numbers use a decimal comma too). Reading uses PyArrow, only the needed
columns, every cell as text.
"""

from __future__ import annotations

import csv
import gzip
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.data.errors import N_EXAMPLES, DataError, join_ints

if TYPE_CHECKING:
    from helpers.data.sources import Source

#: Delimiters tried when the declared one gives fewer columns.
_DELIMITERS = (",", ";", "\t", "|")


def head_text(src: Source) -> str:
    """The first 256 KiB of the file, decoded (fatal when empty or in another encoding)."""
    size = 1 << 18
    opener = gzip.open if src.gz else open
    with opener(src.path, "rb") as fh:
        head = fh.read(size)
    if not head.strip(b"\r\n\t \xef\xbb\xbf"):
        raise DataError(
            f"{src.rel}: the file is empty. Export it again, or remove {src.key} from org.yml.",
            file=src.rel,
            key=src.key,
        )
    enc = src.spec.encoding
    try:
        text = head.decode(enc)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise encoding_error(src) from None
        text = head[: exc.start].decode(enc)
    except LookupError:
        raise DataError(
            f"{src.rel}: unknown encoding '{enc}' in {src.key}.encoding of org.yml; use e.g. "
            "utf-8, latin-1 or cp1252.",
            file=src.rel,
            key=f"{src.key}.encoding",
        ) from None
    return text.lstrip("\ufeff")


def sniff_header(src: Source) -> list[str]:
    """The header's column names, after checking that the declared delimiter fits."""
    lines = [ln for ln in head_text(src).splitlines() if ln.strip()]
    header_line = lines[0]
    delim = src.spec.delimiter
    if len(delim) != 1:
        raise DataError(
            f"{src.rel}: {src.key}.delimiter in org.yml must be one character (got {delim!r}).",
            file=src.rel,
            key=f"{src.key}.delimiter",
        )
    header = next(csv.reader([header_line], delimiter=delim))
    sample = lines[1:21]
    best, best_n = None, len(header)
    for cand in _DELIMITERS:
        if cand == delim:
            continue
        n = len(next(csv.reader([header_line], delimiter=cand)))
        if n > best_n and all(len(next(csv.reader([ln], delimiter=cand))) == n for ln in sample):
            best, best_n = cand, n
    if best is not None:
        raise _delimiter_error(src, best, best_n, len(header), sample)
    if not sample:
        raise DataError(
            f"{src.rel}: the file has a header but no data rows. Export it again, or remove "
            f"{src.key} from org.yml.",
            file=src.rel,
            key=src.key,
        )
    return header


def _delimiter_error(
    src: Source, best: str, best_n: int, n_declared: int, sample: list[str]
) -> DataError:
    delim = src.spec.delimiter
    shown = {"\t": "\\t"}.get(best, best)
    msg = (
        f"{src.rel}, line 1: the columns are separated by '{shown}', not '{delim}' "
        f"({best_n} columns with '{shown}', {n_declared} with '{delim}'). "
        f'Set `delimiter: "{shown}"` under {src.key} in org.yml'
    )
    body = "\n".join(sample)
    if best == ";" and re.search(r"\d,\d", body):
        ex = re.search(r"-?\d+,\d+", body)
        msg += (
            f", and `decimal: \",\"` too: numbers use a decimal comma (e.g. '{ex.group(0)}')"
            if ex
            else ', and `decimal: ","` if numbers use a decimal comma'
        )
    return DataError(msg + ".", file=src.rel, lines=[1], key=f"{src.key}.delimiter")


def encoding_error(src: Source) -> DataError:
    """Where the first byte that is not valid in the declared encoding is (line, column)."""
    raw = src.raw_bytes()
    enc = src.spec.encoding
    try:
        raw.decode(enc)
        pos, end = 0, 0
    except UnicodeDecodeError as exc:
        pos, end = exc.start, exc.end
    line = raw.count(b"\n", 0, pos) + 1
    start = raw.rfind(b"\n", 0, pos) + 1
    stop = raw.find(b"\n", pos)
    stop = len(raw) if stop < 0 else stop
    column = _column_at(src, raw, line, raw[start:pos].decode(enc, errors="replace"))
    snippet = (
        raw[max(start, pos - 20) : min(stop, pos + 20)].decode("cp1252", errors="replace").strip()
    )
    where = f", column '{column}'" if column else ""
    return DataError(
        f"{src.rel}, line {line}{where}: byte 0x{raw[pos : end or pos + 1].hex()} is not valid "
        f"{enc} text (around {snippet!r}): the file was saved in another encoding, probably "
        f"Latin-1 / Windows-1252. Set `encoding: latin-1` (or `cp1252`) under {src.key} in "
        "org.yml.",
        file=src.rel,
        column=column,
        lines=[line],
        key=f"{src.key}.encoding",
    )


def _column_at(src: Source, raw: bytes, line: int, prefix: str) -> str | None:
    """The header name of the field that ``prefix`` (a line's start) ends in."""
    header = src.header
    if not header:
        first = raw.split(b"\n", 1)[0].decode(src.spec.encoding, errors="replace")
        first = first.lstrip("\ufeff").rstrip("\r")
        header = next(csv.reader([first], delimiter=src.spec.delimiter), [])
    if line <= 1 or not header:
        return None
    in_quote, fields = False, 0
    for ch in prefix:
        if ch == '"':
            in_quote = not in_quote
        elif ch == src.spec.delimiter and not in_quote:
            fields += 1
    return header[fields] if fields < len(header) else None


def read_columns(src: Source, columns: list[str]) -> pd.DataFrame:
    """The data rows of ``columns``, every cell as text (fatal on a row of the wrong width)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad_rows: list[tuple[int, int, str]] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append((row.expected_columns, row.actual_columns, row.text))
        return "skip"

    enc = src.spec.encoding
    pa_enc = "utf8" if enc.lower().replace("-", "").replace("_", "") == "utf8" else enc
    try:
        table = pacsv.read_csv(
            src.path,
            read_options=pacsv.ReadOptions(encoding=pa_enc, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=src.spec.delimiter,
                newlines_in_values=True,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                include_columns=columns,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except UnicodeDecodeError:
        raise encoding_error(src) from None
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
            raise encoding_error(src) from None
        raise DataError(
            f"{src.rel}: could not be read as CSV ({exc}).", file=src.rel, key=src.key
        ) from None
    if bad_rows:
        raise _ragged_rows_error(src, bad_rows)
    return table.to_pandas()


def _ragged_rows_error(src: Source, bad_rows: list[tuple[int, int, str]]) -> DataError:
    raw = src.raw_bytes().decode(src.spec.encoding, errors="replace")
    found = []
    for _exp, _act, text in bad_rows[:N_EXAMPLES]:
        idx = raw.find(text)
        found.append(raw.count("\n", 0, idx) + 1 if idx >= 0 else None)
    lines = [ln for ln in found if ln is not None]
    exp, act, _ = bad_rows[0]
    hint = (
        " A text cell with the separator inside must be quoted; if numbers use a decimal "
        'comma, the file is probably \';\'-separated: set `delimiter: ";"` and `decimal: ","`.'
        if src.spec.delimiter == ","
        else ""
    )
    if act == 1:
        hint += (
            " A one-field line is often a report footer ('Generated by ...'): export the "
            "report as 'Details only' or delete those lines."
        )
    return DataError(
        f"{src.rel}, line{'s' if len(lines) > 1 else ''} {join_ints(lines)}: {act} fields "
        f"where the header has {exp} ({len(bad_rows):,} such rows).{hint} Fix the export "
        f"or the delimiter under {src.key} in org.yml.",
        file=src.rel,
        lines=lines,
        key=f"{src.key}.delimiter",
    )
