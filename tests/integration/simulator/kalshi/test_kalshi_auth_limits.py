"""Kalshi request signing (RSA-PSS and Ed25519, stale timestamps, wrong keys) and the
token buckets (429 ``too many requests`` with no headers)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from starlette.applications import Starlette

from predmm.simulator import Simulator
from predmm.simulator.credentials import KalshiKey
from predmm.simulator.kalshi import KalshiAuth, KalshiOptions, auth, create_kalshi_app
from predmm.simulator.kalshi.testing import order_body, private_key

FED = "KXFEDDECISION-26DEC-C25"
# RFC 8032 test key 1; kalshi-notes.md §11 lists its signatures of Kalshi pre-sign texts
ED25519_PEM = (
    b"-----BEGIN PRIVATE KEY-----\n"
    b"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    b"-----END PRIVATE KEY-----\n"
)
NOTES_VECTORS = [
    (
        "1703123456789GET/trade-api/v2/portfolio/balance",
        "caolQIFa1fF7caKRpD82JbF1w9tsbGMzaRudHdnCIwVEkhfFIlzIy4HeCQTeFteU9o8UTOmEvwbutRb9MEJbAA==",
    ),
    (
        "1703123456789GET/trade-api/v2/portfolio/orders",
        "URVySOtwUGGN1MMzAC340P0XF/+jdSCr2J3qWiG321RopcUswFcnv5Q6zEJFaVtw76Q5rW2CfTalBsLWQSmnAg==",
    ),
    (
        "1703123456789GET/trade-api/ws/v2",
        "UxSfhWWEyZ1QqfOB6kwZsQObor0jGMZVIh+hDqydvkYD4gYeWXPuOB2+jmtHhWtK00AKZNNunN+JcxddbXtNDA==",
    ),
    (
        "1703123456789POST/trade-api/v2/portfolio/events/orders",
        "0QpWibMOICW7GcsR2QVXSLi+4s2EwyYdYP2ypIV/6vEqQPr5hKsX+kHaxO6SOVuIR60F5Lms8Ds0mnn63IMMBA==",
    ),
]


def _ed25519() -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(ED25519_PEM, None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


@pytest.mark.parametrize(("message", "signature"), NOTES_VECTORS)
def test_ed25519_signatures_match_the_notes_vectors(message: str, signature: str) -> None:
    ts, rest = message[:13], message[13:]
    method = "POST" if rest.startswith("POST") else "GET"
    path = rest[len(method) :]
    assert auth.sign(_ed25519(), ts, method, path) == signature
    public = _ed25519().public_key()
    assert auth.signature_is_valid(public, signature, message.encode())


def test_query_string_is_not_signed_and_rsa_pss_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = auth.signed_headers(
        "k", rsa_key, 1_000, "GET", "/trade-api/v2/portfolio/orders?limit=5"
    )
    keys = {"k": auth.ApiKey("k", rsa_key.public_key(), "acct")}
    path = "/trade-api/v2/portfolio/orders"
    assert auth.verify_request(headers, "GET", path, keys, 1_000).account == "acct"
    signed_with_query = {
        **headers,
        auth.SIGNATURE_HEADER: auth.sign(rsa_key, "1000", "GET", path + "X?limit=5"),
    }
    with pytest.raises(auth.AuthFailure):
        auth.verify_request(signed_with_query, "GET", path, keys, 1_000)


def _now_ms() -> int:
    return int(time.time() * 1000)


async def _balance_status(client: httpx.AsyncClient) -> tuple[int, dict[str, object]]:
    response = await client.get("/portfolio/balance")
    return response.status_code, response.json()


async def test_requests_with_bad_credentials_get_401(
    app: Starlette,
    sim: Simulator,
    rsa_key: rsa.RSAPrivateKey,
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    key_id = sim.maker.kalshi_key.key_id
    cases = {
        "stale": (
            KalshiAuth(key_id, private_key(sim.maker), clock_ms=lambda: _now_ms() - 60_000),
            "header_timestamp_expired",
        ),
        "wrong key": (KalshiAuth(key_id, rsa_key), "authentication_error"),
        "unknown id": (KalshiAuth("not-a-key", private_key(sim.maker)), "authentication_error"),
    }
    for name, (signer, code) in cases.items():
        async with make_client(app, None, signer=signer) as c:
            status, body = await _balance_status(c)
        assert (status, body["error"]["code"]) == (401, code), name  # type: ignore[index]
    async with make_client(app, None) as anonymous:
        status, body = await _balance_status(anonymous)
        assert (status, body) == (
            401,
            {
                "error": {
                    "code": "signature_is_missing_from_headers",
                    "message": "signature is missing from headers",
                }
            },
        )
        assert (await anonymous.get("/markets")).status_code == 200  # public
        placed = await anonymous.post("/portfolio/events/orders", json=order_body(FED))
        assert placed.status_code == 401
    assert sim.exchange.orders(sim.maker.kalshi_account) == []


async def test_ed25519_key_is_accepted(
    app: Starlette, sim: Simulator, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    trader = sim.create_trader("ed")
    key = _ed25519()
    sim.credentials.add_kalshi(
        KalshiKey(
            key_id="ed25519-key",
            account_id=trader.kalshi_account,
            private_key_pem=ED25519_PEM.decode(),
            public_key_pem=auth.public_key_pem(key).decode(),
        )
    )
    async with make_client(app, None, signer=KalshiAuth("ed25519-key", key)) as c:
        status, body = await _balance_status(c)
    assert status == 200
    assert body["balance_dollars"] == "10000.0000"


async def test_empty_bucket_answers_429_without_headers(
    sim: Simulator, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    frozen = create_kalshi_app(sim, KalshiOptions(tier="basic", monotonic=lambda: 0.0))
    async with make_client(frozen, sim.maker) as c:
        # Basic write bucket: 100 tokens; a create costs 10
        ids = []
        for i in range(10):
            created = await c.post(
                "/portfolio/events/orders", json=order_body(FED, price=f"0.{10 + i}00")
            )
            assert created.status_code == 201
            ids.append(created.json()["order_id"])
        refused = await c.post("/portfolio/events/orders", json=order_body(FED))
        assert (refused.status_code, refused.json()) == (429, {"error": "too many requests"})
        assert "retry-after" not in refused.headers
        assert not any(h.startswith("x-ratelimit") for h in refused.headers)
        # reads have their own bucket; the balance its own (1 per second at Basic)
        assert (await c.get("/portfolio/orders")).status_code == 200
        assert (await c.get("/portfolio/balance")).status_code == 200
        assert (await c.get("/portfolio/balance")).status_code == 429
        assert (await c.delete(f"/portfolio/events/orders/{ids[0]}")).status_code == 429
    assert len(sim.exchange.open_orders(sim.maker.kalshi_account)) == 10


async def test_bucket_refills_and_cancels_cost_two(
    sim: Simulator, make_client: Callable[..., httpx.AsyncClient]
) -> None:
    clock = [0.0]
    app = create_kalshi_app(sim, KalshiOptions(tier="basic", monotonic=lambda: clock[0]))
    async with make_client(app, sim.maker) as c:
        oid = ""
        for _ in range(9):
            created = await c.post(
                "/portfolio/events/orders", json=order_body(FED, price="0.1000", count="1")
            )
            oid = created.json()["order_id"]
        # 10 tokens left: five cancels (2 each) fit, the sixth does not
        for _ in range(5):
            assert (await c.delete(f"/portfolio/events/orders/{oid}")).status_code in (200, 404)
        assert (await c.delete(f"/portfolio/events/orders/{oid}")).status_code == 429
        batch = {"orders": [order_body(FED, price="0.1000", count="1")] * 2}
        clock[0] = 0.15  # +15 tokens: a batch of 2 (20 tokens) must fit whole
        assert (await c.post("/portfolio/events/orders/batched", json=batch)).status_code == 429
        clock[0] = 0.2
        assert (await c.post("/portfolio/events/orders/batched", json=batch)).status_code == 201
