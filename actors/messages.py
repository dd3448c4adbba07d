"""The messages actors exchange: commands are imperative, events past tense, queries
``Get…`` (answered by ``ask``, which only a starting MarketActor and the engine use).
``Reserve`` and ``SubmitOrders`` travel by direct call (``actors.direct``), on the
MarketActor's thread. All frozen; every field immutable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
import pykka

from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.events import Settlement, VenueEvent
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
class TakeOver:
    """A MarketActor starting (a direct call): route the market's fills and order changes
    to ``ref`` from now on, and answer with what it starts from (``MarketStart``: the
    position of ``strategy``, the market maker's), read in the same step, so that no fill
    falls between its inventory and its first message."""

    market_id: MarketId
    ref: Ref
    strategy: str = ""


@attrs.frozen(kw_only=True)
class AttachExecutor:
    """The engine's executor (``actors.executor``): the order changes of every order whose
    client order id starts with ``prefix`` go to ``ref`` (not to the market's actor), and
    so do the fills of those orders but the market maker's (a cross-venue hedge counts
    in its market's inventory); a fill of a resting market-making quote in one of
    ``hedged`` is also told to ``ref`` (``MakerFilled``) for its cross-venue hedge."""

    ref: Ref
    prefix: str
    hedged: frozenset[MarketId] = frozenset()


@attrs.frozen(kw_only=True)
class PlaceLegs:
    """The executor's taker orders (a direct call): our own orders they could trade with
    (the other side of the book at a crossing price) are cancelled first, each order waits
    until those are gone, and no order of ours that could trade with it is sent while it
    is live (``actors.platform.self_trade``)."""

    orders: tuple[Order, ...]


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
class LookUp:
    """Timer: look an UNKNOWN order up by client order id (``actors.platform.lookups``)."""

    client_order_id: ClientOrderId


@attrs.frozen(kw_only=True)
class CheckVenue:
    """Timer: reconcile the venue's open orders and positions with the order table and
    the portfolio (``actors.platform.checks``)."""


@attrs.frozen(kw_only=True)
class RenewOrders:
    """Timer: renew the resting orders whose venue expiration comes within half their
    TTL (``Capabilities.order_ttl_s``; ``actors.platform.renewals``)."""


@attrs.frozen(kw_only=True)
class CheckPositions:
    """Timer: read the venue's positions again (some disagreed with the portfolio's)."""


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
class GetFillMemory:
    """Asked: the PlatformActor's fill cursor and the fill ids it counted
    (``actors.platform.actor.FillMemory``), before it is stopped for a successor."""


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
    disputed: tuple[MarketId, ...] = ()  # positions the venue disagrees with: not quoted


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
class MakerFilled:
    """A resting market-making quote filled in a market hedged across venues (to the
    executor: ``hedge_cross_venue``)."""

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
class BlockQuoting:
    """The venue's position in this market disagrees with predmm's (``reason`` says how):
    cancel the quotes, place nothing until ``UnblockQuoting``."""

    reason: str


@attrs.frozen(kw_only=True)
class UnblockQuoting:
    """The venue's position agrees with predmm's again: quote as before."""


@attrs.frozen(kw_only=True)
class Retire:
    """Stop quoting this market for good: cancel its orders, then stop (the supervisor
    sends it once the market is settled)."""


@attrs.frozen(kw_only=True)
class SetWanted:
    """Whether the selection still wants the market. Unwanted, it quotes nothing new and
    works its position off (``strategies.life``); once flat with nothing resting it tells
    the supervisor ``MarketDone`` (which retires it)."""

    wanted: bool


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
class VenueOrders:
    """The orders ``venue`` holds now, read by a restarted PlatformActor: the venue's
    reservations follow them (those of orders it no longer holds are released, those it
    holds and the book does not know are adopted)."""

    venue: Venue
    orders: tuple[Order, ...]


@attrs.frozen(kw_only=True)
class AdoptLateOrder:
    """An order found resting on the venue during a run that the order table did not
    hold live (taken after it was given up, or unknown to it). Its exposure is reserved
    either way (it rests until it is cancelled); the answer, a ``Reservation``, says
    whether the limits let it stay."""

    order: Order


@attrs.frozen(kw_only=True)
class GetPositions:
    """Net positions (YES - NO) of every market of ``venue`` the portfolio has seen:
    ``dict[MarketId, Decimal]``."""

    venue: Venue


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
    """A market resolved (the venue's stream, the periodic poll, or start-up): settle its
    position once, however often it is told."""

    settlement: Settlement


@attrs.frozen(kw_only=True)
class SettlementApplied:
    """Told to the subscribers once a market's settlement is in the portfolio."""

    market_id: MarketId


@attrs.frozen(kw_only=True)
class GetHeld:
    """Which markets hold contracts (answered with ``Held``)."""


@attrs.frozen(kw_only=True)
class Held:
    """The markets the market maker holds (it works them off, ``exposed``) and those any
    strategy holds (``anyone``: a settlement pays them)."""

    exposed: frozenset[MarketId]  # the market maker's net position (YES - NO) is not zero
    holding: frozenset[MarketId]  # the market maker holds contracts (matched pairs too)
    anyone: frozenset[MarketId] = frozenset()  # any strategy holds contracts


@attrs.frozen(kw_only=True)
class SetTradingState:
    state: TradingState
    reason: str
    journaled: bool = False  # already the journal's latest state (held again at a restart)
    core: bool = False  # the engine's watch: a core actor failed (no resume before a restart)


@attrs.frozen(kw_only=True)
class Subscribe:
    """Tell ``ref`` every TradingStateChanged and every SettlementApplied."""

    ref: Ref


@attrs.frozen(kw_only=True)
class GetPosition:
    """One market's position: all of it, or only ``strategy``'s orders' (its name)."""

    market_id: MarketId
    strategy: str | None = None


@attrs.frozen(kw_only=True)
class ReserveBasket:
    """Reserve every order of an arbitrage basket, all of them or none (a direct call):
    the answer is one ``Reservation`` per ``Reserve``; if one is refused, those granted
    before it are released, and each of the others is answered refused with its reason."""

    reserves: tuple[Reserve, ...]


@attrs.frozen(kw_only=True)
class StrategyPnl:
    """One strategy's PnL in the portfolio: realized, unrealized at the marks, the fees
    paid and the contracts it holds."""

    strategy: str
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees_paid: Decimal
    contracts: Decimal


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
class MarketStart:
    """What a MarketActor starts from: its position (None: no portfolio attached yet),
    and its live orders and its finished orders whose fills are still to come, each with
    the fills counted for it so far."""

    position: PositionView | None
    orders: tuple[tuple[Order, Decimal], ...]


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
    strategies: tuple[StrategyPnl, ...] = ()  # by strategy; the fields above are the total


# --- executor ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FollowMarkets:
    """After a scan: the markets listed open, and those whose books the feeds carry
    (``followed``): the executor reads the books of those its strategies trade."""

    markets: tuple[Market, ...]
    followed: frozenset[MarketId]


@attrs.frozen(kw_only=True)
class LegTimeout:
    """Timer: an order of the executor that may still be unanswered."""

    client_order_id: ClientOrderId


@attrs.frozen(kw_only=True)
class FillsOverdue:
    """Timer: an execution whose orders ended may still wait for their fills."""

    execution_id: str


# --- MarketSupervisor ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MarketsScanned:
    """Every open market of the venues, from the scan task, and the markets whose net
    position is not zero (``held``: owned until flat, selected or not)."""

    markets: tuple[Market, ...]
    at: datetime
    held: frozenset[MarketId] = frozenset()


@attrs.frozen(kw_only=True)
class MarketDone:
    """From a MarketActor the selection no longer wants: it is flat with nothing
    resting (retire it)."""

    market_id: MarketId
    generation: int


@attrs.frozen(kw_only=True)
class GetOwned:
    """``reply`` the markets that have an actor (quoted, or working a position off)."""

    reply: Reply | None = None


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
class SuspendVenue:
    """Stop the MarketActors of ``venue`` and spawn none there until ``ResumeVenue`` (its
    PlatformActor died); ``reply(n)`` once they have stopped."""

    venue: Venue
    reason: str
    reply: Reply | None = None


@attrs.frozen(kw_only=True)
class ResumeVenue:
    """Start the suspended markets of ``venue`` again, new incarnations."""

    venue: Venue


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


# --- the operator (``predmm halt``, ``resume``, ``cancel-all``, ``reload``) ------------


@attrs.frozen(kw_only=True)
class OperatorHalt:
    """HALTED by hand (a direct call to the PortfolioActor): every venue cancels
    everything; journaled with ``operator`` (who) and ``reason`` (why). Answered with a
    ``StateChange``."""

    operator: str
    reason: str


@attrs.frozen(kw_only=True)
class OperatorResume:
    """Leave HALTED or REDUCING by hand, into the state the day's loss allows under the
    limits now (ACTIVE, or REDUCING past ``reducing_loss``); refused past
    ``daily_loss_limit``, or after a core actor's failure. Answered with a
    ``StateChange``."""

    operator: str
    reason: str


@attrs.frozen(kw_only=True)
class StateChange:
    """What an operator's halt or resume did: the state before and after it, and why
    nothing changed when it was refused (``refused``)."""

    before: TradingState
    after: TradingState
    reason: str
    refused: str = ""


@attrs.frozen(kw_only=True)
class ApplyRisk:
    """New limits, loss thresholds and event links (``predmm reload``; a direct call to
    the PortfolioActor). Answered with the links' contradictions with the venues'
    events: none, and it applied; some, and nothing changed."""

    risk: RiskConfig
    max_position_size: int


@attrs.frozen(kw_only=True)
class ApplyConfig:
    """The strategy's new settings (``predmm reload``): the MarketSupervisor selects and
    spawns with them and tells every MarketActor, which quotes with them from its next
    quote. ``venues``: each venue's market maker's config (``[strategy.venues.*]``), where
    it is not ``config``."""

    config: MarketMakingConfig
    venues: Mapping[Venue, MarketMakingConfig] = attrs.field(factory=dict)

    def for_venue(self, venue: Venue) -> MarketMakingConfig:
        return self.venues.get(venue, self.config)
