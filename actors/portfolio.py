"""PortfolioActor: the single writer of exposure, PnL and the trading state.

A MarketActor asks it to reserve the worst case of each order before placing it
(``Reserve``, the only ask it answers besides queries); the reservation is held until the
PlatformActor reports the order closed (``OrderClosed``), less what has filled, which
moves into the position. Limits (``domain.risk.breach``) apply per market, per event
across both venues, per venue and in total, so no sequence of fills can pass them.

The day's PnL (realized + unrealized since the day began) past ``reducing_loss`` puts the
book in REDUCING (only inventory-reducing orders pass); past ``daily_loss_limit`` in
HALTED: every venue cancels everything and nothing passes until an operator resumes.
Positions are seeded from the journal at start (``positions=``) and then follow the same
fill stream the journal records, so a restarted MarketActor reads its inventory here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs
import pykka
from loguru import logger

from actors.clock import Clock
from actors.direct import DirectActor, DirectRef
from actors.fill_math import apply_fill as apply_fill  # re-exported for actors.market
from actors.fill_math import revert_fill as revert_fill  # re-exported for actors.market
from actors.journal_port import JournalPort
from actors.messages import (
    AdoptOrders,
    AmendSettled,
    CancelAll,
    EventExposure,
    ExposureReport,
    FillReceived,
    FillReverted,
    GetExposure,
    GetPosition,
    MarkPrice,
    OrderClosed,
    OrdersClosed,
    PositionView,
    Reservation,
    Reserve,
    ReserveRequest,
    Resume,
    Settle,
    SetTradingState,
    Subscribe,
    TradingStateChanged,
)
from actors.status import StatusBoard
from config.risk import RiskConfig
from domain.enums import Action, OrderSide, TradingState, Venue
from domain.ids import ClientOrderId, EventId, MarketId
from domain.orders import Fill, Order
from domain.risk import (
    NONE,
    Exposure,
    Limits,
    Scope,
    Terms,
    breach,
    exceeds,
    held,
    reduces,
    resting,
    total,
)
from strategies.inventory import InventoryTracker

ZERO = Decimal(0)
PUBLISH_EVERY_MESSAGES = 200


@attrs.define
class _Reservation:
    market_id: MarketId
    terms: Terms
    remaining: Decimal
    filled: Decimal = ZERO
    closed: bool = False
    amend: Terms | None = None

    def exposure(self) -> Exposure:
        if self.remaining <= 0 and self.amend is None:
            return NONE
        out = resting(self.terms, self.remaining)
        if self.amend is not None:
            out = out + resting(self.amend)
        return out


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
        self.subscribers: list[pykka.ActorRef[Any]] = []
        self.positions: dict[MarketId, InventoryTracker] = {}
        self.reservations: dict[ClientOrderId, _Reservation] = {}
        self.by_market: dict[MarketId, set[ClientOrderId]] = {}
        self.event_keys: dict[MarketId, str] = {}
        self.event_markets: dict[str, set[MarketId]] = {}
        self.market_exp: dict[MarketId, Exposure] = {}
        self.event_exp: dict[str, Exposure] = {}
        self.on_venue_exp: dict[tuple[str, Venue], Exposure] = {}
        self.venue_loss: dict[Venue, Decimal] = {}
        self.total_loss = ZERO
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
            case AdoptOrders(orders=orders):
                for order in orders:
                    self._adopt(order)
            case FillReceived(fill=fill):
                self._fill(fill)
            case FillReverted(fill=fill):
                revert_fill(self._tracker(fill.market_id), fill)
                self._recompute(fill.market_id)
            case OrdersClosed(closed=closed):
                for one in closed:
                    self._closed(one)
                return None  # no PnL change: no loss check
            case OrderClosed():
                self._closed(message)
                return None
            case AmendSettled():
                self._amend_settled(message)
                return None
            case MarkPrice(market_id=market_id, yes_price=price):
                self.marks[market_id] = price
                self._repnl(market_id)
            case Settle(market_id=market_id, yes_won=yes_won):
                self._tracker(market_id).settle(yes_won)
                self._recompute(market_id)
            case SetTradingState(state=state, reason=reason):
                self._set_state(state, reason)
            case Subscribe(ref=ref):
                self.subscribers.append(ref)
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

    def _reserve(self, msg: Reserve) -> tuple[Reservation, ...]:
        self._event_key(msg.market_id, msg.event_id)
        if msg.mark is not None:
            self.marks[msg.market_id] = msg.mark
            self._repnl(msg.market_id)
        together = self._reserve_together(msg.market_id, msg.requests)
        if together is not None:
            return together
        return tuple(self._reserve_one(msg.market_id, r) for r in msg.requests)

    def _reserve_together(
        self, market_id: MarketId, requests: tuple[ReserveRequest, ...]
    ) -> tuple[Reservation, ...] | None:
        """New resting buys (a market's quotes) granted in one check when together they
        pass no limit (each alone then passes none); None: check them one by one."""
        if len(requests) < 2 or self.state is not TradingState.ACTIVE:
            return None
        if any(r.replaces or r.terms.action is not Action.BUY for r in requests):
            return None
        add = total(resting(r.terms) for r in requests)
        sides = {r.terms.side for r in requests}
        if exceeds(self._scope(market_id), add, sides, self.limits) is not None:
            return None
        for req in requests:
            self._hold(req.client_order_id, _Reservation(market_id, req.terms, req.terms.quantity))
        self._change(market_id, add)
        return tuple(Reservation(client_order_id=r.client_order_id, granted=True) for r in requests)

    def _reserve_one(self, market_id: MarketId, req: ReserveRequest) -> Reservation:
        reason = self._refusal(market_id, req)
        if reason is not None:
            return Reservation(client_order_id=req.client_order_id, granted=False, reason=reason)
        existing = self.reservations.get(req.client_order_id)
        if req.replaces and existing is not None:
            before = existing.exposure()
            existing.amend = attrs.evolve(req.terms, quantity=req.terms.quantity - existing.filled)
            self._change(market_id, existing.exposure() - before)
        else:
            res = _Reservation(market_id, req.terms, req.terms.quantity)
            self._hold(req.client_order_id, res)
            self._change(market_id, res.exposure())
        return Reservation(client_order_id=req.client_order_id, granted=True)

    def _refusal(self, market_id: MarketId, req: ReserveRequest) -> str | None:
        if self.state is TradingState.HALTED:
            return "trading is HALTED"
        terms = req.terms
        if self.state is TradingState.REDUCING and not reduces(terms, self._reducible(market_id)):
            return "trading is REDUCING and the order does not reduce inventory"
        return breach(self._scope(market_id), terms, self.limits)

    def _adopt(self, order: Order) -> None:
        coid = order.client_order_id
        if coid in self.reservations or order.status.is_terminal or order.remaining <= 0:
            return
        self._event_key(order.market_id)
        terms = Terms.of(order)
        res = _Reservation(order.market_id, terms, order.remaining, filled=order.filled_quantity)
        self._hold(coid, res)
        self._change(order.market_id, res.exposure())

    def _hold(self, coid: ClientOrderId, res: _Reservation) -> None:
        """Keep ``res`` (its exposure is the caller's to add); ``_drop_if_done`` undoes it."""
        self.reservations[coid] = res
        self.by_market.setdefault(res.market_id, set()).add(coid)

    def _reducible(self, market_id: MarketId) -> Decimal:
        """Net position less what resting reducing orders would already take off."""
        tracker = self._tracker(market_id)
        net = tracker.net_position
        for coid in self.by_market.get(market_id, ()):
            res = self.reservations[coid]
            if res.terms.action is Action.BUY and res.terms.side is OrderSide.NO and net > 0:
                net -= res.remaining
            elif res.terms.action is Action.BUY and res.terms.side is OrderSide.YES and net < 0:
                net += res.remaining
        return net

    def _closed(self, msg: OrderClosed) -> None:
        res = self.reservations.get(msg.client_order_id)
        if res is None:
            return
        before = res.exposure()
        res.closed, res.amend = True, None
        res.remaining = min(res.remaining, max(ZERO, msg.filled_quantity - res.filled))
        self._drop_if_done(msg.client_order_id, res)
        self._change(res.market_id, res.exposure() - before)

    def _amend_settled(self, msg: AmendSettled) -> None:
        res = self.reservations.get(msg.client_order_id)
        if res is None or res.amend is None:
            return
        before = res.exposure()
        if msg.applied and not res.closed:
            res.terms = attrs.evolve(res.terms, price=msg.price, quantity=msg.quantity)
            res.remaining = max(ZERO, msg.quantity - res.filled)
        res.amend = None
        self._change(res.market_id, res.exposure() - before)

    def _drop_if_done(self, coid: ClientOrderId, res: _Reservation) -> None:
        if res.closed and res.remaining <= 0:
            del self.reservations[coid]
            self.by_market.get(res.market_id, set()).discard(coid)

    # fills --------------------------------------------------------------------------

    def _fill(self, fill: Fill) -> None:
        tracker = self._tracker(fill.market_id)
        apply_fill(tracker, fill)
        coid = fill.client_order_id
        res = self.reservations.get(coid) if coid is not None else None
        if res is not None:
            res.filled += fill.quantity
            res.remaining = max(ZERO, res.remaining - fill.quantity)
            self._drop_if_done(coid, res)  # type: ignore[arg-type]
        self._recompute(fill.market_id)

    # exposure bookkeeping -------------------------------------------------------------

    def _tracker(self, market_id: MarketId) -> InventoryTracker:
        tracker = self.positions.get(market_id)
        if tracker is None:
            tracker = self.positions[market_id] = InventoryTracker(market_id=market_id)
        return tracker

    def _event_key(self, market_id: MarketId, event_id: EventId | None = None) -> str:
        key = self.event_keys.get(market_id)
        if key is None:
            linked = self.risk.event_of(market_id) or event_id
            key = f"event:{linked}" if linked is not None else f"market:{market_id}"
            self.event_keys[market_id] = key
            self.event_markets.setdefault(key, set()).add(market_id)
        return key

    def _scope(self, market_id: MarketId) -> Scope:
        key = self._event_key(market_id)
        venue = market_id.venue
        return Scope(
            market_id=market_id,
            market=self.market_exp.get(market_id, NONE),
            event=self.event_exp.get(key, NONE),
            event_on_venue=self.on_venue_exp.get((key, venue), NONE),
            venue_loss=self.venue_loss.get(venue, ZERO),
            total_loss=self.total_loss,
        )

    def _recompute(self, market_id: MarketId) -> None:
        """Refresh what ``market_id`` feeds, by difference (Decimal: exact): its exposure,
        its event's (on every venue and on its own), the venue's and the total loss."""
        tracker = self._tracker(market_id)
        exposure = held(
            tracker.yes_contracts,
            tracker.no_contracts,
            tracker.yes_contracts * tracker.avg_yes_price,
            tracker.no_contracts * tracker.avg_no_price,
        )
        ids = self.by_market.get(market_id, ())
        exposure = exposure + total(self.reservations[c].exposure() for c in ids)
        old = self.market_exp.get(market_id, NONE)
        if exposure != old:
            self.market_exp[market_id] = exposure
            self._shift(self._event_key(market_id), market_id.venue, exposure - old)
        self._repnl(market_id)

    def _change(self, market_id: MarketId, delta: Exposure) -> None:
        """A reservation of ``market_id`` changed by ``delta`` (held contracts did not)."""
        if delta != NONE:
            self.market_exp[market_id] = self.market_exp.get(market_id, NONE) + delta
            self._shift(self._event_key(market_id), market_id.venue, delta)

    def _shift(self, key: str, venue: Venue, delta: Exposure) -> None:
        before = self.event_exp.get(key, NONE)
        event = self.event_exp[key] = before + delta
        self.total_loss += event.worst_loss - before.worst_loss
        before = self.on_venue_exp.get((key, venue), NONE)
        on_venue = self.on_venue_exp[(key, venue)] = before + delta
        self.venue_loss[venue] = (
            self.venue_loss.get(venue, ZERO) + on_venue.worst_loss - before.worst_loss
        )

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

    def _set_state(self, state: TradingState, reason: str) -> None:
        if state is self.state:
            return
        before, self.state = self.state, state
        self.log.warning(
            "trading state {a} -> {b}: {reason}", a=before.value, b=state.value, reason=reason
        )
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
        events = tuple(
            EventExposure(
                event_id=key,
                contracts=self.event_exp.get(key, NONE).contracts,
                worst_loss=self.event_exp.get(key, NONE).worst_loss,
            )
            for key in sorted(self.event_markets)
        )
        realized = sum((t.realized_pnl for t in self.positions.values()), ZERO)
        return ExposureReport(
            state=self.state,
            events=events,
            venue_loss=tuple(sorted(self.venue_loss.items(), key=lambda kv: kv[0].value)),
            total_loss=self.total_loss,
            realized_pnl=realized,
            unrealized_pnl=self.pnl - realized,
            daily_pnl=self.pnl - self.day_start_pnl,
            reservations=len(self.reservations),
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
