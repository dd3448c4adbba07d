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
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from predmm.domain.book import OrderBook
from predmm.domain.enums import Venue
from predmm.domain.events import (
    CancelResult,
    FillPage,
    PlaceResult,
    Position,
    Settlement,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order


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
    # the venue cancels a resting order this many seconds after it was placed or last
    # renewed (an amend at the same price and size: ``amend_order``), unless renewed
    # (None: orders rest until cancelled); the PlatformActor renews them
    order_ttl_s: int | None = None


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

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        """The account's positions: of ``market_ids`` at least (a client may answer for
        more: one read may list them all), or of every market (None)."""
        ...

    async def get_balance(self) -> Decimal: ...

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        """The settlements of those of ``market_ids`` that have resolved, as the venue
        publishes them (the others are left out): what one YES pays, when, and the
        contracts of ours it settled where the venue's record says."""
        ...

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        """Book, trade, fill and order events for ``market_ids`` (and our account)."""
        ...

    async def aclose(self) -> None: ...


def is_paper(client: object) -> bool:
    """Whether ``client`` trades on paper (a ``PaperPlatform``, or a transparent wrapper
    of one): its orders never reach a venue."""
    return getattr(client, "paper", False) is True
