"""Kalshi's incentive programs (``GET /incentive_programs``) as ``domain.IncentiveProgram``:
the market, the kind (``liquidity``, ``volume``, ...), the description, the period, the pool
(``period_reward`` in centi-cents: dollars x 10,000), whether it was paid out, and the
liquidity program's rules where the venue gives them (``discount_factor_bps``,
``target_size_fp``, ``max_reward_per_account`` in centi-cents). Errors name the program
and the field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from predmm.domain.errors import VenueProtocolError
from predmm.domain.market import IncentiveProgram, Market
from predmm.platforms.kalshi.wire import field, market_id, opt_dec, parse_time

CENTI_CENTS = Decimal(10_000)  # per dollar
BPS = Decimal(10_000)
KINDS = ("liquidity", "volume", "margin_maker_volume", "margin_taker_volume")


def incentive_from_kalshi(payload: Mapping[str, Any]) -> IncentiveProgram:
    """One ``IncentiveProgram`` object of GET /incentive_programs."""
    program_id = str(field(payload, "id", "Kalshi incentive program"))
    what = f"Kalshi incentive program {program_id}"
    kind = field(payload, "incentive_type", what)
    if kind not in KINDS:
        raise VenueProtocolError(f"{what}: incentive_type {kind!r} is not one of {KINDS}")
    start = _time(payload, "start_date", what)
    end = _time(payload, "end_date", what)
    paid = field(payload, "paid_out", what)
    if not isinstance(paid, bool):
        raise VenueProtocolError(f"{what}: paid_out {paid!r} is not a boolean")
    return IncentiveProgram(
        program_id=program_id,
        market_id=market_id(str(field(payload, "market_ticker", what))),
        kind=kind,
        description=str(field(payload, "incentive_description", what)),
        start=start,
        end=end,
        period_reward=_centi_cents(field(payload, "period_reward", what), what, "period_reward"),
        paid_out=paid,
        discount_factor=_scaled(payload.get("discount_factor_bps"), what, "discount_factor_bps"),
        target_size=opt_dec(payload, "target_size_fp", what),
        max_reward_per_account=_opt_centi_cents(payload, "max_reward_per_account", what),
    )


def _time(payload: Mapping[str, Any], name: str, what: str) -> datetime:
    raw = field(payload, name, what)
    try:
        when = parse_time(raw)
    except VenueProtocolError:
        when = None
    if when is None:
        raise VenueProtocolError(f"{what}: {name} {raw!r} is not a time")
    return when


def _integer(value: Any, what: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise VenueProtocolError(f"{what}: {name} {value!r} is not a non-negative integer")
    return value


def _centi_cents(value: Any, what: str, name: str) -> Decimal:
    return Decimal(_integer(value, what, name)) / CENTI_CENTS


def _opt_centi_cents(payload: Mapping[str, Any], name: str, what: str) -> Decimal | None:
    value = payload.get(name)
    return None if value is None else _centi_cents(value, what, name)


def _scaled(value: Any, what: str, name: str) -> Decimal | None:
    return None if value is None else Decimal(_integer(value, what, name)) / BPS


def with_incentives(markets: list[Market], programs: Iterable[IncentiveProgram]) -> list[Market]:
    """``markets``, each with the programs of its ticker."""
    by_market: dict[object, list[IncentiveProgram]] = {}
    for program in programs:
        by_market.setdefault(program.market_id, []).append(program)
    return [
        attrs.evolve(m, incentives=tuple(by_market[m.market_id])) if m.market_id in by_market else m
        for m in markets
    ]
