"""The CLOB and Gamma REST transport: exact JSON bytes, L2 signing over those bytes,
errors translated once, a bounded back-off on 429 and 425 (nothing happened: safe to
resend the identical request)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import trio

from predmm.domain.errors import RateLimited, VenueUnavailable
from predmm.platforms.polymarket._errors import from_response, from_transport
from predmm.platforms.polymarket._parse import loads
from predmm.platforms.polymarket._signing import ApiCredentials, l2_headers

Params = Mapping[str, str | int] | None


def dumps(body: object) -> bytes:
    """Compact JSON, keys in the order given: these bytes are both signed and sent."""
    return json.dumps(body, separators=(",", ":")).encode()


class Transport:
    """One httpx.AsyncClient and the signing of private requests."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        address: str,
        creds: Callable[[], ApiCredentials | None],
        now: Callable[[], float],
        max_retries: int = 4,
        max_backoff: float = 5.0,
    ) -> None:
        self.client = client
        self._address = address
        self._creds = creds
        self._now = now
        self._max_retries = max_retries
        self._max_backoff = max_backoff
        self.requests = 0  # sent, retries included (tests and metrics read it)

    def _headers(self, method: str, path: str, content: bytes | None, auth: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json"} if content is not None else {}
        if auth:
            creds = self._creds()
            if creds is None:
                raise RuntimeError("no API credentials: call derive_api_key() first")
            ts = int(self._now())
            headers |= l2_headers(creds, self._address, ts, method, path, content)
        return headers

    async def request(
        self,
        method: str,
        url: str,
        path: str,
        *,
        params: Params = None,
        body: object = None,
        auth: bool = False,
        headers: Callable[[], Mapping[str, str]] | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> Any:
        """Send, retrying 429 / 425 with back-off; return the decoded JSON (or None).
        Error statuses in ``accept`` are returned (their body) rather than raised."""
        content = dumps(body) if body is not None else None
        for attempt in range(self._max_retries + 1):
            sent = self._headers(method, path, content, auth)
            if headers is not None:
                sent |= headers()
            response = await self._send(method, url + path, params, content, sent)
            if response.status_code < 400 or response.status_code in accept:
                return loads(response.content) if response.content.strip() else None
            error = from_response(method, path, response)
            retriable = isinstance(error, RateLimited) or (
                isinstance(error, VenueUnavailable) and error.status == 425
            )
            if not retriable or attempt == self._max_retries:
                raise error
            await trio.sleep(self._backoff(error, attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        url: str,
        params: Params,
        content: bytes | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        self.requests += 1
        try:
            return await self.client.request(
                method, url, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise from_transport(method, url, exc) from None

    def _backoff(self, error: Exception, attempt: int) -> float:
        hinted = getattr(error, "retry_after", None)
        delay = hinted if hinted is not None else 0.25 * 2**attempt
        return float(min(max(delay, 0.0), self._max_backoff))
