"""MarketActor: one per quoted market, a thin shell over ``strategies``.

It owns the market's inventory and its view of its live orders. On a (conflated) book
update it asks the strategy for the desired YES and NO bids, diffs them against its live
orders (keep what is unchanged; amend where the venue can; else cancel and replace),
reserves the worst case with the PortfolioActor and submits to the PlatformActor, both
by direct call (``actors.direct``: handled on this thread under the actor's lock, so
the tick path wakes no other actor thread). Guards: quote age, price move, volume
spike; exits through ``strategies.market_making.exit_signal`` (rebalance), one in flight
at a time (until its fills are in); fills an order's answer announced before they arrived
count as pending inventory (``actors.market.holdings``). In REDUCING an exit takes the
room of the reducing quotes in its way. Its market's life is ``strategies.life``'s:
quoting, then exit only (inside the exit window, or once the selection no longer wants it:
``SetWanted``), then closed (nothing placed, the position kept until the settlement).
Unwanted, once flat with nothing resting, it tells the supervisor ``MarketDone`` (which
retires it). A market whose position the venue disputes places nothing until it agrees
(``BlockQuoting``). On stop it cancels its own orders.

A restarted incarnation rebuilds its inventory from the PortfolioActor (seeded from the
journal at start, then fed the same fills the journal records) and its orders (an exit
in flight included) from the PlatformActor, in the one direct call that routes the
market's fills to it (``TakeOver``); its client order ids carry its generation, so they
never collide.

This file holds the actor: its state, lifecycle, dispatch and calls to other actors. Its
decisions are pure functions beside it: what it reads of its market in
``actors.market.view``, its live quotes against the strategy's in ``actors.market.quote_diff``,
the messages its orders travel in in ``actors.market.orders``; what it is given to work
with, ``MarketDeps``, in ``actors.market.deps``.
"""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal
from typing import Any

import pykka
from loguru import logger

from predmm.actors.market.deps import MarketDeps
from predmm.actors.market.holdings import PendingFills, exit_within_room, room_for_quotes
from predmm.actors.market.orders import (
    amend_request,
    amended,
    exit_quote,
    granted,
    place_request,
    unsent_releases,
)
from predmm.actors.market.quote_diff import diff, needs_requote, quoting, reducing_only
from predmm.actors.market.view import LiveView, OwnSizes, own_sizes, requote_key, watch_of
from predmm.actors.messages import (
    AmendOrder,
    ApplyConfig,
    BlockQuoting,
    ChildFailed,
    DataReady,
    DetachMarket,
    FillReceived,
    FillReverted,
    GetPosition,
    InjectFailure,
    MarketChanged,
    MarketDataChanged,
    MarketDone,
    MarketStart,
    MarkPrice,
    OrdersChanged,
    PositionView,
    Reservation,
    Reserve,
    Retire,
    SetWanted,
    SubmitOrders,
    TakeOver,
    Tick,
    TradingStateChanged,
    UnblockQuoting,
)
from predmm.actors.status import MarketStatus
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook, Watch
from predmm.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TradingState
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.domain.outcomes import VenueGroup, venue_group
from predmm.strategies.fills import apply_fill, revert_fill
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase, aggressive_exit, passive_exit, phase
from predmm.strategies.market_making import exit_signal
from predmm.strategies.quoting import Quote, VolumeMeter, compute_quotes, quote_expired

ZERO = Decimal(0)


class MarketActor(pykka.ThreadingActor):
    def __init__(
        self,
        *,
        market: Market,
        deps: MarketDeps,
        generation: int = 0,
        state: TradingState = TradingState.ACTIVE,
        wanted: bool = True,
    ) -> None:
        super().__init__()
        self.market, self.deps, self.generation, self.state = market, deps, generation, state
        self.wanted, self.done = wanted, False  # done: told the supervisor it is flat
        self.exit_waits = False  # a marketable exit waits for our order on its side to go
        self._group_of: Market | None = None
        self._group: VenueGroup | None = None
        self.market_id = market.market_id
        self.config = deps.config
        self.inventory = InventoryTracker(
            market_id=market.market_id, max_inventory=deps.config.max_inventory
        )
        self.live: dict[ClientOrderId, Order] = {}
        self.cancelling: set[ClientOrderId] = set()
        self.exits: set[ClientOrderId] = set()  # at most one: in flight until its fills are in
        self.pending = PendingFills()
        self.exit_waits = False  # a REDUCING exit waits for the quotes in its way to go
        self.blocked = ""  # why nothing may be placed (the venue disputes the position)
        self.book: OrderBook | None = None
        self.fair: Decimal | None = None
        self.quoted_fair: Decimal | None = None
        self.quoted_at: Any = None
        self.stale = True
        self.last_inputs: tuple[object, ...] | None = None
        self.requote_now = False
        self.volume = VolumeMeter(
            window_s=self.config.volume_spike_window_seconds,
            lookback_s=self.config.volume_spike_lookback_seconds,
        )
        self.paused_until = -1.0
        self.last_mark: Decimal | None = None
        self.mark_unsent = False
        self.seq = itertools.count(1)
        self.sized = self.config.fair_value_method == "microprice"  # sizes count everywhere
        self.watched: Watch | None = None  # what the conflator knows this actor reads
        self.prefix = f"{deps.run_id}-{market.market_id.symbol[-12:]}-g{generation}-"
        self.retired = False
        self.refused = False  # the last reservation was refused: retry when one is released
        self.out_cancels: list[ClientOrderId] = []
        self.out_amends: list[AmendOrder] = []
        self.out_places: list[Order] = []
        self.log = logger.bind(actor="market", market_id=str(market.market_id))

    # lifecycle ------------------------------------------------------------------------

    def on_start(self) -> None:
        try:
            self._recover()
            if self.deps.conflator is not None:
                self.deps.conflator.attach(self.market_id, self.actor_ref)
            self._publish("quoting" if self.generation == 0 else "restarted")
            self._check_done()
        except Exception as exc:  # pykka calls no on_failure for on_start: report it here
            self._report_failure(exc)
            raise

    def _recover(self) -> None:
        """Inventory from the PortfolioActor, live orders (and finished ones whose fills
        are still to come) from the PlatformActor, read in the one direct call that routes
        the market's fills here (``TakeOver``: no fill falls between the two, or is counted
        twice); a direct call, like the tick path's, so a start never waits for their
        threads (under load those wait long for the GIL, and an ask would time out). An
        exit of the last incarnation is still in flight."""
        start: MarketStart = self.deps.platform_direct.call(
            TakeOver(market_id=self.market_id, ref=self.actor_ref)
        )
        pos: PositionView = start.position or self.deps.portfolio_direct.call(
            GetPosition(market_id=self.market_id)
        )
        inv = self.inventory
        inv.yes_contracts, inv.no_contracts = pos.yes_contracts, pos.no_contracts
        inv.avg_yes_price, inv.avg_no_price = pos.avg_yes_price, pos.avg_no_price
        inv.realized_pnl, inv.fees_paid = pos.realized_pnl, pos.fees_paid
        for order, counted in start.orders:
            coid = order.client_order_id
            self.pending.recovered(order, counted)
            if order.order_type is OrderType.MARKET and not self._done(order):
                self.exits.add(coid)
            if order.status.is_terminal:
                continue
            self.live[coid] = order
            if order.status is OrderStatus.PENDING_CANCEL:
                self.cancelling.add(order.client_order_id)

    def _done(self, order: Order) -> bool:
        """Finished, its fills all in."""
        return order.status.is_terminal and not self.pending.waiting(order.client_order_id)

    def on_stop(self) -> None:
        self._cancel(list(self.live))
        self.out_amends, self.out_places = [], []
        self._send()
        self._detach()
        self._publish("retired" if self.retired else "stopped")

    def on_failure(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        self._release_unsent()
        self._detach()
        self._report_failure(exc_value)

    def _release_unsent(self) -> None:
        """Reservations made for orders that never left this actor are given back."""
        with contextlib.suppress(pykka.ActorDeadError):
            for message in unsent_releases(self.out_places, self.out_amends):
                self.deps.portfolio.tell(message)

    def _report_failure(self, exc: BaseException | None) -> None:
        self.log.opt(exception=exc).error("market actor failed: {exc!r}", exc=exc)
        if self.deps.supervisor is not None:
            failed = ChildFailed(
                market_id=self.market_id, generation=self.generation, error=repr(exc)
            )
            with contextlib.suppress(pykka.ActorDeadError):
                self.deps.supervisor.tell(failed)

    def _detach(self) -> None:
        if self.deps.conflator is not None:
            self.deps.conflator.detach(self.market_id, self.actor_ref)
        with contextlib.suppress(pykka.ActorDeadError):
            self.deps.platform.tell(DetachMarket(market_id=self.market_id, ref=self.actor_ref))

    # dispatch -------------------------------------------------------------------------

    def on_receive(self, message: Any) -> None:
        try:
            self._dispatch(message)
        finally:
            self._send()
            self._watch()
            self._check_done()

    def _check_done(self) -> None:
        """Unwanted, flat and with nothing resting: the supervisor may retire it."""
        if self.wanted or self.done or self.retired or self.live or self.exits:
            return
        if self._held().net_position != 0:  # fills announced and not in yet count
            return
        self.done = True
        if self.deps.supervisor is not None:
            with contextlib.suppress(pykka.ActorDeadError):
                self.deps.supervisor.tell(
                    MarketDone(market_id=self.market_id, generation=self.generation)
                )

    def _reconfigure(self, config: MarketMakingConfig) -> None:
        """The strategy's settings reloaded: quote with them from now on."""
        self.config = config
        self.inventory.max_inventory = config.max_inventory
        self.volume.window_s = config.volume_spike_window_seconds
        self.volume.lookback_s = config.volume_spike_lookback_seconds
        self.sized = config.fair_value_method == "microprice"
        self.stale = True
        self._requote()

    def _watch(self) -> None:
        """Tell the conflator what this actor reads of a book now (its quotes' prices and
        sizes): a book update that changes none of it will not wake this actor."""
        conflator = self.deps.conflator
        if conflator is None:
            return
        own, _ = quoting(self.live, self.cancelling, self.exits)
        watch = watch_of(own, self.sized)
        if watch != self.watched:
            self.watched = watch
            if conflator.watch(self.market_id, watch):  # a book it kept matters now
                with contextlib.suppress(pykka.ActorDeadError):
                    self.actor_ref.tell(DataReady(market_id=self.market_id))

    def _dispatch(self, message: Any) -> None:
        match message:
            case DataReady():
                data = self.deps.conflator.take(self.market_id)
                if data is not None:
                    self._on_data(data)
            case OrdersChanged(orders=orders):
                for order in orders:
                    self._on_order(order)
                if self.exit_waits:  # the quotes in a REDUCING exit's way may be gone
                    self._exit(self._view())
                # requote now if a release may let a refused order pass, if the venue
                # took a quote away (expired, cancelled by it, rejected) or if an order
                # was adopted (it may be a second quote on its side)
                if self.stale and (self.refused or self.requote_now):
                    self.requote_now = False
                    self._requote()
                if self.exit_waits:  # the exit waited for our order on its side to go
                    self._exit(self._view())
            case FillReceived(fill=fill):
                apply_fill(self.inventory, fill)
                whole = self.pending.fill(fill, self.live)  # a finished order's fills all in
                if whole is not None:
                    self.exits.discard(whole)
                self.stale = True
                self._requote()
            case FillReverted(fill=fill):
                revert_fill(self.inventory, fill)
                self.stale = True
                self._requote()
            case Tick():
                self._on_tick()
            case TradingStateChanged(state=state):
                self.state, self.stale = state, True
                self._requote()
            case ApplyConfig(config=config):
                self._reconfigure(config)
            case MarketChanged(market=market):
                self.market, self.stale = market, True
                self._requote()
            case SetWanted(wanted=wanted):
                self.wanted, self.stale = wanted, True
                self.done = self.done and not wanted
                self._requote()
            case BlockQuoting(reason=reason):
                self.blocked, self.stale = reason, True
                self._requote()
            case UnblockQuoting():
                self.blocked, self.stale = "", True
                self._requote()
            case Retire():
                self.retired = True
                self.actor_ref.stop(block=False)
            case InjectFailure(reason=reason):
                raise RuntimeError(f"{self.market_id}: {reason}")
            case _:
                raise TypeError(f"MarketActor {self.market_id}: unexpected {message!r}")

    def _on_data(self, msg: MarketDataChanged) -> None:
        now = self.deps.clock.monotonic()
        self.volume.add(now, msg.traded)
        if now >= self.paused_until and self.volume.spike(now, self.config.volume_spike_multiple):
            self.paused_until = now + self.config.max_quote_age_seconds
            self.log.warning("volume spike {v}: quotes pulled", v=self.volume.rates(now))
        self.book = msg.book
        mid = msg.book.mid() if msg.book is not None else None
        if mid is not None and mid != self.last_mark:
            self.last_mark, self.mark_unsent = mid, True
        self._requote()
        if self.mark_unsent and self.last_mark is not None:  # no reservation carried it
            self.mark_unsent = False
            with contextlib.suppress(pykka.ActorDeadError):
                self.deps.portfolio_direct.call(
                    MarkPrice(market_id=self.market_id, yes_price=self.last_mark)
                )

    def _on_order(self, order: Order) -> None:
        coid = order.client_order_id
        if order.status.is_terminal:
            tracked = self.live.pop(coid, None) is not None
            ours = coid in self.cancelling or coid in self.exits or not tracked
            self.requote_now = self.requote_now or not ours  # gone without our asking
            self.cancelling.discard(coid)
            if not (tracked and self.pending.order_done(order)):
                self.exits.discard(coid)  # else in flight until its fills are in
            self.stale = True
        else:
            if coid not in self.live:  # one the venue took late, adopted by the platform
                self.pending.recovered(order, order.filled_quantity)
                self.stale = self.requote_now = True
            self.live[coid] = order

    def _on_tick(self) -> None:
        now = self.deps.clock.now()
        if quote_expired(self.quoted_at, now, self.config.max_quote_age_seconds):
            self.stale = True
        if self.refused:  # a limit another market held may have been released since
            self.stale = True
        self._requote()
        self._exit(self._view())  # the exit window moves with time, not with the book

    # quoting --------------------------------------------------------------------------

    def _phase(self) -> Phase:
        """Where the market is in its life now (``strategies.life``)."""
        now = LiveView(self.market, None, None, self.deps.clock.now())
        return phase(now, self.config, wanted=self.wanted)

    def _view(self) -> LiveView | None:
        """The strategy's view now; None without a book or once trading closed."""
        book = self.book
        if book is None or self._phase() is Phase.CLOSED:
            return None
        return LiveView(self.market, book.best_bid(), book.best_ask(), self.deps.clock.now())

    def _held(self) -> InventoryTracker:
        """The inventory with the fills its orders are owed (``PendingFills``): what
        quotes and exits are sized on."""
        return self.pending.effective(self.inventory, self.live)

    def _requote(self) -> None:
        quotes = self._quotes()
        own = own_sizes(quotes)
        paused = self.deps.clock.monotonic() < self.paused_until
        held = self._held()
        inputs = requote_key(
            self.book,
            own,
            self.sized,
            held,
            self.state,
            self.market,
            paused,
            self._phase(),
        )
        if inputs == self.last_inputs and not self.stale:
            return  # nothing the strategy reads has changed: the same quotes, the same exit
        self.last_inputs = inputs
        view = self._view()
        self._exit(view, held)
        desired = self._desired(view, own, held)
        threshold = self.config.price_change_requote_threshold
        if not needs_requote(self.stale, desired, quotes, self.quoted_fair, self.fair, threshold):
            return
        cancels, amends, places = diff(desired, quotes, self.deps.capabilities.amend)
        self._cancel(cancels)
        self._amend(amends)
        self._place(places)
        self._send()  # before the bookkeeping below: the tick path ends at the venue
        self.stale = False
        self.quoted_fair, self.quoted_at = self.fair, self.deps.clock.now()
        life = self._phase()
        health = life.value if life is not Phase.QUOTING else "quoting" if desired else "idle"
        self._publish("blocked" if self.blocked else health)

    def _desired(
        self, view: LiveView | None, own: OwnSizes, held: InventoryTracker
    ) -> dict[OrderSide, Quote]:
        halted = self.state is TradingState.HALTED or bool(self.blocked)
        if view is None or halted or self.deps.clock.monotonic() < self.paused_until:
            self.fair = None
            return {}
        assert self.book is not None
        others = self.book.without(own)
        decision = compute_quotes(view, held, self.config, others)
        self.fair = decision.fair_value if decision is not None else None
        quotes = {q.side: q for q in decision.quotes()} if decision is not None else {}
        if phase(view, self.config, wanted=self.wanted) is Phase.EXITING:  # exit only
            out = aggressive_exit(held, view, self.config)
            exit_bid = passive_exit(held, view, others) if out is None else None
            quotes = {exit_bid.side: exit_bid} if exit_bid is not None else {}
        if self.state is TradingState.REDUCING:
            exits = [self.live[c] for c in self.exits if c in self.live]
            room = room_for_quotes(held.net_position, exits, self.exit_waits)
            quotes = reducing_only(quotes, room)
        return quotes

    def _quotes(self) -> dict[OrderSide, Order]:
        """Our resting (or about to rest) quote per side, not counting exits or cancels;
        a second quote on one side is cancelled."""
        quotes, extra = quoting(self.live, self.cancelling, self.exits)
        self._cancel(extra)  # never two quotes on one side
        return quotes

    # orders ---------------------------------------------------------------------------

    def _next_id(self) -> ClientOrderId:
        return ClientOrderId(f"{self.prefix}{next(self.seq)}")

    def _reserve(self, requests: list[ReserveRequest]) -> tuple[Reservation, ...]:
        if not requests:
            return ()
        mark = self.last_mark if self.mark_unsent else None
        self.mark_unsent = False
        reserve = Reserve(
            market_id=self.market_id,
            event_id=self.market.event_id,
            requests=tuple(requests),
            mark=mark,
            group=self._venue_group(),
        )
        try:
            result: tuple[Reservation, ...] = self.deps.portfolio_direct.call(reserve)
        except pykka.ActorDeadError:
            self.log.warning("portfolio gone: nothing reserved, nothing placed")
            return ()
        self.refused = any(not r.granted for r in result)
        return result

    def _venue_group(self) -> VenueGroup | None:
        """What the venue says of this market's event, computed once per ``Market``."""
        if self._group_of is not self.market:
            self._group_of, self._group = self.market, venue_group(self.market)
        return self._group

    def _place(self, quotes: list[Quote], **extra: Any) -> list[Order]:
        orders = [self._order(q, **extra) for q in quotes]
        ok = granted(self._reserve([place_request(o) for o in orders]))
        placing = tuple(o for o in orders if o.client_order_id in ok)
        for order in placing:
            self.live[order.client_order_id] = order
        self.out_places.extend(placing)
        return list(placing)

    def _order(self, quote: Quote, **extra: Any) -> Order:
        return Order(
            client_order_id=self._next_id(),
            market_id=self.market_id,
            side=quote.side,
            price=quote.price,
            quantity=quote.size,
            created_at=self.deps.clock.now(),
            **extra,
        )

    def _amend(self, amends: list[tuple[Order, Quote]]) -> None:
        ok = granted(self._reserve([amend_request(o, q) for o, q in amends]))
        for order, quote in amends:
            coid = order.client_order_id
            if coid not in ok:
                self._cancel([coid])
                continue
            self.live[coid], amend = amended(order, quote)
            self.out_amends.append(amend)

    def _cancel(self, coids: list[ClientOrderId]) -> None:
        todo = tuple(c for c in coids if c not in self.cancelling)
        if not todo:
            return
        self.cancelling.update(todo)
        self.out_cancels.extend(todo)

    def _send(self) -> None:
        """One message to the PlatformActor per handled message: cancels go first."""
        if not (self.out_cancels or self.out_amends or self.out_places):
            return
        submit = SubmitOrders(
            cancels=tuple(self.out_cancels),
            amends=tuple(self.out_amends),
            places=tuple(self.out_places),
        )
        self.out_cancels, self.out_amends, self.out_places = [], [], []
        try:
            self.deps.platform_direct.call(submit)
        except pykka.ActorDeadError:
            self.log.error("platform gone: {n} cancels not sent", n=len(submit.cancels))

    def _exit(self, view: LiveView | None, held: InventoryTracker | None = None) -> None:
        """A marketable exit, at most one in flight (until its fills are all in): a
        rebalance while quoting; the whole net position near the close while exiting, once
        no order of ours rests on its side (the passive exit, being cancelled, must not
        fill beside it). In REDUCING it takes the room of the reducing quotes in its way."""
        if view is None or self.exits or self.state is TradingState.HALTED or self.blocked:
            return
        held = held if held is not None else self._held()
        self.exit_waits = False
        if phase(view, self.config, wanted=self.wanted) is Phase.EXITING:
            signal = aggressive_exit(held, view, self.config)
            if signal is not None and any(o.side is signal.side for o in self.live.values()):
                self.exit_waits = True
                return
        else:
            signal = exit_signal(held, view, self.config)
        quote = exit_quote(signal, view.tick) if signal is not None else None
        if quote is not None and self.state is TradingState.REDUCING:
            quote, in_way = exit_within_room(quote, held.net_position, self.live)
            self._cancel(in_way)  # the rest of the exit follows once they are gone
            self.exit_waits = bool(in_way)
        if signal is None or quote is None:
            return
        self.log.info("exit: {reason}", reason=signal.reason)
        placed = self._place(
            [quote],
            order_type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            post_only=False,
            reason=signal.reason,
        )
        self.exits.update(o.client_order_id for o in placed)

    # status ---------------------------------------------------------------------------

    def _publish(self, health: str) -> None:
        board = self.deps.board
        if board is None:
            return
        quotes = self._quotes() if health not in ("stopped", "retired") else {}
        yes, no = quotes.get(OrderSide.YES), quotes.get(OrderSide.NO)
        mark = self.last_mark
        prior = board.market(self.market_id)
        board.publish_market(
            MarketStatus(
                market_id=self.market_id,
                health=health,
                generation=self.generation,
                restarts=prior.restarts if prior is not None else 0,
                fair_value=self.fair,
                yes_bid=yes.price if yes else None,
                no_bid=no.price if no else None,
                yes_contracts=self.inventory.yes_contracts,
                no_contracts=self.inventory.no_contracts,
                skew=self.inventory.skew_ratio,
                realized_pnl=self.inventory.realized_pnl,
                unrealized_pnl=self.inventory.unrealized_pnl(mark) if mark is not None else ZERO,
                quoted_at=self.quoted_at,
                note=self.blocked,
            )
        )
