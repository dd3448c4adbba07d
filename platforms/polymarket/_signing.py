"""Polymarket signatures: L1 ClobAuth (EIP-712 by the wallet), L2 HMAC headers, and the
orders (EIP-712): CTF Exchange V2 (domain version "2") for markets keyed by token ids,
Exchange V3 (domain version "3") for protocol-V2 markets keyed by position ids.

Every signature type is signed here with the EOA's key: 0 EOA (maker = signer = the EOA),
1 POLY_PROXY and 2 POLY_GNOSIS_SAFE (maker = the proxy or Safe, signer = the EOA that owns
it), 3 POLY_1271 (maker = signer = the deposit wallet; the EOA signs an ERC-7739
``TypedDataSign`` wrapper of the order and the signature carries the wrapper's trailer).

The order path is the hot one (every quote is a signed order), so it hashes the fixed
EIP-712 layout directly (type hash and domain separators computed once, one keccak over
twelve 32-byte words) and signs with libsecp256k1 through coincurve when it is there
(RFC 6979, so signatures equal eth-account's byte for byte). The test vectors pin it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

import attrs
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

CHAIN_ID = 137
V2_EXCHANGE = "0xE111180000d2663C0091e4f400237545B87B996B"
V2_NEG_RISK_EXCHANGE = "0xe2222d279d744050d28e00520010520000310F59"
# Exchange V3 by chain (py-clob-client-v2 1.2.1 config; polymarket-client 0.14.0 agrees on
# 137). The notes and both SDKs list no neg-risk twin: neg-risk V2 markets sign for it too.
EXCHANGE_V3 = {
    137: "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa",
    80002: "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D",
}
ZERO_BYTES32 = b"\x00" * 32
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
BUY, SELL = 0, 1
EOA, POLY_PROXY, POLY_GNOSIS_SAFE, POLY_1271 = 0, 1, 2, 3
SIGNATURE_TYPES = {
    EOA: "EOA",
    POLY_PROXY: "POLY_PROXY",
    POLY_GNOSIS_SAFE: "POLY_GNOSIS_SAFE",
    POLY_1271: "POLY_1271",
}

ORDER_TYPE_STRING = (
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,"
    "uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,"
    "bytes32 builder)"
)
_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_ORDER_TYPE_HASH = keccak(ORDER_TYPE_STRING.encode())
_TYPED_DATA_SIGN_HASH = keccak(
    b"TypedDataSign(Order contents,string name,string version,uint256 chainId,"
    b"address verifyingContract,bytes32 salt)" + ORDER_TYPE_STRING.encode()
)


@attrs.frozen
class Exchange:
    """One exchange contract: the EIP-712 domain its orders are signed under."""

    address: str
    version: str  # the domain version: "2" CTF Exchange V2, "3" Exchange V3


def exchange_for(protocol: int, neg_risk: bool, chain_id: int = CHAIN_ID) -> Exchange:
    """The exchange that takes a market's orders: a protocol-V1 market (token ids) the CTF
    Exchange V2 or, neg-risk, its neg-risk twin; a protocol-V2 market (position ids,
    Gamma ``version: "v2"``) Exchange V3, neg-risk or not."""
    if protocol == 2:
        try:
            return Exchange(EXCHANGE_V3[chain_id], "3")
        except KeyError:
            raise ValueError(f"no Exchange V3 is known on chain {chain_id}") from None
    if protocol != 1:
        raise ValueError(f"market protocol version {protocol} is not 1 or 2")
    return Exchange(V2_NEG_RISK_EXCHANGE if neg_risk else V2_EXCHANGE, "2")


class SigningError(ValueError):
    """A key or secret that cannot sign (the message never contains the secret)."""


# -- L2 HMAC ---------------------------------------------------------------------------


def _pad(value: str) -> str:
    return value + "=" * (-len(value) % 4)


def hmac_signature(
    secret: str, timestamp: int | str, method: str, path: str, body: str | bytes | None = None
) -> str:
    """url-safe base64 HMAC-SHA256 of ``timestamp + METHOD + path + body`` (body verbatim;
    None and empty are the same), keyed by the url-safe base64 decoded secret."""
    try:
        key = base64.urlsafe_b64decode(_pad(secret).encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise SigningError("api secret is not url-safe base64") from None
    message = f"{timestamp}{method}{path}".encode()
    if body:
        message += body if isinstance(body, bytes) else body.encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


@attrs.frozen(repr=False)
class ApiCredentials:
    """An L2 API key. The secret and passphrase never appear in a repr."""

    api_key: str
    secret: str
    passphrase: str

    def __repr__(self) -> str:
        return f"ApiCredentials(api_key={self.api_key!r}, secret=***, passphrase=***)"


def l2_headers(
    creds: ApiCredentials,
    address: str,
    timestamp: int,
    method: str,
    path: str,
    body: bytes | None = None,
) -> dict[str, str]:
    """The five POLY_* headers of one private request; ``path`` without the query."""
    return {
        "POLY_ADDRESS": address,
        "POLY_SIGNATURE": hmac_signature(creds.secret, timestamp, method, path, body),
        "POLY_TIMESTAMP": str(timestamp),
        "POLY_API_KEY": creds.api_key,
        "POLY_PASSPHRASE": creds.passphrase,
    }


# -- L1 ClobAuth ------------------------------------------------------------------------


def clob_auth_typed_data(address: str, timestamp: int, nonce: int, chain_id: int) -> dict[str, Any]:
    return {
        "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": chain_id},
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "ClobAuth": [
                {"name": "address", "type": "address"},
                {"name": "timestamp", "type": "string"},
                {"name": "nonce", "type": "uint256"},
                {"name": "message", "type": "string"},
            ],
        },
        "primaryType": "ClobAuth",
        "message": {
            "address": address,
            "timestamp": str(timestamp),
            "nonce": nonce,
            "message": CLOB_AUTH_MESSAGE,
        },
    }


# -- V2 orders ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UnsignedOrder:
    """The eleven signed fields of a CLOB V2 order (plus the unsigned expiration)."""

    salt: int
    maker: str
    signer: str
    token_id: int
    maker_amount: int
    taker_amount: int
    side: int  # BUY = 0, SELL = 1
    signature_type: int = EOA
    timestamp: int  # ms since the epoch
    metadata: bytes = ZERO_BYTES32
    builder: bytes = ZERO_BYTES32
    expiration: int = 0  # seconds; GTD only; not signed


@attrs.frozen(kw_only=True)
class SignedOrder:
    order: UnsignedOrder
    signature: str  # 0x + 65 bytes hex
    order_hash: str  # 0x + the EIP-712 digest: the venue's order id

    def to_json(self) -> dict[str, Any]:
        """The ``order`` object of ``POST /order``: types as the venue wants them."""
        o = self.order
        return {
            "salt": o.salt,
            "maker": o.maker,
            "signer": o.signer,
            "tokenId": str(o.token_id),
            "makerAmount": str(o.maker_amount),
            "takerAmount": str(o.taker_amount),
            "side": "BUY" if o.side == BUY else "SELL",
            "expiration": str(o.expiration),
            "signatureType": o.signature_type,
            "timestamp": str(o.timestamp),
            "metadata": "0x" + o.metadata.hex(),
            "builder": "0x" + o.builder.hex(),
            "signature": self.signature,
        }


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def domain_separator(chain_id: int, verifying_contract: str, version: str = "2") -> bytes:
    return keccak(
        keccak(_DOMAIN_TYPE.encode())
        + keccak(b"Polymarket CTF Exchange")
        + keccak(version.encode())
        + _word(chain_id)
        + _address_word(verifying_contract)
    )


def order_struct_hash(o: UnsignedOrder) -> bytes:
    return keccak(
        b"".join(
            (
                _ORDER_TYPE_HASH,
                _word(o.salt),
                _address_word(o.maker),
                _address_word(o.signer),
                _word(o.token_id),
                _word(o.maker_amount),
                _word(o.taker_amount),
                _word(o.side),
                _word(o.signature_type),
                _word(o.timestamp),
                o.metadata,
                o.builder,
            )
        )
    )


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _raw_key(private_key: str | bytes) -> bytes:
    try:
        raw = (
            private_key
            if isinstance(private_key, bytes)
            else bytes.fromhex(private_key.removeprefix("0x"))
        )
    except ValueError:
        raise SigningError("private key is not hex") from None
    if len(raw) != 32:
        raise SigningError("private key must be 32 bytes")
    return raw


def _make_ecdsa(raw: bytes) -> Any:
    """A function digest -> 65-byte r||s||v (v = 27/28)."""
    try:
        import coincurve
    except ImportError:  # pragma: no cover - coincurve is a dependency; eth-keys is slower
        from eth_keys import keys  # type: ignore[attr-defined]

        key = keys.PrivateKey(raw)

        def sign_slow(digest: bytes) -> bytes:
            sig = key.sign_msg_hash(digest)
            return bytes(
                sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v + 27])
            )

        return sign_slow

    ckey = coincurve.PrivateKey(raw)

    def sign_fast(digest: bytes) -> bytes:
        sig = ckey.sign_recoverable(digest, hasher=None)
        return sig[:64] + bytes([sig[64] + 27])

    return sign_fast


class Wallet:
    """The signing key of one EOA: L1 auth and orders of every signature type. Never
    shows the key."""

    def __init__(self, private_key: str | bytes, *, chain_id: int = CHAIN_ID) -> None:
        raw = _raw_key(private_key)
        self._account = Account.from_key(raw)
        self._sign = _make_ecdsa(raw)
        self.chain_id = chain_id
        self.address: str = to_checksum_address(self._account.address)
        self._separators: dict[Exchange, bytes] = {}

    def __repr__(self) -> str:
        return f"Wallet(address={self.address!r})"

    def _separator(self, exchange: Exchange) -> bytes:
        known = self._separators.get(exchange)
        if known is None:
            known = domain_separator(self.chain_id, exchange.address, exchange.version)
            self._separators[exchange] = known
        return known

    def _exchange(self, exchange: Exchange | None, neg_risk: bool) -> Exchange:
        return exchange or exchange_for(1, neg_risk, self.chain_id)

    def order_digest(
        self, order: UnsignedOrder, *, neg_risk: bool = False, exchange: Exchange | None = None
    ) -> bytes:
        """The order hash (the venue's order id): the EIP-712 digest of the order under
        ``exchange`` (default: the CTF Exchange V2, or its neg-risk twin)."""
        separator = self._separator(self._exchange(exchange, neg_risk))
        return keccak(b"\x19\x01" + separator + order_struct_hash(order))

    def sign_order(
        self, order: UnsignedOrder, *, neg_risk: bool = False, exchange: Exchange | None = None
    ) -> SignedOrder:
        """Sign ``order`` for ``exchange``; its signer must be this wallet's address (a
        deposit wallet order: the wallet the key owns, maker = signer)."""
        self._check_parties(order)
        where = self._exchange(exchange, neg_risk)
        digest = self.order_digest(order, exchange=where)
        signature: bytes = (
            self._sign_1271(order, where)
            if order.signature_type == POLY_1271
            else self._sign(digest)
        )
        return SignedOrder(
            order=order, signature="0x" + signature.hex(), order_hash="0x" + digest.hex()
        )

    def _check_parties(self, order: UnsignedOrder) -> None:
        kind = SIGNATURE_TYPES.get(order.signature_type)
        if kind is None:
            raise SigningError(f"signature type {order.signature_type} is not 0, 1, 2 or 3")
        if order.signature_type in (EOA, POLY_1271) and not _same(order.maker, order.signer):
            raise SigningError(f"a {kind} order needs maker == signer, got maker {order.maker}")
        if order.signature_type != POLY_1271 and not _same(order.signer, self.address):
            raise SigningError(
                f"a {kind} order's signer {order.signer} is not this wallet's {self.address}"
            )

    def _sign_1271(self, order: UnsignedOrder, exchange: Exchange) -> bytes:
        """Deposit wallet (maker = signer = the wallet contract): sign the TypedDataSign
        wrapper and append appDomainSeparator, contentsHash, type string and its length."""
        app_domain, contents = self._separator(exchange), order_struct_hash(order)
        wrapper = keccak(
            _TYPED_DATA_SIGN_HASH
            + contents
            + keccak(b"DepositWallet")
            + keccak(b"1")
            + _word(self.chain_id)
            + _address_word(order.signer)
            + ZERO_BYTES32
        )
        sig: bytes = self._sign(keccak(b"\x19\x01" + app_domain + wrapper))
        type_bytes = ORDER_TYPE_STRING.encode()
        return sig + app_domain + contents + type_bytes + len(type_bytes).to_bytes(2, "big")

    def clob_auth_signature(self, timestamp: int, nonce: int = 0) -> str:
        typed = clob_auth_typed_data(self.address, timestamp, nonce, self.chain_id)
        signed = self._account.sign_message(encode_typed_data(full_message=typed))
        return "0x" + bytes(signed.signature).hex()

    def l1_headers(self, timestamp: int, nonce: int = 0) -> dict[str, str]:
        return {
            "POLY_ADDRESS": self.address,
            "POLY_SIGNATURE": self.clob_auth_signature(timestamp, nonce),
            "POLY_TIMESTAMP": str(timestamp),
            "POLY_NONCE": str(nonce),
        }
