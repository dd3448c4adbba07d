"""The figures on hand-computed cases: markouts, spread capture, PnL, drawdown, Sharpe."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from predmm.backtest.decision import Place
from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import TradeThrough
from predmm.backtest.metrics import max_drawdown, sharpe
from predmm.backtest.testing import ListSource, ScriptDecider, book, market
from predmm.domain.enums import OrderSide

D = Decimal


def test_markouts_spread_capture_and_pnl_of_one_fill():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.49, 100)]))  # mid 0.49
    src.book(1000, book([(0.46, 100)], [(0.53, 10)]))  # ask 0.47 < our 0.48: 10 fill; mid 0.465
    src.book(5000, book([(0.50, 100)], [(0.48, 100)]))  # mid 0.51
    src.book(30000, book([(0.39, 100)], [(0.59, 100)]))  # mid 0.40
    src.book(400000, book([(0.39, 100)], [(0.59, 100)]))
    plan = {0: [Place(side=OrderSide.YES, price=D("0.48"), size=D(10))]}
    cfg = ReplayConfig(fill_model=TradeThrough(), timer_ms=0)
    result = Replay(src, ScriptDecider(plan), cfg).run()
    s = result.summary()
    assert s["fills"] == 1
    assert s["spread_capture"] == pytest.approx(0.10)  # 10 x (mid before the fill - 0.48)
    assert s["markout_1s"] == pytest.approx(-0.15)  # due at 2 s: mid 0.465
    assert s["markout_10s"] == pytest.approx(0.30)  # due at 11 s: mid 0.51
    assert s["markout_60s"] == pytest.approx(-0.80)  # due at 61 s: mid 0.40
    assert s["markout_curve"] == {
        "1s": -1.5, "5s": 3.0, "10s": 3.0, "30s": -8.0, "60s": -8.0, "120s": -8.0, "300s": -8.0
    }  # fmt: skip
    assert s["pnl"] == pytest.approx(-0.80)
    assert s["max_drawdown"] == pytest.approx(0.80)
    assert s["fill_rate"] == 1.0


def test_max_drawdown_and_sharpe_by_hand():
    equity = [D(v) for v in (0, 1, 3, 2, 5, 1)]
    assert max_drawdown(equity) == D(4)
    steps = [1, 2, -1, 3, -4]
    mean = sum(steps) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in steps) / 4)
    assert sharpe(equity, 60.0) == pytest.approx(mean / sd * math.sqrt(1440))
    assert sharpe([D(1), D(1), D(1)], 60.0) == 0.0


def test_settlement_pays_the_recorded_outcome():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.49, 100)]))
    src.trade(1000, 0.40, 10, taker=-1)  # through our 0.48: 10 YES bought
    src.settle(2000, 1.0)
    plan = {0: [Place(side=OrderSide.YES, price=D("0.48"), size=D(10))]}
    result = Replay(src, ScriptDecider(plan), ReplayConfig(fill_model=TradeThrough())).run()
    assert result.pnl == D("5.20")  # 10 x (1 - 0.48)
