"""The CLOB REST routes over httpx.ASGITransport: shapes, auth, orders, cancels, reads."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from predmm.simulator.exchange import TradeStatus
from predmm.simulator.polymarket import _auth, _shapes, front_end


def _maker_l1(poly: Any) -> dict[str, str]:
    from eth_account import Account

    ts = str(int(poly.sim.clock.timestamp()))
    typed = _auth.clob_auth_typed_data(poly.key.address, ts, 0, 137)
    sig = Account.sign_typed_data(poly.key.private_key, full_message=typed).signature.hex()
    return {"POLY_ADDRESS": poly.key.address, "POLY_SIGNATURE": "0x" + sig,
            "POLY_TIMESTAMP": ts, "POLY_NONCE": "0"}  # fmt: skip


async def test_book_shape_ordering_and_hash(poly: Any, second: Any, mkt: Any) -> None:
    for price in ("0.40", "0.42"):
        r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", price, "10"))
        assert r.status_code == 200, r.text
    for price in ("0.55", "0.53"):  # NO bids at 1 - p: YES asks at 0.45 / 0.47
        r = await second.call("POST", "/order", second.order(mkt.no, "BUY", price, "7"))
        assert r.status_code == 200, r.text
    r = await poly.http.get("/book", params={"token_id": mkt.yes})
    book = r.json()
    assert list(book) == [
        "market", "asset_id", "timestamp", "hash", "bids", "asks",
        "min_order_size", "tick_size", "neg_risk", "last_trade_price",
    ]  # fmt: skip
    assert book["market"] == mkt.condition_id
    assert book["asset_id"] == mkt.yes
    assert book["bids"] == [{"price": "0.4", "size": "10"}, {"price": "0.42", "size": "10"}]
    assert book["asks"] == [{"price": "0.47", "size": "7"}, {"price": "0.45", "size": "7"}]
    assert book["tick_size"] == "0.01"
    assert book["min_order_size"] == "5"
    assert book["neg_risk"] is False
    assert book["hash"] == _shapes.book_hash(book)
    no_book = (await poly.http.get("/book", params={"token_id": mkt.no})).json()
    assert no_book["bids"][-1] == {"price": "0.55", "size": "7"}
    assert no_book["asks"][-1] == {"price": "0.58", "size": "10"}
    mid = (await poly.http.get("/midpoint", params={"token_id": mkt.yes})).json()
    assert mid == {"mid": "0.435"}
    buy = await poly.http.get("/price", params={"token_id": mkt.yes, "side": "BUY"})
    assert buy.json() == {"price": "0.42"}
    tick = await poly.http.get("/tick-size", params={"token_id": mkt.yes})
    assert tick.json() == {"minimum_tick_size": 0.01}
    books = await poly.http.post("/books", json=[{"token_id": mkt.yes}, {"token_id": mkt.no}])
    assert [b["asset_id"] for b in books.json()] == [mkt.yes, mkt.no]
    bad = await poly.http.get("/book", params={"token_id": "123"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "Invalid token id"}


async def test_place_list_and_cancel_orders_with_cursors(poly: Any, mkt: Any) -> None:
    ids = []
    for price in ("0.30", "0.31", "0.32"):
        r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", price, "5"))
        body = r.json()
        assert body["success"] is True
        assert body["status"] == "live"
        assert body["errorMsg"] == ""
        assert body["orderID"].startswith("0x")
        assert len(body["orderID"]) == 66
        ids.append(body["orderID"])
    first = (await poly.call("GET", "/data/orders")).json()
    assert first["count"] == 2
    assert first["next_cursor"] not in ("LTE=", "MA==")
    rest = await poly.call("GET", "/data/orders", params={"next_cursor": first["next_cursor"]})
    page2 = rest.json()
    assert page2["next_cursor"] == "LTE="
    assert page2["count"] == 1
    listed = first["data"] + page2["data"]
    assert [o["id"] for o in listed] == ids
    row = listed[0]
    assert row["status"] == "ORDER_STATUS_LIVE"
    assert row["side"] == "BUY"
    assert row["price"] == "0.3"
    assert row["original_size"] == "5"
    assert row["size_matched"] == "0"
    assert row["asset_id"] == mkt.yes
    assert row["market"] == mkt.condition_id
    assert row["owner"] == poly.key.api_key
    assert row["outcome"] == "Yes"
    one = await poly.call("DELETE", "/order", {"orderID": ids[0]})
    assert one.json() == {"canceled": [ids[0]], "not_canceled": {}}
    again = await poly.call("DELETE", "/orders", [ids[0], ids[1], "0xdead"])
    assert again.json() == {
        "canceled": [ids[1]],
        "not_canceled": {ids[0]: "Order already canceled", "0xdead": "Order not found"},
    }
    left = await poly.call("DELETE", "/cancel-all")
    assert left.json() == {"canceled": [ids[2]], "not_canceled": {}}
    assert (await poly.call("GET", "/data/orders")).json()["data"] == []


async def test_cancel_market_orders_by_asset(poly: Any, mkt: Any) -> None:
    yes = (await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))).json()
    no = (await poly.call("POST", "/order", poly.order(mkt.no, "BUY", "0.3", "5"))).json()
    r = await poly.call("DELETE", "/cancel-market-orders", {"asset_id": mkt.no})
    assert r.json() == {"canceled": [no["orderID"]], "not_canceled": {}}
    r = await poly.call("DELETE", "/cancel-market-orders", {"market": mkt.condition_id})
    assert r.json() == {"canceled": [yes["orderID"]], "not_canceled": {}}


async def test_match_trades_and_settlement_statuses(poly: Any, second: Any, mkt: Any) -> None:
    maker = (await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.45", "10"))).json()
    taker = await second.call("POST", "/order", second.order(mkt.no, "BUY", "0.56", "6"))
    body = taker.json()
    assert body["status"] == "matched"
    assert len(body["tradeIDs"]) == 1
    assert body["makingAmount"] == "3.3"
    assert body["takingAmount"] == "6"
    trades = (await second.call("GET", "/data/trades")).json()["data"]
    assert len(trades) == 1
    t = trades[0]
    assert t["status"] == "TRADE_STATUS_MATCHED"
    assert t["trader_side"] == "TAKER"
    assert t["asset_id"] == mkt.no
    assert t["side"] == "BUY"
    assert t["price"] == "0.55"
    assert t["size"] == "6"
    assert t["taker_order_id"] == body["orderID"]
    assert t["maker_orders"][0]["order_id"] == maker["orderID"]
    assert t["maker_orders"][0]["price"] == "0.45"
    assert t["maker_orders"][0]["asset_id"] == mkt.yes
    mine = (await poly.call("GET", "/data/trades")).json()["data"][0]
    assert mine["trader_side"] == "MAKER"
    assert mine["owner"] == poly.key.api_key
    order = (await poly.call("GET", "/data/orders")).json()["data"][0]
    assert order["size_matched"] == "6"
    assert order["associate_trades"] == body["tradeIDs"]
    poly.sim.advance(2.5)
    poly.sim.advance(2.5)
    done = (await poly.call("GET", "/data/trades")).json()["data"][0]
    assert done["status"] == "TRADE_STATUS_CONFIRMED"
    assert done["transaction_hash"].startswith("0x")
    trade = poly.sim.exchange.trade(poly.sim.exchange.fills(poly.key.account_id)[0].trade_id)
    assert trade.status is TradeStatus.CONFIRMED
    assert poly.sim.exchange.audit() == []


async def test_batch_limit_and_per_order_results(poly: Any, mkt: Any) -> None:
    orders = [poly.order(mkt.yes, "BUY", "0.2", "5") for _ in range(16)]
    r = await poly.call("POST", "/orders", orders)
    assert r.status_code == 400
    assert r.json() == {"error": "Too many orders in payload, max allowed: 15"}
    assert poly.sim.exchange.open_orders(poly.key.account_id) == []
    mixed = [poly.order(mkt.yes, "BUY", "0.2", "5"), poly.order(mkt.yes, "BUY", "0.2", "1")]
    out = (await poly.call("POST", "/orders", mixed)).json()
    assert out[0]["success"] is True
    assert out[1] == {
        "success": False,
        "orderID": "",
        "status": "",
        "makingAmount": "",
        "takingAmount": "",
        "errorMsg": "Size (1) lower than the minimum: 5",
    }


async def test_bad_hmac_and_unknown_key_get_401(poly: Any, mkt: Any) -> None:
    body = poly.order(mkt.yes, "BUY", "0.2", "5")
    r = await poly.call(
        "POST", "/order", body, signature="ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="
    )
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid API key"}
    r = await poly.call("GET", "/data/orders", sign=False)
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid API key"}
    # the signature covers the raw bytes: a re-serialized body no longer verifies
    signed = json.dumps(body, separators=(",", ":")).encode()
    ts = str(int(poly.sim.clock.timestamp()))
    from predmm.simulator.polymarket import _auth

    sig = _auth.hmac_signature(poly.key.secret, ts, "POST", "/order", signed)
    headers = {
        "POLY_ADDRESS": poly.key.address, "POLY_API_KEY": poly.key.api_key,
        "POLY_PASSPHRASE": poly.key.passphrase, "POLY_TIMESTAMP": ts, "POLY_SIGNATURE": sig,
    }  # fmt: skip
    spaced = json.dumps(body).encode()
    r = await poly.http.post("/order", content=spaced, headers=headers)
    assert r.status_code == 401
    r = await poly.http.post("/order", content=signed, headers=headers)
    assert r.status_code == 200, r.text
    stale = str(int(poly.sim.clock.timestamp()) - 120)
    headers |= {
        "POLY_TIMESTAMP": stale,
        "POLY_SIGNATURE": _auth.hmac_signature(poly.key.secret, stale, "GET", "/data/orders", b""),
    }
    assert (await poly.http.get("/data/orders", headers=headers)).status_code == 401


async def test_order_validation_errors(poly: Any, second: Any, mkt: Any) -> None:
    async def err(body: Any, client: Any = poly) -> str:
        r = await client.call("POST", "/order", body)
        assert r.status_code == 400, r.text
        return str(r.json()["error"])

    off_grid = poly.order(mkt.yes, "BUY", "0.405", "10", tick="0.001")
    assert "breaks minimum tick size rule: 0.01" in await err(off_grid)
    assert await err(poly.order(mkt.yes, "BUY", "0.3", "5", signer_key=second.key.private_key)) == (
        "invalid signature"
    )
    foreign = poly.order(mkt.yes, "BUY", "0.3", "5")
    foreign["owner"] = second.key.api_key
    assert await err(foreign) == "the order owner has to be the owner of the API KEY"
    assert await err(second.order(mkt.yes, "BUY", "0.3", "5"), client=poly) == (
        "the order owner has to be the owner of the API KEY"
    )
    v1 = poly.order(mkt.yes, "BUY", "0.3", "5")
    v1["order"] |= {"nonce": "0", "feeRateBps": "0", "taker": "0x" + "00" * 20}
    assert await err(v1) == "invalid order version, please use the latest clob-client"
    typed = poly.order(mkt.yes, "BUY", "0.3", "5")
    typed["order"]["makerAmount"] = int(typed["order"]["makerAmount"])
    assert await err(typed) == "Invalid order payload"
    await poly.call("POST", "/order", second.order(mkt.yes, "BUY", "0.3", "5"))
    rich = poly.order(mkt.yes, "BUY", "0.5", "100000")
    assert await err(rich) == "not enough balance / allowance"
    gtd = poly.order(mkt.yes, "BUY", "0.3", "5", order_type="GTD",
                     expiration=int(poly.sim.clock.timestamp()) + 30)  # fmt: skip
    assert await err(gtd) == "invalid expiration"
    assert await err(poly.order(mkt.yes, "BUY", "0.3", "5", order_type="FOK", post_only=True)) == (
        "invalid post-only order: post-only orders are only allowed for GTC and GTD orders"
    )
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "5"))
    assert r.status_code == 200
    cross = poly.order(mkt.no, "BUY", "0.60", "5", post_only=True)
    assert await err(cross) == "invalid post-only order: order crosses book"
    fok = poly.order(mkt.no, "BUY", "0.60", "50", order_type="FOK")
    assert (
        await err(fok) == "order couldn't be fully filled. FOK orders are fully filled or killed."
    )
    assert len(poly.sim.exchange.open_orders(poly.key.account_id)) == 1


async def test_malformed_bodies_never_touch_the_book(poly: Any, mkt: Any) -> None:
    good = (await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))).json()
    before = poly.sim.exchange.book(mkt.market_id)
    junk: list[bytes] = [
        b"", b"{", b"null", b"[]", b'{"order": 5}', b'{"order": {}, "owner": 1}',
        b"\xff\xfe", json.dumps({"order": {"salt": "x"}}).encode(), b'"string"',
    ]  # fmt: skip
    for raw in junk:
        for route in ("/order", "/orders"):
            r = await poly.call("POST", route, raw=raw)
            assert r.status_code == 400, (route, raw, r.text)
            assert set(r.json()) == {"error"}
        r = await poly.call("DELETE", "/order", raw=raw)
        assert r.status_code == 400
        assert set(r.json()) == {"error"}
    assert poly.sim.exchange.book(mkt.market_id) == before
    assert [o.order_id.value for o in poly.sim.exchange.open_orders(poly.key.account_id)] == [
        good["orderID"]
    ]
    assert poly.sim.exchange.audit() == []


async def test_tick_size_change_is_enforced(poly: Any, mkt: Any) -> None:
    from predmm.domain import TickSpec

    poly.sim.exchange.change_tick(mkt.market_id, TickSpec.polymarket("0.001"))
    tick = await poly.http.get("/tick-size", params={"token_id": mkt.yes})
    assert tick.json() == {"minimum_tick_size": 0.001}
    fine = poly.order(mkt.yes, "BUY", "0.405", "10", tick="0.001")
    assert (await poly.call("POST", "/order", fine)).status_code == 200
    poly.sim.exchange.change_tick(mkt.market_id, TickSpec.polymarket("0.01"))
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.405", "10", tick="0.001"))
    assert r.status_code == 400
    assert "breaks minimum tick size rule: 0.01" in r.json()["error"]
    market = (await poly.http.get(f"/clob-markets/{mkt.condition_id}")).json()
    assert market["mts"] == 0.01
    assert {t["t"] for t in market["t"]} == {mkt.yes, mkt.no}


async def test_l1_create_and_derive_api_keys(poly: Any) -> None:
    from eth_account import Account

    wallet = Account.create()

    def l1_headers(nonce: int) -> dict[str, str]:
        from predmm.simulator.polymarket import _auth

        ts = str(int(poly.sim.clock.timestamp()))
        typed = _auth.clob_auth_typed_data(wallet.address, ts, nonce, 137)
        sig = "0x" + Account.sign_typed_data(wallet.key, full_message=typed).signature.hex()
        return {"POLY_ADDRESS": wallet.address, "POLY_SIGNATURE": sig,
                "POLY_TIMESTAMP": ts, "POLY_NONCE": str(nonce)}  # fmt: skip

    missing = await poly.http.get("/auth/derive-api-key", headers=l1_headers(0))
    assert missing.status_code == 400
    created = await poly.http.post("/auth/api-key", headers=l1_headers(0))
    creds = created.json()
    assert set(creds) == {"apiKey", "secret", "passphrase"}
    again = await poly.http.post("/auth/api-key", headers=l1_headers(0))
    assert again.status_code == 400
    derived = await poly.http.get("/auth/derive-api-key", headers=l1_headers(0))
    assert derived.json() == creds
    forged = l1_headers(0) | {"POLY_ADDRESS": poly.key.address}
    assert (await poly.http.get("/auth/derive-api-key", headers=forged)).status_code == 401
    fe = front_end(poly.sim)
    key = fe.key(creds["apiKey"])
    assert key is not None
    second_key = (await poly.http.post("/auth/api-key", headers=l1_headers(1))).json()
    assert second_key["apiKey"] != creds["apiKey"]
    same_wallet = fe.key(second_key["apiKey"])
    assert same_wallet is not None
    assert same_wallet.account_id == key.account_id
    # the simulator's own wallets derive their generated key at nonce 0
    maker = await poly.http.get("/auth/derive-api-key", headers=_maker_l1(poly))
    assert maker.json()["apiKey"] == poly.key.api_key
    assert key.address == wallet.address
    assert poly.sim.exchange.balance(key.account_id).cash == Decimal(10000)


async def test_faults_rate_limit_and_ambiguous_submit(poly: Any, mkt: Any) -> None:
    from predmm.domain import Venue

    faults = poly.sim.faults
    faults.fail_next(Venue.POLYMARKET, "POST /order", status=429)
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))
    assert r.status_code == 429
    assert "Retry-After" in r.headers
    assert set(r.json()) == {"error"}
    faults.ambiguous_next(Venue.POLYMARKET, "POST /order")
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))
    assert r.status_code == 500
    assert len(poly.sim.exchange.open_orders(poly.key.account_id)) == 1
    faults.engine_restart(Venue.POLYMARKET, 5, post_only_seconds=5)
    r = await poly.call("DELETE", "/cancel-all")
    assert r.status_code == 425
    poly.sim.advance(6)
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))
    assert r.status_code == 503
    assert r.json()["code"] == "post_only_mode"
    r = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5", post_only=True))
    assert r.status_code == 200


async def test_failed_trade_and_gtd_expiry(poly: Any, second: Any, mkt: Any) -> None:
    await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.45", "10"))
    await second.call("POST", "/order", second.order(mkt.no, "BUY", "0.55", "5"))
    (trade,) = (await poly.call("GET", "/data/trades")).json()["data"]
    from predmm.simulator.exchange import TradeId

    poly.sim.exchange.fail_trade(TradeId(trade["id"]))
    (failed,) = (await poly.call("GET", "/data/trades")).json()["data"]
    assert failed["status"] == "TRADE_STATUS_FAILED"
    assert failed["id"] == trade["id"]
    now = int(poly.sim.clock.timestamp())
    gtd = poly.order(mkt.yes, "BUY", "0.30", "5", order_type="GTD", expiration=now + 90)
    placed = (await poly.call("POST", "/order", gtd)).json()
    assert placed["success"] is True
    rows = (await poly.call("GET", "/data/orders")).json()["data"]
    (row,) = [o for o in rows if o["id"] == placed["orderID"]]
    assert row["order_type"] == "GTD"
    assert row["expiration"] == str(now + 90)
    poly.sim.advance(91)
    orders = (await poly.call("GET", "/data/orders")).json()["data"]
    assert [o["id"] for o in orders if o["id"] == placed["orderID"]] == []


async def test_stale_reads_show_a_just_cancelled_order(poly: Any, mkt: Any) -> None:
    from predmm.domain import Venue

    placed = (await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))).json()
    await poly.call("DELETE", "/cancel-all")
    poly.sim.faults.stale_reads(Venue.POLYMARKET, "GET /data/orders", window_s=2.0)
    stale = (await poly.call("GET", "/data/orders")).json()["data"]
    assert [(o["id"], o["status"]) for o in stale] == [(placed["orderID"], "ORDER_STATUS_LIVE")]
    poly.sim.advance(3)
    assert (await poly.call("GET", "/data/orders")).json()["data"] == []


async def test_unknown_routes_and_methods_answer_in_the_error_shape(poly: Any) -> None:
    missing = await poly.http.get("/no-such-route")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}
    wrong = await poly.http.put("/order")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "Method Not Allowed"}
    assert (await poly.http.get("/time")).json() == int(poly.sim.clock.timestamp())


async def test_sell_orders_deliver_held_tokens(poly: Any, second: Any, mkt: Any) -> None:
    poly.sim.exchange.grant_position(poly.key.account_id, mkt.market_id, Decimal(10))
    ask = (await poly.call("POST", "/order", poly.order(mkt.yes, "SELL", "0.60", "10"))).json()
    assert ask["success"] is True
    book = (await poly.http.get("/book", params={"token_id": mkt.yes})).json()
    assert book["asks"] == [{"price": "0.6", "size": "10"}]
    assert book["bids"] == []
    too_many = await poly.call("POST", "/order", poly.order(mkt.no, "SELL", "0.60", "11"))
    assert too_many.json() == {"error": "not enough balance / allowance"}
    lift = (await second.call("POST", "/order", second.order(mkt.yes, "BUY", "0.61", "5"))).json()
    assert lift["status"] == "matched"
    assert lift["makingAmount"] == "3"  # 5 at the resting 0.60
    (trade,) = (await poly.call("GET", "/data/trades")).json()["data"]
    assert trade["trader_side"] == "MAKER"
    assert trade["maker_orders"][0]["side"] == "SELL"
    assert trade["maker_orders"][0]["price"] == "0.6"
    position = poly.sim.exchange.position(poly.key.account_id, mkt.market_id)
    assert (position.yes, position.no) == (Decimal(5), Decimal(10))


async def test_neg_risk_markets_verify_against_the_neg_risk_exchange(
    client_factory: Any,
) -> None:
    import attrs
    import httpx

    from predmm.simulator import Simulator
    from predmm.simulator.polymarket import create_clob_app
    from predmm.simulator.testing import wall_clock_start
    from predmm.simulator.universe import Universe, default_universe

    start = wall_clock_start()
    base = default_universe(start)
    specs = tuple(
        attrs.evolve(s, polymarket=attrs.evolve(s.polymarket, neg_risk=True))
        if s.polymarket is not None
        else s
        for s in base.specs
    )
    universe = Universe(specs=specs, events=base.events)
    sim = Simulator(seed=5, flow=False, start=start, universe=universe)
    spec = next(s for s in specs if s.polymarket is not None)
    assert spec.polymarket is not None
    yes = spec.polymarket.yes_token_id
    tick = str(spec.tick.step_at(Decimal("0.5")))
    transport = httpx.ASGITransport(app=create_clob_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url="http://clob.test") as http:
        poly = client_factory(http, sim)
        assert (await http.get("/neg-risk", params={"token_id": yes})).json() == {"neg_risk": True}
        assert (await http.get("/book", params={"token_id": yes})).json()["neg_risk"] is True
        plain = poly.order(yes, "BUY", "0.3", "5", tick=tick, neg_risk=False)
        wrong = await poly.call("POST", "/order", plain)
        assert wrong.status_code == 400
        assert wrong.json() == {"error": "invalid signature"}
        signed = poly.order(yes, "BUY", "0.3", "5", tick=tick, neg_risk=True)
        assert (await poly.call("POST", "/order", signed)).status_code == 200


async def test_switches_for_unconfirmed_shapes(client_factory: Any) -> None:
    import httpx

    from predmm.simulator import Simulator
    from predmm.simulator.polymarket import PolymarketOptions, SizeUnits, create_clob_app
    from predmm.simulator.testing import wall_clock_start

    sim = Simulator(seed=9, flow=False, start=wall_clock_start())
    options = PolymarketOptions(
        size_units=SizeUnits.FIXED6, book_best_first=True, midpoint_key="mid_price"
    )
    transport = httpx.ASGITransport(app=create_clob_app(sim, options))
    async with httpx.AsyncClient(transport=transport, base_url="http://clob.test") as http:
        poly = client_factory(http, sim)
        spec = next(
            sim.exchange.market(m).spec
            for m in sim.exchange.market_ids()
            if sim.exchange.market(m).spec.polymarket is not None
            and sim.exchange.market(m).tick.step_at(Decimal("0.5")) == Decimal("0.01")
        )
        yes, no = spec.polymarket.yes_token_id, spec.polymarket.no_token_id
        for token, price in ((yes, "0.40"), (yes, "0.42"), (no, "0.50"), (no, "0.52")):
            await poly.call("POST", "/order", poly.order(token, "BUY", price, "5"))
        book = (await http.get("/book", params={"token_id": yes})).json()
        assert [b["price"] for b in book["bids"]] == ["0.42", "0.4"]
        assert [a["price"] for a in book["asks"]] == ["0.48", "0.5"]
        assert book["hash"] == _shapes.book_hash(book)
        mid = (await http.get("/midpoint", params={"token_id": yes})).json()
        assert mid == {"mid_price": "0.45"}
        rows = (await poly.call("GET", "/data/orders")).json()["data"]
        assert {r["original_size"] for r in rows} == {"5000000"}
