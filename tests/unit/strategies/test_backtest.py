"""The deterministic backtest driver: same seed, same day; quotes on the grid and resting;
its PnL equal to the exchange's books; write tokens equal to the requests sent."""

from __future__ import annotations

import functools
from collections import Counter
from decimal import Decimal

import pytest

from predmm.backtest import (
    Backtest,
    BacktestConfig,
    BacktestResult,
    FixedSpreadPolicy,
    Policy,
    StrategyPolicy,
    max_drawdown,
    sharpe,
)
from predmm.backtest.driver import CAPABILITIES
from predmm.backtest.risk import market_exposure
from predmm.config import MarketMakingConfig, RiskConfig, load_preset
from predmm.domain.enums import MarketStatus, Venue
from predmm.domain.risk import Terms
from predmm.simulator.exchange.events import OrderAccepted, OrderCancelled
from predmm.simulator.exchange.model import CancelReason

D = Decimal
SHORT = 300.0  # simulated seconds: 13 to 26 fills on each venue (seeds 2 to 4)
EPSILON = D("1e-12")  # the trackers' average prices are divisions (28 digits)


def _default() -> StrategyPolicy:
    return StrategyPolicy(name="default", config=MarketMakingConfig())


Seen = Counter[tuple[Venue, str]]


@functools.cache
def _day(seed: int) -> tuple[Backtest, BacktestResult, Seen]:
    """A SHORT day of the default strategy, run once for the tests that only read it, and
    the creates and user cancels of ours the exchange saw (its own events)."""
    bt = Backtest(_default(), BacktestConfig(seed=seed, duration_s=SHORT))
    seen: Seen = Counter()
    venue_of = {a: v for v, a in bt.accounts.items()}

    def record(event: object) -> None:
        if isinstance(event, OrderAccepted) and event.account_id in venue_of:
            seen[venue_of[event.account_id], "create"] += 1
        if (
            isinstance(event, OrderCancelled)
            and event.account_id in venue_of
            and event.reason is CancelReason.USER
        ):
            seen[venue_of[event.account_id], "cancel"] += 1

    bt.ex.subscribe(record, types=(OrderAccepted, OrderCancelled))
    return bt, bt.run(), seen


def _trades(bt: Backtest) -> list[tuple[object, ...]]:
    return [
        (f.market_id, f.side, f.action, f.price, f.quantity, f.fee, f.is_taker, f.ts)
        for account in bt.accounts.values()
        for f in bt.ex.fills(account)
    ]


def test_same_seed_gives_the_same_trades_and_pnl() -> None:
    again = Backtest(_default(), BacktestConfig(seed=3, duration_s=SHORT))  # a run of its own
    runs = [_day(3)[0], again]
    results = [_day(3)[1], again.run()]
    first, second = (_trades(bt) for bt in runs)
    assert first, "the day should bring fills"
    assert first == second
    assert results[0].pnl == results[1].pnl
    assert results[0].equity == results[1].equity
    assert results[0].write_tokens == results[1].write_tokens


def test_another_seed_gives_another_day() -> None:
    assert _trades(_day(3)[0]) != _trades(_day(4)[0])


@pytest.mark.parametrize(
    "policy",
    [
        _default(),
        StrategyPolicy(name="hft", config=load_preset("hft")),
        FixedSpreadPolicy(half_spread=D("0.005"), size=D(10)),  # quotes at the touch
    ],
    ids=["default", "hft", "tight-baseline"],
)
def test_quotes_are_on_the_grid_and_never_cross(policy: Policy) -> None:
    bt = Backtest(policy, BacktestConfig(seed=5, duration_s=400.0, record_orders=True))
    bt.run()
    quotes = [s for s in bt.sent if s.kind in ("place", "amend")]
    assert quotes
    assert all(s.on_grid for s in bt.sent)
    assert all(s.post_only for s in quotes)
    assert bt.rejects == 0  # no POST_ONLY_CROSS, nothing off the grid or under-funded
    for account in bt.accounts.values():
        for order in bt.ex.orders(account):
            if order.post_only:
                fills = [f for f in bt.ex.fills(account) if f.order_id == order.order_id]
                assert not any(f.is_taker for f in fills)


def _exchange_equity(bt: Backtest) -> Decimal:
    """Cash and positions straight from the exchange, marked at each market's book mid,
    or at the settlement value."""
    total = -bt.cfg.maker_cash * len(bt.accounts)
    for account in bt.accounts.values():
        total += bt.ex.balance(account).cash
        for pos in bt.ex.positions(account):
            state = bt.ex.market(pos.market_id)
            mid = bt.markets[pos.market_id].mark
            assert mid is not None
            total += pos.yes * mid + pos.no * (1 - mid)
            if state.status is MarketStatus.SETTLED:
                assert pos.yes == pos.no == 0
    return total


def test_strategy_pnl_equals_the_exchange_books() -> None:
    bt = Backtest(_default(), BacktestConfig(seed=2, duration_s=SHORT))
    result = bt.run()
    assert result.fills > 0
    assert result.pnl == _exchange_equity(bt)
    assert abs(bt.tracked_pnl() - result.pnl) < EPSILON


def test_pnl_through_settlement_equals_the_exchange_books() -> None:
    # events resolve 0.2-0.6 h after the start: the first (at 720 s) settles in the run
    cfg = BacktestConfig(seed=2, duration_s=800.0, time_scale=0.025)
    bt = Backtest(FixedSpreadPolicy(), cfg)
    result = bt.run()
    settled = [m for m in bt.markets.values() if m.settled is not None]
    assert settled
    assert any(m.inventory.realized_pnl != 0 for m in settled)
    assert result.pnl == _exchange_equity(bt)
    assert abs(bt.tracked_pnl() - result.pnl) < EPSILON


def test_write_tokens_match_the_requests_the_exchange_saw() -> None:
    bt, result, seen = _day(4)
    expected = D(0)
    for venue, counts in bt.requests.items():
        caps = CAPABILITIES[venue]
        expected += (counts["create"] + counts["amend"]) * caps.order_tokens
        expected += counts["cancel"] * caps.cancel_tokens
        assert counts["create"] == seen[venue, "create"]  # no rejects in this run
        assert counts["cancel"] == seen[venue, "cancel"]
    assert bt.requests[Venue.KALSHI]["amend"] > 0  # Kalshi amends
    assert bt.requests[Venue.POLYMARKET]["amend"] == 0  # Polymarket cancels and replaces
    assert result.write_tokens == expected
    assert result.orders == sum(c["create"] for c in bt.requests.values())


def test_max_drawdown_and_sharpe() -> None:
    assert max_drawdown([D(0), D(5), D(2), D(7), D(1), D(3)]) == D(6)
    assert max_drawdown([D(0), D(1), D(2)]) == 0
    assert sharpe([D(0), D(1), D(2), D(3)], 60.0) == 0.0  # no variation
    up = sharpe([D(0), D(1), D(3), D(4), D(6)], 60.0)
    assert up > 0
    assert sharpe([D(0), D(-1), D(-3), D(-4), D(-6)], 60.0) == pytest.approx(-up)


def test_risk_limits_keep_orders_back() -> None:
    risk = RiskConfig(max_market_loss=D(3))
    bt = Backtest(_default(), BacktestConfig(seed=2, duration_s=SHORT, risk=risk))
    result = bt.run()
    assert result.risk_refusals > 0
    for ms in bt.markets.values():
        orders = [
            Terms(
                side=o.side, action=o.action, price=o.price, quantity=o.quantity - o.filled_quantity
            )
            for o in bt.ex.open_orders(ms.account, ms.market_id)
        ]
        assert market_exposure(ms.inventory, orders).worst_loss <= risk.max_market_loss


def test_the_baseline_has_no_limits() -> None:
    risk = RiskConfig(max_market_loss=D(3))
    bt = Backtest(FixedSpreadPolicy(), BacktestConfig(seed=2, duration_s=300.0, risk=risk))
    assert bt.run().risk_refusals == 0
