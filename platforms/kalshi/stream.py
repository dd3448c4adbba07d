"""The Kalshi feed loop: connect (signed upgrade), subscribe, read, resync, reconnect.

An async generator that holds no nursery and no cancel scope across a ``yield``: the
socket is read in the consumer's own task. A dropped socket invalidates every book,
then the loop reconnects with jittered exponential backoff and resubscribes; a refused
upgrade for bad credentials ends the stream with ``AuthenticationError``.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import trio
from loguru import logger

from predmm.domain.errors import VenueProtocolError
from predmm.domain.events import BookInvalidated, VenueEvent
from predmm.domain.ids import MarketId
from predmm.platforms.kalshi.feed import FeedState
from predmm.platforms.kalshi.http import RetryPolicy
from predmm.platforms.ws import WsClosed, WsConnection

Opener = Callable[[], Awaitable[WsConnection]]


async def feed_events(
    open_connection: Opener,
    market_ids: Sequence[MarketId],
    *,
    clock: Callable[[], datetime],
    backoff: RetryPolicy,
    idle_timeout: float,
    rng: random.Random,
    on_state: Callable[[FeedState], None] = lambda _: None,
    observe: Callable[[VenueEvent], None] = lambda _: None,
    order_groups: bool = False,
) -> AsyncIterator[VenueEvent]:
    failures = 0
    while True:
        try:
            conn = await open_connection()
        except WsClosed as exc:
            failures += 1
            logger.info("kalshi ws connect failed", error=str(exc), failures=failures)
            await trio.sleep(backoff.delay(min(failures, 8), rng))
            continue
        state = FeedState(market_ids, order_groups=order_groups)
        on_state(state)
        try:
            for send in state.opening_commands():
                await conn.send_text(_encode(send.payload))
            while True:
                message = await _receive(conn, idle_timeout)
                events, sends = state.on_message(message, clock())
                for send in sends:
                    await conn.send_text(_encode(send.payload))
                failures = 0
                for event in events:
                    observe(event)
                    yield event
        except WsClosed as exc:
            logger.info("kalshi ws dropped", error=str(exc))
        finally:
            await conn.aclose()
        for mid in market_ids:
            yield BookInvalidated(market_id=mid, reason="websocket reconnect")
        failures += 1
        await trio.sleep(backoff.delay(min(failures, 8), rng))


async def _receive(conn: WsConnection, idle_timeout: float) -> dict[str, Any]:
    """The next message; a socket silent for ``idle_timeout`` (Kalshi pings every ~10 s)
    counts as dropped."""
    with trio.move_on_after(idle_timeout):
        return _decode(await conn.receive_text())
    raise WsClosed(f"Kalshi ws: nothing received for {idle_timeout} s")


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def _decode(text: str) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError:
        raise VenueProtocolError(f"Kalshi ws: message is not JSON: {text[:200]!r}") from None
    if not isinstance(message, dict):
        raise VenueProtocolError(f"Kalshi ws: message is not an object: {text[:200]!r}")
    return message
