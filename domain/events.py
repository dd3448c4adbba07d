"""What venues answer and tell, venue-neutral: the results of order calls
(``PlaceResult``, ``CancelResult``, ``Position``, ``FillPage``) and the stream events,
past tense (``BookUpdated``, ``TradePrinted``, ``OrderFilled``, ``OrderUpdated``, ...).
Every venue client speaks them (``platforms.venue.VenueClient``); the PlatformActor,
the feeds, the paper venue and the backtest read them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain.book import OrderBook
from predmm.domain.enums import OrderSide, OrderStatus
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Fill
from predmm.domain.ticks import TickSpec


@attrs.frozen(kw_only=True)
class PlaceResult:
    """What became of one order of a placement (batched or not)."""

    client_order_id: ClientOrderId
    status: OrderStatus  # OPEN, PARTIALLY_FILLED, FILLED, CANCELLED (IOC rest), REJECTED
    venue_order_id: VenueOrderId | None = None
    filled_quantity: Decimal = Decimal(0)
    reason: str = ""  # the venue's code or message on rejection
    # when the venue will cancel the order unless it is renewed (None: never)
    expires_at: datetime | None = None
    # refused because the venue's safety net for the account tripped (Kalshi: the order
    # group is triggered): the venue takes nothing more until it is re-armed
    tripped: bool = False


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


@attrs.frozen(kw_only=True)
class Settlement:
    """A market resolved, as the venue publishes it: what one YES contract pays
    (``yes_payout``: 1 when YES won, 0 when NO won, in between for a scalar result; NO
    pays the rest), when the venue says it happened, and the contracts of ours it settled
    when the venue's record says (Kalshi's ``/portfolio/settlements``; None elsewhere)."""

    market_id: MarketId
    yes_payout: Decimal = attrs.field(validator=lambda _, a, v: _payout(a.name, v))
    venue_ts: datetime | None = None
    yes_contracts: Decimal | None = None
    no_contracts: Decimal | None = None
    source: str = ""  # where it was read: "kalshi settlements", "kalshi lifecycle", "gamma" ...

    @classmethod
    def won(
        cls,
        market_id: MarketId,
        side: OrderSide,
        *,
        venue_ts: datetime | None = None,
        source: str = "",
    ) -> Settlement:
        """``side`` won: its contracts pay $1, the other side's nothing."""
        payout = Decimal(1) if side is OrderSide.YES else Decimal(0)
        return cls(market_id=market_id, yes_payout=payout, venue_ts=venue_ts, source=source)

    @property
    def no_payout(self) -> Decimal:
        return 1 - self.yes_payout

    @property
    def outcome(self) -> str:
        """``yes``, ``no``, or ``scalar`` (a payout in between)."""
        if self.yes_payout == 1:
            return "yes"
        return "no" if self.yes_payout == 0 else "scalar"


def _payout(name: str, value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a Decimal between 0 and 1, got {value!r}")


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


@attrs.frozen(kw_only=True)
class SafetyNetTripped:
    """The venue's own safety net for our account fired (Kalshi: our order group's
    limit of matched contracts in 15 s was passed, or it was triggered): it cancelled
    the orders it covers and takes no more until it is re-armed."""

    reason: str
    venue_ts: datetime | None = None


@attrs.frozen(kw_only=True)
class MarketSettled:
    """The venue resolved a market (Kalshi ``market_lifecycle_v2`` ``determined``)."""

    settlement: Settlement
    received_ts: datetime | None = None


VenueEvent = (
    BookUpdated
    | TradePrinted
    | OrderFilled
    | FillReversed
    | OrderUpdated
    | BookInvalidated
    | TickSizeChanged
    | MarketStatusChanged
    | MarketSettled
    | SafetyNetTripped
)
