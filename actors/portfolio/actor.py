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
Positions are seeded from the journal at start (``positions=``) and then follow the same
fill stream the journal records, so a restarted MarketActor reads its inventory here.

The reservations, the exposure sums and the limit checks are ``domain.exposure``;
one fill's arithmetic on an inventory, ``strategies.fills``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pykka
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectActor, DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import (
    AdoptOrders,
    CancelAll,
    ExposureReport,
    FillReceived,
    FillReverted,
    GetExposure,
    GetPosition,
    LearnMarkets,
    MarkPrice,
    OrdersClosed,
    PositionView,
    Reservation,
    Reserve,
    Resume,
    Settle,
    SetTradingState,
    Subscribe,
    TradingStateChanged,
)
from predmm.actors.status import StatusBoard
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState
from predmm.domain.exposure import AmendSettled, ExposureBook, OrderClosed, ReserveRequest
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Fill
from predmm.domain.outcomes import VenueGroup, venue_group
from predmm.domain.risk import Limits, reduces
from predmm.strategies.fills import apply_fill, revert_fill
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)
PUBLISH_EVERY_MESSAGES = 200


class PortfolioActor(DirectActor):
    def __init__(
        self,
        *,
        risk: RiskConfig,
        clock: Clock,
        journal: JournalPort,
        platforms: Iterable[pykka.ActorRef[Any]] = (),
        max_position_size: int | None = None,
        positions: Iterable[InventoryTracker] = (),
        board: StatusBoard | None = None,
        direct: DirectRef | None = None,
    ) -> None:
        super().__init__(direct)
        self.risk, self.clock, self.journal = risk, clock, journal
        self.platforms = tuple(platforms)
        contracts = risk.max_market_contracts
        if max_position_size is not None:
            contracts = min(contracts, max_position_size)
        self.limits = Limits(
            market_contracts=Decimal(contracts),
            market_loss=risk.max_market_loss,
            event_contracts=Decimal(risk.max_event_contracts),
            event_loss=risk.max_event_loss,
            venue_loss=risk.max_venue_loss,
            total_loss=risk.max_total_loss,
        )
        self.board = board
        self.unpublished = 0
        self.state = TradingState.ACTIVE
        self.state_reason = ""
        self.subscribers: list[pykka.ActorRef[Any]] = []
        self.positions: dict[MarketId, InventoryTracker] = {}
        self.book = ExposureBook(self.limits, risk.event_links)
        self.problems: tuple[str, ...] = ()
        self.marks: dict[MarketId, Decimal] = {}
        self.market_pnl: dict[MarketId, Decimal] = {}
        self.pnl = ZERO
        self.day = clock.now().date()
        self.day_start_pnl = ZERO
        for tracker in positions:
            self._seed(tracker)
        self.day_start_pnl = self.pnl
        self.log = logger.bind(actor="portfolio")

    def _seed(self, tracker: InventoryTracker) -> None:
        market_id = tracker.market_id
        assert isinstance(market_id, MarketId)
        self.positions[market_id] = tracker
        self._recompute(market_id)

    # dispatch -----------------------------------------------------------------------

    def handle(self, message: Any) -> Any:
        match message:
            case Reserve():
                granted = self._reserve(message)
                if message.mark is not None:
                    self._check_loss()
                return granted
            case LearnMarkets(markets=markets):
                return self._learn(markets)
            case AdoptOrders(orders=orders):
                for order in orders:
                    self.book.adopt(order)
            case FillReceived(fill=fill):
                self._fill(fill)
            case FillReverted(fill=fill):
                revert_fill(self._tracker(fill.market_id), fill)
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
                self.marks[market_id] = price
                self._repnl(market_id)
            case Settle(market_id=market_id, yes_won=yes_won):
                self._tracker(market_id).settle(yes_won)
                self._recompute(market_id)
            case SetTradingState(state=state, reason=reason, journaled=journaled):
                self._set_state(state, reason, journal=not journaled)
            case Subscribe(ref=ref):
                self.subscribers.append(ref)
                if self.state is not TradingState.ACTIVE:  # it starts from the state held now
                    with contextlib.suppress(pykka.ActorDeadError):
                        ref.tell(TradingStateChanged(state=self.state, reason=self.state_reason))
            case GetPosition(market_id=market_id):
                return self._position(market_id)
            case GetExposure():
                self._publish(force=True)
                return self._report()
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
            self.marks[msg.market_id] = msg.mark
            self._repnl(msg.market_id)
        requests = msg.requests
        active = self.state is TradingState.ACTIVE
        if active and self.book.reserve_together(msg.market_id, requests):
            return tuple(
                Reservation(client_order_id=r.client_order_id, granted=True) for r in requests
            )
        return tuple(self._reserve_one(msg.market_id, r) for r in requests)

    def _reserve_one(self, market_id: MarketId, req: ReserveRequest) -> Reservation:
        reason = self._refusal(market_id, req)
        if reason is not None:
            return Reservation(client_order_id=req.client_order_id, granted=False, reason=reason)
        self.book.reserve(market_id, req)
        return Reservation(client_order_id=req.client_order_id, granted=True)

    def _refusal(self, market_id: MarketId, req: ReserveRequest) -> str | None:
        if self.state is TradingState.HALTED:
            return "trading is HALTED"
        terms = req.terms
        if self.state is TradingState.REDUCING and not reduces(terms, self._reducible(market_id)):
            return "trading is REDUCING and the order does not reduce inventory"
        return self.book.breach(market_id, terms)

    def _reducible(self, market_id: MarketId) -> Decimal:
        return self.book.reducible(market_id, self._tracker(market_id).net_position)

    # positions and PnL --------------------------------------------------------------

    def _fill(self, fill: Fill) -> None:
        apply_fill(self._tracker(fill.market_id), fill)
        self.book.filled(fill)
        self._recompute(fill.market_id)

    def _tracker(self, market_id: MarketId) -> InventoryTracker:
        tracker = self.positions.get(market_id)
        if tracker is None:
            tracker = self.positions[market_id] = InventoryTracker(market_id=market_id)
        return tracker

    def _recompute(self, market_id: MarketId) -> None:
        """The exposure ``market_id`` feeds, then its PnL."""
        self.book.recompute(market_id, self._tracker(market_id))
        self._repnl(market_id)

    def _repnl(self, market_id: MarketId) -> None:
        tracker = self._tracker(market_id)
        mark = self.marks.get(market_id)
        pnl = tracker.realized_pnl + (tracker.unrealized_pnl(mark) if mark is not None else ZERO)
        self.pnl += pnl - self.market_pnl.get(market_id, ZERO)
        self.market_pnl[market_id] = pnl

    # trading state ----------------------------------------------------------------------

    def _check_loss(self) -> None:
        today = self.clock.now().date()
        if today != self.day:
            self.day, self.day_start_pnl = today, self.pnl
        loss = self.day_start_pnl - self.pnl
        if loss >= self.risk.daily_loss_limit and self.state is not TradingState.HALTED:
            self._set_state(TradingState.HALTED, f"daily loss {loss} reached the kill switch")
        elif loss >= self.risk.reducing_loss and self.state is TradingState.ACTIVE:
            self._set_state(TradingState.REDUCING, f"daily loss {loss} past reducing_loss")
        self._publish()

    def _set_state(self, state: TradingState, reason: str, *, journal: bool = True) -> None:
        if state is self.state:
            return
        before, self.state, self.state_reason = self.state, state, reason
        self.log.warning(
            "trading state {a} -> {b}: {reason}", a=before.value, b=state.value, reason=reason
        )
        if journal:
            self.journal.trading_state(state, reason)
        self._publish(force=True)
        for platform in self.platforms:
            if state is TradingState.HALTED:
                platform.tell(CancelAll(reason=reason))
            elif before is TradingState.HALTED:
                platform.tell(Resume())
        for ref in self.subscribers:
            with contextlib.suppress(pykka.ActorDeadError):
                ref.tell(TradingStateChanged(state=state, reason=reason))

    # views --------------------------------------------------------------------------------

    def _position(self, market_id: MarketId) -> PositionView:
        t = self._tracker(market_id)
        return PositionView(
            market_id=market_id,
            yes_contracts=t.yes_contracts,
            no_contracts=t.no_contracts,
            avg_yes_price=t.avg_yes_price,
            avg_no_price=t.avg_no_price,
            realized_pnl=t.realized_pnl,
            fees_paid=t.fees_paid,
        )

    def _report(self) -> ExposureReport:
        book = self.book
        realized = sum((t.realized_pnl for t in self.positions.values()), ZERO)
        return ExposureReport(
            state=self.state,
            events=book.events(),
            venue_loss=tuple(sorted(book.venue_loss.items(), key=lambda kv: kv[0].value)),
            total_loss=book.total_loss,
            realized_pnl=realized,
            unrealized_pnl=self.pnl - realized,
            daily_pnl=self.pnl - self.day_start_pnl,
            reservations=len(book.reservations),
        )

    def _publish(self, force: bool = False) -> None:
        """Publish the report for the status view: every ``PUBLISH_EVERY`` seconds, every
        ``PUBLISH_EVERY_MESSAGES`` messages, and on every trading-state change."""
        self.unpublished += 1
        now = self.clock.monotonic()
        due = force or self.unpublished >= PUBLISH_EVERY_MESSAGES
        if self.board is not None and (due or self.board.portfolio_due(now)):
            self.board.publish_portfolio(self._report(), self.limits, now)
            self.unpublished = 0


def _group(msg: Reserve) -> VenueGroup | None:
    """What a reservation says of its market's event, for a market no scan showed."""
    if msg.group is not None or msg.event_id is None:
        return msg.group
    return VenueGroup(venue=msg.market_id.venue, group_id=str(msg.event_id), exclusive=False)
