"""The periodic reconciliation on a healthy venue: how much it corrects (it should be
nothing) and what it costs.

    python bench/reconcile.py [--seconds 60] [--interval 5] [--stale] [--seed 7]

Runs the daemon (``TradingEngine``, default settings, a journal in a temporary
directory) on the embedded simulator of both venues with its flow, as ``predmm run``
does, reconciling every ``--interval`` seconds instead of every minute. ``--stale``
turns on the simulator's stale reads on both venues' order reads (a cancelled order
still listed as resting for 3 s, as Kalshi's reads lag its cancels). Prints the fills,
orders, reconciliations run, corrections journaled and positions disputed, each venue's
requests, and the corrections themselves; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import trio
from loguru import logger

from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetPlatformStats
from predmm.cli.daemon import embedded_simulator, with_links
from predmm.cli.venues import from_running_simulator
from predmm.config.settings import settings_from_dict
from predmm.domain.enums import Venue
from predmm.simulator.testing import running_simulator
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings

STALE_ROUTES = {Venue.KALSHI: "GET /portfolio/orders*", Venue.POLYMARKET: "GET /data/order*"}


async def run(seconds: float, interval: float, stale: bool, seed: int, journal: Path) -> Any:
    settings = settings_from_dict({}, "<defaults>")
    async with running_simulator(seed=seed, flow=True, **embedded_simulator()) as running:
        if stale:
            for venue, route in STALE_ROUTES.items():
                running.sim.faults.stale_reads(venue, route, window_s=3.0)
        setup = from_running_simulator(running)
        engine = TradingEngine(
            settings.strategy,
            with_links(settings.risk, setup),
            setup.clients,
            journal,
            timings=EngineTimings(reconcile_interval=interval),
            handle_signals=False,
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            await trio.sleep(seconds)
            stats = {
                venue.value: await trio.to_thread.run_sync(
                    lambda ref=ref: ref.ask(GetPlatformStats(), timeout=5)
                )
                for venue, ref in engine.platforms.items()
            }
            engine.request_stop()
        requests = {client.venue.value: _requests(client) for client in setup.clients}
    return stats, requests


def _requests(client: Any) -> int:
    stats = getattr(client, "http_stats", None)
    if stats is not None:
        return int(stats.requests)
    return int(client.transport.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--stale", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logger.remove()
    logger.add(lambda m: None, level="ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "predmm.sqlite3"
        stats, requests = trio.run(run, args.seconds, args.interval, args.stale, args.seed, journal)
        with Journal.open_read_only(journal) as reader:
            corrections = reader.corrections()
            fills, orders = reader.fill_count(), len(reader.orders())
    checks = int(args.seconds // args.interval)
    disputed = sum(len(s.disputed) for s in stats.values())
    print(f"{args.seconds:g} s, a reconciliation every {args.interval:g} s ({checks} per venue)")
    print(f"fills {fills}, orders {orders}, corrections {len(corrections)}, disputed {disputed}")
    print("requests per venue: " + ", ".join(f"{v} {n}" for v, n in requests.items()))
    for c in corrections[:20]:
        print(f"  {c.client_order_id}: {c.reason}")
    figures = {
        "seconds": args.seconds,
        "interval_s": args.interval,
        "stale_reads": args.stale,
        "reconciliations_per_venue": checks,
        "fills": fills,
        "orders": orders,
        "corrections": len(corrections),
        "disputed": disputed,
        "requests": requests,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
