"""Rules read from a field's name *and* its values: calendar fields and process-progress fields.

Two kinds of field must never drive a lead score, whatever their statistics say:

* **Calendar and cohort fields** (a creation month, a fiscal year, a course start date): they
  say *when* a lead arrived, not *who* it is, and next period is always new.
  :func:`calendar_reason` drops a field only when its name has a calendar word
  (:data:`CALENDAR_WORDS`) **and** its values are calendar positions (years, months, weeks,
  quarters, dates written as text, or dates stored as spreadsheet day numbers). A loose name
  match is not enough: "Revenue From Client Past Two Years" holds amounts, so it stays.
* **Process-progress fields**: things that grow or change as a deal advances - days in a
  stage, stage-change counts, ratios of days per stage, "last activity" or "last stage"
  snapshots, the duration of a call or meeting, how soon sales first answered. They are known
  only after sales has worked the lead. :func:`progress_name` recognises them by name, from
  the documented list :data:`PROGRESS_NAMES`; :mod:`helpers.scoring.leak_signals` also
  recognises them by their values (a snapshot that keeps growing with the lead's age).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Words that make a field's name a calendar name (a whole word of the name, singular).
CALENDAR_WORDS = ("month", "year", "week", "quarter", "period", "cohort", "date")

#: Process-progress names: plain-words kind -> pattern matched against the field's name
#: (lower case, words joined by ``_``). Documented in the 04 notebook and ``docs/org-yml.md``.
PROGRESS_NAMES: dict[str, str] = {
    "ratio of days per stage": r"ratio_\w*days|days_\w*ratio",
    "days in, per or since a stage": (
        r"days?_(in|per|since|at)_(\w+_)?stage|stage_(age|duration|days)|elapsed_days"
        r"|total_days|days_\w*through|through_(closing|close|qualified|won)"
    ),
    "stage-change count": r"stage_?changes?|changes?_(of|in)_stage|stages?_(count|passed)",
    "last activity, stage or contact (a snapshot at export)": (
        r"(^|_)last_(notable_)?(activity|stage|status|contact|touch|touch_point|call|email"
        r"|interaction|engagement|modified|update|action)|days_(from|since)_last"
    ),
    "time to close": r"days_(to|until|till)_(close|closure|closing|win|won)|time_to_close",
    "duration of a contact": r"(^|_)duration|talk_time|call_length|time_on_(call|phone)",
    "how soon sales first answered (sales' own action)": (
        r"first_(touch|contact|response|call)|response_time|time_to_(first_)?(touch|contact|"
        r"response)|hours_(before|to)_first"
    ),
}


def field_words(name: str) -> str:
    """A field's name in lower case with its words joined by ``_`` (``"Days In Stage"`` ->
    ``"days_in_stage"``)."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def progress_name(name: str) -> str | None:
    """The kind of process-progress field ``name`` names (see :data:`PROGRESS_NAMES`), or None."""
    words = field_words(name)
    for kind, pattern in PROGRESS_NAMES.items():
        if re.search(pattern, words):
            return kind
    return None


_DATE_TEXT = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}\s*[-/ ]?\s*"
    r"[qQwW]\d{1,2}|[qQ][1-4](\s*\d{4})?|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?(\s+\d{2,4})?)(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$",
    re.I,
)
#: Plausible ranges of whole numbers that are calendar positions, by calendar word.
_NUMBER_RANGES = {
    "year": (1900, 2100),
    "month": (1, 12),
    "week": (1, 53),
    "quarter": (1, 4),
    "period": (190001, 210012),  # YYYYMM
    "cohort": (1900, 210012),
    "date": (20_000, 80_000),  # spreadsheet day numbers (1954-2119)
}


def calendar_reason(name: str, values: pd.Series, *, min_share: float = 0.9) -> str | None:
    """Why ``name`` is a calendar or cohort field, or None when it is not one.

    A field is calendar when a whole word of its name is in :data:`CALENDAR_WORDS` and at least
    ``min_share`` of its filled values are calendar positions: dates or periods written as text
    (``2020-03``, ``16/06/2020``, ``2021 Q3``, ``March``), or whole numbers in the range of its
    word (years 1900-2100, months 1-12, ...; a number in a ``date`` field is a spreadsheet day
    number).
    """
    words = set(field_words(name).split("_"))
    hits = [w for w in CALENDAR_WORDS if w in words]
    if not hits:
        return None
    filled = values.dropna()
    if filled.empty:
        return None
    if pd.api.types.is_numeric_dtype(filled) and not pd.api.types.is_bool_dtype(filled):
        v = filled.to_numpy(dtype="float64")
        whole = np.mod(v, 1) == 0
        for w in hits:
            lo, hi = _NUMBER_RANGES[w]
            share = float((whole & (v >= lo) & (v <= hi)).mean())
            if share >= min_share:
                what = "spreadsheet day numbers" if w == "date" else f"{w} numbers"
                return _calendar_sentence(what, filled)
        return None
    text = filled.astype("str")
    share = float(text.str.match(_DATE_TEXT).mean())
    if share >= min_share:
        return _calendar_sentence("dates or periods", filled)
    return None


def _calendar_sentence(what: str, filled: pd.Series) -> str:
    """The audit's reason for a calendar field, with two example values."""
    examples = ", ".join(str(v) for v in pd.unique(filled.astype("str"))[:2])
    return (
        f"calendar/cohort field: its values are {what} ({examples}); they say when a lead "
        "came, not who it is, and next period is always new"
    )
