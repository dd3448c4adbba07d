"""Venue clients seen from the outside, for the metrics: tick -> order latency (a book
update leaving the venue's stream -> an order for that market handed to the venue
client) and websocket resyncs (BookInvalidated). A transparent wrapper: everything else
is the wrapped client's."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from predmm.domain.events import BookInvalidated, BookUpdated, PlaceResult, VenueEvent
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.platforms.venue import VenueClient

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


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


class InstrumentedVenue:
    """``client`` with its book-to-order latency and resyncs recorded in ``metrics``."""

    def __init__(self, client: VenueClient, metrics: VenueMetrics) -> None:
        self._client, self._metrics = client, metrics
        self._book_at: dict[MarketId, float] = {}
        self.venue = client.venue
        self.capabilities = client.capabilities

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        inner: AsyncGenerator[VenueEvent, None] = self._client.stream(market_ids)  # type: ignore[assignment]
        async with contextlib.aclosing(inner) as events:
            async for event in events:
                if isinstance(event, BookUpdated):
                    self._book_at[event.book.market_id] = time.perf_counter()
                elif isinstance(event, BookInvalidated):
                    self._metrics.resyncs.labels(self.venue.value).inc()
                yield event

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        now = time.perf_counter()
        for market_id in {o.market_id for o in orders}:
            seen = self._book_at.pop(market_id, None)  # the first order after each update
            if seen is not None:
                self._metrics.tick_to_order.labels(self.venue.value).observe(now - seen)
        return await self._client.place_orders(orders)
