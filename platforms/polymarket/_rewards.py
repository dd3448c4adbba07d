"""What a Polymarket market pays its makers, from Gamma or the CLOB, as ``domain.Rewards``.

Gamma's market carries the liquidity rewards as ``rewardsMinSize`` (shares),
``rewardsMaxSpread`` (cents from the midpoint) and ``clobRewards`` (one entry per reward
program: ``rewardsDailyRate`` dollars a day between ``startDate`` and ``endDate``, dates
inclusive; a missing ``endDate`` never ends), and the maker rebates in ``feeSchedule``
(``rate``, ``exponent``, ``rebateRate``: the share of the taker fees paid back to makers).
The CLOB's ``GET /markets/{condition_id}`` has ``rewards{rates[{asset_address,
rewards_daily_rate}], min_size, max_spread}`` (the same units). Errors name the market and
the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from predmm.domain.errors import VenueProtocolError
from predmm.domain.market import Rewards

ZERO = Decimal(0)
CENTS = Decimal(100)
Json = Mapping[str, Any]


def rewards_from_gamma(p: Json, as_of: datetime | None) -> Rewards | None:
    """The market's rewards and rebates on ``as_of``'s day; None when it pays neither."""
    what = f"market {p.get('conditionId')}"
    rates = _list(p.get("clobRewards"), what, "clobRewards")
    daily = sum(
        (_rate(entry, what, i, as_of) for i, entry in enumerate(rates)),
        ZERO,
    )
    fees = p.get("feeSchedule")
    if fees is not None and not isinstance(fees, Mapping):
        raise VenueProtocolError(f"{what}: feeSchedule {fees!r} is not an object")
    return _rewards(
        what,
        min_size=_number(p.get("rewardsMinSize"), what, "rewardsMinSize"),
        max_spread_cents=_number(p.get("rewardsMaxSpread"), what, "rewardsMaxSpread"),
        daily_rate=daily,
        fees=fees or {},
    )


def rewards_from_clob(p: Json) -> Rewards | None:
    """The liquidity rewards of a CLOB market object (``rewards``); None without any."""
    what = f"market {p.get('condition_id')}"
    raw = p.get("rewards")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise VenueProtocolError(f"{what}: rewards {raw!r} is not an object")
    rates = _list(raw.get("rates"), what, "rewards.rates")
    daily = ZERO
    for i, entry in enumerate(rates):
        name = f"rewards.rates[{i}].rewards_daily_rate"
        daily += _number(_get(entry, "rewards_daily_rate", what, name), what, name)
    return _rewards(
        what,
        min_size=_number(raw.get("min_size"), what, "rewards.min_size"),
        max_spread_cents=_number(raw.get("max_spread"), what, "rewards.max_spread"),
        daily_rate=daily,
        fees={},
    )


def _rewards(
    what: str, *, min_size: Decimal, max_spread_cents: Decimal, daily_rate: Decimal, fees: Json
) -> Rewards | None:
    rebate = _number(fees.get("rebateRate"), what, "feeSchedule.rebateRate")
    try:
        rewards = Rewards(
            min_size=min_size,
            max_spread=max_spread_cents / CENTS,
            daily_rate=daily_rate,
            rebate_share=rebate,
            fee_rate=_number(fees.get("rate"), what, "feeSchedule.rate"),
            fee_exponent=_exponent(fees.get("exponent"), what),
        )
    except ValueError as exc:
        raise VenueProtocolError(f"{what}: {exc}") from None
    if not rewards.pays_liquidity and rewards.rebate_share == ZERO:
        return None
    return rewards


def _rate(entry: Any, what: str, i: int, as_of: datetime | None) -> Decimal:
    """One ``clobRewards`` entry's daily rate, 0 outside its dates."""
    name = f"clobRewards[{i}]"
    rate = _number(_get(entry, "rewardsDailyRate", what, name), what, f"{name}.rewardsDailyRate")
    if as_of is None:
        return rate
    day = as_of.date()
    start = _day(entry.get("startDate"), what, f"{name}.startDate")
    end = _day(entry.get("endDate"), what, f"{name}.endDate")
    if (start is not None and day < start) or (end is not None and day > end):
        return ZERO
    return rate


def _get(entry: Any, key: str, what: str, name: str) -> Any:
    if not isinstance(entry, Mapping):
        raise VenueProtocolError(f"{what}: {name} {entry!r} is not an object")
    if key not in entry:
        raise VenueProtocolError(f"{what}: {name} has no {key!r}")
    return entry[key]


def _list(value: Any, what: str, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a list")
    return value


def _number(value: Any, what: str, name: str) -> Decimal:
    """A number or numeric string (missing or "": 0), never negative."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a number")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a number") from None
    if not number.is_finite() or number < ZERO:
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a non-negative number")
    return number


def _exponent(value: Any, what: str) -> int:
    if value is None or value == "":
        return 1
    number = _number(value, what, "feeSchedule.exponent")
    if number != number.to_integral_value():
        raise VenueProtocolError(f"{what}: feeSchedule.exponent {value!r} is not a whole number")
    return int(number)


def _day(value: Any, what: str, name: str) -> date | None:
    """Gamma's dates: ``2026-11-02`` or a full ISO time."""
    if value in (None, ""):
        return None
    text = str(value)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a date") from None
