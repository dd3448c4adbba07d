"""Polymarket signing and order amounts against the committed vectors
(tests/fixtures/polymarket: the upstream vectors of shared/venues/polymarket and the ones
derived with the official clients for every signature type and exchange)."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from predmm.platforms.polymarket import (
    ApiCredentials,
    SigningError,
    UnsignedOrder,
    Wallet,
    hmac_signature,
    l2_headers,
    limit_amounts,
    market_amounts,
    round_config,
)
from predmm.platforms.polymarket._amounts import decimal_places, price_valid
from predmm.platforms.polymarket._signing import V2_EXCHANGE, domain_separator, order_struct_hash

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "polymarket"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "upstream_vectors.json").read_text())
    return data


DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ZERO_SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _vector_order(address: str = DEV_ADDRESS, **kw: Any) -> UnsignedOrder:
    fields: dict[str, Any] = {
        "salt": 479249096354,
        "maker": address,
        "signer": address,
        "token_id": 1234,
        "maker_amount": 100000000,
        "taker_amount": 50000000,
        "side": 0,
        "timestamp": 1710000000000,
    }
    return UnsignedOrder(**(fields | kw))


# -- L2 HMAC -------------------------------------------------------------------------


def test_hmac_upstream_vector(vectors: dict[str, Any]) -> None:
    for case in vectors["upstream_test_vectors"]["l2_hmac"]["cases"]:
        got = hmac_signature(
            case["secret"], case["timestamp"], case["method"], case["requestPath"], case["body"]
        )
        assert got == case["expected"]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/data/orders", None, "m6lGS9WyES7JjpAYNd7zIdW5bfHxAAI_pIa1St9vLO4="),
        ("DELETE", "/cancel-all", None, "8VUKI2AEYjmyVeNfWGlCKhni-bOTLBi8KuegA7RDrxU="),
        ("DELETE", "/order", '{"orderID":"0xabc"}', "ebd_Mp184tE7Z6KPR1h4np8gSxcgEPZ7MeKtDjVwf2g="),
    ],
)
def test_hmac_derived_vectors(method: str, path: str, body: str | None, expected: str) -> None:
    assert hmac_signature(ZERO_SECRET, 1700000000, method, path, body) == expected


def test_hmac_properties() -> None:
    base = hmac_signature(ZERO_SECRET, 1, "GET", "/x")
    assert hmac_signature(ZERO_SECRET, 1, "GET", "/x", "") == base
    assert hmac_signature(ZERO_SECRET, 1, "POST", "/x", '{"x":1, "y":2}') != hmac_signature(
        ZERO_SECRET, 1, "POST", "/x", '{"x":1,"y":2}'
    )
    # bytes and str bodies sign alike; an unpadded secret is re-padded
    assert hmac_signature(ZERO_SECRET, 1, "POST", "/x", b"{}") == hmac_signature(
        ZERO_SECRET.rstrip("="), 1, "POST", "/x", "{}"
    )
    with pytest.raises(SigningError) as info:
        hmac_signature("!!!notbase64!!!", 1, "GET", "/x")
    assert "notbase64" not in str(info.value)


def test_l2_headers_sign_the_exact_body_and_hide_secrets() -> None:
    creds = ApiCredentials("key-1", ZERO_SECRET, "pass-phrase")
    body = b'{"orderID":"0xabc"}'
    headers = l2_headers(creds, DEV_ADDRESS, 1700000000, "DELETE", "/order", body)
    assert headers == {
        "POLY_ADDRESS": DEV_ADDRESS,
        "POLY_SIGNATURE": "ebd_Mp184tE7Z6KPR1h4np8gSxcgEPZ7MeKtDjVwf2g=",
        "POLY_TIMESTAMP": "1700000000",
        "POLY_API_KEY": "key-1",
        "POLY_PASSPHRASE": "pass-phrase",
    }
    assert ZERO_SECRET not in repr(creds)
    assert "pass-phrase" not in repr(creds)


# -- L1 ClobAuth ---------------------------------------------------------------------


def test_clob_auth_upstream_vector(vectors: dict[str, Any]) -> None:
    l1 = vectors["upstream_test_vectors"]["l1_clob_auth"]
    for case in l1["cases"]:
        wallet = Wallet(vectors["dev_private_key"], chain_id=case["chain_id"])
        got = wallet.clob_auth_signature(case["timestamp"], case["nonce"])
        assert got == case["expected_signature"]


def test_clob_auth_derived_vector_and_headers() -> None:
    wallet = Wallet(DEV_KEY)
    expected = (
        "0x659ed4b28ae28e0f038fdf0023c00863c9559caacb9ebc83f44eea87059a099a36f1e1dee110e7faa1c4f6"
        "5d17489b2da1333ebef78bbe2116d81207b975052d1c"
    )
    assert wallet.l1_headers(1700000000) == {
        "POLY_ADDRESS": DEV_ADDRESS,
        "POLY_SIGNATURE": expected,
        "POLY_TIMESTAMP": "1700000000",
        "POLY_NONCE": "0",
    }
    assert DEV_KEY[2:] not in repr(wallet)


# -- V2 orders -----------------------------------------------------------------------


def test_v2_order_vector_eoa() -> None:
    wallet = Wallet(DEV_KEY)
    signed = wallet.sign_order(_vector_order())
    assert signed.order_hash == "0x10124949f84e9f7438c88d02bfd546ceb27ed6eb1fdb0175137af535b6e2513d"
    assert signed.signature == (
        "0x42c7b4857d51e344045fcfde17b37cf1290d784471ffe618c22aa56ea5ddcf0009015b87ffb299813f5597e8"
        "6d4ad56f40d634558d915edb719e6fc71dbc0d891c"
    )
    neg = wallet.order_digest(_vector_order(), neg_risk=True)
    assert "0x" + neg.hex() == "0x9c2976657c4b229cc8e467a32ce9e3281ef40a70aee31cdc4619ebf51e4a7274"


def test_v2_order_vector_poly1271(vectors: dict[str, Any]) -> None:
    case = vectors["upstream_test_vectors"]["v2_order_poly1271"]
    raw = case["order"]
    wallet = Wallet(vectors["dev_private_key"], chain_id=case["chain_id"])
    assert case["verifyingContract"] == V2_EXCHANGE
    order = _vector_order(
        address=raw["maker"],
        salt=int(raw["salt"]),
        timestamp=int(raw["timestamp"]),
        signature_type=raw["signatureType"],
    )
    assert wallet.sign_order(order).signature == case["expected_signature"]


def test_v2_signature_recovers_to_the_wallet_and_matches_eth_account() -> None:
    """Random orders: the fast path equals eth-account's typed-data signing."""
    wallet = Wallet(DEV_KEY)
    rng = random.Random(7)
    for _ in range(5):
        order = _vector_order(
            salt=rng.randrange(2**40),
            token_id=rng.randrange(2**255),
            maker_amount=rng.randrange(1, 10**12),
            taker_amount=rng.randrange(1, 10**12),
            side=rng.randrange(2),
            timestamp=rng.randrange(10**13),
            metadata=rng.randbytes(32),
        )
        signed = wallet.sign_order(order)
        typed = {
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Order": [
                    {"name": n, "type": t}
                    for t, n in (
                        ("uint256", "salt"),
                        ("address", "maker"),
                        ("address", "signer"),
                        ("uint256", "tokenId"),
                        ("uint256", "makerAmount"),
                        ("uint256", "takerAmount"),
                        ("uint8", "side"),
                        ("uint8", "signatureType"),
                        ("uint256", "timestamp"),
                        ("bytes32", "metadata"),
                        ("bytes32", "builder"),
                    )
                ],
            },
            "primaryType": "Order",
            "domain": {
                "name": "Polymarket CTF Exchange",
                "version": "2",
                "chainId": 137,
                "verifyingContract": V2_EXCHANGE,
            },
            "message": {
                "salt": order.salt,
                "maker": order.maker,
                "signer": order.signer,
                "tokenId": order.token_id,
                "makerAmount": order.maker_amount,
                "takerAmount": order.taker_amount,
                "side": order.side,
                "signatureType": order.signature_type,
                "timestamp": order.timestamp,
                "metadata": order.metadata,
                "builder": order.builder,
            },
        }
        reference = Account.sign_typed_data(DEV_KEY, full_message=typed)
        assert signed.signature == "0x" + bytes(reference.signature).hex()
        assert signed.order_hash == "0x" + bytes(reference.message_hash).hex()


def test_order_json_types() -> None:
    signed = Wallet(DEV_KEY).sign_order(_vector_order(expiration=1700000123))
    body = signed.to_json()
    assert list(body) == [
        "salt",
        "maker",
        "signer",
        "tokenId",
        "makerAmount",
        "takerAmount",
        "side",
        "expiration",
        "signatureType",
        "timestamp",
        "metadata",
        "builder",
        "signature",
    ]
    assert body["salt"] == 479249096354
    assert body["signatureType"] == 0
    assert body["tokenId"] == "1234"
    assert body["makerAmount"] == "100000000"
    assert body["side"] == "BUY"
    assert body["expiration"] == "1700000123"
    assert body["timestamp"] == "1710000000000"
    assert body["metadata"] == "0x" + "00" * 32


def test_domain_separator_and_struct_hash_are_32_bytes() -> None:
    assert len(domain_separator(137, V2_EXCHANGE)) == 32
    assert len(order_struct_hash(_vector_order())) == 32


def test_bad_private_key_is_refused_without_echo() -> None:
    with pytest.raises(SigningError) as info:
        Wallet("0xnothex")
    assert "nothex" not in str(info.value)
    with pytest.raises(SigningError):
        Wallet("0x1234")


# -- amounts -------------------------------------------------------------------------


def _limit_cases(vectors: dict[str, Any]) -> list[dict[str, Any]]:
    section = vectors["upstream_test_vectors"]["v1_order_amounts_limit"]
    return [*section["cases"], *section["extra_from_test_utilities"]]


def test_limit_amount_vectors(vectors: dict[str, Any]) -> None:
    cases = _limit_cases(vectors)
    assert len(cases) == 42
    for case in cases:
        got = limit_amounts(
            case["side"] == "BUY",
            Decimal(str(case["price"])),
            Decimal(str(case["size"])),
            Decimal(case["tick_size"]),
        )
        assert got == (case["expected_makerAmount"], case["expected_takerAmount"]), case


def test_market_amount_vectors(vectors: dict[str, Any]) -> None:
    cases = vectors["upstream_test_vectors"]["v1_order_amounts_market"]["cases"]
    for case in cases:
        got = market_amounts(
            case["side"] == "BUY",
            Decimal(str(case["price"])),
            Decimal(str(case["amount"])),
            Decimal(case["tick_size"]),
        )
        assert got == (case["expected_makerAmount"], case["expected_takerAmount"]), case


def test_round_config_vectors(vectors: dict[str, Any]) -> None:
    for tick, rc in vectors["upstream_test_vectors"]["round_config"]["by_tick"].items():
        got = round_config(Decimal(tick))
        assert (got.price, got.size, got.amount) == (rc["price"], rc["size"], rc["amount"])
    with pytest.raises(ValueError, match=r"0\.02"):
        round_config(Decimal("0.02"))


def test_price_valid_vectors(vectors: dict[str, Any]) -> None:
    table = vectors["upstream_test_vectors"]["price_valid"]
    for expected, by_tick in ((True, table["true"]), (False, table["false"])):
        for tick, prices in by_tick.items():
            for price in prices:
                assert price_valid(Decimal(str(price)), Decimal(tick)) is expected, (tick, price)


def test_decimal_places_vectors(vectors: dict[str, Any]) -> None:
    for value, places in vectors["upstream_test_vectors"]["decimal_places"]["cases"]:
        assert decimal_places(Decimal(str(value))) == places
