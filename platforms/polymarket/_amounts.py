"""Price and size -> makerAmount / takerAmount, as the official clients compute them.

All amounts are 6-decimal fixed point (one share = one pUSD = 1,000,000). BUY: maker is
collateral, taker is shares; SELL: maker is shares, taker is collateral. The tick's round
config gives the decimals of price, size and amount.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import attrs

UNIT = Decimal(1_000_000)


@attrs.frozen
class RoundConfig:
    price: int
    size: int
    amount: int


ROUND_CONFIG: dict[Decimal, RoundConfig] = {
    Decimal("0.1"): RoundConfig(1, 2, 3),
    Decimal("0.01"): RoundConfig(2, 2, 4),
    Decimal("0.001"): RoundConfig(3, 2, 5),
    Decimal("0.0001"): RoundConfig(4, 2, 6),
    Decimal("0.005"): RoundConfig(3, 2, 5),
    Decimal("0.0025"): RoundConfig(4, 2, 6),
}


def round_config(tick: Decimal) -> RoundConfig:
    try:
        return ROUND_CONFIG[tick]
    except KeyError:
        raise ValueError(f"tick_size {tick} has no Polymarket round config") from None


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _round(value: Decimal, places: int, rounding: str) -> Decimal:
    if decimal_places(value) <= places:
        return value
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def round_down(value: Decimal, places: int) -> Decimal:
    return _round(value, places, ROUND_FLOOR)


def round_up(value: Decimal, places: int) -> Decimal:
    return _round(value, places, ROUND_CEILING)


def round_normal(value: Decimal, places: int) -> Decimal:
    return _round(value, places, ROUND_HALF_EVEN)


def _round_amount(value: Decimal, places: int) -> Decimal:
    if decimal_places(value) <= places:
        return value
    value = round_up(value, places + 4)
    return round_down(value, places) if decimal_places(value) > places else value


def to_units(value: Decimal) -> int:
    return int((value * UNIT).to_integral_value(ROUND_HALF_EVEN))


def price_valid(price: Decimal, tick: Decimal) -> bool:
    return tick <= price <= 1 - tick


def limit_amounts(is_buy: bool, price: Decimal, size: Decimal, tick: Decimal) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a limit order of ``size`` shares at ``price``."""
    rc = round_config(tick)
    price = round_normal(price, rc.price)
    shares = round_down(size, rc.size)
    usdc = _round_amount(shares * price, rc.amount)
    if is_buy:
        return to_units(usdc), to_units(shares)
    return to_units(shares), to_units(usdc)


def market_amounts(is_buy: bool, price: Decimal, amount: Decimal, tick: Decimal) -> tuple[int, int]:
    """(makerAmount, takerAmount) of a market order: a BUY spends ``amount`` collateral,
    a SELL sells ``amount`` shares."""
    rc = round_config(tick)
    price = round_normal(price, rc.price)
    maker = round_down(amount, rc.size)
    taker = _round_amount(maker / price if is_buy else maker * price, rc.amount)
    return to_units(maker), to_units(taker)


def shares_of(units: int | str) -> Decimal:
    """A 6-decimal fixed-point amount as a Decimal."""
    return Decimal(units) / UNIT
