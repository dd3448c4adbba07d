"""PlatformActor: one per venue. Holds the venue's order table (every order's state
machine, ``domain.orders``), spends the venue's rate-limit tokens, and hands requests to
the trio workers through the bridge. It never waits on I/O: answers come back as
``JobDone``s in its ``Answers`` box, taken at the start of every message it handles (its
own thread's or a MarketActor's direct call), which is why a cancel never waits behind a
queue of placements, and why requests keep flowing while its thread waits for the GIL.

* client order ids are made by the MarketActors, unique per incarnation, and reused on
  every retry of one intent (a 429 re-sends the same order);
* an order leaves only once the journal has committed its row (write-ahead,
  ``calls.journal_first``), with the venue's id when the client knows it first;
* a timeout or 5xx after a submit makes the order UNKNOWN, reserved and unreplaced, while
  ``get_order`` by client order id (by the venue's id once known: an order a cancel
  left unconfirmed, one adopted from an earlier run) looks for it over a bounded window
  with backoff (``actors.platform.lookups``): found, it is what the venue says; absent
  for the whole window, it is given up;
* fills are deduplicated by fill id and routed to the owning MarketActor, the
  PortfolioActor and the journal;
* a cancel of an order whose placement is still in flight waits for that answer (else
  the venue could take the order after refusing its cancel);
* every ``reconcile_interval`` (``CheckVenue``) the venue's open orders and positions are
  read again and the table and the markets corrected (``actors.platform.reconciler``);
* a MarketActor starting takes its market over in one direct call (``TakeOver``): its
  fills are routed to it from then on, and its position and orders read in the same step;
* on a venue that expires orders unless renewed (``Capabilities.order_ttl_s``: Kalshi's
  safety net) the resting orders are renewed every sixth of the TTL
  (``actors.platform.renewals``); an order that expires anyway closes EXPIRED;
* when the venue's own safety net trips (Kalshi's order group: ``SafetyNetTripped`` from
  the stream, or a placement refused ``tripped``) the watcher is told once
  (``on_trip``: ``supervisors.core`` suspends the venue, cancels, re-arms or halts it).
* the engine's executor (``AttachExecutor``) owns the orders whose client order ids carry
  its prefix: their changes and fills go to it, not to the market's actor (a cross-venue
  hedge's fills to both: it is the market maker's inventory); its taker orders
  (``PlaceLegs``) never trade with our own quotes (``actors.platform.self_trade``: the
  quotes in their way are cancelled first, and none is placed in their way meanwhile).

If a told message's exception stops it, ``on_failure`` hands its watcher
(``supervisors.core``) what a successor needs so that no fill counts twice: its fill
cursor and the fill ids it counted (``FillMemory``); the successor starts from them
(``fill_cursor``, ``seen_fills``) and from the venue's open orders.

What to send when, under the limiter, is ``actors.platform.flow``; what the venue's answers
do to the table, ``actors.platform.answers``; the changes told once per message,
``actors.platform.changes``; the calls the trio workers make, ``actors.platform.calls``;
the UNKNOWN orders' look-ups and the periodic reconciliation, ``actors.platform.reconciler``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import pykka
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectActor, DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import (
    AmendOrder,
    AttachExecutor,
    AttachMarket,
    AttachPortfolio,
    BackoffOver,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    CancelOrphans,
    CheckPositions,
    CheckVenue,
    DetachMarket,
    FillReceived,
    FillReverted,
    GetFillMemory,
    GetOpenOrders,
    GetPlatformStats,
    GetPosition,
    InjectFailure,
    JobDone,
    LookUp,
    MarketStart,
    OrdersChanged,
    OrdersClosed,
    PlaceLegs,
    PlaceOrders,
    PlatformStats,
    PollFills,
    Pump,
    RenewOrders,
    Reply,
    Resume,
    SubmitOrders,
    SyncOpenOrders,
    TakeOver,
    VenueEventReceived,
)
from predmm.actors.platform import calls as venue_calls
from predmm.actors.platform.answers import (
    amend_answered,
    cancels_answered,
    placements_answered,
    renewal_answered,
    reversal_counts,
)
from predmm.actors.platform.changes import OrderChanges
from predmm.actors.platform.executor_orders import ExecutorOrders
from predmm.actors.platform.flow import Amend, OrderFlow
from predmm.actors.platform.lookups import LookupPolicy, Lookups
from predmm.actors.platform.reconciler import Reconciler
from predmm.actors.platform.renewals import renew_interval, renewals_due
from predmm.actors.platform.self_trade import SelfTrade
from predmm.domain.enums import Venue
from predmm.domain.errors import RateLimited, VenueUnavailable
from predmm.domain.events import (
    CancelResult,
    FillPage,
    FillReversed,
    OrderFilled,
    OrderUpdated,
    PlaceResult,
    SafetyNetTripped,
)
from predmm.domain.exposure import AmendSettled
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.order_table import RETAIN_FILLS, OrderTable, RecentIds
from predmm.domain.orders import Fill, Order
from predmm.platforms.bridge import Answers, AnswersReady, backoff_delay, safe_tell
from predmm.platforms.venue import Capabilities

JournaledFills = Callable[[Sequence[FillId]], set[FillId]]


@attrs.frozen
class FillMemory:
    """What a stopped PlatformActor had counted: its fill cursor and the fill ids it saw."""

    cursor: str | None
    seen: frozenset[FillId]


PlatformFailure = Callable[[BaseException, FillMemory], None]
SafetyTrip = Callable[[str], None]  # the venue's safety net tripped: why


class PlatformActor(ExecutorOrders, DirectActor):
    def __init__(
        self,
        *,
        venue: Venue,
        capabilities: Capabilities,
        bridge: Any,
        clock: Clock,
        journal: JournalPort,
        key: str | None = None,
        max_in_flight: int = 4,
        lookups: LookupPolicy | None = None,
        recheck_delay: float = 2.0,
        fill_cursor: str | None = None,
        journaled_fills: JournaledFills | None = None,
        seen_fills: Iterable[FillId] = (),
        direct: DirectRef | None = None,
        on_failure: PlatformFailure | None = None,
        on_trip: SafetyTrip | None = None,
    ) -> None:
        super().__init__(direct)
        self._on_failure = on_failure
        self._on_trip = on_trip
        self.tripped = False  # told the watcher; until the venue resumes
        self.ttl = capabilities.order_ttl_s
        self.venue, self.bridge, self.clock = venue, bridge, clock
        self.journal, self.key = journal, key or venue.value
        self.changes = OrderChanges()
        self.table = OrderTable(on_change=self.changes.record)
        self.answers = Answers(self.actor_ref)
        self.flow = OrderFlow(
            table=self.table,
            caps=capabilities,
            key=self.key,
            answer=self.answers.put,
            max_in_flight=max_in_flight,
            before_send=venue_calls.journal_first(journal, venue_calls.WRITE_AHEAD_TIMEOUT),
        )
        self.routes: dict[MarketId, pykka.ActorRef[Any]] = {}
        self.executor: pykka.ActorRef[Any] | None = None
        self.executor_prefix: str | None = None
        self.hedged: frozenset[MarketId] = frozenset()
        self.self_trade = SelfTrade()
        self.portfolio: pykka.ActorRef[Any] | None = None
        self.portfolio_direct: DirectRef | None = None
        self.wake_at: float | None = None
        self.backing_off, self.failures = False, 0
        self.cursor, self.polling, self.journaled_fills = fill_cursor, False, journaled_fills
        self.drain: list[Reply] = []
        self.reversed: RecentIds[FillId] = RecentIds(RETAIN_FILLS)
        for fill_id in seen_fills:
            self.table.seen_fills.add(fill_id)
        self.reconciler = Reconciler(
            venue=venue,
            table=self.table,
            flow=self.flow,
            lookups=Lookups(lookups or LookupPolicy()),
            journal=journal,
            routes=self.routes,
            later=self._later,
            journal_orders=self._journal_orders,
            poll_fills=self._poll_fills,
            recheck_delay=recheck_delay,
        )
        self.log = logger.bind(actor="platform", venue=venue.value)

    def on_start(self) -> None:
        if self.ttl is not None:
            self._later(renew_interval(self.ttl), RenewOrders())

    def on_failure(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        super().on_failure(exc_type, exc_value, tb)
        if self._on_failure is not None and exc_value is not None:
            self._on_failure(exc_value, self._memory())

    def _memory(self) -> FillMemory:
        return FillMemory(cursor=self.cursor, seen=frozenset(self.table.seen_fills))

    # dispatch ---------------------------------------------------------------------

    def handle(self, message: Any) -> Any:
        if isinstance(message, AnswersReady):
            self.answers.rearm()
        self._take_answers()
        match message:
            case AnswersReady():
                pass
            case SubmitOrders(cancels=cancels, amends=amends, places=places):
                self.flow.cancel(cancels)
                for amend in amends:
                    if not self.self_trade.holds_amend(amend, self.table):
                        self._amend(amend)
                self._place(places)
            case PlaceLegs(orders=orders):
                self._legs(orders)
            case PlaceOrders(orders=orders):
                self.flow.place(orders)
            case CancelOrders(client_order_ids=ids):
                self.flow.cancel(ids)
            case AmendOrder():
                self._amend(message)
            case VenueEventReceived(event=OrderFilled(fill=fill)):
                self._fill(fill)
            case VenueEventReceived(event=FillReversed(fill=fill)):
                self._reversed(fill)
            case VenueEventReceived(event=OrderUpdated() as update):
                if not self.reconciler.updated(update):  # one given up, taken late?
                    self.table.update(update)
                self.flow.queue_ready_cancels()
            case VenueEventReceived(event=SafetyNetTripped(reason=reason)):
                self._trip(reason)
            case RenewOrders():
                self._renew()
            case Pump():
                self.wake_at = None
            case BackoffOver():
                self.backing_off = False
            case LookUp(client_order_id=coid):
                self.reconciler.look_up(coid)
            case CheckVenue():
                self.reconciler.check_orders(self.clock.now())
                self.reconciler.check_positions()
            case CheckPositions():
                self.reconciler.check_positions()
            case PollFills():
                self._poll_fills()
            case SyncOpenOrders(reply=reply):
                self.flow.read(("open_orders", reply), venue_calls.get_open_orders)
            case Resume():
                self.flow.resume()
                self.tripped = False
            case CancelOrphans(keep=keep):
                self.flow.cancel(
                    o.client_order_id for o in self.table.live(None) if o.market_id not in keep
                )
            case CancelMarketOrders(market_id=market_id):
                self.flow.cancel(o.client_order_id for o in self.table.live(market_id))
            case CancelAll():
                self._cancel_all(message)
            case AttachMarket(market_id=market_id, ref=ref):
                self.routes[market_id] = ref
                self.reconciler.attached(market_id, ref)
            case DetachMarket(market_id=market_id, ref=ref):
                if self.routes.get(market_id) is ref:
                    del self.routes[market_id]
            case AttachExecutor(ref=ref, prefix=prefix, hedged=hedged):
                self.executor, self.executor_prefix, self.hedged = ref, prefix, hedged
            case AttachPortfolio(portfolio=portfolio, direct=direct):
                self.portfolio, self.portfolio_direct = portfolio, direct
                self.reconciler.portfolio = direct
            case GetOpenOrders(market_id=market_id):
                return tuple(self.table.live(market_id))
            case TakeOver(market_id=market_id, ref=ref, strategy=strategy):
                return self._take_over(market_id, ref, strategy)
            case GetPlatformStats():
                return self._stats()
            case GetFillMemory():
                return self._memory()
            case InjectFailure(reason=reason):
                raise RuntimeError(f"PlatformActor {self.venue.value}: {reason}")
            case VenueEventReceived():
                pass  # book data goes to the conflator, not here
            case _:
                raise TypeError(f"PlatformActor {self.venue.value}: unexpected {message!r}")
        self._release()
        self._pump()
        self._send_jobs()
        self._flush()
        self._check_drained()
        return None

    # commands -----------------------------------------------------------------------

    def _amend(self, msg: AmendOrder) -> None:
        if not self.flow.amend(msg.client_order_id, msg.price, msg.quantity):
            self._amend_settled(msg.client_order_id, False, msg.price, msg.quantity)

    def _renew(self) -> None:
        """Renew the resting orders whose expiry comes within half the TTL; again in a
        sixth of it."""
        assert self.ttl is not None
        due = renewals_due(self.table.live(None), self.clock.now(), self.ttl)
        self.flow.renew(due)
        self._later(renew_interval(self.ttl), RenewOrders())

    def _trip(self, reason: str) -> None:
        """The venue's safety net tripped: tell the watcher, once until resumed."""
        if self.tripped:
            return
        self.tripped = True
        self.log.error("safety net tripped: {reason}", reason=reason)
        if self._on_trip is not None:
            self._on_trip(reason)

    def _cancel_all(self, msg: CancelAll) -> None:
        self.log.warning("cancel all: {reason}", reason=msg.reason)
        for amend in self.flow.halt():
            self._amend_settled(amend.client_order_id, False, amend.price, amend.quantity)
        if msg.reply is not None:
            self.drain.append(msg.reply)

    # sending ------------------------------------------------------------------------

    def _pump(self) -> None:
        if self.backing_off:
            return
        wait = self.flow.pump(self.clock.monotonic())
        if wait is not None:
            self._wake(wait)

    def _send_jobs(self) -> None:
        """What one message made go out, to the trio workers with one wake-up."""
        if not self.flow.outbox:
            return
        jobs = self.flow.take_jobs()
        if not self.bridge.submit(jobs):
            self.flow.not_sent(jobs)
            self.log.error("the trio loop is gone; {n} requests not sent", n=len(jobs))

    def _wake(self, delay: float) -> None:
        at = self.clock.monotonic() + delay
        if self.wake_at is not None and self.wake_at <= at:
            return
        self.wake_at = at
        self.bridge.call_later(max(delay, 0.001), self.actor_ref, Pump())

    # answers ------------------------------------------------------------------------

    def _take_answers(self) -> None:
        """Handle every answer waiting. If one raises (on whichever thread brought the
        message), the ones after it are given back for the next message: each holds a
        request slot that only its handling frees."""
        answers = self.answers.take()
        for n, done in enumerate(answers):
            try:
                self._job_done(done)
            except BaseException:
                self.answers.give_back(answers[n + 1 :])
                raise

    def _job_done(self, done: JobDone) -> None:
        kind = done.tag[0]  # type: ignore[index]
        self.flow.answered(kind)
        handler = getattr(self, f"_on_{kind}")
        handler(done.tag, done.result, done.error)
        if done.error is None and kind in ("place", "cancel", "amend"):
            self.failures = 0

    def _on_place(
        self, tag: Any, results: list[PlaceResult] | None, error: Exception | None
    ) -> None:
        coids: tuple[ClientOrderId, ...] = tag[1]
        if isinstance(error, RateLimited):  # refused whole: nothing was placed
            self._backoff(error.retry_after)
            self.flow.retry_places(coids)
        else:
            if error is not None and not isinstance(error, VenueUnavailable):
                self.log.error("placement refused: {error!r}", error=error)
            placements_answered(self.table, coids, results or (), error)
            self.reconciler.start_lookups()  # UNKNOWN until the venue says
            tripped = [r.reason for r in results or () if r.tripped]
            if tripped:
                self._trip(f"placement refused: {tripped[0]}")
        self.flow.queue_ready_cancels()

    def _on_cancel(
        self, tag: Any, results: list[CancelResult] | None, error: Exception | None
    ) -> None:
        coids: tuple[ClientOrderId, ...] = tag[1]
        if error is not None:
            self.log.warning("cancel failed: {error!r}", error=error)
            self._backoff(error.retry_after if isinstance(error, RateLimited) else None)
            self.flow.retry_cancels(coids)
            return
        if cancels_answered(self.table, results or ()):
            self.reconciler.start_lookups()

    def _on_amend(self, tag: Any, result: PlaceResult | None, error: Exception | None) -> None:
        amend: Amend = tag[1]
        if isinstance(error, RateLimited):
            self._backoff(error.retry_after)
            self.flow.retry_amend(amend)
            return
        self.flow.amend_done(amend.client_order_id)
        applied = amend_answered(self.table, amend, result, error)
        self._amend_settled(amend.client_order_id, applied, amend.price, amend.quantity)

    def _on_renew(self, tag: Any, result: PlaceResult | None, error: Exception | None) -> None:
        coid: ClientOrderId = tag[1]
        self.flow.renewed(coid)
        if isinstance(error, RateLimited):
            self._backoff(error.retry_after)  # renewed at the next look, if still due
        elif error is not None:
            self.log.warning("renewal of {coid} failed: {error!r}", coid=coid, error=error)
        elif result is not None:
            renewal_answered(self.table, coid, result)

    def _on_sweep(self, tag: Any, count: int | None, error: Exception | None) -> None:
        if error is not None:
            self.log.warning("venue-wide cancel failed: {error!r}", error=error)
            self.flow.swept(False)
            self._backoff(None)
            return
        self.flow.swept(True)
        if count:
            self.log.warning("venue-wide cancel removed {n} orders", n=count)

    def _on_get_order(self, tag: Any, found: Order | None, error: Exception | None) -> None:
        self.reconciler.looked_up(tag[1], found, error)
        self.flow.queue_ready_cancels()

    def _on_check_orders(self, tag: Any, listed: Any, error: Exception | None) -> None:
        self.reconciler.orders_read(tag, listed, error)
        self.flow.queue_ready_cancels()

    def _on_phantom(self, tag: Any, found: Order | None, error: Exception | None) -> None:
        self.reconciler.phantom_read(tag, found, error)
        self.flow.queue_ready_cancels()

    def _on_positions(self, tag: Any, listed: Any, error: Exception | None) -> None:
        self.reconciler.positions_read(tag, listed, error)

    def _on_fills(self, tag: Any, page: FillPage | None, error: Exception | None) -> None:
        self.polling = False
        if error is not None or page is None:
            self.log.warning("fill poll failed: {error!r}", error=error)
            return
        ids = [f.fill_id for f in page.fills]
        known = self.journaled_fills(ids) if self.journaled_fills else set()
        counted: list[Fill] = []
        for fill in page.fills:
            if fill.fill_id in known:  # counted in the positions the journal seeded
                self.table.seen_fills.add(fill.fill_id)
                continue
            new = self._count(fill)
            if new is not None:
                counted.append(new)
        # one transaction: the page's cursor is never durable without its fills
        if counted or page.cursor is not None:
            self._journal_orders()
            self.journal.fill_page(self.venue, counted, page.cursor)
        if page.cursor is not None and page.cursor != self.cursor:
            self.cursor = page.cursor
            self._poll_fills()

    def _on_open_orders(
        self, tag: Any, orders: list[Order] | None, error: Exception | None
    ) -> None:
        if error is not None:
            self.log.error("open orders not read: {error!r}", error=error)
        for order in orders or ():
            self.table.adopt(order)
        reply: Reply | None = tag[1]
        if reply is not None:  # the error itself: the engine must not quote blind
            reply(error if error is not None else len(orders or ()))

    # helpers ------------------------------------------------------------------------

    def _fill(self, venue_fill: Fill) -> None:
        """A fill from the stream: counted and journaled once."""
        fill = self._count(venue_fill)
        if fill is not None:
            self._journal_orders()
            self.journal.fill(fill, None)

    def _count(self, venue_fill: Fill) -> Fill | None:
        """Count a fill once and route it (None: a duplicate); the caller journals it."""
        fill = self.table.fill(venue_fill)
        if fill is None:
            return None
        self.reconciler.counted(fill.market_id)
        message = FillReceived(fill=fill)
        self._to_portfolio(message)  # first: see _to_portfolio
        self._route_fill(fill, message)
        self.flow.queue_ready_cancels()
        return fill

    def _reversed(self, fill: Fill) -> None:
        """Undo a counted fill once; one never seen is only journaled as reversed."""
        self._journal_orders()
        self.journal.fill_reversal(fill, "failed on chain")
        if not reversal_counts(self.table, self.reversed, fill.fill_id):
            return
        self.reconciler.counted(fill.market_id)
        message = FillReverted(fill=fill)
        self._to_portfolio(message)
        self._route_fill(fill, message)

    def _flush(self) -> None:
        """Tell what one message changed: the journal, then the portfolio (one message
        each), then one message per market."""
        self._journal_orders()
        changes = self.changes
        if changes.closed:
            self._to_portfolio(OrdersClosed(closed=tuple(changes.closed)))
        for market_id, orders in changes.by_market.items():
            mine = [o for o in orders if not self._executors(o.client_order_id)]
            if mine:
                safe_tell(self.routes.get(market_id), OrdersChanged(orders=tuple(mine)))
            if len(mine) < len(orders):
                theirs = tuple(o for o in orders if self._executors(o.client_order_id))
                safe_tell(self.executor, OrdersChanged(orders=theirs))
        changes.told()

    def _journal_orders(self) -> None:
        """The order changes not yet journaled, in one write; before any other journal
        write too, so the journal keeps the order things happened in."""
        if self.changes.journal:
            self.journal.orders(self.changes.take_journal())

    def _to_portfolio(self, message: object) -> None:
        """Fills, reversals, closed orders and amend outcomes reach the PortfolioActor
        before any MarketActor hears of them (a direct call, when attached with one):
        a market acting on the news never finds the portfolio behind it."""
        if self.portfolio_direct is None:
            safe_tell(self.portfolio, message)
            return
        try:
            self.portfolio_direct.call(message)
        except pykka.ActorDeadError:
            self.log.error("portfolio gone: {m} not counted", m=type(message).__name__)

    def _amend_settled(
        self, coid: ClientOrderId, applied: bool, price: Decimal, quantity: Decimal
    ) -> None:
        message = AmendSettled(
            client_order_id=coid, applied=applied, price=price, quantity=quantity
        )
        self._to_portfolio(message)

    def _take_over(
        self, market_id: MarketId, ref: pykka.ActorRef[Any], strategy: str
    ) -> MarketStart:
        """Route the market to its new actor and read what it starts from (the position
        of ``strategy``'s orders, the market maker's; its orders, not the executor's), in
        one step under this actor's lock: every fill is either in the position read here
        or told to the new actor, never both, never neither."""
        self.routes[market_id] = ref
        self.reconciler.attached(market_id, ref)
        position = None
        ask = GetPosition(market_id=market_id, strategy=strategy or None)
        if self.portfolio_direct is not None:
            with contextlib.suppress(pykka.ActorDeadError):
                position = self.portfolio_direct.call(ask)
        orders = tuple(
            (order, counted)
            for order, counted in self.table.order_fills(market_id)
            if not self._executors(order.client_order_id)
        )
        return MarketStart(position=position, orders=orders)

    def _later(self, delay: float, message: object) -> None:
        self.bridge.call_later(delay, self.actor_ref, message)

    def _poll_fills(self) -> None:
        if not self.polling:
            self.polling = True
            self.flow.read(("fills",), partial(venue_calls.get_fills, self.cursor))

    def _backoff(self, retry_after: float | None) -> None:
        self.failures += 1
        delay = retry_after if retry_after is not None else backoff_delay(self.failures)
        if not self.backing_off:
            self.backing_off = True
            self.bridge.call_later(delay, self.actor_ref, BackoffOver())
            self.log.warning("backing off {delay:.3f} s", delay=delay)

    def _check_drained(self) -> None:
        if not self.drain or not self.flow.idle():
            return
        replies, self.drain = self.drain, []
        for reply in replies:
            reply(self.table.closed_count)

    def _stats(self) -> PlatformStats:
        return PlatformStats(
            venue=self.venue,
            live_orders=sum(1 for _ in self.table.live(None)),
            queued_placements=len(self.flow.place_q),
            queued_cancels=len(self.flow.cancel_q),
            unknown_orders=sum(1 for _ in self.table.unknown()),
            disputed=tuple(sorted(self.reconciler.check.disputed, key=str)),
            tokens_spent=self.flow.bucket.spent,
            duplicate_fills=self.table.duplicate_fills,
        )
