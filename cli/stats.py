"""Live market-making figures of this run, for the view, the status lines, the metrics and
``predmm status``: fair values and two-sidedness sampled from the engine's snapshot every
second, this run's fills, orders and order events read incrementally from the journal
(read-only; the JournalActor stays the only writer), the day's estimated rewards per
market, read from the journal each time the figures are published, and what the reports
need journaled beside them: each market's mark every ``mark_every`` seconds (and at the
end), and the mark at fixed times after each fill (``FILL_HORIZONS``), told to the
engine's journal.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykka
import trio
from loguru import logger

from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.journal.records import TradingStateRecord
from predmm.actors.journal.rewards import RewardEstimate
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetPlatformStats, PlatformStats
from predmm.cli.status import write_live
from predmm.domain.enums import OrderStatus, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.strategies.mm_metrics import MarketMakingStats, StatsSnapshot, combine
from predmm.supervisors.engine import TradingEngine

FILL_HORIZONS: tuple[float, ...] = (0.0, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
FillKey = tuple[Venue, FillId]


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
        mark_every: float = 60.0,
        port: Callable[[], JournalPort] | None = None,
    ) -> None:
        self.engine, self.journal_path, self.interval = engine, journal, interval
        self.publish_every, self.mark_every = publish_every, mark_every
        self._port = port or (lambda: engine.journal)
        self.started_at = datetime.now(UTC)  # this run's figures: from here on
        self.markets: dict[str, MarketMakingStats] = {}
        self._fair: dict[str, Decimal] = {}
        self._marked: dict[str, Decimal] = {}  # the marks journaled last
        self._last_marks = 0.0
        self._pending: list[tuple[float, FillKey, float]] = []  # (due, fill, horizon)
        self._fill_market: dict[FillKey, str] = {}
        self._cursors: tuple[int, int, int] | None = None  # fill seq, order rowid, event seq
        self._reader: Journal | None = None
        self.order_counts: dict[tuple[Venue, OrderStatus], int] = {}
        self.order_events: dict[tuple[Venue, str], int] = {}  # this run's, by event
        self.platform_stats: dict[Venue, PlatformStats] = {}
        self.trading_state: TradingStateRecord | None = None  # the journal's latest
        self.rewards: dict[str, RewardEstimate] = {}  # today's (UTC), by market

    def _stats(self, key: str) -> MarketMakingStats:
        return self.markets.setdefault(key, MarketMakingStats())

    def sample(self, now: float) -> None:
        """One round: fair values, quote state, new fills, orders and order events, and
        the fill marks now due."""
        for m in self.engine.snapshot().markets:
            key = str(m.market_id)
            st = self._stats(key)
            if m.fair_value is not None:
                st.on_mid(now, m.fair_value)
                self._fair[key] = m.fair_value
            st.on_quote_state(now, m.yes_bid is not None and m.no_bid is not None)
        self._fill_marks_due(now)
        reader = self._open()
        if reader is None:
            return
        with reader.snapshot():
            if self._cursors is None:
                self._cursors = reader.cursors_before(self.started_at)
            fill_seq, order_rowid, event_seq = self._cursors
            fills = reader.fills_after(fill_seq)
            orders = reader.orders_after(order_rowid)
            events = reader.order_events_after(event_seq)
            self.order_counts = reader.order_counts()
            self.trading_state = reader.trading_state()
        self._read(now, fills, orders, events)

    def _read(self, now: float, fills: list[Any], orders: list[Any], events: list[Any]) -> None:
        assert self._cursors is not None
        fill_seq, order_rowid, event_seq = self._cursors
        for jf in fills:
            fill_seq = jf.seq
            earlier = jf.fill.ts is not None and jf.fill.ts < self.started_at
            if not jf.is_reversed and not earlier:  # (a fill recovered at the start is not ours)
                self._on_fill(now, jf.venue, jf.fill)
        for rowid, order in orders:
            order_rowid = rowid
            self._stats(str(order.market_id)).on_quote(order.quantity)
        for seq, venue, event in events:
            event_seq = seq
            key = (venue, event)
            self.order_events[key] = self.order_events.get(key, 0) + 1
        self._cursors = (fill_seq, order_rowid, event_seq)

    def _on_fill(self, now: float, venue: Venue, f: Any) -> None:
        key = str(f.market_id)
        mid = self._fair.get(key)
        ts = f.ts.timestamp() if f.ts is not None else now
        self._stats(key).on_fill(ts, f.side, f.action, f.price, f.quantity, mid)
        self._fill_market[(venue, f.fill_id)] = key
        self._pending += [(ts + h, (venue, f.fill_id), h) for h in FILL_HORIZONS]

    def _fill_marks_due(self, now: float) -> None:
        due = [p for p in self._pending if p[0] <= now]
        if not due:
            return
        self._pending = [p for p in self._pending if p[0] > now]
        marks = []
        for _, (venue, fill_id), horizon in due:
            market = self._fill_market.get((venue, fill_id))
            mark = self._fair.get(market) if market is not None else None
            if mark is not None:
                marks.append((venue, fill_id, horizon, mark))
            if horizon == FILL_HORIZONS[-1]:
                self._fill_market.pop((venue, fill_id), None)  # its last horizon passed
        if marks:
            self._port().fill_marks(marks)

    def _open(self) -> Journal | None:
        if self._reader is None:
            try:
                self._reader = Journal.open_read_only(self.journal_path)
            except JournalError:
                return None
        return self._reader

    def journal_marks(self, now: float, *, force: bool = False) -> None:
        """The marks journaled: a market's first at once, then those that changed every
        ``mark_every`` seconds (``force``: now)."""
        due = force or now - self._last_marks >= self.mark_every
        if due:
            self._last_marks = now
        changed = [
            (k, v)
            for k, v in self._fair.items()
            if (due and self._marked.get(k) != v) or k not in self._marked
        ]
        if changed:
            self._port().marks([(MarketId.parse(k), v) for k, v in changed])
            self._marked.update(changed)

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

    async def journal_marks_at_stop(self, poll: float = 0.05) -> None:
        """The marks journaled the moment a stop is asked for, while the journal still
        takes them (the live file keeps the very last ones)."""
        while not self.engine.stopping:
            await trio.sleep(poll)
        self.journal_marks(time.time(), force=True)

    async def run(self) -> None:
        last_publish = 0.0
        try:
            while True:
                now = time.time()
                await self.poll_platforms()
                self.sample(now)
                self.journal_marks(now)
                if now - last_publish >= self.publish_every:
                    self._publish_quietly()
                    last_publish = now
                await trio.sleep(self.interval)
        finally:
            with contextlib.suppress(OSError, JournalError):
                self.sample(time.time())
                self.journal_marks(time.time(), force=True)
                self.publish()
            if self._reader is not None:
                self._reader.close()
