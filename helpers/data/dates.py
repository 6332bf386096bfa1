"""Date columns: declared formats, ISO timestamps, guessed formats, time zones.

Every timestamp ends up as naive UTC (``datetime64[ns]``). Local times are converted from
``org.yml: timezone``; explicit offsets are honoured; a column that only holds dates stays
at midnight (and is recorded as date-only, so hour-level analyses skip it). A format that
fits with both day-first and month-first orders is fatal: ``org.yml`` must say which.

The parsing functions return the parsed column, or the values that do not parse
(``BadValues``) for the loader to report with their line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data.errors import DataError
from helpers.data.text import arrow_array, as_text, is_text

#: Formats tried, in this order, for dates that are not ISO and have no declared format.
DATE_CANDIDATES = (
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y",
    "%d/%m/%y",
    "%m/%d/%y %H:%M",
    "%d/%m/%y %H:%M",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
)
_ISO_DATE_START = r"^\d{4}-\d{1,2}-\d{1,2}"


@dataclass(frozen=True)
class BadValues:
    """Values of a column that cannot be converted: which ones, why, and what to do."""

    values: pd.Series
    mask: np.ndarray
    what: str
    todo: str
    key: str | None = None


@dataclass(frozen=True)
class ParsedDates:
    """A parsed date column; ``naive_local`` when its values are local times without offset.

    ``final`` marks a column that needs no finishing (an entirely empty one).
    """

    ts: pd.Series
    naive_local: bool
    final: bool = False


def parse_dates(
    s: pd.Series, fmt: str | None, *, tz: str, excel: bool, key: str
) -> ParsedDates | BadValues:
    """Parse one column of dates (typed, or text with a declared or recognisable format).

    Raises
    ------
    DataError
        When the declared format ``fmt`` is not a valid format.
    """
    if pd.api.types.is_datetime64_any_dtype(s):
        ts = pd.Series(s)
        aware = ts.dt.tz is not None
        if aware:
            ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        return ParsedDates(ts, naive_local=not aware)
    if not is_text(s):
        return BadValues(
            as_text(s),
            s.notna().to_numpy(),
            "are numbers, not dates",
            "Export dates as text or date cells.",
            key,
        )
    if fmt:
        return _parse_with_format(s, fmt, excel=excel, key=key)
    if len(s.dropna()) == 0:
        return ParsedDates(
            pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]"), True, final=True
        )
    fast = _arrow_timestamps(s)
    if fast is not None:
        return ParsedDates(fast, naive_local=True)
    return _parse_flexible(s, tz=tz, key=key)


#: ``date_formats`` value for Excel's serial day numbers (44124 is 2020-10-20).
EXCEL_SERIAL = "excel"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _parse_excel_serials(s: pd.Series, key: str) -> ParsedDates | BadValues:
    """Excel serial day numbers (a fraction is the time of day) as timestamps."""
    days = pd.to_numeric(s.str.strip(), errors="coerce")
    ok = days.notna() & (days >= 1) & (days < 2_958_466)
    bad = s.notna() & ~ok
    if bad.any():
        return BadValues(
            s, bad.to_numpy(), "are not Excel serial day numbers",
            f"Fix them in the export, or correct {key} in org.yml.", key,
        )
    ms = (days.where(ok) * 86_400_000).round()
    return ParsedDates(_EXCEL_EPOCH + pd.to_timedelta(ms, unit="ms"), naive_local=True)


def _parse_with_format(s: pd.Series, fmt: str, *, excel: bool, key: str) -> ParsedDates | BadValues:
    if fmt.strip().lower() == EXCEL_SERIAL:
        return _parse_excel_serials(s, key)
    try:
        parsed = pd.to_datetime(s, format=fmt, errors="coerce")
    except ValueError as exc:
        raise DataError(
            f"org.yml: {key} '{fmt}' is not a valid date format ({exc}).", key=key
        ) from None
    if excel:  # Excel date cells arrive as ISO text next to the declared format's text
        rest = parsed.isna() & s.notna()
        if rest.any():
            parsed = parsed.astype("datetime64[ns]")
            parsed[rest] = pd.to_datetime(s[rest], format="ISO8601", errors="coerce").astype(
                "datetime64[ns]"
            )
    bad = s.notna() & parsed.isna()
    if bad.any():
        return BadValues(
            s,
            bad.to_numpy(),
            f"do not match the date format '{fmt}' or are impossible dates",
            f"Fix them in the export, or correct {key} in org.yml.",
            key,
        )
    return ParsedDates(parsed, naive_local=True)


def _parse_flexible(s: pd.Series, *, tz: str, key: str) -> ParsedDates | BadValues:
    """ISO dates (with or without offsets), then one guessed format for the rest."""
    aware = False
    try:
        parsed = pd.to_datetime(s, format="ISO8601", errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            aware = True
    except (ValueError, TypeError):
        parsed = _parse_mixed_offsets(s, tz)
        aware = True  # already converted: no further shift
    bad = s.notna() & parsed.isna()
    if bad.any():
        return _parse_other_format(s, parsed, bad, aware=aware, key=key)
    return ParsedDates(parsed, naive_local=not aware)


def _parse_mixed_offsets(s: pd.Series, tz: str) -> pd.Series:
    """ISO values, some with an offset and some local, all converted to naive UTC."""
    has_tz = s.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    parsed[has_tz] = pd.to_datetime(
        s[has_tz], format="ISO8601", errors="coerce", utc=True
    ).dt.tz_localize(None)
    local = pd.to_datetime(s[~has_tz], format="ISO8601", errors="coerce").astype("datetime64[ns]")
    parsed[~has_tz] = localize(local, tz)
    return parsed


def _parse_other_format(
    s: pd.Series, parsed: pd.Series, bad: pd.Series, *, aware: bool, key: str
) -> ParsedDates | BadValues:
    """Values that are not ISO dates: parsed with the one format that fits them all."""
    iso_like = s[bad].str.match(_ISO_DATE_START).fillna(False).astype(bool)
    if iso_like.all():
        return BadValues(
            s,
            bad.to_numpy(),
            "are impossible dates",
            "Fix them in the export (or list the token in na_values).",
            key,
        )
    chosen = guess_format(s[bad & ~s.str.match(_ISO_DATE_START).fillna(False).astype(bool)])
    if isinstance(chosen, tuple):
        example = s[bad].iloc[0]
        return BadValues(
            s,
            bad.to_numpy(),
            "have an ambiguous day/month order",
            f"Set {key} in org.yml to '{chosen[0]}' or '{chosen[1]}' (e.g. {example!r}).",
            key,
        )
    if chosen is None:
        serials = s[bad].str.fullmatch(r"\s*[1-9]\d{4}(\.\d+)?\s*").fillna(False).astype(bool)
        todo = (
            f"They look like Excel serial day numbers (44124 is 2020-10-20): set {key}: "
            f"{EXCEL_SERIAL} in org.yml."
            if serials.all()
            else f"Fix them in the export, or set {key} in org.yml (e.g. '%d/%m/%Y')."
        )
        return BadValues(s, bad.to_numpy(), "are not dates", todo, key)
    if aware:
        return BadValues(
            s,
            bad.to_numpy(),
            f"are in the format '{chosen}' while others carry a time zone",
            f"Export one date format, or set {key} in org.yml.",
            key,
        )
    parsed = parsed.astype("datetime64[ns]")
    parsed[bad] = pd.to_datetime(s[bad], format=chosen, errors="coerce").astype("datetime64[ns]")
    still = s.notna() & parsed.isna()
    if still.any():
        return BadValues(
            s,
            still.to_numpy(),
            f"do not match the format '{chosen}' of the other dates",
            f"Fix them in the export, or set {key} in org.yml.",
            key,
        )
    return ParsedDates(parsed, naive_local=True)


def finish_dates(
    ts: pd.Series, *, naive_local: bool, tz: str, known_date_only: bool, key: str
) -> tuple[pd.Series, bool] | BadValues:
    """Check the years, then convert local times to UTC unless the column holds dates only.

    Returns the column and whether it is newly found to hold dates only (midnights of
    local dates are kept as they are).
    """
    ts = pd.Series(ts)
    years = ts.dt.year
    bad = ts.notna() & ((years < 1900) | (years > 2200))
    if bad.any():
        return BadValues(
            as_text(ts),
            bad.to_numpy(),
            "are impossible dates (year before 1900 or after 2200)",
            "Fix them in the export.",
            key,
        )
    ts = ts.astype("datetime64[ns]")
    nn = ts.dropna()
    date_only = naive_local and bool((nn == nn.dt.normalize()).all())
    if date_only and not known_date_only:
        return ts, True
    if naive_local and tz != "UTC":
        ts = localize(ts, tz)
    return ts, False


def guess_format(values: pd.Series) -> str | tuple[str, str] | None:
    """The one date format that parses every value; a pair when day/month is ambiguous."""
    uniq = pd.Series(values.dropna().unique()[:2000]).astype("str")
    fits = []
    for fmt in DATE_CANDIDATES:
        parsed = pd.to_datetime(uniq, format=fmt, errors="coerce")
        if parsed.notna().all():
            fits.append(fmt)
    if not fits:
        return None
    if len(fits) == 1:
        return fits[0]
    return (fits[0], fits[1])


def localize(ts: pd.Series, tz: str) -> pd.Series:
    """Local naive times in ``tz`` -> naive UTC (ambiguous hours: standard time)."""
    if tz == "UTC":
        return ts
    local = ts.dt.tz_localize(
        tz, ambiguous=np.zeros(len(ts), dtype=bool), nonexistent="shift_forward"
    )
    return local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")


def _arrow_timestamps(s: pd.Series) -> pd.Series | None:
    """ISO timestamps without an offset, parsed by Arrow (fast); None when any value is not one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = arrow_array(s)
        out = pc.cast(arr, pa.timestamp("ns"))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="datetime64[ns]")
