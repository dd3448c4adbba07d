"""Kalshi request signing, verified the way the venue does it.

The client signs ``timestamp_ms + METHOD + path`` (path from the host, including
``/trade-api/v2`` or ``/trade-api/ws/v2``, without the query string) with its API key:
RSA-PSS (SHA-256, MGF1-SHA-256, salt length = digest length) for RSA keys, Ed25519 for
Ed25519 keys, and sends three headers. The venue looks the key id up, verifies the
signature against the registered public key and rejects stale timestamps.

Failures carry the exact 401 bodies recorded on Kalshi's demo environment
(kalshi-notes.md §2).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Generator, Mapping
from typing import Protocol

import attrs
import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

KEY_HEADER = "KALSHI-ACCESS-KEY"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


@attrs.frozen
class ApiKey:
    """An API key registered with the simulated venue: its id, its public key and the
    account it trades for."""

    key_id: str
    public_key: PublicKey
    account: str

    @classmethod
    def from_pem(cls, key_id: str, pem: bytes | str, account: str) -> ApiKey:
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
            raise ValueError(f"api key {key_id}: only RSA and Ed25519 keys are supported")
        return cls(key_id, key, account)

    @property
    def key_type(self) -> str:
        return "rsa" if isinstance(self.public_key, rsa.RSAPublicKey) else "ed25519"


@attrs.frozen
class TimestampWindow:
    """How far a request timestamp may lie from the venue's clock. Demo accepted 5 s of
    skew and rejected 30 s in the past; a perps host accepted 30 s ahead (notes §2)."""

    max_past_ms: int = 10_000
    max_future_ms: int = 60_000


class KeyLookup(Protocol):
    def get(self, key_id: str, /) -> ApiKey | None: ...


class AuthFailure(Exception):
    """A request the venue refuses with 401; ``body`` is the venue's JSON body."""

    def __init__(self, body: dict[str, object]) -> None:
        super().__init__(body)
        self.body = body


def _nested(code: str, message: str, details: str | None = None) -> dict[str, object]:
    error: dict[str, str] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


MISSING_HEADERS = _nested("signature_is_missing_from_headers", "signature is missing from headers")
TIMESTAMP_EXPIRED = _nested("header_timestamp_expired", "header timestamp expired")
BAD_SIGNATURE = _nested(
    "authentication_error", "authentication_error", "INCORRECT_API_KEY_SIGNATURE"
)
UNKNOWN_KEY = _nested("authentication_error", "authentication_error", "NOT_FOUND")
BAD_TIMESTAMP = _nested("authentication_error", "authentication_error", "INVALID_TIMESTAMP")


def message_to_sign(timestamp_ms: str, method: str, path: str) -> bytes:
    """The pre-sign text: the query string is never part of it."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def sign(private_key: PrivateKey, timestamp_ms: str, method: str, path: str) -> str:
    """What a Kalshi client sends in KALSHI-ACCESS-SIGNATURE (standard base64)."""
    message = message_to_sign(timestamp_ms, method, path)
    if isinstance(private_key, rsa.RSAPrivateKey):
        raw = private_key.sign(message, _PSS, hashes.SHA256())
    else:
        raw = private_key.sign(message)
    return base64.b64encode(raw).decode()


def signed_headers(
    key_id: str, private_key: PrivateKey, timestamp_ms: int, method: str, path: str
) -> dict[str, str]:
    ts = str(timestamp_ms)
    return {
        KEY_HEADER: key_id,
        SIGNATURE_HEADER: sign(private_key, ts, method, path),
        TIMESTAMP_HEADER: ts,
    }


def signature_is_valid(public_key: PublicKey, signature_b64: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(raw, message, _PSS, hashes.SHA256())
        else:
            public_key.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def has_auth_headers(headers: Mapping[str, str]) -> bool:
    return any(h in headers for h in (KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER))


def verify_request(
    headers: Mapping[str, str],
    method: str,
    path: str,
    keys: KeyLookup | Mapping[str, ApiKey],
    now_ms: int,
    window: TimestampWindow = TimestampWindow(),
) -> ApiKey:
    """The key that signed this request, or AuthFailure with the venue's 401 body.

    ``headers`` must be case-insensitive (Starlette's and httpx's are).
    """
    key_id = headers.get(KEY_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not key_id or not signature or not timestamp:
        raise AuthFailure(MISSING_HEADERS)
    if not timestamp.isdigit() or len(timestamp) > 16:
        raise AuthFailure(BAD_TIMESTAMP)
    age = now_ms - int(timestamp)
    if age > window.max_past_ms or -age > window.max_future_ms:
        raise AuthFailure(TIMESTAMP_EXPIRED)
    key = keys.get(key_id)
    if key is None:
        raise AuthFailure(UNKNOWN_KEY)
    if not signature_is_valid(key.public_key, signature, message_to_sign(timestamp, method, path)):
        raise AuthFailure(BAD_SIGNATURE)
    return key


def generate_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(private_key: PrivateKey) -> bytes:
    """PEM as Kalshi hands it out: PKCS#1 for RSA, PKCS#8 for Ed25519."""
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if isinstance(private_key, rsa.RSAPrivateKey)
        else serialization.PrivateFormat.PKCS8
    )
    return private_key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def public_key_pem(key: PrivateKey | PublicKey) -> bytes:
    public = (
        key.public_key() if isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) else key
    )
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class KalshiAuth(httpx.Auth):
    """Signs every httpx request as a Kalshi client does (the three headers over
    ``timestamp + METHOD + path`` without the query)."""

    def __init__(
        self,
        key_id: str,
        private_key: PrivateKey,
        *,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.key_id = key_id
        self.private_key = private_key
        self.clock_ms = clock_ms

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = signed_headers(
            self.key_id, self.private_key, self.clock_ms(), request.method, request.url.path
        )
        request.headers.update(headers)
        yield request
