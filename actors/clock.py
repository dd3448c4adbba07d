"""Time, injected: actors read a ``Clock``, tests give them a ``ManualClock``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (safe to share between threads)."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self._lock = threading.Lock()
        self._start = start
        self._elapsed = 0.0

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds


class WorldClock:
    """The time of a simulated world that runs ``scale`` times as fast as the wall clock
    (a ``predmm sim`` world's ``clock.json``): at wall time ``w`` it is ``world_time +
    scale * (w - wall_time)`` (Unix seconds). Its market hours, exits and UTC days are
    the world's; ``monotonic`` stays the wall's (timeouts, rate limits and quote ages are
    about the network and the process, which run on wall time)."""

    def __init__(self, *, world_time: float, wall_time: float, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"world clock time_scale = {scale}: must be greater than 0")
        self.world_time, self.wall_time, self.scale = world_time, wall_time, scale

    def timestamp(self) -> float:
        return self.world_time + self.scale * (time.time() - self.wall_time)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def monotonic(self) -> float:
        return time.monotonic()
