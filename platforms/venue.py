"""The venue client protocol: what the PlatformActor and the feeds need from a venue.

Every venue client (Kalshi, Polymarket, paper, the in-memory fake of the tests) is an
async object used only from the trio thread. It speaks domain values: ``Market``,
``OrderBook``, ``Order``, ``Fill``. Per-order outcomes (accepted, rejected, not found)
come back as results; only transport-level trouble raises, from the ``VenueError`` tree:
``RateLimited`` (back off, retry with the same client order id), ``VenueUnavailable``
(5xx, timeout: the outcome is unknown), ``AuthenticationError`` (do not retry),
``VenueProtocolError`` (the venue sent something unreadable).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from domain.book import OrderBook
from domain.enums import OrderStatus, Venue
from domain.ids import ClientOrderId, MarketId, VenueOrderId
from domain.market import Market
from domain.orders import Fill, Order
from domain.ticks import TickSpec


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a venue can do, so that nobody asks it for what it cannot."""

    amend: bool
    decrease: bool
    max_batch_create: int
    max_batch_cancel: int
    post_only: bool
    dead_man_switch: bool
    fractional_counts: bool
    # rate limiting: a token bucket of ``write_tokens_per_s`` refilled each second,
    # holding at most ``write_burst`` tokens; each request costs its tokens
    write_tokens_per_s: Decimal
    write_burst: Decimal
    order_tokens: Decimal
    cancel_tokens: Decimal


@attrs.frozen(kw_only=True)
class PlaceResult:
    """What became of one order of a placement (batched or not)."""

    client_order_id: ClientOrderId
    status: OrderStatus  # OPEN, PARTIALLY_FILLED, FILLED, CANCELLED (IOC rest), REJECTED
    venue_order_id: VenueOrderId | None = None
    filled_quantity: Decimal = Decimal(0)
    reason: str = ""  # the venue's code or message on rejection


@attrs.frozen(kw_only=True)
class CancelResult:
    client_order_id: ClientOrderId
    cancelled: bool  # False: the venue did not know the order (already gone)
    reduced_by: Decimal = Decimal(0)
    reason: str = ""


@attrs.frozen(kw_only=True)
class Position:
    market_id: MarketId
    yes_contracts: Decimal
    no_contracts: Decimal


@attrs.frozen(kw_only=True)
class FillPage:
    fills: tuple[Fill, ...]
    # pass back for the fills after these: the next page, or those still to come; the
    # same cursor back (or None) when there are none yet
    cursor: str | None


# stream events (past tense: they happened on the venue) ------------------------------


@attrs.frozen(kw_only=True)
class BookUpdated:
    """The whole current book of one market (feeds keep the book and send it whole:
    consumers conflate by market and never need to apply deltas)."""

    book: OrderBook
    venue_ts: datetime | None = None
    received_ts: datetime | None = None


@attrs.frozen(kw_only=True)
class TradePrinted:
    """A trade on the public tape (anybody's)."""

    market_id: MarketId
    price: Decimal  # YES price
    size: Decimal
    venue_ts: datetime | None = None
    received_ts: datetime | None = None


@attrs.frozen(kw_only=True)
class OrderFilled:
    fill: Fill


@attrs.frozen(kw_only=True)
class FillReversed:
    """A provisional fill that failed on chain (Polymarket FAILED trade)."""

    fill: Fill


@attrs.frozen(kw_only=True)
class OrderUpdated:
    client_order_id: ClientOrderId | None
    venue_order_id: VenueOrderId
    market_id: MarketId
    status: OrderStatus
    filled_quantity: Decimal
    remaining_quantity: Decimal
    venue_ts: datetime | None = None


@attrs.frozen(kw_only=True)
class BookInvalidated:
    """The feed lost the book of a market (sequence gap, reconnect): no quoting on it
    until the next BookUpdated."""

    market_id: MarketId
    reason: str


@attrs.frozen(kw_only=True)
class TickSizeChanged:
    market_id: MarketId
    tick: TickSpec


@attrs.frozen(kw_only=True)
class MarketStatusChanged:
    market: Market


VenueEvent = (
    BookUpdated
    | TradePrinted
    | OrderFilled
    | FillReversed
    | OrderUpdated
    | BookInvalidated
    | TickSizeChanged
    | MarketStatusChanged
)


@runtime_checkable
class VenueClient(Protocol):
    """An async venue client, used from the trio thread only."""

    venue: Venue
    capabilities: Capabilities

    async def get_markets(self, status: str = "open") -> list[Market]: ...

    async def get_order_book(self, market_id: MarketId) -> OrderBook: ...

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        """Place up to ``capabilities.max_batch_create`` orders, each with its client
        order id. A client order id the venue already holds is reported as that order,
        never placed twice."""
        ...

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]: ...

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        """Change price and/or size in place (only if ``capabilities.amend``)."""
        ...

    async def cancel_all(self) -> int:
        """Cancel every resting order of the account; return how many."""
        ...

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]: ...

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        """Look an order up by our id (reconciling an UNKNOWN order)."""
        ...

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        """Our fills, oldest first, after ``cursor`` (None: from the beginning), a page at
        a time; a fill may come twice (fill ids deduplicate), none is skipped."""
        ...

    async def get_positions(self) -> list[Position]: ...

    async def get_balance(self) -> Decimal: ...

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        """Book, trade, fill and order events for ``market_ids`` (and our account)."""
        ...

    async def aclose(self) -> None: ...
