"""PortfolioActor: the single writer of exposure, PnL and the trading state.

A MarketActor asks it to reserve the worst case of each order before placing it
(``Reserve``, the only ask it answers besides queries); the reservation is held until the
PlatformActor reports the order closed (``OrderClosed``), less what has filled, which
moves into the position. Limits (``domain.risk.breach``) apply per market, per event
across both venues over its outcome scenarios, per venue and in total, so no sequence of
fills can pass them. What a market is (which outcome of which real-world event,
``domain.outcomes``) it learns from each scan's selected markets (``LearnMarkets``, before
they reserve) and, for a market no scan showed, from its first ``Reserve``.

The day's PnL (realized + unrealized since the day began) past ``reducing_loss`` puts the
book in REDUCING (only inventory-reducing orders pass); past ``daily_loss_limit`` in
HALTED: every venue cancels everything and nothing passes until an operator resumes.
The day began at its baseline (``strategies.day_loss``): journaled when taken (the first
start of a UTC day, then each UTC midnight, at the marks of that moment) and given back
by the journal at a restart the same day (``baseline=``), so a restart goes on counting.
Positions are seeded from the journal at start (``positions=``) and then follow the same
fill stream the journal records, so a restart goes on counting and a restarted
MarketActor reads its inventory here.

A market that resolved (``Settle``, from the stream, the poll or the start-up read) is
settled once: its contracts paid out at the venue's payouts, the PnL realized (it counts
in the day), its reservations released, the settlement journaled, the subscribers told
(``SettlementApplied``: the supervisor retires the market).
It holds every limit: if it dies, nothing can be reserved, and its watcher
(``supervisors.core``, through ``on_failure``) halts trading and cancels every order.

Every position is also kept per strategy (``actors.portfolio.attribution``: the
strategy that placed each fill's order), published to the status board and reported
with each strategy's PnL; an arbitrage basket is reserved whole or not at all
(``ReserveBasket``).

The reservations, the exposure sums and the limit checks are ``domain.exposure``;
one fill's and one settlement's arithmetic on an inventory, ``strategies.fills``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pykka
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectActor, DirectRef, FailureCallback
from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import (
    AdoptLateOrder,
    AdoptOrders,
    ApplyRisk,
    ExposureReport,
    FillReceived,
    FillReverted,
    GetExposure,
    GetHeld,
    GetPosition,
    GetPositions,
    Held,
    InjectFailure,
    LearnMarkets,
    MarkPrice,
    OperatorHalt,
    OperatorResume,
    OrdersClosed,
    PositionView,
    Reservation,
    Reserve,
    ReserveBasket,
    Settle,
    SettlementApplied,
    SetTradingState,
    Subscribe,
    TradingStateChanged,
    VenueOrders,
)
from predmm.actors.portfolio.attribution import StrategyBook
from predmm.actors.portfolio.reload import ReloadMixin, limits_of
from predmm.actors.portfolio.trading_state import TradingStateMixin
from predmm.actors.portfolio.views import exposure_report, held, position_view
from predmm.actors.status import StatusBoard
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.events import Settlement
from predmm.domain.exposure import (
    AmendSettled,
    ExposureBook,
    OrderClosed,
    ReserveRequest,
    answer,
    refusal,
)
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.domain.orders import MARKET_MAKING, Fill, Order, strategy_of
from predmm.domain.outcomes import VenueGroup, venue_group
from predmm.domain.risk import Terms
from predmm.strategies.day_loss import DayBaseline, day_of, take_baseline
from predmm.strategies.fills import apply_fill, revert_fill, settle
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)


class PortfolioActor(TradingStateMixin, ReloadMixin, DirectActor):
    def __init__(
        self,
        *,
        risk: RiskConfig,
        clock: Clock,
        journal: JournalPort,
        platforms: Iterable[pykka.ActorRef[Any] | DirectRef] = (),
        max_position_size: int | None = None,
        positions: Iterable[InventoryTracker] = (),
        strategy_positions: Iterable[tuple[str, InventoryTracker]] | None = None,
        settled: Mapping[MarketId, Decimal] | None = None,
        baseline: DayBaseline | None = None,
        board: StatusBoard | None = None,
        direct: DirectRef | None = None,
        on_failure: FailureCallback | None = None,
    ) -> None:
        super().__init__(direct, on_failure)
        self.risk, self.clock, self.journal = risk, clock, journal
        self.platforms = tuple(platforms)
        self.limits = limits_of(risk, max_position_size)
        self.board = board
        self.unpublished = 0
        self.state = TradingState.ACTIVE
        self.state_reason = ""
        self.core_halted = ""
        self.subscribers: list[pykka.ActorRef[Any]] = []
        self.positions: dict[MarketId, InventoryTracker] = {}
        self.book = ExposureBook(self.limits, risk.event_links)
        self.problems: tuple[str, ...] = ()
        self.marks: dict[MarketId, Decimal] = {}
        self.market_pnl: dict[MarketId, Decimal] = {}
        self.pnl = ZERO
        self.settled: dict[MarketId, Decimal] = dict(settled or {})  # market -> YES payout
        for tracker in positions:
            self._seed(tracker)
        if strategy_positions is None:  # no attribution given: all the market maker's
            strategy_positions = [(MARKET_MAKING, _copy(t)) for t in self.positions.values()]
        self.strategies = StrategyBook(strategy_positions)
        for strategy, book in self.strategies.by_strategy.items():
            for tracker in book.values():
                self._publish_strategy(strategy, tracker)
        self.baseline, self.pending, self.day_start_pnl = self._day(baseline)
        self.log = logger.bind(actor="portfolio")

    def _seed(self, tracker: InventoryTracker) -> None:
        market_id = tracker.market_id
        assert isinstance(market_id, MarketId)
        self.positions[market_id] = tracker
        self._recompute(market_id)

    # dispatch -----------------------------------------------------------------------

    def handle(self, message: Any) -> Any:
        if day_of(self.clock.now()) != self.baseline.day:  # UTC midnight: a new day
            self.baseline, self.pending, self.day_start_pnl = self._day(None)
        match message:
            case Reserve():
                granted = self._reserve(message)
                if message.mark is not None:
                    self._check_loss()
                return granted
            case ReserveBasket(reserves=reserves):
                return self._reserve_basket(reserves)
            case LearnMarkets(markets=markets):
                return self._learn(markets)
            case AdoptOrders(orders=orders):
                for order in orders:
                    self.book.adopt(order)
            case VenueOrders(venue=venue, orders=orders):
                self._venue_orders(venue, orders)
            case AdoptLateOrder(order=order):
                return self._adopt_late(order)
            case GetPositions(venue=venue):
                return {m: t.net_position for m, t in self.positions.items() if m.venue is venue}
            case FillReceived(fill=fill):
                self._fill(fill)
            case FillReverted(fill=fill):
                revert_fill(self._tracker(fill.market_id), fill)
                self._publish_strategy(fill.strategy, self.strategies.revert(fill))
                self._recompute(fill.market_id)
            case OrdersClosed(closed=closed):
                for one in closed:
                    self.book.closed(one)
                return None  # no PnL change: no loss check
            case OrderClosed():
                self.book.closed(message)
                return None
            case AmendSettled():
                self.book.amend_settled(message)
                return None
            case MarkPrice(market_id=market_id, yes_price=price):
                self._mark(market_id, price)
            case Settle(settlement=settlement):
                self._settle(settlement)
            case SetTradingState(state=state, reason=reason, journaled=journaled, core=core):
                if core and not self.core_halted:  # no resume by hand before a restart
                    self.core_halted = reason
                self._set_state(state, reason, journal=not journaled)
            case OperatorHalt():
                return self._operator_halt(message)
            case OperatorResume():
                return self._operator_resume(message)
            case ApplyRisk(risk=risk, max_position_size=size):
                return self._apply_risk(risk, size)
            case Subscribe(ref=ref):
                self.subscribers.append(ref)
                if self.state is not TradingState.ACTIVE:  # it starts from the state held now
                    with contextlib.suppress(pykka.ActorDeadError):
                        ref.tell(TradingStateChanged(state=self.state, reason=self.state_reason))
            case GetPosition(market_id=market_id, strategy=None):
                return self._position(market_id)
            case GetPosition(market_id=market_id, strategy=str(strategy)):
                return position_view(market_id, self.strategies.tracker(strategy, market_id))
            case GetHeld():
                return self._held()
            case GetExposure():
                self._publish(force=True)
                return self._report()
            case InjectFailure(reason=reason):
                raise RuntimeError(f"PortfolioActor: {reason}")
            case _:
                raise TypeError(f"PortfolioActor: unexpected {message!r}")
        self._check_loss()
        return None

    # reservations -------------------------------------------------------------------

    def _learn(self, markets: tuple[Market, ...]) -> tuple[str, ...]:
        problems = self.book.learn((m.market_id, venue_group(m)) for m in markets)
        for problem in problems:
            if problem not in self.problems:
                self.log.error("event links: {p}", p=problem)
        self.problems = problems
        return problems

    def _reserve(self, msg: Reserve) -> tuple[Reservation, ...]:
        if not self.book.knows(msg.market_id):  # no scan showed it: what it says
            self.book.learn(((msg.market_id, _group(msg)),))
        if msg.mark is not None:
            self._mark(msg.market_id, msg.mark)
        requests = msg.requests
        net = self._net(msg.market_id)
        settled = msg.market_id in self.settled  # resolved: nothing more to trade there
        answers = answer(
            self.book, msg.market_id, requests, state=self.state, net=net, settled=settled
        )
        return tuple(
            Reservation(client_order_id=a.client_order_id, granted=a.granted, reason=a.reason)
            for a in answers
        )

    def _reserve_basket(self, reserves: tuple[Reserve, ...]) -> tuple[Reservation, ...]:
        """Every order of a basket reserved, or none: a refusal releases the ones
        granted before it."""
        granted: list[Reservation] = []
        for reserve in reserves:
            (one,) = self._reserve(attrs.evolve(reserve, requests=reserve.requests[:1]))
            if not one.granted:
                for done in granted:
                    closed = OrderClosed(client_order_id=done.client_order_id, filled_quantity=ZERO)
                    self.book.closed(closed)
                reason = one.reason or "refused"
                return tuple(
                    Reservation(
                        client_order_id=r.requests[0].client_order_id, granted=False, reason=reason
                    )
                    for r in reserves
                )
            granted.append(one)
        return tuple(granted)

    def _refusal(self, market_id: MarketId, req: ReserveRequest) -> str | None:
        return refusal(self.book, market_id, req, state=self.state, net=self._net(market_id))

    def _net(self, market_id: MarketId) -> Decimal:
        tracker = self.positions.get(market_id)
        return tracker.net_position if tracker is not None else Decimal(0)

    def _venue_orders(self, venue: Venue, orders: tuple[Order, ...]) -> None:
        """``venue``'s reservations follow the orders it holds now: those of orders it
        no longer holds are released (what filled moved into the position already)."""
        held = {o.client_order_id for o in orders}
        book = self.book
        for coid, res in list(book.reservations.items()):
            if res.market_id.venue is venue and coid not in held:
                book.closed(OrderClosed(client_order_id=coid, filled_quantity=res.filled))
        for order in orders:
            book.adopt(order)

    def _adopt_late(self, order: Order) -> Reservation:
        """Reserve an order found resting late; granted if the limits let it stay."""
        terms = attrs.evolve(Terms.of(order), quantity=order.remaining)
        req = ReserveRequest(client_order_id=order.client_order_id, terms=terms)
        reason = self._refusal(order.market_id, req)
        self.book.adopt(order)  # it rests until it is cancelled: counted until then
        return Reservation(
            client_order_id=order.client_order_id, granted=reason is None, reason=reason or ""
        )

    # positions and PnL --------------------------------------------------------------

    def _fill(self, fill: Fill) -> None:
        tracker = self._tracker(fill.market_id)
        apply_fill(tracker, fill)
        self.book.filled(fill)
        payout = self.settled.get(fill.market_id)
        if payout is not None:  # a fill of before the resolution, told after it
            self.log.warning("fill {f} of settled {m}: paid out", f=fill.fill_id, m=fill.market_id)
            tracker.settle_at(payout)
        self._publish_strategy(fill.strategy, self.strategies.fill(fill, payout))
        self._recompute(fill.market_id)

    def _mark(self, market_id: MarketId, price: Decimal) -> None:
        self.marks[market_id] = price
        if market_id in self.pending:  # held since the day began: the day counts from here
            self.baseline = self.baseline.marked(market_id, price)
            self.pending, self.day_start_pnl = self.baseline.pending(), self.baseline.value()
            self.journal.day_baseline(self.baseline)
        self._repnl(market_id)

    def _settle(self, settlement: Settlement) -> None:
        market_id = settlement.market_id
        if market_id in self.settled:
            return  # seen already: the stream and the poll, or before a restart
        settled = settle(self._tracker(market_id), settlement)
        self.settled[market_id] = settlement.yes_payout
        for strategy, tracker in self.strategies.settle(market_id, settlement.yes_payout):
            self._publish_strategy(strategy, tracker)
        self.marks.pop(market_id, None)
        for coid in list(self.book.by_market.get(market_id, ())):  # the venue cancelled them
            filled = self.book.reservations[coid].filled
            self.book.closed(OrderClosed(client_order_id=coid, filled_quantity=filled))
        self._recompute(market_id)
        self.journal.settlement(settled)
        self.log.info(
            "{m} resolved {o}: {y} YES / {n} NO paid {p}, realized {r}",
            m=market_id,
            o=settlement.outcome,
            y=settled.yes_contracts,
            n=settled.no_contracts,
            p=settled.payout,
            r=settled.realized_pnl,
        )
        for ref in self.subscribers:
            with contextlib.suppress(pykka.ActorDeadError):
                ref.tell(SettlementApplied(market_id=market_id))

    def _tracker(self, market_id: MarketId) -> InventoryTracker:
        tracker = self.positions.get(market_id)
        if tracker is None:
            tracker = self.positions[market_id] = InventoryTracker(market_id=market_id)
        return tracker

    def _recompute(self, market_id: MarketId) -> None:
        """The exposure ``market_id`` feeds, then its PnL; the position published."""
        self.book.recompute(market_id, self._tracker(market_id))
        self._repnl(market_id)
        if self.board is not None:
            self.board.publish_position(self._position(market_id))

    def _repnl(self, market_id: MarketId) -> None:
        tracker = self._tracker(market_id)
        mark = self.marks.get(market_id)
        pnl = tracker.realized_pnl + (tracker.unrealized_pnl(mark) if mark is not None else ZERO)
        self.pnl += pnl - self.market_pnl.get(market_id, ZERO)
        self.market_pnl[market_id] = pnl

    # trading state ----------------------------------------------------------------------

    def _day(
        self, journaled: DayBaseline | None
    ) -> tuple[DayBaseline, frozenset[MarketId], Decimal]:
        """Today's baseline: the journal's if it is today's (its marks stand for those
        not seen yet since the restart), else one taken now and journaled; with the
        markets it still waits a mark for, and its value."""
        now = self.clock.now()
        baseline = journaled
        if baseline is not None and baseline.day == day_of(now):
            for market_id, mark in baseline.marks().items():
                if market_id not in self.marks:
                    self.marks[market_id] = mark
                    self._repnl(market_id)
        else:
            baseline = take_baseline(now, self.positions.values(), self.marks)
            self.journal.day_baseline(baseline)
        return baseline, baseline.pending(), baseline.value()

    # views --------------------------------------------------------------------------------

    def _position(self, market_id: MarketId) -> PositionView:
        return position_view(market_id, self._tracker(market_id))

    def _held(self) -> Held:
        return held(self.positions, self.strategies.positions(MARKET_MAKING))

    def _report(self) -> ExposureReport:
        report = exposure_report(
            self.state, self.book, self.positions, self.pnl, self.day_start_pnl
        )
        return attrs.evolve(report, strategies=self.strategies.totals(self.marks))

    def _publish_strategy(self, strategy: str, tracker: InventoryTracker) -> None:
        if self.board is not None and isinstance(tracker.market_id, MarketId):
            view = position_view(tracker.market_id, tracker)
            self.board.publish_strategy_position(strategy_of(strategy), view)


def _copy(tracker: InventoryTracker) -> InventoryTracker:
    return InventoryTracker(
        market_id=tracker.market_id,
        yes_contracts=tracker.yes_contracts,
        no_contracts=tracker.no_contracts,
        avg_yes_price=tracker.avg_yes_price,
        avg_no_price=tracker.avg_no_price,
        realized_pnl=tracker.realized_pnl,
        fees_paid=tracker.fees_paid,
        max_inventory=tracker.max_inventory,
    )


def _group(msg: Reserve) -> VenueGroup | None:
    """What a reservation says of its market's event, for a market no scan showed."""
    if msg.group is not None or msg.event_id is None:
        return msg.group
    return VenueGroup(venue=msg.market_id.venue, group_id=str(msg.event_id), exclusive=False)
