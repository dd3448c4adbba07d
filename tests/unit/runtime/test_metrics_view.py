"""The metrics endpoint, the health endpoint and the live view render an engine snapshot
(a fake engine that publishes a fixed snapshot: what the real one does through its
StatusBoard), the venues' health as the instrumented clients record it, and the live
figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest
import trio
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from predmm.actors.messages import ExposureReport
from predmm.actors.status import CoreStatus, EngineSnapshot, MarketStatus
from predmm.cli.instrument import InstrumentedVenue, VenueHealth, VenueMetrics
from predmm.cli.live.http import health, metrics_app, serve_metrics
from predmm.cli.metrics import metrics_registry
from predmm.cli.view import ViewData, render, status_line
from predmm.domain import MarketId, OrderStatus, TradingState, Venue
from predmm.domain.errors import PredmmError, RateLimited, VenueUnavailable
from predmm.domain.exposure import EventExposure
from predmm.domain.risk import Limits
from predmm.strategies.mm_metrics import MarketMakingStats

D = Decimal
M = MarketId(Venue.KALSHI, "KXFED-26DEC")
P = MarketId(Venue.POLYMARKET, "0x06861cc249bf44d780023c9e2b853dcc763355f4d1996ebeac20c6f088d3fb82")
NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC).timestamp()


def snapshot(
    *,
    running: bool = True,
    state: TradingState = TradingState.REDUCING,
    markets: tuple[MarketStatus, ...] | None = None,
    paper: bool = False,
) -> EngineSnapshot:
    if markets is None:
        markets = (
            MarketStatus(
                market_id=M,
                health="quoting",
                fair_value=D("0.55"),
                yes_bid=D("0.53"),
                no_bid=D("0.43"),
                yes_contracts=D(10),
                no_contracts=D(10),
                realized_pnl=D("1.5"),
                restarts=2,
            ),
            MarketStatus(
                market_id=P,
                health="quoting",
                fair_value=D("0.452"),
                yes_bid=D("0.44"),
                no_bid=D("0.53"),
            ),
        )
    return EngineSnapshot(
        trading_state=state,
        markets=markets,
        exposure=ExposureReport(
            state=state,
            events=(
                EventExposure(
                    event_id="event:FED",
                    contracts=D(20),
                    worst_loss=D("6.36"),
                    scenario="NO",
                    markets=(str(M), str(P)),
                ),
            ),
            venue_loss=((Venue.KALSHI, D("6.36")),),
            total_loss=D("6.36"),
            realized_pnl=D("1.5"),
            unrealized_pnl=D("0.24"),
            daily_pnl=D("-210"),
            reservations=2,
        ),
        limits=Limits(
            market_contracts=D(100),
            market_loss=D(100),
            event_contracts=D(150),
            event_loss=D(150),
            venue_loss=D(1000),
            total_loss=D(1500),
        ),
        quarantined=(),
        restarts=sum(m.restarts for m in markets),
        running=running,
        paper=paper,
    )


class FakeEngine:
    def __init__(self, snap: EngineSnapshot | None = None) -> None:
        self.snap = snap or snapshot()
        self.stopping = False

    def snapshot(self) -> EngineSnapshot:
        return self.snap


@attrs.define
class FakeStats:
    """What the collector reads of ``LiveStats``."""

    order_counts: dict[Any, int] = attrs.Factory(dict)
    order_events: dict[Any, int] = attrs.Factory(dict)
    platform_stats: dict[Any, Any] = attrs.Factory(dict)
    rewards: dict[str, Any] = attrs.Factory(dict)  # today's estimates, by market

    def per_market(self) -> tuple[dict[str, Any], Any]:
        return {}, None


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_expose_state_inventory_and_exposure() -> None:
    text = generate_latest(metrics_registry(FakeEngine())).decode()  # type: ignore[arg-type]
    assert 'predmm_trading_state{state="reducing"} 1.0' in text
    assert 'predmm_inventory_contracts{market="kalshi:KXFED-26DEC",side="yes"} 10.0' in text
    assert 'predmm_quote_price{market="kalshi:KXFED-26DEC",side="no"} 0.43' in text
    assert 'predmm_event_worst_loss_dollars{event="event:FED",scenario="NO"} 6.36' in text
    assert 'predmm_pnl_dollars{kind="daily"} -210.0' in text
    assert "predmm_restarts_total 2.0" in text
    assert "predmm_engine_running 1.0" in text


def test_open_orders_are_a_gauge_and_order_events_a_counter() -> None:
    stats = FakeStats(
        order_counts={(Venue.KALSHI, OrderStatus.OPEN): 3, (Venue.KALSHI, OrderStatus.FILLED): 7},
        order_events={(Venue.KALSHI, "submit"): 10, (Venue.KALSHI, "fill"): 7},
    )
    text = generate_latest(metrics_registry(FakeEngine(), stats)).decode()  # type: ignore[arg-type]
    found = families(text)
    assert found["predmm_orders"].type == "gauge"
    assert 'predmm_orders{status="open",venue="kalshi"} 3.0' in text
    assert found["predmm_order_events"].type == "counter"
    assert 'predmm_order_events_total{event="submit",venue="kalshi"} 10.0' in text
    assert "predmm_orders_total" not in text  # no counter holds a current value


def test_market_restarts_never_go_down() -> None:
    engine = FakeEngine()
    registry = metrics_registry(engine)  # type: ignore[arg-type]
    assert "predmm_restarts_total 2.0" in generate_latest(registry).decode()
    engine.snap = snapshot(markets=())  # the restarted market was retired
    assert "predmm_restarts_total 2.0" in generate_latest(registry).decode()


def test_every_counter_is_a_total_and_every_current_value_a_gauge() -> None:
    stats = FakeStats(order_counts={(Venue.KALSHI, OrderStatus.OPEN): 1})
    health_ = VenueHealth("kalshi", now=lambda: NOW)
    text = generate_latest(
        metrics_registry(FakeEngine(), stats, venues=[health_])  # type: ignore[arg-type]
    ).decode()
    kinds = {name: f.type for name, f in families(text).items()}
    current = (
        "orders",
        "live_orders",
        "inventory_contracts",
        "venue_connected",
        "book_age_seconds",
        "pnl_dollars",
        "trading_state",
        "engine_running",
        "rewards_estimated_dollars",
        "rebates_estimated_dollars",
        "rewards_share",
    )
    for name in current:
        assert kinds[f"predmm_{name}"] == "gauge", name
    for name in ("restarts", "order_events"):
        assert kinds[f"predmm_{name}"] == "counter", name


# the venues' health -----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.t = NOW

    def __call__(self) -> float:
        return self.t


class FlakyVenue:
    """A venue client whose next answer the test decides."""

    venue = Venue.KALSHI
    capabilities = None

    def __init__(self) -> None:
        self.fail: BaseException | None = None

    async def get_balance(self) -> Decimal:
        if self.fail is not None:
            raise self.fail
        return D("100")

    async def stream(self, market_ids: Any) -> AsyncIterator[Any]:
        from predmm.domain.book import Level, OrderBook
        from predmm.domain.events import BookUpdated

        book = OrderBook.from_yes_quotes(
            M, bids=[Level(D("0.5"), D(10))], asks=[Level(D("0.6"), D(10))]
        )
        yield BookUpdated(book=book)
        raise VenueUnavailable("websocket closed: 1006")


async def test_a_venue_is_down_from_its_first_failure_to_its_next_answer() -> None:
    clock, client = Clock(), FlakyVenue()
    venue = InstrumentedVenue(client, VenueMetrics(_registry()), now=clock)  # type: ignore[arg-type]
    assert await venue.get_balance() == D("100")
    assert venue.health.state().connected
    clock.t += 5
    client.fail = VenueUnavailable("connect timeout")
    with pytest.raises(VenueUnavailable):
        await venue.get_balance()
    down = venue.health.state()
    assert (down.connected, down.since, down.error) == (
        False,
        NOW + 5,
        "VenueUnavailable: connect timeout",
    )
    client.fail = RateLimited("429")  # an answer: the venue is there
    with pytest.raises(RateLimited):
        await venue.get_balance()
    assert venue.health.state().connected


async def test_a_failing_stream_marks_its_venue_down_and_dates_each_book() -> None:
    clock, client = Clock(), FlakyVenue()
    venue = InstrumentedVenue(client, VenueMetrics(_registry()), now=clock)  # type: ignore[arg-type]
    seen: list[bool] = []  # connected, as each event came

    async def read() -> None:
        async for _ in venue.stream([M]):
            seen.append(venue.health.state().connected)
            clock.t += 2

    with pytest.raises(VenueUnavailable):
        await read()
    assert seen == [True]
    assert venue.health.book_at == {M: NOW}
    assert not venue.health.state().connected
    text = generate_latest(
        metrics_registry(FakeEngine(), venues=[venue.health]),  # type: ignore[arg-type]
    ).decode()
    assert 'predmm_venue_connected{venue="kalshi"} 0.0' in text
    assert 'predmm_book_age_seconds{market="kalshi:KXFED-26DEC"}' in text


class ReconnectingVenue(FlakyVenue):
    """A stream that, losing its socket, says so and keeps trying (as the clients do)."""

    async def stream(self, market_ids: Any) -> AsyncIterator[Any]:
        from predmm.domain.events import BookInvalidated

        for _ in range(3):
            yield BookInvalidated(market_id=M, reason="reconnecting")


async def test_a_stream_that_only_loses_its_books_is_no_sign_of_life() -> None:
    clock, client = Clock(), ReconnectingVenue()
    venue = InstrumentedVenue(client, VenueMetrics(_registry()), now=clock)  # type: ignore[arg-type]
    client.fail = VenueUnavailable("connect refused")
    with pytest.raises(VenueUnavailable):
        await venue.get_balance()
    async for _ in venue.stream([M]):
        pass
    state = venue.health.state()
    assert not state.connected
    assert state.last_failure == ("get_balance", NOW)


class AskedVenue(FlakyVenue):
    """Answers what it was asked: the markets of a position or settlement read."""

    async def get_positions(self, market_ids: Any = None) -> list[Any]:
        if self.fail is not None:
            raise self.fail
        return list(market_ids or ())

    async def get_settlements(self, market_ids: Any) -> list[Any]:
        if self.fail is not None:
            raise self.fail
        return list(market_ids)


async def test_the_venue_is_asked_the_positions_and_settlements_of_the_markets_given() -> None:
    clock, client = Clock(), AskedVenue()
    venue = InstrumentedVenue(client, VenueMetrics(_registry()), now=clock)  # type: ignore[arg-type]
    assert await venue.get_positions([M]) == [M]  # the reconciliation reads these markets
    assert await venue.get_settlements([M, P]) == [M, P]
    client.fail = VenueUnavailable("connect timeout")
    with pytest.raises(VenueUnavailable):
        await venue.get_settlements([M])
    assert venue.health.state().last_failure == ("get_settlements", NOW)


def _registry() -> Any:
    from prometheus_client import CollectorRegistry

    return CollectorRegistry(auto_describe=False)


# /healthz and /metrics ---------------------------------------------------------------------


async def _get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics") as client:
        return await client.get(path)


async def test_only_metrics_and_healthz_are_served() -> None:
    engine = FakeEngine(snapshot(state=TradingState.ACTIVE))
    up = VenueHealth("kalshi", now=lambda: NOW)
    up.up()
    registry = metrics_registry(engine, venues=[up])  # type: ignore[arg-type]
    states = [up]

    def healthz() -> tuple[bool, str]:
        return health(engine, [v.state() for v in states], now=NOW + 75, started=NOW)

    app = metrics_app(registry, healthz)
    metrics = await _get(app, "/metrics")
    assert metrics.status_code == 200
    assert "predmm_trading_state" in metrics.text
    ok = await _get(app, "/healthz")
    assert (ok.status_code, ok.text) == (
        200,
        "ok: running 1 min 15 s; trading ACTIVE; kalshi connected\n",
    )
    for path in ("/", "/metrics/", "/favicon.ico", "/healthz/x"):
        missing = await _get(app, path)
        assert missing.status_code == 404, path
        assert "predmm_" not in missing.text


def test_health_is_503_when_halted_a_venue_is_down_or_the_engine_not_running() -> None:
    up, down = VenueHealth("kalshi", now=lambda: NOW), VenueHealth("polymarket", now=lambda: NOW)
    up.up()
    down.down(VenueUnavailable("connect timeout"))
    states = [up.state(), down.state()]
    ok, text = health(FakeEngine(snapshot()), states, now=NOW + 12, started=NOW)
    assert not ok
    assert text == "polymarket down since 17:00:00 UTC (12 s): VenueUnavailable: connect timeout"
    halted = FakeEngine(snapshot(state=TradingState.HALTED))
    ok, text = health(
        halted, [up.state()], now=NOW, started=NOW, halted_since="since 17:00:00 UTC: daily loss"
    )
    assert (ok, text) == (False, "halted since 17:00:00 UTC: daily loss")
    stopped = FakeEngine(snapshot(running=False))
    stopped.stopping = True
    assert health(stopped, [], now=NOW, started=NOW) == (
        False,
        "stopping: the engine is not running",
    )


async def test_metrics_serve_on_loopback_and_a_taken_port_is_one_line() -> None:
    app = metrics_app(metrics_registry(FakeEngine()), lambda: (True, "ok"))  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_metrics, app, 0)
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert (answer.status_code, answer.text) == (200, "ok\n")
        with pytest.raises(PredmmError) as taken:
            await serve_metrics(app, port)
        assert str(taken.value) == (
            f"metrics port {port} on 127.0.0.1 is in use by another process: choose another port"
        )
        nursery.cancel_scope.cancel()


# the live view and the status lines --------------------------------------------------------


def view_data(**more: Any) -> ViewData:
    stats = MarketMakingStats()
    stats.on_quote(D(10))
    up, down = VenueHealth("kalshi", now=lambda: NOW), VenueHealth("polymarket", now=lambda: NOW)
    up.up()
    down.down(VenueUnavailable("502"))
    defaults: dict[str, Any] = {
        "snap": snapshot(),
        "now": NOW + 3725,
        "started": NOW,
        "per_market": {str(M): stats.snapshot(1.0)},
        "totals": stats.snapshot(1.0),
        "venues": (up.state(), down.state()),
        "titles": {M: "Fed cuts rates in December?", P: "Fed decision in December: 25 bp cut?"},
        "ticks": {M: D("0.01"), P: D("0.001")},
        "events": {M: "FED", P: "FED"},
        "resting": 4,
    }
    return ViewData(**(defaults | more))


def test_live_view_shows_titles_clock_uptime_venues_and_holdings() -> None:
    console = Console(width=240, record=True)
    console.print(render(view_data()))
    out = console.export_text()
    assert "REDUCING" in out
    assert "2026-12-06 18:02:05 UTC" in out  # the clock
    assert "up 1 h 02 min" in out
    assert "kalshi connected, polymarket DOWN" in out
    assert "Fed cuts rates in December?" in out
    assert "0x0686…fb82" in out  # a short id that is not a look-alike prefix
    assert "10 YES / 10 NO (net 0)" in out  # the market
    events = out.split("events (exposure across venues)")[1]
    assert "FED " in events  # the exposure book's key "event:FED", as the operator reads it
    assert "10 YES / 10 NO (net 0)" in events  # the event's holdings, both venues
    assert "net contracts" not in out
    assert "0.452" in out  # prices to the tick: a tenth of a cent on that market
    assert "$1.74" in out  # PnL to the cent
    assert "20 of 150" in out  # the event's contracts against its limit
    assert "worst if" in events  # the scenario of the event's worst loss


def test_live_view_says_why_trading_halted_and_which_core_actor_failed() -> None:
    snap = attrs.evolve(
        snapshot(),
        trading_state=TradingState.HALTED,
        halt_reason="journal failed (OperationalError: database or disk is full)",
        core=(
            CoreStatus(component="journal", health="unreachable", note="the halt is not journaled"),
            CoreStatus(component="platform kalshi", health="restarted", restarts=1),
        ),
    )
    console = Console(width=200, record=True)
    console.print(render(view_data(snap=snap)))
    out = console.export_text()
    assert "HALTED: journal failed (OperationalError: database or disk is full)" in out
    assert "journal: unreachable (the halt is not journaled)" in out
    assert "platform kalshi: restarted" in out
    fields = json.loads(status_line(view_data(snap=snap), as_json=True))
    assert fields["core"] == {"journal": "unreachable", "platform kalshi": "restarted"}
    assert fields["halt_reason"].startswith("journal failed")
    assert "journal unreachable" in status_line(view_data(snap=snap), as_json=False)


def test_a_paper_run_says_paper_in_the_metrics_the_view_and_the_status_lines() -> None:
    live = generate_latest(metrics_registry(FakeEngine())).decode()  # type: ignore[arg-type]
    assert "predmm_paper 0.0" in live
    engine = FakeEngine(snapshot(paper=True))
    text = generate_latest(metrics_registry(engine)).decode()  # type: ignore[arg-type]
    assert "predmm_paper 1.0" in text
    console = Console(width=200, record=True)
    data = view_data(snap=engine.snapshot())
    console.print(render(data))
    assert console.export_text().splitlines()[0].startswith(" PAPER ")
    assert json.loads(status_line(data, as_json=True))["mode"] == "paper"
    assert "UTC PAPER REDUCING |" in status_line(data, as_json=False)
    assert json.loads(status_line(view_data(), as_json=True))["mode"] == "live"


def test_status_lines_human_and_json() -> None:
    data = view_data()
    line = status_line(data, as_json=False)
    assert "\n" not in line
    assert line.startswith("2026-12-06 18:02:05 UTC REDUCING | up 1 h 02 min")
    assert "polymarket DOWN 1 h 02 min" in line
    assert "PnL $1.74 (day -$210.00)" in line
    fields = json.loads(status_line(data, as_json=True))
    assert fields["state"] == "reducing"
    assert fields["venues"] == {"kalshi": "connected", "polymarket": "down"}
    assert (fields["pnl"], fields["day"], fields["resting_orders"]) == ("1.74", "-210.00", 4)


def test_live_figures_count_this_runs_fills_and_journal_their_marks(tmp_path: Any) -> None:
    from datetime import timedelta

    from predmm.actors.journal.store import Journal
    from predmm.cli.stats import FILL_HORIZONS, LiveStats
    from predmm.domain import ClientOrderId, Fill, FillId, Order, OrderSide
    from predmm.domain.orders import OrderEvent

    path = tmp_path / "j.sqlite3"
    start = datetime.fromtimestamp(NOW, UTC)
    earlier = Fill(
        fill_id=FillId("old"),
        market_id=M,
        side=OrderSide.YES,
        price=D("0.5"),
        quantity=D(5),
        ts=start - timedelta(hours=1),
    )
    with Journal.open(path) as j, j.transaction():
        j.record_fill(earlier, at=start - timedelta(hours=1))
    told: dict[str, list[Any]] = {"marks": [], "fill_marks": []}

    class Port:
        def marks(self, marks: Any) -> None:
            told["marks"].append(list(marks))

        def fill_marks(self, marks: Any) -> None:
            told["fill_marks"].extend(marks)

    stats = LiveStats(FakeEngine(), path, port=Port)  # type: ignore[arg-type]
    stats.started_at = start
    ours = Fill(
        fill_id=FillId("new"),
        market_id=M,
        side=OrderSide.NO,
        price=D("0.43"),
        quantity=D(10),
        ts=start + timedelta(seconds=1),
    )
    order = Order(
        client_order_id=ClientOrderId("c1"),
        market_id=M,
        side=OrderSide.NO,
        price=D("0.43"),
        quantity=D(10),
        created_at=start,
    )
    with Journal.open(path) as j, j.transaction():
        j.record_fill(ours, at=start + timedelta(seconds=1))
        j.record_order(
            order.on(OrderEvent.SUBMIT), at=start + timedelta(seconds=1), event=OrderEvent.SUBMIT
        )
    stats.sample(NOW + 1)
    stats.journal_marks(NOW + 1)
    assert stats.markets[str(M)].fills == 1  # the earlier run's fill is not this run's
    assert stats.order_events == {(Venue.KALSHI, "submit"): 1}
    assert told["marks"] == [[(M, D("0.55")), (P, D("0.452"))]]  # a first mark at once
    stats.sample(NOW + 400)  # every horizon after the fill has passed
    assert [(f, h) for _, f, h, _ in told["fill_marks"]] == [
        (FillId("new"), h) for h in FILL_HORIZONS
    ]
    assert stats._fill_market == {}  # nothing left waiting


def test_each_strategy_in_the_metrics_and_the_view():
    from predmm.actors.messages import StrategyPnl
    from predmm.actors.status import ExecutionTotals

    base = FakeEngine().snapshot()
    assert base.exposure is not None
    mm = StrategyPnl(
        strategy="market_making",
        realized_pnl=D("1.5"),
        unrealized_pnl=D("0.24"),
        fees_paid=D("0.1"),
        contracts=D(12),
    )
    arb = StrategyPnl(
        strategy="arbitrage",
        realized_pnl=D(0),
        unrealized_pnl=D("-0.2"),
        fees_paid=D("0.64"),
        contracts=D(40),
    )
    runs = ExecutionTotals(
        strategy="arbitrage", done=1, naked=1, locked=D("2.3595"), naked_contracts=D(3)
    )
    snap = attrs.evolve(
        base,
        exposure=attrs.evolve(base.exposure, strategies=(arb, mm)),
        executions=(runs,),
    )

    class Engine:
        def snapshot(self) -> EngineSnapshot:
            return snap

    text = generate_latest(metrics_registry(Engine())).decode()  # type: ignore[arg-type]
    assert 'predmm_strategy_pnl_dollars{kind="realized",strategy="market_making"} 1.5' in text
    assert 'predmm_strategy_contracts{strategy="arbitrage"} 40.0' in text
    assert 'predmm_executions_total{outcome="done",strategy="arbitrage"} 1.0' in text
    assert 'predmm_execution_naked_contracts{strategy="arbitrage"} 3.0' in text
    console = Console(width=200, record=True)
    console.print(render(view_data(snap=snap)))
    out = console.export_text()
    assert "arbitrage: realized $0.00  unrealized -$0.20  holds 40" in out
    assert "executions 1 done, 1 naked  locked $2.36  3 contracts NAKED" in out
    assert "market_making: realized $1.50" in out
