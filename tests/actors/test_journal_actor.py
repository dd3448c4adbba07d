"""The JournalActor: the single writer. Every message whole, batched commits, Flush and
stop durable, a crash leaves a prefix of what was told (in process and under SIGKILL)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import pytest

from predmm.actors.clock import ManualClock
from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.messages import (
    Flush,
    FlushResult,
    RecordCursor,
    RecordFill,
    RecordFillPage,
    RecordFillReversal,
    RecordOrder,
    RecordOrderEvent,
    RecordPosition,
    RecordRestart,
    RecordRun,
    RecordRunEnd,
    RecordTradingState,
)
from predmm.actors.journal.schema import JournalError, JournalVersionError
from predmm.actors.journal.store import Journal
from predmm.domain.enums import OrderSide, OrderStatus, TradingState, Venue
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.domain.testing import EPOCH
from predmm.strategies.inventory import InventoryTracker

ROOT = Path(__file__).resolve().parents[2]
K1 = MarketId(Venue.KALSHI, "PRES-28")
P1 = MarketId(Venue.POLYMARKET, "0xpres28")
D = Decimal
WAIT = 10.0


def fill(fill_id: str, market_id: MarketId = K1, quantity: str = "1") -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market_id,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(quantity),
    )


def order(cid: str) -> Order:
    return Order(
        client_order_id=ClientOrderId(cid),
        market_id=K1,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(5),
        created_at=EPOCH,
    )


def fixed_clock() -> Any:
    return EPOCH


class Gate:
    """An opener that holds the actor in ``on_start`` until released, so that every
    message told meanwhile waits in the inbox: one busy batch, deterministically."""

    def __init__(self, opener: Callable[..., Journal] = Journal.open) -> None:
        self.released = threading.Event()
        self._opener = opener

    def __call__(self, path: Path, **kw: Any) -> Journal:
        assert self.released.wait(WAIT)
        return self._opener(path, **kw)


class Failures:
    """The on_failure callback of the tests: pykka sets actor_stopped before it calls
    on_failure, so tests wait on this instead."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.seen = threading.Event()

    def __call__(self, exc: BaseException) -> None:
        self.errors.append(exc)
        self.seen.set()

    def wait(self) -> list[str]:
        assert self.seen.wait(WAIT)
        return [str(e) for e in self.errors]


def flush(ref: pykka.ActorRef[Any]) -> FlushResult:
    result = ref.ask(Flush(), timeout=WAIT)
    assert isinstance(result, FlushResult)
    return result


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


def test_every_record_message_is_written(path: Path) -> None:
    ref = JournalActor.start(path, clock=fixed_clock)
    cid = ClientOrderId("c1")
    tracker = InventoryTracker(market_id=K1)
    tracker.apply_fill(OrderSide.YES, D(3), D("0.40"))
    for message in (
        RecordRun(run_id="r1", config_digest="abc", mode="sim", pid=os.getpid()),
        RecordTradingState(state=TradingState.ACTIVE, reason="start"),
        RecordOrder(order=order("c1").on(OrderEvent.SUBMIT), event=OrderEvent.SUBMIT),
        RecordOrderEvent(client_order_id=cid, event=OrderEvent.ACCEPT, status=OrderStatus.OPEN),
        RecordFill(fill=fill("f1", quantity="3"), cursor="k1"),
        RecordFill(fill=fill("f1", quantity="3"), cursor="k1"),
        RecordFillReversal(fill=fill("t1", P1), reason="FAILED"),
        RecordPosition.of(tracker, market_id=K1, event_id=EventId("pres-28")),
        RecordRestart(market_id=K1, reason="boom", attempt=1),
        RecordCursor(venue=Venue.POLYMARKET, cursor="p1"),
        RecordRunEnd(run_id="r1", reason="SIGTERM"),
    ):
        ref.tell(message)
    assert flush(ref) == FlushResult(records=11, duplicates=1, commits=1)
    with Journal.open_read_only(path) as reader:
        assert reader.runs()[0].stop_reason == "SIGTERM"
        assert reader.trading_state() is not None
        assert [o.status for o in reader.open_orders()] == [OrderStatus.OPEN]
        assert len(reader.fills()) == 2
        assert reader.inventory(K1).status() == tracker.status()
        assert reader.positions()[0].yes_contracts == 3
        assert reader.positions()[0].updated_at == EPOCH
        assert reader.restarts()[0].attempt == 1
        assert (reader.fill_cursor(Venue.KALSHI), reader.fill_cursor(Venue.POLYMARKET)) == (
            "k1",
            "p1",
        )


def test_the_clock_may_be_an_actors_clock(path: Path) -> None:
    clock = ManualClock(EPOCH)
    clock.advance(90)
    ref = JournalActor.start(path, clock=clock)
    ref.tell(RecordRestart(market_id=K1, reason="boom"))
    flush(ref)
    with Journal.open_read_only(path) as reader:
        assert reader.restarts()[0].at == EPOCH + timedelta(seconds=90)


def test_a_fill_page_and_its_cursor_are_one_transaction(path: Path) -> None:
    gate = Gate(CursorFault.open)
    failures = Failures()
    ref = JournalActor.start(path, opener=gate, on_failure=failures)
    page = (fill("f1"), fill("f2"))
    ref.tell(RecordFillPage(venue=Venue.KALSHI, fills=page, cursor="k2"))
    ref.tell(RecordFillPage(venue=Venue.KALSHI, fills=(fill("f2"), fill("f3")), cursor="k3"))
    ref.tell(RecordFillPage(venue=Venue.KALSHI, fills=(), cursor="k4"))
    ref.tell(RecordFillPage(venue=Venue.KALSHI, fills=(fill("f5"),), cursor="boom"))
    gate.released.set()
    assert failures.wait() == ["disk on fire"]
    with Journal.open_read_only(path) as reader:
        assert [f.fill.fill_id.value for f in reader.fills()] == ["f1", "f2", "f3"]
        assert reader.fill_cursor(Venue.KALSHI) == "k4"


def test_a_page_of_another_venue_is_refused(path: Path) -> None:
    ref = JournalActor.start(path)
    with pytest.raises(JournalError, match="in a polymarket page"):
        ref.ask(RecordFillPage(venue=Venue.POLYMARKET, fills=(fill("f1"),)), timeout=WAIT)


def test_a_busy_inbox_commits_every_batch_size_records(path: Path) -> None:
    gate = Gate()
    ref = JournalActor.start(path, batch_size=100, opener=gate)
    for n in range(1000):
        ref.tell(RecordFill(fill=fill(f"f{n}")))
    gate.released.set()
    assert flush(ref) == FlushResult(records=1000, duplicates=0, commits=10)


def test_an_idle_inbox_commits_at_once(path: Path) -> None:
    ref = JournalActor.start(path)
    ref.ask(RecordFill(fill=fill("f1")), timeout=WAIT)  # handled: the inbox was empty
    with Journal.open_read_only(path) as reader:
        assert len(reader.fills()) == 1


def test_stopping_commits_what_is_pending(path: Path) -> None:
    gate = Gate()
    ref = JournalActor.start(path, batch_size=10_000, opener=gate)
    for n in range(50):
        ref.tell(RecordFill(fill=fill(f"f{n}")))
    gate.released.set()
    ref.stop(timeout=WAIT)
    with Journal.open_read_only(path) as reader:
        assert len(reader.fills()) == 50
        assert reader.get("last_durable_commit") is not None


class CursorFault(Journal):
    """Fails a message after its first statement: the fill row is written, then the
    cursor write raises."""

    def set_cursor(self, venue: Venue, cursor: str, **kw: Any) -> None:
        if cursor == "boom":
            raise RuntimeError("disk on fire")
        super().set_cursor(venue, cursor, **kw)


def test_a_crash_mid_batch_leaves_no_half_written_message(path: Path) -> None:
    gate = Gate(CursorFault.open)
    failures = Failures()
    ref = JournalActor.start(path, batch_size=1000, opener=gate, on_failure=failures)
    for n in range(3):
        ref.tell(RecordFill(fill=fill(f"f{n}"), cursor=f"c{n}"))
    ref.tell(RecordFill(fill=fill("f3"), cursor="boom"))
    ref.tell(RecordFill(fill=fill("f4"), cursor="c4"))
    gate.released.set()
    assert failures.wait() == ["disk on fire"]
    with pytest.raises(pykka.ActorDeadError):
        ref.ask(Flush(), timeout=WAIT)
    with Journal.open(path) as reopened:
        assert [f.fill.fill_id.value for f in reopened.fills()] == ["f0", "f1", "f2"]
        assert reopened.fill_cursor(Venue.KALSHI) == "c2"


def out_of_pages(path: Path, **kw: Any) -> Journal:
    """A writer on a disk with no room left: the file may not grow by a page."""
    journal = Journal.open(path, **kw)
    pages = journal._conn.execute("PRAGMA page_count").fetchone()[0]
    journal._conn.execute(f"PRAGMA max_page_count = {pages}")
    return journal


def test_a_full_disk_stops_the_actor_and_reports_the_error_first(path: Path) -> None:
    failures = Failures()
    ref = JournalActor.start(path, opener=out_of_pages, on_failure=failures)
    for n in range(10_000):  # until a page is needed that the disk cannot give
        try:
            ref.tell(RecordFill(fill=fill(f"f{n}")))
        except pykka.ActorDeadError:
            break
    assert failures.wait() == ["database or disk is full"]
    assert isinstance(failures.errors[0], sqlite3.OperationalError)
    assert len(failures.errors) == 1  # once, though pykka's on_failure follows
    assert ref.actor_stopped.wait(WAIT)


def test_an_unknown_message_is_an_error(path: Path) -> None:
    ref = JournalActor.start(path)
    with pytest.raises(JournalError, match="cannot handle str"):
        ref.ask("hello", timeout=WAIT)


def test_a_newer_journal_is_refused_by_start_itself(path: Path) -> None:
    Journal.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(JournalVersionError, match="schema version 99"):
        JournalActor.start(path)
    assert pykka.ActorRegistry.get_by_class(JournalActor) == []


def test_readers_may_open_the_file_as_soon_as_start_returns(path: Path) -> None:
    gate = Gate()  # the actor's own connection is not even open yet
    ref = JournalActor.start(path, opener=gate)
    with Journal.open_read_only(path) as reader:
        assert reader.fills() == []
    gate.released.set()
    flush(ref)


def test_a_failure_to_open_in_the_actor_is_reported(path: Path) -> None:
    def broken(path: Path, **kw: Any) -> Journal:
        raise OSError(f"cannot open {path}")

    failures = Failures()
    JournalActor.start(path, opener=broken, on_failure=failures)
    assert failures.wait() == [f"cannot open {path}"]


class DurableCommitFault(Journal):
    def commit(self, *, durable: bool = False) -> None:
        if durable:
            raise OSError("fsync failed")
        super().commit(durable=durable)


def test_a_failed_flush_raises_to_the_asker_and_stops_the_actor(path: Path) -> None:
    failures = Failures()
    ref = JournalActor.start(path, opener=DurableCommitFault.open, on_failure=failures)
    ref.tell(RecordFill(fill=fill("f1")))
    with pytest.raises(OSError, match="fsync failed"):
        flush(ref)
    assert failures.wait() == ["fsync failed"]
    assert ref.actor_stopped.wait(WAIT)


_WRITER = """
import os, sys
sys.path.insert(0, sys.argv[2])
from decimal import Decimal
from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.messages import Flush, RecordFill, RecordOrder, RecordOrderEvent
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Order, OrderEvent

m = MarketId(Venue.KALSHI, "PRES-28")
ref = JournalActor.start(sys.argv[1], batch_size=64)
for i in range(1_000_000):
    cid = ClientOrderId(f"c{i}")
    o = Order(client_order_id=cid, market_id=m, side=OrderSide.YES, price=Decimal("0.40"),
              quantity=Decimal(5)).on(OrderEvent.SUBMIT)
    ref.tell(RecordOrder(order=o, event=OrderEvent.SUBMIT))
    ref.tell(RecordOrderEvent(client_order_id=cid, event=OrderEvent.ACCEPT,
                              status=OrderStatus.OPEN))
    f = Fill(fill_id=FillId(f"f{i}"), market_id=m, side=OrderSide.YES,
             price=Decimal("0.40"), quantity=Decimal(5), client_order_id=cid)
    ref.tell(RecordFill(fill=f, cursor=f"cur{i}"))
    ref.tell(RecordOrderEvent(client_order_id=cid, event=OrderEvent.FILL,
                              status=OrderStatus.FILLED, filled_quantity=Decimal(5)))
    if i == 199:
        ref.ask(Flush(), timeout=30)  # the first 200 are durable
    if i % 200 == 199:
        print(i + 1, flush=True)  # told, not waited for: the actor lags behind
"""


def _facts_told(n_orders: int) -> list[tuple[str, int, str]]:
    facts = []
    for i in range(n_orders):
        facts += [("event", i, "submit"), ("event", i, "accept"), ("fill", i, "")]
        facts.append(("event", i, "fill"))
    return facts


def _facts_journaled(journal: Journal) -> list[tuple[str, int, str]]:
    facts = [("fill", int(f.fill.fill_id.value[1:]), "") for f in journal.fills()]
    for o in journal.orders():
        i = int(o.client_order_id.value[1:])
        events = journal.order_events(o.client_order_id)
        facts += [("event", i, e.event) for e in events]
        assert o.status is events[-1].status  # the row and its last event agree
    return facts


def test_sigkill_mid_stream_leaves_a_prefix_of_what_was_told(path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        told = [int(proc.stdout.readline()) for _ in range(10)]
        proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT)
    finally:
        watchdog.cancel()
        proc.kill()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with Journal.open(path) as journal:
        journaled = _facts_journaled(journal)
        n_fills = len(journal.fills())
        assert n_fills >= told[0]  # everything before the Flush is there
        expected = _facts_told(n_fills + 1)
        assert sorted(journaled) == sorted(expected[: len(journaled)])
        last = journal.last_fill(Venue.KALSHI)
        assert last is not None
        assert journal.fill_cursor(Venue.KALSHI) == f"cur{last.fill.fill_id.value[1:]}"


def test_journal_reads_work_while_the_actor_writes(path: Path) -> None:
    ref = JournalActor.start(path, batch_size=50)
    flush(ref)  # the file exists, with its schema
    for n in range(300):
        ref.tell(RecordFill(fill=fill(f"f{n}"), cursor=f"c{n}"))
    with Journal.open_read_only(path) as reader:
        with reader.snapshot():
            seen = len(reader.fills())
            cursor = reader.fill_cursor(Venue.KALSHI)
        assert cursor is None or int(cursor[1:]) == seen - 1  # a consistent prefix
        flush(ref)
        assert len(reader.fills()) == 300
        assert reader.inventory(K1).yes_contracts == 300
