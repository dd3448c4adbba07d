"""The backtest runs the arbitrageur beside the market maker (``bench/day.py``'s
``arbitrage+mm``): when someone moves one venue's price of a linked question, the basket
is taken with both legs filled and locks a gain after the fees, its fills are its own
(not the maker's inventory), and the day's PnL is still the exchange's books."""

from __future__ import annotations

from decimal import Decimal

from predmm.backtest import Backtest, BacktestConfig, StrategyPolicy
from predmm.config import MarketMakingConfig
from predmm.config.arbitrage import ArbitrageConfig
from predmm.domain.enums import OrderSide, Venue
from predmm.strategies.inventory import InventoryTracker

D = Decimal
SHORT = 300.0


def test_a_price_moved_on_one_venue_is_arbitraged_in_the_backtest() -> None:
    config = BacktestConfig(seed=7, duration_s=SHORT)
    fees = Backtest(StrategyPolicy(name="x", config=MarketMakingConfig()), config).universe
    arbitrage = ArbitrageConfig(fees=fees.taker_fees())
    bt = Backtest(
        StrategyPolicy(name="arbitrage+mm", config=MarketMakingConfig()),
        BacktestConfig(seed=7, duration_s=SHORT, arbitrage=arbitrage),
    )
    (link,) = [link for link in bt.universe.links() if str(link.event_id) == "BTC-100K-2026"]
    kalshi = next(m for m in link.markets if m.venue is Venue.KALSHI)
    mover = bt.sim.create_trader("mover", cash=D(100_000))

    def move() -> None:  # Kalshi's YES bid to 0.80: every ask below taken, 20 rest
        asks = sum((lv.size for lv in bt.ex.book(kalshi).no_bids if lv.price >= D("0.20")), D(0))
        bt.ex.place_order(mover.kalshi_account, kalshi, OrderSide.YES, D("0.80"), asks + 20)

    bt.sim.defer(120, move)
    result = bt.run()
    arb = result.arbitrage
    assert arb["executions"] >= 1
    assert arb["baskets"] >= 5  # Polymarket's smallest order at least
    assert arb["naked"] == 0
    assert arb["locked"] > 0
    held = bt.arb.held if bt.arb is not None else {}
    poly = next(m for m in link.markets if m.venue is Venue.POLYMARKET)
    taken = held[kalshi].no_contracts  # the NO leg, its own
    assert taken >= 5
    assert held[poly].yes_contracts == taken  # the YES leg on the other venue, as many
    assert taken <= D(int(arb["baskets"]))  # the day's flow may open other links' too
    # every fill of the maker's Kalshi account there counted once: the maker's or its
    everything = InventoryTracker(market_id=kalshi)
    for f in bt.ex.fills(bt.accounts[Venue.KALSHI], kalshi):
        everything.apply_fill(f.side, f.quantity, f.price, f.action, f.fee)
    maker = bt.markets[kalshi].inventory
    assert maker.yes_contracts + held[kalshi].yes_contracts == everything.yes_contracts
    assert maker.no_contracts + held[kalshi].no_contracts == everything.no_contracts
    assert maker.no_contracts < everything.no_contracts
    assert result.pnl == bt.pnl()  # the exchange's books, both strategies together
