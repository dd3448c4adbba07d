"""The simulator's clock: simulated time, moved only by ``advance`` or ``set``.

Nothing in the exchange or the flow reads the wall clock: the server's pacing task
advances this clock with trio time, and tests move it by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


class SimClock:
    """A settable clock of aware UTC datetimes."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError(f"clock start {start!r} must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def timestamp(self) -> float:
        """Seconds since the Unix epoch (what the venues' wire formats use)."""
        return self._now.timestamp()

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"cannot move the clock back by {seconds} s")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError(f"cannot move the clock back from {self._now} to {when}")
        self._now = when
