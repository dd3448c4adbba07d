"""The official polymarket-client 0.14.0, unmodified, against the simulator on 127.0.0.1.

The client is synchronous (httpx.Client): it runs in a worker thread while trio serves.
Only its environment (URLs) is configured; nothing of it is patched.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import trio
from polymarket import ApiKeyCreds, RequestRejectedError, SecureClient
from polymarket._internal.environment import PRODUCTION_CONFIG, create_environment

from predmm.simulator.testing import running_simulator


def _environment(clob_url: str, gamma_url: str) -> Any:
    dead = "http://127.0.0.1:9"  # nothing else (relayer, rpc, data) may be used
    config = dataclasses.replace(
        PRODUCTION_CONFIG,
        clob_url=clob_url,
        gamma_url=gamma_url,
        data_url=dead,
        relayer_url=dead,
        rpc_url=dead,
        rfq_url=dead,
    )
    return create_environment(name="predmm-sim", config=config)


def _session(endpoint: Any, taker_key: Any, yes: str, no: str) -> dict[str, Any]:
    env = _environment(endpoint.clob_url, endpoint.gamma_url)
    seen: dict[str, Any] = {}
    with SecureClient.create(
        private_key=endpoint.private_key, wallet=endpoint.address, environment=env
    ) as client:
        seen["creds"] = client.credentials.key
        book = client.get_order_book(token_id=yes)
        seen["empty_book"] = (book.bids, book.asks, book.tick_size)
        placed = client.place_limit_order(token_id=yes, price="0.41", size="10", side="BUY")
        seen["placed"] = placed
        batch = client.post_orders(
            [
                client.create_limit_order(token_id=yes, price="0.40", size="5", side="BUY"),
                client.create_limit_order(token_id=no, price="0.50", size="5", side="BUY"),
            ]
        )
        seen["batch"] = batch
        book = client.get_order_book(token_id=yes)
        seen["book"] = (
            [(lv.price, lv.size) for lv in book.bids],
            [(lv.price, lv.size) for lv in book.asks],
        )
        seen["mid"] = client.get_midpoint(token_id=yes)
        creds = ApiKeyCreds(
            key=taker_key.api_key, secret=taker_key.secret, passphrase=taker_key.passphrase
        )  # given credentials are checked with GET /auth/api-keys
        with SecureClient.create(
            private_key=taker_key.private_key,
            wallet=taker_key.address,
            environment=env,
            credentials=creds,
        ) as taker:
            seen["closed_only"] = taker.get_closed_only_mode()
            seen["market_buy"] = taker.place_market_order(token_id=yes, side="BUY", amount="2.5")
            seen["taker_trades"] = list(taker.list_account_trades().iter_items())
        seen["maker_trades"] = list(client.list_account_trades().iter_items())
        seen["asks_after"] = client.get_order_book(token_id=yes).asks
        try:
            client.get_midpoint(token_id=yes)
        except RequestRejectedError as exc:  # a one-sided book has no midpoint
            seen["no_mid"] = exc.status
        seen["open"] = [o.id for o in client.list_open_orders().iter_items()]
        seen["one"] = client.get_order(order_id=placed.order_id)
        heartbeat = client.send_order_heartbeat()
        seen["heartbeat"] = client.send_order_heartbeat(heartbeat_id=heartbeat.heartbeat_id)
        seen["cancel_one"] = client.cancel_order(order_id=placed.order_id)
        seen["cancel_market"] = client.cancel_market_orders(token_id=no)
        seen["cancel_all"] = client.cancel_all()
        seen["after"] = [o.id for o in client.list_open_orders().iter_items()]
    return seen


async def test_official_client_reads_books_posts_lists_and_cancels() -> None:
    async with running_simulator(seed=3) as running:
        sim = running.sim
        mid = next(
            m
            for m in sim.exchange.market_ids()
            if m.venue.value == "polymarket"
            and sim.exchange.market(m).tick.step_at(Decimal("0.5")) == Decimal("0.01")
        )
        listing = sim.exchange.market(mid).spec.polymarket
        assert listing is not None
        yes, no = listing.yes_token_id, listing.no_token_id
        taker = sim.create_trader("taker", cash=Decimal(100)).polymarket_key
        seen = await trio.to_thread.run_sync(_session, running.polymarket, taker, yes, no)
        account = sim.maker.polymarket_account
    assert seen["creds"] == running.polymarket.api_key  # create (400) then derive
    assert seen["empty_book"] == ((), (), Decimal("0.01"))
    placed = seen["placed"]
    assert placed.ok
    assert placed.status == "live"
    assert placed.order_id.startswith("0x")
    assert [r.ok for r in seen["batch"]] == [True, True]
    bids, asks = seen["book"]
    assert bids == [(Decimal("0.40"), Decimal(5)), (Decimal("0.41"), Decimal(10))]
    assert asks == [(Decimal("0.50"), Decimal(5))]
    assert seen["mid"] == Decimal("0.455")
    assert seen["asks_after"] == ()  # the taker lifted the 0.50 ask
    assert seen["no_mid"] == 404
    assert seen["closed_only"] is False
    bought = seen["market_buy"]
    assert bought.ok
    assert bought.status == "matched"
    assert bought.taking_amount == Decimal(5)
    (taker_trade,) = seen["taker_trades"]
    (maker_trade,) = seen["maker_trades"]
    assert taker_trade.id == maker_trade.id
    assert taker_trade.trader_side == "TAKER"
    assert maker_trade.trader_side == "MAKER"
    assert taker_trade.side == "BUY"
    assert taker_trade.price == Decimal("0.5")
    assert taker_trade.size == Decimal(5)
    assert taker_trade.status == "MATCHED"
    assert maker_trade.maker_orders[0].asset_id == no
    assert placed.order_id in seen["open"]
    assert len(seen["open"]) == 2
    assert seen["one"].price == Decimal("0.41")
    assert seen["one"].original_size == Decimal(10)
    assert seen["heartbeat"].heartbeat_id
    assert list(seen["cancel_one"].canceled) == [placed.order_id]
    assert seen["cancel_market"].canceled == ()
    assert len(seen["cancel_all"].canceled) == 1
    assert seen["after"] == []
    assert sim.exchange.open_orders(account) == []
