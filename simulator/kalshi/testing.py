"""Helpers for tests that talk to the Kalshi front end as a client written to Kalshi's
spec would: signed httpx clients over ``httpx.ASGITransport``, and order bodies."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from predmm.simulator.kalshi.auth import KalshiAuth, PrivateKey

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from predmm.simulator import Trader

BASE_URL = "http://kalshi.test/trade-api/v2"
ResponseHook = Callable[[httpx.Response], Awaitable[None]]


def private_key(trader: Trader) -> PrivateKey:
    """The trader's Kalshi RSA private key (loading a PEM costs ~0.1 s: cached)."""
    return _load_private_key(trader.kalshi_key.private_key_pem)


@functools.lru_cache(maxsize=64)
def _load_private_key(pem: str) -> PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def kalshi_client(
    app: Starlette,
    trader: Trader | None,
    *,
    signer: httpx.Auth | None = None,
    on_response: ResponseHook | None = None,
) -> httpx.AsyncClient:
    """An httpx client of ``app`` that signs as ``trader`` (or with ``signer``);
    ``on_response`` sees every response, its body already read."""

    async def hook(response: httpx.Response) -> None:
        await response.aread()
        if on_response is not None:
            await on_response(response)

    if signer is None and trader is not None:
        signer = KalshiAuth(trader.kalshi_key.key_id, private_key(trader))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        auth=signer,
        event_hooks={"response": [hook]},
    )


def order_body(
    ticker: str,
    side: str = "bid",
    price: str = "0.4000",
    count: str = "10.00",
    tif: str = "good_till_canceled",
    **extra: Any,
) -> dict[str, Any]:
    """A CreateOrderV2Request body (``extra`` adds or overrides fields)."""
    body: dict[str, Any] = {
        "ticker": ticker,
        "side": side,
        "price": price,
        "count": count,
        "time_in_force": tif,
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(extra)
    return body
