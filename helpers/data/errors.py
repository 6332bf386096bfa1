"""Fatal load errors, and the pieces every loader message is built from.

A message names the file, the column or ``org.yml`` key, and the file's own line numbers
(header = line 1), then says what to do. ``DataError`` carries those pieces as attributes so
that tests and the command line can use them.
"""

from __future__ import annotations

import difflib
from typing import Any

from helpers.core import paths
from helpers.core.config import ConfigError

#: How many example rows a message quotes.
N_EXAMPLES = 5


class DataError(ValueError):
    """A fatal problem with an organization's data or ``org.yml``: nothing can run.

    The message is meant for the analyst (file, column, line numbers, what to do).
    ``errors`` lists every fatal problem found in the load (this one first).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        lines: list[int] | None = None,
        key: str | None = None,
        errors: list[DataError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.column = column
        self.lines = list(lines or [])
        self.key = key
        self.errors = errors if errors is not None else [self]


class OrgConfigError(DataError, ConfigError):
    """``org.yml`` is missing or invalid (both a ``DataError`` and a ``ConfigError``)."""


class OrgPathError(DataError, paths.PathEscapeError):
    """A path in ``org.yml`` leaves the organization folder."""


def combined_error(errors: list[DataError]) -> DataError:
    """One error for every fatal problem of a load (numbered), or the single one."""
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    text = f"{len(errors)} problems stop the load:\n" + "\n".join(
        f"{k}. {e.message}" for k, e in enumerate(errors, 1)
    )
    cls = OrgConfigError if isinstance(first, ConfigError) else DataError
    return cls(
        text,
        file=first.file,
        column=first.column,
        lines=first.lines,
        key=first.key,
        errors=errors,
    )


# --------------------------------------------------------------------------- message pieces


def join_ints(values: list[int]) -> str:
    """``[2, 5]`` -> ``"2, 5"``."""
    return ", ".join(str(v) for v in values)


def closest(name: str, options: list[str]) -> str:
    """`` Did you mean 'x'?`` for the closest of ``options`` (empty when none is close)."""
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if not close:
        low = {o.lower(): o for o in options}
        close = [
            low[k] for k in difflib.get_close_matches(name.lower(), list(low), n=1, cutoff=0.5)
        ]
    return f" Did you mean '{close[0]}'?" if close else ""


def short_list(names: list[str], limit: int = 25) -> str:
    """Quoted names, at most ``limit`` of them and how many more."""
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def quote(v: Any) -> str:
    """A value as quoted in a message (at most 40 characters)."""
    text = str(v)
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def singular(what: str) -> str:
    """Verb agreement for one bad value: 'are not numbers' -> 'is not a number'."""
    special = {
        "are not numbers": "is not a number",
        "are not yes/no values": "is not a yes/no value",
        "are not dates": "is not a date",
        "are impossible dates": "is an impossible date",
        "are numbers, not dates": "is a number, not a date",
        "are not SIC codes (1 to 4 digits)": "is not a SIC code (1 to 4 digits)",
        "are not Excel serial day numbers": "is not an Excel serial day number",
    }
    if what in special:
        return special[what]
    for plural, single in (("are ", "is "), ("have ", "has "), ("do not ", "does not ")):
        if what.startswith(plural):
            return single + what[len(plural) :].replace(" or are ", " or is ")
    return what
