"""Local wall-clock times from UTC seconds, avoiding the repeated hour of a DST change.

The generator draws every event in UTC seconds since the epoch and writes local naive
timestamps, the way a CRM export shows them. A local time inside the hour that a
daylight-saving change repeats would be ambiguous, so events near one are squeezed around it
(order preserved); the hour a change skips never appears, since times come from UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.synth.vocabulary import DAY, HOUR, NAT


def local_midnight_utc(day: dt.date | str, tz: str) -> int:
    """UTC seconds of local midnight starting ``day`` in time zone ``tz``."""
    ts = pd.Timestamp(str(day)).tz_localize(tz).tz_convert("UTC")
    return int(ts.value // 1_000_000_000)


def _wall_clock(sec: np.ndarray, tz: str) -> pd.DatetimeIndex:
    """UTC seconds -> local naive wall-clock times in ``tz``."""
    utc = pd.DatetimeIndex(sec.astype("datetime64[s]")).tz_localize("UTC")
    return utc.tz_convert(tz).tz_localize(None)


def ambiguous_windows(tz: str, lo: int, hi: int) -> np.ndarray:
    """UTC second ranges whose local wall time is ambiguous (the repeated DST hour)."""
    step = 900  # quarter hours: offsets change on the hour, half hour or quarter hour
    lo = (int(lo) // DAY - 2) * DAY
    grid = np.arange(lo, hi + 2 * DAY, step, dtype=np.int64)
    local = _wall_clock(grid, tz)
    dup = pd.Index(local).duplicated(keep=False)
    if not dup.any():
        return np.empty((0, 2), dtype=np.int64)
    starts = grid[dup]
    brk = np.r_[True, np.diff(starts) > step]  # merge consecutive quarter hours into windows
    a = starts[brk]
    b = starts[np.r_[brk[1:], True]] + step
    return np.stack([a, b], axis=1)


def avoid_ambiguous(sec: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Squeeze times around each ambiguous window so none falls inside (order preserved).

    Times in ``[a - 2h, b + 2h)`` are mapped linearly onto ``[a - 2h, a) U [b, b + 2h)``;
    times elsewhere do not move.
    """
    out = sec.copy()
    ok = sec != NAT
    for a, b in windows:
        lo, hi = a - 2 * HOUR, b + 2 * HOUR
        m = ok & (sec >= lo) & (sec < hi)
        if not m.any():
            continue
        good = (a - lo) + (hi - b)
        y = lo + (sec[m] - lo) * good // (hi - lo)
        y = np.where(y >= a, y + (b - a), y)
        out[m] = y
    return out


def utc_offsets(tz: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants where ``tz`` changes its offset, and the offset (seconds) from each one on."""
    lo = (int(lo) // DAY - 2) * DAY
    hours = np.arange(lo, hi + 2 * DAY, HOUR, dtype=np.int64)
    local = _wall_clock(hours, tz)
    off = local.to_numpy().astype("datetime64[s]").astype(np.int64) - hours
    change = np.flatnonzero(np.diff(off) != 0) + 1
    starts = [hours[0]]
    for i in change:  # refine each change to the minute
        mins = np.arange(hours[i - 1], hours[i] + 60, 60, dtype=np.int64)
        lm = _wall_clock(mins, tz)
        mo = lm.to_numpy().astype("datetime64[s]").astype(np.int64) - mins
        starts.append(mins[np.argmax(mo == off[i])])
    return np.array(starts, dtype=np.int64), np.r_[off[0], off[change]]


def to_local(
    sec: np.ndarray, tz: str, windows: np.ndarray, offsets: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """UTC seconds (NAT for missing) -> local naive ``datetime64[s]`` (NaT for missing)."""
    s = avoid_ambiguous(sec, windows)
    starts, off = offsets
    ok = s != NAT
    i = np.clip(np.searchsorted(starts, s, side="right") - 1, 0, off.size - 1)
    out = np.where(ok, s + off[i], NAT)
    return out.astype("datetime64[s]")



@dataclass(frozen=True)
class LocalClock:
    """Converts UTC seconds to local naive times in ``tz`` over one stretch of history.

    Call it on an array of UTC seconds (NAT for missing); build it with :meth:`covering`.
    """

    tz: str
    windows: np.ndarray
    offsets: tuple[np.ndarray, np.ndarray]

    @classmethod
    def covering(cls, tz: str, lo: int, hi: int) -> LocalClock:
        """A clock for times between UTC seconds ``lo`` and ``hi``."""
        return cls(tz, ambiguous_windows(tz, lo, hi), utc_offsets(tz, lo, hi))

    def __call__(self, sec: np.ndarray) -> np.ndarray:
        return to_local(sec, self.tz, self.windows, self.offsets)
