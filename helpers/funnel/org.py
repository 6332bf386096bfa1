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

    Stages come from ``org.yml: stages``, less the stages the export never records
    (:attr:`Journeys.collapsed`); the export date is the latest timestamp in leads,
    opportunities and activities; hour-level buckets are turned off when the loader found
    the MQL (start stage) or touch timestamps to be dates only.

    Raises
    ------
    ValueError
        When the org has no leads, no lead has a date for the first stage, or the export
        records fewer than two stages.
    """
    if data.leads is None or len(data.leads) == 0:
        raise ValueError("The leads table is empty: the funnel module needs leads.")
    stages = list(data.config.stages)
    lead_dates = [c for c in schema.STAGE_TIMESTAMPS.values() if c in data.leads.columns]
    if not any(data.leads[c].notna().any() for c in lead_dates):
        raise ValueError(
            "No lead has a date (created_at, mql_at, sal_at or sql_at), so conversion over time "
            "cannot be measured: map the lead's creation date to created_at in org.yml."
        )
    acts = data.activities
    extra = [acts["occurred_at"]] if acts is not None and "occurred_at" in acts.columns else []
    j = build_journeys(data.leads, data.opportunities, stages=stages, extra_timestamps=extra)
    if j.table["entered_at"].notna().sum() == 0:
        raise ValueError(
            f"No lead has a date for the first stage ('{j.stages[0]}'), so conversion over time "
            "cannot be measured: map created_at (or the stage's own date) in org.yml."
        )
    start = start if start in j.stages else default_start(j.stages)
    target = target if target in j.stages else None
    col = schema.STAGE_TIMESTAMPS.get(start, "created_at")
    date_only = data.is_date_only("leads", col) or (
        data.is_date_only("activities", "occurred_at") if acts is not None
        else data.is_date_only("leads", "first_sales_touch_at")
    )
    return add_touches(j, acts, start=start, target=target, date_only=date_only or None)


def try_from_org(data, *, start: str | None = None, target: str | None = None) -> tuple[Journeys | None, str | None]:
    """:func:`from_org`, or ``(None, reason)`` when the export cannot feed the funnel module.

    The reason is one sentence for ``report.skip_module`` (e.g. a lead export with only a
    conversion flag and no dates).
    """
    try:
        return from_org(data, start=start, target=target), None
    except ValueError as exc:
        return None, f"The funnel module is skipped: {str(exc)[0].lower()}{str(exc)[1:]}"
