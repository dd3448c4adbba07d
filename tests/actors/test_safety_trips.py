"""A venue's own safety net trips (Kalshi's order group: a fill burst past its limit):
the engine journals it, suspends the venue's markets and cancels what it held there;
within its budget it re-arms the net after a cool-down and quotes again, past it the
venue is halted; the other venue trades on throughout."""

from __future__ import annotations

from typing import Any

import attrs

from predmm.actors.journal.notes import read_supervision
from predmm.actors.journal.store import Journal
from predmm.supervisors.policy import RestartPolicy
from tests.actors.harness import QUIET, running, until
from tests.actors.test_core_supervision import (
    health,
    placed_since,
    publish,
    quote_everywhere,
    quoting,
    venues,
)

NET = "safety net kalshi"


def timings(trips: int) -> Any:
    policy = RestartPolicy(
        intensity=trips, period=3600, min_backoff=0.01, max_backoff=0.02, random_factor=0
    )
    return attrs.evolve(QUIET, safety_trips=policy)


async def test_a_trip_suspends_cancels_rearms_and_quotes_again(tmp_path: Any) -> None:
    kalshi, poly = venues()
    path = tmp_path / "j.sqlite3"
    async with running([kalshi, poly], journal_path=path, timings=timings(2)) as engine:
        await quote_everywhere(kalshi, poly)
        poly_orders = {o.client_order_id for o in poly.resting()}
        kalshi.trip("Kalshi order group g-1 triggered")
        tripped = len(kalshi.calls)
        await until(lambda: health(engine, NET) == "rearmed")
        publish(kalshi)
        await kalshi.wait_until(lambda: quoting(kalshi))
        rearmed = kalshi.calls.index(("rearm", ()))
        assert placed_since(kalshi, rearmed)  # quoting again, after the re-arm only
        assert [op for op, _ in kalshi.calls[tripped:rearmed] if op == "place"] == []
        assert {o.client_order_id for o in poly.resting()} == poly_orders  # untouched
    with Journal.open_read_only(path) as reader:
        events = [(n.component, n.event) for n in read_supervision(reader)]
        assert events == [(NET, "rearmed")]  # the latest, with a count
        assert read_supervision(reader)[0].count == 2  # tripped, then rearmed


async def test_a_trip_past_the_budget_halts_the_venue(tmp_path: Any) -> None:
    kalshi, poly = venues()
    path = tmp_path / "j.sqlite3"
    async with running([kalshi, poly], journal_path=path, timings=timings(0)) as engine:
        await quote_everywhere(kalshi, poly)
        kalshi.trip()
        await until(lambda: health(engine, NET) == "halted")
        mark = len(kalshi.calls)
        publish(kalshi, poly, bid="0.58", ask="0.62")
        await poly.wait_until(lambda: quoting(poly))
        assert placed_since(kalshi, mark) == []
        assert kalshi.resting() == []
        assert ("cancel_all", ()) in kalshi.calls
        assert ("rearm", ()) not in kalshi.calls
        status = next(c for c in engine.snapshot().core if c.component == NET)
        assert "venue HALTED" in status.note
    with Journal.open_read_only(path) as reader:
        [note] = read_supervision(reader)
        assert (note.component, note.event, note.count) == (NET, "halted", 2)
