"""``MarketMakingConfig``: every knob of the usage guide's strategy, validated."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, Literal

import attrs

from predmm.domain.errors import ConfigError

FairValueMethod = Literal["mid", "microprice", "cross_venue"]
FAIR_VALUE_METHODS = ("mid", "microprice", "cross_venue")


class FrozenConfigError(attrs.exceptions.FrozenInstanceError):
    """A field of a frozen config was assigned: the message says how to change it."""

    def __init__(self, message: str) -> None:
        AttributeError.__init__(self, message)
        self.msg = message


def evolve_hint(cls: type) -> type:
    """Make assigning to a field of the frozen ``cls`` raise ``FrozenConfigError`` naming
    ``attrs.evolve`` (the usage guide writes ``config.paper_mode = True``)."""
    name = cls.__name__

    def refuse(self: object, field: str, value: object) -> None:
        raise FrozenConfigError(
            f"{name} is frozen: {field} cannot be assigned; derive a changed copy with"
            f" attrs.evolve(config, {field}={value!r})"
        )

    def refuse_delete(self: object, field: str) -> None:
        refuse(self, field, None)

    cls.__setattr__ = refuse  # type: ignore[assignment,method-assign]
    cls.__delattr__ = refuse_delete  # type: ignore[assignment,method-assign]
    return cls


def _positive(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value <= 0:
        raise ConfigError(f"{attribute.name} = {value}: must be greater than 0")


def _non_negative(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value < 0:
        raise ConfigError(f"{attribute.name} = {value}: must not be negative")


def _fraction(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not 0 < value < 1:
        raise ConfigError(f"{attribute.name} = {value}: must be between 0 and 1 (exclusive)")


def _at_least_one(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value < 1:
        raise ConfigError(f"{attribute.name} = {value}: must be at least 1")


def to_decimal(value: Any) -> Decimal:
    """Decimal from a Decimal, int, str or float (a float through its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        result = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except ArithmeticError:
        raise TypeError(f"expected a number, got {value!r}") from None
    if not result.is_finite():
        raise TypeError(f"expected a finite number, got {value!r}")
    return result


def _dec(default: str, *validators: Any) -> Any:
    return attrs.field(default=Decimal(default), converter=to_decimal, validator=list(validators))


def _int(default: int, *validators: Any) -> Any:
    return attrs.field(default=default, validator=list(validators))


@evolve_hint
@attrs.frozen(kw_only=True)
class MarketMakingConfig:
    """Settings of ``MarketMakingStrategy``. Frozen: derive a changed copy with
    ``attrs.evolve(config, base_spread=Decimal("0.03"))``."""

    # spreads (fractions of $1)
    min_spread: Decimal = _dec("0.02", _fraction)
    base_spread: Decimal = _dec("0.04", _fraction)
    max_spread: Decimal = _dec("0.10", _fraction)
    # inventory (contracts)
    max_inventory: int = _int(50, _positive)
    inventory_skew_threshold: int = _int(10, _positive)
    rebalance_threshold: int = _int(20, _positive)
    skew_price_adjustment_per_10: Decimal = _dec("0.01", _non_negative)
    inventory_spread_multiplier: Decimal = _dec("1.3", _at_least_one)
    # quoting
    quote_size: int = _int(10, _positive)
    max_position_size: int = _int(100, _positive)
    fair_value_method: FairValueMethod = attrs.field(default="mid")
    # a quote filled on one venue is hedged at once on the other venue's linked market
    hedge_cross_venue: bool = False
    # market selection
    max_markets: int = _int(10, _positive)
    min_liquidity: Decimal = _dec("5000", _non_negative)
    max_time_to_resolution_hours: float = attrs.field(default=120.0, validator=_positive)
    # liquidity and time-to-close spread rules
    low_liquidity_threshold: Decimal = _dec("10000", _non_negative)
    low_liquidity_spread_add: Decimal = _dec("0.02", _non_negative)
    near_close_hours: float = attrs.field(default=6.0, validator=_positive)
    near_close_multiplier: Decimal = _dec("2.0", _at_least_one)
    approaching_close_hours: float = attrs.field(default=24.0, validator=_positive)
    approaching_close_multiplier: Decimal = _dec("1.5", _at_least_one)
    # guards
    max_quote_age_seconds: float = attrs.field(default=30.0, validator=_positive)
    price_change_requote_threshold: Decimal = _dec("0.02", _fraction)
    volume_spike_multiple: Decimal = _dec("3.0", _at_least_one)
    volume_spike_window_seconds: float = attrs.field(default=60.0, validator=_positive)
    volume_spike_lookback_seconds: float = attrs.field(default=900.0, validator=_positive)
    # forced exit before resolution
    exit_window_hours: float = attrs.field(default=2.0, validator=_non_negative)
    exit_min_inventory: int = _int(5, _non_negative)
    exit_aggressive_hours: float = attrs.field(default=0.5, validator=_non_negative)
    # paper trading: fills simulated locally against real market data
    paper_mode: bool = False
    # liquidity rewards (strategies.rewards): quotes inside the venue's reward band and at
    # its minimum size when the limits allow; below min_spread only if the band needs it
    # and rewards_below_min_spread says so
    rewards_aware: bool = False
    rewards_below_min_spread: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.min_spread <= self.base_spread <= self.max_spread:
            raise ConfigError(
                f"spreads must satisfy min_spread <= base_spread <= max_spread, got "
                f"min_spread = {self.min_spread}, base_spread = {self.base_spread}, "
                f"max_spread = {self.max_spread}"
            )
        _ordered(
            self,
            "inventory_skew_threshold",
            "rebalance_threshold",
            "max_inventory",
            "max_position_size",
        )
        _ordered(self, "quote_size", "max_inventory")
        _ordered(
            self,
            "exit_aggressive_hours",
            "exit_window_hours",
            "near_close_hours",
            "approaching_close_hours",
        )
        _ordered(self, "volume_spike_window_seconds", "volume_spike_lookback_seconds")
        if self.fair_value_method not in FAIR_VALUE_METHODS:
            raise ConfigError(
                f"fair_value_method = {self.fair_value_method!r}: must be one of"
                f" {', '.join(map(repr, FAIR_VALUE_METHODS))}"
            )


def _ordered(cfg: MarketMakingConfig, *names: str) -> None:
    for a, b in itertools.pairwise(names):
        va, vb = getattr(cfg, a), getattr(cfg, b)
        if va > vb:
            raise ConfigError(
                f"{a} = {va} must not exceed {b} = {vb} (required order: {' <= '.join(names)})"
            )
