"""Backtest/live parity: the daemon runs on the embedded simulator (real wire APIs on
127.0.0.1, its seeded random traders on) while ``predmm record``'s recorder records the
same feed; the recording is then replayed through the backtest with the same strategy
config, and both runs' decisions are compared.

Each run traces every decision its markets' cores made (``strategies.maker.trace``): the
key of everything the decision read (the book's top less our own quotes, what is held,
our quotes, the state, the market's life and time band, the guards) and the orders it
sent. Latency and conflation legitimately change which book states each run decides on
(the daemon may skip a book the recording has; our orders show in the recorded books a
little after the backtest places its own), and fills change what is held: so the
comparison is per book state, exact where it should be. Per market, in order, each live
decision is matched to the next backtest decision with the same key; every matched pair
must have sent the same orders (sides, prices, sizes, in the same order), and most live
decisions must find their match. The backtest takes no fills (fill model ``none``): the
recorded books already show the daemon's orders (``own_in_data``), and the daemon's own
fills are in the recording as what they did to the book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import trio

from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import NoFills
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources import open_source
from predmm.backtest.sources.recording import RecordingWriter
from predmm.cli.daemon import embedded_simulator, with_links
from predmm.cli.record import Recorder, _record_and_close
from predmm.cli.venues import from_running_simulator
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.events import BookUpdated, VenueEvent
from predmm.domain.ids import MarketId
from predmm.simulator.testing import running_simulator
from predmm.strategies.maker.trace import Decision, DecisionLog
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings

TIMINGS = EngineTimings(scan_interval=3600, fill_poll_interval=3600, stop_timeout=10.0)
DECISIONS = 60  # live decisions that sent orders before the run stops
SEED = 11
# quotes well behind the touch: the simulator's traders rarely reach them, so both runs
# hold nothing most of the time (a fill changes what the daemon holds, not the backtest)
CONFIG = MarketMakingConfig(
    min_spread=Decimal("0.2"), base_spread=Decimal("0.2"), max_spread=Decimal("0.5")
)
LATENCY_MS = 30  # the backtest's orders reach the venue about when the daemon's did


async def until(done: Callable[[], bool], timeout: float) -> None:
    """Look at ``done`` every 50 ms until it holds (a bounded wait on other threads)."""
    with trio.fail_after(timeout):
        while not done():
            await trio.sleep(0.05)


class CountingRecorder(Recorder):
    """The recorder of ``predmm record``, counting the markets whose book it has."""

    def __init__(self, writer: RecordingWriter) -> None:
        super().__init__(writer)
        self.booked: set[MarketId] = set()

    def event(self, event: VenueEvent) -> None:
        super().event(event)
        if isinstance(event, BookUpdated):
            self.booked.add(event.book.market_id)


def state(key: tuple[object, ...]) -> tuple[object, ...]:
    """A decision's key less what only latency sets: whether the core was stale (an
    order's end arrived before or after the book) and whether our quotes could be
    amended yet (acknowledged)."""
    top, held, own, trading, life, paused, band, flags = key
    quotes = tuple(q[:3] for q in own)  # type: ignore[attr-defined,index]
    return (top, held, quotes, trading, life, paused, band, flags[1:])  # type: ignore[index]


def match(
    live: Sequence[Decision],
    replay: Sequence[Decision],
    key: Callable[[tuple[object, ...]], object] = lambda k: k,
) -> list[tuple[Decision, Decision]]:
    """Each live decision paired, in order, with the next replayed one of the same key."""
    pairs, at = [], 0
    for d in live:
        for j in range(at, len(replay)):
            if key(replay[j].key) == key(d.key):
                pairs.append((d, replay[j]))
                at = j + 1
                break
    return pairs


async def run_live(
    tmp_path: Path, config: MarketMakingConfig
) -> tuple[DecisionLog, RiskConfig, int]:
    log = DecisionLog()
    writer = RecordingWriter(tmp_path / "rec", flush_rows=1000, flush_s=1.0)
    recorder = CountingRecorder(writer)
    async with running_simulator(seed=SEED, flow=True, **embedded_simulator()) as running:
        setup = from_running_simulator(running)
        risk = with_links(RiskConfig(), setup)
        watched = from_running_simulator(running).clients
        engine = TradingEngine(
            config,
            risk,
            setup.clients,
            tmp_path / "j.sqlite3",
            timings=TIMINGS,
            handle_signals=False,
        )
        engine.tracer = log
        ran = trio.Event()

        async def daemon() -> None:
            await engine.run()
            ran.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(_record_and_close, watched, recorder, None)
            await until(lambda: bool(recorder.open) and recorder.booked >= recorder.open, 30)
            nursery.start_soon(daemon)
            await until(lambda: sum(1 for d in log.decisions if d.orders) >= DECISIONS, 60)
            engine.request_stop()
            with trio.fail_after(30):
                await ran.wait()
            nursery.cancel_scope.cancel()
    writer.close()
    began = min(int(d.at.timestamp() * 1000) for d in log.decisions)  # the markets started
    return log, risk, began


async def test_the_backtest_decides_as_the_daemon_did_on_its_recorded_feed(
    tmp_path: Path,
) -> None:
    config = CONFIG
    live, risk, began = await run_live(tmp_path, config)
    replayed = DecisionLog()
    decider = CoreDecider(config=config, own_in_data=True, tracer=replayed)
    source = open_source(tmp_path / "rec", "recording")
    Replay(
        source, decider, ReplayConfig(fill_model=NoFills(), risk=risk, trade_from_ms=began)
    ).run()

    ours, theirs = live.by_market(), replayed.by_market()
    total = sum(len(d) for d in ours.values())
    exact = sent = same_state = 0
    for market_id, decisions in ours.items():
        pairs = match(decisions, theirs.get(market_id, []))
        for mine, other in pairs:
            assert other.orders == mine.orders, (market_id, mine.key, mine.orders, other.orders)
        exact += len(pairs)
        sent += sum(1 for mine, _ in pairs if mine.orders)
        same_state += len(match(decisions, theirs.get(market_id, []), state))
    figures = {"live": total, "exact": exact, "sent": sent, "same book state": same_state}
    assert sent >= DECISIONS // 5, figures  # orders were compared, not only silences
    assert exact >= total // 4, figures
    assert same_state >= total // 2, figures
