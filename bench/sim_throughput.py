"""How many order operations per second the simulator handles.

In-process: place (resting and crossing) and cancel calls straight on the Exchange of a
``Simulator`` (no flow), a fixed seeded mix. Over HTTP (if the Kalshi front end is
importable): signed V2 creates and cancels over loopback to the served Kalshi app, with
its rate limits off. The last line printed is one JSON object.

    .venv/bin/python bench/sim_throughput.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import trio

from predmm.domain import OrderSide, TimeInForce, Venue, VenueOrderId
from predmm.simulator import Simulator

D = Decimal


def in_process(ops: int, seed: int = 1) -> dict[str, Any]:
    sim = Simulator(seed=seed, flow=False, maker_cash=D(10) ** 9)
    ex = sim.exchange
    others = [sim.create_trader(f"t{i}", cash=D(10) ** 9) for i in range(3)]
    accounts = [sim.maker.kalshi_account] + [t.kalshi_account for t in others]
    mid = ex.market_ids(Venue.KALSHI)[0]
    rng = random.Random(seed)
    resting: list[VenueOrderId] = []
    counts = {"place": 0, "cancel": 0, "fills": 0}
    start = time.perf_counter()
    for _ in range(ops):
        roll = rng.random()
        account = rng.choice(accounts)
        side = rng.choice((OrderSide.YES, OrderSide.NO))
        if roll < 0.45 or not resting:  # a resting order near the middle
            cents = rng.randint(40, 49)
            out = ex.place_order(account, mid, side, D(cents) / 100, D(rng.randint(1, 50)))
            if out.order is not None and out.order.is_resting:
                resting.append(out.order.order_id)
            counts["place"] += 1
        elif roll < 0.85:  # cancel one
            ex.cancel_order(resting.pop(rng.randrange(len(resting))))
            counts["cancel"] += 1
        else:  # a crossing IOC
            out = ex.place_order(
                account,
                mid,
                side,
                D(rng.randint(51, 60)) / 100,
                D(rng.randint(1, 80)),
                time_in_force=TimeInForce.IOC,
            )
            counts["place"] += 1
            counts["fills"] += len(out.fills)
    elapsed = time.perf_counter() - start
    assert ex.audit() == [], ex.audit()
    return {"ops": ops, "seconds": round(elapsed, 3), "ops_per_s": round(ops / elapsed), **counts}


def _apps(sim: Simulator) -> Any:
    from predmm.simulator.kalshi import KalshiOptions, create_kalshi_app
    from predmm.simulator.polymarket import create_clob_app, create_gamma_app
    from predmm.simulator.server import SimulatorApps

    return SimulatorApps(
        kalshi=create_kalshi_app(sim, KalshiOptions(rate_limits=False)),
        clob=create_clob_app(sim),
        gamma=create_gamma_app(sim),
    )


async def serve_for_bench() -> None:
    """The child process: serve a fresh simulator (Kalshi rate limits off), print one
    JSON line with the URL, the ticker and the maker's key, run until killed."""
    from predmm.simulator.server import serve

    sim = Simulator(seed=1, flow=False, maker_cash=D(10) ** 6)
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(
            lambda task_status: serve(sim, apps=_apps(sim), task_status=task_status)
        )
        info = {
            "base_url": urls.kalshi_base_url,
            "ticker": sim.exchange.market_ids(Venue.KALSHI)[0].symbol,
            "key_id": sim.maker.kalshi_key.key_id,
            "pem": sim.maker.kalshi_key.private_key_pem,
        }
        print(json.dumps(info), flush=True)


async def _load(info: dict[str, str], ops: int, concurrency: int) -> dict[str, Any]:
    """``concurrency`` clients each creating and cancelling orders, signed as Kalshi asks."""
    import httpx
    from cryptography.hazmat.primitives import serialization

    from predmm.simulator.kalshi import KalshiAuth
    from predmm.simulator.kalshi.testing import order_body

    done = {"create": 0, "cancel": 0, "errors": 0}
    ticker = info["ticker"]

    async def worker(client: httpx.AsyncClient, n: int, rng: random.Random) -> None:
        for _ in range(n // 2):
            price = f"0.{rng.randint(30, 45)}00"
            r = await client.post("/portfolio/events/orders", json=order_body(ticker, price=price))
            done["create"] += 1
            if r.status_code != 201:
                done["errors"] += 1
                continue
            oid = r.json()["order_id"]
            r = await client.delete(f"/portfolio/events/orders/{oid}", params={"ticker": ticker})
            done["cancel"] += 1
            done["errors"] += r.status_code != 200

    key = serialization.load_pem_private_key(info["pem"].encode(), None)
    auth = KalshiAuth(info["key_id"], key)  # type: ignore[arg-type]
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=info["base_url"], auth=auth, limits=limits) as client:
        start = time.perf_counter()
        async with trio.open_nursery() as workers:
            for i in range(concurrency):
                workers.start_soon(worker, client, ops // concurrency, random.Random(i))
        elapsed = time.perf_counter() - start
    total = done["create"] + done["cancel"]
    return {"ops": total, "seconds": round(elapsed, 3), "ops_per_s": round(total / elapsed), **done}


async def http_same_process(ops: int, concurrency: int = 8) -> dict[str, Any]:
    """The simulator served in this trio run (as the daemon embeds it), clients beside it."""
    from predmm.simulator.server import serve

    sim = Simulator(seed=1, flow=False, maker_cash=D(10) ** 6)
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(
            lambda task_status: serve(sim, apps=_apps(sim), task_status=task_status)
        )
        info = {
            "base_url": urls.kalshi_base_url,
            "ticker": sim.exchange.market_ids(Venue.KALSHI)[0].symbol,
            "key_id": sim.maker.kalshi_key.key_id,
            "pem": sim.maker.kalshi_key.private_key_pem,
        }
        result = await _load(info, ops, concurrency)
        nursery.cancel_scope.cancel()
    return result


async def http_child_process(ops: int, concurrency: int = 8) -> dict[str, Any]:
    """The simulator served by a child process (``--serve``), clients here."""
    child = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        with trio.fail_after(30):
            line = b""
            while not line.endswith(b"\n"):
                chunk = await child.stdout.receive_some(65536)
                if not chunk:
                    raise RuntimeError("the bench server exited before it started")
                line += chunk
        return await _load(json.loads(line), ops, concurrency)
    finally:
        child.kill()
        await child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (well under a minute)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        trio.run(serve_for_bench)
        return
    n_in, n_http = (20_000, 400) if args.quick else (200_000, 2_000)
    result: dict[str, Any] = {"in_process": in_process(n_in)}
    print(
        f"in-process: {result['in_process']['ops_per_s']} order operations/s "
        f"({result['in_process']})"
    )
    for name, fn in (
        ("http_same_process", http_same_process),
        ("http_child_process", http_child_process),
    ):
        try:
            result[name] = trio.run(fn, n_http)
            print(
                f"{name} (Kalshi, loopback): {result[name]['ops_per_s']} operations/s", result[name]
            )
        except ImportError as exc:
            result[name] = None
            print(f"{name}: skipped, front end not importable ({exc})")
    result["target_in_process_ops_per_s"] = 5000
    print(json.dumps(result))


if __name__ == "__main__":
    main()
