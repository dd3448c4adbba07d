"""The official polymarket-client 0.14.0, unmodified, trading for each kind of account it
supports (EOA, POLY_PROXY, GNOSIS_SAFE, DEPOSIT_WALLET: signature types 0-3) against the
simulator on 127.0.0.1, on a market of outcome tokens (CTF Exchange V2) and on a
protocol-V2 market (position ids, Exchange V3).

Each account's wallet is the address polymarket-client derives for its EOA (so the client
recognises its type); the simulator's relayer says it is deployed. The client runs in a
worker thread while trio serves; only its environment (URLs) is configured.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from decimal import Decimal
from typing import Any

import trio
from eth_account import Account
from polymarket import ApiKeyCreds, SecureClient
from polymarket._internal.environment import PRODUCTION_CONFIG, create_environment
from polymarket._internal.wallet import (
    derive_beacon_deposit_wallet_address,
    derive_proxy_wallet_address,
    derive_safe_wallet_address,
)
from starlette.applications import Starlette
from starlette.routing import Mount

from predmm.simulator import Simulator
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.polymarket import create_relayer_app
from predmm.simulator.server import SimulatorApps, SimulatorUrls, serve, venue_apps
from predmm.simulator.testing import wall_clock_start
from tests.integration.simulator.polymarket.conftest import tokens

DERIVE = {
    1: derive_proxy_wallet_address,
    2: derive_safe_wallet_address,
    3: derive_beacon_deposit_wallet_address,
}
WALLET_TYPES = {0: "EOA", 1: "POLY_PROXY", 2: "GNOSIS_SAFE", 3: "DEPOSIT_WALLET"}


def _key(kind: int) -> str:
    return "0x" + hashlib.sha256(f"predmm-test-wallet-{kind}".encode()).hexdigest()


def _trader(sim: Simulator, kind: int) -> PolymarketKey:
    """A trader whose money is in the wallet polymarket-client derives for its EOA."""
    key = _key(kind)
    eoa = Account.from_key(key).address
    funder = DERIVE[kind](eoa, PRODUCTION_CONFIG.wallet_derivation) if kind else None
    return sim.create_trader(
        f"wallet-{kind}",
        cash=Decimal(100),
        polymarket_signature_type=kind,
        polymarket_funder=funder,
        polymarket_private_key=key,
    ).polymarket_key


def _apps(sim: Simulator) -> SimulatorApps:
    """The venue apps, the relayer's ``/deployed`` beside Gamma (under /relayer)."""
    apps = venue_apps(sim)
    gamma = Starlette(
        routes=[Mount("/relayer", app=create_relayer_app(sim)), Mount("/", app=apps.gamma)]
    )
    return SimulatorApps(kalshi=apps.kalshi, clob=apps.clob, gamma=gamma)


def _environment(urls: SimulatorUrls) -> Any:
    dead = "http://127.0.0.1:9"  # nothing else (data, rpc, rfq) may be used
    config = dataclasses.replace(
        PRODUCTION_CONFIG,
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        relayer_url=urls.gamma_url + "/relayer",
        data_url=dead,
        rpc_url=dead,
        rfq_url=dead,
    )
    return create_environment(name="predmm-sim", config=config)


def _session(env: Any, key: PolymarketKey, markets: dict[str, str]) -> dict[str, Any]:
    creds = ApiKeyCreds(key=key.api_key, secret=key.secret, passphrase=key.passphrase)
    seen: dict[str, Any] = {}
    with SecureClient.create(
        private_key=key.private_key, wallet=key.wallet, environment=env, credentials=creds
    ) as client:
        seen["wallet_type"] = client.wallet_type
        for name, token in markets.items():
            placed = client.place_limit_order(token_id=token, price="0.40", size="5", side="BUY")
            seen[f"{name}.placed"] = placed
            seen[f"{name}.order"] = client.get_order(order_id=placed.order_id)
        seen["cash"] = client.get_balance_allowance(asset_type="COLLATERAL").balance
        seen["open"] = {o.id for o in client.list_open_orders().iter_items()}
        seen["cancel"] = client.cancel_all()
    return seen


async def test_the_official_client_trades_for_every_wallet_type(nursery: trio.Nursery) -> None:
    sim = Simulator(seed=3, flow=False, start=wall_clock_start())
    keys = {kind: _trader(sim, kind) for kind in WALLET_TYPES}
    urls = await nursery.start(functools.partial(serve, sim, apps=_apps(sim)))
    env = _environment(urls)
    v1_market, v1_yes, _ = tokens(sim)
    v2_market, v2_yes, _ = tokens(sim, protocol=2)
    markets = {"v1": v1_yes, "v2": v2_yes}
    for kind, key in keys.items():
        seen = await trio.to_thread.run_sync(_session, env, key, markets)
        assert seen["wallet_type"] == WALLET_TYPES[kind]
        placed = {seen[f"{m}.placed"].order_id for m in markets}
        for m in markets:
            assert seen[f"{m}.placed"].ok, (kind, m, seen[f"{m}.placed"])
            order = seen[f"{m}.order"]
            assert order.maker_address.lower() == key.wallet.lower()  # the funder made it
            assert order.price == Decimal("0.40")
        assert seen["cash"] == (100 - 2 * 5 * Decimal("0.40")) * 1_000_000
        assert seen["open"] == placed
        assert set(seen["cancel"].canceled) == placed
        assert sim.exchange.open_orders(key.account_id) == []
    assert sim.exchange.market(v2_market).spec.polymarket.protocol == 2  # type: ignore[union-attr]
    assert v1_market != v2_market
