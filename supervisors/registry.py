"""What the TradingEngine's registration calls decide, apart from the engine: which
config a registered strategy brings (``strategy_config``), and the live inventory a
registered strategy reads (``live_inventory``, from the status board)."""

from __future__ import annotations

from typing import Any

from predmm.actors.status import StatusBoard
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.errors import ConfigError
from predmm.domain.ids import MarketId
from predmm.strategies.inventory import InventoryTracker


def strategy_config(strategy: Any, current: MarketMakingConfig) -> MarketMakingConfig:
    """The config ``strategy`` (a ``MarketMakingStrategy`` or a ``MarketMakingConfig``)
    brings to an engine now set up with ``current``: another kind of strategy, or a
    live config after a paper one, is refused."""
    config = strategy if isinstance(strategy, MarketMakingConfig) else strategy.config
    if not isinstance(config, MarketMakingConfig):
        raise ConfigError(
            f"{type(strategy).__name__}: this engine runs one MarketMakingStrategy;"
            " running other strategies beside it is not built yet"
        )
    if current.paper_mode and not config.paper_mode:
        raise ConfigError(
            "a paper config (paper_mode = true) is registered: a live config after it"
            " would send real orders; build a new TradingEngine to trade live"
        )
    return config


def live_inventory(board: StatusBoard, max_inventory: int) -> dict[MarketId, InventoryTracker]:
    """Copies of the PortfolioActor's positions as it last published them (on every
    change); no actor is asked."""
    return {
        market_id: InventoryTracker(
            market_id=market_id,
            yes_contracts=p.yes_contracts,
            no_contracts=p.no_contracts,
            avg_yes_price=p.avg_yes_price,
            avg_no_price=p.avg_no_price,
            realized_pnl=p.realized_pnl,
            fees_paid=p.fees_paid,
            max_inventory=max_inventory,
        )
        for market_id, p in board.positions().items()
    }
