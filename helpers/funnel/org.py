"""The funnel module's entry point for a loaded org: its journeys, with touches."""

from __future__ import annotations

from helpers.core import schema
from helpers.funnel.journeys import Journeys, build_journeys, default_start
from helpers.funnel.touches import add_touches


def from_org(
    data,
    *,
    start: str | None = None,
    target: str | None = None,
) -> Journeys:
    """Journeys (with touches) of an org loaded by :func:`helpers.data.load_org`.

    Stages come from ``org.yml: stages``; the export date is the latest timestamp in
    leads, opportunities and activities; hour-level buckets are turned off when the
    loader found the MQL (start stage) or touch timestamps to be dates only.

    Raises
    ------
    ValueError
        When the org has no leads, or no lead has a date for the first stage.
    """
    if data.leads is None or len(data.leads) == 0:
        raise ValueError("The leads table is empty: the funnel module needs leads.")
    stages = list(data.config.stages)
    acts = data.activities
    extra = [acts["occurred_at"]] if acts is not None and "occurred_at" in acts.columns else []
    j = build_journeys(data.leads, data.opportunities, stages=stages, extra_timestamps=extra)
    if j.table["entered_at"].notna().sum() == 0:
        raise ValueError(
            f"No lead has a date for the first stage ('{stages[0]}'): map created_at (or the "
            "stage's own date) in org.yml; the funnel module needs dates."
        )
    start = start or default_start(stages)
    col = schema.STAGE_TIMESTAMPS.get(start, "created_at")
    date_only = data.is_date_only("leads", col) or (
        data.is_date_only("activities", "occurred_at") if acts is not None
        else data.is_date_only("leads", "first_sales_touch_at")
    )
    return add_touches(j, acts, start=start, target=target, date_only=date_only or None)
