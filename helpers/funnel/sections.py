"""Which sections of the funnel notebook an export can feed, and one sentence for each that it cannot.

A section whose input is missing says so in one sentence and draws nothing: never a chart of
an absent quantity (a speed-to-lead chart with every lead "never touched" because the export
has no first-touch date, a column of 100% conversions for a stage nobody records).
"""

from __future__ import annotations

import pandas as pd

from helpers.funnel.journeys import Journeys
from helpers.funnel.speed import has_first_touch
from helpers.funnel.touches import has_touch_data


def _has(t: pd.DataFrame, col: str) -> bool:
    return col in t.columns and bool(t[col].notna().any())


def skipped_sections(journeys: Journeys, *, accounts: pd.DataFrame | None = None) -> dict[str, str]:
    """Section -> why it draws nothing, for the sections this export cannot feed.

    Sections: ``speed_to_lead`` (first sales touch dates), ``buyer_journey`` (an activity
    log with teams), ``touches`` (sales touch counts), ``attribution`` (touches, or account /
    job-title data to judge fit), ``owners`` (``owner_id`` and touches). A section absent from
    the result can run.
    """
    t = journeys.table
    out: dict[str, str] = {}
    touches = has_touch_data(journeys)
    if not has_first_touch(journeys):
        out["speed_to_lead"] = (
            "Speed-to-lead is not recorded: the export has no first sales touch date (an activity log "
            "with a team, or first_sales_touch_at), so this section draws nothing."
        )
    if not (touches and (t.get("touch_source") == "activities").any()):
        out["buyer_journey"] = (
            "The buyer's journey is not recorded: it needs the activity log (every touch with its "
            "team and date), so this section draws nothing."
        )
    if not (touches and _has(t, "sales_touches")):
        out["touches"] = (
            "Sales touches per lead are not recorded (no activity log with a team, no sales_touches "
            "column), so the touches curve draws nothing."
        )
    fit_data = (accounts is not None and _has(t, "account_id")) or _has(t, "job_title")
    if not touches and not fit_data:
        out["attribution"] = (
            "Whose side each lost MQL is on cannot be judged: the export records neither sales touches "
            "nor account or job-title data, so this section draws nothing."
        )
    if not _has(t, "owner_id"):
        out["owners"] = "The by-rep view is skipped: the leads have no owner (owner_id) to compare."
    elif not touches:
        out["owners"] = (
            "The by-rep view is skipped: the export records no sales touches to compare reps on."
        )
    return out
