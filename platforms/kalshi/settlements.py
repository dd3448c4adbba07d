"""Kalshi's resolutions as ``Settlement`` values, from the three places Kalshi publishes
them: a ``GET /portfolio/settlements`` record (our contracts settled, ``value`` = the
cents one YES paid), a market whose ``result`` is known (``GET /markets/{ticker}``:
``determined`` or ``finalized``, ``settlement_value_dollars`` = what one YES pays), and
the ``market_lifecycle_v2`` message that determines it (``result``,
``settlement_value`` in dollars). Kalshi settles ``settlement_timer_seconds`` after the
determination; the result is final at the determination, so predmm settles there.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from predmm.domain.errors import VenueProtocolError
from predmm.domain.events import Settlement
from predmm.platforms.kalshi import wire
from predmm.platforms.kalshi.wire import Payload

_BINARY = {"yes": Decimal(1), "no": Decimal(0)}


def from_settlement_record(payload: Payload) -> Settlement:
    """One record of ``GET /portfolio/settlements``."""
    ticker = wire.field(payload, "ticker", "Kalshi settlement")
    what = f"Kalshi settlement {ticker}"
    value = payload.get("value")
    payout = _payout(wire.field(payload, "market_result", what), None, what)
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise VenueProtocolError(f"{what}: field 'value' = {value!r} is not cents")
        payout = _checked(Decimal(value) / 100, what)
    return Settlement(
        market_id=wire.market_id(ticker),
        yes_payout=payout,
        venue_ts=wire.parse_time(payload.get("settled_time")),
        yes_contracts=wire.dec(payload, "yes_count_fp", what),
        no_contracts=wire.dec(payload, "no_count_fp", what),
        source="kalshi settlements",
    )


def from_market(payload: Payload) -> Settlement | None:
    """The market's resolution once its result is known, else None."""
    ticker = wire.field(payload, "ticker", "Kalshi market")
    what = f"Kalshi market {ticker}"
    result = payload.get("result") or ""
    if result not in _BINARY and result != "scalar":
        return None
    value = wire.opt_dec(payload, "settlement_value_dollars", what)
    return Settlement(
        market_id=wire.market_id(ticker),
        yes_payout=_payout(result, value, what),
        venue_ts=wire.parse_time(payload.get("settlement_ts") or payload.get("close_time")),
        source="kalshi market",
    )


def from_lifecycle(msg: Payload, received: datetime | None = None) -> Settlement | None:
    """A ``market_lifecycle_v2`` message that carries the result (``determined``), else
    None."""
    ticker = wire.field(msg, "market_ticker", "Kalshi ws lifecycle")
    what = f"Kalshi ws lifecycle {ticker}"
    result = msg.get("result") or ""
    if result not in _BINARY and result != "scalar":
        return None
    value = wire.opt_dec(msg, "settlement_value", what)
    when = msg.get("determination_ts") or msg.get("settled_ts")
    return Settlement(
        market_id=wire.market_id(ticker),
        yes_payout=_payout(result, value, what),
        venue_ts=wire.parse_time(when) or received,
        source="kalshi lifecycle",
    )


def _payout(result: str, value: Decimal | None, what: str) -> Decimal:
    if value is not None:
        return _checked(value, what)
    if result in _BINARY:
        return _BINARY[result]
    raise VenueProtocolError(f"{what}: result {result!r} without a settlement value")


def _checked(payout: Decimal, what: str) -> Decimal:
    if not 0 <= payout <= 1:
        raise VenueProtocolError(f"{what}: a YES pays {payout}, outside 0..1")
    return payout
