"""The day's baseline (``strategies.day_loss``): taken from the trackers and the marks,
valued at the marks, an unmarked holding counting from its first mark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.strategies.day_loss import day_of, take_baseline
from predmm.strategies.inventory import InventoryTracker

A, B, C = (MarketId(Venue.KALSHI, s) for s in "ABC")
D = Decimal
LATE = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)


def tracker(market_id: MarketId, yes: int = 0, price: str = "0.40", realized: str = "0"):
    t = InventoryTracker(market_id=market_id, realized_pnl=D(realized))
    if yes:
        t.apply_fill(OrderSide.YES, D(yes), D(price))
    return t


def test_the_day_is_the_utc_day() -> None:
    assert day_of(LATE) == date(2026, 1, 1)
    assert day_of(LATE.astimezone(timezone(timedelta(hours=2)))) == date(2026, 1, 1)
    assert day_of(LATE + timedelta(hours=1)) == date(2026, 1, 2)


def test_a_baseline_holds_the_realized_pnl_and_what_is_held_at_its_marks() -> None:
    trackers = [tracker(A, 10, realized="-2"), tracker(B, realized="5"), tracker(C, 4, "0.70")]
    baseline = take_baseline(LATE, trackers, {A: D("0.35"), B: D("0.90")})
    assert baseline.day == date(2026, 1, 1)
    assert baseline.realized_pnl == D(3)
    assert [h.market_id for h in baseline.holdings] == [A, C]  # B holds nothing
    assert baseline.marks() == {A: D("0.35")}
    assert baseline.pending() == {C}
    assert baseline.value() == D(3) + 10 * (D("0.35") - D("0.40"))  # C counts nothing yet
    marked = baseline.marked(C, D("0.60"))
    assert marked.pending() == frozenset()
    assert marked.value() == baseline.value() + 4 * (D("0.60") - D("0.70"))
    assert marked.marked(C, D("0.10")) == marked  # its first mark only
