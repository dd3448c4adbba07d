"""Kalshi's venue-side safety net measured: a ``predmm run`` process quoting Kalshi with
orders that expire ``--ttl`` seconds after they were placed or last renewed, what the
renewals cost on the write rate limiter while it runs, and how long after a SIGKILL
nothing of it rests any more.

    python bench/sigkill.py [--ttl 60] [--observe 120] [--seed 7] [--group-limit 100]

The simulator runs in this process (Kalshi's front end on 127.0.0.1, its seeded flow, as
``predmm sim`` serves it); the daemon is a separate ``predmm run --sim-credentials DIR
--config FILE`` process on Kalshi alone (default strategy settings). Renewals are told
apart from price amends at the exchange: an amend that left an order's price and size as
they were and moved its expiration. After ``--observe`` seconds of quoting the daemon
is SIGKILLed, and the exchange is read every 50 ms until the account has nothing
resting. Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from predmm.domain.enums import OrderStatus, Venue
from predmm.simulator.credentials import write_kalshi_credentials
from predmm.simulator.exchange import OrderUpdated
from predmm.simulator.testing import running_simulator, wall_clock_start
from predmm.simulator.universe import default_universe

ROOT = Path(__file__).resolve().parents[1]
AMEND_TOKENS = 10  # Kalshi's cost of an amend (the default cost of a write)


class Renewals:
    """Amends of the maker's orders that moved the expiration only."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.seen: dict[Any, tuple[Decimal, Decimal, datetime | None]] = {}
        self.count = 0

    def __call__(self, event: Any) -> None:
        if not isinstance(event, OrderUpdated) or event.account_id != self.account:
            return
        order = event.order
        terms = (order.price, order.quantity, order.expiration)
        before = self.seen.get(order.order_id)
        self.seen[order.order_id] = terms
        if before is not None and before[:2] == terms[:2] and before[2] != terms[2]:
            self.count += 1


def resting(sim: Any) -> list[Any]:
    account = sim.maker.kalshi_account
    return [o for o in sim.exchange.open_orders(account) if o.market_id.venue is Venue.KALSHI]


async def measure(ttl: int, observe: float, seed: int, limit: int, folder: Path) -> dict[str, Any]:
    start = wall_clock_start()
    universe = default_universe(start, history=True)
    async with running_simulator(seed=seed, flow=True, start=start, universe=universe) as run:
        sim = run.sim
        write_kalshi_credentials(
            folder / "creds", sim.maker.kalshi_key, base_url=run.kalshi.base_url,
            ws_url=run.kalshi.ws_url,
        )  # fmt: skip
        config = folder / "mm.toml"
        config.write_text(f"[kalshi]\norder_ttl_s = {ttl}\norder_group_limit = {limit}\n")
        renewals = Renewals(sim.maker.kalshi_account)
        sim.exchange.subscribe(renewals, types=(OrderUpdated,))
        args = ["run", "--sim-credentials", str(folder / "creds"), "--config", str(config)]
        args += ["--journal", str(folder / "j.sqlite3"), "--no-view", "--metrics-port", "0"]
        log = open(folder / "run.log", "w")  # noqa: SIM115
        daemon = subprocess.Popen(
            [sys.executable, "-c", "from predmm.cli.main import main; main()", *args],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        try:
            with trio.fail_after(120):
                while not resting(sim):
                    await trio.sleep(0.1)
            renewals.count, began, samples = 0, time.monotonic(), []
            while time.monotonic() - began < observe:
                samples.append(len(resting(sim)))
                await trio.sleep(0.5)
            elapsed = time.monotonic() - began
            left = resting(sim)
            daemon.send_signal(signal.SIGKILL)
            killed, killed_at = time.monotonic(), datetime.now(UTC)
            daemon.wait(timeout=10)
            orphans = resting(sim)
            latest = max((o.expiration for o in orphans if o.expiration), default=killed_at)
            with trio.fail_after(ttl + 30):
                while resting(sim):
                    await trio.sleep(0.05)
            emptied = time.monotonic() - killed
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait(timeout=10)
            log.close()
        ends = [sim.exchange.order(o.order_id).status for o in orphans]
    orders = sum(samples) / len(samples) if samples else 0.0
    return {
        "ttl_s": ttl,
        "order_group_limit": limit,
        "observed_s": round(elapsed, 1),
        "orders_resting_avg": round(orders, 1),
        "renewals": renewals.count,
        "renewal_tokens_per_s": round(renewals.count * AMEND_TOKENS / elapsed, 2),
        "renewals_per_order_per_min": round(renewals.count / orders / elapsed * 60, 2)
        if orders
        else 0.0,
        "resting_at_kill": len(left),
        "orphans": len(orphans),
        "orphans_expired": sum(1 for s in ends if s is OrderStatus.EXPIRED),
        "latest_expiry_after_kill_s": round((latest - killed_at).total_seconds(), 2),
        "kill_to_nothing_resting_s": round(emptied, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ttl", type=int, default=60)
    parser.add_argument("--observe", type=float, default=None, help="default: 2 x ttl")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--group-limit", type=int, default=100)
    opts = parser.parse_args()
    observe = opts.observe if opts.observe is not None else 2 * opts.ttl
    with tempfile.TemporaryDirectory(prefix="predmm-sigkill-") as tmp:
        result = trio.run(measure, opts.ttl, observe, opts.seed, opts.group_limit, Path(tmp))
    print(f"order_ttl_s {result['ttl_s']}, quoting {result['observed_s']} s on Kalshi:")
    print(
        f"  {result['orders_resting_avg']} orders resting on average,"
        f" {result['renewals']} renewals: {result['renewals_per_order_per_min']} per order"
        f" per minute, {result['renewal_tokens_per_s']} write tokens/s"
    )
    print(
        f"  SIGKILL with {result['orphans']} orders resting: the latest expires"
        f" {result['latest_expiry_after_kill_s']} s after the kill;"
        f" nothing resting {result['kill_to_nothing_resting_s']} s after it"
        f" ({result['orphans_expired']} expired)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
