"""The one crossing between pykka actor threads and the trio loop.

trio runs in the main thread and owns every socket, timer and signal. Actors hand work
to it without blocking: ``Bridge.submit`` schedules (``TrioToken.run_sync_soon``)
non-raising ``send_nowait`` calls into the venue's bounded memory channel; worker tasks run
the job against the venue client and leave the ``JobDone`` in the actor's ``Answers``. Nothing
here ever lets a ``BaseException`` (``trio.Cancelled``, ``RunFinishedError``) reach an
actor thread: it would stop every actor in the process.

Market data is conflated here, per market, before it reaches an actor (pykka inboxes
are unbounded): the ``Conflator`` keeps the latest book of each market, tells the
market's actor that one waits (at most one such message outstanding) and hands the
newest state to the actor when it takes it. Other actors may follow a market's book too
(``follow``: the executor reads the books of linked markets, a market valued across
venues reads its linked market's): each is told ``DataReady`` of that market when a new
book arrives (at most one outstanding per follower and market) and reads it with
``peek``, which takes nothing from the market's own actor.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs
import pykka
import trio
from loguru import logger

from predmm.domain.book import OrderBook, Watch
from predmm.domain.ids import MarketId
from predmm.platforms.venue import VenueClient

ZERO = Decimal(0)
JOB_BUFFER = 1024
DRAIN_BATCH = 256


class Tellable(Protocol):
    """A pykka ``ActorRef``, or anything else that tells an actor (``actors.direct``)."""

    def tell(self, message: Any) -> None: ...


def safe_tell(ref: Tellable | None, message: object) -> bool:
    """Tell ``message``; False if the actor is gone (a dead actor is not an error here)."""
    if ref is None:
        return False
    try:
        ref.tell(message)
    except pykka.ActorDeadError:
        return False
    return True


@attrs.frozen(kw_only=True)
class VenueJob:
    """One call to a venue client, made by a worker task; its answer (a JobDone) is
    handed to ``answer`` in the trio thread, which must not block."""

    key: str
    tag: object
    run: Callable[[VenueClient], Awaitable[Any]]
    answer: Callable[[JobDone], object]


@attrs.frozen(kw_only=True)
class JobDone:
    tag: object
    result: Any = None
    error: Exception | None = None


@attrs.frozen(kw_only=True)
class MarketDataChanged:
    """The latest book of one market and the public volume traded since the last one.
    ``book`` is None while the feed has lost the book (no quoting until it is whole)."""

    market_id: MarketId
    book: OrderBook | None
    traded: Decimal = ZERO
    last_trade: Decimal | None = None
    received_ns: int = 0  # time.perf_counter_ns() when the newest update entered trio
    conflated: int = 0  # updates replaced before this one was delivered


@attrs.frozen
class AnswersReady:
    """JobDones wait in the actor's ``Answers``."""


class Answers:
    """Where the trio workers leave one actor's JobDones. The actor takes them at the
    start of every message it handles, whichever thread brings the message: its own, or
    a caller's direct call (``actors.direct``). So a PlatformActor whose own thread
    waits for the GIL behind hundreds of busy MarketActors still learns its answers,
    from the markets' own calls, and keeps its requests flowing. The actor's thread is
    told ``AnswersReady`` when answers arrive and none is outstanding, so an idle actor
    learns them too; it calls ``rearm`` when it handles that message."""

    def __init__(self, ref: pykka.ActorRef[Any]) -> None:
        self._ref = ref
        self._lock = threading.Lock()
        self._waiting: list[JobDone] = []
        self._told = False

    def put(self, done: JobDone) -> None:
        """Trio thread: leave one answer (never blocks)."""
        with self._lock:
            self._waiting.append(done)
            tell, self._told = not self._told, True
        if tell:
            safe_tell(self._ref, AnswersReady())

    def rearm(self) -> None:
        """The actor's thread handles ``AnswersReady``: tell it again on the next answer."""
        with self._lock:
            self._told = False

    def take(self) -> list[JobDone]:
        """Every answer waiting, oldest first."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        return waiting

    def give_back(self, answers: Sequence[JobDone]) -> None:
        """Answers taken but not handled, ahead of any that came since."""
        with self._lock:
            self._waiting[:0] = answers


@attrs.frozen
class DataReady:
    """A market's latest book waits in the conflator: ``Conflator.take`` it."""

    market_id: MarketId


@attrs.define
class _Slot:
    book: OrderBook | None = None
    valid: bool = False
    traded: Decimal = ZERO
    last_trade: Decimal | None = None
    received_ns: int = 0
    pending: bool = False  # something new since the actor last took
    notified: bool = False  # a DataReady is on its way or waiting in the inbox
    conflated: int = 0
    watch: Watch | None = None  # what the actor reads of a book (None: everything)
    taken: OrderBook | None = None  # the valid book the actor last took
    taken_key: tuple[object, ...] | None = None  # watch.key(taken)
    followers: dict[int, _Follower] = attrs.field(factory=dict)  # by id(ref)


@attrs.define
class _Follower:
    ref: Any
    notified: bool = False


class Bridge:
    """Created inside ``trio.run`` (``Bridge(nursery)``); its public methods other than
    the ``async`` ones and ``start_venue`` may be called from any thread."""

    def __init__(self, nursery: trio.Nursery, job_buffer: int = JOB_BUFFER) -> None:
        self._nursery = nursery
        self._token = trio.lowlevel.current_trio_token()
        self._job_buffer = job_buffer
        self._senders: dict[str, trio.MemorySendChannel[VenueJob]] = {}
        self.dropped = 0
        self.finished = False
        self._calls: deque[tuple[Callable[..., object], tuple[object, ...]]] = deque()
        self._lanes: dict[str, _Lane] = {}
        self.conflator = Conflator(self)

    # any thread ------------------------------------------------------------------

    def run_soon(self, fn: Callable[..., object], *args: object) -> bool:
        """Run ``fn(*args)`` in the trio thread soon, in call order; never raises (False
        if trio is gone). Calls queue in a deque; only the call that finds it empty wakes
        the loop (``run_sync_soon`` writes to trio's wake-up socket every time)."""
        if self.finished:
            return False
        self._calls.append((fn, args))  # deque.append is atomic: safe from any thread
        if len(self._calls) == 1:
            return self._wake()
        return True

    def _wake(self) -> bool:
        try:
            self._token.run_sync_soon(self._drain)
        except BaseException:  # RunFinishedError, or anything at all: never into an actor
            self.finished = True
            return False
        return True

    def _drain(self) -> None:
        for _ in range(DRAIN_BATCH):
            try:
                fn, args = self._calls[0]
            except IndexError:
                return
            _guarded(fn, args)
            self._calls.popleft()  # popped after running: producers see it non-empty
        if self._calls:
            self._wake()  # let other trio work in between long batches

    def submit(self, jobs: Sequence[VenueJob]) -> bool:
        """Hand ``jobs`` to their venue's workers, in order, with one wake-up of the loop;
        a full or closed channel answers a job with an error instead (told like any
        answer)."""
        return self.run_soon(self._put_all, tuple(jobs))

    def start_soon(self, fn: Callable[..., Awaitable[object]], *args: object) -> bool:
        """Start the task ``fn(*args)`` in the trio loop soon (from any thread)."""
        return self.run_soon(self._nursery.start_soon, fn, *args)

    def call_later(self, delay: float, ref: Tellable, message: object) -> bool:
        """Tell ``message`` to ``ref`` after ``delay`` seconds of trio time."""
        return self.run_soon(self._nursery.start_soon, _tell_after, delay, ref, message)

    # trio thread -------------------------------------------------------------------

    def start_venue(self, key: str, client: VenueClient, workers: int = 4) -> None:
        """Open ``key``'s job channel and start ``workers`` tasks calling ``client``."""
        send, recv = trio.open_memory_channel[VenueJob](self._job_buffer)
        self._senders[key] = send
        lane = self._lanes[key] = _Lane(workers)
        for _ in range(workers):
            self._nursery.start_soon(_worker, recv.clone(), client, lane)
        recv.close()

    def close_venue(self, key: str) -> None:
        send = self._senders.pop(key, None)
        if send is not None:
            send.close()

    async def retire_venue(self, key: str, timeout: float) -> bool:
        """``key``'s actor is gone: the jobs it queued and no worker started yet are
        answered unsent (nobody would track what they placed), and the ones running are
        waited for, up to ``timeout``; then ``start_venue`` may serve a successor. True
        if every running job finished in time."""
        self.close_venue(key)
        lane = self._lanes.pop(key, None)
        if lane is None:
            return True
        lane.retired = True
        with trio.move_on_after(timeout):
            await lane.done.wait()
        return lane.done.is_set()

    def _put(self, job: VenueJob) -> None:
        send = self._senders.get(job.key)
        try:
            if send is None:
                raise trio.ClosedResourceError(f"no venue workers for {job.key!r}")
            send.send_nowait(job)
        except (trio.WouldBlock, trio.ClosedResourceError, trio.BrokenResourceError) as exc:
            self.dropped += 1
            job.answer(JobDone(tag=job.tag, error=_dropped(job, exc)))

    def _put_all(self, jobs: tuple[VenueJob, ...]) -> None:
        for job in jobs:
            self._put(job)

    async def ask(
        self,
        ref: Tellable,
        build: Callable[[Callable[[Any], None]], object],
        timeout: float,
    ) -> Any:
        """Tell ``build(reply)`` and wait (in trio, without blocking the loop) until the
        actor calls ``reply(value)``; raises ``trio.TooSlowError`` after ``timeout``."""
        box: list[Any] = []
        done = trio.Event()

        def arrive(value: Any) -> None:
            box.append(value)
            done.set()

        def reply(value: Any) -> None:
            self.run_soon(arrive, value)

        if not safe_tell(ref, build(reply)):
            raise pykka.ActorDeadError(f"{ref} is not running")
        with trio.fail_after(timeout):
            await done.wait()
        return box[0]


async def called_back(start: Callable[[Callable[[bool], None]], object], timeout: float) -> bool:
    """Call ``start(done)`` and wait, in trio without blocking the loop, until some
    thread calls ``done(ok)``: ``ok``; False if nobody does within ``timeout``."""
    token = trio.lowlevel.current_trio_token()
    answer: list[bool] = []
    arrived = trio.Event()

    def land(ok: bool) -> None:
        answer.append(ok)
        arrived.set()

    def done(ok: bool) -> None:
        with contextlib.suppress(trio.RunFinishedError):
            token.run_sync_soon(land, ok)

    start(done)
    with trio.move_on_after(timeout):
        await arrived.wait()
    return bool(answer) and answer[0]


def _dropped(job: VenueJob, exc: BaseException) -> Exception:
    from predmm.domain.errors import VenueUnavailable

    return VenueUnavailable(f"job {job.tag!r} for {job.key} not sent: {type(exc).__name__}")


def _guarded(fn: Callable[..., object], args: tuple[object, ...]) -> None:
    """Whatever runs from run_sync_soon must not raise (trio would crash the run)."""
    try:
        fn(*args)
    except Exception:
        logger.exception("bridge callback {fn} failed", fn=getattr(fn, "__qualname__", fn))


async def _tell_after(delay: float, ref: Tellable, message: object) -> None:
    await trio.sleep(max(0.0, delay))
    safe_tell(ref, message)


class _Lane:
    """One venue's workers: ``retired`` once their actor is gone; ``done`` when the last
    of them has exited (its channel closed and drained)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.retired = False
        self.done = trio.Event()

    def exited(self) -> None:
        self.workers -= 1
        if self.workers == 0:
            self.done.set()


async def _worker(
    recv: trio.MemoryReceiveChannel[VenueJob], client: VenueClient, lane: _Lane
) -> None:
    try:
        async with recv:
            async for job in recv:
                if lane.retired:
                    job.answer(
                        JobDone(tag=job.tag, error=_dropped(job, trio.ClosedResourceError()))
                    )
                    continue
                try:
                    result = await job.run(client)
                except Exception as exc:  # answered as an outcome; Cancelled propagates
                    job.answer(JobDone(tag=job.tag, error=exc))
                else:
                    job.answer(JobDone(tag=job.tag, result=result))
    finally:
        lane.exited()


class Conflator:
    """Latest book per market; its actor is told ``DataReady`` when something new waits
    and none is outstanding, and takes the newest state when it handles it (so a busy
    actor sees only the newest book, and an idle one costs no acknowledgement back).
    The slots are shared under one lock, held only to copy a few fields; the routes live
    in the trio thread. ``attach``, ``detach`` and ``take`` may be called from any thread."""

    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge
        self._lock = threading.Lock()
        self._slots: dict[MarketId, _Slot] = {}
        self._routes: dict[MarketId, pykka.ActorRef[Any]] = {}

    # any thread
    def attach(self, market_id: MarketId, ref: pykka.ActorRef[Any]) -> None:
        self._bridge.run_soon(self._attach, market_id, ref)

    def detach(self, market_id: MarketId, ref: pykka.ActorRef[Any]) -> None:
        self._bridge.run_soon(self._detach, market_id, ref)

    def take(self, market_id: MarketId) -> MarketDataChanged | None:
        """The market's newest state, once (None: nothing new since the last take)."""
        with self._lock:
            slot = self._slots.get(market_id)
            if slot is None:
                return None
            slot.notified = False
            if not slot.pending:
                return None
            message = MarketDataChanged(
                market_id=market_id,
                book=slot.book if slot.valid else None,
                traded=slot.traded,
                last_trade=slot.last_trade,
                received_ns=slot.received_ns,
                conflated=slot.conflated,
            )
            slot.pending, slot.traded, slot.conflated = False, ZERO, 0
            slot.taken = slot.book if slot.valid else None
            slot.taken_key = _key(slot.watch, slot.taken)
        return message

    def follow(self, market_id: MarketId, ref: Any) -> None:
        """Tell ``ref`` ``DataReady(market_id)`` when a new book of ``market_id`` arrives
        (at most one outstanding until it ``peek``s), from now on."""
        with self._lock:
            slot = self._slot(market_id)
            slot.followers[id(ref)] = _Follower(ref=ref, notified=slot.valid)
        if slot.valid:
            safe_tell(ref, DataReady(market_id=market_id))

    def unfollow(self, market_id: MarketId, ref: Any) -> None:
        with self._lock:
            slot = self._slots.get(market_id)
            if slot is not None:
                slot.followers.pop(id(ref), None)

    def peek(self, market_id: MarketId, ref: Any = None) -> tuple[OrderBook | None, Watch | None]:
        """The newest whole book of ``market_id`` (None while the feed has lost it) and
        what its own actor quotes there (its ``Watch``: our prices), leaving them to its
        actor; ``ref``: the follower reading, told again on the next new book."""
        with self._lock:
            slot = self._slots.get(market_id)
            if slot is None:
                return None, None
            follower = slot.followers.get(id(ref)) if ref is not None else None
            if follower is not None:
                follower.notified = False
            return (slot.book if slot.valid else None), slot.watch

    def watch(self, market_id: MarketId, watch: Watch) -> bool:
        """The actor's ``watch`` from now on: a book that changes nothing it reads is
        kept without telling it. True if the newest book, kept so under the old watch,
        matters under this one: the caller tells its actor ``DataReady`` itself."""
        with self._lock:
            slot = self._slot(market_id)
            if slot.watch == watch:
                return False
            slot.watch, slot.taken_key = watch, _key(watch, slot.taken)
            unseen = slot.valid and not slot.pending and slot.book is not slot.taken
            if not unseen or _key(watch, slot.book) == slot.taken_key:
                return False
            slot.pending = True
            tell, slot.notified = not slot.notified, True
            return tell

    # trio thread
    def offer_book(self, book: OrderBook, received_ns: int | None = None) -> None:
        stamp = time.perf_counter_ns() if received_ns is None else received_ns

        def newest(slot: _Slot) -> None:
            quiet = slot.valid and not slot.pending and slot.taken_key is not None
            if quiet and _key(slot.watch, book) == slot.taken_key:
                slot.book = book  # nothing the actor reads changed: kept, not announced
                return
            slot.conflated += 1 if slot.pending else 0
            slot.book, slot.valid, slot.pending, slot.received_ns = book, True, True, stamp

        self._update(book.market_id, newest)

    def offer_trade(self, market_id: MarketId, price: Decimal, size: Decimal) -> None:
        def traded(slot: _Slot) -> None:
            slot.traded += size
            slot.last_trade = price
            slot.pending = slot.pending or slot.valid  # no book: nothing to quote on yet

        self._update(market_id, traded)

    def invalidate(self, market_id: MarketId) -> None:
        def lost(slot: _Slot) -> None:
            slot.valid, slot.pending = False, True

        self._update(market_id, lost)

    def _slot(self, market_id: MarketId) -> _Slot:
        slot = self._slots.get(market_id)
        if slot is None:
            slot = self._slots[market_id] = _Slot()
        return slot

    def _update(self, market_id: MarketId, change: Callable[[_Slot], None]) -> None:
        """``change`` the market's slot under the lock; then tell its actor that something
        new waits, unless nothing is new or a DataReady is already outstanding; and its
        followers whose last DataReady they have read."""
        with self._lock:
            slot = self._slot(market_id)
            book, valid = slot.book, slot.valid
            change(slot)
            notify = slot.pending and not slot.notified
            slot.notified = slot.notified or notify
            moved = slot.book is not book or slot.valid != valid
            followers = _due(slot) if slot.followers and moved else ()
        if notify:
            self._notify(market_id)
        for ref in followers:
            safe_tell(ref, DataReady(market_id=market_id))

    def _notify(self, market_id: MarketId) -> None:
        ref = self._routes.get(market_id)
        if ref is not None and safe_tell(ref, DataReady(market_id=market_id)):
            return
        self._routes.pop(market_id, None)
        with self._lock:  # nobody to tell: the next attach tells its actor
            self._slot(market_id).notified = False

    def _attach(self, market_id: MarketId, ref: pykka.ActorRef[Any]) -> None:
        self._routes[market_id] = ref

        def attached(slot: _Slot) -> None:
            slot.notified = False  # a DataReady to an earlier actor is lost with it
            slot.pending = slot.pending or slot.book is not None
            slot.taken, slot.taken_key = None, None  # a new actor has seen no book yet

        self._update(market_id, attached)

    def _detach(self, market_id: MarketId, ref: pykka.ActorRef[Any]) -> None:
        if self._routes.get(market_id) is ref:
            del self._routes[market_id]


def _due(slot: _Slot) -> list[Any]:
    """The followers of a slot to tell (the lock held): those not told already."""
    due = []
    for follower in slot.followers.values():
        if not follower.notified:
            follower.notified = True
            due.append(follower.ref)
    return due


def _key(watch: Watch | None, book: OrderBook | None) -> tuple[object, ...] | None:
    return None if watch is None or book is None else watch.key(book)


def backoff_delay(attempt: int, base: float = 0.05, cap: float = 5.0) -> float:
    """Retry delay after ``attempt`` failures of a venue call (no jitter needed: one
    PlatformActor per venue retries)."""
    return min(cap, base * math.pow(2, max(0, attempt)))
