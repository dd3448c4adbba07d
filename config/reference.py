"""The configuration reference of the README, generated from the config classes:
``python -m predmm.config.reference`` prints it; a test keeps the README equal to it."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig

STRATEGY_DOCS = {
    "min_spread": "lowest spread, dollars of a $1 contract",
    "base_spread": "spread before adjustments (min_spread <= base <= max_spread)",
    "max_spread": "highest spread",
    "max_inventory": "largest absolute net contracts (YES - NO) in one market",
    "inventory_skew_threshold": "absolute net above which the spread widens",
    "rebalance_threshold": "absolute net above which check_exit rebalances",
    "skew_price_adjustment_per_10": "price shift per whole 10 contracts of net inventory",
    "inventory_spread_multiplier": "spread multiplier past the skew threshold",
    "quote_size": "contracts per quote",
    "max_position_size": "largest holding of either side in one market",
    "fair_value_method": '"mid" or "microprice" of the book without our orders',
    "max_markets": "markets quoted at once (most liquid first)",
    "min_liquidity": "dollars of liquidity a market needs to be quoted",
    "max_time_to_resolution_hours": "markets closing later are not quoted",
    "low_liquidity_threshold": "below this liquidity the spread widens",
    "low_liquidity_spread_add": "added to the spread of a thin market",
    "near_close_hours": "closer than this to resolution: near_close_multiplier",
    "near_close_multiplier": "spread multiplier near resolution",
    "approaching_close_hours": "closer than this: approaching_close_multiplier",
    "approaching_close_multiplier": "spread multiplier in the band before near_close_hours",
    "max_quote_age_seconds": "quotes older than this are refreshed",
    "price_change_requote_threshold": "fair-value move that forces a requote",
    "volume_spike_multiple": "last window's volume over this multiple of its average: pause",
    "volume_spike_window_seconds": "the window of the volume-spike guard",
    "volume_spike_lookback_seconds": "history of that average (silent until half is seen)",
    "exit_window_hours": "inside this window: exit only (no new quotes), passive orders first",
    "exit_min_inventory": "marketable exit only when absolute net exceeds this",
    "exit_aggressive_hours": "inside this window: the exit takes the best ask (marketable)",
    "paper_mode": "simulate fills locally against the venues' real market data",
}

RISK_DOCS = {
    "max_market_contracts": "one market: contracts per side held plus resting buys",
    "max_market_loss": "one market: worst-case loss at resolution, dollars",
    "max_event_contracts": "one real-world event across both venues: net contracts (the most "
    "one of its outcome scenarios pays beyond another)",
    "max_event_loss": "one event across both venues: worst-case loss over its outcome "
    "scenarios, dollars",
    "max_venue_loss": "one venue: worst-case loss, dollars",
    "max_total_loss": "everything: worst-case loss, dollars",
    "reducing_loss": "day's loss past which only inventory-reducing orders pass (REDUCING)",
    "daily_loss_limit": "day's loss past which everything is cancelled (HALTED)",
    "event_links": "`[[risk.event_links]]`, one outcome each: `event_id`, `markets = "
    '["kalshi:T", ...]`, `outcome` (when links share an `event_id`)',
}


def _default(value: object) -> str:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, tuple):
        return "none"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _table(cls: type, docs: dict[str, str]) -> list[str]:
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    default = cls()
    for field in attrs.fields(cls):
        if not field.init:
            continue
        rows.append(
            f"| `{field.name}` | {_default(getattr(default, field.name))} | {docs[field.name]} |"
        )
    return rows


def reference() -> str:
    lines = ["`[strategy]` (MarketMakingConfig; a preset file holds these at its top level):", ""]
    lines += _table(MarketMakingConfig, STRATEGY_DOCS)
    lines += ["", "`[risk]` (RiskConfig):", ""]
    lines += _table(RiskConfig, RISK_DOCS)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
