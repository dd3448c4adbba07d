"""The metrics endpoint and the live view render an engine snapshot (a fake engine that
publishes a fixed snapshot: what the real one does through its StatusBoard)."""

from __future__ import annotations

from decimal import Decimal

import attrs
from prometheus_client import generate_latest
from rich.console import Console

from predmm.actors.messages import ExposureReport
from predmm.actors.status import CoreStatus, EngineSnapshot, MarketStatus
from predmm.cli.metrics import metrics_registry
from predmm.cli.view import render, summary_line
from predmm.domain import MarketId, TradingState, Venue
from predmm.domain.exposure import EventExposure
from predmm.domain.risk import Limits
from predmm.strategies.mm_metrics import MarketMakingStats

D = Decimal
M = MarketId(Venue.KALSHI, "KXFED-26DEC")


class FakeEngine:
    def __init__(self, *, paper: bool = False) -> None:
        self.paper = paper

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            trading_state=TradingState.REDUCING,
            markets=(
                MarketStatus(
                    market_id=M,
                    health="quoting",
                    fair_value=D("0.55"),
                    yes_bid=D("0.53"),
                    no_bid=D("0.43"),
                    yes_contracts=D(12),
                    realized_pnl=D("1.5"),
                ),
            ),
            exposure=ExposureReport(
                state=TradingState.REDUCING,
                events=(
                    EventExposure(
                        event_id="FED",
                        contracts=D(12),
                        worst_loss=D("6.36"),
                        scenario="kalshi:KXFED-26DEC-H0",
                        markets=("kalshi:KXFED-26DEC-C25", "kalshi:KXFED-26DEC-H0"),
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
            restarts=1,
            running=True,
            paper=self.paper,
        )


def test_metrics_expose_state_inventory_and_exposure():
    text = generate_latest(metrics_registry(FakeEngine())).decode()  # type: ignore[arg-type]
    assert 'predmm_trading_state{state="reducing"} 1.0' in text
    assert 'predmm_inventory_contracts{market="kalshi:KXFED-26DEC",side="yes"} 12.0' in text
    assert 'predmm_quote_price{market="kalshi:KXFED-26DEC",side="no"} 0.43' in text
    loss = 'predmm_event_worst_loss_dollars{event="FED",scenario="kalshi:KXFED-26DEC-H0"} 6.36'
    assert loss in text
    assert 'predmm_pnl_dollars{kind="daily"} -210.0' in text
    assert "predmm_restarts_total 1.0" in text


def test_live_view_renders_markets_events_and_quality():
    stats = MarketMakingStats()
    stats.on_quote(D(10))
    console = Console(width=200, record=True)
    snap = FakeEngine().snapshot()
    console.print(render(snap, 0.0, {str(M): stats.snapshot(1.0)}, stats.snapshot(1.0)))
    out = console.export_text()
    assert "REDUCING" in out
    assert "kalshi:KXFED-26DEC" in out
    assert "0.53" in out
    assert "quoting" in out
    assert "FED" in out
    assert "150" in out
    assert "worst if" in out
    assert "kalshi:KXFED-26DEC-H0" in out
    assert summary_line(snap, None)["state"] == "reducing"


def test_live_view_says_why_trading_halted_and_which_core_actor_failed():
    snap = attrs.evolve(
        FakeEngine().snapshot(),
        trading_state=TradingState.HALTED,
        halt_reason="journal failed (OperationalError: database or disk is full)",
        core=(
            CoreStatus(component="journal", health="unreachable", note="the halt is not journaled"),
            CoreStatus(component="platform kalshi", health="restarted", restarts=1),
        ),
    )
    console = Console(width=200, record=True)
    console.print(render(snap, 0.0, {}, None))
    out = console.export_text()
    assert "HALTED: journal failed (OperationalError: database or disk is full)" in out
    assert "journal: unreachable (the halt is not journaled)" in out
    assert "platform kalshi: restarted" in out
    line = summary_line(snap, None)
    assert line["core"] == {"journal": "unreachable", "platform kalshi": "restarted"}


def test_a_paper_run_says_paper_in_the_metrics_and_the_view():
    live = generate_latest(metrics_registry(FakeEngine())).decode()  # type: ignore[arg-type]
    assert "predmm_paper 0.0" in live
    engine = FakeEngine(paper=True)
    text = generate_latest(metrics_registry(engine)).decode()  # type: ignore[arg-type]
    assert "predmm_paper 1.0" in text
    console = Console(width=200, record=True)
    snap = engine.snapshot()
    console.print(render(snap, 0.0, {}, None))
    assert console.export_text().splitlines()[0].startswith(" PAPER ")
    assert summary_line(snap, None)["mode"] == "paper"
    assert summary_line(FakeEngine().snapshot(), None)["mode"] == "live"


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
    console.print(render(snap, 0.0, {}, None))
    out = console.export_text()
    assert "arbitrage: realized $0.00  unrealized $-0.20  holds 40" in out
    assert "executions 1 done, 1 naked  locked $2.36  3 contracts NAKED" in out
    assert "market_making: realized $1.50" in out
