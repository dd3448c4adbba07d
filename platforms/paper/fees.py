"""The paper venue's fees: ``domain.fees`` (moved there so that pure strategy code can
count fees without importing a venue client)."""

from predmm.domain.fees import (
    FEE_QUANTUM,
    KALSHI_MAKER_COEFFICIENT,
    KALSHI_RECORDED_QUANTUM,
    KALSHI_TAKER_COEFFICIENT,
    FeeFn,
    fee_for,
    kalshi_fee,
    no_fee,
    polymarket_fee,
    round_fee,
)

__all__ = [
    "FEE_QUANTUM",
    "KALSHI_MAKER_COEFFICIENT",
    "KALSHI_RECORDED_QUANTUM",
    "KALSHI_TAKER_COEFFICIENT",
    "FeeFn",
    "fee_for",
    "kalshi_fee",
    "no_fee",
    "polymarket_fee",
    "round_fee",
]
