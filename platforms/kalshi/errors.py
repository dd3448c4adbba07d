"""Kalshi error bodies translated into predmm's exception tree, in one place.

Kalshi answers errors in four shapes (kalshi-notes.md §7), and callers must branch on
the ``code``, never on the text:

1. nested ``{"error": {"code", "message", "details"?}}`` (most 4xx)
2. flat ``{"code", "message", "details"}`` (JSON decode errors; the spec's ErrorResponse)
3. bare validation ``{"msg": "Parameter validation failed ..."}``
4. rate limit ``{"error": "too many requests"}``
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from predmm.domain.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)

ALREADY_EXISTS = "order_already_exists"


@attrs.frozen
class ErrorBody:
    code: str
    message: str = ""
    details: str = ""

    def describe(self) -> str:
        parts = [self.code or "no code"]
        parts += [p for p in (self.message, self.details) if p and p != self.code]
        return ": ".join(parts)


def parse_error_body(raw: bytes | str | dict[str, Any] | None) -> ErrorBody:
    """Any of the four shapes (or garbage) into code / message / details."""
    data = _as_json(raw)
    if not isinstance(data, dict):
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
        return ErrorBody("", text[:200])
    error = data.get("error")
    if isinstance(error, dict):
        return _from_fields(error)
    if isinstance(error, str):
        return ErrorBody(error.replace(" ", "_"), error)
    if "code" in data:
        return _from_fields(data)
    if "msg" in data:
        return ErrorBody("validation_failed", str(data["msg"]))
    return ErrorBody("", json.dumps(data)[:200])


def _as_json(raw: bytes | str | dict[str, Any] | None) -> Any:
    if isinstance(raw, dict) or raw is None:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _from_fields(fields: dict[str, Any]) -> ErrorBody:
    return ErrorBody(
        str(fields.get("code") or ""),
        str(fields.get("message") or ""),
        str(fields.get("details") or ""),
    )


def code_is(body: ErrorBody, code: str) -> bool:
    """Codes may embed ids (``user_not_found:_<uuid>``): compare by prefix."""
    return body.code == code or body.code.startswith(code + ":")


def error_for(status: int, raw: bytes | str | None, endpoint: str, *, write: bool) -> VenueError:
    """The exception for a non-2xx answer to ``endpoint`` (``"POST /portfolio/..."``).

    ``write`` marks order writes, whose 400s and 409s are the venue refusing the order
    (callers turn them into per-order results); on reads they mean we sent something
    the venue could not accept.
    """
    body = parse_error_body(raw)
    error = _error_for(status, body, endpoint, write=write)
    error.__dict__["reason"] = body.describe()
    return error


def _error_for(status: int, body: ErrorBody, endpoint: str, *, write: bool) -> VenueError:
    text = f"Kalshi {endpoint} -> HTTP {status}: {body.describe()}"
    kw: dict[str, Any] = {"status": status, "code": body.code or None}
    if status in (401, 403):
        return AuthenticationError(text, **kw)
    if status == 429:
        return RateLimited(text, **kw)
    if status >= 500 or status in (408, 425):  # 425: matching engine restarting
        return VenueUnavailable(text, **kw)
    if status == 410:
        return VenueProtocolError(
            f"Kalshi {endpoint} is retired (HTTP 410, {body.describe()}): "
            "the adapter must use the V2 order endpoints",
            **kw,
        )
    if status == 409 and code_is(body, ALREADY_EXISTS):
        return DuplicateClientOrderId(text, **kw)
    if status == 404:
        return OrderNotFound(text, **kw)
    if write and status in (400, 409, 422):
        return OrderRejected(text, **kw)
    return VenueProtocolError(text, **kw)


def rejection_reason(error: VenueError) -> str:
    """The short reason put on a rejected order: the venue's code and details."""
    reason = getattr(error, "reason", None)
    return reason if isinstance(reason, str) and reason else (error.code or str(error))
