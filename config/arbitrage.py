"""``ArbitrageConfig``: the settings of ``ArbitrageStrategy``, validated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from predmm.config.market_making import (
    _at_least_one,
    _dec,
    _int,
    _non_negative,
    evolve_hint,
    to_decimal,
)
from predmm.domain.enums import TimeInForce, Venue
from predmm.domain.errors import ConfigError
from predmm.domain.fees import TakerFees

_IMMEDIATE = (TimeInForce.IOC, TimeInForce.FOK)


def _immediate(inst: object, attribute: attrs.Attribute[TimeInForce], value: TimeInForce) -> None:
    if value not in _IMMEDIATE:
        raise ConfigError(f"{attribute.name} = {value.value}: an arbitrage leg is IOC or FOK")


@evolve_hint
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


_TIMES = {t.value: t for t in _IMMEDIATE}
_KINDS = {"cross_venue", "within_market", "exhaustive_events"}


def arbitrage_config_from_dict(data: Any, source: str = "<arbitrage>") -> ArbitrageConfig:
    """An ``ArbitrageConfig`` from parsed TOML (the ``[arbitrage]`` table); errors name
    ``source``, the key and the value. ``fees`` are not read from the file: the venues'
    rates (the engine's, or ``TakerFees`` from Python)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a table of settings, got {data!r}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        values[key] = _value(source, key, value)
    try:
        return ArbitrageConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _value(source: str, key: str, value: Any) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{source}: key {key!r} has a bad value {value!r}: expected {expected}")

    if key in ("min_edge", "min_gain"):
        try:
            return to_decimal(value)
        except TypeError:
            raise bad("a number") from None
    if key == "max_baskets":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if key in _KINDS:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key in ("first_leg", "other_legs"):
        if not isinstance(value, str) or value.lower() not in _TIMES:
            raise bad('"ioc" or "fok"')
        return _TIMES[value.lower()]
    if key == "within_market_venues":
        names = {v.value: v for v in Venue if v is not Venue.PAPER}
        if not isinstance(value, list) or any(str(v).lower() not in names for v in value):
            raise bad(f"a list of venues ({', '.join(names)})")
        return frozenset(names[str(v).lower()] for v in value)
    known = sorted({f.name for f in attrs.fields(ArbitrageConfig)} - {"fees"})
    raise ConfigError(
        f"{source}: unknown key {key!r} (value {value!r}); expected one of {', '.join(known)}"
    )
