"""Personal data: columns that look personal, keyed hashing, emails and phones in free text.

A mapped column whose name looks personal (email, phone, a person's name) is dropped unless
``org.yml: hash_columns`` keeps it as a keyed hash (HMAC-SHA256 with a per-organization
secret kept outside ``reports/``), so that a rep or a person still joins across tables
without their name. Emails and phone numbers found in kept free-text columns are replaced;
in a key column they are only reported (rewriting a key would break joins).
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import paths, schema
from helpers.data.errors import N_EXAMPLES, DataError
from helpers.data.results import PiiFinding
from helpers.data.text import arrow_array, as_text, from_codes

if TYPE_CHECKING:
    from helpers.data.mapping import Col

EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE_RE = (
    r"(?<![\w+./:-])(?!\d{4}-\d{2}-\d{2})(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
    r"\d{1,5}(?:[ .-]?\d{1,5}){1,7}(?![\w/:-])"
)
_PERSONAL_NAME_PATTERNS = (
    (re.compile(r"(^|_)(e_?mail|e_?mail_address|email_addr)$"), "an email address"),
    (
        re.compile(
            r"(^|_)(phone|phone_number|telephone|tel|mobile|mobile_phone|cell|cell_phone|fax)$"
        ),
        "a phone number",
    ),
    (
        re.compile(
            r"(^|_)(first|last|full|given|family|middle|sur|contact|person|owner|rep)_?name$"
        ),
        "a person's name",
    ),
    (re.compile(r"^(name|surname|firstname|lastname|fullname|contact)$"), "a person's name"),
    (
        re.compile(r"(^|_)(street|street_address|home_address|linkedin|linkedin_url)$"),
        "a personal address or profile",
    ),
)


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def personal_reason(*names: str) -> str | None:
    """Why a column name looks like personal data (None when it does not)."""
    for name in names:
        n = _norm_name(name)
        for pattern, reason in _PERSONAL_NAME_PATTERNS:
            if pattern.search(n):
                return reason
    return None


# --------------------------------------------------------------------------- keyed hashing


def secret_key_path(org_name: str) -> Path:
    """Where the organization's HMAC key lives (``helpers.core.paths.SECRETS/<slug>.key``)."""
    return Path(paths.SECRETS) / paths.safe_name(paths.org_slug(org_name) + ".key", what="org name")


def secret_key(org_name: str) -> bytes:
    """The organization's HMAC key, created (mode 0600) on first use."""
    path = secret_key_path(org_name)
    reports = Path(paths.REPORTS).resolve()
    if reports == path.parent.resolve() or reports in path.parent.resolve().parents:
        raise DataError(
            f"The secrets folder {path.parent} is inside reports/; set ALIGNMENT_EDGE_SECRETS "
            "elsewhere."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    for _ in range(50):  # another process may be writing it right now
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return bytes.fromhex(text)
        import time

        time.sleep(0.02)
    raise DataError(f"{path}: the secret key file is damaged; delete it (hashed keys will change).")


def keyed_hash(values: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 of each value (case and surrounding spaces ignored), 16 hex characters.

    The same value always gives the same key within an organization, so hashed columns
    still join; without the secret the original value cannot be recovered or guessed.
    """
    text = as_text(values)
    norm = text.str.strip().str.lower()
    codes, uniques = pd.factorize(norm, use_na_sentinel=True)
    hashed = [hmac.digest(key, u.encode("utf-8"), "sha256").hex()[:16] for u in uniques.tolist()]
    return from_codes(codes, hashed, values.index)


# --------------------------------------------------------------------------- free text


def _is_phone(text: str) -> bool:
    """A phone-like match has 9 to 15 digits (E.164 allows at most 15)."""
    return 9 <= sum(ch.isdigit() for ch in text) <= 15


def _redact_phone(m: re.Match) -> str:
    return "[phone removed]" if _is_phone(m.group(0)) else m.group(0)


def pii_masks(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a text column that contain an email address / a phone number."""
    if len(s) > 50_000:
        codes, uniq = pd.factorize(s)
        if len(uniq) < len(s) // 2:
            e, p = pii_masks(pd.Series(uniq, dtype="str"))
            valid = codes >= 0
            em = np.zeros(len(s), bool)
            ph = np.zeros(len(s), bool)
            em[valid] = e[codes[valid]]
            ph[valid] = p[codes[valid]]
            return em, ph
    import pyarrow.compute as pc

    arr = arrow_array(s)
    has_at = pc.match_substring(arr, "@").fill_null(False).to_numpy(zero_copy_only=False)
    digits = (
        pc.match_substring_regex(arr, r"\d[\d .()/-]{7,}\d")
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    email = np.zeros(len(s), dtype=bool)
    phone = np.zeros(len(s), dtype=bool)
    if has_at.any():
        email[has_at] = (
            s[has_at].str.contains(EMAIL_RE, regex=True).fillna(False).to_numpy(dtype=bool)
        )
    if digits.any():
        cand = s[digits].str.replace(EMAIL_RE, " ", regex=True)
        found = cand.str.findall(PHONE_RE)
        phone[digits] = found.map(
            lambda ms: any(_is_phone(m) for m in ms) if isinstance(ms, list) else False
        ).to_numpy(dtype=bool)
    return email, phone


def scan_pii(
    table: str, df: pd.DataFrame, cols: dict[str, Col], hashed: list[str]
) -> list[PiiFinding]:
    """Find emails and phone numbers in the text columns of ``df`` and redact them in place.

    Key columns are not rewritten (joins would break): their emails are only reported.
    Columns in ``hashed``, SIC codes and constants are skipped.
    """
    canon = schema.TABLES[table]
    skip = set(hashed)
    found: list[PiiFinding] = []
    for col in list(df.columns):
        s = df[col]
        if col in skip or not pd.api.types.is_string_dtype(s):
            continue
        if col in canon and canon[col].kind == "sic":
            continue
        c = cols[col]
        if c.src is None:
            continue
        email, phone = pii_masks(s)
        if col in canon and canon[col].kind == "id":
            if email.any():
                found.append(_finding(table, col, c, "email", email, redacted=False))
            continue
        redacted = s
        for kind, mask, pattern in (("email", email, EMAIL_RE), ("phone", phone, PHONE_RE)):
            if mask.any():
                found.append(_finding(table, col, c, kind, mask))
                repl = _redact_phone if kind == "phone" else f"[{kind} removed]"
                sub = redacted[mask].str.replace(pattern, repl, regex=True)
                redacted = redacted.copy()
                redacted[mask] = sub
        if redacted is not s:
            df[col] = redacted.astype("str")
    return found


def _finding(
    table: str, col: str, c: Col, kind: str, mask: np.ndarray, *, redacted: bool = True
) -> PiiFinding:
    pos = c.pos[mask]
    return PiiFinding(
        table,
        col,
        c.source or col,
        c.src.rel,
        kind,
        int(mask.sum()),
        c.src.lines(pos[:N_EXAMPLES]),
        redacted=redacted,
    )
