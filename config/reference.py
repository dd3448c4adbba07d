"""The configuration reference of the README, generated from the config classes:
``python -m predmm.config.reference`` prints it; a test keeps the README equal to it."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.config.settings import KalshiSafetySettings

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
    "fair_value_method": '"mid" or "microprice" of the book without our orders, or'
    ' "cross_venue": the depth-weighted microprice of its book and its linked markets\'',
    "hedge_cross_venue": "a quote filled on one venue is hedged at once on the linked market"
    " of the other (taker, never at a loss)",
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
    "rewards_aware": "keep quotes inside a market's liquidity-reward band (within the "
    "venue's max spread of the midpoint) and at its minimum size, when the limits allow "
    "(see How a quote is made)",
    "rewards_below_min_spread": "with rewards_aware: let the spread go below min_spread "
    "where the reward band is narrower than min_spread",
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


KALSHI_DOCS = {
    "order_group_limit": "contracts our orders may match in 15 s before Kalshi cancels them "
    "all and takes no more (the order group's limit; 0: no order group)",
    "order_ttl_s": "seconds an order rests unless renewed (GTD; renewed while predmm runs; "
    "0: good till cancelled, else at least 5)",
    "cancel_on_pause": "Kalshi cancels our orders when trading pauses (`cancel_order_on_pause`)",
}

ARBITRAGE_DOCS = {
    "min_edge": "the least each basket (paying $1) must lock after both venues' taker fees",
    "min_gain": "the least a signal must lock in all, dollars",
    "max_baskets": "most baskets (contracts a leg) one signal buys",
    "cross_venue": "(a) one outcome on both venues: YES on one, NO on the other",
    "within_market": "(b) the YES ask and the NO ask of one market summing below $1",
    "within_market_venues": "the venues where (b) is looked for",
    "exhaustive_events": "(c) the YES asks of a mutually exclusive, exhaustive event below $1",
    "first_leg": '"fok" or "ioc": the thinner leg, sent first',
    "other_legs": '"ioc" or "fok": the other legs, each sized to what the first filled',
}


def _default(value: object) -> str:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, tuple):
        return "none"
    if isinstance(value, frozenset):
        return "`[" + ", ".join(f'"{v.value}"' for v in sorted(value, key=str)) + "]`"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _table(cls: type, docs: dict[str, str]) -> list[str]:
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    default = cls()
    for field in attrs.fields(cls):
        if not field.init or field.name not in docs:
            continue
        rows.append(
            f"| `{field.name}` | {_default(getattr(default, field.name))} | {docs[field.name]} |"
        )
    return rows


def reference() -> str:
    lines = ["`[strategy]` (MarketMakingConfig; a preset file holds these at its top level):", ""]
    lines += _table(MarketMakingConfig, STRATEGY_DOCS)
    lines += [
        "",
        "`[strategy.venues.kalshi]`, `[strategy.venues.polymarket]`: any `[strategy]` key"
        " but `paper_mode`, for that venue's market maker (the rest as in `[strategy]`).",
        "",
        "`[arbitrage]` (ArbitrageConfig; present: the arbitrageur runs beside the market maker):",
        "",
    ]
    lines += _table(ArbitrageConfig, ARBITRAGE_DOCS)
    lines += ["", "`[risk]` (RiskConfig):", ""]
    lines += _table(RiskConfig, RISK_DOCS)
    lines += ["", "`[kalshi]` trading keys (Kalshi's venue-side safety net, on by default):", ""]
    lines += _table(KalshiSafetySettings, KALSHI_DOCS)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
