"""One mapped column, typed: ids, categories, SIC codes, numbers, booleans, dates, hashes.

``ColumnConverter.convert`` applies ``org.yml`` (``values`` maps, ``scales``, ``decimal`` /
``thousands``, ``booleans``, ``date_formats``, ``na_values``) to one column and returns it
typed by its canonical kind (inferred for a feature column), or reports every value that
does not fit, with the file's line numbers, and returns None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from helpers.core import schema
from helpers.core.config import FileSpec, JoinSpec, OrgConfig
from helpers.data.dates import BadValues, finish_dates, parse_dates
from helpers.data.errors import DataError, singular
from helpers.data.mapping import Col
from helpers.data.privacy import keyed_hash
from helpers.data.text import as_text, from_codes, is_text, norm_id, obj_text

# Columns this long whose first rows repeat a few values are converted per distinct value.
_DICT_MIN_ROWS = 200_000
_DICT_SAMPLE = 50_000
_DICT_MAX_UNIQUE = 2_000


def spec_kind(table: str, column: str) -> str | None:
    """The canonical kind of ``table.column`` (None for a feature column)."""
    col = schema.TABLES[table].get(column)
    return col.kind if col else None


class ColumnConverter:
    """Types the columns of one table; fatal problems go to the shared ``errors`` list.

    Parameters
    ----------
    config : OrgConfig
    table : str
        Canonical table.
    spec : FileSpec
        The table's main file (its ``decimal``/``thousands`` apply to constants).
    na_tokens : list of str
        Cell texts read as missing.
    errors : list of DataError
        Where fatal problems are appended.
    date_only : dict
        ``table -> columns`` holding dates only; updated as date columns are found.
    hash_key : callable
        Returns the organization's secret key (only called when a column is hashed).
    """

    def __init__(
        self,
        config: OrgConfig,
        table: str,
        spec: FileSpec,
        na_tokens: list[str],
        errors: list[DataError],
        date_only: dict[str, list[str]],
        hash_key: Callable[[], bytes],
    ) -> None:
        self.config = config
        self.table = table
        self.spec = spec
        self.na_tokens = na_tokens
        self.errors = errors
        self.date_only = date_only
        self.hash_key = hash_key

    def fail(self, message: str, **kw: Any) -> None:
        self.errors.append(DataError(message, **kw))

    # ---- one column
    def convert(self, c: Col, raw: pd.Series, *, hashed: bool) -> pd.Series | None:
        """One mapped column, typed (None when some values do not fit).

        Long repetitive text columns are converted once per distinct value and expanded
        back (same result, a fraction of the work); when that finds a problem the column is
        converted again row by row, so that messages count rows and quote their lines.
        """
        if (
            len(raw) >= _DICT_MIN_ROWS
            and is_text(raw)
            and raw.iloc[:_DICT_SAMPLE].nunique(dropna=False) <= _DICT_MAX_UNIQUE
        ):
            codes, uniq = pd.factorize(raw, use_na_sentinel=False)
            if len(uniq) <= max(_DICT_MAX_UNIQUE * 4, len(raw) // 20):
                first = np.full(len(uniq), -1, dtype="int64")
                first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
                cu = Col(c.target, c.source, c.src, None if c.pos is None else c.pos[first])
                n_err = len(self.errors)
                res = self._convert_values(cu, pd.Series(uniq, dtype=raw.dtype), hashed=hashed)
                if len(self.errors) == n_err and res is not None:
                    return res.iloc[codes].reset_index(drop=True)
                del self.errors[n_err:]
        return self._convert_values(c, raw, hashed=hashed)

    def _convert_values(self, c: Col, raw: pd.Series, *, hashed: bool) -> pd.Series | None:
        table, cfg = self.table, self.config
        kind = spec_kind(table, c.target)
        vmap = cfg.values.get(table, {}).get(c.target)
        fmt = cfg.date_formats.get(table, {}).get(c.target)
        typed = not is_text(raw)
        if typed and vmap is None and not hashed and kind not in ("bool",):
            clean = raw
        else:
            text = as_text(raw)
            stripped = text.str.strip()
            empty = stripped.isna() | (stripped == "")
            na_tok = stripped.isin(self.na_tokens)
            clean = stripped.mask(empty | na_tok)
            mapped = pd.Series(False, index=raw.index)
            if vmap:
                clean, mapped = apply_value_map(clean, vmap)
            if kind == "bool" or (
                kind is None and not hashed and looks_boolean(clean, cfg) and fmt is None
            ):
                return self._bool(c, clean, empty & ~mapped)
        if hashed:
            if kind == "id":
                clean = norm_id(clean)
            return keyed_hash(clean, self.hash_key())
        if kind is None:
            kind = (
                "datetime" if fmt else self._infer_kind(clean, c.src.spec if c.src else self.spec)
            )
        return self._typed(kind, c, clean, typed=typed, fmt=fmt)

    def _typed(
        self, kind: str, c: Col, clean: pd.Series, *, typed: bool, fmt: str | None
    ) -> pd.Series | None:
        if kind == "id":
            return norm_id(clean)
        if kind == "str":
            return self._category(c, as_text(clean) if typed else clean)
        if kind == "sic":
            return self._sic(c, as_text(clean) if typed else clean)
        if kind in ("float", "int"):
            return self._number(c, clean)
        if kind == "datetime":
            return self._datetime(c, clean, fmt)
        if kind == "bool":
            return clean.astype("boolean")
        raise AssertionError(kind)

    def _infer_kind(self, s: pd.Series, spec: FileSpec | JoinSpec) -> str:
        """Type of a feature column from its values: number, date, else text."""
        if not is_text(s):
            if pd.api.types.is_bool_dtype(s):
                return "bool"
            if pd.api.types.is_numeric_dtype(s):
                return "float"
            if pd.api.types.is_datetime64_any_dtype(s):
                return "datetime"
            return "str"
        nn = s.dropna()
        if len(nn) == 0:
            return "str"
        uniq = pd.Series(nn.unique()).astype("str")
        if uniq.str.match(r"^0\d").any():  # leading zeros: a code, not a number
            return "str"
        nums = parse_numbers(uniq, spec.decimal, spec.thousands, self.config.currency)
        if nums.notna().all():
            return "float"
        iso = (
            r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?$"
        )
        if uniq.str.match(iso).all():
            return "datetime"
        return "str"

    def _bad(
        self,
        c: Col,
        values: pd.Series,
        mask: np.ndarray,
        what: str,
        todo: str,
        key: str | None = None,
    ) -> None:
        """Report the values in ``mask``: how many, where, examples, what to do."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        where, lines, file = c.where(mask)
        examples = c.examples(values, mask)
        if count == 1:  # "are not numbers" -> "is not a number" style agreement
            what = singular(what)
        self.fail(
            f"{c.label(self.table)}: {count:,} value{'s' if count > 1 else ''} {what}{where}, e.g. "
            f"{examples}. {todo}",
            file=file,
            column=c.source or c.target,
            lines=lines,
            key=key,
        )

    def _report(self, c: Col, bad: BadValues) -> None:
        self._bad(c, bad.values, bad.mask, bad.what, bad.todo, key=bad.key)

    # ---- one kind
    def _bool(self, c: Col, clean: pd.Series, empty: pd.Series) -> pd.Series | None:
        b = self.config.booleans
        true_set = {t.lower() for t in b.true} | {"true"}
        false_set = {t.lower() for t in b.false} | {"false"}
        low = clean.str.lower()
        out = pd.Series(pd.NA, index=clean.index, dtype="boolean")
        out[low.isin(true_set).to_numpy()] = True
        out[low.isin(false_set).to_numpy()] = False
        if "" in false_set:
            out[empty.to_numpy()] = False
        bad = clean.notna() & ~low.isin(true_set | false_set)
        if bad.any():
            self._bad(
                c,
                clean,
                bad.to_numpy(),
                "are not yes/no values",
                f"Add them to booleans.true / booleans.false, or map them under "
                f"values.{self.table}.{c.target} in org.yml.",
                key=f"values.{self.table}.{c.target}",
            )
            return None
        return out

    def _category(self, c: Col, s: pd.Series) -> pd.Series | None:
        table = self.table
        allowed = {"outcome": schema.OUTCOMES, "team": schema.TEAMS}.get(c.target)
        if allowed is None or table not in ("opportunities", "activities"):
            return s.astype("str")
        low = s.str.strip().str.lower()
        bad = low.notna() & ~low.isin(allowed)
        if bad.any():
            found = sorted(set(s[bad].unique()))[:8]
            self._bad(
                c,
                s,
                bad.to_numpy(),
                f"are not one of {', '.join(allowed)}",
                f"Map each label under values.{table}.{c.target} in org.yml, e.g. "
                + ", ".join(f"'{v}': {allowed[0]}" for v in found[:3])
                + ".",
                key=f"values.{table}.{c.target}",
            )
            return None
        return low.astype("str")

    def _sic(self, c: Col, s: pd.Series) -> pd.Series | None:
        t = s.str.replace(r"\.0+$", "", regex=True)
        ok = t.str.fullmatch(r"\d{1,4}")
        bad = t.notna() & ~ok.fillna(False).astype(bool)
        if bad.any():
            self._bad(
                c,
                s,
                bad.to_numpy(),
                "are not SIC codes (1 to 4 digits)",
                "Fix them in the export or list them in na_values.",
            )
            return None
        return t.str.zfill(4).astype("str")

    def _number(self, c: Col, s: pd.Series) -> pd.Series | None:
        spec = self.spec if c.src is None else c.src.spec
        if not is_text(s):
            if pd.api.types.is_bool_dtype(s):
                out = s.astype("float64")
            else:
                out = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            out = parse_numbers(s, spec.decimal, spec.thousands, self.config.currency)
            bad = s.notna() & out.isna()
            if bad.any():
                self._bad_numbers(c, s, bad, spec)
                return None
        scale = self.config.scales.get(self.table, {}).get(c.target)
        if scale is not None:
            out = out * float(scale)
        return out

    def _bad_numbers(self, c: Col, s: pd.Series, bad: pd.Series, spec: FileSpec | JoinSpec) -> None:
        """Report text that is not a number, with the ``org.yml`` setting that would read it."""
        vals = s[bad]
        key = f"{c.src.key if c.src else 'constants'}"
        if vals.str.fullmatch(r"-?\d+,\d+").mean() > 0.5 and spec.decimal != ",":
            todo = (
                f'They use a decimal comma: set `decimal: ","` under {key} in org.yml '
                "(and `delimiter: \";\"` if the file is ';'-separated)."
            )
            key = f"{key}.decimal"
        elif vals.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").mean() > 0.5:
            todo = f"They use ',' between thousands: set `thousands: \",\"` under {key} in org.yml."
            key = f"{key}.thousands"
        else:
            todo = (
                f"Fix them in the export, add tokens such as 'n/a' to na_values, or map them "
                f"under values.{self.table}.{c.target} in org.yml."
            )
        self._bad(c, s, bad.to_numpy(), "are not numbers", todo, key=key)

    def _datetime(self, c: Col, s: pd.Series, fmt: str | None) -> pd.Series | None:
        key = f"date_formats.{self.table}.{c.target}"
        tz = self.config.timezone
        excel = c.src is not None and c.src.fmt == "excel"
        try:
            parsed = parse_dates(s, fmt, tz=tz, excel=excel, key=key)
        except DataError as exc:
            self.errors.append(exc)
            return None
        if isinstance(parsed, BadValues):
            self._report(c, parsed)
            return None
        if parsed.final:
            return parsed.ts
        known = c.target in self.date_only.get(self.table, [])
        done = finish_dates(
            parsed.ts, naive_local=parsed.naive_local, tz=tz, known_date_only=known, key=key
        )
        if isinstance(done, BadValues):
            self._report(c, done)
            return None
        ts, date_only = done
        if date_only:
            self.date_only.setdefault(self.table, []).append(c.target)
        return ts


# --------------------------------------------------------------------------- value helpers


def apply_value_map(clean: pd.Series, vmap: dict[str, Any]) -> tuple[pd.Series, pd.Series]:
    """Replace export values by canonical ones (ignoring case); '*' = any other value."""
    table = {str(k).strip().lower(): v for k, v in vmap.items() if k != "*"}
    low = clean.str.lower()
    hit = low.isin(list(table)).fillna(False).astype(bool)
    if "*" in vmap:
        wild = clean.notna() & ~hit
    else:
        wild = pd.Series(False, index=clean.index)
    if not hit.any() and not wild.any():
        return clean, hit
    codes, uniq = pd.factorize(clean, use_na_sentinel=True)
    new = []
    for u in uniq.tolist():
        k = u.strip().lower()
        v = table[k] if k in table else vmap.get("*", u) if "*" in vmap else u
        new.append(None if v is None else obj_text(v))
    return from_codes(codes, new, clean.index), (hit | wild)


def looks_boolean(clean: pd.Series, cfg: OrgConfig) -> bool:
    """True when a feature column only holds yes/no tokens (and not just 0/1)."""
    nn = clean.dropna()
    if len(nn) == 0:
        return False
    uniq = {str(u).lower() for u in nn.unique()[:50]}
    if len(uniq) > 2 or uniq <= {"0", "1"}:
        return False
    tokens = {t.lower() for t in cfg.booleans.true + cfg.booleans.false} | {"true", "false"}
    return uniq <= tokens and bool(uniq & {"true", "false", "yes", "no", "y", "n"})


def parse_numbers(s: pd.Series, decimal: str, thousands: str | None, currency: str) -> pd.Series:
    """Text to float64 (NaN where not a number); spaces and currency marks ignored."""
    if decimal == "." and thousands is None:
        out = pd.to_numeric(s, errors="coerce")
        rest = s.notna() & out.isna()
        if not rest.any():
            return out.astype("float64")
        out = out.astype("float64")
        out[rest] = pd.to_numeric(_strip_money(s[rest], currency), errors="coerce")
        return out
    t = _strip_money(s, currency)
    if thousands:
        t = t.str.replace(thousands, "", regex=False)
    if decimal != ".":
        t = t.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(t, errors="coerce").astype("float64")


def _strip_money(s: pd.Series, currency: str) -> pd.Series:
    t = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    mark = rf"(?:[$€£¥]|{re.escape(currency)})"
    return t.str.replace(rf"^{mark}|{mark}$", "", regex=True)
