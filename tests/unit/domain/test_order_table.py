"""The PlatformActor's order table over a long run: finished orders and fill ids are
kept only for a bounded window, and a late fill within it still finds its order."""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import PlaceResult
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.order_table import OrderTable, RecentIds
from predmm.domain.orders import Fill, Order, OrderEvent

M = MarketId(Venue.KALSHI, "KXTEST")
D = Decimal


def _open(table: OrderTable, n: int) -> ClientOrderId:
    coid = ClientOrderId(f"r-{n}")
    order = Order(
        client_order_id=coid, market_id=M, side=OrderSide.YES, price=D("0.40"), quantity=D(10)
    )
    assert table.add(order)
    table.apply(coid, OrderEvent.SUBMIT)
    table.placed(
        PlaceResult(
            client_order_id=coid, status=OrderStatus.OPEN, venue_order_id=VenueOrderId(f"v-{n}")
        )
    )
    return coid


def _cancel(table: OrderTable, coid: ClientOrderId) -> None:
    table.apply(coid, OrderEvent.CANCEL_REQUEST)
    table.apply(coid, OrderEvent.CANCELLED)


def _fill(n: int, fill_id: str) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=M,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(3),
        venue_order_id=VenueOrderId(f"v-{n}"),
    )


def test_a_late_fill_of_a_recently_cancelled_order_finds_it_once() -> None:
    table = OrderTable(on_change=lambda *_: None, retain_closed=5)
    coid = _open(table, 1)
    _cancel(table, coid)
    first = table.fill(_fill(1, "f-1"))
    assert first is not None
    assert first.client_order_id == coid
    assert table.fill(_fill(1, "f-1")) is None  # the same fill again counts once
    assert table.duplicate_fills == 1


def test_finished_orders_are_forgotten_beyond_the_window_live_ones_never() -> None:
    table = OrderTable(on_change=lambda *_: None, retain_closed=100)
    live = _open(table, 0)
    for n in range(1, 1001):
        _cancel(table, _open(table, n))
    assert len(table) == 101  # the live order and the newest 100 finished
    assert table.get(live) is not None
    assert table.get(live).status is OrderStatus.OPEN
    assert table.get(ClientOrderId("r-1000")) is not None
    assert table.get(ClientOrderId("r-1")) is None
    late = table.fill(_fill(1, "f-old"))  # its order is gone: the fill is still counted, as is
    assert late is not None
    assert late.client_order_id is None
    assert table.closed_count == 1000


def test_recent_ids_remember_only_the_newest() -> None:
    ids: RecentIds[str] = RecentIds(3)
    for key in ("a", "b", "c", "c", "d"):
        ids.add(key)
    assert "a" not in ids
    assert all(k in ids for k in "bcd")
    assert len(ids) == 3
