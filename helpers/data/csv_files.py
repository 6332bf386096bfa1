"""CSV exports: the declared encoding and delimiter, checked against the file itself.

A wrong delimiter, a Latin-1 file read as UTF-8 or a row with too many fields stops the
load with a message that says which ``org.yml`` setting to change (and, for a French Excel
export, that numbers use a decimal comma too). Before any text is decoded, the file's first
bytes name what it really is (:func:`check_content`): a byte-order mark says UTF-16 (Excel's
"Unicode text"), UTF-32 or UTF-8 whatever ``encoding`` declares, and an Excel workbook, a ZIP,
gzip, Parquet or PDF file under a ``.csv`` name is called by its name. Reading uses PyArrow,
only the needed columns, every cell as text.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import zipfile
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.data.errors import N_EXAMPLES, DataError, join_ints

if TYPE_CHECKING:
    from helpers.data.sources import Source

#: Delimiters tried when the declared one gives fewer columns.
_DELIMITERS = (",", ";", "\t", "|")
#: Byte-order marks (longest first) and the encoding family each one announces.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_family(encoding: str) -> str:
    """``"utf-8"``, ``"utf-16"``, ``"utf-32"`` or the codec's own name (``"iso8859-1"``)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()
    for family in ("utf-8", "utf-16", "utf-32"):
        if name.startswith(family):
            return family
    return name


def ascii_compatible(encoding: str) -> bool:
    """Whether newlines, quotes and delimiters are single ASCII bytes in ``encoding``."""
    return encoding_family(encoding) not in {"utf-16", "utf-32"}


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
    check_content(src, head)
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


def check_content(src: Source, head: bytes) -> None:
    """Refuse a file whose first bytes say it is not text in the declared encoding.

    A byte-order mark names its encoding (UTF-16 is what Excel writes as "Unicode text",
    tab-separated); NUL bytes every other byte are UTF-16 without one; the signatures of
    an Excel workbook (.xlsx or old .xls), a ZIP, gzip, Parquet or PDF file name that kind
    of file. Each case raises a :class:`DataError` saying what the file is and what to set
    or do.
    """
    enc = src.spec.encoding
    declared = encoding_family(enc)
    announced = next((family for bom, family in _BOMS if head.startswith(bom)), None)
    if announced is None and declared not in {"utf-16", "utf-32"}:
        announced = _utf16_without_bom(head)
    if announced is not None and not announced.startswith(declared):
        raise _wrong_encoding_error(src, head, announced)
    if announced is None:
        kind = _file_kind(src, head)
        if kind is not None:
            raise DataError(kind, file=src.rel, key=f"{src.key}.path")


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when every other byte of the text is NUL."""
    sample = head[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _wrong_encoding_error(src: Source, head: bytes, announced: str) -> DataError:
    enc = src.spec.encoding
    key = f"{src.key}.encoding"
    if announced == "utf-8":
        what = "UTF-8 text (it starts with a UTF-8 byte-order mark)"
    elif announced.startswith("utf-16"):
        what = 'UTF-16 text (what Excel saves as "Unicode text")'
    else:
        what = "UTF-32 text"
    setting = "utf-16" if announced == "utf-16" else announced
    msg = (
        f"{src.rel}: this file is {what}, not {enc}: set `encoding: {setting}` under "
        f"{src.key} in org.yml"
    )
    try:
        first = head.decode(setting, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    except LookupError:  # pragma: no cover - the names above are all Python codecs
        first = ""
    if "\t" in first and src.spec.delimiter != "\t":
        msg += ', and `delimiter: "\\t"` (its columns are separated by tabs)'
    return DataError(msg + ".", file=src.rel, key=key)


def _file_kind(src: Source, head: bytes) -> str | None:
    """What a file that is not text is, in a sentence saying what to do (None for text)."""
    name, key = src.rel, src.key
    where = f"`path` under {key} in org.yml"
    if head.startswith(b"PK\x03\x04"):
        if _is_workbook(src):
            return (
                f"{name}: this file is an Excel workbook (.xlsx), not CSV text: save it as "
                f"CSV, or rename it to .xlsx and point {where} at the .xlsx."
            )
        return (
            f"{name}: this file is a ZIP archive, not CSV text: unzip it and point {where} at "
            "the CSV inside."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            f"{name}: this file is an old Excel workbook (.xls), not CSV text: save it as CSV "
            f"or .xlsx, and point {where} at that file."
        )
    if head.startswith(b"\x1f\x8b"):
        return (
            f"{name}: this file is gzip-compressed: rename it to end in .gz and point {where} "
            "at it."
        )
    if head.startswith(b"PAR1"):
        return (
            f"{name}: this file is a Parquet file, not CSV text: rename it to .parquet and "
            f"point {where} at it."
        )
    if head.startswith(b"%PDF"):
        return (
            f"{name}: this file is a PDF document, not a data export: export the table as CSV "
            f"and point {where} at it."
        )
    if b"\x00" in head[:4096]:
        return (
            f"{name}: this file is binary, not CSV text: export the table as CSV (comma- or "
            f"semicolon-separated text) and point {where} at it."
        )
    return None


def _is_workbook(src: Source) -> bool:
    """Whether a ZIP-signed file is an Excel workbook (it holds ``xl/workbook.xml``)."""
    if src.gz:
        return False
    try:
        with zipfile.ZipFile(src.path) as zf:
            return any(n.startswith("xl/") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


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
