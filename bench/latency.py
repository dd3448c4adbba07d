"""Tick -> order latency of the actor runtime, beside the bare trio -> actor -> trio hop.

    python bench/latency.py [--quick]

* hop: a trio task tells an echo actor, which answers through the bridge
  (``run_sync_soon`` into a memory channel) to the trio task; sampled every 5 ms during
  each tick -> order run, under that run's load: the target's denominator
  (``hop_p50_us``, ``hop_p99_us``: the 500-market run; ``hop_p50_us_<run>`` for each
  run), and measured once idle, before anything else (``idle_hop_p50_us``,
  ``idle_hop_p99_us``). The README says why the target is read against the first;
* tick -> order: a TradingEngine on an in-memory venue, journaling to a SQLite file in
  a temporary directory as ``predmm run`` does; each market gets 5 book updates
  per second at 100, 500 and 1,000 markets. One update in five moves the fair value past
  the requote threshold (the rest change sizes only: the strategy keeps its quotes); a
  moving update makes the MarketActor reserve with the PortfolioActor and submit a new
  quote through the PlatformActor (both direct calls) and the bridge's workers. Measured
  from that update entering trio (yielded by the venue's stream in the engine's feed
  task, as a websocket reader yields what it parsed) to the placement reaching the venue
  client, after one second of the same load unmeasured (the onset of load after idle is
  a transient). The same is then run with every update moving the fair value (the worst
  case: every update cancels and replaces both quotes); under conflation a late update
  is measured from the newest one. At 500 markets it is also run with books three
  levels deep whose other updates change only the third level (as most deltas of a real
  feed land away from the top): the conflator keeps those without waking the market;
* % of a core: the CPU time each kind of thread used during the measured seconds
  (MarketActor, MainThread: trio, JournalActor, PlatformActor, ...), from Linux's
  schedstat; the GIL lets Python run on about one core at a time;
* RSS per market: the process's resident memory with 2,000 markets quoting, less before;
* restart: ``InjectFailure`` told to a MarketActor -> its successor's first placement
  reaching the venue (zero backoff: the figure is the runtime's, add the policy's backoff).

The last line is one JSON object. Figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pykka
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.messages import GetChildren, InjectFailure
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderStatus, Venue
from predmm.domain.events import (
    BookUpdated,
    CancelResult,
    FillPage,
    PlaceResult,
    Position,
    Settlement,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.venue import Capabilities
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.logs import configure_logging
from predmm.supervisors.policy import RestartPolicy
from predmm.supervisors.runtime import EngineTimings

T = TypeVar("T")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CAPS = Capabilities(
    amend=False,
    decrease=False,
    max_batch_create=20,
    max_batch_cancel=20,
    post_only=True,
    dead_man_switch=False,
    fractional_counts=False,
    write_tokens_per_s=Decimal(10**9),
    write_burst=Decimal(10**9),
    order_tokens=Decimal(1),
    cancel_tokens=Decimal(1),
)


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * 4


# the bare hop ----------------------------------------------------------------------------


class Echo(pykka.ThreadingActor):
    def __init__(self, token: trio.lowlevel.TrioToken, send: Any) -> None:
        super().__init__()
        self.token, self.send = token, send

    def on_receive(self, message: Any) -> None:
        self.token.run_sync_soon(self.send.send_nowait, message)


@asynccontextmanager
async def echo_hop() -> AsyncIterator[Callable[[], Awaitable[float]]]:
    """An echo actor; the function it yields makes one hop and returns it in µs."""
    send, recv = trio.open_memory_channel[int](1)
    echo = Echo.start(trio.lowlevel.current_trio_token(), send)

    async def hop() -> float:
        start = time.perf_counter_ns()
        echo.tell(0)
        await recv.receive()
        return (time.perf_counter_ns() - start) / 1000

    try:
        yield hop
    finally:
        echo.stop()


async def bare_hop(samples: int, warmup: int = 200) -> list[float]:
    async with echo_hop() as hop:
        out = [await hop() for _ in range(warmup + samples)]
    return out[warmup:]


async def probe_hops(out: list[float], stop: trio.Event, every: float = 0.005) -> None:
    """The bare hop again, sampled every ``every`` seconds until ``stop``: under load."""
    async with echo_hop() as hop:
        while not stop.is_set():
            out.append(await hop())
            await trio.sleep(every)


# an in-memory venue that timestamps what reaches it ------------------------------------------


class BenchVenue:
    venue = Venue.KALSHI
    capabilities = CAPS

    def __init__(self, markets: int) -> None:
        self.markets = [
            Market(
                market_id=MarketId(Venue.KALSHI, f"M{i:05d}"),
                tick=TickSpec.uniform("0.01"),
                liquidity=Decimal(50000),
                volume=Decimal(1000),
                best_yes_bid=Decimal("0.48"),
                best_yes_ask=Decimal("0.52"),
                close_time=T0 + timedelta(hours=48),
                as_of=T0,
            )
            for i in range(markets)
        ]
        self.emitted: dict[MarketId, int] = {}
        self.latencies: list[float] = []
        self.placed: dict[MarketId, list[ClientOrderId]] = {}
        self.watch: Callable[[Order], None] | None = None
        self._pending: deque[VenueEvent] = deque()
        self._driver: AsyncIterator[VenueEvent] | None = None
        self._driven = trio.Event()
        self._wakeup = trio.Event()
        self._closed = False

    def update(
        self,
        market_id: MarketId,
        bid: str,
        ask: str,
        size: int = 100,
        measure: bool = True,
        deep: bool = False,
    ) -> BookUpdated:
        """A book update, stamped as entering trio now if ``measure``: one level a side
        of ``size``, or (``deep``) three levels a side, ``size`` only on the third."""
        b, a, tick = Decimal(bid), Decimal(ask), Decimal("0.01")
        if deep:
            sizes = [Decimal(100), Decimal(100), Decimal(size)]
            bids = [Level(b - n * tick, q) for n, q in enumerate(sizes)]
            asks = [Level(a + n * tick, q) for n, q in enumerate(sizes)]
        else:
            bids, asks = [Level(b, Decimal(size))], [Level(a, Decimal(size))]
        book = OrderBook.from_yes_quotes(market_id, bids, asks)
        if measure:
            self.emitted[market_id] = time.perf_counter_ns()
        return BookUpdated(book=book)

    def emit(self, market_id: MarketId, bid: str, ask: str) -> None:
        """Queue a book update for the stream (set-up; not measured)."""
        self._pending.append(self.update(market_id, bid, ask, measure=False))
        self._wakeup.set()

    async def drive(self, updates: AsyncIterator[VenueEvent]) -> None:
        """Feed ``updates`` through the stream and wait until they are all out. The
        stream yields each as it is made, in the engine's feed task: like a websocket
        reader, which parses and yields in one task, with no hop between tasks."""
        self._driver, self._driven = updates, trio.Event()
        self._wakeup.set()
        await self._driven.wait()

    async def get_markets(self, status: str = "open") -> list[Market]:
        return list(self.markets)

    async def get_order_book(self, market_id: MarketId) -> OrderBook:
        raise NotImplementedError

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        now = time.perf_counter_ns()
        for order in orders:
            sent = self.emitted.pop(order.market_id, None)
            if sent is not None:
                self.latencies.append((now - sent) / 1000)
            self.placed.setdefault(order.market_id, []).append(order.client_order_id)
            if self.watch is not None:
                self.watch(order)
        return [
            PlaceResult(client_order_id=o.client_order_id, status=OrderStatus.OPEN) for o in orders
        ]

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        return [
            CancelResult(client_order_id=o.client_order_id, cancelled=True, reduced_by=o.remaining)
            for o in orders
        ]

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        raise NotImplementedError

    async def cancel_all(self) -> int:
        return 0

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        return []

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        return None

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        return FillPage(fills=(), cursor=cursor)

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        return []

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        return []

    async def get_balance(self) -> Decimal:
        return Decimal(0)

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        async def events() -> AsyncIterator[VenueEvent]:
            while not self._closed:
                while self._pending:
                    yield self._pending.popleft()
                if self._driver is not None:
                    driver, self._driver = self._driver, None
                    async for event in driver:
                        yield event
                    self._driven.set()
                    continue
                self._wakeup = trio.Event()
                await self._wakeup.wait()

        return events()

    async def aclose(self) -> None:
        self._closed = True
        self._wakeup.set()


def engine_for(venue: BenchVenue, markets: int, journal: Path) -> TradingEngine:
    config = MarketMakingConfig(max_markets=markets, min_liquidity=Decimal(1000))
    risk = RiskConfig(
        max_venue_loss=Decimal(10**7),
        max_total_loss=Decimal(10**7),
        reducing_loss=Decimal(10**6),
        daily_loss_limit=Decimal(10**6),
    )
    return TradingEngine(
        config,
        risk,
        [venue],
        journal,
        clock=ManualClock(),
        policy=RestartPolicy(intensity=10**6, min_backoff=0, max_backoff=0),
        timings=EngineTimings(scan_interval=3600, tick_interval=3600, fill_poll_interval=3600),
        handle_signals=False,
    )


async def with_engine(venue: BenchVenue, markets: int, body: Callable[..., Awaitable[T]]) -> T:
    with tempfile.TemporaryDirectory(prefix="predmm-bench-") as scratch:
        engine = engine_for(venue, markets, Path(scratch) / "journal.sqlite")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            await trio.to_thread.run_sync(engine.started.wait, 60.0)
            try:
                return await body(engine)
            finally:
                engine.request_stop()


async def wait_quoting(venue: BenchVenue, count: int, timeout: float = 120.0) -> None:
    try:
        with trio.fail_after(timeout):
            while sum(1 for ids in venue.placed.values() if ids) < count:
                await trio.sleep(0.01)
    except trio.TooSlowError:
        quoting = sum(1 for ids in venue.placed.values() if ids)
        print(f"only {quoting} of {count} markets quoting after {timeout:g} s; every thread:")
        faulthandler.dump_traceback(sys.stdout, all_threads=True)
        raise


# tick -> order ------------------------------------------------------------------------------


def thread_cpu_ns() -> dict[str, int]:
    """CPU time this process's live threads have used, summed by kind (the thread name
    without its number; Linux's schedstat, else nothing)."""
    out: dict[str, int] = {}
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/schedstat") as f:
                ns = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        kind = thread.name.rstrip("0123456789").rstrip("- ") or thread.name
        out[kind] = out.get(kind, 0) + ns
    return out


def cpu_shares(before: dict[str, int], after: dict[str, int], seconds: float) -> dict[str, int]:
    """Percent of one core per kind of thread between two ``thread_cpu_ns``, busiest first."""
    used = {k: after[k] - before.get(k, 0) for k in after}
    shares = {k: round(100 * ns / 1e9 / seconds) for k, ns in used.items()}
    return dict(sorted(((k, v) for k, v in shares.items() if v > 0), key=lambda kv: -kv[1]))


async def tick_to_order(
    markets: int,
    seconds: float,
    rate: float = 5.0,
    move_every: int = 5,
    warmup: float = 1.0,
    deep: bool = False,
) -> tuple[list[float], list[float], dict[str, int]]:
    """Tick -> order latencies after ``warmup`` seconds of the same load (the onset of
    load after idle is not measured), bare hops sampled meanwhile, and each kind of
    thread's share of a core meanwhile (percent)."""
    venue = BenchVenue(markets)
    hops: list[float] = []
    measured = trio.Event()
    cpu: list[tuple[float, dict[str, int]]] = []

    async def body(engine: TradingEngine) -> tuple[list[float], list[float]]:
        for m in venue.markets:
            venue.emit(m.market_id, "0.48", "0.52")
        await wait_quoting(venue, markets)
        await trio.sleep(0.5)
        venue.latencies.clear()
        interval = 1.0 / (rate * markets)

        async def updates() -> AsyncIterator[VenueEvent]:
            start, n, measuring = trio.current_time(), 0, warmup == 0
            while trio.current_time() - start < warmup + seconds:
                if not measuring and trio.current_time() - start >= warmup:
                    venue.latencies.clear()
                    measuring = True
                    cpu.append((time.perf_counter(), thread_cpu_ns()))
                    nursery.start_soon(probe_hops, hops, measured)
                market, round_ = venue.markets[n % markets], n // markets
                phase = round_ + n % markets  # markets move in turn, not all in one round
                up = (phase // move_every) % 2 == 0  # every move_every-th moves fair 0.04
                yield venue.update(
                    market.market_id,
                    "0.52" if up else "0.48",
                    "0.56" if up else "0.52",
                    size=100 + round_ % 7,
                    measure=measuring and phase % move_every == 0,
                    deep=deep,
                )
                n += 1
                await trio.sleep_until(start + n * interval)

        async with trio.open_nursery() as nursery:
            await venue.drive(updates())
            cpu.append((time.perf_counter(), thread_cpu_ns()))
            measured.set()
        await trio.sleep(0.5)
        (t0, before), (t1, after) = cpu[0], cpu[-1]
        return list(venue.latencies), hops, cpu_shares(before, after, t1 - t0)

    return await with_engine(venue, markets, body)


# memory and restart ----------------------------------------------------------------------


async def rss_per_market(markets: int) -> float:
    gc.collect()
    before = rss_kib()
    venue = BenchVenue(markets)

    async def body(engine: TradingEngine) -> float:
        for m in venue.markets:
            venue.emit(m.market_id, "0.48", "0.52")
        await wait_quoting(venue, markets)
        gc.collect()
        return (rss_kib() - before) / markets

    return await with_engine(venue, markets, body)


async def restart_latency(restarts: int) -> list[float]:
    markets = max(restarts, 10)
    venue = BenchVenue(markets)

    async def body(engine: TradingEngine) -> list[float]:
        for m in venue.markets:
            venue.emit(m.market_id, "0.48", "0.52")
        await wait_quoting(venue, markets)
        children: Any = await trio.to_thread.run_sync(
            lambda: engine.supervisor.ask(GetChildren(), timeout=10)  # type: ignore[union-attr]
        )
        out = []
        configure_logging("CRITICAL")  # the failures are injected: not worth a traceback each
        for child in children[:restarts]:
            arrived = trio.Event()
            tag = f"-{child.market_id.symbol[-12:]}-g{child.generation + 1}-"
            venue.watch = lambda o, t=tag, e=arrived: (
                e.set() if t in o.client_order_id.value else None
            )
            start = time.perf_counter_ns()
            child.ref.tell(InjectFailure(reason="benchmark"))
            with trio.fail_after(10):
                await arrived.wait()
            out.append((time.perf_counter_ns() - start) / 1e6)
        venue.watch = None
        configure_logging("ERROR")
        return out

    return await with_engine(venue, markets, body)


# main -------------------------------------------------------------------------------------


def verdict(result: dict[str, Any]) -> None:
    """The 500-market ratios to both hops, into ``result``, and the target's verdict."""
    for over in ("hop", "idle_hop"):
        result[f"p50_over_{over}"] = round(result["p50_us"] / result[f"{over}_p50_us"], 2)
        result[f"p99_over_{over}"] = round(result["p99_us"] / result[f"{over}_p99_us"], 2)
    met = result["p50_over_hop"] <= 2 and result["p99_over_hop"] <= 4
    print(
        "target at 500 markets, p50 <= 2x and p99 <= 4x the bare hop in the same run: "
        f"p50 {result['p50_over_hop']}x, p99 {result['p99_over_hop']}x: "
        f"{'met' if met else 'NOT MET'} (against the idle hop: p50 "
        f"{result['p50_over_idle_hop']}x, p99 {result['p99_over_idle_hop']}x)",
        flush=True,
    )


async def main(quick: bool) -> dict[str, Any]:
    seconds = 3.0 if quick else 10.0
    levels = (100, 500) if quick else (100, 500, 1000)
    hop = await bare_hop(3000 if quick else 20000)
    result: dict[str, Any] = {
        "idle_hop_p50_us": round(statistics.median(hop), 1),
        "idle_hop_p99_us": round(percentile(hop, 0.99), 1),
    }
    print(
        f"bare hop trio->actor->trio, idle: p50 {result['idle_hop_p50_us']} us, "
        f"p99 {result['idle_hop_p99_us']} us ({len(hop)} samples)",
        flush=True,
    )
    runs = [(markets, move_every, False) for markets in levels for move_every in (5, 1)]
    runs.insert(2 * levels.index(500) + 1, (500, 5, True))
    for markets, move_every, deep in runs:
        lat, hops, shares = await tick_to_order(markets, seconds, move_every=move_every, deep=deep)
        what = "every update" if move_every == 1 else f"1 update in {move_every}"
        what += " requoting" + (", the others three levels down" if deep else "")
        if not lat:
            print(
                f"tick->order at {markets} markets, {what}: no measured update reached"
                " the venue in the run (saturated)",
                flush=True,
            )
            continue
        p50, p99 = statistics.median(lat), percentile(lat, 0.99)
        h50, h99 = statistics.median(hops), percentile(hops, 0.99)
        print(
            f"tick->order at {markets} markets x 5 updates/s, {what}: "
            f"p50 {p50:.1f} us, p99 {p99:.1f} us ({len(lat)} samples); "
            f"bare hop in the same run p50 {h50:.1f} us, p99 {h99:.1f} us; "
            f"% of a core meanwhile: {shares}",
            flush=True,
        )
        key = f"{markets}" + ("_deep" if deep else "" if move_every == 5 else "_all_requote")
        result[f"p50_us_{key}"], result[f"p99_us_{key}"] = round(p50, 1), round(p99, 1)
        result[f"hop_p50_us_{key}"], result[f"hop_p99_us_{key}"] = round(h50, 1), round(h99, 1)
        result[f"cpu_percent_{key}"] = shares
        if key == "500":
            result["p50_us"], result["p99_us"] = round(p50, 1), round(p99, 1)
            result["hop_p50_us"], result["hop_p99_us"] = round(h50, 1), round(h99, 1)
    if "p50_us" in result:
        verdict(result)
    per_market = await rss_per_market(2000)
    result["rss_kib_per_market"] = round(per_market, 1)
    print(f"RSS per market at 2000 markets: {per_market:.1f} KiB", flush=True)
    restarts = await restart_latency(10 if quick else 50)
    result["restart_ms"] = round(statistics.median(restarts), 2)
    result["restart_p99_ms"] = round(percentile(restarts, 0.99), 2)
    print(
        f"restart (crash -> quoting again, zero backoff): median {result['restart_ms']} ms, "
        f"p99 {result['restart_p99_ms']} ms",
        flush=True,
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    args = parser.parse_args()
    configure_logging("ERROR")
    figures = trio.run(main, args.quick)
    print(json.dumps(figures))
