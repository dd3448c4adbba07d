"""``predmm run --paper --config FILE`` in its own process, against a simulator started
apart (in this test's process, which counts every HTTP request it serves): the config
names real Kalshi and Polymarket accounts on 127.0.0.1; the run sends no order, cancel
or heartbeat to either, and its paper fills are journaled as a paper run.

Waiting on the daemon is done by short polls of its journal (read-only), each bounded
by a deadline, as in the crash-recovery test: another process gives no event to wait on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import trio

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.cli.reports.status import status_report
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.simulator import Simulator
from predmm.simulator.testing import RunningSimulator, running_simulator
from tests.integration.paper.books import first_market, seed_book, sweep_bids

POLL = 0.1  # seconds between looks at the daemon's journal
SWEEPS = 20  # a sweep before the daemon's paper stream is live finds nothing to fill


def config_file(running: RunningSimulator, path: Path, journal: Path) -> Path:
    k, p = running.kalshi, running.polymarket
    path.write_text(
        f"""
[strategy]
quote_size = 10
min_liquidity = "0"
price_change_requote_threshold = "0.5"   # the quotes stay put while a sweep moves the book

[kalshi]
base_url = "{k.base_url}"
key_id_env = "TEST_KALSHI_KEY_ID"
private_key_file = "{k.private_key_path}"

[polymarket]
clob_url = "{p.clob_url}"
gamma_url = "{p.gamma_url}"
ws_url = "{p.ws_url}"
private_key_env = "TEST_POLY_PRIVATE_KEY"
api_key_env = "TEST_POLY_API_KEY"
api_secret_env = "TEST_POLY_API_SECRET"
api_passphrase_env = "TEST_POLY_API_PASSPHRASE"

[daemon]
journal = "{journal}"
""",
        encoding="utf-8",
    )
    return path


def secrets(running: RunningSimulator) -> dict[str, str]:
    k, p = running.kalshi, running.polymarket
    return {
        "TEST_KALSHI_KEY_ID": k.key_id,
        "TEST_POLY_PRIVATE_KEY": p.private_key,
        "TEST_POLY_API_KEY": p.api_key,
        "TEST_POLY_API_SECRET": p.secret,
        "TEST_POLY_API_PASSPHRASE": p.passphrase,
    }


def read(journal: Path, what: str) -> list[object]:
    """``orders`` (open YES ones) or ``fills`` of the daemon's journal; [] before it is
    there."""
    try:
        with Journal.open_read_only(journal) as reader:
            if what == "fills":
                return [jf.fill.market_id for jf in reader.fills()]
            return [o.market_id for o in reader.open_orders() if o.side is OrderSide.YES]
    except JournalError:
        return []


async def until(journal: Path, what: str, market_id: MarketId, seconds: float) -> bool:
    with trio.move_on_after(seconds):
        while market_id not in read(journal, what):
            await trio.sleep(POLL)
        return True
    return False


async def fill_on(sim: Simulator, journal: Path, market_id: MarketId) -> None:
    """Once the daemon's paper bid rests, sweep through it (again with a fresh book,
    until its paper stream is live and a fill is journaled)."""
    assert await until(journal, "orders", market_id, 60), f"no paper quote on {market_id}"
    for _ in range(SWEEPS):
        sweep_bids(sim, market_id)
        if await until(journal, "fills", market_id, 2):
            return
        seed_book(sim, market_id, deep=False)
    raise AssertionError(f"no paper fill on {market_id}")


async def test_predmm_run_paper_with_a_config_of_real_accounts_sends_nothing_to_them(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "paper.sqlite3"
    async with running_simulator(seed=13, flow=False) as running:
        sim = running.sim
        markets = [first_market(sim, Venue.KALSHI), first_market(sim, Venue.POLYMARKET)]
        for market_id in markets:
            seed_book(sim, market_id)
        config = config_file(running, tmp_path / "predmm.toml", journal)
        args = ["run", "--paper", "--config", str(config), "--no-view", "--duration", "120"]
        proc = await trio.lowlevel.open_process(
            [sys.executable, "-m", "predmm.cli.main", *args],
            cwd=tmp_path,
            env={**os.environ, **secrets(running)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for market_id in markets:
                await fill_on(sim, journal, market_id)
            proc.send_signal(signal.SIGINT)
            with trio.fail_after(30):
                code = await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        writes, reads = sim.requests.writes(), sim.requests.total()
        placed = [o for a in (sim.maker.kalshi_account, sim.maker.polymarket_account)
                  for o in sim.exchange.orders(a)]  # fmt: skip

    assert code == 0
    assert writes == {}  # no order, cancel, amend or heartbeat
    assert placed == []
    assert reads > 0
    with Journal.open_read_only(journal) as reader:
        fills = [jf.fill for jf in reader.fills()]
        assert [r.mode for r in reader.runs()] == ["paper"]
        assert reader.open_orders() == []
    assert {f.market_id for f in fills} == set(markets)
    assert all(str(f.fill_id).startswith("paper-") for f in fills)
    assert status_report(journal)["mode"] == "paper"
