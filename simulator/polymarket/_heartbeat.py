"""The order-safety heartbeat (dead-man switch) of ``POST /v1/heartbeats``.

The first call, with ``heartbeat_id: ""``, starts a session and returns an id; every
later call must send the last id returned. If no valid heartbeat arrives for
``timeout`` seconds (trio time), all of the account's open orders are cancelled and
the session ends. A wrong id gets 400 with the expected id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import attrs

TIMEOUT_S = 10.0


@attrs.define
class _Session:
    expected_id: str
    deadline: float


class HeartbeatMismatch(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__("Invalid Heartbeat ID")
        self.expected = expected


@attrs.define
class Heartbeats:
    """Sessions keyed by API key; ``now`` is trio time, ``new_id`` makes ids."""

    timeout: float = TIMEOUT_S
    new_id: Callable[[], str] = attrs.field(factory=lambda: lambda: str(uuid.uuid4()))
    _sessions: dict[str, _Session] = attrs.field(factory=dict)

    def beat(self, key: str, heartbeat_id: str, now: float) -> str:
        """Record a heartbeat; return the id the next one must send."""
        session = self._sessions.get(key)
        if session is not None and heartbeat_id not in ("", session.expected_id):
            raise HeartbeatMismatch(session.expected_id)
        if session is None and heartbeat_id:
            raise HeartbeatMismatch("")
        next_id = self.new_id()
        self._sessions[key] = _Session(next_id, now + self.timeout)
        return next_id

    def expired(self, now: float) -> list[str]:
        """Keys whose session timed out; their sessions end here."""
        gone = [key for key, s in self._sessions.items() if s.deadline <= now]
        for key in gone:
            del self._sessions[key]
        return gone

    def next_deadline(self) -> float | None:
        return min((s.deadline for s in self._sessions.values()), default=None)
