"""Polymarket payloads (Gamma, CLOB REST, websocket) into domain values.

Every parser takes the decoded JSON (numbers decoded as Decimal) and raises
``VenueProtocolError`` naming the field when the payload is not what the venue documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import (
    Action,
    MarketStatus,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    Venue,
)
from predmm.domain.errors import VenueProtocolError
from predmm.domain.fees import polymarket_fee
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Fill, Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.polymarket._rewards import rewards_from_gamma

ONE = Decimal(1)
Json = Mapping[str, Any]


@attrs.frozen(kw_only=True)
class MarketInfo:
    """What the adapter needs to trade one condition: its two tokens, its grid and which
    exchange takes its orders. On a protocol-V2 market (``protocol`` 2, Gamma's
    ``version: "v2"``) the two "tokens" are the outcomes' position ids."""

    market_id: MarketId
    yes_token: str
    no_token: str
    tick: Decimal
    neg_risk: bool = False
    min_size: Decimal = Decimal(0)
    protocol: int = 1

    @property
    def conditional_asset_type(self) -> str:
        """``asset_type`` of this market's token balances on ``/balance-allowance``."""
        return "CONDITIONAL-V2" if self.protocol == 2 else "CONDITIONAL"

    @property
    def condition_id(self) -> str:
        return self.market_id.symbol

    def token(self, side: OrderSide) -> str:
        return self.yes_token if side is OrderSide.YES else self.no_token

    def side_of(self, token_id: str) -> OrderSide:
        if token_id == self.yes_token:
            return OrderSide.YES
        if token_id == self.no_token:
            return OrderSide.NO
        raise VenueProtocolError(f"asset_id {token_id!r} is not a token of {self.market_id}")


def loads(raw: bytes | str) -> Any:
    """JSON with exact numbers: floats become Decimal as written."""
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise VenueProtocolError(f"body is not JSON: {exc}") from None


def field(payload: Json, name: str) -> Any:
    try:
        return payload[name]
    except (KeyError, TypeError):
        raise VenueProtocolError(f"missing field {name!r} in {_short(payload)}") from None


def dec(value: Any, name: str = "value") -> Decimal:
    if isinstance(value, bool) or value is None:
        raise VenueProtocolError(f"{name} {value!r} is not a number")
    try:
        return Decimal(value) if not isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise VenueProtocolError(f"{name} {value!r} is not a number") from None


BPS = Decimal(10_000)  # basis points in one


def dec_field(payload: Json, name: str) -> Decimal:
    return dec(field(payload, name), name)


def ts(value: Any) -> datetime | None:
    """Unix seconds or milliseconds (number or string) as an aware datetime."""
    if value in (None, "", 0, "0"):
        return None
    try:
        n = Decimal(str(value))
    except InvalidOperation:
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise VenueProtocolError(f"timestamp {value!r} is not a time") from None
    if n > 100_000_000_000:
        n /= 1000
    return datetime.fromtimestamp(float(n), tz=UTC)


def units_or_shares(value: Any, name: str = "size") -> Decimal:
    """Order and trade sizes: shares as decimal strings (the websocket form). A value
    that is a whole number of at least 1e6 with no decimal point is read as the 6-decimal
    fixed point that the REST reference describes (a million-share order is not ours)."""
    text = str(value)
    amount = dec(value, name)
    if "." not in text and amount >= 1_000_000 and amount == amount.to_integral_value():
        return amount / 1_000_000
    return amount


def _short(payload: object) -> str:
    text = repr(payload)
    return text if len(text) < 200 else text[:200] + "..."


def _json_list(value: Any, name: str) -> list[Any]:
    """Gamma's ``outcomes`` / ``clobTokenIds``: JSON-encoded strings (or plain lists)."""
    if isinstance(value, str):
        value = loads(value)
    if not isinstance(value, list):
        raise VenueProtocolError(f"{name} {value!r} is not a list")
    return value


# -- Gamma markets ----------------------------------------------------------------------


def _yes_no_index(outcomes: Sequence[Any]) -> tuple[int, int]:
    labels = [str(o).strip().lower() for o in outcomes]
    if "yes" in labels and "no" in labels:
        return labels.index("yes"), labels.index("no")
    return 0, 1


def _gamma_status(p: Json) -> MarketStatus:
    if p.get("closed"):
        return MarketStatus.CLOSED
    if not p.get("active", True):
        return MarketStatus.UNOPENED
    if p.get("acceptingOrders") is False or p.get("enableOrderBook") is False:
        return MarketStatus.PAUSED
    return MarketStatus.OPEN


def _opt_dec(p: Json, *names: str) -> Decimal | None:
    for name in names:
        value = p.get(name)
        if value not in (None, ""):
            return dec(value, name)
    return None


def _event(p: Json) -> Json:
    events = p.get("events") or []
    first = events[0] if isinstance(events, list) and events else None
    return first if isinstance(first, Mapping) else {}


def _event_id(p: Json) -> EventId | None:
    """The market's Gamma event (``events[0].id``), or else its neg-risk event."""
    event = _event(p)
    if event.get("id") not in (None, ""):
        return EventId(str(event["id"]))
    if p.get("negRisk") and p.get("negRiskMarketID"):
        return EventId(str(p["negRiskMarketID"]))
    return None


PROTOCOLS = {None: 1, "": 1, "v1": 1, "v2": 2}


def protocol_of(p: Json) -> int:
    """Gamma's ``version`` ("v1", "v2"; absent on older markets) as 1 or 2."""
    raw = p.get("version")
    key = raw.lower() if isinstance(raw, str) else raw
    if key not in PROTOCOLS:
        raise VenueProtocolError(f"market {p.get('conditionId')}: version {raw!r} is unknown")
    return PROTOCOLS[key]


def exactly_one_wins(p: Json) -> bool:
    """Whether the venue says exactly one market of this market's event resolves YES: a
    neg-risk event that is not augmented (an augmented one may list more outcomes later,
    and has an "Other"). Which markets those are, ``event_markets`` reads."""
    return bool(p.get("negRisk")) and _event(p).get("negRiskAugmented") is False


def event_markets(p: Json) -> tuple[MarketId, ...]:
    """GET /events/{id}: every market of the event, by condition id."""
    markets = field(p, "markets")
    if not isinstance(markets, list):
        raise VenueProtocolError(f"gamma event {p.get('id')!r}: markets is not a list")
    return tuple(
        MarketId(Venue.POLYMARKET, str(m["conditionId"]))
        for m in markets
        if isinstance(m, Mapping) and m.get("conditionId")
    )


def market_info_from_gamma(p: Json) -> MarketInfo:
    """A binary market's tokens (``clobTokenIds``; ``positionIds`` on a ``version: "v2"``
    market), tick, minimum size and neg-risk flag."""
    condition = field(p, "conditionId")
    protocol = protocol_of(p)
    outcomes = _json_list(field(p, "outcomes"), "outcomes")
    ids = "positionIds" if protocol == 2 else "clobTokenIds"
    tokens = _json_list(field(p, ids), ids)
    if len(outcomes) != 2 or len(tokens) != 2:
        raise VenueProtocolError(f"market {condition} is not binary: outcomes {outcomes!r}")
    yes, no = _yes_no_index(outcomes)
    return MarketInfo(
        market_id=MarketId(Venue.POLYMARKET, str(condition)),
        yes_token=str(tokens[yes]),
        no_token=str(tokens[no]),
        tick=_opt_dec(p, "orderPriceMinTickSize") or Decimal("0.01"),
        neg_risk=bool(p.get("negRisk", False)),
        min_size=_opt_dec(p, "orderMinSize") or Decimal(0),
        protocol=protocol,
    )


def market_from_gamma(p: Json, info: MarketInfo, as_of: datetime | None = None) -> Market:
    try:
        tick = TickSpec.polymarket(info.tick)
    except ValueError as exc:
        raise VenueProtocolError(f"market {info.condition_id}: {exc}") from None
    end = p.get("endDate") or p.get("endDateIso")
    return Market(
        market_id=info.market_id,
        title=str(p.get("question", "")),
        status=_gamma_status(p),
        event_id=_event_id(p),
        exclusive=bool(p.get("negRisk")) and _event_id(p) is not None,
        tick=tick,
        liquidity=_opt_dec(p, "liquidityNum", "liquidity", "liquidityClob") or Decimal(0),
        volume=_opt_dec(p, "volumeNum", "volume", "volumeClob") or Decimal(0),
        best_yes_bid=_opt_dec(p, "bestBid"),
        best_yes_ask=_opt_dec(p, "bestAsk"),
        last_price=_opt_dec(p, "lastTradePrice"),
        close_time=ts(end) if end else None,
        as_of=as_of,
        min_order_size=info.min_size,
        rewards=rewards_from_gamma(p, as_of),
    )


# -- books ------------------------------------------------------------------------------


@attrs.frozen
class TokenBook:
    """One token's ladder: bids and asks as sent (any order)."""

    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()


def _levels(raw: Any, name: str) -> tuple[Level, ...]:
    if not isinstance(raw, list):
        raise VenueProtocolError(f"{name} {raw!r} is not a list")
    return tuple(Level(dec_field(lv, "price"), dec_field(lv, "size")) for lv in raw)


def token_book(p: Json) -> TokenBook:
    return TokenBook(_levels(field(p, "bids"), "bids"), _levels(field(p, "asks"), "asks"))


def apply_price_change(book: TokenBook, side: str, price: Decimal, size: Decimal) -> TokenBook:
    """A ``price_change`` entry: ``size`` is the new aggregate size at ``price``."""

    def update(levels: tuple[Level, ...]) -> tuple[Level, ...]:
        kept = tuple(lv for lv in levels if lv.price != price)
        return (*kept, Level(price, size)) if size > 0 else kept

    if side == "BUY":
        return attrs.evolve(book, bids=update(book.bids))
    return attrs.evolve(book, asks=update(book.asks))


def _max_merge(direct: Iterable[Level], mirrored: Iterable[Level]) -> list[Level]:
    """Bids for one token: its own bids and the other token's asks seen at 1 - price.
    Polymarket mirrors each order into both books, so the larger size wins (no double
    count when both show the same order)."""
    sizes: dict[Decimal, Decimal] = {}
    for lv in direct:
        sizes[lv.price] = max(sizes.get(lv.price, Decimal(0)), lv.size)
    for lv in mirrored:
        p = ONE - lv.price
        sizes[p] = max(sizes.get(p, Decimal(0)), lv.size)
    return [Level(p, s) for p, s in sizes.items()]


def order_book(market_id: MarketId, yes: TokenBook, no: TokenBook) -> OrderBook:
    return OrderBook(
        market_id,
        tuple(_max_merge(yes.bids, no.asks)),
        tuple(_max_merge(no.bids, yes.asks)),
    )


# -- orders -----------------------------------------------------------------------------

_ORDER_STATUS = {
    "LIVE": OrderStatus.OPEN,
    "MATCHED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "CANCELLED": OrderStatus.CANCELLED,
    "CANCELED_MARKET_RESOLVED": OrderStatus.CANCELLED,
    "INVALID": OrderStatus.REJECTED,
    "UNMATCHED": OrderStatus.CANCELLED,
    "DELAYED": OrderStatus.SUBMITTED,
}
_TIF = {"GTC": TimeInForce.GTC, "GTD": TimeInForce.GTD, "FOK": TimeInForce.FOK}


def order_status(raw: str, filled: Decimal, quantity: Decimal) -> OrderStatus:
    key = raw.upper().removeprefix("ORDER_STATUS_")
    status = _ORDER_STATUS.get(key)
    if status is None:
        raise VenueProtocolError(f"order status {raw!r} is unknown")
    if status is OrderStatus.OPEN and filled > 0:
        return OrderStatus.PARTIALLY_FILLED if filled < quantity else OrderStatus.FILLED
    return status


def order_from_venue(
    p: Json,
    info: MarketInfo,
    client_order_id: ClientOrderId | None,
    size: Callable[[Any, str], Decimal],
) -> Order:
    """An open-order record (REST ``/data/orders`` or a websocket ``order`` event).
    An order we did not place in this process is named by its venue id."""
    order_id = str(field(p, "id"))
    quantity = size(field(p, "original_size"), "original_size")
    filled = size(p.get("size_matched") or "0", "size_matched")
    order_type = str(p.get("order_type") or "GTC").upper()
    return Order(
        client_order_id=client_order_id or ClientOrderId(order_id),
        market_id=info.market_id,
        side=info.side_of(str(field(p, "asset_id"))),
        action=Action.BUY if str(field(p, "side")).upper() == "BUY" else Action.SELL,
        price=dec_field(p, "price"),
        quantity=quantity,
        order_type=OrderType.LIMIT,
        time_in_force=_TIF.get(order_type, TimeInForce.IOC),
        status=order_status(str(field(p, "status")), filled, quantity),
        filled_quantity=filled,
        venue_order_id=VenueOrderId(order_id),
        created_at=ts(p.get("created_at")),
    )


# -- trades -----------------------------------------------------------------------------

CONFIRMED, FAILED = "CONFIRMED", "FAILED"


def trade_status(p: Json) -> str:
    return str(field(p, "status")).upper().removeprefix("TRADE_STATUS_")


@attrs.frozen(kw_only=True)
class Account:
    """Who we are on the venue: how our side of a trade is recognised (our API key as
    owner, or our funder, the orders' maker, as maker_address)."""

    api_key: str
    address: str

    def owns(self, p: Json) -> bool:
        owner = p.get("owner") or p.get("order_owner")
        if owner is not None and str(owner) == self.api_key:
            return True
        maker = p.get("maker_address")
        return maker is not None and str(maker).lower() == self.address.lower()


def taker_fee(p: Json, price: Decimal, shares: Decimal) -> Decimal:
    """What a trade we took cost in fees: ``shares x rate x P(1 - P)`` at the trade's
    ``fee_rate_bps`` (``domain.fees``; the exponent of the market's ``fd`` is not on the
    trade: 1, as on every market listed today). Makers pay nothing."""
    raw = p.get("fee_rate_bps")
    bps = dec(raw, "fee_rate_bps") if raw not in (None, "") else Decimal(0)
    return polymarket_fee(taker_rate=bps / BPS)(price, shares, True)


def fills_from_trade(
    p: Json,
    info_of: Callable[[str], MarketInfo | None],
    me: Account,
    size: Callable[[Any, str], Decimal],
    received: datetime | None = None,
) -> list[Fill]:
    """Our fills in one trade: the taker side if we took, each of our maker orders if we
    made. MATCHED / MINED / RETRYING are provisional; CONFIRMED is final; a FAILED trade's
    fills are returned for reversal (``provisional`` True). A taker pays the trade's
    ``fee_rate_bps`` (``taker_fee``); makers pay nothing."""
    trade_id = str(field(p, "id"))
    provisional = trade_status(p) != CONFIRMED
    when = ts(p.get("match_time") or p.get("matchtime") or p.get("timestamp"))
    fills: list[Fill] = []
    if str(p.get("trader_side", "")).upper() == "TAKER" and me.owns(p):
        info = info_of(str(field(p, "asset_id")))
        if info is not None:
            price, shares = dec_field(p, "price"), size(field(p, "size"), "size")
            fills.append(
                Fill(
                    fill_id=FillId(trade_id),
                    market_id=info.market_id,
                    side=info.side_of(str(p["asset_id"])),
                    action=Action.BUY if str(field(p, "side")).upper() == "BUY" else Action.SELL,
                    price=price,
                    quantity=shares,
                    fee=taker_fee(p, price, shares),
                    is_taker=True,
                    venue_order_id=_opt_order_id(p.get("taker_order_id")),
                    ts=when,
                    received_ts=received,
                    provisional=provisional,
                )
            )
    for mo in p.get("maker_orders") or ():
        if not me.owns(mo):
            continue
        info = info_of(str(field(mo, "asset_id")))
        if info is None:
            continue
        order_id = str(field(mo, "order_id"))
        fills.append(
            Fill(
                fill_id=FillId(f"{trade_id}:{order_id}"),
                market_id=info.market_id,
                side=info.side_of(str(mo["asset_id"])),
                action=Action.BUY if str(field(mo, "side")).upper() == "BUY" else Action.SELL,
                price=dec_field(mo, "price"),
                quantity=size(field(mo, "matched_amount"), "matched_amount"),
                is_taker=False,
                venue_order_id=VenueOrderId(order_id),
                ts=when,
                received_ts=received,
                provisional=provisional,
            )
        )
    return fills


def _opt_order_id(value: Any) -> VenueOrderId | None:
    return VenueOrderId(str(value)) if value else None
