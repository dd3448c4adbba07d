"""Every signature type on every exchange signs as the official clients do
(tests/fixtures/polymarket/derived_vectors.json), and the account settings that choose
them: signature type, funder, and the exchange of a market's protocol."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from predmm.platforms.polymarket import (
    Exchange,
    SigningError,
    TradingAccount,
    UnsignedOrder,
    Wallet,
    exchange_for,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "polymarket"
DERIVED: dict[str, Any] = json.loads((FIXTURES / "derived_vectors.json").read_text())
DEV_KEY = DERIVED["dev_private_key"]
DEV = DERIVED["dev_address"]
WALLETS = {int(t): w["maker"] for t, w in DERIVED["wallets"].items()}


def _unsigned(raw: dict[str, Any]) -> UnsignedOrder:
    return UnsignedOrder(
        salt=raw["salt"],
        maker=raw["maker"],
        signer=raw["signer"],
        token_id=int(raw["tokenId"]),
        maker_amount=raw["makerAmount"],
        taker_amount=raw["takerAmount"],
        side=0 if raw["side"] == "BUY" else 1,
        signature_type=raw["signatureType"],
        timestamp=raw["timestamp"],
    )


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['exchange']}-type{case['order']['signatureType']}-{case['order']['side']}"


@pytest.mark.parametrize("case", DERIVED["cases"], ids=_case_id)
def test_each_signature_type_and_exchange_signs_as_the_official_clients(
    case: dict[str, Any],
) -> None:
    exchange = Exchange(case["verifyingContract"], case["domain_version"])
    signed = Wallet(DEV_KEY).sign_order(_unsigned(case["order"]), exchange=exchange)
    assert signed.order_hash == case["expected_order_hash"]
    assert signed.signature == case["expected_signature"]
    assert signed.to_json()["signatureType"] == case["order"]["signatureType"]


def test_the_vectors_cover_four_types_on_three_exchanges() -> None:
    seen = {(c["exchange"], c["order"]["signatureType"]) for c in DERIVED["cases"]}
    assert seen == {(e, t) for e in ("v2", "v2-neg-risk", "v3") for t in range(4)}
    assert {c["domain_version"] for c in DERIVED["cases"] if c["exchange"] == "v3"} == {"3"}


def test_the_official_libraries_still_give_the_committed_vectors() -> None:
    """derive_vectors.py recomputes every vector with polymarket-client and
    py-clob-client-v2 (and checks that they agree): the fixture is what they give."""
    spec = importlib.util.spec_from_file_location("derive_vectors", FIXTURES / "derive_vectors.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.document() == DERIVED


def test_exchange_for_a_market_protocol() -> None:
    assert exchange_for(1, False) == Exchange("0xE111180000d2663C0091e4f400237545B87B996B", "2")
    assert exchange_for(1, True) == Exchange("0xe2222d279d744050d28e00520010520000310F59", "2")
    v3 = Exchange("0xe3333700cA9d93003F00f0F71f8515005F6c00Aa", "3")
    assert exchange_for(2, False) == exchange_for(2, True) == v3
    with pytest.raises(ValueError, match="protocol version 3"):
        exchange_for(3, False)
    with pytest.raises(ValueError, match="chain 5"):
        exchange_for(2, False, chain_id=5)


def test_the_default_exchange_is_the_v2_one_of_the_neg_risk_flag() -> None:
    raw = DERIVED["cases"][0]["order"]
    wallet = Wallet(DEV_KEY)
    for neg_risk in (False, True):
        assert wallet.order_digest(_unsigned(raw), neg_risk=neg_risk) == wallet.order_digest(
            _unsigned(raw), exchange=exchange_for(1, neg_risk)
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"signer": WALLETS[1], "maker": WALLETS[1]}, "signer .* is not this wallet"),
        ({"maker": WALLETS[1]}, "EOA order needs maker == signer"),
        ({"signature_type": 3, "signer": WALLETS[3]}, "POLY_1271 order needs maker == signer"),
        ({"signature_type": 4}, "signature type 4"),
    ],
)
def test_a_wallet_refuses_orders_it_cannot_sign(fields: dict[str, Any], message: str) -> None:
    order = _unsigned(dict(DERIVED["cases"][0]["order"], maker=DEV, signer=DEV))
    with pytest.raises(SigningError, match=message):
        Wallet(DEV_KEY).sign_order(attrs.evolve(order, **fields))


# -- the account: signature type and funder ------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected_type", "maker", "signer"),
    [
        (0, 0, DEV, DEV),
        ("EOA", 0, DEV, DEV),
        (1, 1, WALLETS[1], DEV),
        ("poly_proxy", 1, WALLETS[1], DEV),
        (2, 2, WALLETS[2], DEV),
        ("POLY_GNOSIS_SAFE", 2, WALLETS[2], DEV),
        (3, 3, WALLETS[3], WALLETS[3]),
        ("POLY_1271", 3, WALLETS[3], WALLETS[3]),
    ],
)
def test_the_parties_of_each_signature_type(
    kind: int | str, expected_type: int, maker: str, signer: str
) -> None:
    funder = None if expected_type == 0 else WALLETS[expected_type].lower()
    account = TradingAccount.of(DEV, kind, funder)
    assert account.signature_type == expected_type
    assert (account.maker, account.order_signer) == (maker, signer)
    assert account.signer == DEV  # the API key's address, POLY_ADDRESS of every request


@pytest.mark.parametrize(
    ("kind", "funder", "message"),
    [
        (5, None, "signature_type 5 is not one of 0 .EOA."),
        ("PROXY", None, "signature_type 'PROXY' is not one of"),
        (True, None, "signature_type True"),
        (1, None, "funder is required with signature_type 1 .POLY_PROXY."),
        (3, "", "funder is required with signature_type 3"),
        (2, "0x1234", "funder '0x1234' is not a 0x address"),
        (2, "365f0CA36Ae1f641E02fE3B7743673da42A13A70", "funder .* is not a 0x address"),
        (2, "0x365F0CA36Ae1f641E02fE3B7743673da42A13A70", "fails its EIP-55 checksum"),
        (1, DEV, "funder .* is the key's own address: that is signature_type 0"),
        (0, WALLETS[1], "funder .* differs from the key's address"),
    ],
)
def test_account_errors_name_the_setting(kind: object, funder: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TradingAccount.of(DEV, kind, funder)


def test_type_0_accepts_its_own_address_as_funder() -> None:
    assert TradingAccount.of(DEV, 0, DEV.lower()) == TradingAccount.of(DEV)
