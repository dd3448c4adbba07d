"""Acceptance (issue 17, item 3): ``rewards_aware`` quoting on the simulator's rewarded
Polymarket markets. The daemon's engine with the real venue clients against the simulator
on 127.0.0.1 (seeded flow: liquidity providers, no takers): the venue's own records
(``sim.rewards.samples``: our resting orders scored twice a second) show our quotes inside
the reward band at the reward's minimum size, and ``predmm status`` shows a rewards line
per market and in total from the journal, close to what the venue accrued for us, and the
metrics ``predmm_rewards_estimated_dollars{market}``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio
from prometheus_client import generate_latest
from rich.console import Console

from predmm import MarketMakingConfig, MarketMakingStrategy
from predmm.actors.journal.store import Journal
from predmm.cli.metrics import metrics_registry
from predmm.cli.reports.status import status_report
from predmm.cli.reports.status_text import print_status
from predmm.cli.stats import LiveStats
from predmm.domain.ids import MarketId
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.simulator import Simulator
from predmm.simulator.flow import FlowConfig
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.simulator.universe import REWARDS
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings

D = Decimal
TIMINGS = EngineTimings(
    scan_interval=3600, tick_interval=0.25, fill_poll_interval=2.0, rewards_sample_interval=0.5
)
SAMPLE_S = 0.5  # the venue samples each rewarded market twice a second (it does once a
# minute), the daemon its estimate as often (on its ticks, two in each sampling slot)
SAMPLES = 16  # venue samples of each rewarded market once we quote
# The providers' quotes move with the fair value's walk; no trader takes liquidity (no
# noise, no informed, news once in a century to trade ahead of): a fill would skew the
# inventory, and the skew rightly holds the side that adds to it under the minimum size
# (rule 4 of strategies.rewards): that market would never give two-sided samples again.
FLOW = FlowConfig(noise_rate_per_min=0.0, informed_rate_per_min=0.0, jumps_per_h=1e-6)


def config(rewards_aware: bool) -> MarketMakingConfig:
    return MarketMakingConfig(
        quote_size=10,
        min_liquidity=D(0),
        max_markets=30,
        rewards_aware=rewards_aware,
    )


def clients(running: RunningSimulator) -> list[KalshiPlatform | PolymarketPlatform]:
    k, p = running.kalshi, running.polymarket
    return [
        KalshiPlatform(
            api_key=k.key_id, api_secret=k.private_key_pem, base_url=k.base_url, tier="premier"
        ),
        PolymarketPlatform(
            private_key=p.private_key,
            api_key=p.api_key,
            api_secret=p.secret,
            api_passphrase=p.passphrase,
            clob_url=p.clob_url,
            gamma_url=p.gamma_url,
            ws_url=p.ws_url,
            clock=running.sim.clock.timestamp,
        ),
    ]


def rewarded(sim: Simulator) -> dict[MarketId, str]:
    return {
        s.market_id: s.polymarket.slug
        for s in sim.universe.specs
        if s.polymarket is not None and s.polymarket.slug in REWARDS
        if REWARDS[s.polymarket.slug].daily_rate > 0
    }


def our_samples(sim: Simulator, market_id: MarketId) -> list[bool]:
    """The venue's samples of the market in which we rested an order of at least the
    minimum size on both sides (not while a quote is being replaced, partly filled under
    the minimum, or held back by the inventory skew at the strategy's size): whether both
    were inside the band (the venue's own scoring of our orders)."""
    account = sim.maker.polymarket_account
    scores = [s.of(account) for s in sim.rewards.samples if s.market_id == market_id]
    return [ours.in_band for ours in scores if ours is not None and ours.two_sided]


async def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    with trio.move_on_after(timeout):
        while not predicate():
            await trio.sleep(0.05)
        return
    raise AssertionError(f"timed out waiting for {what}")


async def quote(tmp_path: Path, rewards_aware: bool) -> tuple[Simulator, Path, dict[str, Any]]:
    journal = tmp_path / f"rewards-{rewards_aware}.sqlite3"
    async with running_simulator(
        seed=7, flow=True, flow_config=FLOW, rewards_sample_s=SAMPLE_S
    ) as running:
        sim = running.sim
        markets = rewarded(sim)
        engine = TradingEngine(journal_path=journal, timings=TIMINGS, handle_signals=False)
        for client in clients(running):
            engine.register_platform(client)
        engine.register_strategy(MarketMakingStrategy(config=config(rewards_aware)))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            await wait_for(
                lambda: all(len(our_samples(sim, m)) >= SAMPLES for m in markets),
                f"{SAMPLES} venue samples of our quotes on {len(markets)} rewarded markets",
            )
            engine.request_stop()
        day = sim.now().date()
        accrued = sim.rewards.accrued(sim.maker.polymarket_account, day)
    return sim, journal, {"accrued": accrued, "markets": markets, "engine": engine}


async def test_rewards_aware_quotes_sit_in_the_band_and_status_shows_the_rewards(
    tmp_path: Path,
) -> None:
    sim, journal, seen = await quote(tmp_path, rewards_aware=True)
    markets: dict[MarketId, str] = seen["markets"]
    for market_id, slug in markets.items():
        samples = our_samples(sim, market_id)
        print(f"{slug}: {sum(samples)} of {len(samples)} venue samples in the band")
        assert sum(samples) >= 0.8 * len(samples), (slug, samples)
    report = status_report(journal)
    summary = report["rewards_summary"]
    shown = {m["market_id"]: m for m in summary["markets"]}
    estimated = {m: D(shown[str(m)]["liquidity"]) for m in markets}
    accrued = {m: seen["accrued"].get(m, D(0)) for m in markets}
    for market_id in markets:
        print(f"{market_id}: estimated {estimated[market_id]:.6f},"
              f" the venue accrued {accrued[market_id]:.6f}")  # fmt: skip
        assert estimated[market_id] > 0
        assert accrued[market_id] > 0
    # the daemon samples on its ticks, the venue a random second of each: close, not equal
    ratio = sum(estimated.values()) / sum(accrued.values())
    assert D("0.5") <= ratio <= 2
    # the total is the day's rewards and rebates over every market, as the journal holds
    # them (the JSON gives micro-dollars: each figure rounded on its own)
    with Journal.open_read_only(journal) as reader:
        held = reader.reward_estimates(date.fromisoformat(summary["day"]))
    assert {e.market_id for e in held} >= set(markets)
    exact = sum((e.dollars + e.rebates for e in held), D(0))
    assert abs(D(summary["total"]) - exact) <= D("0.0000005")
    console = Console(width=200, record=True)
    print_status(report, console)
    text = console.export_text()
    assert "rewards (estimated" in text
    for market_id in markets:  # by its short id, as every table of status shows a market
        assert shown[str(market_id)]["short_id"] in text
    stats = LiveStats(seen["engine"], journal)
    stats.read_rewards(datetime.now(UTC))
    scraped = generate_latest(metrics_registry(seen["engine"], stats)).decode()
    for market_id in markets:
        row = shown[str(market_id)]
        metric = f'predmm_rewards_estimated_dollars{{market="{market_id}"}} '
        (line,) = [x for x in scraped.splitlines() if x.startswith(metric)]
        # status --json gives dollars to the micro-dollar, the metric the whole float
        assert D(line.split()[-1]).quantize(D("0.000001")) == D(row["liquidity"])
