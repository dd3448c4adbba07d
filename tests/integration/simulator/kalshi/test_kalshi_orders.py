"""A client written to Kalshi's spec trades on the simulator over httpx (ASGI transport):
V2 order writes, order/fill/position/balance reads, and the venue's error answers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from predmm.domain import MarketId, Venue
from predmm.simulator import Simulator, Trader
from predmm.simulator.kalshi import KalshiOptions, create_kalshi_app
from predmm.simulator.kalshi.testing import kalshi_client
from predmm.simulator.kalshi.testing import order_body as _order_body

FED = "KXFEDDECISION-26DEC-C25"  # linear_cent, maker fees
BTC = "KXBTCMAX-26NOV30-T100000"  # tapered_deci_cent
FED_ID = MarketId(Venue.KALSHI, FED)
COUNT_FIELD = "CreateOrderV2Request.count of type string"


def order_body(ticker: str = FED, **kw: Any) -> dict[str, Any]:
    return _order_body(ticker, **kw)


async def _place(client: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    response = await client.post("/portfolio/events/orders", json=order_body(**kw))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_resting_bid_is_created_read_back_and_shown_in_the_book(
    client: httpx.AsyncClient,
) -> None:
    created = await _place(client, price="0.4000", count="10", client_order_id="c-1")
    assert created["fill_count"] == "0.00"
    assert created["remaining_count"] == "10.00"
    assert created["client_order_id"] == "c-1"
    assert "average_fill_price" not in created

    order = (await client.get(f"/portfolio/orders/{created['order_id']}")).json()["order"]
    assert order["status"] == "resting"
    assert (order["book_side"], order["outcome_side"]) == ("bid", "yes")
    assert (order["yes_price_dollars"], order["no_price_dollars"]) == ("0.4000", "0.6000")
    assert order["remaining_count_fp"] == "10.00"

    book = (await client.get(f"/markets/{FED}/orderbook")).json()["orderbook_fp"]
    assert book == {"yes_dollars": [["0.4000", "10.00"]], "no_dollars": []}


async def test_taker_fills_at_the_resting_price_and_portfolio_reads_agree(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, sim: Simulator
) -> None:
    await _place(other_client, price="0.5200", count="3")
    # our ask at 0.40 (sell YES = buy NO at 0.60) crosses the YES bid at 0.52
    taken = await _place(client, side="ask", price="0.4000", count="2", tif="immediate_or_cancel")
    assert (taken["fill_count"], taken["remaining_count"]) == ("2.00", "0.00")
    assert taken["average_fill_price"] == "0.5200"
    fee = Decimal("0.07") * 2 * Decimal("0.48") * Decimal("0.52")  # taker pays on the NO leg
    assert Decimal(str(taken["average_fee_paid"])) == (fee / 2).quantize(Decimal("0.0001"))

    fills = (await client.get("/portfolio/fills")).json()
    assert fills["cursor"] == ""
    (fill,) = fills["fills"]
    assert (fill["book_side"], fill["outcome_side"], fill["is_taker"]) == ("ask", "no", True)
    assert (fill["yes_price_dollars"], fill["count_fp"]) == ("0.5200", "2.00")
    assert Decimal(fill["fee_cost"]) == fee.quantize(Decimal("0.000001"))

    positions = (await client.get("/portfolio/positions")).json()
    (pos,) = positions["market_positions"]
    assert (pos["ticker"], pos["position_fp"]) == (FED, "-2.00")
    assert positions["event_positions"][0]["event_ticker"] == "KXFEDDECISION-26DEC"

    balance = (await client.get("/portfolio/balance")).json()
    expected = Decimal(10000) - 2 * Decimal("0.48") - fee
    assert Decimal(balance["balance_dollars"]) == expected.quantize(Decimal("0.0001"), "ROUND_DOWN")
    assert balance["balance"] == int(expected * 100)
    assert sim.exchange.audit() == []

    book = (await client.get(f"/markets/{FED}/orderbook")).json()["orderbook_fp"]
    assert book["yes_dollars"] == [["0.5200", "1.00"]]


async def test_amend_decrease_cancel_and_cancel_again(client: httpx.AsyncClient) -> None:
    oid = (await _place(client, price="0.3000", count="5", client_order_id="a-1"))["order_id"]
    amend = {"ticker": FED, "side": "bid", "price": "0.3500", "count": "8"}
    amended = await client.post(f"/portfolio/events/orders/{oid}/amend", json=amend)
    assert amended.status_code == 200, amended.text
    assert amended.json()["remaining_count"] == "8.00"

    decreased = await client.post(
        f"/portfolio/events/orders/{oid}/decrease", json={"reduce_by": "3"}
    )
    assert decreased.status_code == 200, decreased.text
    assert decreased.json()["remaining_count"] == "5.00"
    bad = await client.post(
        f"/portfolio/events/orders/{oid}/decrease", json={"reduce_by": "1", "reduce_to": "1"}
    )
    assert bad.status_code == 400

    cancelled = await client.delete(f"/portfolio/events/orders/{oid}")
    assert cancelled.status_code == 200
    assert cancelled.json()["reduced_by"] == "5.00"
    assert cancelled.json()["client_order_id"] == "a-1"
    order = (await client.get(f"/portfolio/orders/{oid}")).json()["order"]
    assert (order["status"], order["yes_price_dollars"]) == ("canceled", "0.3500")

    again = await client.delete(f"/portfolio/events/orders/{oid}")
    assert again.status_code == 404
    assert again.json() == {"error": {"code": "not_found", "message": "not found"}}
    unknown = await client.delete("/portfolio/events/orders/3b23c1c7-f4ef-4f0d-8b9a-9e53c61f1a0d")
    assert unknown.status_code == 404


async def test_client_order_id_is_unique_forever(client: httpx.AsyncClient) -> None:
    oid = (await _place(client, client_order_id="once"))["order_id"]
    dup = await client.post("/portfolio/events/orders", json=order_body(client_order_id="once"))
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "order_already_exists"
    assert (await client.delete(f"/portfolio/events/orders/{oid}")).status_code == 200
    after = await client.post("/portfolio/events/orders", json=order_body(client_order_id="once"))
    assert after.status_code == 409


async def test_batches_and_cancel_all(client: httpx.AsyncClient, sim: Simulator) -> None:
    good = order_body(price="0.2000", client_order_id="b-1")
    off_grid = order_body(price="0.2050", client_order_id="b-2")
    sub_penny = order_body(ticker=BTC, price="0.0450", client_order_id="b-3")
    response = await client.post(
        "/portfolio/events/orders/batched", json={"orders": [good, off_grid, sub_penny]}
    )
    assert response.status_code == 201, response.text
    first, second, third = response.json()["orders"]
    assert first["remaining_count"] == "10.00"
    assert second["error"]["code"] == "invalid_price"
    assert "order_id" not in second
    assert third["remaining_count"] == "10.00"

    cancels = {"orders": [{"order_id": first["order_id"]}, {"order_id": "nope"}]}
    result = await client.request("DELETE", "/portfolio/events/orders/batched", json=cancels)
    assert result.status_code == 200
    ok, missing = result.json()["orders"]
    assert (ok["reduced_by"], ok["client_order_id"]) == ("10.00", "b-1")
    assert (missing["reduced_by"], missing["error"]["code"]) == ("0.00", "not_found")

    assert (await client.delete("/portfolio/events/orders")).status_code == 204
    assert sim.exchange.open_orders(sim.maker.kalshi_account) == []
    listed = (await client.get("/portfolio/orders", params={"status": "resting"})).json()
    assert listed == {"orders": [], "cursor": ""}


async def test_order_list_pages_with_cursor(client: httpx.AsyncClient) -> None:
    ids = [(await _place(client, price=f"0.{10 + i}00", count="1"))["order_id"] for i in range(5)]
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        page = (await client.get("/portfolio/orders", params={"limit": 2, "cursor": cursor})).json()
        seen += [o["order_id"] for o in page["orders"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))  # newest first
    by_ticker = (await client.get("/portfolio/orders", params={"ticker": BTC})).json()
    assert by_ticker["orders"] == []


async def test_malformed_bodies_answer_kalshi_errors_and_leave_the_book_alone(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    before = sim.exchange.book(FED_ID)
    numeric: dict[str, Any] = order_body()
    numeric["count"] = 10
    valid: dict[str, Any] = order_body()
    cases: list[tuple[Any, int, str | None]] = [
        (numeric, 400, "json: cannot unmarshal number into Go struct field " + COUNT_FIELD),
        ([1, 2], 400, "json: cannot unmarshal array into Go value of type CreateOrderV2Request"),
        ({**valid, "post_only": "yes"}, 400, None),
        ({k: v for k, v in valid.items() if k != "side"}, 400, None),
        ({**valid, "side": "buy"}, 400, None),
        ({**valid, "count": "1.234"}, 400, None),
        ({**valid, "count": "0"}, 400, None),
    ]
    for body, status, details in cases:
        response = await client.post("/portfolio/events/orders", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()
        assert error.get("code") == "bad_request" or "error" in error
        if details is not None:
            assert error == {"code": "bad_request", "message": "bad request", "details": details}
    garbage = await client.post(
        "/portfolio/events/orders",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert garbage.status_code == 400
    assert garbage.json()["code"] == "bad_request"

    off_grid = await client.post("/portfolio/events/orders", json=order_body(price="0.4050"))
    assert off_grid.json() == {"error": {"code": "invalid_price", "message": "invalid price"}}
    for price in ("1.0000", "0.0000", "abc", "-0.5"):
        response = await client.post("/portfolio/events/orders", json=order_body(price=price))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_price"
    rich = await client.post("/portfolio/events/orders", json=order_body(count="100000000"))
    assert rich.json()["error"]["code"] == "insufficient_balance"
    unknown = await client.post("/portfolio/events/orders", json=order_body(ticker="NOPE"))
    assert unknown.status_code == 404
    assert sim.exchange.book(FED_ID) == before
    assert sim.exchange.orders(sim.maker.kalshi_account) == []


async def test_post_only_cross_ioc_fok_and_reduce_only(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    await _place(other_client, price="0.5000", count="2")
    cross = await client.post(
        "/portfolio/events/orders", json=order_body(side="ask", price="0.4500", post_only=True)
    )
    assert cross.json() == {
        "error": {"code": "invalid_order", "message": "invalid order", "details": "post only cross"}
    }
    fok = await client.post(
        "/portfolio/events/orders",
        json=order_body(side="ask", price="0.4500", count="5", tif="fill_or_kill"),
    )
    assert fok.status_code == 400
    reduce_gtc = await client.post("/portfolio/events/orders", json=order_body(reduce_only=True))
    assert reduce_gtc.json()["error"]["code"] == "invalid_order"
    ioc = await _place(client, side="ask", price="0.4500", count="5", tif="immediate_or_cancel")
    assert (ioc["fill_count"], ioc["remaining_count"]) == ("2.00", "0.00")
    # reduce_only is capped at the position it reduces: we are short 2 YES (long 2 NO)
    await _place(other_client, side="ask", price="0.6000", count="5")
    reduce = await _place(
        client, side="bid", price="0.6000", count="5", tif="immediate_or_cancel", reduce_only=True
    )
    assert reduce["fill_count"] == "2.00"


async def test_legacy_v1_order_writes_answer_410(client: httpx.AsyncClient) -> None:
    expected = {
        "error": {
            "code": "deprecated_v1_order_endpoint",
            "message": "Please switch to the V2 endpoints",
            "details": "https://docs.kalshi.com/api-reference/orders/create-order-v2",
        }
    }
    calls = [
        ("POST", "/portfolio/orders"),
        ("POST", "/portfolio/orders/batched"),
        ("DELETE", "/portfolio/orders/batched"),
        ("DELETE", "/portfolio/orders/abc"),
        ("POST", "/portfolio/orders/abc/amend"),
        ("POST", "/portfolio/orders/abc/decrease"),
    ]
    for method, path in calls:
        response = await client.request(method, path, json={"ticker": FED})
        assert (response.status_code, response.json()) == (410, expected), path
    assert (await client.get("/portfolio/orders")).status_code == 200


async def test_switches_for_unconfirmed_behaviour(
    sim: Simulator, other: Trader, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    options = KalshiOptions(tier="prestige", post_only_cross="cancel", legacy_empty_book=True)
    app = create_kalshi_app(sim, options)
    async with kalshi_client(app, None) as unchecked:  # this shape is not the spec's
        book = await unchecked.get(f"/markets/{FED}/orderbook")
        assert book.json() == {"orderbook": {}}  # seen once on demo
    async with make_client(app, sim.maker) as c, make_client(app, other) as counterparty:
        await _place(counterparty, price="0.5000", count="2")
        body = order_body(side="ask", price="0.4500", post_only=True, client_order_id="po")
        cancelled = await c.post("/portfolio/events/orders", json=body)
        assert cancelled.status_code == 201
        assert (cancelled.json()["fill_count"], cancelled.json()["remaining_count"]) == (
            "0.00",
            "0.00",
        )
        oid = cancelled.json()["order_id"]
        order = (await c.get(f"/portfolio/orders/{oid}")).json()["order"]
        assert (order["status"], order["client_order_id"]) == ("canceled", "po")
        assert [o["order_id"] for o in (await c.get("/portfolio/orders")).json()["orders"]] == [oid]
        assert (await c.post("/portfolio/events/orders", json=body)).status_code == 409
        assert (await c.delete(f"/portfolio/events/orders/{oid}")).status_code == 404
    assert sim.exchange.orders(sim.maker.kalshi_account) == []


async def test_fractional_contracts_trade_only_where_the_market_says_so(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    """``KXCPI-26NOV-T0.3`` trades fractional contracts (``fractional_trading_enabled``):
    a count of 2.37 rests, fills 1.25 and leaves 1.12, all as ``*_fp`` strings; a
    whole-contract market refuses 2.37 with 400 and takes 2."""
    cpi = "KXCPI-26NOV-T0.3"
    flags = {
        m["ticker"]: m["fractional_trading_enabled"]
        for m in (await client.get("/markets", params={"limit": 100})).json()["markets"]
    }
    assert flags[cpi] is True
    assert flags[FED] is False
    assert sum(flags.values()) == 1
    resting = await _place(client, ticker=cpi, price="0.3000", count="2.37")
    assert resting["remaining_count"] == "2.37"
    await _place(
        other_client, ticker=cpi, side="ask", price="0.3000", count="1.25",
        tif="immediate_or_cancel",
    )  # fmt: skip
    order = (await client.get(f"/portfolio/orders/{resting['order_id']}")).json()["order"]
    assert (order["fill_count_fp"], order["remaining_count_fp"]) == ("1.25", "1.12")
    [fill] = (await client.get("/portfolio/fills", params={"ticker": cpi})).json()["fills"]
    assert fill["count_fp"] == "1.25"
    positions = (await client.get("/portfolio/positions", params={"ticker": cpi})).json()
    assert positions["market_positions"][0]["position_fp"] == "1.25"
    refused = await client.post("/portfolio/events/orders", json=order_body(count="2.37"))
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_order"
    assert "count step 1" in refused.json()["error"]["details"]
    await _place(client, count="2")
