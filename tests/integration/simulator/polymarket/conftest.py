"""A small hand-rolled Polymarket client (L2 HMAC + signed V2 orders) over the simulator,
for tests that check the wire details the official client hides."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
import trio
from eth_account import Account

from predmm.domain import MarketId, Venue
from predmm.simulator import Simulator
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.polymarket import (
    PolymarketOptions,
    _auth,
    _orders,
    create_clob_app,
    front_end,
)
from predmm.simulator.server import SimulatorUrls, serve


@attrs.define
class PolyClient:
    http: httpx.AsyncClient
    sim: Simulator
    key: PolymarketKey
    salt: int = 1

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        raw: bytes | None = None,
        sign: bool = True,
        signature: str | None = None,
    ) -> httpx.Response:
        content = raw if raw is not None else b""
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if content else {}
        if sign:
            ts = str(int(self.sim.clock.timestamp()))
            headers |= {
                "POLY_ADDRESS": self.key.address,
                "POLY_API_KEY": self.key.api_key,
                "POLY_PASSPHRASE": self.key.passphrase,
                "POLY_TIMESTAMP": ts,
                "POLY_SIGNATURE": signature
                or _auth.hmac_signature(self.key.secret, ts, method, path, content),
            }
        return await self.http.request(
            method, path, content=content, params=params, headers=headers
        )

    def order(
        self,
        token_id: str,
        side: str,
        price: str,
        size: str,
        *,
        tick: str = "0.01",
        order_type: str = "GTC",
        post_only: bool = False,
        expiration: int = 0,
        neg_risk: bool = False,
        signer_key: str | None = None,
    ) -> dict[str, Any]:
        maker, taker = _orders.limit_amounts(side, Decimal(price), Decimal(size), Decimal(tick))
        self.salt += 1
        order = _orders.SignedOrderV2(
            salt=self.salt,
            maker=self.key.address,
            signer=self.key.address,
            token_id=token_id,
            maker_amount=maker,
            taker_amount=taker,
            side=side,
            expiration=expiration,
            signature_type=0,
            timestamp=int(self.sim.clock.timestamp() * 1000),
            metadata=_orders.ZERO_BYTES32,
            builder=_orders.ZERO_BYTES32,
            signature="0x",
        )
        typed = _orders.order_typed_data(order, _orders.exchange_domain(neg_risk))
        sig = Account.sign_typed_data(signer_key or self.key.private_key, full_message=typed)
        body = {
            "deferExec": False,
            "order": {
                "builder": order.builder,
                "expiration": str(expiration),
                "maker": order.maker,
                "makerAmount": str(maker),
                "metadata": order.metadata,
                "salt": order.salt,
                "side": side,
                "signature": "0x" + sig.signature.hex(),
                "signatureType": 0,
                "signer": order.signer,
                "takerAmount": str(taker),
                "timestamp": str(order.timestamp),
                "tokenId": token_id,
            },
            "orderType": order_type,
            "owner": self.key.api_key,
        }
        if post_only:
            body["postOnly"] = True
        return body


def poly_markets(sim: Simulator) -> list[MarketId]:
    return sim.exchange.market_ids(Venue.POLYMARKET)


def tokens(sim: Simulator, index: int = 0) -> tuple[MarketId, str, str]:
    """(market id, YES token, NO token) of the index-th Polymarket market (tick 0.01 first)."""
    specs = [sim.exchange.market(m).spec for m in poly_markets(sim)]
    specs.sort(key=lambda s: (s.tick.step_at(Decimal("0.5")) != Decimal("0.01"), s.market_id))
    spec = specs[index]
    assert spec.polymarket is not None
    return spec.market_id, spec.polymarket.yes_token_id, spec.polymarket.no_token_id


def now_start() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@attrs.frozen
class Mkt:
    market_id: MarketId
    yes: str
    no: str

    @property
    def condition_id(self) -> str:
        return self.market_id.symbol


@pytest.fixture
def mkt(sim: Simulator) -> Mkt:
    """A tick-0.01 Polymarket market of the simulator."""
    return Mkt(*tokens(sim))


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=7, flow=False, start=now_start())


@pytest.fixture
def options() -> PolymarketOptions:
    return PolymarketOptions(page_size=2)


@pytest.fixture
async def poly(sim: Simulator, options: PolymarketOptions) -> AsyncIterator[PolyClient]:
    front_end(sim, options)
    app = create_clob_app(sim)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://clob.test") as http:
        yield PolyClient(http, sim, sim.maker.polymarket_key)


@pytest.fixture
def client_factory() -> Callable[[httpx.AsyncClient, Simulator], PolyClient]:
    """Build a PolyClient for the market maker of another simulator."""
    return lambda http, sim: PolyClient(http, sim, sim.maker.polymarket_key)


@pytest.fixture
def second(poly: PolyClient) -> PolyClient:
    """Another trader on the same simulator (its own account and key)."""
    trader = poly.sim.create_trader("other", cash=Decimal(1000))
    return PolyClient(poly.http, poly.sim, trader.polymarket_key)


@attrs.frozen
class Served:
    sim: Simulator
    urls: SimulatorUrls
    client: PolyClient

    @property
    def market_ws(self) -> str:
        return self.urls.polymarket_ws_url + "market"

    @property
    def user_ws(self) -> str:
        return self.urls.polymarket_ws_url + "user"


@pytest.fixture
async def served(
    nursery: trio.Nursery, sim: Simulator, options: PolymarketOptions
) -> AsyncIterator[Served]:
    """The simulator served on 127.0.0.1 (clock moved by the test: ``sim.advance``)."""
    front_end(sim, options)
    urls = await nursery.start(functools.partial(serve, sim, step_s=None))
    async with httpx.AsyncClient(base_url=urls.clob_url) as http:
        yield Served(sim, urls, PolyClient(http, sim, sim.maker.polymarket_key))
