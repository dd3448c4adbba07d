"""The CLOB websockets over 127.0.0.1: market channel and user channel."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import trio
from trio_websocket import ConnectionClosed, open_websocket_url

from predmm.domain import OrderSide, TickSpec
from predmm.simulator.polymarket import _shapes


async def _next(ws: Any, event_type: str | None = None) -> dict[str, Any]:
    with trio.fail_after(5):
        while True:
            message = json.loads(await ws.get_message())
            if event_type is None or message["event_type"] == event_type:
                return dict(message)


async def test_market_channel_book_then_price_change(served: Any, mkt: Any) -> None:
    poly = served.client
    await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "10"))
    async with open_websocket_url(served.market_ws) as ws:
        await ws.send_message(json.dumps({"assets_ids": [mkt.yes], "type": "market"}))
        book = await _next(ws)
        assert book["event_type"] == "book"
        assert book["asset_id"] == mkt.yes
        assert book["market"] == mkt.condition_id
        assert book["bids"] == [{"price": "0.4", "size": "10"}]
        assert book["asks"] == []
        rest = (await poly.http.get("/book", params={"token_id": mkt.yes})).json()
        assert book["hash"] == rest["hash"]
        await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.42", "5"))
        change = await _next(ws)
        assert change["event_type"] == "price_change"
        assert change["market"] == mkt.condition_id
        mine = next(c for c in change["price_changes"] if c["asset_id"] == mkt.yes)
        assert mine | {"hash": ""} == {
            "asset_id": mkt.yes, "price": "0.42", "size": "5", "side": "BUY", "hash": "",
            "best_bid": "0.42", "best_ask": "1",
        }  # fmt: skip
        rest = (await poly.http.get("/book", params={"token_id": mkt.yes})).json()
        assert mine["hash"] == rest["hash"] == _shapes.book_hash(rest)
        other = next(c for c in change["price_changes"] if c["asset_id"] == mkt.no)
        assert other["side"] == "SELL"
        assert other["price"] == "0.58"
        await ws.send_message("PING")
        with trio.fail_after(5):
            assert await ws.get_message() == "PONG"
        served.sim.exchange.change_tick(mkt.market_id, TickSpec.polymarket("0.001"))
        tick = await _next(ws, "tick_size_change")
        assert tick["old_tick_size"] == "0.01"
        assert tick["new_tick_size"] == "0.001"
        assert tick["asset_id"] == mkt.yes
        other_trader = served.sim.create_trader("taker", cash=Decimal(100))
        served.sim.exchange.place_order(
            other_trader.polymarket_account, mkt.market_id, OrderSide.NO, Decimal("0.58"),
            Decimal(5),
        )  # fmt: skip
        last = await _next(ws, "last_trade_price")
        assert last["price"] == "0.42"
        assert last["size"] == "5"
        assert last["side"] == "SELL"
        after = await _next(ws, "book")
        assert after["bids"] == [{"price": "0.4", "size": "10"}]


async def test_user_channel_orders_and_trades(served: Any, mkt: Any) -> None:
    poly, sim = served.client, served.sim
    key = poly.key
    auth = {"apiKey": key.api_key, "secret": key.secret, "passphrase": key.passphrase}
    async with open_websocket_url(served.user_ws) as ws:
        await ws.send_message(
            json.dumps({"auth": auth, "type": "user", "markets": [mkt.condition_id]})
        )
        placed = (
            await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "10"))
        ).json()
        order = await _next(ws, "order")
        assert order["type"] == "PLACEMENT"
        assert order["id"] == placed["orderID"]
        assert order["owner"] == key.api_key
        assert order["status"] == "LIVE"
        assert order["original_size"] == "10"
        assert order["price"] == "0.4"
        taker = sim.create_trader("taker", cash=Decimal(100))
        sim.exchange.place_order(
            taker.polymarket_account, mkt.market_id, OrderSide.NO, Decimal("0.60"), Decimal(6)
        )
        trade = await _next(ws, "trade")
        assert trade["status"] == "MATCHED"
        assert trade["trader_side"] == "MAKER"
        assert trade["maker_orders"][0]["order_id"] == placed["orderID"]
        assert trade["maker_orders"][0]["matched_amount"] == "6"
        update = await _next(ws, "order")
        assert update["type"] == "UPDATE"
        assert update["size_matched"] == "6"
        sim.advance(2.5)
        assert (await _next(ws, "trade"))["status"] == "MINED"
        sim.advance(2.5)
        confirmed = await _next(ws, "trade")
        assert confirmed["status"] == "CONFIRMED"
        assert confirmed["id"] == trade["id"]
        await poly.call("DELETE", "/order", {"orderID": placed["orderID"]})
        gone = await _next(ws, "order")
        assert gone["type"] == "CANCELLATION"
        assert gone["status"] == "CANCELED"


async def test_user_channel_refuses_bad_auth(served: Any) -> None:
    key = served.client.key
    auth = {"apiKey": key.api_key, "secret": "wrong", "passphrase": key.passphrase}
    async with open_websocket_url(served.user_ws) as ws:
        await ws.send_message(json.dumps({"auth": auth, "type": "user"}))
        with trio.fail_after(5), pytest.raises(ConnectionClosed) as closed:
            await ws.get_message()
        assert closed.value.reason.code == 1008
        # trio-websocket 0.12 leaves its TCP stream open when the server closes first
        await ws._stream.aclose()


async def test_ws_drop_fault_closes_the_market_channel(served: Any, mkt: Any) -> None:
    from predmm.domain import Venue
    from predmm.simulator.faults import FaultKind

    poly = served.client
    served.sim.faults.ws_fault(Venue.POLYMARKET, FaultKind.WS_DROP, "price_change")
    async with open_websocket_url(served.market_ws) as ws:
        await ws.send_message(json.dumps({"assets_ids": [mkt.yes], "type": "market"}))
        assert (await _next(ws))["event_type"] == "book"
        await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "10"))
        with trio.fail_after(5), pytest.raises(ConnectionClosed):
            await ws.get_message()
        await ws._stream.aclose()  # trio-websocket 0.12 keeps it open after a server close
