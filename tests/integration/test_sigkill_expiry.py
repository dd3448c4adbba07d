"""The acceptance of Kalshi's venue-side safety net: a ``predmm run`` process quoting on
a separately running ``predmm sim`` (Kalshi only) with the safety net on, SIGKILLed: no
order of its rests on the simulator past the configured expiry. While it runs, its
orders outlive their TTL (it renews them); once it is dead, nothing renews them and
Kalshi expires every one within ``order_ttl_s`` (6 s here, so the test is quick; the
README's figure is ``bench/sigkill.py`` at the default 60 s).

Waiting on the other processes polls, as in ``test_crash_recovery``: short sleeps
between read-only looks at the venue, each wait bounded by a deadline.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from predmm.cli.venues import kalshi_from_file
from predmm.domain.enums import OrderStatus
from predmm.domain.orders import Order
from predmm.platforms.kalshi import KalshiPlatform
from tests.integration.test_crash_recovery import reaped, spawn, until, wait_for_line

TTL = 6
# the simulator's clock starts on a whole second (up to 1 s behind the wall clock) and
# moves every 0.25 s; the venue is looked at every 0.1 s
SLACK = 1.5


@pytest.fixture
def kalshi_only(tmp_path: Path) -> Iterator[Path]:
    """A ``predmm sim`` and its Kalshi credentials alone (the daemon trades Kalshi only)."""
    creds = tmp_path / "creds"
    proc = spawn(["sim", "--seed", "7", "--credentials-out", str(creds)], subprocess.PIPE)
    try:
        with reaped(proc):
            reader = wait_for_line(proc, "simulator running", timeout=20)
            only = tmp_path / "kalshi-only"
            only.mkdir()
            shutil.copy(creds / "kalshi.json", only / "kalshi.json")
            yield only
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        reader.join(timeout=10)
    finally:
        assert proc.stdout is not None
        proc.stdout.close()


async def resting(venue: KalshiPlatform) -> list[Order]:
    return await venue.get_open_orders()


async def test_a_daemon_killed_hard_leaves_nothing_resting_past_the_ttl(
    tmp_path: Path, kalshi_only: Path
) -> None:
    config = tmp_path / "mm.toml"
    config.write_text(f"[kalshi]\norder_ttl_s = {TTL}\n")
    run = ["run", "--sim-credentials", str(kalshi_only), "--config", str(config)]
    run += ["--journal", str(tmp_path / "j.sqlite3"), "--no-view", "--metrics-port", "0"]
    venue = kalshi_from_file(kalshi_only / "kalshi.json")
    try:
        with open(tmp_path / "run.log", "w") as log, reaped(spawn(run, log)) as daemon:

            async def quoting() -> list[Order] | None:
                assert daemon.poll() is None, (tmp_path / "run.log").read_text()
                return await resting(venue) or None

            first = await until("orders resting", quoting, timeout=60)
            assert all(o.expires_at is not None for o in first)
            expiry = {o.venue_order_id: o.expires_at for o in first}

            async def renewed() -> list[Order] | None:
                """An order of the first ones, resting past its first expiry: renewed."""
                now = await resting(venue)
                kept = [
                    o
                    for o in now
                    if o.venue_order_id in expiry
                    and o.expires_at is not None
                    and o.expires_at > (expiry[o.venue_order_id] or o.expires_at)
                ]
                return kept or None

            await until("an order renewed past its first expiry", renewed, timeout=3 * TTL)
            daemon.send_signal(signal.SIGKILL)
            killed, killed_at = time.monotonic(), datetime.now(UTC)
            daemon.wait(timeout=10)
        assert daemon.returncode == -signal.SIGKILL
        orphans = await resting(venue)  # what the dead daemon left
        assert orphans
        latest = max(o.expires_at for o in orphans if o.expires_at is not None)
        assert all(o.expires_at is not None for o in orphans)
        assert latest <= killed_at + timedelta(seconds=TTL)  # never further than the TTL

        async def gone() -> bool | None:
            return True if not await resting(venue) else None

        await until("nothing resting", gone, timeout=TTL + 10)
        emptied = time.monotonic() - killed
        print(f"SIGKILL -> nothing resting on Kalshi: {emptied:.2f} s (order_ttl_s = {TTL})")
        assert emptied <= TTL + SLACK
        ends = []
        for order in orphans:
            assert order.venue_order_id is not None
            after = await venue.get_order_by_id(order.venue_order_id)
            assert after is not None
            ends.append(after.status)
        assert set(ends) <= {OrderStatus.EXPIRED, OrderStatus.FILLED}  # nobody cancelled
        assert OrderStatus.EXPIRED in ends
    finally:
        await venue.aclose()
