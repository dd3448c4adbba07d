"""``ArbitrageConfig``: the settings of ``ArbitrageStrategy``, validated."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.config.market_making import _at_least_one, _dec, _int, _non_negative
from predmm.domain.enums import TimeInForce, Venue
from predmm.domain.errors import ConfigError
from predmm.domain.fees import TakerFees

_IMMEDIATE = (TimeInForce.IOC, TimeInForce.FOK)


def _immediate(inst: object, attribute: attrs.Attribute[TimeInForce], value: TimeInForce) -> None:
    if value not in _IMMEDIATE:
        raise ConfigError(f"{attribute.name} = {value.value}: an arbitrage leg is IOC or FOK")


@attrs.frozen(kw_only=True)
class ArbitrageConfig:
    """Settings of ``ArbitrageStrategy``. Frozen: derive a changed copy with
    ``attrs.evolve(config, min_edge=Decimal("0.02"))``."""

    # the least a basket (one contract of every leg, paying exactly $1) must lock after
    # both venues' taker fees, dollars: every basket taken, the last one included
    min_edge: Decimal = _dec("0.01", _non_negative)
    # the least a signal must lock in all, dollars (smaller opportunities are not worth
    # their leg risk)
    min_gain: Decimal = _dec("0.10", _non_negative)
    max_baskets: int = _int(100, _at_least_one)  # most baskets (contracts a leg) a signal
    cross_venue: bool = True  # (a) one outcome on both venues: YES on one, NO on the other
    within_market: bool = True  # (b) YES ask + NO ask of one market below $1
    within_market_venues: frozenset[Venue] = frozenset({Venue.POLYMARKET})
    exhaustive_events: bool = True  # (c) the YES asks of an exhaustive event below $1
    first_leg: TimeInForce = attrs.field(default=TimeInForce.FOK, validator=_immediate)
    other_legs: TimeInForce = attrs.field(default=TimeInForce.IOC, validator=_immediate)
    fees: TakerFees = attrs.field(factory=TakerFees)  # every leg is a taker
