"""ExecutorActor: runs the strategies other than the market maker (an
``ArbitrageStrategy``, a strategy of your own) and the market maker's cross-venue hedges.
One per engine: an arbitrage spans markets and venues, so it cannot live in one
MarketActor.

It reads the books of the markets it follows from the conflator (``follow``: told
``DataReady`` of a market when its book changes, it ``peek``s the books, asking no
actor), shows each strategy its ``StrategyView`` (``strategies.views``) and executes the
signals strongest first across strategies (priority, then strength:
``strategies.base.rank``), one at a time (``strategies.execution``): every order of a
basket reserved with the PortfolioActor first, all of them or none (``ReserveBasket``, a
direct call, halved until the limits take it), then sent as immediate-or-cancel or
fill-or-kill orders through the venue's PlatformActor (``PlaceLegs``, a direct call: our
own quotes in the way are cancelled first), the thinner leg first, each next one sized to
what the first filled. Uneven legs are hedged or unwound under the same limits
(``strategies.leg_risk``), and what stays uneven is reported naked, never silently.
Every step is journaled (``executions``), every order attributed to its strategy.

With ``hedge_cross_venue``, a resting market-making quote filled in a linked market
(``MakerFilled``, from the PlatformActor) is hedged at once on the other venue
(``strategies.hedging``), as the market maker's order.

Asks go one way: it calls the PortfolioActor and the PlatformActors (direct calls, like
a MarketActor's), nobody asks it; it waits for no answer (the orders' outcomes come as
messages), and every order it sends has a timer (``LegTimeout``: a cancel is asked, the
PlatformActor's look-ups settle an unanswered order). Nothing it starts while trading is
not ACTIVE. If it dies, its in-flight orders are immediate and end by themselves; the
engine starts a new one.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pykka
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.executor.orders import (
    ended_detail,
    leg_order,
    linked_market,
    outcome_detail,
    releases,
    reserve_for,
)
from predmm.actors.executor.pacing import Pacing
from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import (
    CancelOrders,
    DataReady,
    FillReceived,
    FillsOverdue,
    FollowMarkets,
    InjectFailure,
    LegTimeout,
    MakerFilled,
    MarkPrice,
    OrdersChanged,
    PlaceLegs,
    Reservation,
    ReserveBasket,
    SettlementApplied,
    Tick,
    TradingStateChanged,
)
from predmm.actors.status import StatusBoard
from predmm.domain.book import OrderBook
from predmm.domain.enums import TradingState, Venue
from predmm.domain.fees import TakerFees
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import MARKET_MAKING, Fill, Leg, Order, Signal
from predmm.strategies.base import Room
from predmm.strategies.execution import (
    Balance,
    Decision,
    Execution,
    Outcome,
    Phase,
    Send,
    describe,
    legs_of,
    scaled,
)
from predmm.strategies.hedging import cross_venue_hedge
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.leg_risk import LegAction, resolve_legs
from predmm.strategies.views import others_book, strategy_view

ZERO = Decimal(0)
Positions = Callable[[str, frozenset[Venue]], Mapping[MarketId, InventoryTracker]]


class ExecutorActor(pykka.ThreadingActor):
    def __init__(
        self,
        *,
        strategies: Sequence[Any],  # supervisors.registry.Registration: strategy, name, venues
        portfolio: DirectRef,
        platforms: Mapping[Venue, DirectRef],
        conflator: Any,
        clock: Clock,
        journal: JournalPort,
        prefix: str,
        links: Sequence[tuple[MarketId, ...]] = (),
        hedged: frozenset[Venue] = frozenset(),
        hedge_fees: TakerFees | None = None,
        positions: Positions | None = None,
        bridge: Any = None,
        board: StatusBoard | None = None,
        timings: Any = None,  # supervisors.runtime.EngineTimings
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__()
        self.strategies, self.portfolio, self.platforms = tuple(strategies), portfolio, platforms
        self.conflator, self.clock, self.journal = conflator, clock, journal
        self.prefix, self.links, self.hedged = prefix, tuple(links), hedged
        self.hedge_fees = hedge_fees or TakerFees()
        self.positions = positions or (lambda name, venues: {})
        self.bridge, self.board, self.on_failure_cb = bridge, board, on_failure
        self.leg_timeout = getattr(timings, "leg_timeout", 10.0)
        self.markets: dict[MarketId, Market] = {}
        self.followed: set[MarketId] = set()
        self.state = TradingState.ACTIVE
        self.current: Execution | None = None
        self.reserved: dict[int, ClientOrderId] = {}  # the basket's legs, reserved up front
        self.hedges: list[Fill] = []  # maker fills waiting for their hedge
        self.pacing = Pacing(getattr(timings, "execution_cooldown", 5.0))
        self.marks: dict[MarketId, Decimal] = {}
        self.seq = itertools.count(1)
        self.executions = itertools.count(1)
        self.log = logger.bind(actor="executor")

    # lifecycle ------------------------------------------------------------------------

    def on_stop(self) -> None:
        for market_id in self.followed:
            self.conflator.unfollow(market_id, self.actor_ref)
        self._release_unsent()

    def on_failure(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        self.log.opt(exception=exc_value).error("executor failed: {e!r}", e=exc_value)
        with contextlib.suppress(Exception):
            self.on_stop()
        if self.on_failure_cb is not None and exc_value is not None:
            self.on_failure_cb(exc_value)

    # dispatch -------------------------------------------------------------------------

    def on_receive(self, message: Any) -> None:
        match message:
            case FollowMarkets(markets=markets, followed=followed):
                self._follow(markets, followed)
            case DataReady(market_id=market_id):
                self._book_changed(market_id)
            case OrdersChanged(orders=orders):
                for order in orders:
                    if order.status.is_terminal:
                        self._ended(order)
            case FillReceived(fill=fill):
                if self.current is not None:
                    self._act(self.current.filled(fill))
            case MakerFilled(fill=fill):
                self.hedges.append(fill)
            case LegTimeout(client_order_id=coid):
                self._timed_out(coid)
            case FillsOverdue(execution_id=eid):
                ex = self.current
                if ex is not None and ex.execution_id == eid and ex.phase is Phase.SETTLING:
                    self._finish(ex.fills_overdue())
            case TradingStateChanged(state=state):
                self.state = state
            case SettlementApplied(market_id=market_id):
                self.markets.pop(market_id, None)
            case Tick():
                pass
            case InjectFailure(reason=reason):
                raise RuntimeError(f"ExecutorActor: {reason}")
            case _:
                raise TypeError(f"ExecutorActor: unexpected {message!r}")
        self._next()

    def _follow(self, markets: tuple[Market, ...], followed: frozenset[MarketId]) -> None:
        venues = frozenset(v for r in self.strategies for v in r.venues)
        if self.hedged:  # a hedge is bought on the other venue: its books too
            venues |= frozenset(m.venue for m in followed)
        self.markets = {m.market_id: m for m in markets if m.market_id in followed}
        wanted = {m for m in followed if m.venue in venues}
        for market_id in wanted - self.followed:
            self.conflator.follow(market_id, self.actor_ref)
        for market_id in self.followed - wanted:
            self.conflator.unfollow(market_id, self.actor_ref)
        self.followed = wanted

    def _book_changed(self, market_id: MarketId) -> None:
        self.pacing.book_seen(market_id)
        book, _ = self.conflator.peek(market_id, self.actor_ref)
        mid = book.mid() if book is not None else None
        if mid is None or mid == self.marks.get(market_id):
            return
        self.marks[market_id] = mid
        if any(market_id in self.positions(r.name, r.venues) for r in self.strategies):
            with contextlib.suppress(pykka.ActorDeadError):  # its own holdings are marked
                self.portfolio.call(MarkPrice(market_id=market_id, yes_price=mid))

    # choosing -------------------------------------------------------------------------

    def _next(self) -> None:
        """Start the next execution: a hedge waiting, else the strongest signal."""
        if self.current is not None or self.state is not TradingState.ACTIVE:
            return
        while self.hedges and self.current is None:
            self._hedge(self.hedges.pop(0))
        if self.current is None and self.strategies:
            self._strongest()

    def _strongest(self) -> None:
        books = self._books()
        candidates: list[tuple[int, Signal, Any]] = []
        now = self.clock.now()
        for reg in self.strategies:
            view = strategy_view(
                now,
                self.markets,
                books,
                self.positions(reg.name, reg.venues),
                self.links,
                reg.venues,
            )
            candidates += [(reg.strategy.priority, s, reg) for s in reg.strategy.signals(view)]
        candidates.sort(key=lambda c: (-c[0], -c[1].strength))
        for _, signal, reg in candidates:
            legs = legs_of(signal)
            if self.pacing.waits((leg.market_id for leg in legs), self.clock.monotonic()):
                continue
            if self._start(reg, signal, legs):
                return

    def _books(self) -> dict[MarketId, OrderBook]:
        """The books of the markets followed, less our own quotes (they make way)."""
        books = {}
        for market_id in self.followed:
            book, watch = self.conflator.peek(market_id, self.actor_ref)
            if book is not None:
                books[market_id] = others_book(book, watch)
        return books

    # starting -------------------------------------------------------------------------

    def _start(self, reg: Any, signal: Signal, legs: tuple[Leg, ...]) -> bool:
        """Reserve the basket (halving it until the limits take it) and send its first
        leg; False when not even one contract of each leg is granted."""
        eid = f"{self.prefix}e{next(self.executions)}"
        size, reason = legs[0].size, ""
        while size >= 1:
            sized = scaled(legs, size)
            coids = [self._coid() for _ in sized]
            answer = self._reserve([(c, leg) for c, leg in zip(coids, sized, strict=True)])
            if all(r.granted for r in answer):
                self._journal(eid, reg.name, "signal", signal.reason or describe(legs[0]))
                if size < legs[0].size:
                    self._journal(eid, reg.name, "sized", f"{size} of {legs[0].size}: {reason}")
                self.current = Execution(eid, reg.name, sized)
                self.reserved = dict(enumerate(coids))
                self._act(self.current.start())
                return True
            reason = next((r.reason for r in answer if not r.granted), "refused")
            size = (size / 2).to_integral_value(rounding=ROUND_FLOOR)
        self._journal(eid, reg.name, "refused", f"{signal.reason}: {reason}")
        self.pacing.cool(frozenset(leg.market_id for leg in legs), self.clock.monotonic())
        return False

    def _hedge(self, fill: Fill) -> None:
        """The maker's fill hedged on the linked market of the other venue, if its book
        takes any of it without loss."""
        linked = linked_market(self.links, fill.market_id)
        if linked is None:
            return
        book, watch = self.conflator.peek(linked, self.actor_ref)
        if book is None:
            self.log.warning("no book of {m}: fill {f} not hedged", m=linked, f=fill.fill_id)
            return
        leg = cross_venue_hedge(
            fill, linked, others_book(book, watch), self.hedge_fees.rate(linked)
        )
        eid = f"{self.prefix}h{next(self.executions)}"
        if leg is None:
            what = f"fill {fill.fill_id}: {fill.quantity} at {fill.price}, no hedge without loss"
            self._journal(eid, MARKET_MAKING, "unhedged", what)
            return
        coid = self._coid()
        answer = self._reserve([(coid, leg)])
        if not answer[0].granted:
            self._journal(
                eid, MARKET_MAKING, "refused", f"hedge {describe(leg)}: {answer[0].reason}"
            )
            return
        what = f"fill {fill.fill_id} of {fill.market_id}: {fill.quantity} at {fill.price}"
        self._journal(eid, MARKET_MAKING, "signal", f"hedge across venues: {what}")
        self.current = Execution(eid, MARKET_MAKING, (leg,))
        self.reserved = {0: coid}
        self._act(self.current.start())

    # executing ------------------------------------------------------------------------

    def _act(self, decision: Decision) -> None:
        ex = self.current
        if ex is None:
            return
        match decision:
            case Send(orders=orders):
                self._send(ex, orders)
            case Balance(legs=legs, held=held, only=only):
                self._balance(ex, legs, held, only)
            case Outcome():
                self._finish(decision)
            case _:
                if ex.phase is Phase.SETTLING and self.bridge is not None:
                    self.bridge.call_later(
                        self.leg_timeout, self.actor_ref, FillsOverdue(execution_id=ex.execution_id)
                    )

    def _send(self, ex: Execution, orders: tuple[tuple[int, Leg], ...]) -> None:
        planned = ex.phase is Phase.BALANCING
        coids = [self._coid() if planned else self.reserved.pop(k) for k, _ in orders]
        if planned:
            answer = self._reserve([(c, leg) for c, (_, leg) in zip(coids, orders, strict=True)])
            refused = next((r for r in answer if not r.granted), None)
            if refused is not None:
                self._journal(ex.execution_id, ex.strategy, "refused", refused.reason)
                self._act(ex.give_up(f"the limits refused the {ex.reason}: {refused.reason}"))
                return
        by_venue: dict[Venue, list[Order]] = {}
        for coid, (k, leg) in zip(coids, orders, strict=True):
            order = self._order(ex, coid, leg)
            ex.sent(coid, k, leg.action)
            by_venue.setdefault(leg.market_id.venue, []).append(order)
            self._journal(ex.execution_id, ex.strategy, "sent", f"{coid}: {describe(leg)}")
            if self.bridge is not None:
                self.bridge.call_later(
                    self.leg_timeout, self.actor_ref, LegTimeout(client_order_id=coid)
                )
        for venue, placed in by_venue.items():
            try:
                self.platforms[venue].call(PlaceLegs(orders=tuple(placed)))
            except (pykka.ActorDeadError, KeyError) as exc:
                self.log.error("{v}: orders not sent: {e!r}", v=venue.value, e=exc)
                for order in placed:
                    self._act(ex.ended(order.client_order_id, ZERO))

    def _balance(
        self,
        ex: Execution,
        legs: tuple[Leg, ...],
        held: tuple[Decimal, ...],
        only: LegAction | None,
    ) -> None:
        books = self._books()
        fees = self._fees(ex.strategy)
        plan = resolve_legs(legs, held, books, fees, room=Room(), only=only)
        if plan.action is LegAction.HEDGE and not self._affordable(plan.orders):
            plan = resolve_legs(legs, held, books, fees, only=LegAction.UNWIND)
        what = f"{plan.action.value}: {', '.join(describe(o) for o in plan.orders) or 'nothing'}"
        self._journal(ex.execution_id, ex.strategy, "balance", f"held {list(held)}; {what}")
        self._act(ex.planned(plan))

    def _affordable(self, orders: Sequence[Leg]) -> bool:
        """Whether the limits would take these orders now (reserved and released at
        once: the real reservation is made when they are sent)."""
        coids = [self._coid() for _ in orders]
        answer = self._reserve(list(zip(coids, orders, strict=True)))
        ok = all(r.granted for r in answer)
        if ok:
            self._release(coids)
        return ok

    def _ended(self, order: Order) -> None:
        ex = self.current
        if ex is None or order.client_order_id not in ex.open:
            return
        self._journal(ex.execution_id, ex.strategy, "ended", ended_detail(order))
        self._act(ex.ended(order.client_order_id, order.filled_quantity))

    def _timed_out(self, coid: ClientOrderId) -> None:
        ex = self.current
        if ex is None or coid not in ex.open:
            return
        index, _ = ex.open[coid]
        venue = ex.legs[index].market_id.venue
        self._journal(
            ex.execution_id,
            ex.strategy,
            "timeout",
            f"{coid}: no end in {self.leg_timeout:g} s; cancel asked",
        )
        with contextlib.suppress(pykka.ActorDeadError, KeyError):
            self.platforms[venue].call(CancelOrders(client_order_ids=(coid,)))

    def _finish(self, outcome: Outcome) -> None:
        ex = self.current
        assert ex is not None
        self._release_unsent()
        self.current = None
        step = "naked" if outcome.naked > 0 else "done"
        detail = outcome_detail(outcome, ex.legs)
        if outcome.naked > 0:
            self.log.error("execution {e}: {d}", e=ex.execution_id, d=detail)
        else:
            self.log.info("execution {e}: {d}", e=ex.execution_id, d=detail)
        self._journal(ex.execution_id, ex.strategy, step, detail)
        self.pacing.traded(ex.markets)
        if outcome.baskets == 0 and len(ex.legs) > 1:  # it did not take: not again at once
            self.pacing.cool(ex.markets, self.clock.monotonic())
        if self.board is not None:
            locked = outcome.locked if len(ex.legs) > 1 else ZERO
            self.board.execution_done(ex.strategy, step, locked, outcome.naked)

    # helpers --------------------------------------------------------------------------

    def _coid(self) -> ClientOrderId:
        return ClientOrderId(f"{self.prefix}{next(self.seq)}")

    def _order(self, ex: Execution, coid: ClientOrderId, leg: Leg) -> Order:
        return leg_order(leg, coid, ex.strategy, ex.execution_id, self.clock.now())

    def _reserve(self, orders: Sequence[tuple[ClientOrderId, Leg]]) -> tuple[Reservation, ...]:
        reserves = tuple(reserve_for(c, leg, self.markets.get(leg.market_id)) for c, leg in orders)
        try:
            answer: tuple[Reservation, ...] = self.portfolio.call(ReserveBasket(reserves=reserves))
        except pykka.ActorDeadError:
            return tuple(
                Reservation(client_order_id=c, granted=False, reason="the portfolio is gone")
                for c, _ in orders
            )
        return answer

    def _release(self, coids: Sequence[ClientOrderId]) -> None:
        if not coids:
            return
        with contextlib.suppress(pykka.ActorDeadError):
            self.portfolio.call(releases(coids))

    def _release_unsent(self) -> None:
        """The legs reserved up front that never went out give their reservations back."""
        unsent, self.reserved = list(self.reserved.values()), {}
        self._release(unsent)

    def _fees(self, strategy: str) -> TakerFees:
        for reg in self.strategies:
            if reg.name == strategy:
                fees = getattr(reg.strategy.config, "fees", None)
                if isinstance(fees, TakerFees):
                    return fees
        return self.hedge_fees

    def _journal(self, eid: str, strategy: str, step: str, detail: str) -> None:
        self.journal.execution_step(eid, strategy, step, detail)
