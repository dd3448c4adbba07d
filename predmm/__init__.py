"""predmm: a market-making daemon for binary prediction markets on Kalshi and Polymarket.

The names a user of the usage guide reaches for are here, loaded on first use (importing
``predmm.config`` does not start the venue clients' imports)::

    from predmm import MarketMakingConfig, MarketMakingStrategy, TradingEngine

Everything else lives in its package: ``predmm.domain``, ``predmm.strategies``,
``predmm.config``, ``predmm.actors``, ``predmm.supervisors``, ``predmm.platforms``,
``predmm.simulator``, ``predmm.backtest``, ``predmm.cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "MarketMakingStrategy": "predmm.strategies.market_making",
    "ArbitrageStrategy": "predmm.strategies.arbitrage",
    "ArbitrageConfig": "predmm.config.arbitrage",
    "MarketMakingConfig": "predmm.config.market_making",
    "InventoryTracker": "predmm.strategies.inventory",
    "TradingEngine": "predmm.supervisors.engine",
    "KalshiPlatform": "predmm.platforms.kalshi.platform",
    "PolymarketPlatform": "predmm.platforms.polymarket",
    "OrderSide": "predmm.domain.enums",
    "OrderType": "predmm.domain.enums",
    "OrderStatus": "predmm.domain.enums",
    "Signal": "predmm.domain.orders",
}

__all__ = [
    "ArbitrageConfig",
    "ArbitrageStrategy",
    "InventoryTracker",
    "KalshiPlatform",
    "MarketMakingConfig",
    "MarketMakingStrategy",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PolymarketPlatform",
    "Signal",
    "TradingEngine",
    "__version__",
]

if TYPE_CHECKING:
    from predmm.config.arbitrage import ArbitrageConfig
    from predmm.config.market_making import MarketMakingConfig
    from predmm.domain.enums import OrderSide, OrderStatus, OrderType
    from predmm.domain.orders import Signal
    from predmm.platforms.kalshi.platform import KalshiPlatform
    from predmm.platforms.polymarket import PolymarketPlatform
    from predmm.strategies.arbitrage import ArbitrageStrategy
    from predmm.strategies.inventory import InventoryTracker
    from predmm.strategies.market_making import MarketMakingStrategy
    from predmm.supervisors.engine import TradingEngine


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'predmm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
