"""A paper account across processes: its ids are its session's, a fill cursor of another
session reads from the start, and ``restore`` starts it from a journal's account."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.events import Position
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.paper.testing import FakeDataVenue

D = Decimal
M = MarketId(Venue.KALSHI, "KXTEST-26")
YES, NO = OrderSide.YES, OrderSide.NO


def data() -> FakeDataVenue:
    fake = FakeDataVenue(markets=[Market(market_id=M, tick=TickSpec.uniform("0.01"))])
    fake.set_book(OrderBook(M, (Level(D("0.40"), D(50)),), (Level(D("0.55"), D(50)),)))
    return fake


def take_yes(n: int, name: str = "take") -> Order:
    """Buy ``n`` YES at the 0.45 ask, immediately (one fill)."""
    return Order(
        client_order_id=ClientOrderId(name),
        market_id=M,
        side=YES,
        price=D("0.45"),
        quantity=D(n),
        post_only=False,
        time_in_force=TimeInForce.IOC,
    )


async def test_ids_carry_the_session_and_a_cursor_of_another_session_reads_from_the_start() -> None:
    before = PaperPlatform(data(), session="run1", fills_page_size=1)
    await before.place_orders([take_yes(1, "a"), take_yes(1, "b")])
    page = await before.get_fills()
    assert str(page.fills[0].fill_id) == "paper-run1-f1"
    assert page.cursor == "run1:1"
    journaled_cursor = page.cursor

    after = PaperPlatform(data(), session="run2", fills_page_size=1)  # the next process
    await after.place_orders([take_yes(3)])  # one fill
    page = await after.get_fills(journaled_cursor)  # the journal still holds run1's cursor
    assert [str(f.fill_id) for f in page.fills] == ["paper-run2-f1"]
    assert page.cursor is None  # the end of this session's fills


def test_a_session_is_random_when_not_given() -> None:
    assert PaperPlatform(data()).session != PaperPlatform(data()).session


async def test_restore_starts_the_account_from_holdings_and_a_cash_change() -> None:
    kalshi = PaperPlatform(data(), starting_balance=D(1000))  # Kalshi nets YES + NO pairs
    held = Position(market_id=M, yes_contracts=D(10), no_contracts=D(4))
    kalshi.restore([held], D("-7.25"))
    (position,) = await kalshi.get_positions()
    assert (position.yes_contracts, position.no_contracts) == (D(6), D(0))
    assert await kalshi.get_balance() == D(1000) - D("7.25") + D(4)  # 4 pairs paid $1 each

    poly = PaperPlatform(data(), starting_balance=D(1000), net_pairs=False)
    poly.restore([held], D("-7.25"))
    (position,) = await poly.get_positions()
    assert (position.yes_contracts, position.no_contracts) == (D(10), D(4))
    assert await poly.get_balance() == D("992.75")


async def test_restore_is_refused_once_the_account_has_traded() -> None:
    paper = PaperPlatform(data())
    await paper.place_orders([take_yes(1)])
    with pytest.raises(ValueError, match="restore a fresh account only"):
        paper.restore([], D(0))
