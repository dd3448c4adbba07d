"""Polymarket's HTTP outcomes translated into predmm's exception tree, in one place.

401/403 -> AuthenticationError (never retried); 429 -> RateLimited (``Retry-After``);
425 (matching engine restart), 5xx and transport failures -> VenueUnavailable; other 4xx
-> VenueError carrying the venue's ``error`` text. Messages carry the method, the path and
the venue's text, never a header (so never a secret).
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from predmm.domain.errors import (
    AuthenticationError,
    RateLimited,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.platforms.polymarket._parse import loads

DUPLICATE = "INVALID_ORDER_DUPLICATED"
TICK_RULE = "minimum tick size"


def error_text(response: httpx.Response) -> str:
    """The venue's ``error`` (or ``errorMsg``) string, else the raw body (short)."""
    try:
        body = loads(response.content)
    except VenueProtocolError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("error", "errorMsg", "message"):
            if body.get(key):
                return str(body[key])
    return response.text[:200]


def retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        try:
            body = loads(response.content)
        except VenueProtocolError:
            return None
        raw = body.get("retry_after_seconds") if isinstance(body, dict) else None
    try:
        return float(Decimal(str(raw))) if raw is not None else None
    except ArithmeticError:
        return None


def _code(response: httpx.Response) -> str | None:
    try:
        body = loads(response.content)
    except VenueProtocolError:
        return None
    return str(body["code"]) if isinstance(body, dict) and body.get("code") else None


def from_response(method: str, path: str, response: httpx.Response) -> VenueError:
    status, text = response.status_code, error_text(response)
    where = f"polymarket {method} {path}: HTTP {status}: {text}"
    if status in (401, 403):
        return AuthenticationError(where, status=status, code=_code(response))
    if status == 429:
        return RateLimited(where, retry_after=retry_after(response), status=status)
    if status == 425 or status >= 500:
        return VenueUnavailable(where, status=status, code=_code(response))
    return VenueError(where, status=status, code=_code(response))


def from_transport(method: str, path: str, exc: httpx.HTTPError) -> VenueUnavailable:
    return VenueUnavailable(f"polymarket {method} {path}: {type(exc).__name__}: {exc}")
