"""Crash recovery, with ``predmm sim`` in its own process and ``predmm run
--sim-credentials`` in another: run until fills are journaled, SIGKILL the daemon mid-flow,
run it again, stop it with SIGINT, and check against the exchange's own records (read over
its REST API with the adapters): no fill lost or counted twice, no duplicate order, the
orphans handled, quoting resumed, the journal's positions equal the venues'.

Waiting on the other processes is the one place this suite polls: short sleeps between
read-only looks at the journal or the venues, each wait bounded by a deadline.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

import pytest
import trio

from predmm.actors.journal.recovery import position_mismatches
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.cli.venues import from_sim_credentials
from predmm.domain.orders import Fill, Order
from predmm.platforms.venue import VenueClient

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
PREDMM = "from predmm.cli.main import main; main()"
POLL = 0.1  # seconds between looks at another process's state
ORPHAN_FILL_WAIT = 8.0  # seconds the daemon stays dead if no orphan order fills sooner


def spawn(args: list[str], out: IO[str] | int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PREDMM, *args],
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@contextmanager
def reaped(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """The process is gone when the block is left, however it is left."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float) -> threading.Thread:
    """Read ``proc``'s stdout (in a helper thread, which reads on until the process
    ends: join it then) until a line holds ``marker``."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []
    while True:
        line = lines.get(timeout=timeout)
        assert line is not None, f"the simulator exited: {''.join(seen)}"
        seen.append(line)
        if marker in line:
            return reader


async def until(what: str, check: Callable[[], Awaitable[T | None]], timeout: float) -> T:
    try:
        with trio.fail_after(timeout):
            while (value := await check()) is None:
                await trio.sleep(POLL)
    except trio.TooSlowError:
        raise AssertionError(f"not within {timeout} s: {what}") from None
    return value


def read_journal(path: Path, read: Callable[[Journal], T]) -> T | None:
    try:
        with Journal.open_read_only(path) as journal, journal.snapshot():
            return read(journal)
    except JournalError:
        return None  # not created yet


async def all_fills(client: VenueClient) -> list[Fill]:
    fills: list[Fill] = []
    cursor: str | None = None
    while True:
        page = await client.get_fills(cursor)
        fills.extend(page.fills)
        if page.cursor is None or page.cursor == cursor:
            return fills
        cursor = page.cursor


async def resting(clients: list[VenueClient]) -> list[Order]:
    return [o for client in clients for o in await client.get_open_orders()]


@pytest.fixture
def sim_credentials(tmp_path: Path) -> Iterator[Path]:
    creds = tmp_path / "creds"
    proc = spawn(["sim", "--seed", "10", "--credentials-out", str(creds)], subprocess.PIPE)
    try:
        with reaped(proc):
            reader = wait_for_line(proc, "simulator running", timeout=20)
            yield creds
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        reader.join(timeout=10)
    finally:
        assert proc.stdout is not None
        proc.stdout.close()


async def test_sigkill_mid_flow_then_restart_loses_and_doubles_nothing(
    tmp_path: Path, sim_credentials: Path
) -> None:
    journal = tmp_path / "predmm.sqlite3"
    run = ["run", "--sim-credentials", str(sim_credentials), "--journal", str(journal)]
    run += ["--no-view", "--preset", "hft", "--metrics-port", "0"]
    clients = list(from_sim_credentials(sim_credentials).clients)
    try:
        # run 1: until fills are journaled and quotes rest, then SIGKILL
        with open(tmp_path / "run1.log", "w") as log, reaped(spawn(run, log)) as first:

            async def fills_and_quotes() -> list[Order] | None:
                journaled = read_journal(journal, lambda j: j.fill_count())
                if not journaled:
                    return None
                return await resting(clients) or None

            await until("fills journaled", fills_and_quotes, timeout=40)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        orphans = await resting(clients)  # run 1's quotes, left on the venues
        before = read_journal(journal, lambda j: {f.fill.fill_id for f in j.fills()}) or set()
        with trio.move_on_after(ORPHAN_FILL_WAIT):  # give an orphan the chance to fill
            while {f.fill_id for c in clients for f in await all_fills(c)} <= before:
                await trio.sleep(POLL)

        # run 2: recovers, quotes again, then stops on SIGINT
        log2 = tmp_path / "run2.log"
        with open(log2, "w") as log, reaped(spawn(run, log)) as second:

            def second_run_quotes(j: Journal) -> str | None:
                runs = j.runs()
                if len(runs) < 2:
                    return None
                prefix = runs[1].run_id + "-"
                accepted = [
                    o
                    for o in j.orders()
                    if str(o.client_order_id).startswith(prefix) and o.venue_order_id is not None
                ]
                return prefix if accepted else None

            async def quoting_again() -> str | None:
                assert second.poll() is None, log2.read_text()
                return read_journal(journal, second_run_quotes)

            prefix = await until("quoting resumed", quoting_again, timeout=30)
            during = await resting(clients)
            second.send_signal(signal.SIGINT)
            second.wait(timeout=30)
        assert second.returncode == 0, log2.read_text()

        # the exchange's own records, read with the adapters
        venue_fills = {c.venue: await all_fills(c) for c in clients}
        for client in clients:
            await client.get_markets()  # Polymarket reports balances of known markets
        positions = {c.venue: await c.get_positions() for c in clients}
        after = await resting(clients)
    finally:
        for client in clients:
            await client.aclose()

    with Journal.open_read_only(journal) as reader:
        journaled = reader.fills()
        orders = {o.client_order_id: o for o in reader.orders()}
        mismatches = [m for v in positions for m in position_mismatches(reader, v, positions[v])]

    # no fill lost, none counted twice: the venues' fills are the journal's, each once
    keys = Counter((jf.venue, jf.fill.fill_id) for jf in journaled)
    assert max(keys.values()) == 1
    counted = {(jf.venue, jf.fill.fill_id) for jf in journaled if not jf.is_reversed}
    on_venue = {(v, f.fill_id) for v, fills in venue_fills.items() for f in fills}
    assert counted == on_venue
    assert on_venue
    # the journal's positions are the venues'
    assert mismatches == []

    def journaled_as(order: Order) -> list[Order]:
        """The journal's rows of a venue order: by client order id, or by the venue's
        id (Polymarket keeps no client order id: a new process knows ours by hash)."""
        vid = order.venue_order_id
        rows = [o for o in orders.values() if vid is not None and o.venue_order_id == vid]
        mine = orders.get(order.client_order_id)
        return [*rows, mine] if mine is not None and mine not in rows else rows

    # orphans handled: nothing rests, every order is closed in the journal
    assert after == []
    assert [o for o in orders.values() if not o.status.is_terminal] == []
    assert orphans
    for orphan in orphans:
        assert journaled_as(orphan), orphan
        assert all(row.status.is_terminal for row in journaled_as(orphan))

    # no duplicate order: one live order per client order id, each id one intent
    for sample in (orphans, during):
        ids = Counter((o.market_id.venue, o.client_order_id) for o in sample)
        assert max(ids.values(), default=1) == 1
        for order in sample:
            for row in journaled_as(order):
                assert (row.market_id, row.side) == (order.market_id, order.side)
    for fills in venue_fills.values():
        for fill in fills:
            if fill.client_order_id in orders:
                mine = orders[fill.client_order_id]
                assert (mine.market_id, mine.side) == (fill.market_id, fill.side)
    assert not [o for o in orders.values() if "duplicate" in o.reason.lower()]

    # quoting resumed: the second run placed orders of its own that the venue took
    assert any(str(c).startswith(prefix) for c in orders)
