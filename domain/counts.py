"""Contract counts: which sizes a market accepts, and the one place sizes are rounded.

A market trades whole contracts (step 1) or fractional ones in steps of its
``count_step`` (Kalshi's markets that enable fractional trading and Polymarket's sizes:
0.01). Like prices on the tick grid, every size predmm sends is a positive multiple of
the market's step: a size the strategy computes is rounded **down** onto the grid here
(never up: it must not pass a limit the unrounded size respected), and a venue client
refuses an off-grid size before it leaves the process.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from predmm.domain.errors import OffGridCount

WHOLE = Decimal(1)
HUNDREDTH = Decimal("0.01")
ZERO = Decimal(0)


def round_count(size: Decimal, step: Decimal = WHOLE) -> Decimal:
    """``size`` rounded down to a multiple of ``step`` (zero when under one step)."""
    if step <= ZERO:
        raise ValueError(f"count step {step} is not positive")
    if size <= ZERO:
        return ZERO
    return (size / step).to_integral_value(ROUND_FLOOR) * step


def on_grid(size: Decimal, step: Decimal = WHOLE) -> bool:
    return size > ZERO and size % step == ZERO


def check_count(size: Decimal, step: Decimal, what: str) -> None:
    """Refuse (``OffGridCount``) a size that is not a positive multiple of ``step``."""
    if not on_grid(size, step):
        raise OffGridCount(f"{what}: count {size} is not a positive multiple of {step}")
