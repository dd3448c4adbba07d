"""Signed HTTP calls to Kalshi's REST API, with the retry rules of the fault model.

* 429: back off (exponential, jittered; Kalshi sends no Retry-After) and retry.
* 5xx, timeouts, dropped connections: the outcome is unknown; retry the same request
  (order creates carry their client order id, so a retry can never place twice: the
  venue answers 409 and the caller looks the order up).
* 401/403: raised at once, never retried.
* Everything else is raised as mapped by ``errors.error_for``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx
import trio
from loguru import logger

from predmm.domain.errors import RateLimited, VenueError, VenueProtocolError, VenueUnavailable
from predmm.platforms.kalshi.errors import error_for
from predmm.platforms.kalshi.signing import KalshiSigner


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry 429 / 5xx / timeouts."""

    attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter in [0.5, 1] of the step."""
        step = min(self.max_delay, self.base_delay * 2**attempt)
        return float(step * (0.5 + rng.random() / 2))


@attrs.frozen(kw_only=True)
class CallStats:
    """Counters a caller may read (tests, metrics)."""

    requests: int = 0
    rate_limited: int = 0
    unavailable: int = 0


Params = Mapping[str, str | int | list[str]]


class KalshiHttp:
    """One base URL, one signer, one ``httpx.AsyncClient``."""

    def __init__(
        self,
        base_url: str,
        signer: KalshiSigner,
        *,
        now_ms: Callable[[], int],
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = trio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._prefix = urlsplit(self.base_url).path
        self._signer = signer
        self._now_ms = now_ms
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)
        self.stats = CallStats()

    def __repr__(self) -> str:
        return f"KalshiHttp(base_url={self.base_url!r}, key_id={self._signer.key_id!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        body: Any = None,
        write: bool = False,
    ) -> Any:
        """The decoded JSON answer (None for 204), retrying 429 and unknown outcomes."""
        endpoint = f"{method} {path}"
        for attempt in range(self._retry.attempts):
            try:
                return await self._once(method, path, params, body, endpoint, write)
            except (RateLimited, VenueUnavailable) as exc:
                self._count(exc)
                if attempt + 1 >= self._retry.attempts:
                    raise
                delay = self._retry.delay(attempt, self._rng)
                logger.debug(
                    "kalshi retry", endpoint=endpoint, error=type(exc).__name__, delay=delay
                )
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _count(self, exc: VenueError) -> None:
        if isinstance(exc, RateLimited):
            self.stats = attrs.evolve(self.stats, rate_limited=self.stats.rate_limited + 1)
        else:
            self.stats = attrs.evolve(self.stats, unavailable=self.stats.unavailable + 1)

    async def _once(
        self, method: str, path: str, params: Params | None, body: Any, endpoint: str, write: bool
    ) -> Any:
        headers = self._signer.headers(self._now_ms(), method, self._prefix + path)
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
        self.stats = attrs.evolve(self.stats, requests=self.stats.requests + 1)
        try:
            response = await self._client.request(
                method, self.base_url + path, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException:
            raise VenueUnavailable(f"Kalshi {endpoint}: timed out") from None
        except httpx.TransportError as exc:
            raise VenueUnavailable(f"Kalshi {endpoint}: {type(exc).__name__}") from None
        return _decode(response, endpoint, write)


def _decode(response: httpx.Response, endpoint: str, write: bool) -> Any:
    if response.status_code >= 300:
        raise error_for(response.status_code, response.content, endpoint, write=write)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise VenueProtocolError(
            f"Kalshi {endpoint}: HTTP {response.status_code} body is not JSON"
        ) from None
