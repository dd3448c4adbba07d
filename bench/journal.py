"""Journal throughput: records/s through the JournalActor (batched commits) and through
the store with one commit per record (the idle worst case), for synchronous=NORMAL and
FULL; and order changes/s through the JournalActor told one ``RecordOrder`` per change
against one ``RecordOrders`` per requote (the PlatformActor's way: the four changes one
requote makes, two cancels asked and two placements sent, in one message). Prints a
table; the last line is one JSON object.

    .venv/bin/python bench/journal.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import attrs
import pykka

from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.messages import (
    Flush,
    FlushResult,
    RecordFill,
    RecordOrder,
    RecordOrderEvent,
    RecordOrders,
)
from predmm.actors.journal.store import Journal
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.domain.testing import EPOCH

MARKET = MarketId(Venue.KALSHI, "BENCH")


def messages(n: int) -> list[object]:
    """n records: an order, its accept, a fill (with cursor), cycling."""
    out: list[object] = []
    for i in range(n // 3 + 1):
        cid = ClientOrderId(f"c{i}")
        order = Order(
            client_order_id=cid,
            market_id=MARKET,
            side=OrderSide.YES,
            price=Decimal("0.42"),
            quantity=Decimal(10),
        ).on(OrderEvent.SUBMIT)
        fill = Fill(
            fill_id=FillId(f"f{i}"),
            market_id=MARKET,
            side=OrderSide.YES,
            price=Decimal("0.42"),
            quantity=Decimal(10),
            client_order_id=cid,
        )
        out += [
            RecordOrder(order=order, event=OrderEvent.SUBMIT, at=EPOCH),
            RecordOrderEvent(
                client_order_id=cid, event=OrderEvent.ACCEPT, status=OrderStatus.OPEN, at=EPOCH
            ),
            RecordFill(fill=fill, cursor=f"k{i}", at=EPOCH),
        ]
    return out[:n]


def actor_rate(path: Path, n: int, synchronous: str) -> float:
    batch = messages(n)
    ref = JournalActor.start(path, synchronous=synchronous)
    ref.ask(Flush(), timeout=30)
    start = time.perf_counter()
    for m in batch:
        ref.tell(m)
    result = ref.ask(Flush(), timeout=300)
    elapsed = time.perf_counter() - start
    ref.stop()
    if not isinstance(result, FlushResult) or result.records != n:
        raise RuntimeError(f"expected {n} records journaled, got {result}")
    return n / elapsed


def requotes(n: int) -> list[tuple[tuple[Order, OrderEvent | None], ...]]:
    """n requotes' order changes: two resting quotes cancelled, two new ones sent."""
    out = []
    for i in range(n):
        old = [
            Order(
                client_order_id=ClientOrderId(f"r{i}-{side.value}"),
                market_id=MARKET,
                side=side,
                price=Decimal("0.42"),
                quantity=Decimal(10),
            )
            for side in OrderSide
        ]
        new = [attrs.evolve(o, client_order_id=ClientOrderId(f"n{i}-{o.side.value}")) for o in old]
        resting = [o.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT) for o in old]
        out.append(
            tuple((o.on(OrderEvent.CANCEL_REQUEST), OrderEvent.CANCEL_REQUEST) for o in resting)
            + tuple((o.on(OrderEvent.SUBMIT), OrderEvent.SUBMIT) for o in new)
        )
    return out


def changes_rate(path: Path, n: int, batched: bool) -> float:
    """Order changes/s through the JournalActor, per requote in one message or not."""
    work = requotes(n // 4)
    ref = JournalActor.start(path)
    ref.ask(Flush(), timeout=30)
    start = time.perf_counter()
    for changes in work:
        if batched:
            ref.tell(RecordOrders(changes=changes, at=EPOCH))
        else:
            for order, event in changes:
                ref.tell(RecordOrder(order=order, event=event, at=EPOCH))
    ref.ask(Flush(), timeout=300)
    elapsed = time.perf_counter() - start
    ref.stop()
    return 4 * len(work) / elapsed


def commit_each_rate(path: Path, n: int, synchronous: str) -> float:
    from predmm.actors.journal.writes import write

    batch = messages(n)
    with Journal.open(path, synchronous=synchronous) as journal:
        start = time.perf_counter()
        for m in batch:
            write(journal, m, EPOCH)  # type: ignore[arg-type]
            journal.commit()
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer records")
    args = parser.parse_args()
    n_actor, n_each = (6_000, 600) if args.quick else (60_000, 3_000)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for sync in ("NORMAL", "FULL"):
            key = sync.lower()
            figures[f"actor_{key}_rps"] = actor_rate(Path(tmp, f"a-{key}.db"), n_actor, sync)
            figures[f"commit_each_{key}_rps"] = commit_each_rate(
                Path(tmp, f"c-{key}.db"), n_each, sync
            )
        for batched in (False, True):
            key = "batched" if batched else "single"
            figures[f"order_changes_{key}_cps"] = changes_rate(
                Path(tmp, f"o-{key}.db"), n_actor, batched
            )
    pykka.ActorRegistry.stop_all()
    print(f"{'case':<28}{'per second':>12}")
    for name, rate in figures.items():
        print(f"{name:<28}{rate:>12,.0f}")
    print(json.dumps({k: round(v) for k, v in figures.items()} | {"records": n_actor}))


if __name__ == "__main__":
    main()
