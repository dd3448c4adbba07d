"""Live market-making quality figures for the view, the metrics and ``predmm status``:
fair values and two-sidedness sampled from the engine's snapshot every second, fills and
quotes read incrementally from the journal (read-only; the JournalActor stays the only
writer), and the day's estimated rewards per market, read from the journal each time the
figures are published."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import trio
from loguru import logger

from predmm.actors.direct import DirectRef
from predmm.actors.journal.rewards import RewardEstimate
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetPlatformStats, PlatformStats
from predmm.cli.status import write_live
from predmm.domain.enums import OrderStatus, Venue
from predmm.strategies.mm_metrics import MarketMakingStats, StatsSnapshot, combine
from predmm.supervisors.engine import TradingEngine


def _ask_stats(ref: pykka.ActorRef[Any] | DirectRef) -> PlatformStats:
    stats = ref.ask(GetPlatformStats(), timeout=1.0)
    assert isinstance(stats, PlatformStats)
    return stats


class LiveStats:
    def __init__(
        self,
        engine: TradingEngine,
        journal: Path,
        *,
        interval: float = 1.0,
        publish_every: float = 5.0,
    ) -> None:
        self.engine, self.journal_path, self.interval = engine, journal, interval
        self.publish_every = publish_every
        self.markets: dict[str, MarketMakingStats] = {}
        self._fair: dict[str, Decimal] = {}
        self._fill_seq = 0
        self._order_rowid = 0
        self._reader: Journal | None = None
        self.order_counts: dict[tuple[Venue, OrderStatus], int] = {}
        self.platform_stats: dict[Venue, PlatformStats] = {}
        self.rewards: dict[str, RewardEstimate] = {}  # today's (UTC), by market

    def _stats(self, key: str) -> MarketMakingStats:
        return self.markets.setdefault(key, MarketMakingStats())

    def sample(self, now: float) -> None:
        """One round: fair values, quote state, new fills and new orders."""
        for m in self.engine.snapshot().markets:
            key = str(m.market_id)
            st = self._stats(key)
            if m.fair_value is not None:
                st.on_mid(now, m.fair_value)
                self._fair[key] = m.fair_value
            st.on_quote_state(now, m.yes_bid is not None and m.no_bid is not None)
        reader = self._open()
        if reader is None:
            return
        with reader.snapshot():
            fills = reader.fills_after(self._fill_seq)
            orders = reader.orders_after(self._order_rowid)
            self.order_counts = reader.order_counts()
        for jf in fills:
            self._fill_seq = jf.seq
            f = jf.fill
            if jf.is_reversed:
                continue
            key = str(f.market_id)
            mid = self._fair.get(key)
            ts = f.ts.timestamp() if f.ts is not None else now
            self._stats(key).on_fill(ts, f.side, f.action, f.price, f.quantity, mid)
        for rowid, order in orders:
            self._order_rowid = rowid
            self._stats(str(order.market_id)).on_quote(order.quantity)

    def _open(self) -> Journal | None:
        if self._reader is None:
            try:
                self._reader = Journal.open_read_only(self.journal_path)
            except JournalError:
                return None
        return self._reader

    def per_market(self) -> tuple[Mapping[str, StatsSnapshot], StatsSnapshot | None]:
        now = time.time()
        snaps = {k: s.snapshot(now) for k, s in self.markets.items()}
        return snaps, combine(snaps.values()) if snaps else None

    def read_rewards(self, now: datetime) -> None:
        """The journal's estimates of the rewards earned on ``now``'s UTC day."""
        reader = self._open()
        if reader is None:
            return
        with reader.snapshot():
            rows = reader.reward_estimates(now.date())
        self.rewards = {str(r.market_id): r for r in rows}

    def publish(self) -> None:
        """Write the live figures beside the journal for ``predmm status``."""
        self.read_rewards(datetime.now(UTC))
        per_market, totals = self.per_market()
        exposure = self.engine.snapshot().exposure
        reported = exposure.events if exposure is not None else ()
        events = {m: e.event_id for e in reported if len(e.markets) > 1 for m in e.markets}
        blocked = {
            str(m.market_id): m.note
            for m in self.engine.snapshot().markets
            if m.health == "blocked"
        }
        write_live(
            self.journal_path,
            marks=dict(self._fair),
            events=events,
            exposure=tuple(reported),
            per_market=per_market,
            totals=totals,
            at=datetime.now(UTC).isoformat(),
            blocked=blocked,
        )

    def _publish_quietly(self) -> None:
        """A full disk must not stop the daemon: the live file waits for room."""
        try:
            self.publish()
        except OSError as exc:
            logger.bind(actor="stats").warning("live figures not written: {exc}", exc=exc)

    async def poll_platforms(self) -> None:
        """The PlatformActors' counters (tokens spent, queues, UNKNOWN orders), asked from
        a worker thread so the trio loop never blocks on an actor."""
        for venue, ref in list(self.engine.platforms.items()):
            try:
                stats = await trio.to_thread.run_sync(functools.partial(_ask_stats, ref))
            except (pykka.ActorDeadError, pykka.Timeout):
                continue
            self.platform_stats[venue] = stats

    async def run(self) -> None:
        last_publish = 0.0
        try:
            while True:
                now = time.time()
                await self.poll_platforms()
                self.sample(now)
                if now - last_publish >= self.publish_every:
                    self._publish_quietly()
                    last_publish = now
                await trio.sleep(self.interval)
        finally:
            with contextlib.suppress(OSError):
                self.sample(time.time())
                self.publish()
            if self._reader is not None:
                self._reader.close()
