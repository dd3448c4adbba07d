"""What travels on the control channel: one small JSON request per connection, one
JSON answer, then the connection closes.

A request is ``{"command": C, "reason": R}`` (``reason`` optional), at most
``MAX_REQUEST`` bytes, ending with a newline or the client's end of writing; anything
else is refused with an answer saying why. An answer is a JSON object with ``"ok"`` and,
when it is false, ``"error"`` (one line); the rest depends on the command.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from predmm.domain.errors import PredmmError

COMMANDS = ("halt", "resume", "cancel-all", "reload")
MAX_REQUEST = 4096  # bytes
MAX_ANSWER = 1 << 20
MAX_REASON = 500  # characters


class BadRequest(PredmmError):
    """A request the daemon does not take (its answer says why)."""


@attrs.frozen(kw_only=True)
class Request:
    command: str
    reason: str = ""

    def encode(self) -> bytes:
        return encode(attrs.asdict(self))


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def parse_request(raw: bytes) -> Request:
    """The request in ``raw``; ``BadRequest`` naming what is wrong with it."""
    if len(raw) > MAX_REQUEST:
        raise BadRequest(f"larger than {MAX_REQUEST} bytes")
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadRequest("not a JSON object")
    unknown = sorted(set(data) - {"command", "reason"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}")
    command, reason = data.get("command"), data.get("reason", "")
    if command not in COMMANDS:
        raise BadRequest(f"unknown command {command!r} (one of: {', '.join(COMMANDS)})")
    if not isinstance(reason, str) or len(reason) > MAX_REASON or "\n" in reason:
        raise BadRequest(f"reason must be one line of at most {MAX_REASON} characters")
    return Request(command=command, reason=reason)


def failure(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}


def parse_answer(raw: bytes) -> dict[str, Any]:
    """The daemon's answer; ``PredmmError`` if it is not one."""
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PredmmError(f"the daemon's answer is not JSON: {raw[:200]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise PredmmError(f"the daemon's answer has no 'ok': {raw[:200]!r}")
    return data
