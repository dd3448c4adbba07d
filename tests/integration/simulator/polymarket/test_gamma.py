"""Gamma's GET /markets on its own app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from predmm.domain import OrderSide, Venue
from predmm.simulator import Simulator
from predmm.simulator.polymarket import PolymarketOptions, create_gamma_app


@pytest.fixture
async def gamma(sim: Simulator, options: PolymarketOptions) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_gamma_app(sim, options))
    async with httpx.AsyncClient(transport=transport, base_url="http://gamma.test") as client:
        yield client


async def test_markets_listing_fields(gamma: httpx.AsyncClient, sim: Simulator) -> None:
    rows = (await gamma.get("/markets")).json()
    assert len(rows) == len(sim.exchange.market_ids(Venue.POLYMARKET))
    row = rows[0]
    spec = sim.exchange.market(sim.exchange.market_ids(Venue.POLYMARKET)[0]).spec
    assert spec.polymarket is not None
    assert row["conditionId"] == spec.market_id.symbol
    assert isinstance(row["clobTokenIds"], str)
    assert json.loads(row["clobTokenIds"]) == [
        spec.polymarket.yes_token_id, spec.polymarket.no_token_id,
    ]  # fmt: skip
    assert json.loads(row["outcomes"]) == ["Yes", "No"]
    assert json.loads(row["outcomePrices"]) == ["0.5", "0.5"]
    assert row["endDate"].endswith("Z")
    assert isinstance(row["orderPriceMinTickSize"], float)
    assert row["liquidity"] == "0"
    assert row["volume"] == "0"
    assert row["active"] is True
    assert row["closed"] is False
    assert row["acceptingOrders"] is True


async def test_markets_filters_and_paging(gamma: httpx.AsyncClient, sim: Simulator) -> None:
    everything = (await gamma.get("/markets")).json()
    token = json.loads(everything[1]["clobTokenIds"])[1]
    by_token = (await gamma.get("/markets", params={"clob_token_ids": token})).json()
    assert [r["id"] for r in by_token] == [everything[1]["id"]]
    cid = everything[2]["conditionId"]
    by_condition = (await gamma.get("/markets", params={"condition_ids": cid})).json()
    assert [r["conditionId"] for r in by_condition] == [cid]
    page = (await gamma.get("/markets", params={"limit": 2, "offset": 1})).json()
    assert [r["id"] for r in page] == [r["id"] for r in everything[1:3]]
    assert (await gamma.get("/markets", params={"closed": "true"})).json() == []
    bad = await gamma.get("/markets", params={"limit": "x"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"error"}


async def test_liquidity_and_volume_follow_the_book(
    gamma: httpx.AsyncClient, sim: Simulator, poly: Any, second: Any, mkt: Any
) -> None:
    await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "10"))
    await second.call("POST", "/order", second.order(mkt.no, "BUY", "0.60", "5"))
    rows = (await gamma.get("/markets", params={"condition_ids": mkt.condition_id})).json()
    row = rows[0]
    assert row["volume"] == "5"
    assert row["lastTradePrice"] == 0.4
    assert json.loads(row["outcomePrices"]) == ["0.4", "0.6"]
    assert float(row["liquidity"]) > 0
    assert row["bestBid"] == 0.4
    big = (await gamma.get("/markets", params={"volume_num_min": "1"})).json()
    assert [r["conditionId"] for r in big] == [mkt.condition_id]


async def test_a_resolved_market_shows_its_resolution_on_gamma_and_the_clob(
    gamma: httpx.AsyncClient, sim: Simulator, poly: Any, mkt: Any
) -> None:
    placed = await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.40", "10"))
    order_id = placed.json()["orderID"]
    sim.exchange.settle_market(mkt.market_id, OrderSide.YES)
    resting = (await poly.call("GET", f"/data/order/{order_id}")).json()
    assert resting["status"] == "ORDER_STATUS_CANCELED_MARKET_RESOLVED"
    rows = (await gamma.get("/markets", params={"condition_ids": mkt.condition_id})).json()
    (row,) = rows
    assert (row["closed"], row["active"], row["acceptingOrders"]) == (True, False, False)
    assert row["umaResolutionStatus"] == "resolved"
    assert json.loads(row["outcomePrices"]) == ["1", "0"]
    settled_at = sim.exchange.market(mkt.market_id).settled_at
    assert settled_at is not None
    assert row["closedTime"] == settled_at.strftime("%Y-%m-%d %H:%M:%S+00")
    assert (await gamma.get("/markets", params={"closed": "true"})).json() == rows
    listed = (await poly.http.get(f"/markets/{mkt.condition_id}")).json()
    assert listed["closed"] is True
    winners = {t["token_id"]: (t["winner"], t["price"]) for t in listed["tokens"]}
    assert winners == {mkt.yes: (True, 1.0), mkt.no: (False, 0.0)}
    unresolved = (await gamma.get("/markets")).json()[1]
    assert unresolved["umaResolutionStatus"] is None
