"""Kalshi request signing.

Every private request (and the websocket upgrade) carries three headers: the key id,
the timestamp in milliseconds and a signature of ``timestamp_ms + METHOD + path``, where
``path`` starts at ``/trade-api/...`` and never includes the query string. RSA keys sign
with RSA-PSS (SHA-256, MGF1-SHA-256, salt length 32 = the digest length), Ed25519 keys
with plain Ed25519 (kalshi-notes.md §2, §11).

The private key never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from predmm.domain.errors import ConfigError

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def message_to_sign(timestamp_ms: int | str, method: str, path: str) -> bytes:
    """The pre-sign text; a query string on ``path`` is dropped."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def load_private_key(secret: str | bytes | Path) -> PrivateKey:
    """An RSA or Ed25519 private key from PEM text (PKCS#1 or PKCS#8) or a PEM file path."""
    data = _pem_bytes(secret)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"api_secret is not an unencrypted PEM private key ({type(exc).__name__})"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ConfigError(f"api_secret: {type(key).__name__} keys are not supported (RSA, Ed25519)")
    return key


def _pem_bytes(secret: str | bytes | Path) -> bytes:
    if isinstance(secret, Path):
        return _read_key_file(secret)
    text = secret.decode() if isinstance(secret, bytes) else secret
    if "-----BEGIN" in text:
        return text.encode()
    return _read_key_file(Path(text).expanduser())


def _read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        # The path is not secret; the text would be if it were a mangled PEM.
        name = str(path) if len(str(path)) < 512 and "\n" not in str(path) else "<not a path>"
        raise ConfigError(f"api_secret: cannot read key file {name}: {exc.strerror}") from None


class KalshiSigner:
    """Signs requests for one API key. ``repr`` shows the key id and type only."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key_id: str, secret: str | bytes | Path | PrivateKey) -> None:
        if not key_id:
            raise ConfigError("api_key (the Kalshi key id) must not be empty")
        self.key_id = key_id
        if isinstance(secret, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            self._key: PrivateKey = secret
        else:
            self._key = load_private_key(secret)

    @property
    def key_type(self) -> str:
        return "rsa" if isinstance(self._key, rsa.RSAPrivateKey) else "ed25519"

    def __repr__(self) -> str:
        return f"KalshiSigner(key_id={self.key_id!r}, key_type={self.key_type!r})"

    def sign(self, timestamp_ms: int | str, method: str, path: str) -> str:
        """The standard-base64 signature of one request."""
        message = message_to_sign(timestamp_ms, method, path)
        if isinstance(self._key, rsa.RSAPrivateKey):
            raw = self._key.sign(message, _PSS, hashes.SHA256())
        else:
            raw = self._key.sign(message)
        return base64.b64encode(raw).decode()

    def headers(self, timestamp_ms: int, method: str, path: str) -> dict[str, str]:
        return {
            KEY_HEADER: self.key_id,
            TIMESTAMP_HEADER: str(timestamp_ms),
            SIGNATURE_HEADER: self.sign(timestamp_ms, method, path),
        }
