"""Step 4, the data-sufficiency gate: enough history to learn a score, else the agreed rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.scoring.labels import LabelResult


@dataclass
class Sufficiency:
    """Whether there is enough history to learn a score (else: the agreed rules)."""

    ok: bool
    leads: int
    conversions: int
    min_leads: int
    min_conversions: int
    message: str


def check_sufficiency(
    labels: LabelResult, *, min_leads: int = 1000, min_conversions: int = 120
) -> Sufficiency:
    """Apply the data-sufficiency gate (Salesforce Einstein Lead Scoring's documented minimum
    of 1,000 leads and 120 conversions is the reference)."""
    n, c = labels.n_eligible, labels.n_conversions
    ok = n >= min_leads and c >= min_conversions
    if ok:
        msg = (
            f"Enough history: {n:,} labelled leads and {c:,} conversions "
            f"(minimum {min_leads:,} / {min_conversions:,})."
        )
    else:
        msg = (
            f"Not enough history to learn a score: {n:,} labelled leads and {c:,} conversions, "
            f"below the minimum of {min_leads:,} / {min_conversions:,}. The agreed MQL rules are "
            "used instead; revisit when more leads have had time to convert."
        )
    return Sufficiency(ok, n, c, int(min_leads), int(min_conversions), msg)


def skip_note(gate: Sufficiency) -> str:
    """The sentence printed by every model section when the gate falls back to the rules."""
    return "Skipped: " + gate.message
