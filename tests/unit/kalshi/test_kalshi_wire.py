"""Kalshi wire bodies (recorded and spec examples, in fixtures/kalshi/) to domain values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from predmm.domain import (
    Action,
    ClientOrderId,
    Fill,
    FillId,
    Level,
    MarketId,
    MarketStatus,
    OffGridPrice,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    Venue,
    VenueOrderId,
    VenueProtocolError,
)
from predmm.platforms.kalshi import wire

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 5, 18, 3, 59, tzinfo=UTC)
MID = MarketId(Venue.KALSHI, "KXHIGHNY-26JUN11-T85")


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def order(**kw: Any) -> Order:
    base: dict[str, Any] = {
        "client_order_id": ClientOrderId("cid-1"),
        "market_id": MID,
        "side": OrderSide.YES,
        "price": Decimal("0.56"),
        "quantity": Decimal(10),
    }
    return Order(**(base | kw))


def test_market_parses_prices_ticks_counts_status_and_times() -> None:
    market = wire.market_from_kalshi(load("market.json")["market"], NOW)
    assert market.market_id == MarketId(Venue.KALSHI, "KXSPACEXSTARSHIP-12-26MAY19")
    assert market.status is MarketStatus.OPEN
    assert market.event_id is not None
    assert market.event_id.value == "KXSPACEXSTARSHIP-12"
    assert market.best_yes_bid == Decimal("0.6000")
    assert market.best_yes_ask == Decimal("0.6200")
    assert market.last_price == Decimal("0.61")
    assert market.volume == Decimal("812.50")
    assert market.liquidity == Decimal("2210.00")
    assert market.tick.is_on_grid(Decimal("0.57"))
    assert not market.tick.is_on_grid(Decimal("0.575"))
    assert market.close_time == datetime(2026, 5, 19, 3, 59, tzinfo=UTC)
    assert market.as_of == NOW
    assert market.hours_to_close == pytest.approx(24.0)


def test_empty_tapered_unopened_market() -> None:
    [raw] = load("markets_tapered_empty.json")["markets"]
    market = wire.market_from_kalshi(raw, NOW)
    assert market.status is MarketStatus.UNOPENED
    assert market.best_yes_bid is None
    assert market.best_yes_ask is None
    assert market.last_price is None
    assert market.tick.is_on_grid(Decimal("0.015"))
    assert not market.tick.is_on_grid(Decimal("0.505"))
    assert wire.end_cursor(load("markets_tapered_empty.json")["cursor"]) is None


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("active", MarketStatus.OPEN),
        ("inactive", MarketStatus.PAUSED),
        ("closed", MarketStatus.CLOSED),
        ("determined", MarketStatus.CLOSED),
        ("finalized", MarketStatus.SETTLED),
        ("initialized", MarketStatus.UNOPENED),
    ],
)
def test_market_status_mapping(raw: str, status: MarketStatus) -> None:
    body = load("market.json")["market"] | {"status": raw}
    assert wire.market_from_kalshi(body, NOW).status is status


def test_bad_market_fields_name_the_field() -> None:
    body = load("market.json")["market"]
    with pytest.raises(VenueProtocolError, match="status"):
        wire.market_from_kalshi(body | {"status": "weird"}, NOW)
    with pytest.raises(VenueProtocolError, match="yes_bid_dollars"):
        wire.market_from_kalshi(body | {"yes_bid_dollars": 0.6}, NOW)
    with pytest.raises(VenueProtocolError, match="price_ranges"):
        wire.market_from_kalshi({k: v for k, v in body.items() if k != "price_ranges"}, NOW)


def test_order_book_has_both_bid_ladders_best_first() -> None:
    book = wire.book_from_kalshi(MID, load("orderbook.json"))
    assert book.yes_bids == (
        Level(Decimal("0.47"), Decimal(3)),
        Level(Decimal("0.45"), Decimal(12)),
    )
    assert book.no_bids[0] == Level(Decimal("0.48"), Decimal(3))
    assert book.no_bids[1].size == Decimal("1.50")
    assert book.best_ask() == Decimal("0.52")


def test_empty_order_book_shapes() -> None:
    assert wire.book_from_kalshi(MID, {"orderbook": {}}).best_bid() is None
    empty: dict[str, Any] = {"orderbook_fp": {"yes_dollars": [], "no_dollars": []}}
    assert wire.book_from_kalshi(MID, empty).no_bids == ()
    with pytest.raises(VenueProtocolError):
        wire.book_from_kalshi(MID, {"orderbook_fp": {"yes_dollars": [["0.5"]]}})


@pytest.mark.parametrize(
    ("side", "action", "price", "book_side", "yes_price"),
    [
        (OrderSide.YES, Action.BUY, "0.56", "bid", "0.5600"),
        (OrderSide.NO, Action.BUY, "0.40", "ask", "0.6000"),
        (OrderSide.YES, Action.SELL, "0.61", "ask", "0.6100"),
        (OrderSide.NO, Action.SELL, "0.30", "bid", "0.7000"),
    ],
)
def test_create_body_maps_direction_to_the_v2_book(
    side: OrderSide, action: Action, price: str, book_side: str, yes_price: str
) -> None:
    body = wire.create_body(order(side=side, action=action, price=Decimal(price)))
    assert body == {
        "ticker": MID.symbol,
        "client_order_id": "cid-1",
        "side": book_side,
        "count": "10.00",
        "price": yes_price,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "post_only": True,
    }


def test_create_body_market_is_ioc_and_expiry_only_on_gtc() -> None:
    ioc = wire.create_body(order(order_type=OrderType.MARKET), expiration_s=1_800_000_000)
    assert ioc["time_in_force"] == "immediate_or_cancel"
    assert "expiration_time" not in ioc
    assert "post_only" not in ioc
    gtc = wire.create_body(order(quantity=Decimal("2.5")), expiration_s=1_800_000_000)
    assert gtc["expiration_time"] == 1_800_000_000
    assert gtc["count"] == "2.50"
    fok = wire.create_body(order(time_in_force=TimeInForce.FOK))
    assert fok["time_in_force"] == "fill_or_kill"


@pytest.mark.parametrize("bad", ["0", "1", "0.12345", "-0.1"])
def test_prices_outside_the_wire_format_are_refused(bad: str) -> None:
    with pytest.raises(OffGridPrice, match="not a Kalshi price"):
        wire.fmt_price(Decimal(bad))


@pytest.mark.parametrize("bad", ["0", "0.001", "-1"])
def test_counts_outside_the_wire_format_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Kalshi count"):
        wire.fmt_count(Decimal(bad))


def test_create_answers_become_place_results() -> None:
    maker = wire.place_result_fields(order(quantity=Decimal(1)), load("create_maker.json"))
    assert maker["status"] is OrderStatus.OPEN
    assert maker["filled_quantity"] == 0
    assert maker["venue_order_id"] == VenueOrderId("2597a2f4-07e8-4d7e-93c6-3f0b8c1d9e10")
    taker = wire.place_result_fields(order(quantity=Decimal(1)), load("create_ioc_taker.json"))
    assert taker["status"] is OrderStatus.FILLED
    assert taker["filled_quantity"] == 1
    stp = {"order_id": "x", "fill_count": "0.00", "remaining_count": "0.00", "ts_ms": 1}
    assert wire.place_result_fields(order(), stp)["status"] is OrderStatus.CANCELLED
    partial = {"order_id": "x", "fill_count": "4.00", "remaining_count": "6.00", "ts_ms": 1}
    assert wire.place_result_fields(order(), partial)["status"] is OrderStatus.PARTIALLY_FILLED


def test_order_read_back_as_a_purchase() -> None:
    got = wire.order_from_kalshi(load("order_resting.json")["order"])
    assert got.client_order_id == ClientOrderId("4a75c2d1-8a0e-4c47-9a51-0d0f5c1b6e21")
    assert got.market_id == MID
    assert got.side is OrderSide.YES
    assert got.price == Decimal("0.01")
    assert got.status is OrderStatus.OPEN
    assert got.quantity == 1
    assert got.filled_quantity == 0
    assert got.created_at == datetime(2026, 6, 11, 6, 29, 20, 866412, tzinfo=UTC)


def test_fills_parse_both_sides_and_sort_oldest_first() -> None:
    received = datetime(2026, 6, 11, 7, tzinfo=UTC)
    fills = wire.sort_fills(wire.fill_from_kalshi(f, received) for f in load("fills.json")["fills"])
    assert [f.fill_id.value[:4] for f in fills] == ["0c1d", "f4a4"]
    maker, taker = fills
    assert maker.side is OrderSide.NO
    assert maker.price == Decimal("0.4000")
    assert maker.quantity == Decimal("2.50")
    assert not maker.is_taker
    assert taker.side is OrderSide.YES
    assert taker.price == Decimal("0.52")
    assert taker.fee == Decimal("0.0175")
    assert taker.is_taker
    assert taker.ts == datetime(2026, 6, 11, 6, 29, 30, 164956, tzinfo=UTC)
    assert taker.received_ts == received


def test_positions_are_signed_and_balance_in_dollars() -> None:
    positions = [wire.position_from_kalshi(p) for p in load("positions.json")["market_positions"]]
    assert (positions[0].yes_contracts, positions[0].no_contracts) == (Decimal(1), Decimal(0))
    assert (positions[1].yes_contracts, positions[1].no_contracts) == (Decimal(0), Decimal("3.50"))
    assert wire.balance_from_kalshi(load("balance.json")) == Decimal("98.0186")
    assert wire.balance_from_kalshi({"balance": 9801}) == Decimal("98.01")


def test_times_in_every_wire_form() -> None:
    assert wire.parse_time(1781159370) == wire.parse_time(1781159370000)
    assert wire.parse_time("2026-06-11T06:29:30Z") == datetime(2026, 6, 11, 6, 29, 30, tzinfo=UTC)
    assert wire.parse_time("") is None
    with pytest.raises(VenueProtocolError):
        wire.parse_time("yesterday")


def test_a_fills_walk_goes_down_its_pages_then_starts_again_from_its_newest_second() -> None:
    def at(second: int) -> Fill:
        ts = datetime.fromtimestamp(second, UTC)
        return Fill(
            fill_id=FillId(f"f{second}"),
            market_id=MarketId(Venue.KALSHI, "M"),
            side=OrderSide.YES,
            price=Decimal("0.40"),
            quantity=Decimal(1),
            ts=ts,
        )

    start = wire.FillsCursor.parse(None)
    assert start == wire.FillsCursor(0, 0, None)
    middle = start.after([at(200), at(190)], "kalshi-page-2")  # newest first
    assert (
        wire.FillsCursor.parse(middle.text()) == middle == wire.FillsCursor(0, 200, "kalshi-page-2")
    )
    end = middle.after([at(100)], None)
    assert end.text() == "since:200"  # the second of the newest fill comes again
    assert wire.FillsCursor.parse(end.text()).after([], None).text() == "since:200"


@pytest.mark.parametrize("text", ["c29tZSBmaWxsIGlk", "since:", "since:x:1:p", ""])
def test_a_fills_cursor_it_did_not_write_walks_from_the_beginning(text: str) -> None:
    # a journal from before the since: cursors holds Kalshi's own page cursor
    assert wire.FillsCursor.parse(text) == wire.FillsCursor(0, 0, None)
