"""Conformance: one session that calls every route the Kalshi front end serves, on its
happy path and its error paths; every response is validated against openapi.yaml by the
``conformance`` fixture (openapi-core), and the test asserts which (route, status)
pairs were validated, so a route nobody checks cannot slip in."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from starlette.applications import Starlette

from predmm.simulator import Simulator
from predmm.simulator.kalshi import OPS, KalshiAuth, KalshiOptions, create_kalshi_app
from predmm.simulator.kalshi.testing import order_body, private_key

FED = "KXFEDDECISION-26DEC-C25"
BTC = "KXBTCMAX-26NOV30-T100000"
UNKNOWN = "3b23c1c7-f4ef-4f0d-8b9a-9e53c61f1a0d"

# what the spec declares for the operation, validated with openapi-core
DECLARED = {
    ("GET", "/exchange/status", 200),
    ("GET", "/account/limits", 200),
    ("GET", "/account/limits", 401),
    ("GET", "/account/endpoint_costs", 200),
    ("GET", "/markets", 200),
    ("GET", "/markets", 400),
    ("GET", "/markets/orderbooks", 200),
    ("GET", "/markets/orderbooks", 400),
    ("GET", "/markets/{ticker}", 200),
    ("GET", "/markets/{ticker}", 404),
    ("GET", "/markets/{ticker}/orderbook", 200),
    ("GET", "/markets/{ticker}/orderbook", 404),
    ("GET", "/events", 200),
    ("GET", "/events", 400),
    ("GET", "/events/{event_ticker}", 200),
    ("GET", "/events/{event_ticker}", 404),
    ("GET", "/incentive_programs", 200),
    ("GET", "/incentive_programs", 400),
    ("POST", "/portfolio/events/orders", 201),
    ("POST", "/portfolio/events/orders", 400),
    ("POST", "/portfolio/events/orders", 401),
    ("POST", "/portfolio/events/orders", 409),
    ("POST", "/portfolio/events/orders", 429),
    ("POST", "/portfolio/events/orders", 500),
    ("POST", "/portfolio/events/orders", 503),
    ("DELETE", "/portfolio/events/orders", 204),
    ("DELETE", "/portfolio/events/orders", 401),
    ("POST", "/portfolio/events/orders/batched", 201),
    ("POST", "/portfolio/events/orders/batched", 400),
    ("DELETE", "/portfolio/events/orders/batched", 200),
    ("DELETE", "/portfolio/events/orders/batched", 400),
    ("DELETE", "/portfolio/events/orders/{order_id}", 200),
    ("DELETE", "/portfolio/events/orders/{order_id}", 404),
    ("POST", "/portfolio/events/orders/{order_id}/amend", 200),
    ("POST", "/portfolio/events/orders/{order_id}/amend", 400),
    ("POST", "/portfolio/events/orders/{order_id}/amend", 404),
    ("POST", "/portfolio/events/orders/{order_id}/decrease", 200),
    ("POST", "/portfolio/events/orders/{order_id}/decrease", 400),
    ("POST", "/portfolio/events/orders/{order_id}/decrease", 404),
    ("GET", "/portfolio/orders", 200),
    ("GET", "/portfolio/orders", 400),
    ("GET", "/portfolio/orders", 401),
    ("GET", "/portfolio/orders/{order_id}", 200),
    ("GET", "/portfolio/orders/{order_id}", 404),
    ("GET", "/portfolio/fills", 200),
    ("GET", "/portfolio/fills", 401),
    ("GET", "/portfolio/positions", 200),
    ("GET", "/portfolio/positions", 400),
    ("GET", "/portfolio/balance", 200),
    ("GET", "/portfolio/balance", 401),
    ("GET", "/portfolio/settlements", 200),
    ("GET", "/portfolio/settlements", 401),
    ("GET", "/portfolio/order_groups", 200),
    ("GET", "/portfolio/order_groups", 400),
    ("GET", "/portfolio/order_groups", 401),
    ("POST", "/portfolio/order_groups/create", 201),
    ("POST", "/portfolio/order_groups/create", 400),
    ("GET", "/portfolio/order_groups/{order_group_id}", 200),
    ("GET", "/portfolio/order_groups/{order_group_id}", 404),
    ("DELETE", "/portfolio/order_groups/{order_group_id}", 200),
    ("DELETE", "/portfolio/order_groups/{order_group_id}", 404),
    ("PUT", "/portfolio/order_groups/{order_group_id}/reset", 200),
    ("PUT", "/portfolio/order_groups/{order_group_id}/reset", 404),
    ("PUT", "/portfolio/order_groups/{order_group_id}/trigger", 200),
    ("PUT", "/portfolio/order_groups/{order_group_id}/trigger", 404),
    ("PUT", "/portfolio/order_groups/{order_group_id}/limit", 200),
    ("PUT", "/portfolio/order_groups/{order_group_id}/limit", 400),
    ("PUT", "/portfolio/order_groups/{order_group_id}/limit", 404),
}
# answers the spec does not list for the operation: checked against ErrorResponse
UNDECLARED = {
    ("POST", "/portfolio/orders", 410),
    ("POST", "/portfolio/orders/batched", 410),
    ("DELETE", "/portfolio/orders/batched", 410),
    ("DELETE", "/portfolio/orders/{order_id}", 410),
    ("POST", "/portfolio/orders/{order_id}/amend", 410),
    ("POST", "/portfolio/orders/{order_id}/decrease", 410),
    ("POST", "/portfolio/events/orders", 404),  # unknown ticker
    ("POST", "/portfolio/events/orders", 504),  # ambiguous submit
    ("GET", "/markets", 429),
    ("DELETE", "/portfolio/events/orders/{order_id}", 503),  # engine restart
}


async def _exercise(c: httpx.AsyncClient, anonymous: httpx.AsyncClient, sim: Simulator) -> None:
    from predmm.domain import Venue

    faults = sim.faults
    # market data and account
    await c.get("/exchange/status")
    await c.get("/account/limits")
    await anonymous.get("/account/limits")
    await anonymous.get("/account/endpoint_costs")
    await c.get("/markets", params={"limit": 2})
    await c.get("/markets", params={"limit": 5000})
    await c.get("/markets/orderbooks", params=[("tickers", FED), ("tickers", BTC)])
    await c.get("/markets/orderbooks")
    await c.get(f"/markets/{FED}")
    await c.get("/markets/NOPE")
    await c.get("/markets/NOPE/orderbook")
    await c.get(f"/markets/{FED}/orderbook", params={"depth": 5})
    await c.get("/events", params={"tickers": "KXFEDDECISION-26DEC", "with_nested_markets": True})
    await c.get("/events", params={"status": "bogus"})
    await c.get("/events/KXFEDDECISION-26DEC")
    await c.get("/events/NOPE")
    await anonymous.get("/incentive_programs", params={"status": "active", "limit": 1})
    await anonymous.get("/incentive_programs", params={"type": "liquidity"})
    await anonymous.get("/incentive_programs", params={"status": "bogus"})
    # writes: happy paths
    resting = (
        await c.post("/portfolio/events/orders", json=order_body(FED, client_order_id="r"))
    ).json()
    taker_body = order_body(FED, side="ask", price="0.3000", count="4", tif="immediate_or_cancel")
    await c.post(
        "/portfolio/events/orders", json={**taker_body, "self_trade_prevention_type": "maker"}
    )
    batch = {
        "orders": [
            order_body(FED, price="0.2000"),
            order_body(BTC, price="0.0450"),
            order_body(FED, price="0.2001"),
        ]
    }
    created = (await c.post("/portfolio/events/orders/batched", json=batch)).json()["orders"]
    oid = created[0]["order_id"]
    await c.post(
        f"/portfolio/events/orders/{oid}/amend",
        json={"ticker": FED, "side": "bid", "price": "0.2100", "count": "12"},
    )
    await c.post(f"/portfolio/events/orders/{oid}/decrease", json={"reduce_to": "5"})
    await c.request(
        "DELETE",
        "/portfolio/events/orders/batched",
        json={"orders": [{"order_id": oid}, {"order_id": UNKNOWN}]},
    )
    await c.delete(f"/portfolio/events/orders/{created[1]['order_id']}")
    # writes: errors
    await c.post("/portfolio/events/orders", json={**order_body(FED), "count": 5})
    await c.post("/portfolio/events/orders", json=order_body(FED, client_order_id="r"))
    await c.post("/portfolio/events/orders", json=order_body("NOPE"))
    await anonymous.post("/portfolio/events/orders", json=order_body(FED))
    await c.post("/portfolio/events/orders/batched", json={"orders": "x"})
    await c.request(
        "DELETE", "/portfolio/events/orders/batched", json={"orders": [{"order_id": 5}]}
    )
    await c.delete(f"/portfolio/events/orders/{UNKNOWN}")
    await c.post(
        f"/portfolio/events/orders/{UNKNOWN}/amend",
        json={"ticker": FED, "side": "bid", "price": "0.2", "count": "1"},
    )
    await c.post(f"/portfolio/events/orders/{resting['order_id']}/amend", json={"ticker": FED})
    await c.post(f"/portfolio/events/orders/{UNKNOWN}/decrease", json={"reduce_by": "1"})
    await c.post(f"/portfolio/events/orders/{resting['order_id']}/decrease", json={})
    # reads
    await c.get("/portfolio/orders", params={"limit": 1})
    await c.get("/portfolio/orders", params={"limit": 0})
    await anonymous.get("/portfolio/orders")
    await c.get(f"/portfolio/orders/{resting['order_id']}")
    await c.get(f"/portfolio/orders/{UNKNOWN}")
    await c.get("/portfolio/fills", params={"limit": 1})
    await anonymous.get("/portfolio/fills")
    await c.get("/portfolio/positions", params={"settlement_status": "all"})
    await c.get("/portfolio/positions", params={"settlement_status": "bogus"})
    await c.get("/portfolio/balance")
    await anonymous.get("/portfolio/balance")
    await _order_groups(c, anonymous, sim)
    # faults
    faults.fail_next(Venue.KALSHI, "POST /portfolio/events/orders", status=429)
    await c.post("/portfolio/events/orders", json=order_body(FED))
    faults.fail_next(Venue.KALSHI, "POST /portfolio/events/orders", status=500)
    await c.post("/portfolio/events/orders", json=order_body(FED))
    faults.fail_next(Venue.KALSHI, "GET /markets", status=429)
    await c.get("/markets")
    faults.ambiguous_next(Venue.KALSHI, "POST /portfolio/events/orders")
    await c.post("/portfolio/events/orders", json=order_body(FED, price="0.1000"))
    faults.engine_restart(Venue.KALSHI, 30)
    await c.post("/portfolio/events/orders", json=order_body(FED))
    await c.delete(f"/portfolio/events/orders/{resting['order_id']}")
    faults.clear()
    # legacy V1 writes
    for method, path in (
        ("POST", "/portfolio/orders"),
        ("POST", "/portfolio/orders/batched"),
        ("DELETE", "/portfolio/orders/batched"),
        ("DELETE", f"/portfolio/orders/{UNKNOWN}"),
        ("POST", f"/portfolio/orders/{UNKNOWN}/amend"),
        ("POST", f"/portfolio/orders/{UNKNOWN}/decrease"),
    ):
        await c.request(method, path, json={})
    await c.delete("/portfolio/events/orders")
    await anonymous.delete("/portfolio/events/orders")
    # a settlement of a market the account holds (last: the market is gone after it)
    await _settle_held(c, sim)
    await c.get("/portfolio/settlements", params={"limit": 10})
    await c.get("/portfolio/settlements", params={"ticker": BTC, "min_ts": 1})
    await anonymous.get("/portfolio/settlements")


async def _order_groups(c: httpx.AsyncClient, anonymous: httpx.AsyncClient, sim: Simulator) -> None:
    """Order groups, an order placed into one and its expiration renewed, the group
    tripped (an order into it refused), reset, its limit changed, deleted; a trading
    pause refusing a placement."""
    from predmm.domain import Venue

    group = (await c.post("/portfolio/order_groups/create", json={"contracts_limit": 5})).json()
    gid = group["order_group_id"]
    await c.post("/portfolio/order_groups/create", json={"contracts_limit_fp": "2.50"})
    await c.get("/portfolio/order_groups")
    await c.get("/portfolio/order_groups", params={"subaccount": 99})
    await anonymous.get("/portfolio/order_groups")
    body = {**order_body(FED, price="0.1500", count="2"), "order_group_id": gid}
    expires = int(sim.clock.timestamp()) + 60
    placed = await c.post("/portfolio/events/orders", json={**body, "expiration_time": expires})
    oid = placed.json()["order_id"]
    renew = {"ticker": FED, "side": "bid", "price": "0.1500", "count": "2"}
    await c.post(
        f"/portfolio/events/orders/{oid}/amend", json={**renew, "expiration_time": expires + 30}
    )
    await c.post(f"/portfolio/events/orders/{oid}/amend", json={**renew, "expiration_time": 1})
    await c.get(f"/portfolio/order_groups/{gid}")
    await c.get(f"/portfolio/order_groups/{UNKNOWN}")
    await c.put(f"/portfolio/order_groups/{gid}/trigger")
    await c.put(f"/portfolio/order_groups/{UNKNOWN}/trigger")
    await c.post("/portfolio/events/orders", json=body)  # 409: the group is triggered
    await c.post("/portfolio/events/orders", json={**body, "order_group_id": UNKNOWN})
    await c.put(f"/portfolio/order_groups/{gid}/reset")
    await c.put(f"/portfolio/order_groups/{UNKNOWN}/reset")
    await c.put(f"/portfolio/order_groups/{gid}/limit", json={"contracts_limit": 10})
    await c.put(f"/portfolio/order_groups/{gid}/limit", json={"contracts_limit": 0})
    await c.put(f"/portfolio/order_groups/{UNKNOWN}/limit", json={"contracts_limit": 10})
    await c.delete(f"/portfolio/order_groups/{gid}")
    await c.delete(f"/portfolio/order_groups/{gid}")
    sim.exchange.pause_trading(Venue.KALSHI)
    await c.post("/portfolio/events/orders", json=order_body(FED, price="0.1000"))
    sim.exchange.resume_trading(Venue.KALSHI)


async def _settle_held(c: httpx.AsyncClient, sim: Simulator) -> None:
    """The account buys 3 YES of BTC from another trader, then BTC resolves NO."""
    from decimal import Decimal

    from predmm.domain import MarketId, OrderSide, TimeInForce, Venue

    await c.post("/portfolio/events/orders", json=order_body(BTC, price="0.0500", count="3"))
    seller = sim.create_trader("seller")
    btc = MarketId(Venue.KALSHI, BTC)
    sim.exchange.place_order(
        seller.kalshi_account, btc, OrderSide.NO, Decimal("0.95"), Decimal(3),
        time_in_force=TimeInForce.IOC,
    )  # fmt: skip
    assert sim.exchange.position(sim.maker.kalshi_account, btc).yes == 3
    sim.exchange.settle_market(btc, OrderSide.NO)
    body = (await c.get("/portfolio/settlements", params={"ticker": BTC})).json()
    (record,) = body["settlements"]
    assert (record["market_result"], record["yes_count_fp"], record["revenue"]) == ("no", "3.00", 0)
    assert (record["yes_total_cost_dollars"], record["value"]) == ("0.1500", 0)


async def test_every_route_conforms_to_openapi(
    sim: Simulator, make_client: Callable[..., httpx.AsyncClient], conformance: object
) -> None:
    app: Starlette = create_kalshi_app(sim, KalshiOptions(tier="prestige"))
    signer = KalshiAuth(sim.maker.kalshi_key.key_id, private_key(sim.maker))
    async with make_client(app, None, signer=signer) as c, make_client(app, None) as anonymous:
        await _exercise(c, anonymous, sim)
    declared = conformance.declared  # type: ignore[attr-defined]
    undeclared = conformance.undeclared  # type: ignore[attr-defined]
    assert DECLARED - declared == set()
    assert UNDECLARED - undeclared == set()
    served = {(op.method, op.route.split(" ", 1)[1]) for op in OPS}
    assert served == {(m, p) for m, p, s in declared if 200 <= s < 300}
    print(f"openapi conformance: {len(declared)} declared + {len(undeclared)} undeclared pairs")
