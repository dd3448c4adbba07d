"""The hand-over between runs: what the TradingEngine does so that a run starts where the
last one stopped and leaves the next one nothing to guess. With a journal file
(``RunJournal``) that holds no other venue world (``claim_worlds``), the run is recorded
and each venue reconciled with the file before anything quotes (``begin_run``; the steps
are ``supervisors.recovery``'s), which then gives the actors their starting state
(``Resumed``: positions, fill cursors, journaled fill ids). With or without one, each
venue's open orders are adopted into its PlatformActor's order table and the journaled
orders it no longer holds are closed (``take_over_orders``); those of markets not
selected are cancelled (``cancel_orphans``). At stop, the fills the venues made while the
orders were being cancelled are journaled, the journaled orders the venues no longer hold
closed, and the run's end recorded (``end_run``). Every write is told to the
JournalActor and flushed before it returns.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pykka
import trio
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.messages import Flush, RecordBalance, RecordRun, RecordRunEnd
from predmm.actors.journal.records import TradingStateRecord
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.actors.messages import CancelOrphans, GetOpenOrders, SyncOpenOrders
from predmm.actors.platform.actor import JournaledFills
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.errors import PredmmError
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.platforms.bridge import Bridge, Tellable, safe_tell
from predmm.platforms.venue import VenueClient
from predmm.strategies.day_loss import DayBaseline, day_of
from predmm.strategies.inventory import InventoryTracker
from predmm.supervisors.paper import LIVE, check_journal_mode, restore_paper_accounts
from predmm.supervisors.recovery import (
    ReconciliationError,
    RecoveryRecord,
    Write,
    catch_up,
    reconcile_venue,
    settle_orders,
)
from predmm.supervisors.runtime import EngineTimings
from predmm.supervisors.worlds import VenueWorld, check_worlds

RECOVERY_RETRIES = 3  # reads of a venue at start-up before predmm refuses to quote
_log = logger.bind(actor="engine")


@attrs.frozen(kw_only=True)
class RunJournal:
    """This run's JournalActor and the file it writes: the run's rows name ``run_id`` and
    are stamped by ``clock``; a write waits up to ``timeout`` until it is durable."""

    ref: pykka.ActorRef[Any]
    path: Path
    run_id: str
    clock: Clock
    timeout: float
    failure: Callable[[], BaseException | None] = lambda: None  # why the actor died, if it did


@attrs.frozen(kw_only=True)
class Resumed:
    """What the actors start from: the journal's positions, each venue's fill cursor and
    its journaled fill ids (``journaled_fills``), the markets settled (their YES payout),
    the day's baseline if one was journaled today, and the trading state a loss latched
    earlier the same (UTC) day (``latched``: REDUCING or HALTED, else None); nothing
    without a journal file."""

    positions: tuple[InventoryTracker, ...] = ()
    strategy_positions: tuple[tuple[str, InventoryTracker], ...] | None = None
    cursors: Mapping[Venue, str | None] = attrs.field(factory=dict)
    path: Path | None = None
    latched: TradingStateRecord | None = None
    settled: Mapping[MarketId, Decimal] = attrs.field(factory=dict)
    baseline: DayBaseline | None = None

    def journaled_fills(self, venue: Venue) -> JournaledFills | None:
        path = self.path
        if path is None:
            return None

        def lookup(ids: Sequence[Any]) -> set[Any]:
            with Journal.open_read_only(path) as journal:
                return journal.known_fill_ids(venue, ids)

        return lookup


def config_digest(config: MarketMakingConfig | tuple[Any, ...], risk: RiskConfig) -> str:
    """Names the settings a run was started with, in its ``runs`` row."""
    text = repr((config, risk))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def claim_worlds(
    journal: RunJournal, worlds: Sequence[VenueWorld], ask_timeout: float
) -> None:
    """Once the file is ready: raise ``WorldMismatch`` if it holds records of other venue
    ``worlds`` (``supervisors.worlds``), else record those it does not hold yet."""
    ref = journal.ref
    await flush(journal, ask_timeout)  # the file is ready
    for record in check_worlds(journal.path, worlds):
        ref.tell(record)


async def begin_run(
    journal: RunJournal,
    clients: Sequence[VenueClient],
    digest: str,
    ask_timeout: float,
    mode: str = LIVE,
) -> Resumed:
    """The run recorded once the file is ready (a file of the other ``mode``, paper or
    live, is refused), the paper accounts started from it, every venue reconciled with it
    (``supervisors.recovery``: raises ``ReconciliationError`` before any quote), and what
    the reconciled file holds for the actors to start from."""
    ref = journal.ref
    await flush(journal, ask_timeout)  # the file is ready
    check_journal_mode(journal.path, mode)
    ref.tell(
        RecordRun(
            run_id=journal.run_id,
            config_digest=digest,
            mode=mode,
            pid=os.getpid(),
            at=journal.clock.now(),
        )
    )
    restore_paper_accounts(clients, journal.path)
    await _reconcile(clients, journal.path, _writer(journal))
    await record_balances(journal, clients, "start")
    today = day_of(journal.clock.now())
    return _resumed(journal.path, [client.venue for client in clients], today)


async def flush(journal: RunJournal, timeout: float) -> None:
    """Everything told to the JournalActor is durable; a journal that cannot write raises
    ``JournalError`` naming the file and why (one line at the command line)."""
    ref = journal.ref
    try:
        await trio.to_thread.run_sync(lambda: ref.ask(Flush(), timeout=timeout))
    except PredmmError:
        raise
    except (pykka.ActorDeadError, pykka.Timeout, OSError, sqlite3.Error) as exc:
        cause = journal.failure() if isinstance(exc, pykka.ActorDeadError) else None
        why = cause or exc
        text = f"{type(why).__name__}: {why}" if str(why) else type(why).__name__
        raise JournalError(f"journal {journal.path} cannot be written ({text})") from None


def _resumed(path: Path, venues: Iterable[Venue], today: date) -> Resumed:
    with Journal.open_read_only(path) as reader:
        positions = tuple(reader.inventory(m) for m in reader.market_ids())
        by_strategy = tuple(reader.strategy_inventories())
        cursors = {v: reader.fill_cursor(v) for v in venues}
        state = reader.trading_state()
        settled = {s.market_id: s.yes_payout for s in reader.settlements()}
        baseline = reader.day_baseline(today)
    latched = state if state is not None and _latches(state, today) else None
    return Resumed(
        positions=positions,
        strategy_positions=by_strategy,
        cursors=cursors,
        path=path,
        latched=latched,
        settled=settled,
        baseline=baseline,
    )


def _latches(state: TradingStateRecord, today: date) -> bool:
    """A restart the day the loss limits moved trading out of ACTIVE keeps it out: the
    kill switch holds until the next day, or until the operator clears it. A halt the
    operator made by hand (``predmm halt``, ``cancel-all``) holds until the operator
    resumes, whatever the day."""
    if state.operator and state.state is TradingState.HALTED:
        return True
    return state.state is not TradingState.ACTIVE and state.at.date() == today


def _writer(journal: RunJournal) -> Write:
    """Tells the records to the JournalActor and returns once they are durable."""
    ref, timeout = journal.ref, journal.timeout

    async def write(records: Sequence[RecoveryRecord]) -> None:
        for record in records:
            safe_tell(ref, record)
        await flush(journal, timeout)

    return write


async def _reconcile(clients: Iterable[VenueClient], path: Path, write: Write) -> None:
    with Journal.open_read_only(path) as reader:
        for client in clients:
            done = await reconcile_venue(client, reader, write, retries=RECOVERY_RETRIES)
            _log.info(
                "recovery {v}: {n} fills recovered, {r} reversed, {s} markets found settled,"
                " positions agree on {m} markets",
                v=done.venue,
                n=done.fills_recovered,
                r=done.fills_reversed,
                s=done.settlements,
                m=done.markets_checked,
            )


async def take_over_orders(
    bridge: Bridge,
    platform: pykka.ActorRef[Any] | DirectRef,
    client: VenueClient,
    journal: RunJournal | None,
    timings: EngineTimings,
) -> list[Order]:
    """The venue's open orders join the order table before any market quotes (a
    market then keeps, amends or cancels them: their intent is never placed again), and
    the journaled orders it no longer holds are closed; the orders adopted."""
    held = await _adopt_open_orders(bridge, platform, client.venue, timings)
    if journal is not None:
        await _settle(journal, client, held)
    return held


async def _adopt_open_orders(
    bridge: Bridge,
    platform: pykka.ActorRef[Any] | DirectRef,
    venue: Venue,
    timings: EngineTimings,
) -> list[Order]:
    """A venue whose open orders cannot be read is not quoted."""
    answer: Any = None
    for _ in range(RECOVERY_RETRIES + 1):
        try:
            answer = await bridge.ask(
                platform, lambda r: SyncOpenOrders(reply=r), timings.stop_timeout
            )
        except trio.TooSlowError as exc:
            answer = exc
        if not isinstance(answer, Exception):
            break
    if isinstance(answer, Exception):
        raise ReconciliationError(
            f"reconciliation failed on {venue.value}: open orders not read"
            f" ({type(answer).__name__}: {answer}): refusing to quote"
        )
    orders = await trio.to_thread.run_sync(
        lambda: platform.ask(GetOpenOrders(market_id=None), timeout=timings.ask_timeout)
    )
    return list(orders)


async def _settle(journal: RunJournal, client: VenueClient, adopted: Sequence[Order]) -> None:
    """Close in the journal the previous runs' orders that were not adopted: the
    venue no longer held them when its open orders were read."""
    write = _writer(journal)
    with Journal.open_read_only(journal.path) as reader:
        closed = await settle_orders(client, reader, write, adopted, retries=RECOVERY_RETRIES)
    _log.info(
        "recovery {v}: {c} journaled orders closed (gone from the venue, or adopted by its id)",
        v=client.venue.value,
        c=closed,
    )


def cancel_orphans(
    platforms: Iterable[Tellable],
    adopted: Sequence[Order],
    selected: frozenset[MarketId],
) -> None:
    """The venues' open orders of markets not selected, orphans of a previous run, are
    cancelled."""
    for platform in platforms:
        platform.tell(CancelOrphans(keep=selected))
    orphans = sum(1 for o in adopted if o.market_id not in selected)
    _log.info(
        "open orders on the venues: {a} adopted, {c} orphans being cancelled",
        a=len(adopted) - orphans,
        c=orphans,
    )


async def end_run(
    journal: RunJournal, clients: Iterable[VenueClient], reason: str, *, late_fills: bool
) -> None:
    """The run's end told to the JournalActor (it commits durably when stopped), after
    the ``late_fills``: those the venues made while the orders were being cancelled, whose
    stream messages may have come after the PlatformActor stopped, journaled now rather
    than at the next start; and the journaled orders that the venues no longer hold
    (whose end the journal missed: it was down a while) closed as the venues say."""
    if late_fills:
        await _last_fills(journal, clients)
        await _last_orders(journal, clients)
        await record_balances(journal, clients, "end")
    safe_tell(
        journal.ref, RecordRunEnd(run_id=journal.run_id, reason=reason, at=journal.clock.now())
    )


async def _last_orders(journal: RunJournal, clients: Iterable[VenueClient]) -> None:
    write = _writer(journal)
    with trio.move_on_after(journal.timeout), Journal.open_read_only(journal.path) as reader:
        for client in clients:
            if not reader.open_orders(client.venue):
                continue
            held = await _held(client)
            if held is None:
                continue
            closed = await settle_orders(client, reader, write, held, retries=1)
            if closed:
                _log.info("{n} journaled orders of {v} closed", n=closed, v=client.venue.value)


async def _held(client: VenueClient) -> list[Order] | None:
    try:
        return await client.get_open_orders()
    except PredmmError as exc:
        _log.warning("open orders of {v} not read: {exc}", v=client.venue.value, exc=exc)
        return None


async def _last_fills(journal: RunJournal, clients: Iterable[VenueClient]) -> None:
    write = _writer(journal)
    with trio.move_on_after(journal.timeout):
        await write(())  # what the platforms told is committed: not fetched as missing
        with Journal.open_read_only(journal.path) as reader:
            for client in clients:
                try:
                    fills = await catch_up(client, reader, write, retries=1)
                except PredmmError as exc:
                    _log.warning("last fills not read: {exc}", exc=exc)
                    continue
                if fills:
                    _log.info("{n} late fills of {v} journaled", n=len(fills), v=client.venue.value)


async def record_balances(
    journal: RunJournal, clients: Iterable[VenueClient], moment: str, timeout: float = 3.0
) -> None:
    """Each venue's cash journaled at the ``moment`` ("start", "end") of the run, read
    side by side within ``timeout``; a venue that does not answer is journaled as not
    read, with why."""
    found: dict[Venue, tuple[Any, str]] = {}

    async def read(client: VenueClient) -> None:
        found[client.venue] = (None, f"not read within {timeout:g} s")
        try:
            found[client.venue] = (await client.get_balance(), "")
        except Exception as exc:
            found[client.venue] = (None, f"not read: {type(exc).__name__}: {exc}")

    with trio.move_on_after(timeout):
        async with trio.open_nursery() as nursery:
            for client in clients:
                nursery.start_soon(read, client)
    at = journal.clock.now()
    for venue, (cash, note) in found.items():
        message = RecordBalance(
            run_id=journal.run_id, venue=venue, moment=moment, cash=cash, note=note, at=at
        )
        safe_tell(journal.ref, message)
