"""The metrics: a collector that reads the engine's snapshot, the live figures and the
venues' health at scrape time (nothing is pushed from the actors); ``cli.live.http``
serves it on /metrics, beside the health probe.

Gauges hold current values (positions, PnL, orders per status, connection state, book
age); counters only totals that never go down within a process (fills, order events,
market restarts, tokens spent), so that ``rate()`` and ``increase()`` mean what they say.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from predmm.cli.instrument import VenueHealth
from predmm.cli.stats import LiveStats
from predmm.domain.enums import TradingState
from predmm.domain.ids import MarketId
from predmm.supervisors.engine import TradingEngine

PROCESS_START = time.time()


def _f(value: Decimal | int | float) -> float:
    return float(value)


class EngineCollector(Collector):
    def __init__(
        self,
        engine: TradingEngine,
        stats: LiveStats | None = None,
        venues: Sequence[VenueHealth] = (),
        now: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.stats, self.venues, self.now = engine, stats, venues, now
        self._restarts: dict[MarketId, int] = {}  # the most seen per market: never less

    def collect(self) -> Iterator[Metric]:
        snap = self.engine.snapshot()
        yield GaugeMetricFamily(
            "predmm_engine_running", "1 while the engine runs (started, not stopped)",
            value=1.0 if snap.running else 0.0,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "predmm_start_time_seconds", "when this process started (unix time)",
            value=PROCESS_START,
        )  # fmt: skip
        state = GaugeMetricFamily(
            "predmm_trading_state", "1 for the current trading state", labels=["state"]
        )
        for s in TradingState:
            state.add_metric([s.value], 1.0 if s is snap.trading_state else 0.0)
        yield state
        yield GaugeMetricFamily(
            "predmm_paper",
            "1 when the run trades on paper (no order reaches a venue), 0 when live",
            value=1.0 if snap.paper else 0.0,
        )
        for m in snap.markets:
            self._restarts[m.market_id] = max(self._restarts.get(m.market_id, 0), m.restarts)
        yield CounterMetricFamily(
            "predmm_restarts", "market actor restarts", value=sum(self._restarts.values())
        )
        yield GaugeMetricFamily(
            "predmm_quarantined_markets", "markets quarantined", value=len(snap.quarantined)
        )
        yield from self._markets(snap)
        yield from self._exposure(snap)
        yield from self._venues()
        if self.stats is not None:
            yield from self._quality()
            yield from self._rewards()

    def _markets(self, snap: Any) -> Iterator[Metric]:
        inventory = GaugeMetricFamily(
            "predmm_inventory_contracts", "contracts held", labels=["market", "side"]
        )
        quotes = GaugeMetricFamily(
            "predmm_quote_price", "our resting bid price", labels=["market", "side"]
        )
        pnl = GaugeMetricFamily("predmm_market_pnl_dollars", "market PnL", labels=["market"])
        for m in snap.markets:
            key = str(m.market_id)
            inventory.add_metric([key, "yes"], _f(m.yes_contracts))
            inventory.add_metric([key, "no"], _f(m.no_contracts))
            for side, price in (("yes", m.yes_bid), ("no", m.no_bid)):
                if price is not None:
                    quotes.add_metric([key, side], _f(price))
            pnl.add_metric([key], _f(m.realized_pnl + m.unrealized_pnl))
        yield from (inventory, quotes, pnl)

    def _exposure(self, snap: Any) -> Iterator[Metric]:
        exp = snap.exposure
        if exp is None:
            return
        pnl = GaugeMetricFamily("predmm_pnl_dollars", "portfolio PnL", labels=["kind"])
        for kind, value in (
            ("realized", exp.realized_pnl),
            ("unrealized", exp.unrealized_pnl),
            ("daily", exp.daily_pnl),
        ):
            pnl.add_metric([kind], _f(value))
        yield pnl
        contracts = GaugeMetricFamily(
            "predmm_event_exposure_contracts",
            "contracts counted against the event's limit (held and resting): the most one"
            " outcome scenario pays beyond another",
            labels=["event"],
        )
        loss = GaugeMetricFamily(
            "predmm_event_worst_loss_dollars",
            "worst-case loss per event over its outcome scenarios, and the scenario",
            labels=["event", "scenario"],
        )
        for e in exp.events:
            contracts.add_metric([e.event_id], _f(e.contracts))
            loss.add_metric([e.event_id, e.scenario], _f(e.worst_loss))
        yield contracts
        yield loss
        venue = GaugeMetricFamily(
            "predmm_venue_worst_loss_dollars", "worst-case loss per venue", labels=["venue"]
        )
        for v, value in exp.venue_loss:
            venue.add_metric([v.value], _f(value))
        yield venue
        yield GaugeMetricFamily(
            "predmm_total_worst_loss_dollars", "worst-case loss, all", value=_f(exp.total_loss)
        )
        yield from _strategies(snap)

    def _venues(self) -> Iterator[Metric]:
        connected = GaugeMetricFamily(
            "predmm_venue_connected", "1 while the venue answers and streams", labels=["venue"]
        )
        age = GaugeMetricFamily(
            "predmm_book_age_seconds", "seconds since the market's last book", labels=["market"]
        )
        now = self.now()
        for health in self.venues:
            connected.add_metric([health.venue], 1.0 if health.connected else 0.0)
            for market_id, at in sorted(health.book_at.items()):
                age.add_metric([str(market_id)], max(0.0, now - at))
        yield connected
        yield age

    def _orders(self) -> Iterator[Metric]:
        assert self.stats is not None
        orders = GaugeMetricFamily(
            "predmm_orders", "orders in the journal by venue and current status",
            labels=["venue", "status"],
        )  # fmt: skip
        for (venue, status), n in sorted(self.stats.order_counts.items(), key=str):
            orders.add_metric([venue.value, status.value], n)
        yield orders
        events = CounterMetricFamily(
            "predmm_order_events",
            "order events of this run (submit, accept, fill, cancelled, ...)",
            labels=["venue", "event"],
        )
        for (venue, event), n in sorted(self.stats.order_events.items(), key=str):
            events.add_metric([venue.value, event], n)
        yield events
        yield from self._platforms()

    def _platforms(self) -> Iterator[Metric]:
        assert self.stats is not None
        tokens = CounterMetricFamily(
            "predmm_limiter_tokens_spent", "rate-limit tokens spent", labels=["venue"]
        )
        live = GaugeMetricFamily("predmm_live_orders", "orders resting", labels=["venue"])
        queued = GaugeMetricFamily(
            "predmm_queued_requests", "requests waiting for tokens", labels=["venue", "kind"]
        )
        unknown = GaugeMetricFamily(
            "predmm_unknown_orders", "orders whose submit outcome is unknown", labels=["venue"]
        )
        dupes = CounterMetricFamily(
            "predmm_duplicate_fills", "fills delivered twice (counted once)", labels=["venue"]
        )
        disputed = GaugeMetricFamily(
            "predmm_disputed_positions",
            "markets whose position the venue reports differently (not quoted)",
            labels=["venue"],
        )
        for venue, st in self.stats.platform_stats.items():
            v = venue.value
            tokens.add_metric([v], _f(st.tokens_spent))
            live.add_metric([v], st.live_orders)
            queued.add_metric([v, "place"], st.queued_placements)
            queued.add_metric([v, "cancel"], st.queued_cancels)
            unknown.add_metric([v], st.unknown_orders)
            dupes.add_metric([v], st.duplicate_fills)
            disputed.add_metric([v], len(st.disputed))
        yield from (tokens, live, queued, unknown, dupes, disputed)

    def _quality(self) -> Iterator[Metric]:
        assert self.stats is not None
        yield from self._orders()
        _, totals = self.stats.per_market()
        if totals is None:
            return
        yield CounterMetricFamily("predmm_fills", "fills of this run", value=totals.fills)
        yield CounterMetricFamily(
            "predmm_quoted_contracts", "contracts quoted", value=_f(totals.quoted_quantity)
        )
        yield GaugeMetricFamily("predmm_fill_rate", "filled / quoted", value=_f(totals.fill_rate))
        yield GaugeMetricFamily(
            "predmm_quote_uptime", "share of time two-sided", value=_f(totals.quote_uptime)
        )
        yield GaugeMetricFamily(
            "predmm_spread_capture_dollars", "edge vs mid at fill", value=_f(totals.spread_capture)
        )
        markout = GaugeMetricFamily(
            "predmm_markout_dollars", "markout after each fill", labels=["horizon"]
        )
        for h, v in sorted(totals.markouts.items()):
            markout.add_metric([f"{h:g}s"], _f(v))
        yield markout

    def _rewards(self) -> Iterator[Metric]:
        """The rewards earned today (UTC), estimated with the venue's formula on our
        sampled quotes (liquidity) and from our maker fills (rebates)."""
        assert self.stats is not None
        liquidity = GaugeMetricFamily(
            "predmm_rewards_estimated_dollars",
            "liquidity rewards earned today (UTC), estimated from our sampled quotes",
            labels=["market"],
        )
        rebates = GaugeMetricFamily(
            "predmm_rebates_estimated_dollars",
            "maker rebates earned today (UTC), estimated from our maker fills",
            labels=["market"],
        )
        share = GaugeMetricFamily(
            "predmm_rewards_share",
            "our average share of today's liquidity-reward samples",
            labels=["market"],
        )
        for market, r in sorted(self.stats.rewards.items()):
            liquidity.add_metric([market], _f(r.dollars))
            rebates.add_metric([market], _f(r.rebates))
            share.add_metric([market], _f(r.share))
        yield from (liquidity, rebates, share)


def _strategies(snap: Any) -> Iterator[Metric]:
    """Each strategy's PnL and holdings (the portfolio's), and the executor's outcomes."""
    pnl = GaugeMetricFamily(
        "predmm_strategy_pnl_dollars", "PnL per strategy", labels=["strategy", "kind"]
    )
    held = GaugeMetricFamily(
        "predmm_strategy_contracts", "contracts held per strategy", labels=["strategy"]
    )
    for s in snap.exposure.strategies:
        pnl.add_metric([s.strategy, "realized"], _f(s.realized_pnl))
        pnl.add_metric([s.strategy, "unrealized"], _f(s.unrealized_pnl))
        pnl.add_metric([s.strategy, "fees"], _f(s.fees_paid))
        held.add_metric([s.strategy], _f(s.contracts))
    runs = CounterMetricFamily(
        "predmm_executions",
        "executions of the executor (arbitrage baskets, hedges) by outcome",
        labels=["strategy", "outcome"],
    )
    locked = GaugeMetricFamily(
        "predmm_execution_locked_dollars", "what executed baskets lock", labels=["strategy"]
    )
    naked = GaugeMetricFamily(
        "predmm_execution_naked_contracts", "contracts left unmatched", labels=["strategy"]
    )
    for e in snap.executions:
        runs.add_metric([e.strategy, "done"], e.done)
        runs.add_metric([e.strategy, "naked"], e.naked)
        locked.add_metric([e.strategy], _f(e.locked))
        naked.add_metric([e.strategy], _f(e.naked_contracts))
    yield from (pnl, held, runs, locked, naked)


def metrics_registry(
    engine: TradingEngine,
    stats: LiveStats | None = None,
    registry: CollectorRegistry | None = None,
    venues: Sequence[VenueHealth] = (),
) -> CollectorRegistry:
    """``registry`` (a new one if None) with the engine's collector added."""
    registry = registry or CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, stats, venues))
    return registry
