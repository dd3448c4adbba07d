"""Trading fees per venue, computed exactly in Decimal.

Kalshi (notes §8): taker ``0.07 x C x P x (1 - P)``, ceiled to $0.000001; makers pay
``0.0175 x C x P x (1 - P)`` only on series whose ``fee_type`` is
``quadratic_with_maker_fees`` (0.5 x taker for ``quadratic_with_combo_maker_fees``);
``fee_multiplier`` scales the coefficient (how it composes is UNCONFIRMED: assumed x).

Polymarket V2 (notes §6, test_vectors.json ``v2_fee_formula``): takers pay
``shares x rate x (p(1 - p))^e``; makers pay nothing. The charged amount is rounded
half-up to $0.000001 (USDC has 6 decimals).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import attrs

ZERO = Decimal(0)
ONE = Decimal(1)
MICRO = Decimal("0.000001")
KALSHI_TAKER = Decimal("0.07")
_KALSHI_MAKER_SHARE = {
    "quadratic": ZERO,
    "quadratic_with_maker_fees": Decimal("0.25"),
    "quadratic_with_combo_maker_fees": Decimal("0.5"),
}


@attrs.frozen(kw_only=True)
class FeeSpec:
    """``fee = round(C x coefficient x (P(1 - P))^exponent)`` for takers and makers."""

    taker: Decimal
    maker: Decimal = ZERO
    exponent: int = 1
    rounding: str = ROUND_CEILING
    quantum: Decimal = MICRO

    @classmethod
    def kalshi(cls, fee_type: str = "quadratic", multiplier: Decimal = ONE) -> FeeSpec:
        if fee_type not in _KALSHI_MAKER_SHARE:
            raise ValueError(f"fee_type {fee_type!r} is not a Kalshi quadratic fee type")
        taker = KALSHI_TAKER * multiplier
        return cls(taker=taker, maker=taker * _KALSHI_MAKER_SHARE[fee_type])

    @classmethod
    def polymarket(cls, rate: Decimal | str = ZERO, exponent: int = 1) -> FeeSpec:
        return cls(taker=Decimal(rate), exponent=exponent, rounding=ROUND_HALF_UP)

    @classmethod
    def free(cls) -> FeeSpec:
        return cls(taker=ZERO)

    def fee(self, count: Decimal, price: Decimal, *, is_taker: bool) -> Decimal:
        """The fee of one fill of ``count`` contracts at ``price``, rounded."""
        coefficient = self.taker if is_taker else self.maker
        if coefficient == ZERO or count == ZERO:
            return ZERO
        raw = exact_fee(count, price, coefficient, self.exponent)
        return raw.quantize(self.quantum, rounding=self.rounding)

    def worst_taker_fee(self, count: Decimal, limit: Decimal) -> Decimal:
        """An upper bound of the taker fee of ``count`` bought at ``limit`` or better:
        P(1 - P) is largest at P = 0.5."""
        return self.fee(count, min(limit, Decimal("0.5")), is_taker=True)


def exact_fee(count: Decimal, price: Decimal, coefficient: Decimal, exponent: int = 1) -> Decimal:
    """``count x coefficient x (price x (1 - price))^exponent``, unrounded."""
    return count * coefficient * (price * (ONE - price)) ** exponent


def kalshi_fee(count: Decimal, price: Decimal, *, maker_fee_type: str | None = None) -> Decimal:
    """Kalshi's fee of one fill: the taker fee, or the maker fee of ``maker_fee_type``."""
    spec = FeeSpec.kalshi(maker_fee_type or "quadratic")
    return spec.fee(count, price, is_taker=maker_fee_type is None)


def polymarket_fee(shares: Decimal, price: Decimal, rate: Decimal, exponent: int = 1) -> Decimal:
    """Polymarket V2 taker fee, unrounded (the formula of the SDK's test vectors)."""
    return exact_fee(shares, price, rate, exponent)
