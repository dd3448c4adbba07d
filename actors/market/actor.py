"""MarketActor: one per quoted market, a thin shell over ``strategies.maker.MarketCore``.

The core owns the market's inventory, its view of its live orders and every decision
(quotes and the diff against the live ones, the guards, exits, the market's life, the
one-exit-in-flight and pending-fill rules, REDUCING's room: see ``strategies.maker.core``).
This actor feeds it what arrives (conflated books, order news, fills, ticks, the trading
state, the listing, the selection's verdict, a venue dispute) with the clock's time, and
sends what it decides: reservations to the PortfolioActor (the core's ``gate``) and
submissions to the PlatformActor, both by direct call (``actors.direct``: handled on
this thread under the actor's lock, so the tick path wakes no other actor thread), one
``SubmitOrders`` per point where the core flushes. What stays here is about threads and
messages: recovery, the conflator's watch (and, for a ``cross_venue`` fair value, the
linked markets' books it follows there: ``actors.market.linked``), the strategy tag its
orders and position carry (``MarketDeps.strategy``), the status board, logging, the
rewards samples the core takes on a tick (to the journal), and the lifecycle: unwanted,
once flat with nothing resting, it tells the supervisor ``MarketDone`` (which retires
it); on stop it cancels its own orders.

A restarted incarnation rebuilds its inventory from the PortfolioActor (seeded from the
journal at start, then fed the same fills the journal records) and its orders (an exit
in flight included) from the PlatformActor, in the one direct call that routes the
market's fills to it (``TakeOver``); its client order ids carry its generation, so they
never collide. What it is given to work with, ``MarketDeps``, is in
``actors.market.deps``; the messages its orders travel in, in ``actors.market.orders``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pykka
from loguru import logger

from predmm.actors.market.deps import MarketDeps
from predmm.actors.market.linked import LinkedBooks
from predmm.actors.market.orders import amend_message, unsent_releases
from predmm.actors.messages import (
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
from predmm.domain.book import Watch
from predmm.domain.enums import OrderSide, TradingState
from predmm.domain.exposure import ReserveRequest
from predmm.domain.market import Market
from predmm.domain.outcomes import VenueGroup, venue_group
from predmm.strategies.maker import MarketCore

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
        self.deps, self.generation = deps, generation
        self.market_id = market.market_id
        self.done = False  # told the supervisor it is flat
        self.retired = False
        self._group_of: Market | None = None
        self._group: VenueGroup | None = None
        self.watched: Watch | None = None  # what the conflator knows this actor reads
        self.core = MarketCore(
            market=market,
            config=deps.config,
            gate=self._reserve,
            amend=deps.capabilities.amend,
            prefix=f"{deps.run_id}-{market.market_id.symbol[-12:]}-g{generation}-",
            state=state,
            wanted=wanted,
            tracer=deps.tracer,
            strategy=deps.strategy,
        )
        self.linked: LinkedBooks | None = None  # the other venues' books (``cross_venue``)
        self.log = logger.bind(actor="market", market_id=str(market.market_id))

    # lifecycle ------------------------------------------------------------------------

    def on_start(self) -> None:
        try:
            self._recover()
            if self.deps.conflator is not None:
                self.deps.conflator.attach(self.market_id, self.actor_ref)
            self._link(self.deps.config)
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
        mine = self.deps.strategy  # its own orders' position, not another strategy's
        start: MarketStart = self.deps.platform_direct.call(
            TakeOver(market_id=self.market_id, ref=self.actor_ref, strategy=mine)
        )
        pos: PositionView = start.position or self.deps.portfolio_direct.call(
            GetPosition(market_id=self.market_id, strategy=mine)
        )
        self.core.recover(pos, start.orders)

    def on_stop(self) -> None:
        self.core.stop()
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
            for message in unsent_releases(*self.core.unsent()):
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
            if self.linked is not None:
                self.linked.unfollow(self.deps.conflator, self.actor_ref)
        with contextlib.suppress(pykka.ActorDeadError):
            self.deps.platform.tell(DetachMarket(market_id=self.market_id, ref=self.actor_ref))

    # dispatch -------------------------------------------------------------------------

    def on_receive(self, message: Any) -> None:
        try:
            self._dispatch(message)
        finally:
            self._send()
            self._mark()
            health, self.core.health = self.core.health, None
            if health is not None:
                self._publish(health)
                self._send()
            self._watch()
            self._check_done()

    def _dispatch(self, message: Any) -> None:
        core, clock = self.core, self.deps.clock
        now, mono = clock.now(), clock.monotonic()
        match message:
            case DataReady(market_id=linked) if linked != self.market_id:
                if self.linked is not None:  # a linked market's book: the fair value moves
                    self.linked.read(self.deps.conflator, linked, self.actor_ref)
                    core.on_linked(self.linked.values(), now, mono)
            case DataReady():
                data = self.deps.conflator.take(self.market_id)
                if data is not None:
                    core.on_data(data.book, data.traded, now, mono)
            case OrdersChanged(orders=orders):
                core.on_orders(orders, now, mono)
            case FillReceived(fill=fill):
                core.on_fill(fill, now, mono)
            case FillReverted(fill=fill):
                core.on_revert(fill, now, mono)
            case Tick():
                core.on_tick(now, mono)
                self._record_rewards()
            case TradingStateChanged(state=state):
                core.changed(now, mono, state=state)
            case MarketChanged(market=market):
                core.changed(now, mono, market=market)
            case ApplyConfig():
                config = message.for_venue(self.market_id.venue)
                self._link(config)
                core.reconfigure(config, now, mono)
            case SetWanted(wanted=wanted):
                self.done = self.done and not wanted
                core.changed(now, mono, wanted=wanted)
            case BlockQuoting(reason=reason):
                core.changed(now, mono, blocked=reason)
            case UnblockQuoting():
                core.changed(now, mono, blocked="")
            case Retire():
                self.retired = True
                self.actor_ref.stop(block=False)
            case InjectFailure(reason=reason):
                raise RuntimeError(f"{self.market_id}: {reason}")
            case _:
                raise TypeError(f"MarketActor {self.market_id}: unexpected {message!r}")
        for level, text, values in core.notes:
            self.log.log(level.upper(), text, **values)
        core.notes.clear()

    def _record_rewards(self) -> None:
        """The core's sample of the liquidity rewards our quotes earn (once a slot,
        ``MarketCore.reward_sample``), to the journal."""
        journal, rewards = self.deps.journal, self.core.market.rewards
        if journal is None or rewards is None:
            return
        found = self.core.reward_sample(self.deps.rewards_sample_s)
        if found is not None:
            journal.reward_sample(self.market_id, rewards, *found)

    def _link(self, config: MarketMakingConfig) -> None:
        """Follow the same outcome's markets on the other venues in the conflator while
        ``config`` values it across venues (``cross_venue``); stop following them when not."""
        conflator, ref = self.deps.conflator, self.actor_ref
        wanted = config.fair_value_method == "cross_venue" and conflator is not None
        if wanted and self.linked is None:
            self.linked = LinkedBooks(self.deps.links.get(self.market_id, ()))
            self.linked.follow(conflator, ref)
        elif not wanted and self.linked is not None:
            if conflator is not None:
                self.linked.unfollow(conflator, ref)
            self.linked = None

    def _check_done(self) -> None:
        """Unwanted, flat and with nothing resting: the supervisor may retire it."""
        if self.core.wanted or self.done or self.retired or not self.core.idle():
            return
        self.done = True
        if self.deps.supervisor is not None:
            with contextlib.suppress(pykka.ActorDeadError):
                self.deps.supervisor.tell(
                    MarketDone(market_id=self.market_id, generation=self.generation)
                )

    def _watch(self) -> None:
        """Tell the conflator what this actor reads of a book now (its quotes' prices and
        sizes): a book update that changes none of it will not wake this actor."""
        conflator = self.deps.conflator
        if conflator is None:
            return
        watch = self.core.watch()
        if watch != self.watched:
            self.watched = watch
            if conflator.watch(self.market_id, watch):  # a book it kept matters now
                with contextlib.suppress(pykka.ActorDeadError):
                    self.actor_ref.tell(DataReady(market_id=self.market_id))

    # the other actors -----------------------------------------------------------------

    def _reserve(
        self, requests: tuple[ReserveRequest, ...], mark: Decimal | None
    ) -> Sequence[Reservation]:
        """The core's gate: the PortfolioActor's reservation, by direct call."""
        market = self.core.market
        reserve = Reserve(
            market_id=self.market_id,
            event_id=market.event_id,
            requests=requests,
            mark=mark,
            group=self._venue_group(market),
        )
        try:
            result: tuple[Reservation, ...] = self.deps.portfolio_direct.call(reserve)
        except pykka.ActorDeadError:
            self.log.warning("portfolio gone: nothing reserved, nothing placed")
            return ()
        return result

    def _venue_group(self, market: Market) -> VenueGroup | None:
        """What the venue says of this market's event, computed once per ``Market``."""
        if self._group_of is not market:
            self._group_of, self._group = market, venue_group(market)
        return self._group

    def _mark(self) -> None:
        """The latest mid, when no reservation carried it to the PortfolioActor."""
        mark = self.core.take_mark()
        if mark is not None:
            with contextlib.suppress(pykka.ActorDeadError):
                self.deps.portfolio_direct.call(MarkPrice(market_id=self.market_id, yes_price=mark))

    def _send(self) -> None:
        """What the core decided, one message to the PlatformActor per flush: cancels go
        first in each."""
        for sub in self.core.take():
            submit = SubmitOrders(
                cancels=sub.cancels,
                amends=tuple(amend_message(a) for a in sub.amends),
                places=sub.places,
            )
            try:
                self.deps.platform_direct.call(submit)
            except pykka.ActorDeadError:
                self.log.error("platform gone: {n} cancels not sent", n=len(submit.cancels))

    # status ---------------------------------------------------------------------------

    def _publish(self, health: str) -> None:
        board = self.deps.board
        if board is None:
            return
        core = self.core
        quotes = core.quotes() if health not in ("stopped", "retired") else {}
        yes, no = quotes.get(OrderSide.YES), quotes.get(OrderSide.NO)
        mark, inventory = core.last_mark, core.inventory
        prior = board.market(self.market_id)
        board.publish_market(
            MarketStatus(
                market_id=self.market_id,
                health=health,
                generation=self.generation,
                restarts=prior.restarts if prior is not None else 0,
                fair_value=core.fair,
                yes_bid=yes.price if yes else None,
                no_bid=no.price if no else None,
                yes_contracts=inventory.yes_contracts,
                no_contracts=inventory.no_contracts,
                skew=inventory.skew_ratio,
                realized_pnl=inventory.realized_pnl,
                unrealized_pnl=inventory.unrealized_pnl(mark) if mark is not None else ZERO,
                quoted_at=core.quoted_at,
                note=core.blocked,
            )
        )
