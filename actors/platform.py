"""PlatformActor: one per venue. Holds the venue's order table (every order's state
machine, ``domain.orders``), spends the venue's rate-limit tokens, and hands requests to
the trio workers through the bridge. It never waits on I/O: answers come back as
``JobDone``s in its ``Answers`` box, taken at the start of every message it handles (its
own thread's or a MarketActor's direct call), which is why a cancel never waits behind a
queue of placements, and why requests keep flowing while its thread waits for the GIL.

* client order ids are made by the MarketActors, unique per incarnation, and reused on
  every retry of one intent (a 429 re-sends the same order);
* a timeout or 5xx after a submit makes the order UNKNOWN until ``get_order`` by client
  order id says what the venue holds;
* fills are deduplicated by fill id and routed to the owning MarketActor, the
  PortfolioActor and the journal;
* a cancel of an order whose placement is still in flight waits for that answer (else
  the venue could take the order after refusing its cancel).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import pykka
from loguru import logger

from actors import venue_calls
from actors.clock import Clock
from actors.direct import DirectActor, DirectRef
from actors.journal_port import JournalPort
from actors.messages import (
    AmendOrder,
    AmendSettled,
    AttachMarket,
    AttachPortfolio,
    BackoffOver,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    CancelOrphans,
    DetachMarket,
    FillReceived,
    FillReverted,
    GetOpenOrders,
    GetPlatformStats,
    JobDone,
    OrderClosed,
    OrdersChanged,
    OrdersClosed,
    PlaceOrders,
    PlatformStats,
    PollFills,
    Pump,
    Reconcile,
    Reply,
    Resume,
    SubmitOrders,
    SyncOpenOrders,
    VenueEventReceived,
)
from actors.order_table import RETAIN_FILLS, OrderTable, RecentIds
from domain.enums import OrderStatus, Venue
from domain.errors import RateLimited, VenueUnavailable
from domain.ids import ClientOrderId, FillId, MarketId
from domain.orders import Fill, Order, OrderEvent
from platforms.bridge import Answers, AnswersReady, VenueJob, backoff_delay, safe_tell
from platforms.limiter import TokenBucket
from platforms.venue import (
    CancelResult,
    Capabilities,
    FillPage,
    FillReversed,
    OrderFilled,
    OrderUpdated,
    PlaceResult,
    VenueClient,
)

E = OrderEvent
_QUIET = (None, E.SUBMIT, E.CANCEL_REQUEST)
_WRITES = ("place", "cancel", "amend", "sweep")  # jobs that count as in flight
JournaledFills = Callable[[Sequence[FillId]], set[FillId]]


@attrs.frozen
class _Amend:
    client_order_id: ClientOrderId
    price: Decimal
    quantity: Decimal


class PlatformActor(DirectActor):
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
        reconcile_delay: float = 0.2,
        fill_cursor: str | None = None,
        journaled_fills: JournaledFills | None = None,
        direct: DirectRef | None = None,
    ) -> None:
        super().__init__(direct)
        self.venue, self.caps, self.bridge, self.clock = venue, capabilities, bridge, clock
        self.journal, self.key = journal, key or venue.value
        self.bucket = TokenBucket.for_venue(capabilities)
        self.table = OrderTable(on_change=self._changed)
        self.answers = Answers(self.actor_ref)
        self.place_q: deque[ClientOrderId | _Amend] = deque()
        self.cancel_q: deque[ClientOrderId] = deque()
        self.routes: dict[MarketId, pykka.ActorRef[Any]] = {}
        self.portfolio: pykka.ActorRef[Any] | None = None
        self.portfolio_direct: DirectRef | None = None
        self.max_in_flight, self.in_flight = max_in_flight, 0
        self.reconcile_delay = reconcile_delay
        self.wake_at: float | None = None
        self.backing_off, self.failures = False, 0
        self.cursor, self.polling, self.journaled_fills = fill_cursor, False, journaled_fills
        self.halted = False
        self.drain: list[Reply] = []
        self.outbox: list[VenueJob] = []
        self.changed: dict[MarketId, list[Order]] = {}
        self.journal_out: list[tuple[Order, OrderEvent | None]] = []
        self.closed: list[OrderClosed] = []
        self.reversed: RecentIds[FillId] = RecentIds(RETAIN_FILLS)
        self.sweep: str = "none"  # none -> wanted -> sent -> done (venue-wide cancel)
        self.log = logger.bind(actor="platform", venue=venue.value)

    # dispatch ---------------------------------------------------------------------

    def handle(self, message: Any) -> Any:
        if isinstance(message, AnswersReady):
            self.answers.rearm()
        self._take_answers()
        match message:
            case AnswersReady():
                pass
            case SubmitOrders(cancels=cancels, amends=amends, places=places):
                self._cancel(cancels)
                for amend in amends:
                    self._amend(amend)
                self._place(places)
            case PlaceOrders(orders=orders):
                self._place(orders)
            case CancelOrders(client_order_ids=ids):
                self._cancel(ids)
            case AmendOrder():
                self._amend(message)
            case VenueEventReceived(event=OrderFilled(fill=fill)):
                self._fill(fill)
            case VenueEventReceived(event=FillReversed(fill=fill)):
                self._reversed(fill)
            case VenueEventReceived(event=OrderUpdated() as update):
                self.table.update(update)
                self._queue_deferred_cancels()
            case Pump():
                self.wake_at = None
            case BackoffOver():
                self.backing_off = False
            case Reconcile():
                self._reconcile()
            case PollFills():
                self._poll_fills()
            case SyncOpenOrders(reply=reply):
                self._submit_read(("open_orders", reply), venue_calls.get_open_orders)
            case Resume():
                self.halted, self.sweep = False, "none"
            case CancelOrphans(keep=keep):
                self._cancel(
                    o.client_order_id for o in self.table.live(None) if o.market_id not in keep
                )
            case CancelMarketOrders(market_id=market_id):
                self._cancel(o.client_order_id for o in self.table.live(market_id))
            case CancelAll():
                self._cancel_all(message)
            case AttachMarket(market_id=market_id, ref=ref):
                self.routes[market_id] = ref
            case DetachMarket(market_id=market_id, ref=ref):
                if self.routes.get(market_id) is ref:
                    del self.routes[market_id]
            case AttachPortfolio(portfolio=portfolio, direct=direct):
                self.portfolio, self.portfolio_direct = portfolio, direct
            case GetOpenOrders(market_id=market_id):
                return tuple(self.table.live(market_id))
            case GetPlatformStats():
                return self._stats()
            case VenueEventReceived():
                pass  # book data goes to the conflator, not here
            case _:
                raise TypeError(f"PlatformActor {self.venue.value}: unexpected {message!r}")
        self._pump()
        self._send_jobs()
        self._flush()
        self._check_drained()
        return None

    # commands -----------------------------------------------------------------------

    def _place(self, orders: Iterable[Order]) -> None:
        for order in orders:
            if self.halted:
                self.table.add(order)
                self.table.apply(order.client_order_id, E.CANCEL_REQUEST, reason="halted")
                continue
            self.table.add(order)
            self.place_q.append(order.client_order_id)

    def _cancel(self, ids: Iterable[ClientOrderId]) -> None:
        for coid in list(ids):
            order = self.table.get(coid)
            if order is None or order.status.is_terminal:
                continue
            if order.status is OrderStatus.PENDING:
                self.table.apply(coid, E.CANCEL_REQUEST)  # never sent: gone at once
            elif order.status is OrderStatus.PENDING_CANCEL:
                pass  # already on its way
            else:
                waits = order.status in (OrderStatus.SUBMITTED, OrderStatus.UNKNOWN)
                self.table.apply(coid, E.CANCEL_REQUEST)
                if waits:
                    self.table.defer_cancel(coid)
                else:
                    self.cancel_q.append(coid)

    def _amend(self, msg: AmendOrder) -> None:
        order = self.table.get(msg.client_order_id)
        if order is None or order.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            self._amend_settled(msg.client_order_id, False, msg.price, msg.quantity)
            return
        self.place_q.append(_Amend(msg.client_order_id, msg.price, msg.quantity))

    def _cancel_all(self, msg: CancelAll) -> None:
        self.log.warning("cancel all: {reason}", reason=msg.reason)
        self.halted = True
        for work in self.place_q:
            if isinstance(work, _Amend):
                self._amend_settled(work.client_order_id, False, work.price, work.quantity)
        self.place_q.clear()
        self._cancel(o.client_order_id for o in self.table.live(None))
        self.sweep = "wanted"
        if msg.reply is not None:
            self.drain.append(msg.reply)

    # sending ------------------------------------------------------------------------

    def _pump(self) -> None:
        if self.backing_off:
            return
        now = self.clock.monotonic()
        while self.in_flight < self.max_in_flight:
            if self.cancel_q:
                sent = self._send_cancels(now)
            elif self.place_q:
                sent = self._send_places(now)
            elif self.sweep == "wanted" and not self.table.has_live():
                sent = self._send_sweep(now)
            else:
                return
            if not sent:
                return

    def _affordable(self, wanted: int, cost: Decimal, now: float) -> int:
        """How many requests of ``cost`` tokens to send now (spent); 0 schedules a wake."""
        n = min(wanted, int(self.bucket.available(now) / cost))
        if n == 0:
            self._wake(self.bucket.wait_for(cost, now))
            return 0
        assert self.bucket.try_spend(cost * n, now)
        return n

    def _send_cancels(self, now: float) -> bool:
        batch: list[ClientOrderId] = []
        while self.cancel_q and len(batch) < self.caps.max_batch_cancel:
            coid = self.cancel_q[0]
            order = self.table.get(coid)
            if order is None or order.status is not OrderStatus.PENDING_CANCEL:
                self.cancel_q.popleft()
                continue
            batch.append(coid)
            self.cancel_q.popleft()
        if not batch:
            return True
        n = self._affordable(len(batch), self.caps.cancel_tokens, now)
        self.cancel_q.extendleft(reversed(batch[n:]))
        if n == 0:
            return False
        orders = [self.table[c] for c in batch[:n]]
        self._submit(("cancel", tuple(batch[:n])), partial(venue_calls.cancel_orders, orders))
        return True

    def _send_places(self, now: float) -> bool:
        head = self.place_q[0]
        if isinstance(head, _Amend):
            if self._affordable(1, self.caps.order_tokens, now) == 0:
                return False
            self.place_q.popleft()
            order = self.table[head.client_order_id]
            run = partial(venue_calls.amend_order, order, head.price, head.quantity)
            self._submit(("amend", head), run)
            return True
        batch: list[ClientOrderId] = []
        while self.place_q and len(batch) < self.caps.max_batch_create:
            item = self.place_q[0]
            if isinstance(item, _Amend):
                break
            self.place_q.popleft()
            queued = self.table.get(item)
            if queued is not None and queued.status in (OrderStatus.PENDING, OrderStatus.SUBMITTED):
                batch.append(item)
        if not batch:
            return True
        n = self._affordable(len(batch), self.caps.order_tokens, now)
        self.place_q.extendleft(reversed(batch[n:]))
        if n == 0:
            return False
        for coid in batch[:n]:
            if self.table[coid].status is OrderStatus.PENDING:
                self.table.apply(coid, E.SUBMIT)
        orders = [self.table[c] for c in batch[:n]]
        self._submit(("place", tuple(batch[:n])), partial(venue_calls.place_orders, orders))
        return True

    def _send_sweep(self, now: float) -> bool:
        if self._affordable(1, self.caps.cancel_tokens, now) == 0:
            return False
        self.sweep = "sent"
        self._submit(("sweep",), venue_calls.cancel_all)
        return True

    def _submit(self, tag: tuple[Any, ...], run: Callable[[VenueClient], Any]) -> None:
        self.in_flight += 1
        self.outbox.append(VenueJob(key=self.key, tag=tag, run=run, answer=self.answers.put))

    def _send_jobs(self) -> None:
        """What one message made go out, to the trio workers with one wake-up."""
        if not self.outbox:
            return
        jobs, self.outbox = self.outbox, []
        if not self.bridge.submit(jobs):
            self.in_flight -= sum(1 for j in jobs if j.tag[0] in _WRITES)  # type: ignore[index,misc]
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
        if kind in _WRITES:
            self.in_flight -= 1
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
            retry = []
            for coid in coids:
                if self._cancelling(coid):  # cancelled meanwhile: it never existed
                    self.table.reconciled(coid, None)
                else:
                    retry.append(coid)
            self.place_q.extendleft(reversed(retry))  # same ids: the same intents
        elif isinstance(error, VenueUnavailable):
            for coid in coids:
                self.table.apply(coid, E.LOST, reason=str(error))
            self.bridge.call_later(self.reconcile_delay, self.actor_ref, Reconcile())
        elif error is not None:
            self.log.error("placement refused: {error!r}", error=error)
            for coid in coids:
                self.table.reject(coid, f"{type(error).__name__}: {error}")
        else:
            for result in results or ():
                self.table.placed(result)
        self._queue_deferred_cancels()

    def _on_cancel(
        self, tag: Any, results: list[CancelResult] | None, error: Exception | None
    ) -> None:
        coids: tuple[ClientOrderId, ...] = tag[1]
        if error is not None:
            self.log.warning("cancel failed: {error!r}", error=error)
            self._backoff(error.retry_after if isinstance(error, RateLimited) else None)
            self.cancel_q.extendleft(reversed(coids))  # cancels retry first
            return
        unconfirmed = False
        for result in results or ():
            order = self.table.get(result.client_order_id)
            if order is None:
                continue
            if result.cancelled and result.reduced_by > 0:
                # what the venue filled before the cancel counts, even if its fill is late
                filled = max(order.filled_quantity, order.quantity - result.reduced_by)
                self.table.apply(order.client_order_id, E.CANCELLED, filled_quantity=filled)
            else:  # gone, or cancelled without saying how much filled: ask the venue
                self.table.cancel_unconfirmed(order.client_order_id)
                unconfirmed = True
        if unconfirmed:
            self.bridge.call_later(self.reconcile_delay, self.actor_ref, Reconcile())

    def _on_amend(self, tag: Any, result: PlaceResult | None, error: Exception | None) -> None:
        amend: _Amend = tag[1]
        if isinstance(error, RateLimited):
            self._backoff(error.retry_after)
            self.place_q.appendleft(amend)
            return
        applied = error is None and result is not None and result.status.may_rest
        if applied:
            self.table.amended(amend.client_order_id, amend.price, amend.quantity)
        elif result is not None:
            self.table.placed(result)
        self._amend_settled(amend.client_order_id, applied, amend.price, amend.quantity)

    def _on_sweep(self, tag: Any, count: int | None, error: Exception | None) -> None:
        if error is not None:
            self.log.warning("venue-wide cancel failed: {error!r}", error=error)
            self.sweep = "wanted"
            self._backoff(None)
            return
        self.sweep = "done"
        if count:
            self.log.warning("venue-wide cancel removed {n} orders", n=count)

    def _on_get_order(self, tag: Any, found: Order | None, error: Exception | None) -> None:
        coid: ClientOrderId = tag[1]
        if error is not None:
            self.bridge.call_later(self.reconcile_delay, self.actor_ref, Reconcile())
            return
        self.table.reconciled(coid, found)
        self._queue_deferred_cancels()

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
        message = FillReceived(fill=fill)
        self._to_portfolio(message)  # first: see _to_portfolio
        safe_tell(self.routes.get(fill.market_id), message)
        self._queue_deferred_cancels()
        return fill

    def _reversed(self, fill: Fill) -> None:
        """Undo a counted fill once; one never seen is only journaled as reversed."""
        self._journal_orders()
        self.journal.fill_reversal(fill, "failed on chain")
        if fill.fill_id not in self.table.seen_fills or fill.fill_id in self.reversed:
            self.table.seen_fills.add(fill.fill_id)  # its late original must not count
            self.reversed.add(fill.fill_id)
            return
        self.reversed.add(fill.fill_id)
        message = FillReverted(fill=fill)
        self._to_portfolio(message)
        safe_tell(self.routes.get(fill.market_id), message)

    def _changed(self, order: Order, event: OrderEvent | None, closed: bool) -> None:
        self.journal_out.append((order, event))
        if closed or event not in _QUIET:  # the market made those changes itself
            self.changed.setdefault(order.market_id, []).append(order)
        if closed:
            self.closed.append(
                OrderClosed(
                    client_order_id=order.client_order_id, filled_quantity=order.filled_quantity
                )
            )

    def _flush(self) -> None:
        """Tell what one message changed: the journal, then the portfolio (one message
        each), then one message per market."""
        self._journal_orders()
        if self.closed:
            self._to_portfolio(OrdersClosed(closed=tuple(self.closed)))
        for market_id, orders in self.changed.items():
            safe_tell(self.routes.get(market_id), OrdersChanged(orders=tuple(orders)))
        self.changed, self.closed = {}, []

    def _journal_orders(self) -> None:
        """The order changes not yet journaled, in one write; before any other journal
        write too, so the journal keeps the order things happened in."""
        if self.journal_out:
            changes, self.journal_out = self.journal_out, []
            self.journal.orders(changes)

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

    def _cancelling(self, coid: ClientOrderId) -> bool:
        order = self.table.get(coid)
        return order is not None and order.status is OrderStatus.PENDING_CANCEL

    def _queue_deferred_cancels(self) -> None:
        self.cancel_q.extend(self.table.take_ready_cancels())

    def _amend_settled(
        self, coid: ClientOrderId, applied: bool, price: Decimal, quantity: Decimal
    ) -> None:
        message = AmendSettled(
            client_order_id=coid, applied=applied, price=price, quantity=quantity
        )
        self._to_portfolio(message)

    def _reconcile(self) -> None:
        for order in self.table.unknown():
            run = partial(venue_calls.get_order, order.client_order_id, order.market_id)
            self._submit_read(("get_order", order.client_order_id), run)

    def _poll_fills(self) -> None:
        if not self.polling:
            self.polling = True
            self._submit_read(("fills",), partial(venue_calls.get_fills, self.cursor))

    def _submit_read(self, tag: tuple[Any, ...], run: Callable[[VenueClient], Any]) -> None:
        """Reads are not write-rate-limited and do not count as in flight."""
        self.outbox.append(VenueJob(key=self.key, tag=tag, run=run, answer=self.answers.put))

    def _backoff(self, retry_after: float | None) -> None:
        self.failures += 1
        delay = retry_after if retry_after is not None else backoff_delay(self.failures)
        if not self.backing_off:
            self.backing_off = True
            self.bridge.call_later(delay, self.actor_ref, BackoffOver())
            self.log.warning("backing off {delay:.3f} s", delay=delay)

    def _check_drained(self) -> None:
        if not self.drain:
            return
        busy = self.in_flight or self.cancel_q or self.place_q or self.table.has_live()
        if busy or self.sweep in ("wanted", "sent"):
            return
        replies, self.drain = self.drain, []
        for reply in replies:
            reply(self.table.closed_count)

    def _stats(self) -> PlatformStats:
        return PlatformStats(
            venue=self.venue,
            live_orders=sum(1 for _ in self.table.live(None)),
            queued_placements=len(self.place_q),
            queued_cancels=len(self.cancel_q),
            unknown_orders=sum(1 for _ in self.table.unknown()),
            tokens_spent=self.bucket.spent,
            duplicate_fills=self.table.duplicate_fills,
        )
