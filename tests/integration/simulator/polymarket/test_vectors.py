"""The exchange side of the committed vectors (tests/fixtures/polymarket, from
shared/venues/polymarket/test_vectors.json)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from predmm.simulator.polymarket import _auth, _orders, _shapes

VECTORS_PATH = Path(__file__).resolve().parents[3] / "fixtures/polymarket/upstream_vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
UP = VECTORS["upstream_test_vectors"]
DEV_KEY = VECTORS["dev_private_key"]
DEV_ADDRESS = VECTORS["dev_address"]
SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@pytest.mark.parametrize("case", UP["l2_hmac"]["cases"])
def test_l2_hmac_upstream_vector(case: dict[str, str]) -> None:
    body = case["body"].encode()
    got = _auth.hmac_signature(
        case["secret"], case["timestamp"], case["method"], case["requestPath"], body
    )
    assert got == case["expected"]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("GET", "/data/orders", "", "m6lGS9WyES7JjpAYNd7zIdW5bfHxAAI_pIa1St9vLO4="),
        ("DELETE", "/cancel-all", "", "8VUKI2AEYjmyVeNfWGlCKhni-bOTLBi8KuegA7RDrxU="),
        ("DELETE", "/order", '{"orderID":"0xabc"}', "ebd_Mp184tE7Z6KPR1h4np8gSxcgEPZ7MeKtDjVwf2g="),
    ],
)
def test_l2_hmac_derived_vectors(method: str, path: str, body: str, expected: str) -> None:
    assert _auth.hmac_signature(SECRET, "1700000000", method, path, body.encode()) == expected


def test_l2_hmac_properties() -> None:
    sign = _auth.hmac_signature
    assert sign(SECRET, "1", "GET", "/x", b'{"x":1, "y":2}') != sign(
        SECRET, "1", "GET", "/x", b'{"x":1,"y":2}'
    )
    assert sign(SECRET, "1", "GET", "/x", b'{"a":1,"b":2}') != sign(
        SECRET, "1", "GET", "/x", b'{"b":2,"a":1}'
    )
    assert sign(SECRET.rstrip("="), "1", "GET", "/x", b"") == sign(SECRET, "1", "GET", "/x", b"")
    with pytest.raises(ValueError, match="base64"):
        sign("!!!notbase64!!!", "1", "GET", "/x", b"")


def _l2_headers(
    creds: _auth.ApiCreds, ts: int, method: str, path: str, body: bytes
) -> dict[str, str]:
    return {
        "POLY_ADDRESS": creds.address,
        "POLY_API_KEY": creds.api_key,
        "POLY_PASSPHRASE": creds.passphrase,
        "POLY_TIMESTAMP": str(ts),
        "POLY_SIGNATURE": _auth.hmac_signature(creds.secret, str(ts), method, path, body),
    }


def test_verify_l2_accepts_good_and_rejects_tampering() -> None:
    creds = _auth.derive_creds(b"seed", DEV_ADDRESS, 0)
    keys = {creds.api_key: creds}.get
    body = b'{"orderID":"0xabc"}'
    headers = _l2_headers(creds, 1_700_000_000, "DELETE", "/order", body)
    ok = _auth.verify_l2(headers, method="DELETE", path="/order", body=body, lookup=keys, now=1.7e9)
    assert ok == creds
    bad_cases = [
        {"body": b'{"orderID":"0xabd"}'},
        {"now": 1.7e9 + 31},
        {"path": "/orders"},
    ]
    for bad in bad_cases:
        kwargs: dict[str, Any] = {"method": "DELETE", "path": "/order", "body": body, "now": 1.7e9}
        kwargs.update(bad)
        with pytest.raises(_auth.AuthFailed, match="Invalid API key"):
            _auth.verify_l2(headers, lookup=keys, **kwargs)
    wrong_address = {**headers, "POLY_ADDRESS": "0x" + "11" * 20}
    with pytest.raises(_auth.AuthFailed):
        _auth.verify_l2(
            wrong_address, method="DELETE", path="/order", body=body, lookup=keys, now=1.7e9
        )


def _sign_clob_auth(chain_id: int, ts: int, nonce: int) -> str:
    typed = _auth.clob_auth_typed_data(DEV_ADDRESS, str(ts), nonce, chain_id)
    return "0x" + Account.sign_typed_data(DEV_KEY, full_message=typed).signature.hex()


@pytest.mark.parametrize("case", UP["l1_clob_auth"]["cases"])
def test_l1_clob_auth_upstream_vector(case: dict[str, Any]) -> None:
    sig = _sign_clob_auth(case["chain_id"], case["timestamp"], case["nonce"])
    assert sig == case["expected_signature"]
    recovered = _auth.recover_clob_auth(
        DEV_ADDRESS, str(case["timestamp"]), case["nonce"], sig, case["chain_id"]
    )
    assert recovered == DEV_ADDRESS


def test_l1_clob_auth_derived_vector_and_verify() -> None:
    expected = (
        "0x659ed4b28ae28e0f038fdf0023c00863c9559caacb9ebc83f44eea87059a099a36f1e1dee110e7faa1c4"
        "f65d17489b2da1333ebef78bbe2116d81207b975052d1c"
    )
    assert _sign_clob_auth(137, 1_700_000_000, 0) == expected
    headers = {
        "POLY_ADDRESS": DEV_ADDRESS,
        "POLY_SIGNATURE": expected,
        "POLY_TIMESTAMP": "1700000000",
        "POLY_NONCE": "0",
    }
    assert _auth.verify_l1(headers, now=1.7e9) == _auth.L1Request(DEV_ADDRESS, 0)
    with pytest.raises(_auth.AuthFailed):
        _auth.verify_l1({**headers, "POLY_NONCE": "1"}, now=1.7e9)
    with pytest.raises(_auth.AuthFailed):
        _auth.verify_l1({**headers, "POLY_ADDRESS": "0x" + "11" * 20}, now=1.7e9)


def _v2_order(**overrides: Any) -> _orders.SignedOrderV2:
    fields: dict[str, Any] = {
        "salt": 479249096354,
        "maker": DEV_ADDRESS,
        "signer": DEV_ADDRESS,
        "token_id": "1234",
        "maker_amount": 100000000,
        "taker_amount": 50000000,
        "side": "BUY",
        "expiration": 0,
        "signature_type": 0,
        "timestamp": 1710000000000,
        "metadata": _orders.ZERO_BYTES32,
        "builder": _orders.ZERO_BYTES32,
        "signature": "0x",
    }
    fields.update(overrides)
    return _orders.SignedOrderV2(**fields)


V2_SIGNATURE = (
    "0x42c7b4857d51e344045fcfde17b37cf1290d784471ffe618c22aa56ea5ddcf0009015b87ffb299813f5597e86d"
    "4ad56f40d634558d915edb719e6fc71dbc0d891c"
)


def test_v2_order_digests_and_signature_recovery() -> None:
    order = _v2_order(signature=V2_SIGNATURE)
    domain = _orders.exchange_domain(neg_risk=False)
    assert _orders.order_digest(order, domain) == (
        "0x10124949f84e9f7438c88d02bfd546ceb27ed6eb1fdb0175137af535b6e2513d"
    )
    assert _orders.order_digest(order, _orders.exchange_domain(neg_risk=True)) == (
        "0x9c2976657c4b229cc8e467a32ce9e3281ef40a70aee31cdc4619ebf51e4a7274"
    )
    for neg_risk in (False, True):
        domain_n = _orders.exchange_domain(neg_risk)
        assert _orders.order_digest_generic(order, domain_n) == _orders.order_digest(
            order, domain_n
        )
    assert _orders.recover_order_signer(order, domain) == DEV_ADDRESS
    signed = Account.sign_typed_data(DEV_KEY, full_message=_orders.order_typed_data(order, domain))
    assert "0x" + signed.signature.hex() == V2_SIGNATURE
    # the neg-risk domain recovers someone else: the signature names its exchange
    assert _orders.recover_order_signer(order, _orders.exchange_domain(True)) != DEV_ADDRESS
    tampered = _v2_order(signature=V2_SIGNATURE, maker_amount=100000001)
    assert _orders.recover_order_signer(tampered, domain) != DEV_ADDRESS


def test_v2_poly1271_vector_recovers_the_owner_eoa() -> None:
    vec = UP["v2_order_poly1271"]
    raw = dict(vec["order"], signature=vec["expected_signature"], expiration="0")
    raw |= {"salt": int(raw["salt"]), "side": "BUY"}  # the wire form of the vector's struct
    order = _orders.parse_signed_order(raw)
    domain = _orders.exchange_domain(False, chain_id=vec["chain_id"])
    assert _orders.recover_order_signer(order, domain) == DEV_ADDRESS
    bad = _orders.parse_signed_order({**raw, "salt": 479249096355})
    with pytest.raises(_orders.OrderInvalid, match="invalid signature"):
        _orders.recover_order_signer(bad, domain)


def _v1_digest(order: dict[str, Any], contract: str) -> str:
    fields = [
        ("salt", "uint256"), ("maker", "address"), ("signer", "address"), ("taker", "address"),
        ("tokenId", "uint256"), ("makerAmount", "uint256"), ("takerAmount", "uint256"),
        ("expiration", "uint256"), ("nonce", "uint256"), ("feeRateBps", "uint256"),
        ("side", "uint8"), ("signatureType", "uint8"),
    ]  # fmt: skip
    typed = {
        "types": {
            "EIP712Domain": _orders._DOMAIN_FIELDS,
            "Order": [{"name": n, "type": t} for n, t in fields],
        },
        "primaryType": "Order",
        "domain": {**VECTORS["upstream_test_vectors"]["v1_order_eip712"]["domain"],
                   "verifyingContract": contract},
        "message": order,
    }  # fmt: skip
    signable = encode_typed_data(full_message=typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


@pytest.mark.parametrize("case", UP["v1_order_eip712"]["cases"])
def test_v1_vectors_digest_and_are_refused_as_old_version(case: dict[str, str]) -> None:
    v1 = UP["v1_order_eip712"]["order"]
    assert _v1_digest(v1, case["verifyingContract"]) == case["expected_digest"]
    body = {k: str(v) for k, v in v1.items()} | {"side": "BUY", "signature": "0x00"}
    with pytest.raises(_orders.OrderInvalid, match="invalid order version"):
        _orders.parse_signed_order(body)


LIMIT_CASES = (
    UP["v1_order_amounts_limit"]["cases"]
    + UP["v1_order_amounts_limit"]["extra_from_test_utilities"]
)


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_limit_order_amounts(case: dict[str, Any]) -> None:
    tick, price, size = (
        Decimal(case["tick_size"]),
        Decimal(str(case["price"])),
        Decimal(str(case["size"])),
    )
    maker, taker = _orders.limit_amounts(case["side"], price, size, tick)
    assert (maker, taker) == (case["expected_makerAmount"], case["expected_takerAmount"])
    order = _v2_order(side=case["side"], maker_amount=maker, taker_amount=taker)
    checked = _orders.check_amounts(order, "GTC", tick, "0xid")
    assert checked.price == price
    assert checked.exact


@pytest.mark.parametrize("case", UP["v1_order_amounts_market"]["cases"])
def test_market_order_amounts(case: dict[str, Any]) -> None:
    tick, price = Decimal(case["tick_size"]), Decimal(str(case["price"]))
    maker, taker = _orders.market_amounts(case["side"], price, Decimal(case["amount"]), tick)
    assert (maker, taker) == (case["expected_makerAmount"], case["expected_takerAmount"])
    order = _v2_order(side=case["side"], maker_amount=maker, taker_amount=taker)
    assert _orders.check_amounts(order, "FOK", tick, "0xid").price == price


def test_off_grid_limit_price_breaks_the_tick_rule() -> None:
    order = _v2_order(side="BUY", maker_amount=5_050_000, taker_amount=10_000_000)  # 0.505
    with pytest.raises(_orders.OrderInvalid, match=r"breaks minimum tick size rule: 0.01"):
        _orders.check_amounts(order, "GTC", Decimal("0.01"), "0xid")
    assert _orders.check_amounts(order, "GTC", Decimal("0.001"), "0xid").price == Decimal("0.505")


@pytest.mark.parametrize(
    ("tick", "good", "bad"),
    [(t, ok, UP["price_valid"]["false"][t]) for t, ok in UP["price_valid"]["true"].items()],
)
def test_price_valid_table(tick: str, good: list[float], bad: list[float]) -> None:
    t = Decimal(tick)
    for p in good:
        price = Decimal(str(p))
        maker, taker = _orders.limit_amounts("BUY", price, Decimal(100), t)
        order = _v2_order(maker_amount=maker, taker_amount=taker)
        assert _orders.check_amounts(order, "GTC", t, "0x").price == price
    for p in bad:
        price = Decimal(str(p))
        order = _v2_order(maker_amount=int(price * 100 * 1_000_000), taker_amount=100_000_000)
        with pytest.raises(_orders.OrderInvalid):
            _orders.check_amounts(order, "GTC", t, "0x")


@pytest.mark.parametrize("case", UP["orderbook_hash"]["cases"])
def test_book_hash_vectors(case: dict[str, str]) -> None:
    summary = json.loads(case["canonical_json"])
    assert _shapes.book_hash(summary) == case["expected_sha1"]


def test_book_view_reproduces_the_hash_vector() -> None:
    lv = _shapes.Level
    view = _shapes.BookView(
        market="0xaabbcc",
        asset_id="100",
        timestamp_ms=123456789,
        bids=[lv(Decimal("0.4"), Decimal(100)), lv(Decimal("0.3"), Decimal(100))],
        asks=[lv(Decimal("0.6"), Decimal(100)), lv(Decimal("0.7"), Decimal(100))],
        min_order_size=Decimal(100),
        tick_size=Decimal("0.01"),
        neg_risk=False,
        last_trade_price=Decimal("0.5"),
    )
    summary = view.summary()
    assert [b["price"] for b in summary["bids"]] == ["0.3", "0.4"]  # type: ignore[index]
    assert [a["price"] for a in summary["asks"]] == ["0.7", "0.6"]  # type: ignore[index]
    assert summary["hash"] != UP["orderbook_hash"]["cases"][0]["expected_sha1"]  # asks reordered
    same_order = _shapes.book_hash(json.loads(UP["orderbook_hash"]["cases"][0]["canonical_json"]))
    assert same_order == UP["orderbook_hash"]["cases"][0]["expected_sha1"]
    assert summary["hash"] == _shapes.book_hash(summary)


@pytest.mark.parametrize("case", UP["v2_fee_formula"]["cases"])
def test_fee_formula(case: dict[str, float]) -> None:
    rate = Decimal(str(UP["v2_fee_formula"]["fee_rate"]))
    exponent = Decimal(str(UP["v2_fee_formula"]["fee_exponent"]))
    fee = _shapes.taker_fee(
        Decimal(str(case["shares"])), Decimal(str(case["price"])), rate, exponent
    )
    assert fee == Decimal(str(case["fee"]))
