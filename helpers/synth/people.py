"""How people appear in the raw leads: names, email addresses, phones, job titles, notes.

Everything is built from small tables of text indexed by integer codes (Arrow ``take``), so
a million leads take a second. A recycled lead keeps its person's name and address; two
different people with the same address get a number in the later one's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth.accounts import People
from helpers.synth.arrays import _cat, _text
from helpers.synth.vocabulary import (
    _C_LEVEL,
    _FIRST,
    _FREE_MAIL,
    _FUNCTION_WORDS,
    _INDIVIDUAL,
    _LAST,
    _PATTERNS,
    COUNTRIES,
    FUNCTIONS,
    SENIORITIES,
    SIZE_BANDS,
    SIZE_EDGES,
)

#: US and Canada area codes of the generated (fictional, 555-01xx) phone numbers.
_AREAS = (212, 415, 617, 312, 206, 512, 303, 404, 646, 720)


def _title_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat array of titles and, per (seniority, function) cell, offset and count."""
    titles: list[str] = []
    off = np.zeros((len(SENIORITIES), len(FUNCTIONS)), dtype=np.int64)
    cnt = np.zeros_like(off)
    for i, s in enumerate(SENIORITIES):
        for j, f in enumerate(FUNCTIONS):
            if s == "C-level":
                cell = list(_C_LEVEL[f])
            elif s == "Individual":
                cell = list(_INDIVIDUAL[f])
            else:
                cell = [p.format(f=w) for p in _PATTERNS[s] for w in _FUNCTION_WORDS[f]]
            off[i, j] = len(titles)
            cnt[i, j] = len(cell)
            titles += cell
    return np.array(titles, dtype=object), off, cnt


def _dedupe_names(names: np.ndarray, taken: set | None = None) -> np.ndarray:
    """``names`` made distinct (and apart from ``taken``) with "Jr.", "II", ... suffixes."""
    seen = set(taken or ())
    out = []
    for nm in names:  # a handful of rep names, not rows
        base, i = nm, 2
        while nm in seen:
            nm = f"{base} {['Jr.', 'II', 'III', 'IV'][min(i - 2, 3)]}" if i < 6 else f"{base} {i}"
            i += 1
        seen.add(nm)
        out.append(nm)
    return np.array(out, dtype=object)


def _domains(names: np.ndarray) -> np.ndarray:
    """Web domains of company ``names`` ("Apex Labs Inc." -> "apexlabs.io" or ".com")."""
    s = pd.Series(names).str.lower()
    s = s.str.replace(r"\b(inc|llc|corp|co|ltd)\.?$", "", regex=True)
    s = s.str.replace(r"[^a-z0-9]", "", regex=True)
    tld = np.where(np.arange(len(names)) % 7 == 0, ".io", ".com")
    return (s + tld).to_numpy(dtype=object)


def _notes(rng, n, first, last, domain, phone, email) -> pd.Series:
    """Free-text notes on ~10% of leads; some hold an email address or a phone number."""
    has = np.flatnonzero(rng.random(n) < 0.10)
    kind = rng.integers(0, 10, size=has.size)
    alt = (
        _text(rng.integers(len(_FIRST), size=has.size), _FIRST).str.lower() + "."
        + _text(rng.integers(len(_LAST), size=has.size), _LAST).str.lower()
    ).to_numpy(dtype=object)
    canned = np.array([
        "Asked for pricing sheet", "Met at booth, interested in Q3 rollout",
        "Call back next quarter", "Evaluating vendors; decision by end of year",
        "Wants a demo for the team", "Existing customer of a competitor",
        "- follow up after webinar",
    ], dtype=object)
    em = email.to_numpy(dtype=object)[has]
    ph = phone.to_numpy(dtype=object)[has]
    dm = domain.to_numpy(dtype=object)[has]
    txt = np.select(
        [kind < 6, kind == 6, kind == 7, kind == 8],
        [
            "" + canned[np.minimum(kind, 5)], "Prefers email: " + em,
            "Assistant says reach at " + ph, "CC " + alt + "@" + dm + " on follow-ups",
        ],
        canned[6],
    )
    out = np.full(n, None, dtype=object)
    out[has] = txt
    return pd.Series(out, dtype="str")


def _staff_names(rng: np.random.Generator, n: int, taken: set | None = None) -> np.ndarray:
    """``n`` distinct staff names (sales reps, account executives), none in ``taken``."""
    first = rng.integers(len(_FIRST), size=n)
    last = rng.integers(len(_LAST), size=n)
    names = np.array([f"{_FIRST[a]} {_LAST[b]}" for a, b in zip(first, last)], dtype=object)
    return _dedupe_names(names, taken=taken)


def _email_domains(p: People) -> tuple[list[str], np.ndarray]:
    """Email domains (the accounts', then free mail) and each lead's code into them."""
    domains = list(_domains(p.A["name"])) + list(_FREE_MAIL)
    dom_code = np.where(p.has_acc, p.accc, p.n_acc + p.phone_n % len(_FREE_MAIL))
    return domains, dom_code


def _emails(p: People, ex: np.ndarray, domains: list[str], dom_code: np.ndarray) -> pd.Series:
    """Email addresses of the exported leads ``ex``."""
    n = p.orig.size
    # local parts from a small table: (first, last, format) -> "jane.doe" / "jdoe" / "jane_doe"
    fl = [f.lower() for f in _FIRST]
    ll = [x.lower() for x in _LAST]
    local_tab = [
        (f"{f}.{x}", f"{f[0]}{x}", f"{f}_{x}")[k_] for f in fl for x in ll for k_ in range(3)
    ]
    local_code = (p.first_i * len(_LAST) + p.last_i) * 3 + p.email_fmt
    # two different people with the same address: the later one gets a number
    key = local_code.astype(np.int64) * (p.n_acc + len(_FREE_MAIL)) + dom_code
    base = p.orig == np.arange(n)
    kb = key[base]
    _, first_pos = np.unique(kb, return_index=True)
    clash_b = np.ones(kb.size, dtype=bool)
    clash_b[first_pos] = False
    suffix = np.zeros(n, dtype=np.int64)  # 0 = no number
    suffix[np.flatnonzero(base)[clash_b]] = 1 + np.flatnonzero(base)[clash_b] % 997
    suffix = suffix[p.orig]  # a recycled lead keeps the person's address
    return (
        _text(local_code[ex], local_tab) + _text(suffix[ex], [""] + [str(i) for i in range(1, 998)])
        + "@" + _text(dom_code[ex], domains)
    )


def _phones(p: People, ex: np.ndarray) -> pd.Series:
    """Phone numbers of the exported leads ``ex``, in their country's format."""
    lc = p.lead_country_i[ex]
    head_tab = (
        [f"+1 ({a_}) 555-01" for a_ in _AREAS] + ["+44 20 7946 0"]
        + [c[3] + " 555 0" for c in COUNTRIES]
    )
    head = np.where(
        np.isin(lc, [0, 1]), p.area[ex], np.where(lc == 2, len(_AREAS), len(_AREAS) + 1 + lc)
    )
    digits_tab = (
        [f"{i:02d}" for i in range(100)] + [f"{i:03d}" for i in range(1000)]
        + [f"{i:04d}" for i in range(10000)]
    )
    pn_ = p.phone_n[ex]
    tail = np.where(np.isin(lc, [0, 1]), pn_ % 100, np.where(lc == 2, 100 + pn_ % 1000, 1100 + pn_))
    return _text(head, head_tab) + _text(tail, digits_tab)


def _job_titles(p: People, ex: np.ndarray) -> pd.Categorical:
    """Job titles of the exported leads ``ex``; a few typed in lower or upper case."""
    titles, t_off, t_cnt = _title_table()
    t_idx = t_off[p.sen, p.fun] + (p.title_u * t_cnt[p.sen, p.fun]).astype(np.int64)
    variant = np.where(p.case_u < 0.04, 1, np.where(p.case_u > 0.985, 2, 0))
    all_titles = np.r_[titles, [t.lower() for t in titles], [t.upper() for t in titles]]
    return _cat(t_idx[ex] + variant[ex] * len(titles), all_titles)


def _size_bands(p: People, ex: np.ndarray) -> pd.Categorical:
    """The company size band typed on the lead: sometimes off by one band, sometimes blank."""
    emp_lead = np.where(p.has_acc, p.A["employees"][p.accc], 0)
    band_i = np.searchsorted(SIZE_EDGES, emp_lead, side="left") + p.band_shift
    band_i = np.clip(band_i, 0, len(SIZE_BANDS) - 1)
    return _cat(np.where(p.band_blank | ~p.has_acc, -1, band_i)[ex], SIZE_BANDS)


def _companies(p: People, ex: np.ndarray) -> pd.Categorical:
    """The company typed on the lead: the account's name, or a filler without an account."""
    no_acc_company = np.array([0, -1, 1])[p.phone_n[ex] % 3]  # "Self-employed", blank, "n/a"
    return _cat(
        np.where(p.has_acc[ex], p.accc[ex] + 2, no_acc_company),
        ["Self-employed", "n/a"] + list(p.A["name"]),
    )
