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
from polymarket._internal.actions.orders.typed_data import (
    build_order_signature,
    build_order_typed_data,
)
from polymarket._internal.actions.orders.types import UnsignedOrder

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
        neg_risk: bool | None = None,
        signer_key: str | None = None,
        signature_type: int | None = None,
        maker: str | None = None,
        signer: str | None = None,
        domain: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A ``POST /order`` body signed as polymarket-client signs (its typed data and
        ERC-7739 wrapper): by default this key's account type, funder and EOA, for the
        exchange of the token's market (``neg_risk`` / ``domain`` override it)."""
        amounts = _orders.limit_amounts(side, Decimal(price), Decimal(size), Decimal(tick))
        self.salt += 1
        kind = self.key.signature_type if signature_type is None else signature_type
        maker = maker or self.key.wallet_of(kind) or self.key.wallet
        signer = signer or (maker if kind == _orders.POLY_1271 else self.key.address)
        domain = domain or self._domain(token_id, neg_risk)
        unsigned = UnsignedOrder(
            chain_id=domain["chainId"],
            builder=_orders.ZERO_BYTES32,
            exchange_address=domain["verifyingContract"],
            expiration=expiration,
            maker=maker,
            maker_amount=amounts[0],
            metadata=_orders.ZERO_BYTES32,
            order_type=order_type,
            salt=self.salt,
            side=side,
            signature_type=kind,
            signer=signer,
            taker_amount=amounts[1],
            timestamp=int(self.sim.clock.timestamp() * 1000),
            token_id=token_id,
            protocol_version=domain["version"],
        )
        key = signer_key or self.key.private_key
        inner = Account.sign_typed_data(key, full_message=build_order_typed_data(unsigned))
        signature = build_order_signature(unsigned, "0x" + inner.signature.hex())
        body: dict[str, Any] = {
            "deferExec": False,
            "order": {
                "builder": unsigned.builder,
                "expiration": str(expiration),
                "maker": maker,
                "makerAmount": str(amounts[0]),
                "metadata": unsigned.metadata,
                "salt": unsigned.salt,
                "side": side,
                "signature": signature,
                "signatureType": kind,
                "signer": signer,
                "takerAmount": str(amounts[1]),
                "timestamp": str(unsigned.timestamp),
                "tokenId": token_id,
            },
            "orderType": order_type,
            "owner": self.key.api_key,
        }
        if post_only:
            body["postOnly"] = True
        return body

    def _domain(self, token_id: str, neg_risk: bool | None) -> dict[str, Any]:
        found = self.sim.exchange.token(token_id)
        listing = self.sim.exchange.market(found[0]).spec.polymarket if found else None
        protocol = listing.protocol if listing else 1
        if neg_risk is None:
            neg_risk = bool(listing and listing.neg_risk)
        return _orders.exchange_domain(neg_risk, protocol=protocol)


def poly_markets(sim: Simulator) -> list[MarketId]:
    return sim.exchange.market_ids(Venue.POLYMARKET)


def tokens(sim: Simulator, index: int = 0, protocol: int = 1) -> tuple[MarketId, str, str]:
    """(market id, YES token, NO token) of the index-th Polymarket market of ``protocol``
    (1: outcome tokens; 2: position ids), tick 0.01 first."""
    specs = [sim.exchange.market(m).spec for m in poly_markets(sim)]
    specs = [s for s in specs if s.polymarket and s.polymarket.protocol == protocol]
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
