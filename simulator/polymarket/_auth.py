"""Polymarket CLOB authentication, the exchange side.

L1 (``POST /auth/api-key``, ``GET /auth/derive-api-key``): an EIP-712 ``ClobAuth``
signature by the wallet, domain ``ClobAuthDomain`` version 1 with no verifying
contract. L2 (everything private): ``POLY_*`` headers with an HMAC-SHA256 over
``timestamp + METHOD + path-without-query + raw body``, keyed by the url-safe base64
decoded API secret, sent url-safe base64 encoded with padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping

import attrs
from eth_account import Account
from eth_account.messages import encode_typed_data

CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
CHAIN_ID = 137
# UNCONFIRMED in the notes; the simulator picks +-30 s.
TIMESTAMP_TOLERANCE_S = 30

L2_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE")
L1_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE")


class AuthFailed(Exception):
    """The request's credentials do not check out; the message is the venue's."""


@attrs.frozen
class ApiCreds:
    """One API key: the wallet it belongs to and its three secrets."""

    api_key: str
    secret: str
    passphrase: str
    address: str
    nonce: int = 0


def _pad(value: str) -> str:
    return value + "=" * (-len(value) % 4)


def hmac_signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The L2 signature of one request; ``body`` is the raw bytes sent (may be empty)."""
    try:
        key = base64.urlsafe_b64decode(_pad(secret).encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"secret is not url-safe base64: {exc}") from None
    message = f"{timestamp}{method}{path}".encode() + body
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name) or headers.get(name.lower()) or headers.get(name.replace("_", "-"))
    if not value:
        raise AuthFailed("Invalid API key")
    return value


def _check_timestamp(raw: str, now: float | None, tolerance: float = TIMESTAMP_TOLERANCE_S) -> None:
    try:
        ts = int(raw)
    except ValueError:
        raise AuthFailed("Invalid API key") from None
    if now is not None and abs(ts - now) > tolerance:
        raise AuthFailed("Invalid API key")


def verify_l2(
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    body: bytes,
    lookup: Callable[[str], ApiCreds | None],
    now: float | None,
    tolerance: float = TIMESTAMP_TOLERANCE_S,
) -> ApiCreds:
    """Check the five L2 headers of a request; return the key's creds or raise AuthFailed.
    ``now`` is the venue's clock in Unix seconds (None: timestamps are not checked)."""
    values = {name: _header(headers, name) for name in L2_HEADERS}
    creds = lookup(values["POLY_API_KEY"])
    if creds is None or not hmac.compare_digest(creds.passphrase, values["POLY_PASSPHRASE"]):
        raise AuthFailed("Invalid API key")
    if values["POLY_ADDRESS"].lower() != creds.address.lower():
        raise AuthFailed("Invalid API key")
    _check_timestamp(values["POLY_TIMESTAMP"], now, tolerance)
    expected = hmac_signature(creds.secret, values["POLY_TIMESTAMP"], method, path, body)
    if not hmac.compare_digest(expected, values["POLY_SIGNATURE"]):
        raise AuthFailed("Invalid API key")
    return creds


def clob_auth_typed_data(
    address: str, timestamp: str, nonce: int, chain_id: int
) -> dict[str, object]:
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
            "timestamp": timestamp,
            "nonce": nonce,
            "message": CLOB_AUTH_MESSAGE,
        },
    }


def recover_clob_auth(
    address: str, timestamp: str, nonce: int, signature: str, chain_id: int = CHAIN_ID
) -> str:
    """The address that signed this ClobAuth message (checksummed)."""
    signable = encode_typed_data(
        full_message=clob_auth_typed_data(address, timestamp, nonce, chain_id)
    )
    return str(Account.recover_message(signable, signature=signature))


@attrs.frozen
class L1Request:
    address: str
    nonce: int


def verify_l1(
    headers: Mapping[str, str],
    *,
    now: float | None,
    chain_id: int = CHAIN_ID,
    tolerance: float = TIMESTAMP_TOLERANCE_S,
) -> L1Request:
    """Check the four L1 headers; return the proven address and nonce or raise AuthFailed."""
    values = {name: _header(headers, name) for name in L1_HEADERS}
    _check_timestamp(values["POLY_TIMESTAMP"], now, tolerance)
    try:
        nonce = int(values["POLY_NONCE"])
        if nonce < 0:
            raise ValueError(nonce)
        signer = recover_clob_auth(
            values["POLY_ADDRESS"],
            values["POLY_TIMESTAMP"],
            nonce,
            values["POLY_SIGNATURE"],
            chain_id,
        )
    except Exception:  # any malformed address, nonce or signature is the same 401
        raise AuthFailed("Invalid L1 Request headers") from None
    if signer.lower() != values["POLY_ADDRESS"].lower():
        raise AuthFailed("Invalid L1 Request headers")
    return L1Request(address=signer, nonce=nonce)


def derive_creds(master_secret: bytes, address: str, nonce: int) -> ApiCreds:
    """Deterministic creds for (address, nonce): the same seed gives the same keys."""

    def part(label: str) -> bytes:
        msg = f"{label}|{address.lower()}|{nonce}".encode()
        return hmac.new(master_secret, msg, hashlib.sha256).digest()

    raw = part("key")
    key = "-".join(raw[a:b].hex() for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 16)))
    secret = base64.urlsafe_b64encode(part("secret")).decode("ascii")
    passphrase = part("passphrase").hex()
    return ApiCreds(api_key=key, secret=secret, passphrase=passphrase, address=address, nonce=nonce)
