"""Venue adapter benchmarks: signing throughput and place+cancel round trips.

    python bench/venues.py [--quick]

Prints one line per figure and, last, one JSON object with ``polymarket_sign_per_s``,
``kalshi_sign_per_s``, ``kalshi_roundtrip_per_s`` and ``polymarket_roundtrip_per_s``
(null where a figure could not be measured; the reason is printed above it).
Round trips run against the simulator on 127.0.0.1 (one resting post-only order placed
and cancelled per trip, sequentially, through the venue client).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from predmm.domain import Action, ClientOrderId, MarketId, Order, OrderSide, Venue

DEV_KEY = "0x" + "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _rate(work: Callable[[int], None], seconds: float) -> float:
    """Calls per second of ``work(i)`` over about ``seconds``."""
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            work(n)
            n += 1
    return n / elapsed


def polymarket_sign_per_s(seconds: float) -> float:
    """Orders built (amounts on the tick's round config) and EIP-712 signed per second."""
    from predmm.platforms.polymarket import PolymarketPlatform
    from predmm.platforms.polymarket._parse import MarketInfo

    platform = PolymarketPlatform(private_key=DEV_KEY)
    mid = MarketId(Venue.POLYMARKET, "0x" + "ab" * 32)
    info = MarketInfo(market_id=mid, yes_token="1" * 70, no_token="2" * 70, tick=Decimal("0.01"))

    def work(i: int) -> None:
        order = Order(
            client_order_id=ClientOrderId(f"bench-{i}"),
            market_id=mid,
            side=OrderSide.YES if i % 2 else OrderSide.NO,
            action=Action.BUY,
            price=Decimal("0.01") * (1 + i % 98),
            quantity=Decimal("12.5"),
        )
        platform.sign(order, info)

    return _rate(work, seconds)


def kalshi_sign_per_s(seconds: float) -> float | None:
    """Kalshi requests signed per second (RSA-PSS SHA-256, a 2048-bit key)."""
    try:
        from predmm.platforms.kalshi import KalshiSigner
    except ImportError as exc:
        print(f"kalshi signing: skipped ({exc})")
        return None
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    signer = KalshiSigner("bench-key", pem)

    def work(i: int) -> None:
        signer.headers(1_700_000_000_000 + i, "POST", "/trade-api/v2/portfolio/orders")

    return _rate(work, seconds)


async def _roundtrips(client: Any, market_id: MarketId, price: Decimal, seconds: float) -> float:
    """Sequential place + cancel of one resting post-only order."""
    n, start = 0, trio.current_time()
    while trio.current_time() - start < seconds:
        order = Order(
            client_order_id=ClientOrderId(f"rt-{n}-{time.time_ns()}"),
            market_id=market_id,
            side=OrderSide.YES,
            action=Action.BUY,
            price=price,
            quantity=Decimal(5),
        )
        (placed,) = await client.place_orders([order])
        if placed.venue_order_id is None:
            raise RuntimeError(f"round trip order refused: {placed.reason}")
        placed_order = Order(
            client_order_id=order.client_order_id,
            market_id=market_id,
            side=order.side,
            price=price,
            quantity=order.quantity,
            venue_order_id=placed.venue_order_id,
        )
        (cancelled,) = await client.cancel_orders([placed_order])
        if not cancelled.cancelled:
            raise RuntimeError(f"round trip cancel refused: {cancelled.reason}")
        n += 1
    return n / (trio.current_time() - start)


async def _venue_roundtrip(client: Any, seconds: float) -> float:
    markets = [m for m in await client.get_markets(status="open") if m.is_open]
    if not markets:
        raise RuntimeError("the simulator lists no open market")
    market = markets[0]
    return await _roundtrips(client, market.market_id, market.tick.min_price, seconds)


def _polymarket_client(endpoint: Any) -> Any:
    from predmm.platforms.polymarket import PolymarketPlatform

    return PolymarketPlatform(
        private_key=endpoint.private_key,
        api_key=endpoint.api_key,
        api_secret=endpoint.secret,
        api_passphrase=endpoint.passphrase,
        clob_url=endpoint.clob_url,
        gamma_url=endpoint.gamma_url,
        ws_url=endpoint.ws_url,
    )


def _kalshi_client(endpoint: Any) -> Any:
    from predmm.platforms.kalshi import KalshiPlatform

    return KalshiPlatform(
        api_key=endpoint.key_id,
        api_secret=endpoint.private_key_pem,
        base_url=endpoint.base_url,
    )


async def roundtrips(seconds: float) -> dict[str, float | None]:
    figures: dict[str, float | None] = {
        "kalshi_roundtrip_per_s": None,
        "polymarket_roundtrip_per_s": None,
    }
    try:
        from predmm.simulator.testing import running_simulator
    except ImportError as exc:
        print(f"round trips: skipped, no simulator harness ({exc})")
        return figures
    venues: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "kalshi_roundtrip_per_s": ("kalshi", _kalshi_client),
        "polymarket_roundtrip_per_s": ("polymarket", _polymarket_client),
    }
    async with running_simulator(seed=11, flow=False) as running:
        for figure, (name, make) in venues.items():
            try:
                client = make(getattr(running, name))
            except (ImportError, AttributeError, TypeError) as exc:
                print(f"{name} round trips: skipped, no client ({exc})")
                continue
            try:
                figures[figure] = await _venue_roundtrip(client, seconds)
            except Exception as exc:  # a missing route or an unready simulator: say why
                print(f"{name} round trips: skipped ({type(exc).__name__}: {exc})")
            finally:
                await client.aclose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    args = parser.parse_args(argv)
    seconds = 2.0 if args.quick else 10.0
    figures: dict[str, float | None] = {
        "polymarket_sign_per_s": polymarket_sign_per_s(seconds),
        "kalshi_sign_per_s": kalshi_sign_per_s(seconds),
    }
    figures |= trio.run(roundtrips, seconds)
    for name, value in figures.items():
        print(f"{name}: {'n/a' if value is None else f'{value:,.0f}'}")
    print(json.dumps({k: None if v is None else round(v, 1) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
