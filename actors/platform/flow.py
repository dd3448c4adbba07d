"""The requests on their way to one venue, for its PlatformActor (``OrderFlow``): the
cancels waiting, always sent first so that a cancel never waits behind a queue of
placements; the placements and amends waiting behind them in the order they came; the
token bucket that paces them; the writes in flight (at most ``max_in_flight``); and the
outbox of ``VenueJob``s that one handled message makes, handed to the bridge together.
The order table decides what a cancel does (an order whose placement is still in flight
waits for its answer) and what is still worth sending. Renewals of venue expirations
(``Renew``: an amend at the order's own price and size) queue behind the placements; an
order is never amended and renewed at once (a renewal sent with the old price after a
price amend would undo it): a renewal waits for the order's amend, and an amend for the
order's renewal in flight. No I/O, no clock, no logging:
``pump`` takes ``now`` and says how long to wait for tokens; the actor schedules that
wake-up and gives the outbox to the bridge.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from predmm.actors.platform import calls as venue_calls
from predmm.domain.enums import OrderStatus
from predmm.domain.ids import ClientOrderId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import Order, OrderEvent
from predmm.platforms.bridge import JobDone, VenueJob
from predmm.platforms.limiter import TokenBucket
from predmm.platforms.venue import Capabilities, VenueClient

E = OrderEvent
S = OrderStatus
WRITES = ("place", "cancel", "amend", "renew", "sweep")  # jobs that count as in flight
RESTING = (S.OPEN, S.PARTIALLY_FILLED)


@attrs.frozen
class Amend:
    client_order_id: ClientOrderId
    price: Decimal
    quantity: Decimal


@attrs.frozen
class Renew:
    """Move the venue expiration of a resting order forward (same price, same size)."""

    client_order_id: ClientOrderId


class OrderFlow:
    def __init__(
        self,
        *,
        table: OrderTable,
        caps: Capabilities,
        key: str,
        answer: Callable[[JobDone], object],
        max_in_flight: int,
        before_send: venue_calls.BeforeSend | None = None,
    ) -> None:
        self.table, self.caps, self.key, self.answer = table, caps, key, answer
        self.before_send = before_send  # write-ahead: placements journaled first
        self.bucket = TokenBucket.for_venue(caps)
        self.place_q: deque[ClientOrderId | Amend | Renew] = deque()
        self.amending: set[ClientOrderId] = set()  # an amend queued or in flight
        self.renewing: set[ClientOrderId] = set()  # a renewal queued or in flight
        self.renew_sent: set[ClientOrderId] = set()  # a renewal in flight
        self.held: dict[ClientOrderId, Amend] = {}  # amends waiting for a renewal's answer
        self.cancel_q: deque[ClientOrderId] = deque()
        self.max_in_flight, self.in_flight = max_in_flight, 0
        self.outbox: list[VenueJob] = []
        self.halted = False
        self.sweep: str = "none"  # none -> wanted -> sent -> done (venue-wide cancel)

    # what is wanted -----------------------------------------------------------------

    def place(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self.table.add(order)
            if self.halted:
                self.table.apply(order.client_order_id, E.CANCEL_REQUEST, reason="halted")
            else:
                self.place_q.append(order.client_order_id)

    def queue(self, coids: Iterable[ClientOrderId], *, first: bool = False) -> None:
        """Orders added to the table earlier and kept back (``actors.platform.self_trade``)
        go out now (``first``: ahead of the placements waiting), those still to send."""
        todo = []
        for coid in coids:
            order = self.table.get(coid)
            if order is None or order.status is not S.PENDING:
                continue  # cancelled while it waited
            if self.halted:
                self.table.apply(coid, E.CANCEL_REQUEST, reason="halted")
            else:
                todo.append(coid)
        if first:
            self.place_q.extendleft(reversed(todo))
        else:
            self.place_q.extend(todo)

    def cancel(self, ids: Iterable[ClientOrderId]) -> None:
        for coid in list(ids):
            order = self.table.get(coid)
            if order is None or order.status.is_terminal:
                continue
            if order.status is S.PENDING:
                self.table.apply(coid, E.CANCEL_REQUEST)  # never sent: gone at once
            elif order.status is S.PENDING_CANCEL:
                pass  # already on its way
            else:
                waits = order.status in (S.SUBMITTED, S.UNKNOWN)
                self.table.apply(coid, E.CANCEL_REQUEST)
                if waits:
                    self.table.defer_cancel(coid)
                else:
                    self.cancel_q.append(coid)

    def amend(self, coid: ClientOrderId, price: Decimal, quantity: Decimal) -> bool:
        """Queue an amend; False (nothing queued) if the order does not rest."""
        order = self.table.get(coid)
        if order is None or order.status not in RESTING:
            return False
        self.place_q.append(Amend(coid, price, quantity))
        self.amending.add(coid)
        return True

    def renew(self, ids: Iterable[ClientOrderId]) -> int:
        """Queue a renewal of each resting order not already being amended or renewed;
        how many were queued."""
        queued = 0
        for coid in ids:
            order = self.table.get(coid)
            if order is None or order.status not in RESTING or self.halted:
                continue
            if coid in self.amending or coid in self.renewing:
                continue
            self.renewing.add(coid)
            self.place_q.append(Renew(coid))
            queued += 1
        return queued

    def renewed(self, coid: ClientOrderId) -> None:
        """A renewal answered: an amend held behind it goes next."""
        self.renewing.discard(coid)
        self.renew_sent.discard(coid)
        held = self.held.pop(coid, None)
        if held is not None:
            self.place_q.appendleft(held)

    def halt(self) -> list[Amend]:
        """Place nothing more, cancel every live order, then everything the venue holds;
        the amends that were waiting are dropped and returned."""
        self.halted = True
        dropped = [work for work in self.place_q if isinstance(work, Amend)]
        dropped += self.held.values()
        self.place_q.clear()
        self.held.clear()
        self.amending.clear()
        self.renewing = set(self.renew_sent)  # the queued ones are gone
        self.cancel(o.client_order_id for o in self.table.live(None))
        self.sweep = "wanted"
        return dropped

    def resume(self) -> None:
        self.halted, self.sweep = False, "none"

    def swept(self, done: bool) -> None:
        """The venue-wide cancel answered: done, or wanted again."""
        self.sweep = "done" if done else "wanted"

    def queue_ready_cancels(self) -> None:
        self.cancel_q.extend(self.table.take_ready_cancels())

    def idle(self) -> bool:
        """Nothing in flight or waiting, no live order, no venue-wide cancel to come."""
        busy = self.in_flight or self.cancel_q or self.place_q or self.table.has_live()
        return not busy and self.sweep not in ("wanted", "sent")

    # sending ------------------------------------------------------------------------

    def pump(self, now: float) -> float | None:
        """Send what the bucket and the in-flight limit allow now, cancels first; when
        the bucket stopped that, how long until it pays for the next request."""
        while self.in_flight < self.max_in_flight:
            if self.cancel_q:
                wait = self._send_cancels(now)
            elif self.place_q:
                wait = self._send_places(now)
            elif self.sweep == "wanted" and not self.table.has_live():
                wait = self._send_sweep(now)
            else:
                return None
            if wait is not None:
                return wait
        return None

    def _send_cancels(self, now: float) -> float | None:
        batch: list[ClientOrderId] = []
        while self.cancel_q and len(batch) < self.caps.max_batch_cancel:
            coid = self.cancel_q.popleft()
            order = self.table.get(coid)
            if order is not None and order.status is S.PENDING_CANCEL:
                batch.append(coid)
        sent = self._afford(batch, self.cancel_q, self.caps.cancel_tokens, now)
        if isinstance(sent, float):
            return sent
        if sent:
            orders = [self.table[c] for c in sent]
            self._submit(("cancel", sent), partial(venue_calls.cancel_orders, orders))
        return None

    def _send_places(self, now: float) -> float | None:
        head = self.place_q[0]
        if isinstance(head, Amend):
            return self._send_amend(head, now)
        if isinstance(head, Renew):
            return self._send_renew(head, now)
        batch: list[ClientOrderId] = []
        while self.place_q and len(batch) < self.caps.max_batch_create:
            item = self.place_q[0]
            if isinstance(item, Amend | Renew):
                break
            self.place_q.popleft()
            queued = self.table.get(item)
            if queued is not None and queued.status in (S.PENDING, S.SUBMITTED):
                batch.append(item)
        sent = self._afford(batch, self.place_q, self.caps.order_tokens, now)
        if isinstance(sent, float):
            return sent
        for coid in sent:
            if self.table[coid].status is S.PENDING:
                self.table.apply(coid, E.SUBMIT)
        if sent:
            orders = [self.table[c] for c in sent]
            run = partial(venue_calls.place_orders, orders, before_send=self.before_send)
            self._submit(("place", sent), run)
        return None

    def _send_amend(self, amend: Amend, now: float) -> float | None:
        if amend.client_order_id in self.renew_sent:  # after the renewal's answer
            self.held[amend.client_order_id] = self.place_q.popleft()  # type: ignore[assignment]
            return None
        if affordable(self.bucket, 1, self.caps.order_tokens, now) == 0:
            return self.bucket.wait_for(self.caps.order_tokens, now)
        self.place_q.popleft()
        order = self.table[amend.client_order_id]
        run = partial(venue_calls.amend_order, order, amend.price, amend.quantity)
        self._submit(("amend", amend), run)
        return None

    def _send_renew(self, renew: Renew, now: float) -> float | None:
        coid = renew.client_order_id
        order = self.table.get(coid)
        if order is None or order.status not in RESTING or coid in self.amending:
            self.place_q.popleft()  # gone, or an amend renews it
            self.renewing.discard(coid)
            return None
        if affordable(self.bucket, 1, self.caps.order_tokens, now) == 0:
            return self.bucket.wait_for(self.caps.order_tokens, now)
        self.place_q.popleft()
        self.renew_sent.add(coid)
        run = partial(venue_calls.amend_order, order, order.price, order.quantity)
        self._submit(("renew", coid), run)
        return None

    def _send_sweep(self, now: float) -> float | None:
        if affordable(self.bucket, 1, self.caps.cancel_tokens, now) == 0:
            return self.bucket.wait_for(self.caps.cancel_tokens, now)
        self.sweep = "sent"
        self._submit(("sweep",), venue_calls.cancel_all)
        return None

    def _afford(
        self, batch: list[ClientOrderId], queue: deque[Any], cost: Decimal, now: float
    ) -> tuple[ClientOrderId, ...] | float:
        """The head of ``batch`` that the bucket pays for now (spent), the rest put back
        at the head of ``queue``; if it pays for none, how long until it does."""
        if not batch:
            return ()
        n = affordable(self.bucket, len(batch), cost, now)
        queue.extendleft(reversed(batch[n:]))
        return tuple(batch[:n]) if n else self.bucket.wait_for(cost, now)

    def _submit(self, tag: tuple[Any, ...], run: Callable[[VenueClient], Any]) -> None:
        self.in_flight += 1
        self.outbox.append(VenueJob(key=self.key, tag=tag, run=run, answer=self.answer))

    def read(self, tag: tuple[Any, ...], run: Callable[[VenueClient], Any]) -> None:
        """Reads are not write-rate-limited and do not count as in flight."""
        self.outbox.append(VenueJob(key=self.key, tag=tag, run=run, answer=self.answer))

    def take_jobs(self) -> list[VenueJob]:
        jobs, self.outbox = self.outbox, []
        return jobs

    def not_sent(self, jobs: list[VenueJob]) -> None:
        """The bridge refused ``jobs``: their writes are not in flight."""
        self.in_flight -= sum(1 for j in jobs if j.tag[0] in WRITES)  # type: ignore[index,misc]

    # answers ------------------------------------------------------------------------

    def answered(self, kind: str) -> None:
        if kind in WRITES:
            self.in_flight -= 1

    def retry_places(self, coids: tuple[ClientOrderId, ...]) -> None:
        """A placement refused whole (rate limited): the same ids again, ahead of the
        rest (the same intents), but for those cancelled meanwhile: they never existed."""
        retry = []
        for coid in coids:
            order = self.table.get(coid)
            if order is not None and order.status is S.PENDING_CANCEL:
                self.table.reconciled(coid, None)
            else:
                retry.append(coid)
        self.place_q.extendleft(reversed(retry))

    def retry_cancels(self, coids: tuple[ClientOrderId, ...]) -> None:
        self.cancel_q.extendleft(reversed(coids))  # cancels retry first

    def retry_amend(self, amend: Amend) -> None:
        self.place_q.appendleft(amend)

    def amend_done(self, coid: ClientOrderId) -> None:
        """An amend answered (not to be retried)."""
        self.amending.discard(coid)


def affordable(bucket: TokenBucket, wanted: int, cost: Decimal, now: float) -> int:
    """How many of ``wanted`` requests of ``cost`` tokens each ``bucket`` pays for now,
    their tokens spent (0: none; ``bucket.wait_for`` says how long until one)."""
    n = min(wanted, int(bucket.available(now) / cost))
    return n if n and bucket.try_spend(cost * n, now) else 0  # not in an assert: python -O
