"""Polymarket's resolutions as ``Settlement`` values, from Gamma's ``/markets``: a market
is resolved once it is ``closed`` and its ``umaResolutionStatus`` is ``resolved``; its
``outcomePrices`` (a JSON-encoded list, in the order of ``outcomes``) then say what each
outcome token pays: ``["1", "0"]`` when YES won, ``["0", "1"]`` when NO did,
``["0.5", "0.5"]`` for a 50-50 resolution. ``closedTime`` dates it. (The CLOB's
``/markets/{condition_id}`` marks the same with ``tokens[].winner``.)
"""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.errors import VenueProtocolError
from predmm.domain.events import Settlement
from predmm.platforms.polymarket._parse import Json, MarketInfo, _json_list, _yes_no_index, dec, ts

RESOLVED = "resolved"


def settlement_from_gamma(p: Json, info: MarketInfo) -> Settlement | None:
    """The market's resolution, or None while it is not resolved."""
    if not p.get("closed") or str(p.get("umaResolutionStatus") or "").lower() != RESOLVED:
        return None
    what = f"gamma market {info.condition_id}"
    prices = _json_list(p.get("outcomePrices"), f"{what} outcomePrices")
    yes, no = _yes_no_index(_json_list(p.get("outcomes"), f"{what} outcomes"))
    if len(prices) != 2:
        raise VenueProtocolError(f"{what}: outcomePrices {prices!r} is not two prices")
    yes_pays, no_pays = dec(prices[yes], "outcomePrices"), dec(prices[no], "outcomePrices")
    if yes_pays + no_pays != 1 or not Decimal(0) <= yes_pays <= 1:
        raise VenueProtocolError(f"{what}: resolved with outcomePrices {prices!r}")
    return Settlement(
        market_id=info.market_id,
        yes_payout=yes_pays,
        venue_ts=ts(p.get("closedTime")),
        source="gamma",
    )
