"""Domain orders -> signed CLOB V2 order bodies (no network: the building and signing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
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
from predmm.platforms.polymarket import MarketInfo, PolymarketPlatform, exchange_for
from predmm.platforms.polymarket._signing import Wallet

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
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


# -- accounts as users have them, and protocol-V2 markets ----------------------------------

PROXY = "0x365f0CA36Ae1f641E02fE3B7743673da42A13A70"  # the dev key's proxy (polymarket-client)
SAFE = "0xd93B25cb943D14d0d34FBaF01Fc93a0f8b5F6E47"
DEPOSIT = "0xBc0fF067b7740Eff76C1ca93c875Ba6B890d6B50"
V2_INFO = attrs.evolve(
    INFO,
    protocol=2,
    yes_token="755628523515574437047200361729489104557184628977942975970487229876815121664",
)


def _account_platform(signature_type: int, funder: str | None) -> PolymarketPlatform:
    p = PolymarketPlatform(
        private_key=DEV_KEY,
        signature_type=signature_type,
        funder=funder,
        api_key="key-1",
        api_secret="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        api_passphrase="pp",
        clock=lambda: NOW,
    )
    p._remember(INFO)
    return p


@pytest.mark.parametrize(
    ("signature_type", "funder", "signer"),
    [(1, PROXY, DEV), (2, SAFE, DEV), (3, DEPOSIT, DEPOSIT)],
)
def test_orders_are_made_by_the_funder_and_signed_as_its_type(
    signature_type: int, funder: str, signer: str
) -> None:
    platform = _account_platform(signature_type, funder.lower())
    body = _body(platform, _order())
    order = body["order"]
    assert (order["maker"], order["signer"]) == (funder, signer)
    assert order["signatureType"] == signature_type
    assert platform.account().address == funder  # maker_address of our trades
    assert platform.transport._address == DEV  # every request is the EOA's (POLY_ADDRESS)
    expected = 65 if signature_type != 3 else 65 + 32 + 32 + 186 + 2  # + the ERC-7739 trailer
    assert len(bytes.fromhex(order["signature"][2:])) == expected


def test_a_protocol_v2_market_signs_for_exchange_v3(platform: PolymarketPlatform) -> None:
    platform._remember(V2_INFO)
    signed = platform._prepare(_order(7), V2_INFO).signed
    assert signed.order.token_id == int(V2_INFO.yes_token)
    v3 = exchange_for(2, False)
    assert platform.exchange(V2_INFO) == v3
    assert signed.order_hash == "0x" + platform.wallet.order_digest(signed.order, exchange=v3).hex()
    neg = attrs.evolve(V2_INFO, neg_risk=True)
    assert platform.exchange(neg) == v3  # one Exchange V3 for neg-risk V2 markets too
    assert platform.exchange(attrs.evolve(INFO, neg_risk=True)) == exchange_for(1, True)


def test_a_bad_account_setting_stops_the_platform_naming_it() -> None:
    with pytest.raises(ValueError, match="funder is required with signature_type 2"):
        _account_platform(2, None)
    with pytest.raises(ValueError, match="signature_type 7"):
        _account_platform(7, PROXY)
