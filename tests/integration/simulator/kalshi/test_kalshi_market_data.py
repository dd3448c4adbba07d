"""Public market data: exchange status, markets with cursors and filters, order books."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx

from predmm.domain import MarketId, Venue
from predmm.simulator import Simulator
from predmm.simulator.kalshi import KalshiOptions, create_kalshi_app
from predmm.simulator.kalshi.testing import order_body

FED = "KXFEDDECISION-26DEC-C25"
BTC = "KXBTCMAX-26NOV30-T100000"


async def test_exchange_status(client: httpx.AsyncClient) -> None:
    body = (await client.get("/exchange/status")).json()
    assert (body["exchange_active"], body["trading_active"]) == (True, True)


async def test_markets_page_with_cursor_until_empty(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    tickers: list[str] = []
    cursor = ""
    for _ in range(10):
        page = (await client.get("/markets", params={"limit": 2, "cursor": cursor})).json()
        assert len(page["markets"]) <= 2
        tickers += [m["ticker"] for m in page["markets"]]
        cursor = page["cursor"]
        if cursor == "":
            break
    expected = sorted(m.market_id.symbol for m in sim.exchange.markets(Venue.KALSHI))
    assert tickers == expected
    garbage = await client.get("/markets", params={"cursor": "%%%not-a-cursor"})
    assert garbage.status_code == 200


async def test_markets_filters_and_limit_bounds(client: httpx.AsyncClient, sim: Simulator) -> None:
    by_event = (await client.get("/markets", params={"event_ticker": "KXFEDDECISION-26DEC"})).json()
    fed_event = ["KXFEDDECISION-26DEC-C25", "KXFEDDECISION-26DEC-H0", "KXFEDDECISION-26DEC-H25"]
    assert [m["ticker"] for m in by_event["markets"]] == fed_event
    by_tickers = (await client.get("/markets", params={"tickers": f"{FED},{BTC}"})).json()
    assert {m["ticker"] for m in by_tickers["markets"]} == {FED, BTC}
    sim.exchange.pause_market(MarketId(Venue.KALSHI, BTC))
    paused = (await client.get("/markets", params={"status": "paused"})).json()["markets"]
    assert [(m["ticker"], m["status"]) for m in paused] == [(BTC, "inactive")]
    too_many = await client.get("/markets", params={"limit": 1001})
    assert too_many.status_code == 400
    assert too_many.json()["msg"].startswith("Parameter validation failed for GetMarkets")
    bad_status = await client.get("/markets", params={"status": "nope"})
    assert bad_status.status_code == 400


async def test_single_market_fields(client: httpx.AsyncClient) -> None:
    market = (await client.get(f"/markets/{BTC}")).json()["market"]
    assert market["price_level_structure"] == "tapered_deci_cent"
    assert market["price_ranges"][0] == {"start": "0.0000", "end": "0.1000", "step": "0.0010"}
    assert (market["yes_bid_dollars"], market["yes_ask_dollars"]) == ("0.0000", "1.0000")
    assert market["status"] == "active"
    missing = await client.get("/markets/NOPE-1")
    assert missing.status_code == 404


async def test_orderbook_is_ascending_with_best_last(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    for price in ("0.3000", "0.4500", "0.4000"):
        assert (
            await client.post("/portfolio/events/orders", json=order_body(FED, price=price))
        ).status_code == 201
    for price in ("0.6000", "0.5500"):
        body = order_body(FED, side="ask", price=price, count="2")
        assert (await client.post("/portfolio/events/orders", json=body)).status_code == 201
    book = (await client.get(f"/markets/{FED}/orderbook")).json()["orderbook_fp"]
    assert [p for p, _ in book["yes_dollars"]] == ["0.3000", "0.4000", "0.4500"]
    # asks at 0.55 and 0.60 are NO bids at 0.45 and 0.40, in NO price, ascending
    assert book["no_dollars"] == [["0.4000", "2.00"], ["0.4500", "2.00"]]
    top = (await client.get(f"/markets/{FED}/orderbook", params={"depth": 1})).json()
    assert top["orderbook_fp"]["yes_dollars"] == [["0.4500", "10.00"]]
    market = (await client.get(f"/markets/{FED}")).json()["market"]
    assert (market["yes_bid_dollars"], market["yes_ask_dollars"]) == ("0.4500", "0.5500")
    books = (
        await client.get("/markets/orderbooks", params=[("tickers", FED), ("tickers", BTC)])
    ).json()
    assert [b["ticker"] for b in books["orderbooks"]] == [FED, BTC]
    assert (await client.get(f"/markets/{FED}/orderbook", params={"depth": 101})).status_code == 400


async def test_market_data_under_flow_conforms(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    busy = Simulator(seed=7, flow=True)
    busy.advance(120)
    app = create_kalshi_app(busy, KalshiOptions(tier="prestige"))
    async with make_client(app, busy.maker) as c:
        markets = (await c.get("/markets")).json()["markets"]
        assert any(m["volume_fp"] != "0.00" for m in markets)
        for m in markets:
            book = (await c.get(f"/markets/{m['ticker']}/orderbook")).json()["orderbook_fp"]
            for side in ("yes_dollars", "no_dollars"):
                prices = [Decimal(p) for p, _ in book[side]]
                assert prices == sorted(prices)
            if book["yes_dollars"] and book["no_dollars"]:
                best_bid = Decimal(book["yes_dollars"][-1][0])
                best_ask = 1 - Decimal(book["no_dollars"][-1][0])
                assert best_bid < best_ask  # never crossed
                assert m["yes_bid_dollars"] == book["yes_dollars"][-1][0]
