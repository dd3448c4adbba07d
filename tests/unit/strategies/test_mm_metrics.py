from decimal import Decimal

from predmm.domain import Action, OrderSide
from predmm.strategies.mm_metrics import MarketMakingStats, combine, fill_value_at

D = Decimal


def test_fill_value_of_yes_and_no_buys_and_sells():
    assert fill_value_at(OrderSide.YES, Action.BUY, D("0.48"), D("0.50")) == D("0.02")
    assert fill_value_at(OrderSide.NO, Action.BUY, D("0.48"), D("0.50")) == D("0.02")
    assert fill_value_at(OrderSide.YES, Action.SELL, D("0.55"), D("0.50")) == D("0.05")


def test_spread_capture_fill_rate_and_markouts_at_each_horizon():
    stats = MarketMakingStats()
    stats.on_quote(D(10))
    stats.on_quote(D(10))
    stats.on_fill(100.0, OrderSide.YES, Action.BUY, D("0.48"), D(10), D("0.50"))
    stats.on_mid(101.0, D("0.45"))  # 1 s later the price fell: picked off
    stats.on_mid(110.0, D("0.49"))
    snap = stats.snapshot()
    assert snap.spread_capture == D("0.20")
    assert snap.fill_rate == D("0.5")
    assert snap.markouts == {1.0: D("-0.30"), 10.0: D("0.10")}  # 60 s not yet due
    stats.on_mid(200.0, D("0.60"))
    assert stats.snapshot().markouts[60.0] == D("1.20")


def test_quote_uptime_is_the_two_sided_share_of_observed_time():
    stats = MarketMakingStats()
    stats.on_quote_state(0.0, True)
    stats.on_quote_state(30.0, False)  # one side filled, not yet requoted
    stats.on_quote_state(40.0, True)
    assert stats.snapshot(now=100.0).quote_uptime == D("0.9")
    assert MarketMakingStats().snapshot().quote_uptime == 0


def test_combine_adds_markets():
    a, b = MarketMakingStats(), MarketMakingStats()
    a.on_quote(D(10))
    a.on_fill(0.0, OrderSide.NO, Action.BUY, D("0.40"), D(5), D("0.55"))
    a.on_mid(1.0, D("0.55"))
    b.on_quote(D(10))
    total = combine([a.snapshot(), b.snapshot()])
    assert (total.fills, total.fill_rate, total.spread_capture) == (1, D("0.25"), D("0.25"))
    assert total.markouts[1.0] == D("0.25")
    assert combine([]).fills == 0
