"""The messages actors exchange: commands are imperative, events past tense, queries
``Get…`` (answered by ``ask``, which only a starting MarketActor and the engine use).
``Reserve`` and ``SubmitOrders`` travel by direct call (``actors.direct``), on the
MarketActor's thread. All frozen; every field immutable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import pykka

from predmm.domain.enums import TradingState, Venue
from predmm.domain.events import VenueEvent
from predmm.domain.exposure import EventExposure, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Fill, Order
from predmm.domain.outcomes import VenueGroup
from predmm.platforms.bridge import DataReady, JobDone, MarketDataChanged

__all__ = ["DataReady", "JobDone", "MarketDataChanged"]

Reply = Callable[[Any], None]
Ref = pykka.ActorRef[Any]

# --- PlatformActor ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AttachPortfolio:
    """Where the PlatformActor reports fills and closed orders: by direct call when
    ``direct`` is given, so the portfolio knows of them before any market does."""

    portfolio: Ref
    direct: Any = None  # actors.direct.DirectRef


@attrs.frozen(kw_only=True)
class AttachMarket:
    """Route fills and order updates of ``market_id`` to ``ref`` (a new incarnation)."""

    market_id: MarketId
    ref: Ref


@attrs.frozen(kw_only=True)
class DetachMarket:
    market_id: MarketId
    ref: Ref


@attrs.frozen(kw_only=True)
class PlaceOrders:
    orders: tuple[Order, ...]


@attrs.frozen(kw_only=True)
class CancelOrders:
    client_order_ids: tuple[ClientOrderId, ...]


@attrs.frozen(kw_only=True)
class AmendOrder:
    client_order_id: ClientOrderId
    price: Decimal
    quantity: Decimal  # the new total, filled plus resting


@attrs.frozen(kw_only=True)
class CancelMarketOrders:
    market_id: MarketId


@attrs.frozen(kw_only=True)
class CancelAll:
    """Cancel every order of the venue (kill switch, shutdown); ``reply(n)`` when the
    venue holds no order of ours any more."""

    reason: str
    reply: Reply | None = None


@attrs.frozen(kw_only=True)
class Pump:
    """Timer: the limiter may have tokens again, or a backoff ended."""


@attrs.frozen(kw_only=True)
class BackoffOver:
    """Timer: a venue backoff (429, 5xx) has ended."""


@attrs.frozen(kw_only=True)
class Reconcile:
    """Timer: look UNKNOWN orders up by client order id."""


@attrs.frozen(kw_only=True)
class PollFills:
    """Fetch fills after the last cursor (start-up, and after a feed gap)."""


@attrs.frozen(kw_only=True)
class SyncOpenOrders:
    """Adopt the orders the venue holds that the table does not know (start-up);
    ``reply(n)`` once done."""

    reply: Reply | None = None


@attrs.frozen(kw_only=True)
class CancelOrphans:
    """Cancel the live orders of every market not in ``keep`` (orders a previous run left
    on markets this run does not quote)."""

    keep: frozenset[MarketId]


@attrs.frozen(kw_only=True)
class Resume:
    """Accept placements again after a CancelAll."""


@attrs.frozen(kw_only=True)
class VenueEventReceived:
    event: VenueEvent


@attrs.frozen(kw_only=True)
class GetOpenOrders:
    market_id: MarketId | None = None


@attrs.frozen(kw_only=True)
class GetPlatformStats:
    pass


@attrs.frozen(kw_only=True)
class PlatformStats:
    venue: Venue
    live_orders: int
    queued_placements: int
    queued_cancels: int
    unknown_orders: int
    tokens_spent: Decimal
    duplicate_fills: int


# --- MarketActor ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OrdersChanged:
    """The PlatformActor's current view of some of the market's orders (those it changed
    in one step: the market's own requests are not echoed back)."""

    orders: tuple[Order, ...]


@attrs.frozen(kw_only=True)
class SubmitOrders:
    """A market's requote in one message: cancels first, then amends and placements."""

    cancels: tuple[ClientOrderId, ...] = ()
    amends: tuple[AmendOrder, ...] = ()
    places: tuple[Order, ...] = ()


@attrs.frozen(kw_only=True)
class FillReceived:
    fill: Fill


@attrs.frozen(kw_only=True)
class FillReverted:
    """A provisional fill that failed on chain (Polymarket): it no longer counts."""

    fill: Fill


@attrs.frozen(kw_only=True)
class MarketChanged:
    """New market metadata (status, tick grid, close time)."""

    market: Market


@attrs.frozen(kw_only=True)
class Tick:
    """Timer: quote-age and exit checks."""


@attrs.frozen(kw_only=True)
class TradingStateChanged:
    state: TradingState
    reason: str = ""


@attrs.frozen(kw_only=True)
class Retire:
    """Stop quoting this market for good: cancel its orders, then stop."""


@attrs.frozen(kw_only=True)
class InjectFailure:
    """Make the actor raise (operator tool and tests: exercises the restart path)."""

    reason: str = "injected failure"


# --- PortfolioActor -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Reserve:
    """Reserve the worst case of each order before it is placed (a direct call; the
    answer is one ``Reservation`` per request). ``group`` is what the venue says of the
    market's event (``domain.outcomes.venue_group``); without it, ``event_id`` is a venue
    event of unknown structure. Used only while the PortfolioActor has not learned the
    market from a scan (``LearnMarkets``)."""

    market_id: MarketId
    event_id: EventId | None
    requests: tuple[ReserveRequest, ...]
    mark: Decimal | None = None  # the market's latest YES mid, when it changed (saves a tell)
    group: VenueGroup | None = None


@attrs.frozen(kw_only=True)
class LearnMarkets:
    """The markets a scan selected, learned by the PortfolioActor before any of them
    reserves (a direct call): which are one outcome and which one event
    (``domain.outcomes``). The answer is the links that contradict the venues, each a
    line naming the link (empty: none)."""

    markets: tuple[Market, ...]


@attrs.frozen(kw_only=True)
class AdoptOrders:
    """Orders found resting on a venue at start (a previous run's): reserved as they
    are, whatever the limits say (they rest already; new orders then see them)."""

    orders: tuple[Order, ...]


@attrs.frozen(kw_only=True)
class Reservation:
    client_order_id: ClientOrderId
    granted: bool
    reason: str = ""


@attrs.frozen(kw_only=True)
class OrdersClosed:
    closed: tuple[OrderClosed, ...]


@attrs.frozen(kw_only=True)
class MarkPrice:
    market_id: MarketId
    yes_price: Decimal


@attrs.frozen(kw_only=True)
class Settle:
    market_id: MarketId
    yes_won: bool


@attrs.frozen(kw_only=True)
class SetTradingState:
    state: TradingState
    reason: str
    journaled: bool = False  # already the journal's latest state (held again at a restart)


@attrs.frozen(kw_only=True)
class Subscribe:
    """Tell ``ref`` every TradingStateChanged."""

    ref: Ref


@attrs.frozen(kw_only=True)
class GetPosition:
    market_id: MarketId


@attrs.frozen(kw_only=True)
class PositionView:
    market_id: MarketId
    yes_contracts: Decimal
    no_contracts: Decimal
    avg_yes_price: Decimal
    avg_no_price: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal


@attrs.frozen(kw_only=True)
class GetExposure:
    pass


@attrs.frozen(kw_only=True)
class ExposureReport:
    state: TradingState
    events: tuple[EventExposure, ...]
    venue_loss: tuple[tuple[Venue, Decimal], ...]
    total_loss: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    daily_pnl: Decimal
    reservations: int


# --- MarketSupervisor ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MarketsScanned:
    """Every open market of the venues, from the scan task."""

    markets: tuple[Market, ...]
    at: datetime


@attrs.frozen(kw_only=True)
class ChildFailed:
    market_id: MarketId
    generation: int
    error: str


@attrs.frozen(kw_only=True)
class RestartChild:
    market_id: MarketId
    generation: int


@attrs.frozen(kw_only=True)
class StopMarkets:
    """Stop every MarketActor (each cancels its orders); ``reply(n)`` when done."""

    reply: Reply | None = None


@attrs.frozen(kw_only=True)
class BroadcastTick:
    pass


@attrs.frozen(kw_only=True)
class GetChildren:
    pass


@attrs.frozen(kw_only=True)
class ChildInfo:
    market_id: MarketId
    ref: Ref | None
    generation: int
    restarts: int
    quarantined: bool
