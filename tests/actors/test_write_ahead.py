"""Write-ahead: an order leaves the process only once the journal has committed its row,
so a daemon killed at any moment leaves no order on a venue that its journal does not
know (the restart then looks each one up: ``supervisors.recovery``). A journal slow to
write holds the placements back; one that cannot write lets none out."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import trio

from predmm.actors.journal.store import Journal
from predmm.domain.enums import Venue
from predmm.domain.events import PlaceResult
from predmm.domain.orders import Order
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import running

HOLD_TIMEOUT = 30.0  # wall seconds a held write waits at most


class HeldWrites:
    """Opens the JournalActor's connection; while ``held``, its order writes wait for
    ``release`` (a journal slow to write); ``hit`` is set when one is waiting."""

    def __init__(self) -> None:
        self.held = False
        self.hit, self.go = threading.Event(), threading.Event()

    def release(self) -> None:
        self.held = False
        self.go.set()

    def _wait(self) -> None:
        if self.held:
            self.hit.set()
            self.go.wait(HOLD_TIMEOUT)

    def open(self, path: Path, **kw: Any) -> Journal:
        gate = self

        class Held(Journal):
            def record_orders(self, *args: Any, **kwargs: Any) -> None:
                gate._wait()
                super().record_orders(*args, **kwargs)

            def record_intents(self, *args: Any, **kwargs: Any) -> None:
                gate._wait()
                super().record_intents(*args, **kwargs)  # type: ignore[misc]

        return Held.open(path, **kw)


class JournalWatchingVenue(FakeVenue):
    """Notes, at each placement, which of its orders the journal had committed."""

    def __init__(self, journal: Path, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.journal = journal
        self.sent: list[tuple[str, bool]] = []

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        with Journal.open_read_only(self.journal) as reader:
            known = {o.client_order_id for o in reader.orders()}
        self.sent += [(o.client_order_id.value, o.client_order_id in known) for o in orders]
        return await super().place_orders(orders)


async def test_an_order_leaves_only_once_the_journal_has_committed_it(tmp_path: Path) -> None:
    path, writes = tmp_path / "journal.sqlite3", HeldWrites()
    market = fake_market(Venue.KALSHI, "A")
    venue = JournalWatchingVenue(path, Venue.KALSHI, markets=[market])
    async with running([venue], journal_path=path, journal_opener=writes.open):
        writes.held = True  # the journal is slow to write from now on
        try:
            venue.publish_book(book_of(market.market_id))
            with trio.fail_after(HOLD_TIMEOUT):
                while not writes.hit.is_set():
                    await trio.sleep(0.01)
            await trio.testing.wait_all_tasks_blocked(0.05)
            assert venue.sent == []  # nothing left while the journal could not write it
        finally:
            writes.release()
        await venue.wait_until(lambda: len(venue.resting(market.market_id)) == 2)
    assert venue.sent
    assert all(committed for _, committed in venue.sent), venue.sent
