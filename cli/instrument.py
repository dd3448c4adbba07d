"""Venue clients seen from the outside, for the metrics, the health endpoint, the view
and a shutdown that waits: a transparent wrapper (``InstrumentedVenue``) that records

* tick -> order latency (a book update leaving the venue's stream -> an order for that
  market handed to the venue client) and websocket resyncs (BookInvalidated);
* each venue's connection state (``VenueHealth``): up while its stream delivers and its
  requests are answered, down from the first failure to reach it (a stream that fails,
  a request that times out, answers 5xx or refuses our credentials) until the next
  answer;
* each market's book age (when its last book came) and the calls in flight (what a
  stopping daemon waits for);
* the markets the venue lists (``on_markets``: their titles are journaled).

Everything else is the wrapped client's. Used from the trio thread only.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs
import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram

from predmm.domain.errors import AuthenticationError, VenueError, VenueUnavailable
from predmm.domain.events import BookInvalidated, BookUpdated, VenueEvent
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.platforms.venue import VenueClient

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
Now = Callable[[], float]
# a venue that raises these cannot be traded on: down until its next answer
UNREACHABLE = (VenueUnavailable, AuthenticationError, OSError, httpx.TransportError)


class VenueMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tick_to_order = Histogram(
            "predmm_tick_to_order_seconds",
            "book update out of the feed -> order handed to the venue client",
            ["venue"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.resyncs = Counter(
            "predmm_websocket_resyncs",
            "books invalidated by a feed gap or reconnect",
            ["venue"],
            registry=registry,
        )


@attrs.frozen(kw_only=True)
class VenueState:
    """One venue's connection as last seen (``since``: wall-clock seconds)."""

    venue: str
    connected: bool
    since: float
    error: str = ""
    in_flight: tuple[tuple[str, float], ...] = ()  # (call, started at)
    last_failure: tuple[str, float] | None = None  # (call, when it failed)


class VenueHealth:
    """Connection state, book times and calls in flight of one venue."""

    def __init__(self, venue: str, now: Now = time.time) -> None:
        self.venue, self.now = venue, now
        self.connected: bool | None = None  # None: nothing heard yet
        self.since = now()
        self.error = ""
        self.book_at: dict[MarketId, float] = {}
        self.last_failure: tuple[str, float] | None = None
        self._calls: dict[int, tuple[str, float]] = {}
        self._ids = itertools.count()

    def up(self) -> None:
        if self.connected is not True:
            self.connected, self.since, self.error = True, self.now(), ""

    def down(self, exc: BaseException) -> None:
        text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        if self.connected is not False:
            self.connected, self.since = False, self.now()
        self.error = " ".join(text.split())[:200]

    @contextlib.contextmanager
    def call(self, name: str) -> Any:
        key = next(self._ids)
        self._calls[key] = (name, self.now())
        try:
            yield
        except UNREACHABLE as exc:
            self.down(exc)
            self.last_failure = (name, self.now())
            raise
        except VenueError:
            self.up()  # answered (a rejection, a rate limit): the venue is there
            raise
        else:
            self.up()
        finally:
            del self._calls[key]

    def state(self) -> VenueState:
        return VenueState(
            venue=self.venue,
            connected=bool(self.connected),
            since=self.since,
            error=self.error,
            in_flight=tuple(sorted(self._calls.values(), key=lambda c: c[1])),
            last_failure=self.last_failure,
        )


class InstrumentedVenue:
    """``client`` with its latency, resyncs, health and listed markets recorded."""

    def __init__(
        self,
        client: VenueClient,
        metrics: VenueMetrics,
        *,
        on_markets: Callable[[list[Market]], None] | None = None,
        now: Now = time.time,
    ) -> None:
        self._client, self._metrics, self._on_markets = client, metrics, on_markets
        self._book_seen: dict[MarketId, float] = {}
        self.venue = client.venue
        self.capabilities = client.capabilities
        self.health = VenueHealth(client.venue.value, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        inner: AsyncGenerator[VenueEvent, None] = self._client.stream(market_ids)  # type: ignore[assignment]
        try:
            async with contextlib.aclosing(inner) as events:
                async for event in events:
                    self._saw(event)
                    yield event
        except Exception as exc:
            self.health.down(exc)
            raise

    def _saw(self, event: VenueEvent) -> None:
        if isinstance(event, BookInvalidated):  # the feed lost its book: no sign of life
            self._metrics.resyncs.labels(self.venue.value).inc()
            return
        self.health.up()
        if isinstance(event, BookUpdated):
            market_id = event.book.market_id
            self._book_seen[market_id] = time.perf_counter()
            self.health.book_at[market_id] = self.health.now()

    async def place_orders(self, orders: Sequence[Order]) -> Any:
        now = time.perf_counter()
        for market_id in {o.market_id for o in orders}:
            seen = self._book_seen.pop(market_id, None)  # the first order after each update
            if seen is not None:
                self._metrics.tick_to_order.labels(self.venue.value).observe(now - seen)
        with self.health.call("place_orders"):
            return await self._client.place_orders(orders)

    async def cancel_orders(self, orders: Sequence[Order]) -> Any:
        with self.health.call("cancel_orders"):
            return await self._client.cancel_orders(orders)

    async def cancel_all(self) -> int:
        with self.health.call("cancel_all"):
            return await self._client.cancel_all()

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> Any:
        with self.health.call("amend_order"):
            return await self._client.amend_order(order, price, quantity)

    async def get_markets(self, status: str = "open") -> list[Market]:
        with self.health.call("get_markets"):
            markets = await self._client.get_markets(status=status)
        if self._on_markets is not None:
            self._on_markets(markets)
        return markets

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        with self.health.call("get_open_orders"):
            return await self._client.get_open_orders(market_id)

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Any:
        with self.health.call("get_order"):
            return await self._client.get_order(client_order_id, market_id)

    async def get_fills(self, cursor: str | None = None) -> Any:
        with self.health.call("get_fills"):
            return await self._client.get_fills(cursor)

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> Any:
        with self.health.call("get_positions"):
            return await self._client.get_positions(market_ids)

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> Any:
        with self.health.call("get_settlements"):
            return await self._client.get_settlements(market_ids)

    async def get_balance(self) -> Decimal:
        with self.health.call("get_balance"):
            return await self._client.get_balance()
