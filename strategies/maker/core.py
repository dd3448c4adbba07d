"""``MarketCore``: one market maker's decisions for one market, the whole of them, below
any actor: the MarketActor is a shell that feeds it events and sends what it decides,
and the backtest (``backtest.maker``) drives the same class over recorded data.

It owns the market's inventory, its view of its live orders and the rules:

* the quotes (``strategies.quoting.compute_quotes`` on the book less our own orders;
  a ``cross_venue`` fair value also reads the same outcome's books on the other venues,
  handed in by ``on_linked``; then ``strategies.rewards.reward_quotes``: into the reward
  band with ``rewards_aware``) and the diff against the live ones (``quote_diff``: keep,
  amend where the venue can, else cancel and replace; never two quotes on one side);
* the guards: quote age (``on_tick``), price move (``needs_requote``'s threshold),
  volume spike (quotes pulled for ``max_quote_age_seconds``); a live quote that left the
  reward band where the wanted one is in it is requoted at once (``leaves_band``);
* the market's life (``strategies.life``): quoting, exit only (the passive exit; near
  the close the marketable exit for the whole position, once no order of ours rests on
  its side), closed;
* exits: at most one in flight until its fills are all in; fills an answer announced
  before they arrived count as held (``holdings.PendingFills``); in REDUCING an exit takes
  the room of the reducing quotes in its way, and quotes only reduce;
* the portfolio's word: every order is reserved through ``gate`` (the PortfolioActor's
  limit check, ``domain.exposure``) before it is sent; a refusal is retried when the
  next tick or release comes.

Pure: no threads, no I/O, no clock reads (each event brings ``now`` and the monotonic
``mono`` seconds), no logging (``notes`` says what a shell may log). What it decides
leaves as ``Submission``s (cancels first, then amends, then placements), one per point
where the actor sends. ``reward_sample`` scores our resting quotes by the venue's
liquidity-reward formula once a sampling slot, for the shell to record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook, Watch
from predmm.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TradingState
from predmm.domain.ids import ClientOrderId
from predmm.domain.market import Market
from predmm.domain.orders import MARKET_MAKING, Fill, Order
from predmm.strategies.fills import apply_fill, revert_fill
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase, aggressive_exit, passive_exit, phase
from predmm.strategies.maker.holdings import (
    PendingFills,
    caught_up,
    exit_within_room,
    room_for_quotes,
)
from predmm.strategies.maker.outbox import Gate, Outbox
from predmm.strategies.maker.quote_diff import (
    diff,
    needs_requote,
    on_count_grid,
    quoting,
    reducing_only,
)
from predmm.strategies.maker.requests import (
    exit_quote,
)
from predmm.strategies.maker.trace import Decision, Tracer, key_of
from predmm.strategies.maker.view import (
    LiveView,
    OwnSizes,
    linked_key,
    own_sizes,
    requote_key,
    watch_of,
)
from predmm.strategies.market_making import exit_signal, rebalance_due
from predmm.strategies.quoting import Quote, VolumeMeter, compute_quotes, quote_expired
from predmm.strategies.reward_score import RewardSample, resting, sample, slot
from predmm.strategies.rewards import leaves_band, reward_quotes


class Holding(Protocol):
    """An inventory to start from (the PortfolioActor's ``PositionView`` is one)."""

    @property
    def yes_contracts(self) -> Decimal: ...
    @property
    def no_contracts(self) -> Decimal: ...
    @property
    def avg_yes_price(self) -> Decimal: ...
    @property
    def avg_no_price(self) -> Decimal: ...
    @property
    def realized_pnl(self) -> Decimal: ...
    @property
    def fees_paid(self) -> Decimal: ...


class MarketCore(Outbox):
    def __init__(
        self,
        *,
        market: Market,
        config: MarketMakingConfig,
        gate: Gate,
        amend: bool,
        prefix: str,
        state: TradingState = TradingState.ACTIVE,
        wanted: bool = True,
        tracer: Tracer | None = None,
        strategy: str = MARKET_MAKING,
    ) -> None:
        super().__init__(market=market, gate=gate, prefix=prefix, tracer=tracer, strategy=strategy)
        self.config, self.amend, self.state, self.wanted = config, amend, state, wanted
        self.inventory = InventoryTracker(
            market_id=market.market_id, max_inventory=config.max_inventory
        )
        self.exits: set[ClientOrderId] = set()  # at most one: in flight until its fills are in
        self.pending = PendingFills()
        self.exit_waits = False  # an exit waits for room or for our order on its side to go
        self.blocked = ""  # why nothing may be placed (the venue disputes the position)
        self.book: OrderBook | None = None
        self.less: tuple[OwnSizes, OrderBook] | None = None  # (ours in ``book``, the rest)
        self.fair: Decimal | None = None
        self.quoted_fair: Decimal | None = None
        self.quoted_at: datetime | None = None
        self.stale = True
        self.last_inputs: tuple[object, ...] | None = None
        self.requote_now = False
        self.volume = VolumeMeter(
            window_s=config.volume_spike_window_seconds,
            lookback_s=config.volume_spike_lookback_seconds,
        )
        self.paused_until = -1.0
        self.sized = config.fair_value_method != "mid"  # sizes count everywhere
        self.linked: tuple[OrderBook, ...] = ()  # the outcome's books on the other venues
        self.health: str | None = None  # set when it requoted: what a status board shows
        self.notes: list[tuple[str, str, dict[str, Any]]] = []  # (level, text, values) to log
        self.mono = 0.0
        self.reward_slot: int | None = None  # the rewards' sampling slot last sampled
        # the last ``life`` and what it read: (now, market, config, wanted, phase)
        self._life: tuple[datetime, Market, MarketMakingConfig, bool, Phase] | None = None

    # events ---------------------------------------------------------------------------

    def recover(self, position: Holding, orders: Iterable[tuple[Order, Decimal]]) -> None:
        """Start from ``position`` and the ``orders`` the venue holds for the market (and
        finished ones whose fills are still to come), each with the fills of it counted
        in ``position``. An exit of a past incarnation is still in flight."""
        inv = self.inventory
        inv.yes_contracts, inv.no_contracts = position.yes_contracts, position.no_contracts
        inv.avg_yes_price, inv.avg_no_price = position.avg_yes_price, position.avg_no_price
        inv.realized_pnl, inv.fees_paid = position.realized_pnl, position.fees_paid
        for order, counted in orders:
            coid = order.client_order_id
            self.pending.recovered(order, counted)
            if order.order_type is OrderType.MARKET and not self._done(order):
                self.exits.add(coid)
            if order.status.is_terminal:
                continue
            self.live[coid] = order
            if order.status is OrderStatus.PENDING_CANCEL:
                self.cancelling.add(coid)

    def on_data(
        self,
        book: OrderBook | None,
        traded: Decimal,
        now: datetime,
        mono: float,
        *,
        less: tuple[OwnSizes, OrderBook] | None = None,
    ) -> None:
        """A new book (conflated: the latest) and what traded since the last one.
        ``less``: sizes of ours the caller put in ``book`` and the book without them (a
        replay knows both), used while our quotes are those (``_others``)."""
        self.less = less
        self._at(now, mono)
        self.volume.add(mono, traded)
        if mono >= self.paused_until and self.volume.spike(mono, self.config.volume_spike_multiple):
            self.paused_until = mono + self.config.max_quote_age_seconds
            self.notes.append(
                ("warning", "volume spike {v}: quotes pulled", {"v": self.volume.rates(mono)})
            )
        self.book = book
        mid = book.mid() if book is not None else None
        if mid is not None and mid != self.last_mark:
            self.last_mark, self.mark_unsent = mid, True
        self._requote()

    def on_linked(self, books: tuple[OrderBook, ...], now: datetime, mono: float) -> None:
        """The newest books of the same outcome on the other venues, less our own quotes
        there (``cross_venue`` fair value): the fair value may move."""
        self._at(now, mono)
        self.linked = books
        self._requote()

    def on_orders(self, orders: Iterable[Order], now: datetime, mono: float) -> None:
        """The venue's news of our orders (acks, amends, ends; one adopted late)."""
        self._at(now, mono)
        for order in orders:
            self._on_order(order)
        if self.exit_waits:  # the quotes in a REDUCING exit's way may be gone
            self._exit(self._view())
        # requote now if a release may let a refused order pass, if the venue took a
        # quote away (expired, cancelled by it, rejected) or if an order was adopted (it
        # may be a second quote on its side)
        if self.stale and (self.refused or self.requote_now):
            self.requote_now = False
            self._requote()
        if self.exit_waits:  # the exit waited for our order on its side to go
            self._exit(self._view())

    def on_fill(self, fill: Fill, now: datetime, mono: float) -> None:
        self._at(now, mono)
        apply_fill(self.inventory, fill)
        whole = self.pending.fill(fill, self.live)  # a finished order's fills all in
        if whole is not None:
            self.exits.discard(whole)
        coid = fill.client_order_id
        if coid is not None and coid in self.live:  # before its own update comes
            self.live[coid] = caught_up(self.live[coid], self.pending.counted[coid])
        self.stale = True
        self._requote()

    def on_revert(self, fill: Fill, now: datetime, mono: float) -> None:
        self._at(now, mono)
        revert_fill(self.inventory, fill)
        self.stale = True
        self._requote()

    def on_tick(self, now: datetime, mono: float) -> None:
        """The timer: quotes past their age and refused orders are looked at again, and
        the exit window moves with time, not with the book."""
        self._at(now, mono)
        if quote_expired(self.quoted_at, now, self.config.max_quote_age_seconds):
            self.stale = True
        if self.refused:  # a limit another market held may have been released since
            self.stale = True
        self._requote()
        self._exit(self._view())

    def changed(self, now: datetime, mono: float, **what: Any) -> None:
        """The trading ``state``, the ``market``'s listing, ``wanted`` (the selection)
        or ``blocked`` (why nothing may be placed; "" lifts it) changed."""
        self._at(now, mono)
        for name, value in what.items():
            assert name in ("state", "market", "wanted", "blocked"), name
            setattr(self, name, value)
        self.stale = True
        self._requote()

    def reconfigure(self, config: MarketMakingConfig, now: datetime, mono: float) -> None:
        """The strategy's settings reloaded (``predmm reload``): quote with them from now on."""
        self._at(now, mono)
        self.config = config
        self.inventory.max_inventory = config.max_inventory
        self.volume.window_s = config.volume_spike_window_seconds
        self.volume.lookback_s = config.volume_spike_lookback_seconds
        self.sized = config.fair_value_method != "mid"
        if config.fair_value_method != "cross_venue":
            self.linked = ()  # no longer read
        self.stale = True
        self._requote()

    def stop(self) -> None:
        """Cancel every order of ours; what was not sent yet is dropped."""
        self._cancel(list(self.live))
        self._amends, self._places = [], []
        self._flush()

    # what it tells ----------------------------------------------------------------------

    def quotes(self) -> dict[OrderSide, Order]:
        """Our resting (or about to rest) quote per side, not counting exits or cancels;
        a second quote on one side is cancelled."""
        quotes, extra = quoting(self.live, self.cancelling, self.exits)
        self._cancel(extra)  # never two quotes on one side
        return quotes

    def resting(self) -> tuple[dict[OrderSide, Order], list[ClientOrderId]]:
        """Our quote per side and any second one (``quote_diff.quoting``), as they are."""
        return quoting(self.live, self.cancelling, self.exits)

    def reward_sample(self, interval_s: float) -> tuple[RewardSample, int] | None:
        """Once a sampling slot of ``interval_s`` (the venue's minute), the venue's
        reward formula on our resting orders against the book (``strategies.reward_score``)
        and the slot; None for a market without rewards or a book, once trading closed, or
        when this slot was sampled already."""
        rewards, book, now = self.market.rewards, self.book, self.now
        if rewards is None or book is None or now is None:
            return None
        current = slot(now, interval_s)
        if current == self.reward_slot or self.life() is Phase.CLOSED:
            return None
        self.reward_slot = current
        return sample(rewards, book, resting(self.live.values()), now, interval_s), current

    def watch(self) -> Watch:
        """What it reads of a book now (its quotes' prices and sizes): a book update that
        changes none of it changes no decision (``domain.book.Watch``)."""
        own, _ = quoting(self.live, self.cancelling, self.exits)
        return watch_of(own, self.sized)

    def held(self) -> InventoryTracker:
        """The inventory with the fills its orders are owed (``PendingFills``): what
        quotes and exits are sized on."""
        return self.pending.effective(self.inventory, self.live)

    def idle(self) -> bool:
        """Flat (fills announced and not in yet count) with nothing resting or in flight."""
        return not self.live and not self.exits and self.held().net_position == 0

    # the rules --------------------------------------------------------------------------

    def _at(self, now: datetime, mono: float) -> None:
        self.now, self.mono = now, mono

    def _done(self, order: Order) -> bool:
        """Finished, its fills all in."""
        return order.status.is_terminal and not self.pending.waiting(order.client_order_id)

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

    def life(self) -> Phase:
        """Where the market is in its life now (``strategies.life``); worked out once for
        each time, listing, config and selection (a decision asks several times)."""
        assert self.now is not None
        memo = self._life
        if (
            memo is not None
            and memo[0] == self.now
            and memo[1] is self.market
            and memo[2] is self.config
            and memo[3] == self.wanted
        ):
            return memo[4]
        view = LiveView(self.market, None, None, self.now)
        life = phase(view, self.config, wanted=self.wanted)
        self._life = (self.now, self.market, self.config, self.wanted, life)
        return life

    def _view(self) -> LiveView | None:
        """The strategy's view now; None without a book or once trading closed."""
        book = self.book
        if book is None or self.life() is Phase.CLOSED:
            return None
        assert self.now is not None
        return LiveView(self.market, book.best_bid(), book.best_ask(), self.now)

    def _requote(self) -> None:
        quotes = self.quotes()
        own = own_sizes(quotes)
        paused = self.mono < self.paused_until
        held = self.held()
        life = self.life()
        inputs = requote_key(
            self.book, own, self.sized, held, self.state, self.market, paused, life
        )
        if self.config.fair_value_method == "cross_venue":
            inputs = (*inputs, linked_key(self.linked))
        if inputs == self.last_inputs and not self.stale:
            return  # nothing the strategy reads has changed: the same quotes, the same exit
        self.last_inputs = inputs
        key = self._key(inputs[0], quotes, held, life, paused) if self.tracer else None
        view = self._view()
        self._exit(view, held)
        desired = self._desired(view, own, held)
        threshold = self.config.price_change_requote_threshold
        if needs_requote(
            self.stale, desired, quotes, self.quoted_fair, self.fair, threshold
        ) or self._left_band(view, desired, quotes, own):
            cancels, amends, places = diff(desired, quotes, self.amend)
            self._cancel(cancels)
            self._amend(amends)
            self._place(places)
            self._flush()  # the tick path ends at the venue: the shell sends it now
            self.stale = False
            self.quoted_fair, self.quoted_at = self.fair, self.now
            life = self.life()
            health = life.value if life is not Phase.QUOTING else "quoting" if desired else "idle"
            self.health = "blocked" if self.blocked else health
        if key is not None:
            self._traced(key)

    def _left_band(
        self,
        view: LiveView | None,
        desired: dict[OrderSide, Quote],
        quotes: dict[OrderSide, Order],
        own: OwnSizes,
    ) -> bool:
        """A live quote has left the reward band where the wanted one is in it
        (``strategies.rewards.leaves_band``): requote now."""
        if view is None or self.book is None or not self.config.rewards_aware:
            return False
        live = {side: (o.price, o.remaining) for side, o in quotes.items()}
        return leaves_band(desired, live, view, self.config, self._others(own))

    def _desired(
        self, view: LiveView | None, own: OwnSizes, held: InventoryTracker
    ) -> dict[OrderSide, Quote]:
        halted = self.state is TradingState.HALTED or bool(self.blocked)
        if view is None or halted or self.mono < self.paused_until:
            self.fair = None
            return {}
        assert self.book is not None
        others = self._others(own)
        decision = compute_quotes(view, held, self.config, others, self.linked)
        decision = reward_quotes(decision, view, held, self.config, others)
        self.fair = decision.fair_value if decision is not None else None
        quotes = {q.side: q for q in decision.quotes()} if decision is not None else {}
        if self.life() is Phase.EXITING:  # exit only (``view`` is of now)
            out = aggressive_exit(held, view, self.config)
            exit_bid = passive_exit(held, view, others) if out is None else None
            quotes = {exit_bid.side: exit_bid} if exit_bid is not None else {}
        if self.state is TradingState.REDUCING:
            exits = [self.live[c] for c in self.exits if c in self.live]
            room = room_for_quotes(held.net_position, exits, self.exit_waits)
            quotes = reducing_only(quotes, room)
        return on_count_grid(quotes, view.count_step)

    def _others(self, own: OwnSizes) -> OrderBook:
        """The book less our own quotes ``own``: everybody else's."""
        assert self.book is not None
        less = self.less
        if less is not None and less[0] == own:
            return less[1]
        return self.book.without(own)

    def _exit(self, view: LiveView | None, held: InventoryTracker | None = None) -> None:
        """A marketable exit, at most one in flight (until its fills are all in): a
        rebalance while quoting; the whole net position near the close while exiting, once
        no order of ours rests on its side (the passive exit, being cancelled, must not
        fill beside it). In REDUCING it takes the room of the reducing quotes in its way."""
        if view is None or self.exits or self.state is TradingState.HALTED or self.blocked:
            return
        held = held if held is not None else self.held()
        self.exit_waits = False
        if self.life() is Phase.EXITING:  # ``view`` is of now
            signal = aggressive_exit(held, view, self.config)
            if signal is not None and any(o.side is signal.side for o in self.live.values()):
                self.exit_waits = True
                return
        elif not rebalance_due(held, self.config):
            return  # quoting: no exit below the rebalance threshold
        else:
            signal = exit_signal(held, view, self.config)
        quote = exit_quote(signal, view.tick) if signal is not None else None
        if quote is not None and self.state is TradingState.REDUCING:
            quote, in_way = exit_within_room(quote, held.net_position, self.live)
            self._cancel(in_way)  # the rest of the exit follows once they are gone
            self.exit_waits = bool(in_way)
        if quote is not None:
            quote = on_count_grid({quote.side: quote}, view.count_step).get(quote.side)
        if signal is None or quote is None:
            return
        self.notes.append(("info", "exit: {reason}", {"reason": signal.reason}))
        placed = self._place(
            [quote],
            order_type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            post_only=False,
            reason=signal.reason,
        )
        self.exits.update(o.client_order_id for o in placed)

    # the decision trace (tests) -----------------------------------------------------------

    def _key(
        self,
        top: object,
        quotes: dict[OrderSide, Order],
        held: InventoryTracker,
        life: Phase,
        paused: bool,
    ) -> tuple[object, ...]:
        assert self.now is not None
        self._cmds = []
        flags = (self.stale, self.quoted_fair, bool(self.exits), self.exit_waits, self.wanted)
        return key_of(
            top=top,
            held=held,
            quotes=quotes,
            amend=self.amend,
            state=self.state,
            life=life,
            paused=paused,
            market=self.market,
            now=self.now,
            config=self.config,
            flags=(*flags, bool(self.blocked)),
        )

    def _traced(self, key: tuple[object, ...]) -> None:
        assert self.now is not None
        assert self.tracer is not None
        market_id = self.market.market_id
        orders = tuple(self._cmds)
        self.tracer.decided(Decision(market_id=market_id, at=self.now, key=key, orders=orders))
