"""Kalshi request signing against the notes' §11 vectors and a verifier."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from predmm.domain.errors import ConfigError
from predmm.platforms.kalshi import KalshiPlatform, KalshiSigner, message_to_sign
from predmm.platforms.kalshi.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

ED25519_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n"
)
VECTORS = [
    (
        "GET",
        "/trade-api/v2/portfolio/balance",
        "caolQIFa1fF7caKRpD82JbF1w9tsbGMzaRudHdnCIwVEkhfFIlzIy4HeCQTeFteU9o8UTOmEvwbutRb9MEJbAA==",
    ),
    (
        "GET",
        "/trade-api/v2/portfolio/orders",
        "URVySOtwUGGN1MMzAC340P0XF/+jdSCr2J3qWiG321RopcUswFcnv5Q6zEJFaVtw76Q5rW2CfTalBsLWQSmnAg==",
    ),
    (
        "GET",
        "/trade-api/ws/v2",
        "UxSfhWWEyZ1QqfOB6kwZsQObor0jGMZVIh+hDqydvkYD4gYeWXPuOB2+jmtHhWtK00AKZNNunN+JcxddbXtNDA==",
    ),
    (
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        "0QpWibMOICW7GcsR2QVXSLi+4s2EwyYdYP2ypIV/6vEqQPr5hKsX+kHaxO6SOVuIR60F5Lms8Ds0mnn63IMMBA==",
    ),
]
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pkcs1(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def test_message_is_timestamp_method_path_without_query() -> None:
    assert message_to_sign(1703123456789, "get", "/trade-api/v2/portfolio/orders?limit=5") == (
        b"1703123456789GET/trade-api/v2/portfolio/orders"
    )


@pytest.mark.parametrize(("method", "path", "expected"), VECTORS)
def test_ed25519_signatures_equal_the_vectors(method: str, path: str, expected: str) -> None:
    signer = KalshiSigner("key-id", ED25519_PEM)
    assert signer.key_type == "ed25519"
    assert signer.sign("1703123456789", method, path) == expected


def test_ed25519_ignores_the_query_string() -> None:
    signer = KalshiSigner("key-id", ED25519_PEM)
    assert (
        signer.sign(1703123456789, "GET", "/trade-api/v2/portfolio/orders?limit=5")
        == (VECTORS[1][2])
    )


def test_rsa_pss_salt_32_verifies_and_the_query_is_not_signed(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    signer = KalshiSigner("key-id", _pkcs1(rsa_key))
    headers = signer.headers(1703123456789, "GET", "/trade-api/v2/portfolio/orders?limit=5")
    assert headers[KEY_HEADER] == "key-id"
    assert headers[TIMESTAMP_HEADER] == "1703123456789"
    raw = base64.b64decode(headers[SIGNATURE_HEADER], validate=True)
    public = rsa_key.public_key()
    public.verify(raw, b"1703123456789GET/trade-api/v2/portfolio/orders", PSS, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(
            raw, b"1703123456789GET/trade-api/v2/portfolio/orders?limit=5", PSS, hashes.SHA256()
        )


def test_key_loads_from_a_file_path_pkcs8(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    path = tmp_path / "kalshi.pem"
    path.write_bytes(
        rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for secret in (str(path), path):
        signer = KalshiSigner("key-id", secret)
        raw = base64.b64decode(signer.sign(1, "GET", "/trade-api/v2/x"))
        rsa_key.public_key().verify(raw, b"1GET/trade-api/v2/x", PSS, hashes.SHA256())


def test_secret_never_shows_in_repr_or_errors(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _pkcs1(rsa_key)
    body = pem.splitlines()[1]
    platform = KalshiPlatform(
        api_key="key-id", api_secret=pem, base_url="http://127.0.0.1:9/trade-api/v2"
    )
    assert body not in repr(platform)
    assert body not in repr(KalshiSigner("key-id", pem))
    broken = pem.replace(body, body[:-4] + "AAAA")
    with pytest.raises(ConfigError) as info:
        KalshiSigner("key-id", broken[:200] + broken[260:])
    assert body[:40] not in str(info.value)


def test_missing_key_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read key file"):
        KalshiSigner("key-id", str(tmp_path / "absent.pem"))
