"""Polymarket payloads (Gamma, CLOB REST, websocket; the venue's example messages in
tests/fixtures/polymarket) into domain values, and HTTP outcomes into the exception tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from predmm.domain import (
    Action,
    AuthenticationError,
    ClientOrderId,
    Level,
    MarketId,
    MarketStatus,
    OrderSide,
    OrderStatus,
    RateLimited,
    TickSpec,
    Venue,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    FillReversed,
    OrderFilled,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
)
from predmm.platforms.polymarket import CAPABILITIES, MarketInfo, PolymarketPlatform
from predmm.platforms.polymarket import _parse as parse
from predmm.platforms.polymarket._errors import from_response
from predmm.platforms.polymarket._stream import MarketFeed, UserFeed, _channel_url, _messages
from predmm.platforms.venue import VenueClient

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
COND = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
YES = "65818619657568813474341868652308942079804919287380422192892211131408793125422"
NO = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
MID = MarketId(Venue.POLYMARKET, COND)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
API_KEY = "9180014b-33c8-9240-a14b-bdca11c0a465"


def _examples() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "fixtures" / "polymarket" / "example_messages.json"
    data: dict[str, Any] = json.loads(path.read_text(), parse_float=Decimal)
    return data


@pytest.fixture(scope="module")
def examples() -> dict[str, Any]:
    return _examples()


INFO = MarketInfo(market_id=MID, yes_token=YES, no_token=NO, tick=Decimal("0.01"))


def _gamma_row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "12345",
        "question": "Will it rain?",
        "conditionId": COND,
        "endDate": "2026-01-03T00:00:00Z",
        "outcomes": '["Yes", "No"]',
        "clobTokenIds": json.dumps([YES, NO]),
        "active": True,
        "closed": False,
        "acceptingOrders": True,
        "enableOrderBook": True,
        "orderPriceMinTickSize": Decimal("0.001"),
        "orderMinSize": 5,
        "liquidity": "15000.5",
        "liquidityNum": Decimal("15000.5"),
        "volume": "2500.25",
        "volumeNum": Decimal("2500.25"),
        "bestBid": Decimal("0.45"),
        "bestAsk": Decimal("0.47"),
        "negRisk": False,
        "events": [{"id": "777"}],
    }
    return row | kw


@pytest.fixture
def platform() -> PolymarketPlatform:
    p = PolymarketPlatform(
        private_key=DEV_KEY,
        api_key=API_KEY,
        api_secret="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        api_passphrase="very-secret-passphrase",
        clob_url="http://127.0.0.1:9",
    )
    p._remember(INFO)
    return p


def test_platform_satisfies_the_venue_protocol_and_hides_secrets(
    platform: PolymarketPlatform,
) -> None:
    assert isinstance(platform, VenueClient)
    text = repr(platform) + repr(platform.creds) + repr(platform.wallet)
    assert "very-secret-passphrase" not in text
    assert DEV_KEY[2:] not in text
    assert "AAAAAAAA" not in text


def test_capabilities() -> None:
    assert not CAPABILITIES.amend
    assert CAPABILITIES.post_only
    assert CAPABILITIES.dead_man_switch
    assert CAPABILITIES.max_batch_create == 15
    per_s = CAPABILITIES.write_tokens_per_s
    assert per_s / CAPABILITIES.order_tokens == 40
    assert per_s / CAPABILITIES.cancel_tokens == 80


# -- Gamma -----------------------------------------------------------------------------


def test_gamma_market() -> None:
    row = _gamma_row()
    info = parse.market_info_from_gamma(row)
    assert (info.yes_token, info.no_token, info.tick) == (YES, NO, Decimal("0.001"))
    assert info.min_size == 5
    assert info.market_id == MID
    market = parse.market_from_gamma(row, info, NOW)
    assert market.market_id == MarketId(Venue.POLYMARKET, COND)
    assert market.tick == TickSpec.polymarket("0.001")
    assert market.liquidity == Decimal("15000.5")
    assert market.volume == Decimal("2500.25")
    assert market.best_yes_bid == Decimal("0.45")
    assert market.status is MarketStatus.OPEN
    assert market.hours_to_close == 48.0
    assert market.title == "Will it rain?"
    assert market.event_id is not None
    assert market.event_id.value == "777"


def test_gamma_outcomes_in_other_order_and_status() -> None:
    info = parse.market_info_from_gamma(
        _gamma_row(outcomes='["No", "Yes"]', clobTokenIds=json.dumps([NO, YES]))
    )
    assert (info.yes_token, info.no_token) == (YES, NO)
    closed = parse.market_from_gamma(_gamma_row(closed=True), info)
    paused = parse.market_from_gamma(_gamma_row(acceptingOrders=False), info)
    assert closed.status is MarketStatus.CLOSED
    assert paused.status is MarketStatus.PAUSED


def test_gamma_bad_payloads_name_the_field() -> None:
    with pytest.raises(VenueProtocolError, match="conditionId"):
        parse.market_info_from_gamma({"outcomes": "[]"})
    with pytest.raises(VenueProtocolError, match="not binary"):
        parse.market_info_from_gamma(_gamma_row(outcomes='["A","B","C"]'))
    with pytest.raises(VenueProtocolError, match="clobTokenIds"):
        parse.market_info_from_gamma(_gamma_row(clobTokenIds="12"))


V2_COND = "0x01" + "ab" * 18 + "00" * 8 + "cd" * 4 + "00"
V2_YES, V2_NO = str(int(V2_COND, 16)), str(int(V2_COND, 16) + 1)


def test_a_protocol_v2_market_trades_its_position_ids() -> None:
    row = _gamma_row(
        conditionId=V2_COND,
        version="v2",
        positionIds=json.dumps([V2_YES, V2_NO]),
        clobTokenIds=None,
        negRisk=True,
    )
    info = parse.market_info_from_gamma(row)
    assert (info.yes_token, info.no_token) == (V2_YES, V2_NO)
    assert info.protocol == 2
    assert info.neg_risk
    assert info.conditional_asset_type == "CONDITIONAL-V2"
    flipped = parse.market_info_from_gamma(
        row | {"outcomes": '["No", "Yes"]', "positionIds": json.dumps([V2_NO, V2_YES])}
    )
    assert (flipped.yes_token, flipped.no_token) == (V2_YES, V2_NO)


def test_the_market_version_selects_its_ids() -> None:
    v1 = parse.market_info_from_gamma(_gamma_row(version="v1", positionIds='["1", "2"]'))
    assert (v1.yes_token, v1.protocol, v1.conditional_asset_type) == (YES, 1, "CONDITIONAL")
    assert parse.market_info_from_gamma(_gamma_row(version=None)).protocol == 1
    with pytest.raises(VenueProtocolError, match="positionIds"):
        parse.market_info_from_gamma(_gamma_row(version="v2"))
    with pytest.raises(VenueProtocolError, match="version 'v3' is unknown"):
        parse.market_info_from_gamma(_gamma_row(version="v3"))


# -- books -----------------------------------------------------------------------------


def test_rest_book_example(examples: dict[str, Any]) -> None:
    raw = examples["rest"]["GET /book?token_id=..."]["response_200"]
    yes = parse.token_book(raw)
    book = parse.order_book(MID, yes, parse.TokenBook())
    assert book.best_bid() == Decimal("0.45")
    assert book.best_ask() == Decimal("0.46")
    assert book.yes_bids[0] == Level(Decimal("0.45"), Decimal("100"))
    assert book.no_bids[0] == Level(Decimal("0.54"), Decimal("150"))


def test_mirrored_books_are_not_double_counted() -> None:
    yes = parse.TokenBook(bids=(Level(Decimal("0.40"), Decimal(10)),))
    no = parse.TokenBook(asks=(Level(Decimal("0.60"), Decimal(10)),))
    book = parse.order_book(MID, yes, no)
    assert book.yes_bids == (Level(Decimal("0.40"), Decimal(10)),)


def test_price_change_sets_the_aggregate_size() -> None:
    book = parse.TokenBook(bids=(Level(Decimal("0.4"), Decimal(10)),))
    book = parse.apply_price_change(book, "BUY", Decimal("0.4"), Decimal(3))
    book = parse.apply_price_change(book, "SELL", Decimal("0.6"), Decimal(5))
    assert book.bids == (Level(Decimal("0.4"), Decimal(3)),)
    assert parse.apply_price_change(book, "BUY", Decimal("0.4"), Decimal(0)).bids == ()


# -- orders and trades ---------------------------------------------------------------


def test_open_order_example(examples: dict[str, Any]) -> None:
    raw = examples["rest"]["GET /data/orders"]["response_200"]["data"][0] | {"asset_id": NO}
    order = parse.order_from_venue(raw, INFO, None, parse.units_or_shares)
    assert order.side is OrderSide.NO
    assert order.action is Action.BUY
    assert order.quantity == 100
    assert order.filled_quantity == 0
    assert order.status is OrderStatus.OPEN
    assert order.client_order_id.value == raw["id"]
    mine = parse.order_from_venue(
        raw | {"size_matched": "40000000"}, INFO, ClientOrderId("c1"), parse.units_or_shares
    )
    assert mine.status is OrderStatus.PARTIALLY_FILLED
    assert mine.filled_quantity == 40


def test_sizes_in_shares_or_fixed_point() -> None:
    assert parse.units_or_shares("10", "s") == 10
    assert parse.units_or_shares("219.217767", "s") == Decimal("219.217767")
    assert parse.units_or_shares("100000000", "s") == 100


def test_order_status_table() -> None:
    assert parse.order_status("ORDER_STATUS_CANCELED", Decimal(0), Decimal(5)) is (
        OrderStatus.CANCELLED
    )
    assert parse.order_status("MATCHED", Decimal(5), Decimal(5)) is OrderStatus.FILLED
    with pytest.raises(VenueProtocolError, match="WEIRD"):
        parse.order_status("WEIRD", Decimal(0), Decimal(1))


def _trade(examples: dict[str, Any], status: str, **kw: Any) -> dict[str, Any]:
    trade: dict[str, Any] = dict(examples["ws_user"]["trade"])
    maker = dict(trade["maker_orders"][0]) | {"asset_id": YES}
    return trade | {"status": status, "asset_id": YES, "maker_orders": [maker]} | kw


def test_trade_fills_taker_and_maker(examples: dict[str, Any]) -> None:
    me = parse.Account(api_key=API_KEY, address="0x0000000000000000000000000000000000000001")
    taker = parse.fills_from_trade(
        _trade(examples, "MATCHED"), {YES: INFO}.get, me, parse.units_or_shares
    )
    # the example has our key as taker and as maker owner
    assert [f.fill_id.value for f in taker] == [
        "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
        "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e:0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
    ]
    assert taker[0].is_taker
    assert taker[0].action is Action.BUY
    assert taker[0].provisional
    assert taker[1].action is Action.SELL
    assert taker[1].quantity == 10
    other = parse.Account(
        api_key="someone-else", address="0x0000000000000000000000000000000000000002"
    )
    assert (
        parse.fills_from_trade(
            _trade(examples, "MATCHED"), {YES: INFO}.get, other, parse.units_or_shares
        )
        == []
    )
    confirmed = parse.fills_from_trade(
        _trade(examples, "TRADE_STATUS_CONFIRMED"), {YES: INFO}.get, me, parse.units_or_shares
    )
    assert not any(f.provisional for f in confirmed)


def test_a_fill_we_took_carries_the_taker_fee_of_its_trade(examples: dict[str, Any]) -> None:
    """Takers pay ``size x rate x P(1 - P)`` (the trade's ``fee_rate_bps``), makers
    nothing: a fill we took without its fee overstates the journal's cash and PnL."""
    me = parse.Account(api_key=API_KEY, address="0x0000000000000000000000000000000000000001")
    trade = _trade(examples, "MATCHED", fee_rate_bps="700")  # 10 at 0.57, rate 0.07
    taker, maker = parse.fills_from_trade(trade, {YES: INFO}.get, me, parse.units_or_shares)
    assert taker.is_taker
    assert taker.fee == Decimal("0.171570")  # 10 x 0.07 x 0.57 x 0.43, half up to $0.000001
    assert maker.fee == 0
    free = _trade(examples, "MATCHED")  # fee_rate_bps "0"
    assert parse.fills_from_trade(free, {YES: INFO}.get, me, parse.units_or_shares)[0].fee == 0


# -- websocket feeds -----------------------------------------------------------------


def test_market_feed(platform: PolymarketPlatform, examples: dict[str, Any]) -> None:
    ws = examples["ws_market"]
    feed = MarketFeed(platform, [INFO])
    assert json.loads(feed.subscribe_message())["assets_ids"] == [YES, NO]
    assert feed.handle(ws["book"], NOW) == []  # NO token book still missing
    no_book = ws["book"] | {"asset_id": NO, "bids": [], "asks": []}
    (event,) = feed.handle(no_book, NOW)
    assert isinstance(event, BookUpdated)
    assert event.book.best_bid() == Decimal("0.50")
    assert event.book.best_ask() == Decimal("0.52")
    assert event.received_ts == NOW
    change = ws["price_change"] | {
        "market": COND,
        "price_changes": [ws["price_change"]["price_changes"][0] | {"asset_id": YES}],
    }
    (event,) = feed.handle(change, NOW)
    assert isinstance(event, BookUpdated)
    assert event.book.yes_bids[0] == Level(Decimal("0.5"), Decimal(200))

    (tick,) = feed.handle(ws["tick_size_change"], NOW)
    assert tick == TickSizeChanged(market_id=MID, tick=TickSpec.polymarket("0.001"))
    assert platform.known_market(YES).tick == Decimal("0.001")  # type: ignore[union-attr]
    assert feed.handle(ws["tick_size_change"], NOW) == []  # no change the second time

    trade = ws["last_trade_price"] | {"asset_id": NO}
    (printed,) = feed.handle(trade, NOW)
    assert isinstance(printed, TradePrinted)
    assert printed.price == Decimal("0.544")
    assert all(isinstance(e, BookInvalidated) for e in feed.invalidate("gap"))
    assert feed.handle({"event_type": "best_bid_ask"}, NOW) == []


def test_user_feed_order_and_trade_lifecycle(
    platform: PolymarketPlatform, examples: dict[str, Any]
) -> None:
    ws = examples["ws_user"]
    feed = UserFeed(platform, [INFO])
    sub = json.loads(feed.subscribe_message())
    assert sub["type"] == "user"
    assert sub["markets"] == [COND]
    assert sub["auth"]["apiKey"] == API_KEY
    (update,) = feed.handle(ws["order"] | {"asset_id": YES}, NOW)
    assert isinstance(update, OrderUpdated)
    assert update.status is OrderStatus.OPEN
    assert update.remaining_quantity == 10
    assert update.market_id == MID

    def events(status: str) -> list[Any]:
        return feed.handle(_trade(examples, status, owner="x", trader_side="MAKER"), NOW)

    (first,) = events("MATCHED")
    assert isinstance(first, OrderFilled)
    assert first.fill.provisional
    assert events("MINED") == []
    (final,) = events("CONFIRMED")
    assert isinstance(final, OrderFilled)
    assert not final.fill.provisional
    assert final.fill.fill_id == first.fill.fill_id
    assert events("CONFIRMED") == []

    feed2 = UserFeed(platform, [INFO])
    feed2.handle(_trade(examples, "MATCHED", owner="x", trader_side="MAKER"), NOW)
    (reversed_,) = feed2.handle(_trade(examples, "FAILED", owner="x", trader_side="MAKER"), NOW)
    assert isinstance(reversed_, FillReversed)


def test_ws_text_frames() -> None:
    assert _messages("PONG") == []
    assert _messages("not json") == []
    assert _messages('[{"event_type":"book"},{"event_type":"book"}]') == [
        {"event_type": "book"},
        {"event_type": "book"},
    ]
    assert _channel_url("ws://h/ws", "user") == "ws://h/ws/user"
    assert _channel_url("ws://h/ws/market", "user") == "ws://h/ws/user"


# -- errors ----------------------------------------------------------------------------


def _resp(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def test_error_mapping() -> None:
    auth = from_response("POST", "/order", _resp(401, {"error": "Invalid API key"}))
    assert isinstance(auth, AuthenticationError)
    assert "Invalid API key" in str(auth)
    limited = from_response("POST", "/order", _resp(429, {"error": "slow"}, {"Retry-After": "2"}))
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 2.0
    for status in (425, 500, 503):
        assert isinstance(from_response("POST", "/order", _resp(status, {})), VenueUnavailable)
    post_only = from_response(
        "POST",
        "/order",
        _resp(
            503, {"error": "post-only mode", "code": "post_only_mode", "retry_after_seconds": 79}
        ),
    )
    assert post_only.code == "post_only_mode"
    bad = from_response("POST", "/order", _resp(400, {"error": "Invalid order payload"}))
    assert type(bad) is VenueError
    assert bad.status == 400
    assert "Invalid order payload" in str(bad)


def test_a_taker_pays_the_trades_fee_rate_and_a_maker_nothing(examples: dict[str, Any]) -> None:
    me = parse.Account(api_key=API_KEY, address="0x0000000000000000000000000000000000000001")
    trade = _trade(examples, "MATCHED", fee_rate_bps="700", price="0.55", size="20")
    taker, maker = parse.fills_from_trade(trade, {YES: INFO}.get, me, parse.units_or_shares)
    # 20 x 0.07 x 0.55 x 0.45, as the simulator charges it (the venue's CLOB V2 formula)
    assert (taker.is_taker, taker.fee) == (True, Decimal("0.3465"))
    assert (maker.is_taker, maker.fee) == (False, Decimal(0))
    free = _trade(examples, "MATCHED", fee_rate_bps="0", price="0.55", size="20")
    assert parse.fills_from_trade(free, {YES: INFO}.get, me, parse.units_or_shares)[0].fee == 0
