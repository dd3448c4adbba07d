"""The usage guide's "Unit Tests" section, as written (imports adapted)."""

from decimal import Decimal

from predmm.domain.testing import create_test_market
from predmm.strategies.market_making import (
    InventoryTracker,
    MarketMakingConfig,
    MarketMakingStrategy,
)


def test_spread_calculation():
    config = MarketMakingConfig(base_spread=Decimal("0.04"))
    strategy = MarketMakingStrategy(config=config)

    # Test normal market
    market = create_test_market(liquidity=Decimal("10000"), hours_to_close=48)
    inventory = InventoryTracker(market_id="TEST", net_position=0)

    spread = strategy._calculate_dynamic_spread(market, inventory)
    assert spread == Decimal("0.04")

    # Test low liquidity
    market.liquidity = Decimal("6000")
    spread = strategy._calculate_dynamic_spread(market, inventory)
    assert spread == Decimal("0.06")  # +2% for low liquidity


def test_inventory_adjustments():
    strategy = MarketMakingStrategy()

    # Test long position
    inventory = InventoryTracker(market_id="TEST")
    inventory.yes_contracts = 25
    inventory.no_contracts = 5
    # net_position = +20

    bid_adj, ask_adj = strategy._calculate_inventory_adjustments(inventory)

    # Should discourage buying more YES
    assert bid_adj < Decimal("0")
    assert ask_adj < Decimal("0")
