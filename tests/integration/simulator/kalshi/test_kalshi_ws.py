"""The Kalshi websocket over real 127.0.0.1 sockets (hypercorn under trio): signed
upgrade, subscriptions, snapshot then deltas with per-sid seq, trades, ticker, fills,
lifecycle, and the fault plan's drops and sequence gaps. Every message received is
validated against asyncapi.yaml."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import attrs
import httpx
import pytest
import trio
from starlette.applications import Starlette
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    open_websocket_url,
)

from predmm.domain import MarketId, OrderSide, Venue
from predmm.simulator import Simulator, Trader
from predmm.simulator.faults import FaultKind
from predmm.simulator.kalshi import KalshiOptions, auth, create_kalshi_app
from predmm.simulator.kalshi.testing import kalshi_client, order_body, private_key
from predmm.simulator.server import SimulatorApps, serve

FED = "KXFEDDECISION-26DEC-C25"
BTC = "KXBTCMAX-26NOV30-T100000"
WS_PATH = "/trade-api/ws/v2"


@attrs.define
class Feed:
    """A websocket client that validates and records what it receives."""

    ws: WebSocketConnection
    checker: Any
    seen: list[dict[str, Any]] = attrs.field(factory=list)

    async def send(self, cmd: dict[str, Any]) -> None:
        await self.ws.send_message(json.dumps(cmd))

    async def next(self) -> dict[str, Any]:
        with trio.fail_after(5):
            msg = json.loads(await self.ws.get_message())
        self.checker.check(msg)
        self.seen.append(msg)
        return dict(msg)

    async def until(self, kind: str, limit: int = 50, **match: Any) -> dict[str, Any]:
        for _ in range(limit):
            msg = await self.next()
            if msg["type"] == kind and all(msg["msg"].get(k) == v for k, v in match.items()):
                return msg
        raise AssertionError(f"no {kind} {match} in {self.seen[-50:]}")


def _headers(trader: Trader) -> list[tuple[bytes, bytes]]:
    signed = auth.signed_headers(
        trader.kalshi_key.key_id, private_key(trader), int(time.time() * 1000), "GET", WS_PATH
    )
    return [(k.encode(), v.encode()) for k, v in signed.items()]


@pytest.fixture
async def served(sim: Simulator) -> AsyncIterator[tuple[Starlette, str]]:
    app = create_kalshi_app(sim, KalshiOptions(tier="prestige"))
    idle = Starlette()
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(
            lambda task_status: serve(
                sim,
                apps=SimulatorApps(kalshi=app, clob=idle, gamma=idle),
                step_s=None,
                task_status=task_status,
            )
        )
        yield app, urls.kalshi_ws_url
        nursery.cancel_scope.cancel()


async def _place(client: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    response = await client.post("/portfolio/events/orders", json=order_body(FED, **kw))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _seqs(feed: Feed, sid: int) -> list[int]:
    return [m["seq"] for m in feed.seen if m.get("sid") == sid and "seq" in m]


async def _upgrade(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Send a websocket upgrade by hand; the status and JSON body of a refusal."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    lines = [
        f"GET {WS_PATH} HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    data = b""
    async with await trio.open_tcp_stream(host, int(port)) as stream:
        await stream.send_all(("\r\n".join(lines) + "\r\n\r\n").encode())
        with trio.fail_after(5):
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
                chunk = await stream.receive_some()
                if not chunk:
                    break
                data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    return int(head.split()[1]), json.loads(body)


def _length(data: bytes) -> int:
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 1 << 30


async def test_unsigned_or_badly_signed_upgrade_is_refused_with_401(
    served: tuple[Starlette, str], rsa_key: Any, sim: Simulator
) -> None:
    _, url = served
    now = int(time.time() * 1000)
    bad = auth.signed_headers(sim.maker.kalshi_key.key_id, rsa_key, now, "GET", WS_PATH)
    stale = auth.signed_headers(
        sim.maker.kalshi_key.key_id, private_key(sim.maker), now - 60_000, "GET", WS_PATH
    )
    expected = [
        "signature_is_missing_from_headers",
        "authentication_error",
        "header_timestamp_expired",
    ]
    for headers, code in zip(({}, bad, stale), expected, strict=True):
        status, body = await _upgrade(url, headers)
        assert status == 401
        assert body["error"]["code"] == code


async def test_snapshot_then_deltas_trades_ticker_and_fills(
    served: tuple[Starlette, str], sim: Simulator, other: Trader, ws_conformance: Any
) -> None:
    app, url = served
    async with (
        kalshi_client(app, sim.maker) as maker,
        kalshi_client(app, other) as taker,
        open_websocket_url(url, extra_headers=_headers(sim.maker)) as ws,
    ):
        feed = Feed(ws, ws_conformance)
        await _place(maker, price="0.4000", count="5")
        await feed.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {
                    "channels": [
                        "orderbook_delta",
                        "trade",
                        "ticker",
                        "fill",
                        "user_orders",
                        "market_positions",
                    ],
                    "market_tickers": [FED],
                },
            }
        )
        subscribed = await feed.next()
        assert subscribed == {
            "type": "subscribed",
            "id": 1,
            "msg": {"channel": "orderbook_delta", "sid": 1},
        }
        snapshot = await feed.next()
        assert (snapshot["type"], snapshot["sid"], snapshot["seq"]) == ("orderbook_snapshot", 1, 1)
        assert snapshot["msg"]["yes_dollars_fp"] == [["0.4000", "5.00"]]
        assert "no_dollars_fp" not in snapshot["msg"]
        sids = {}
        for _ in range(5):
            msg = await feed.next()
            sids[msg["msg"]["channel"]] = msg["msg"]["sid"]
        assert sids == {"trade": 2, "ticker": 3, "fill": 4, "user_orders": 5, "market_positions": 6}

        await _place(maker, price="0.4200", count="3", client_order_id="mm-2")
        delta = await feed.until("orderbook_delta")
        assert delta["msg"]["client_order_id"] == "mm-2"  # our own order made this change
        assert (delta["seq"], delta["msg"]["price_dollars"], delta["msg"]["delta_fp"]) == (
            2,
            "0.4200",
            "3.00",
        )
        assert delta["msg"]["side"] == "yes"

        await _place(taker, side="ask", price="0.4000", count="4", tif="immediate_or_cancel")
        trade = await feed.until("trade")
        assert trade["msg"]["taker_book_side"] == "ask"
        fill = await feed.until("fill")
        assert (fill["msg"]["is_taker"], fill["msg"]["book_side"]) == (False, "bid")
        assert fill["sid"] == 4
        position = await feed.until("market_position")
        assert position["msg"]["position_fp"] == "3.00"  # the first fill: 3 at 0.42
        updated = await feed.until("user_order", client_order_id="mm-2")
        assert (updated["msg"]["status"], updated["msg"]["fill_count_fp"]) == ("executed", "3.00")

        await feed.send(
            {
                "id": 2,
                "cmd": "update_subscription",
                "params": {"sids": [1], "market_tickers": [BTC], "action": "add_markets"},
            }
        )
        ok = await feed.until("ok")
        assert ok["msg"]["market_tickers"] == [BTC, FED]
        btc = await feed.until("orderbook_snapshot", market_ticker=BTC)
        assert "yes_dollars_fp" not in btc["msg"]

        await feed.send(
            {
                "id": 3,
                "cmd": "update_subscription",
                "params": {"sid": 1, "market_tickers": [BTC], "action": "delete_markets"},
            }
        )
        assert (await feed.until("ok"))["msg"]["market_tickers"] == [FED]
        await feed.send({"id": 4, "cmd": "unsubscribe", "params": {"sids": [2, 99]}})
        unsub = await feed.until("unsubscribed")
        assert unsub["sid"] == 2
        err = await feed.until("error")
        assert err["msg"]["code"] == 7
        await feed.send({"id": 5, "cmd": "list_subscriptions"})
        listed = await feed.until("ok")
        assert {s["sid"] for s in listed["msg"]} == {1, 3, 4, 5, 6}
        await feed.send({"id": 6, "cmd": "frobnicate", "params": {}})
        assert (await feed.until("error"))["msg"]["code"] == 5

        for sid in (1, 2):
            seqs = _seqs(feed, sid)
            assert seqs == list(range(1, len(seqs) + 1)), (sid, seqs)
        assert any(m["type"] == "ticker" for m in feed.seen)


async def test_lifecycle_events(
    served: tuple[Starlette, str], sim: Simulator, ws_conformance: Any
) -> None:
    _, url = served
    async with open_websocket_url(url, extra_headers=_headers(sim.maker)) as ws:
        feed = Feed(ws, ws_conformance)
        await feed.send(
            {"id": 1, "cmd": "subscribe", "params": {"channels": ["market_lifecycle_v2"]}}
        )
        await feed.until("subscribed")
        market = MarketId(Venue.KALSHI, FED)
        sim.exchange.pause_market(market)
        assert (await feed.next())["msg"]["event_type"] == "deactivated"
        sim.exchange.resume_market(market)
        assert (await feed.next())["msg"]["event_type"] == "activated"
        sim.exchange.settle_market(market, OrderSide.YES)
        determined = await feed.next()
        assert (determined["msg"]["event_type"], determined["msg"]["result"]) == (
            "determined",
            "yes",
        )
        assert (await feed.next())["msg"]["event_type"] == "settled"
        assert _seqs(feed, 1) == [1, 2, 3, 4]


async def test_fault_plan_skips_duplicates_and_drops(
    served: tuple[Starlette, str], sim: Simulator, ws_conformance: Any
) -> None:
    app, url = served
    async with (
        kalshi_client(app, sim.maker) as maker,
        open_websocket_url(url, extra_headers=_headers(sim.maker)) as ws,
    ):
        feed = Feed(ws, ws_conformance)
        await feed.send(
            {
                "id": 1,
                "cmd": "subscribe",
                "params": {"channels": ["orderbook_delta"], "market_ticker": FED},
            }
        )
        await feed.until("orderbook_snapshot")
        sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_SKIP_SEQ, "orderbook_delta")
        await _place(maker, price="0.3000", count="1")
        assert (await feed.until("orderbook_delta"))["seq"] == 3  # 2 was skipped
        sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_DUPLICATE, "orderbook_delta")
        await _place(maker, price="0.3100", count="1")
        first, second = await feed.next(), await feed.next()
        assert first == second
        assert first["seq"] == 4
        await feed.send(
            {"id": 2, "cmd": "update_subscription", "params": {"sid": 1, "action": "get_snapshot"}}
        )
        fresh = await feed.until("orderbook_snapshot")
        assert (fresh["id"], fresh["seq"]) == (2, 5)
        sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_DROP, "orderbook_delta")
        await _place(maker, price="0.3200", count="1")
        with pytest.raises(ConnectionClosed), trio.fail_after(5):
            await ws.get_message()
        assert ws.closed is not None
        assert ws.closed.code == 1011
        # trio-websocket 0.12 leaves its TCP stream open when the server closes first
        await ws._stream.aclose()


async def test_messages_under_flow_conform_and_stay_in_sequence(ws_conformance: Any) -> None:
    busy = Simulator(seed=5, flow=True)
    tickers = [m.market_id.symbol for m in busy.exchange.markets(Venue.KALSHI)]
    app = create_kalshi_app(busy, KalshiOptions(tier="prestige"))
    idle = Starlette()
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(
            lambda task_status: serve(
                busy,
                apps=SimulatorApps(kalshi=app, clob=idle, gamma=idle),
                step_s=None,
                task_status=task_status,
            )
        )
        async with open_websocket_url(urls.kalshi_ws_url, extra_headers=_headers(busy.maker)) as ws:
            feed = Feed(ws, ws_conformance)
            channels = ["orderbook_delta", "trade", "ticker", "market_lifecycle_v2"]
            await feed.send(
                {
                    "id": 1,
                    "cmd": "subscribe",
                    "params": {"channels": channels, "market_tickers": tickers},
                }
            )
            for _ in range(4 + len(tickers)):
                await feed.next()  # subscribed x4 and one snapshot per market
            busy.advance(30)
            await feed.until("trade", limit=10_000)
            await feed.send({"id": 2, "cmd": "list_subscriptions"})
            await feed.until("ok", limit=10_000)
        nursery.cancel_scope.cancel()
    assert _seqs(feed, 1) == list(range(1, len(_seqs(feed, 1)) + 1))
    assert _seqs(feed, 2) == list(range(1, len(_seqs(feed, 2)) + 1))
    assert {"orderbook_delta", "trade", "ticker"} <= set(ws_conformance.checked)


async def test_default_app_served_by_running_simulator(ws_conformance: Any) -> None:
    from predmm.simulator.kalshi import KalshiAuth
    from predmm.simulator.testing import running_simulator

    async with running_simulator(seed=3) as running:
        endpoint = running.kalshi
        maker = running.sim.maker
        signer = KalshiAuth(endpoint.key_id, private_key(maker))
        async with httpx.AsyncClient(base_url=endpoint.base_url, auth=signer) as http:
            created = await http.post("/portfolio/events/orders", json=order_body(FED, count="2"))
            assert created.status_code == 201
            listed = (await http.get("/portfolio/orders")).json()["orders"]
            assert [o["order_id"] for o in listed] == [created.json()["order_id"]]
        async with open_websocket_url(endpoint.ws_url, extra_headers=_headers(maker)) as ws:
            feed = Feed(ws, ws_conformance)
            await feed.send(
                {
                    "id": 1,
                    "cmd": "subscribe",
                    "params": {"channels": ["orderbook_delta"], "market_tickers": [FED]},
                }
            )
            snapshot = await feed.until("orderbook_snapshot")
            assert snapshot["msg"]["yes_dollars_fp"] == [["0.4000", "2.00"]]


async def test_an_order_group_trips_on_a_fill_burst_and_says_so(
    served: tuple[Starlette, str], sim: Simulator, other: Trader, ws_conformance: Any
) -> None:
    """A group of 5 contracts: 6 filled within 15 s trip it; its other order is cancelled
    at once, ``order_group_updates`` says ``triggered``, a new order into it gets 409
    until the reset."""
    app, url = served
    async with (
        kalshi_client(app, sim.maker) as maker,
        kalshi_client(app, other) as taker,
        open_websocket_url(url, extra_headers=_headers(sim.maker)) as ws,
    ):
        feed = Feed(ws, ws_conformance)
        channels = ["order_group_updates", "user_orders"]
        await feed.send({"id": 1, "cmd": "subscribe", "params": {"channels": channels}})
        for channel in channels:
            assert (await feed.until("subscribed", channel=channel))["id"] == 1
        created = await maker.post("/portfolio/order_groups/create", json={"contracts_limit": 5})
        gid = created.json()["order_group_id"]
        made = await feed.until("order_group_updates")
        assert (made["msg"]["event_type"], made["msg"]["contracts_limit_fp"]) == ("created", "5.00")
        bid = await _place(maker, price="0.4000", count="6", order_group_id=gid)
        low = await _place(maker, price="0.3000", count="2", order_group_id=gid)
        await _place(taker, side="ask", price="0.4000", count="6", tif="immediate_or_cancel")
        tripped = await feed.until("order_group_updates", event_type="triggered")
        assert tripped["msg"]["order_group_id"] == gid
        assert "contracts_limit_fp" not in tripped["msg"]
        gone = await maker.get(f"/portfolio/orders/{low['order_id']}")
        assert gone.json()["order"]["status"] == "canceled"
        assert gone.json()["order"]["order_group_id"] == gid
        filled = await maker.get(f"/portfolio/orders/{bid['order_id']}")
        assert filled.json()["order"]["status"] == "executed"
        body = order_body(FED, price="0.3000", count="1", order_group_id=gid)
        refused = await maker.post("/portfolio/events/orders", json=body)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "order_group_triggered"
        group = (await maker.get(f"/portfolio/order_groups/{gid}")).json()
        assert group["orders"] == []
        assert (await maker.put(f"/portfolio/order_groups/{gid}/reset")).status_code == 200
        await feed.until("order_group_updates", event_type="reset")
        again = await maker.post("/portfolio/events/orders", json=body)
        assert again.status_code == 201
        group = (await maker.get(f"/portfolio/order_groups/{gid}")).json()
        assert group["orders"] == [again.json()["order_id"]]
        for sid in {m["sid"] for m in feed.seen if m["type"] == "order_group_updates"}:
            seqs = _seqs(feed, sid)
            assert seqs == list(range(1, len(seqs) + 1))


async def test_a_trading_pause_cancels_the_cancel_on_pause_orders(
    served: tuple[Starlette, str], sim: Simulator
) -> None:
    """Kalshi's maintenance: ``trading_active`` false, a placement answered 409
    ``trading_is_paused``, the orders placed with ``cancel_order_on_pause`` cancelled,
    the others resting and still cancellable."""
    app, _ = served
    async with kalshi_client(app, sim.maker) as maker:
        flagged = await _place(maker, price="0.4000", count="2", cancel_order_on_pause=True)
        plain = await _place(maker, price="0.3900", count="2")
        now = sim.clock.timestamp()
        sim.faults.schedule_trading_pause(Venue.KALSHI, now + 1, 60)
        sim.advance(2)
        status = (await maker.get("/exchange/status")).json()
        assert status["trading_active"] is False
        refused = await maker.post("/portfolio/events/orders", json=order_body(FED))
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "trading_is_paused")
        orders = {o["order_id"]: o for o in (await maker.get("/portfolio/orders")).json()["orders"]}
        assert orders[flagged["order_id"]]["status"] == "canceled"
        assert orders[flagged["order_id"]]["cancel_order_on_pause"] is True
        assert orders[plain["order_id"]]["status"] == "resting"
        cancelled = await maker.delete(f"/portfolio/events/orders/{plain['order_id']}")
        assert cancelled.status_code == 200
        sim.advance(60)
        assert (await maker.get("/exchange/status")).json()["trading_active"] is True
        await _place(maker, price="0.3800", count="1")
