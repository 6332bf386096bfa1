"""The feature-availability audit: every field considered, when it is known, used or why not.

The timing column is honest: *known at scoring moment* only where dates prove it (marketing
activities counted up to the moment, dated fields compared with it), the user's ``org.yml``
declaration where there is one, and otherwise *timing unknown (no field history)* - an export
without field history cannot show when a value was typed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.scoring.features import FeatureSet
from helpers.scoring.leakage import LeakReport, decision_of

UNKNOWN_TIMING = "timing unknown (no field history)"
_DECLARED = {
    "before_contact": "declared in org.yml: known before contact",
    "after_contact": "declared in org.yml: known only after contact",
    "after_outcome": "declared in org.yml: known only after the outcome",
}
_STATUS_ORDER = {
    "used": 0,
    "used, suspicious": 1,
    "used, kept on purpose": 2,
    "excluded: leak": 3,
    "not used": 4,
}


def field_timing(fs: FeatureSet, feature: str, decisions: Any = None) -> str:
    """When ``feature`` is known: declared in ``org.yml``, proven by dates, or unknown."""
    declared = decision_of(decisions, feature).get("known_at")
    if declared in _DECLARED:
        return _DECLARED[declared]
    return fs.timing.get(feature, UNKNOWN_TIMING)


def feature_audit(
    fs: FeatureSet, leaks: pd.DataFrame | LeakReport, decisions: Any = None
) -> pd.DataFrame:
    """Every field considered: where it comes from, when it is known, used or why not.

    Parameters
    ----------
    fs : FeatureSet
        The features after :func:`helpers.scoring.drop_leaks` (its ``skipped`` lists the rest).
    leaks : DataFrame or LeakReport
        The leakage check's verdicts.
    decisions : mapping, optional
        ``org.yml: field_decisions``, shown in the timing and decision columns.

    Returns
    -------
    DataFrame
        ``field, source, timing, status, single_auc, reason, decision``: used fields first,
        then the suspicious and kept ones, the excluded leaks and the fields not used.
    """
    table = leaks.table if isinstance(leaks, LeakReport) else leaks
    lk = table.set_index("feature") if len(table) else table
    rows = []
    for c in list(fs.columns) + [c for c in fs.skipped if c not in fs.columns]:
        row = lk.loc[c] if c in lk.index else None
        auc = float(row["single_auc"]) if row is not None else np.nan
        status, reason = _status(c, fs, row)
        source = fs.sources.get(c, f"leads.{c}" if "." not in c else c)
        decision = str(row["decision"]) if row is not None else ""
        timing = field_timing(fs, c, decisions)
        rows.append((c, source, timing, status, auc, reason, decision))
    out = pd.DataFrame(
        rows, columns=["field", "source", "timing", "status", "single_auc", "reason", "decision"]
    )
    return out.sort_values("status", key=lambda s: s.map(_STATUS_ORDER), kind="stable").reset_index(
        drop=True
    )


def _status(c: str, fs: FeatureSet, row: pd.Series | None) -> tuple[str, str]:
    """The audit status of one field and the reason shown beside it."""
    if row is not None and row["verdict"] == "excluded":
        return "excluded: leak", str(row["reason"])
    if c in fs.columns:
        if row is not None and row["verdict"] == "suspicious":
            return "used, suspicious", str(row["reason"])
        if row is not None and row["verdict"] == "kept on purpose":
            return "used, kept on purpose", str(row["reason"])
        return "used", "no leak signal"
    why = fs.skipped.get(c, "")
    return ("excluded: leak" if why.startswith("leak") else "not used"), why


def calendar_fields(fs: FeatureSet) -> dict[str, str]:
    """The fields the calendar rule dropped, with its reason."""
    return {c: why for c, why in fs.skipped.items() if why.startswith("calendar/cohort")}
