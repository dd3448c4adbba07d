"""The market maker through the ``Strategy`` protocol: ``signals(view)`` quotes what
``scan_markets`` quotes, from the view's positions (not its own inventory), and adds
the exits those positions need."""

from __future__ import annotations

from decimal import Decimal

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import OrderSide, OrderType
from predmm.domain.testing import EPOCH, create_test_market
from predmm.strategies.base import StrategyView
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.market_making import EXIT_STRENGTH, QUOTE_STRENGTH, MarketMakingStrategy

D = Decimal


async def test_signals_of_a_flat_view_are_the_guides_scan() -> None:
    market = create_test_market(market_id="BTC-100K")
    strategy = MarketMakingStrategy()
    view = StrategyView(now=EPOCH, markets={market.market_id: market})
    signals = strategy.signals(view)
    assert signals == await strategy.scan_markets([market])
    assert [(s.side, s.target_price) for s in signals] == [
        (OrderSide.YES, D("0.48")),
        (OrderSide.NO, D("0.48")),
    ]  # the guide's scenario 1


def test_signals_read_the_views_positions_and_add_their_exits() -> None:
    market = create_test_market(market_id="BTC-100K")
    config = MarketMakingConfig()
    held = InventoryTracker(market_id=market.market_id, net_position=25, max_inventory=50)
    strategy = MarketMakingStrategy(config)
    view = StrategyView(
        now=EPOCH, markets={market.market_id: market}, positions={market.market_id: held}
    )
    *quotes, exit_ = strategy.signals(view)
    assert strategy.inventory == {}  # the view's position, not the object's
    assert {(s.side, s.target_price) for s in quotes} == {
        (OrderSide.YES, D("0.45")),  # the guide's scenario 2: 0.454 rounded down
        (OrderSide.NO, D("0.49")),  # 1 - 0.506 rounded up
    }
    assert all(s.strength == QUOTE_STRENGTH for s in quotes)
    assert (exit_.side, exit_.size, exit_.order_type) == (OrderSide.NO, D(15), OrderType.MARKET)
    assert exit_.strength == EXIT_STRENGTH  # a rebalance down to the skew threshold (10)
