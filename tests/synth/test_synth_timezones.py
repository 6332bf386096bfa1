"""helpers.synth.timezones: local timestamps exist and are unambiguous."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.synth import timezones


def test_local_timestamps_exist_and_are_unambiguous(sample):
    """Local wall times convert to UTC without DST errors (no repeated or skipped hour)."""
    for table, cols in sample.TIMESTAMPS.items():
        df = sample.opps if table == "opportunities" else getattr(sample, table)
        for c in cols:
            s = df[c].dropna()
            utc = s.dt.tz_localize("America/New_York", ambiguous="raise", nonexistent="raise")
            assert len(s) > 0 and utc.notna().all(), (table, c)
            assert (utc.dt.tz_localize(None) == s).all(), (table, c)


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Paris", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
def test_local_time_conversion_avoids_dst_gaps_and_repeats(tz):
    lo, hi = timezones.local_midnight_utc("2021-01-01", tz), timezones.local_midnight_utc("2024-12-31", tz)
    windows, offsets = timezones.ambiguous_windows(tz, lo, hi), timezones.utc_offsets(tz, lo, hi)
    utc = np.arange(lo, hi, 97, dtype=np.int64)
    local = pd.Series(timezones.to_local(utc, tz, windows, offsets))
    back = local.dt.tz_localize(tz, ambiguous="raise", nonexistent="raise").dt.tz_convert("UTC")
    moved = timezones.avoid_ambiguous(utc, windows)
    assert (back.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64) == moved).all()
    assert (np.diff(moved) > 0).all(), "order is preserved"
    assert (moved != utc).mean() < 0.01, "only the nights around a repeated hour move"


def test_local_clock_converts_like_to_local():
    tz = "Europe/Paris"
    lo, hi = timezones.local_midnight_utc("2022-01-01", tz), timezones.local_midnight_utc("2023-01-01", tz)
    clock = timezones.LocalClock.covering(tz, lo, hi)
    utc = np.r_[np.arange(lo, hi, 3_601, dtype=np.int64), timezones.NAT]
    expected = timezones.to_local(utc, tz, clock.windows, clock.offsets)
    local = clock(utc)
    assert local.dtype == np.dtype("datetime64[s]") and np.isnat(local[-1])
    assert (local[:-1] == expected[:-1]).all()
