"""``predmm record``: write what the venue feeds deliver into a recording that ``predmm
backtest`` replays (the format: ``predmm.backtest.sources.recording``). The embedded
simulator by default, or the real venues of ``--config``, through the same venue clients
and stream events as the daemon."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import click
import trio

from predmm.backtest.sources.recording import RecordingWriter
from predmm.domain.enums import MarketStatus
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    MarketStatusChanged,
    TickSizeChanged,
    TradePrinted,
    VenueEvent,
)
from predmm.domain.ids import MarketId
from predmm.platforms.venue import VenueClient

POLL_S = 30.0  # market statuses are read again this often
RETRY_S = 1.0  # a lost feed is subscribed again after this


class Recorder:
    """Feeds in, recording rows out; receive times never go backwards."""

    def __init__(self, writer: RecordingWriter) -> None:
        self.writer = writer
        self.last_ms = 0
        self.open: set[MarketId] = set()

    def now(self) -> int:
        self.last_ms = max(self.last_ms, int(time.time() * 1000))
        return self.last_ms

    def event(self, event: VenueEvent) -> None:
        ts, w = self.now(), self.writer
        if isinstance(event, BookUpdated):
            w.add_book(ts, event.book, _ms(event.venue_ts))
        elif isinstance(event, TradePrinted):
            w.add_trade(ts, event.market_id, event.price, event.size, 0, _ms(event.venue_ts))
        elif isinstance(event, TickSizeChanged):
            w.add_tick(ts, event.market_id, event.tick)
        elif isinstance(event, MarketStatusChanged):
            w.add_status(ts, event.market.market_id, event.market.status)
        elif isinstance(event, BookInvalidated):
            w.add_invalid(ts, event.market_id)

    async def markets(self, client: VenueClient, *, first: bool) -> list[MarketId]:
        listed = await client.get_markets(status="open")
        ids = [m.market_id for m in listed]
        for market in listed:
            if first:
                self.writer.add_market(self.now(), market)
        for gone in self.open - set(ids) if not first else ():
            if gone.venue is client.venue:
                self.writer.add_status(self.now(), gone, MarketStatus.CLOSED)
                self.open.discard(gone)
        self.open |= set(ids)
        return ids

    async def follow(self, client: VenueClient, ids: list[MarketId]) -> None:
        while True:
            try:
                async with contextlib.aclosing(client.stream(ids)) as events:  # type: ignore[type-var]
                    async for event in events:
                        self.event(event)
            except Exception:
                for market_id in ids:
                    self.writer.add_invalid(self.now(), market_id)
            await trio.sleep(RETRY_S)

    async def poll(self, client: VenueClient) -> None:
        while True:
            await trio.sleep(POLL_S)
            with contextlib.suppress(Exception):
                await self.markets(client, first=False)


async def record_clients(
    clients: tuple[VenueClient, ...], recorder: Recorder, duration: float | None
) -> None:
    with trio.move_on_after(duration if duration is not None else float("inf")):
        async with trio.open_nursery() as nursery:
            for client in clients:
                ids = await recorder.markets(client, first=True)
                nursery.start_soon(recorder.follow, client, ids)
                nursery.start_soon(recorder.poll, client)


@contextlib.asynccontextmanager
async def embedded(seed: int, recorder: Recorder) -> AsyncIterator[tuple[VenueClient, ...]]:
    """The embedded simulator's venues; its settlements go into the recording."""
    from predmm.cli.daemon import embedded_simulator
    from predmm.cli.venues import from_running_simulator
    from predmm.simulator.exchange.events import MarketSettled
    from predmm.simulator.testing import running_simulator

    async with running_simulator(seed=seed, flow=True, **embedded_simulator()) as running:

        def settled(e: Any) -> None:
            recorder.writer.add_settle(recorder.now(), e.market_id, e.result.value == "yes")

        running.sim.exchange.subscribe(settled, types=(MarketSettled,))
        yield from_running_simulator(running).clients


async def record_async(
    out: Path, config: Path | None, seed: int, duration: float | None, flush: tuple[int, float]
) -> int:
    writer = RecordingWriter(out, flush_rows=flush[0], flush_s=flush[1])
    recorder = Recorder(writer)
    try:
        if config is None:
            async with embedded(seed, recorder) as clients:
                await _record_and_close(clients, recorder, duration)
        else:
            from predmm.cli.venues import from_settings
            from predmm.config.settings import load_settings

            clients = from_settings(load_settings(config)).clients
            await _record_and_close(clients, recorder, duration)
    finally:
        writer.close()
    return writer.written


async def _record_and_close(
    clients: tuple[VenueClient, ...], recorder: Recorder, duration: float | None
) -> None:
    try:
        await record_clients(clients, recorder, duration)
    finally:
        for client in clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()


def _ms(ts: Any) -> int | None:
    return int(ts.timestamp() * 1000) if ts is not None else None


@click.command("record")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="Real venues.")
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option("--seed", type=int, default=1, help="The embedded simulator's seed.")
@click.option("--flush-rows", type=click.IntRange(min=1), default=5000)
@click.option("--flush-s", type=click.FloatRange(min=0), default=10.0)
def record(
    out: Path,
    config: Path | None,
    duration: float | None,
    seed: int,
    flush_rows: int,
    flush_s: float,
) -> None:
    """Record the venue feeds (book snapshots and deltas, trades, status, tick-size changes,
    settlements; receive and venue times) into OUT, a folder of Parquet part files, until
    Ctrl-C or --duration. A killed recorder loses at most the rows not yet flushed
    (--flush-rows, --flush-s). Replay it with 'predmm backtest --data OUT'.

    \b
    Examples:
      predmm record --out rec --duration 600
      predmm record --out rec --config predmm.toml
    """
    from predmm.cli.main import fail
    from predmm.domain.errors import PredmmError

    try:
        written = trio.run(record_async, out, config, seed, duration, (flush_rows, flush_s))
    except KeyboardInterrupt:
        written = -1
    except PredmmError as exc:
        fail(str(exc))
    click.echo(f"recorded into {out}" + (f": {written} rows" if written >= 0 else ""))
