"""V2 signed orders, the exchange side: parse the ``POST /order`` body, recover the
EIP-712 signer, and turn makerAmount/takerAmount into a price and a size.

The domain is the market's exchange: the CTF Exchange V2 (version "2"; its neg-risk twin
for neg-risk markets) for markets keyed by token ids, Exchange V3 (version "3") for
protocol-V2 markets keyed by position ids (one contract, neg-risk or not).

Amounts are 6-decimal fixed point. BUY: makerAmount is collateral, takerAmount is
shares, price = maker/taker. SELL: makerAmount is shares, takerAmount is collateral,
price = taker/maker.
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from predmm.simulator.polymarket._auth import CHAIN_ID

UNIT = Decimal(1_000_000)
V2_EXCHANGE = "0xE111180000d2663C0091e4f400237545B87B996B"
V2_NEG_RISK_EXCHANGE = "0xe2222d279d744050d28e00520010520000310F59"
EXCHANGE_V3 = {
    137: "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa",
    80002: "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D",
}
ZERO_BYTES32 = "0x" + "00" * 32
ORDER_TYPES = ("GTC", "GTD", "FOK", "FAK")
POLY_1271 = 3

ORDER_FIELDS = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
    {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"},
    {"name": "builder", "type": "bytes32"},
]
ORDER_TYPE_STRING = "Order(" + ",".join(f"{f['type']} {f['name']}" for f in ORDER_FIELDS) + ")"
_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_TYPED_DATA_SIGN_FIELDS = [  # ERC-7739: the order, then the domain's fields, then a salt
    {"name": "contents", "type": "Order"},
    *_DOMAIN_FIELDS,
    {"name": "salt", "type": "bytes32"},
]

# tick -> (price, size, amount) decimals, the SDKs' round config
ROUND_CONFIG: dict[Decimal, tuple[int, int, int]] = {
    Decimal("0.1"): (1, 2, 3),
    Decimal("0.01"): (2, 2, 4),
    Decimal("0.001"): (3, 2, 5),
    Decimal("0.0001"): (4, 2, 6),
    Decimal("0.005"): (3, 2, 5),
    Decimal("0.0025"): (4, 2, 6),
}

INVALID_PAYLOAD = "Invalid order payload"
INVALID_VERSION = "invalid order version, please use the latest clob-client"
INVALID_SIGNATURE = "invalid signature"
# the venue's error when a signature of that type does not verify (1 and 2
# community-reported from the V2 CLOB; 3 by analogy, UNCONFIRMED)
SIGNATURE_ERRORS = {
    0: INVALID_SIGNATURE,
    1: "invalid POLY_PROXY signature",
    2: "invalid POLY_GNOSIS_SAFE signature",
    3: "invalid POLY_1271 signature",
}
OWNER_MISMATCH = "the order owner has to be the owner of the API KEY"
SIGNER_MISMATCH = "the order signer address has to be the address of the API KEY"

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")
_BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}\Z")
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})+\Z")
_UINT = re.compile(r"[0-9]{1,78}\Z")
_V1_ONLY = ("nonce", "feeRateBps", "taker")


class OrderInvalid(Exception):
    """The body is not an acceptable order; the message is the venue's."""


@attrs.frozen
class SignedOrderV2:
    salt: int
    maker: str
    signer: str
    token_id: str
    maker_amount: int
    taker_amount: int
    side: str  # "BUY" | "SELL"
    expiration: int
    signature_type: int
    timestamp: int
    metadata: str
    builder: str
    signature: str

    def message(self) -> dict[str, Any]:
        return {
            "salt": self.salt,
            "maker": self.maker,
            "signer": self.signer,
            "tokenId": int(self.token_id),
            "makerAmount": self.maker_amount,
            "takerAmount": self.taker_amount,
            "side": 0 if self.side == "BUY" else 1,
            "signatureType": self.signature_type,
            "timestamp": self.timestamp,
            "metadata": self.metadata,
            "builder": self.builder,
        }


@attrs.frozen
class OrderRequest:
    """One parsed ``POST /order`` body."""

    order: SignedOrderV2
    owner: str
    order_type: str
    post_only: bool
    defer_exec: bool


def _uint_str(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    if not isinstance(value, str) or not _UINT.match(value):
        raise OrderInvalid(INVALID_PAYLOAD)
    return int(value)


def _int_num(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OrderInvalid(INVALID_PAYLOAD)
    return value


def _match(raw: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not pattern.match(value):
        raise OrderInvalid(INVALID_PAYLOAD)
    return value


def parse_signed_order(raw: object) -> SignedOrderV2:
    if not isinstance(raw, dict):
        raise OrderInvalid(INVALID_PAYLOAD)
    if any(k in raw for k in _V1_ONLY) or "timestamp" not in raw:
        raise OrderInvalid(INVALID_VERSION)
    side = raw.get("side")
    if side not in ("BUY", "SELL"):
        raise OrderInvalid(INVALID_PAYLOAD)
    return SignedOrderV2(
        salt=_int_num(raw, "salt"),
        maker=_match(raw, "maker", _ADDRESS),
        signer=_match(raw, "signer", _ADDRESS),
        token_id=str(_uint_str(raw, "tokenId")),
        maker_amount=_uint_str(raw, "makerAmount"),
        taker_amount=_uint_str(raw, "takerAmount"),
        side=side,
        expiration=_uint_str(raw, "expiration"),
        signature_type=_int_num(raw, "signatureType"),
        timestamp=_uint_str(raw, "timestamp"),
        metadata=_match(raw, "metadata", _BYTES32),
        builder=_match(raw, "builder", _BYTES32),
        signature=_match(raw, "signature", _HEX),
    )


def parse_order_request(body: object) -> OrderRequest:
    if not isinstance(body, dict):
        raise OrderInvalid(INVALID_PAYLOAD)
    order = parse_signed_order(body.get("order"))
    owner, order_type = body.get("owner"), body.get("orderType", "GTC")
    post_only, defer = body.get("postOnly", False), body.get("deferExec", False)
    if not isinstance(owner, str) or order_type not in ORDER_TYPES:
        raise OrderInvalid(INVALID_PAYLOAD)
    if not isinstance(post_only, bool) or not isinstance(defer, bool):
        raise OrderInvalid(INVALID_PAYLOAD)
    if order.maker_amount <= 0 or order.taker_amount <= 0 or order.signature_type > POLY_1271:
        raise OrderInvalid(INVALID_PAYLOAD)
    return OrderRequest(order, owner, order_type, post_only, defer)


# -- EIP-712 ------------------------------------------------------------------


def exchange_domain(neg_risk: bool, chain_id: int = CHAIN_ID, protocol: int = 1) -> dict[str, Any]:
    """The EIP-712 domain of the exchange that takes a market's orders."""
    if protocol == 2:
        contract, version = EXCHANGE_V3[chain_id], "3"
    else:
        contract, version = (V2_NEG_RISK_EXCHANGE if neg_risk else V2_EXCHANGE), "2"
    return {
        "name": "Polymarket CTF Exchange",
        "version": version,
        "chainId": chain_id,
        "verifyingContract": contract,
    }


def order_typed_data(order: SignedOrderV2, domain: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": _DOMAIN_FIELDS, "Order": ORDER_FIELDS},
        "primaryType": "Order",
        "domain": domain,
        "message": order.message(),
    }


def _digest(typed: dict[str, Any]) -> bytes:
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


_ORDER_TYPE_HASH = keccak(text=ORDER_TYPE_STRING)
_DOMAIN_TYPE_HASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_STRUCT_TYPES = ["bytes32", "uint256", "address", "address", "uint256", "uint256", "uint256",
                 "uint8", "uint8", "uint256", "bytes32", "bytes32"]  # fmt: skip


@functools.lru_cache(maxsize=16)
def _separator(name: str, version: str, chain_id: int, contract: str) -> bytes:
    fields = [_DOMAIN_TYPE_HASH, keccak(text=name), keccak(text=version), chain_id, contract]
    return keccak(abi_encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], fields))


def _fast_digest(order: SignedOrderV2, domain: dict[str, Any]) -> bytes:
    """keccak(0x1901 || domainSeparator || hashStruct(order)), without the generic
    typed-data encoder (the same bytes; the vectors pin both)."""
    m = order.message()
    values = [_ORDER_TYPE_HASH, m["salt"], m["maker"], m["signer"], m["tokenId"],
              m["makerAmount"], m["takerAmount"], m["side"], m["signatureType"],
              m["timestamp"], bytes.fromhex(m["metadata"][2:]),
              bytes.fromhex(m["builder"][2:])]  # fmt: skip
    struct = keccak(abi_encode(_STRUCT_TYPES, values))
    sep = _separator(
        domain["name"], domain["version"], domain["chainId"], domain["verifyingContract"]
    )
    return keccak(b"\x19\x01" + sep + struct)


def order_digest(order: SignedOrderV2, domain: dict[str, Any]) -> str:
    """The order hash: the EIP-712 digest, 0x + 64 hex. It is also the order id."""
    return "0x" + _fast_digest(order, domain).hex()


def order_digest_generic(order: SignedOrderV2, domain: dict[str, Any]) -> str:
    """The same digest through eth_account's generic EIP-712 encoder (a cross-check)."""
    return "0x" + _digest(order_typed_data(order, domain)).hex()


def _typed_data_sign(order: SignedOrderV2, domain: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": {
            "EIP712Domain": _DOMAIN_FIELDS,
            "Order": ORDER_FIELDS,
            "TypedDataSign": _TYPED_DATA_SIGN_FIELDS,
        },
        "primaryType": "TypedDataSign",
        "domain": domain,
        "message": {
            "contents": order.message(),
            "name": "DepositWallet",
            "version": "1",
            "chainId": domain["chainId"],
            "verifyingContract": order.signer,
            "salt": ZERO_BYTES32,
        },
    }


def recover_order_signer(order: SignedOrderV2, domain: dict[str, Any]) -> str:
    """The EOA whose key signed ``order``; raises OrderInvalid if it does not parse.

    For POLY_1271 (deposit wallet) orders the ERC-7739 wrapper is unpacked: the first
    65 bytes sign the ``TypedDataSign`` digest and the trailer must name this order.
    """
    sig = bytes.fromhex(order.signature[2:])
    try:
        if order.signature_type != POLY_1271:
            if len(sig) != 65:
                raise OrderInvalid(INVALID_SIGNATURE)
            return str(Account._recover_hash(_fast_digest(order, domain), signature=sig))
        type_bytes = ORDER_TYPE_STRING.encode()
        trailer = (
            _domain_separator(domain)
            + _contents_hash(order, domain)
            + type_bytes
            + len(type_bytes).to_bytes(2, "big")
        )
        if len(sig) != 65 + len(trailer) or sig[65:] != trailer:
            raise OrderInvalid(INVALID_SIGNATURE)
        digest = _digest(_typed_data_sign(order, domain))
        return str(Account._recover_hash(digest, signature=sig[:65]))
    except OrderInvalid:
        raise
    except Exception:  # a malformed signature is just an invalid signature
        raise OrderInvalid(INVALID_SIGNATURE) from None


def _domain_separator(domain: dict[str, Any]) -> bytes:
    return bytes(encode_typed_data(full_message=order_typed_data(_DUMMY, domain)).header)


def _contents_hash(order: SignedOrderV2, domain: dict[str, Any]) -> bytes:
    return bytes(encode_typed_data(full_message=order_typed_data(order, domain)).body)


_DUMMY = SignedOrderV2(
    salt=0,
    maker="0x" + "00" * 20,
    signer="0x" + "00" * 20,
    token_id="0",
    maker_amount=0,
    taker_amount=0,
    side="BUY",
    expiration=0,
    signature_type=0,
    timestamp=0,
    metadata=ZERO_BYTES32,
    builder=ZERO_BYTES32,
    signature="0x",
)


# -- amounts ------------------------------------------------------------------


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _round_down(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def _round_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)


def _round_amount(value: Decimal, amount_decimals: int) -> Decimal:
    if decimals(value) <= amount_decimals:
        return value
    value = _round_up(value, amount_decimals + 4)
    if decimals(value) > amount_decimals:
        value = _round_down(value, amount_decimals)
    return value


def limit_amounts(side: str, price: Decimal, size: Decimal, tick: Decimal) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a limit order, as the official clients compute them."""
    _, size_dp, amount_dp = ROUND_CONFIG[tick]
    shares = _round_down(size, size_dp)
    usdc = _round_amount(shares * price, amount_dp)
    shares_u, usdc_u = int(shares * UNIT), int((usdc * UNIT).to_integral_value())
    return (usdc_u, shares_u) if side == "BUY" else (shares_u, usdc_u)


def market_amounts(side: str, price: Decimal, amount: Decimal, tick: Decimal) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a market order: BUY spends ``amount`` collateral,
    SELL sells ``amount`` shares (py-clob-client's V1 arithmetic, same in V2)."""
    _, size_dp, amount_dp = ROUND_CONFIG[tick]
    maker = _round_down(amount, size_dp)
    taker = _round_amount(maker / price if side == "BUY" else maker * price, amount_dp)
    return int(maker * UNIT), int((taker * UNIT).to_integral_value())


@attrs.frozen
class PriceSize:
    price: Decimal  # limit price on the tick grid
    shares: Decimal  # number of shares (contracts) of the token
    exact: bool  # True when maker/taker is exactly the price


def price_and_size(order: SignedOrderV2) -> tuple[Decimal, Decimal]:
    """The exact ratio price and the share count that the amounts encode."""
    maker, taker = Decimal(order.maker_amount), Decimal(order.taker_amount)
    if order.side == "BUY":
        return maker / taker, taker / UNIT
    return taker / maker, maker / UNIT


def check_amounts(order: SignedOrderV2, order_type: str, tick: Decimal, order_id: str) -> PriceSize:
    """The order's limit price and size, or OrderInvalid with the venue's tick message.

    Resting orders (GTC/GTD) must encode an exact price on the grid with shares of at
    most the round config's size decimals. Market orders (FOK/FAK) carry a rounded
    ratio: their limit is that ratio rounded to the grid in the trader's favour of
    protection (a BUY never pays more, a SELL never receives less, than it signed).
    """
    ratio, shares = price_and_size(order)
    price_dp, size_dp, amount_dp = ROUND_CONFIG[tick]
    if order_type in ("GTC", "GTD"):
        _check_precision(order, size_dp, amount_dp)
        on_grid = ratio % tick == 0
        price = ratio
    else:
        rounding = ROUND_FLOOR if order.side == "BUY" else ROUND_CEILING
        price = (ratio / tick).to_integral_value(rounding) * tick
        on_grid = True
    if not on_grid or not (tick <= price <= 1 - tick):
        shown = ratio.quantize(Decimal(1).scaleb(-(price_dp + 4)), rounding=ROUND_FLOOR)
        raise OrderInvalid(
            f"order {order_id} is invalid. Price ({shown.normalize():f}) breaks minimum tick "
            f"size rule: {tick}"
        )
    return PriceSize(price=price.normalize(), shares=shares, exact=price == ratio)


def _check_precision(order: SignedOrderV2, size_dp: int, amount_dp: int) -> None:
    maker_dp, taker_dp = (amount_dp, size_dp) if order.side == "BUY" else (size_dp, amount_dp)
    maker = Decimal(order.maker_amount) / UNIT
    taker = Decimal(order.taker_amount) / UNIT
    if decimals(maker) > maker_dp or decimals(taker) > taker_dp:
        raise OrderInvalid(
            f"invalid amounts, the {order.side.lower()} orders maker amount supports a max "
            f"accuracy of {maker_dp} decimals, taker amount a max of {taker_dp} decimals"
        )
