"""The funnel module's entry point for a loaded org: its journeys, with touches.

The journeys are computed once per run (:func:`store_journeys`, called by
``helpers.data.derive_tables``) and stored with the validated tables; :func:`from_org`
reuses them when they were stored with the same ``start`` and ``target``.
"""

from __future__ import annotations

import pandas as pd

from helpers.core import schema
from helpers.data.derived import read_derived, write_derived
from helpers.funnel.journeys import Journeys, build_journeys, default_start
from helpers.funnel.touches import add_touches

#: The name of the stored journeys (``tables/derived_journeys.parquet``).
JOURNEYS = "journeys"


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
    the MQL (start stage) or touch timestamps to be dates only. Journeys stored with the
    tables by :func:`store_journeys` with the same ``start`` and ``target`` are reused.

    Raises
    ------
    ValueError
        When the org has no leads, no lead has a date for the first stage, or the export
        records fewer than two stages.
    """
    stored = read_derived(data, JOURNEYS, {"start": start, "target": target})
    if stored is not None:
        return _journeys_from_stored(*stored)
    return compute_from_org(data, start=start, target=target)


def compute_from_org(data, *, start: str | None = None, target: str | None = None) -> Journeys:
    """:func:`from_org` computed from the tables (never from a stored table)."""
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


def _journeys_from_stored(frames: dict, meta: dict) -> Journeys:
    """The :class:`Journeys` written by :func:`store_journeys`."""
    return Journeys(
        frames["table"],
        list(meta["stages"]),
        pd.Timestamp(meta["export_date"]),
        int(meta["recycled_dropped"]),
        {s: pd.Timestamp(d) for s, d in meta["recording_start"].items()},
        bool(meta["date_only"]),
        frames["contract"],
        list(meta["collapsed"]),
    )


def store_journeys(data, out_dir, *, start: str | None = None, target: str | None = None) -> dict:
    """Compute the journeys with touches once and store them with the tables of ``out_dir``.

    Returns ``{"journeys": rows}``, or an empty dict when the export cannot feed the
    funnel module (notebook 02 then says why, as it would without this step).
    """
    try:
        j = compute_from_org(data, start=start, target=target)
    except ValueError:
        return {}
    meta = {
        "stages": j.stages,
        "export_date": j.export_date.isoformat() if pd.notna(j.export_date) else None,
        "recycled_dropped": int(j.recycled_dropped),
        "recording_start": {s: pd.Timestamp(d).isoformat() for s, d in j.recording_start.items()},
        "date_only": bool(j.date_only),
        "collapsed": list(j.collapsed),
    }
    write_derived(out_dir, JOURNEYS, {"table": j.table, "contract": j.contract},
                  params={"start": start, "target": target}, meta=meta)
    return {JOURNEYS: len(j.table)}
