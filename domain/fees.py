"""Trading fees, the one place they are computed: the paper venue charges them
(``platforms.paper``, which re-exports these names) and the arbitrage strategy counts
them (``strategies.arbitrage``); the simulator's exchange computes the same arithmetic in
its own ``simulator.exchange.fees`` (it imports domain only, and keeps its own copy of
what the venues do).

A fee function takes the fill's price (dollars per contract), its count and whether we
were the taker, and returns the fee in dollars, rounded up to $0.000001 (the granularity
of Kalshi's current fee page; Polymarket's pUSD has 6 decimals too). Kalshi fills
recorded in June 2026 were ceiled to $0.0001 instead (P=0.52: "0.017500" for 0.017472):
pass ``quantum=KALSHI_RECORDED_QUANTUM`` to reproduce them.

* Kalshi: taker ``0.07 x C x P x (1 - P)``; makers pay nothing on plain ``quadratic``
  series, and ``0.0175 x C x P x (1 - P)`` on ``quadratic_with_maker_fees`` series
  (pass ``maker_coefficient=KALSHI_MAKER_COEFFICIENT``).
* Polymarket (CLOB V2): makers pay nothing; takers pay ``C x rate x (P(1 - P))^e``
  with the market's rate and exponent (``/clob-markets`` ``fd``), rounded half-up to
  $0.000001 as the simulator does. Rate 0 (fee-free markets) is the default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import attrs

from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId

FeeFn = Callable[[Decimal, Decimal, bool], Decimal]
"""``fee(price, count, is_taker) -> dollars``."""

ZERO = Decimal(0)
ONE = Decimal(1)
FEE_QUANTUM = Decimal("0.000001")
KALSHI_RECORDED_QUANTUM = Decimal("0.0001")
KALSHI_TAKER_COEFFICIENT = Decimal("0.07")
KALSHI_MAKER_COEFFICIENT = Decimal("0.0175")


def round_fee(amount: Decimal, quantum: Decimal = FEE_QUANTUM) -> Decimal:
    """Round a fee up to the next ``quantum`` ($0.000001), kept at 6 decimals."""
    return amount.quantize(quantum, rounding=ROUND_CEILING).quantize(FEE_QUANTUM)


def no_fee(price: Decimal, count: Decimal, is_taker: bool) -> Decimal:
    return ZERO


def kalshi_fee(
    *,
    taker_coefficient: Decimal = KALSHI_TAKER_COEFFICIENT,
    maker_coefficient: Decimal = ZERO,
    quantum: Decimal = FEE_QUANTUM,
) -> FeeFn:
    """Kalshi's quadratic fee: ``coefficient x C x P x (1 - P)`` ceiled to ``quantum``."""

    def fee(price: Decimal, count: Decimal, is_taker: bool) -> Decimal:
        coefficient = taker_coefficient if is_taker else maker_coefficient
        return round_fee(coefficient * count * price * (ONE - price), quantum)

    return fee


def polymarket_fee(*, taker_rate: Decimal = ZERO, exponent: int = 1) -> FeeFn:
    """Polymarket V2: makers free; takers ``C x rate x (P(1 - P))^exponent``."""

    def fee(price: Decimal, count: Decimal, is_taker: bool) -> Decimal:
        if not is_taker:
            return ZERO
        raw = count * taker_rate * (price * (ONE - price)) ** exponent
        return raw.quantize(FEE_QUANTUM, rounding=ROUND_HALF_UP)

    return fee


def fee_for(venue: Venue) -> FeeFn:
    """The default fee function of a venue's paper twin."""
    if venue is Venue.KALSHI:
        return kalshi_fee()
    if venue is Venue.POLYMARKET:
        return polymarket_fee()
    return no_fee


@attrs.frozen
class TakerRate:
    """A market's taker fee: ``coefficient x C x (P(1 - P))^exponent``, rounded per fill
    as its venue rounds it (Kalshi: up to $0.000001; Polymarket: half-up)."""

    coefficient: Decimal
    exponent: int = 1
    ceil: bool = True

    def per_contract(self, price: Decimal) -> Decimal:
        """The exact (unrounded) fee of one contract at ``price``."""
        return self.coefficient * (price * (ONE - price)) ** self.exponent

    def fill_fee(self, price: Decimal, count: Decimal) -> Decimal:
        """The fee charged for one fill of ``count`` at ``price``."""
        if self.ceil and self.exponent == 1:
            return kalshi_fee(taker_coefficient=self.coefficient)(price, count, True)
        if self.ceil:
            return round_fee(count * self.per_contract(price))
        return polymarket_fee(taker_rate=self.coefficient, exponent=self.exponent)(
            price, count, True
        )


KALSHI_TAKER = TakerRate(KALSHI_TAKER_COEFFICIENT)
POLYMARKET_FREE = TakerRate(ZERO, ceil=False)


@attrs.frozen(kw_only=True)
class TakerFees:
    """Taker fees per market: Kalshi's quadratic fee, Polymarket's rate (per market, from
    its ``/clob-markets`` ``fd``; fee-free unless given), a rate of its own for any market
    listed in ``per_market`` (a Kalshi series' ``fee_multiplier``, a Polymarket rate)."""

    kalshi: TakerRate = KALSHI_TAKER
    polymarket: TakerRate = POLYMARKET_FREE
    per_market: Mapping[MarketId, TakerRate] = attrs.field(factory=dict)

    def rate(self, market_id: MarketId) -> TakerRate:
        found = self.per_market.get(market_id)
        if found is not None:
            return found
        return self.kalshi if market_id.venue is Venue.KALSHI else self.polymarket
