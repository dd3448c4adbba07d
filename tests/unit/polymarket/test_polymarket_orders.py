"""Domain orders -> signed CLOB V2 order bodies (no network: the building and signing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from predmm.domain import (
    Action,
    ClientOrderId,
    MarketId,
    Order,
    OrderSide,
    OrderType,
    TimeInForce,
    Venue,
)
from predmm.platforms.polymarket import MarketInfo, PolymarketPlatform
from predmm.platforms.polymarket._signing import Wallet

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
MID = MarketId(Venue.POLYMARKET, "0x" + "cd" * 32)
INFO = MarketInfo(market_id=MID, yes_token="111", no_token="222", tick=Decimal("0.01"))
NOW = 1_800_000_000.0


@pytest.fixture
def platform() -> PolymarketPlatform:
    p = PolymarketPlatform(
        private_key=DEV_KEY,
        api_key="key-1",
        api_secret="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        api_passphrase="pp",
        clock=lambda: NOW,
        gtd_lifetime_s=120,
    )
    p._remember(INFO)
    return p


def _order(n: int = 1, **kw: Any) -> Order:
    fields: dict[str, Any] = {
        "client_order_id": ClientOrderId(f"c-{n}"),
        "market_id": MID,
        "side": OrderSide.YES,
        "price": Decimal("0.42"),
        "quantity": Decimal("12.5"),
    }
    return Order(**(fields | kw))


def _body(platform: PolymarketPlatform, order: Order) -> dict[str, Any]:
    return platform._body(platform._prepare(order, INFO))


@pytest.mark.parametrize(
    ("side", "action", "token", "wire_side", "maker", "taker"),
    [
        (OrderSide.YES, Action.BUY, "111", "BUY", "5250000", "12500000"),
        (OrderSide.NO, Action.BUY, "222", "BUY", "5250000", "12500000"),
        (OrderSide.YES, Action.SELL, "111", "SELL", "12500000", "5250000"),
        (OrderSide.NO, Action.SELL, "222", "SELL", "12500000", "5250000"),
    ],
)
def test_side_and_action_pick_the_token_and_the_wire_side(
    platform: PolymarketPlatform,
    side: OrderSide,
    action: Action,
    token: str,
    wire_side: str,
    maker: str,
    taker: str,
) -> None:
    body = _body(platform, _order(side=side, action=action))
    order = body["order"]
    assert order["tokenId"] == token
    assert order["side"] == wire_side
    assert (order["makerAmount"], order["takerAmount"]) == (maker, taker)
    assert order["maker"] == order["signer"] == Wallet(DEV_KEY).address
    assert order["timestamp"] == str(int(NOW * 1000))
    assert body["owner"] == "key-1"
    assert body["orderType"] == "GTC"
    assert body["postOnly"] is True
    assert order["expiration"] == "0"


def test_order_types_and_gtd_expiration(platform: PolymarketPlatform) -> None:
    gtd = _body(platform, _order(1, time_in_force=TimeInForce.GTD))
    assert gtd["orderType"] == "GTD"
    assert gtd["order"]["expiration"] == str(int(NOW) + 60 + 120)
    ioc = _body(platform, _order(2, time_in_force=TimeInForce.IOC))
    assert ioc["orderType"] == "FAK"
    assert ioc["postOnly"] is False  # post-only only with GTC/GTD
    market = _body(platform, _order(3, order_type=OrderType.MARKET, post_only=False))
    assert market["orderType"] == "FAK"
    fok = _body(platform, _order(4, time_in_force=TimeInForce.FOK))
    assert fok["orderType"] == "FOK"


def test_one_intent_is_signed_once(platform: PolymarketPlatform) -> None:
    first = platform._prepare(_order(1), INFO)
    again = platform._prepare(_order(1, price=Decimal("0.43")), INFO)
    assert again is first  # a retry resends the very same bytes (same order hash)
    other = platform._prepare(_order(2), INFO)
    assert other.signed.order_hash != first.signed.order_hash
    assert platform._by_hash[first.signed.order_hash] == ClientOrderId("c-1")


def test_signed_order_recovers_to_the_wallet(platform: PolymarketPlatform) -> None:
    from eth_account import Account

    signed = platform._prepare(_order(1), INFO).signed
    digest = bytes.fromhex(signed.order_hash[2:])
    recovered = Account._recover_hash(digest, signature=bytes.fromhex(signed.signature[2:]))
    assert recovered == platform.wallet.address


@pytest.mark.parametrize(
    ("price", "quantity", "reason"),
    [
        ("0.425", "10", "grid"),
        ("0.00", "10", "grid"),
        ("1.00", "10", "grid"),
        ("0.42", "10.005", "2-decimal"),
        ("0.42", "0", "2-decimal"),
    ],
)
def test_off_grid_orders_are_refused_before_signing(
    platform: PolymarketPlatform, price: str, quantity: str, reason: str
) -> None:
    order = _order(price=Decimal(price), quantity=Decimal(quantity))
    assert reason in platform._off_grid(order, INFO)


def test_new_tick_changes_the_grid_and_the_round_config(platform: PolymarketPlatform) -> None:
    assert platform._off_grid(_order(price=Decimal("0.425")), INFO)
    fine = platform.set_tick(MID.symbol, Decimal("0.005"))
    assert fine is not None
    assert platform._off_grid(_order(price=Decimal("0.425")), fine) == ""
    body = platform._body(platform._prepare(_order(9, price=Decimal("0.425")), fine))
    assert (body["order"]["makerAmount"], body["order"]["takerAmount"]) == ("5312500", "12500000")


async def test_batches_over_15_are_refused(platform: PolymarketPlatform) -> None:
    with pytest.raises(ValueError, match="16"):
        await platform.place_orders([_order(n) for n in range(16)])
    assert platform.transport.requests == 0
