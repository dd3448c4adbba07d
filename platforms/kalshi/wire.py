"""Kalshi's wire format to domain values and back (pure functions, no I/O).

Prices on the wire are YES prices as fixed-point dollar strings (``"0.5600"``), counts
are fixed-point strings with two decimals (``"10.00"``), and V2 orders live on a single
YES book: ``side: bid`` is long YES, ``side: ask`` is long NO (kalshi-notes.md §0, §4).

Our orders name the contract and the price of that contract, so:

=============  =====================
ours           V2
=============  =====================
BUY YES at p   ``bid`` at p
BUY NO at q    ``ask`` at 1 - q
SELL YES at p  ``ask`` at p
SELL NO at q   ``bid`` at 1 - q
=============  =====================

Kalshi nets YES against NO, so orders and fills read back from the venue are reported
as purchases: ``bid`` = BUY YES at the YES price, ``ask`` = BUY NO at the NO price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

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
from predmm.domain.errors import OffGridPrice, VenueProtocolError
from predmm.domain.events import Position
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Fill, Order
from predmm.domain.ticks import TickSpec

ONE = Decimal(1)
ZERO = Decimal(0)
PRICE_QUANTUM = Decimal("0.0001")
COUNT_QUANTUM = Decimal("0.01")

Payload = Mapping[str, Any]

# REST Market.status (and the /markets filter words, which some bodies echo).
MARKET_STATUS = {
    "initialized": MarketStatus.UNOPENED,
    "unopened": MarketStatus.UNOPENED,
    "active": MarketStatus.OPEN,
    "open": MarketStatus.OPEN,
    "inactive": MarketStatus.PAUSED,
    "paused": MarketStatus.PAUSED,
    "closed": MarketStatus.CLOSED,
    "determined": MarketStatus.CLOSED,
    "disputed": MarketStatus.CLOSED,
    "amended": MarketStatus.CLOSED,
    "finalized": MarketStatus.SETTLED,
    "settled": MarketStatus.SETTLED,
}

TIME_IN_FORCE = {
    TimeInForce.GTC: "good_till_canceled",
    TimeInForce.GTD: "good_till_canceled",  # with expiration_time
    TimeInForce.IOC: "immediate_or_cancel",
    TimeInForce.FOK: "fill_or_kill",
}


# scalar fields --------------------------------------------------------------------


def market_id(ticker: str) -> MarketId:
    return MarketId(Venue.KALSHI, ticker)


def field(payload: Payload, name: str, what: str = "Kalshi message") -> Any:
    try:
        return payload[name]
    except (KeyError, TypeError):
        raise VenueProtocolError(f"{what}: field {name!r} is missing") from None


def dec(payload: Payload, name: str, what: str = "Kalshi message") -> Decimal:
    """A required fixed-point string field as a Decimal."""
    return to_decimal(field(payload, name, what), name, what)


def opt_dec(payload: Payload, name: str, what: str = "Kalshi message") -> Decimal | None:
    value = payload.get(name)
    return None if value is None or value == "" else to_decimal(value, name, what)


def to_decimal(value: Any, name: str, what: str = "Kalshi message") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise VenueProtocolError(f"{what}: field {name!r} = {value!r} is not a fixed-point string")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise VenueProtocolError(f"{what}: field {name!r} = {value!r} is not a number") from None
    if not result.is_finite():
        raise VenueProtocolError(f"{what}: field {name!r} = {value!r} is not finite")
    return result


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 (``...Z``), Unix seconds or Unix milliseconds; None or "" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise VenueProtocolError(f"Kalshi time {value!r} is not ISO-8601") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise VenueProtocolError(f"Kalshi time {value!r} is neither a string nor a number")


def fmt_price(price: Decimal) -> str:
    """A YES price as Kalshi wants it: 4 decimals, strictly between 0 and 1."""
    if not (ZERO < price < ONE) or price != price.quantize(PRICE_QUANTUM):
        raise OffGridPrice(f"price {price} is not a Kalshi price (0 < p < 1, at most 4 decimals)")
    return f"{price.quantize(PRICE_QUANTUM)}"


def fmt_count(count: Decimal) -> str:
    """A contract count as Kalshi wants it: a string with 2 decimals, at least 0.01."""
    if count <= ZERO or count != count.quantize(COUNT_QUANTUM):
        raise ValueError(f"count {count} is not a Kalshi count (> 0, at most 2 decimals)")
    return f"{count.quantize(COUNT_QUANTUM)}"


def end_cursor(value: Any) -> str | None:
    """Kalshi ends pagination with ``""`` (recorded) or null (the guide): both -> None."""
    return value if isinstance(value, str) and value else None


# direction ------------------------------------------------------------------------


def to_book_side(side: OrderSide, action: Action, price: Decimal) -> tuple[str, Decimal]:
    """Our (contract, action, contract price) as V2 (book side, YES price)."""
    long_yes = (side is OrderSide.YES) == (action is Action.BUY)
    yes_price = price if side is OrderSide.YES else ONE - price
    return ("bid" if long_yes else "ask"), yes_price


def from_book_side(book_side: Any, yes_price: Decimal, what: str) -> tuple[OrderSide, Decimal]:
    """V2 (book side, YES price) as a purchase: (contract bought, its price)."""
    if book_side == "bid":
        return OrderSide.YES, yes_price
    if book_side == "ask":
        return OrderSide.NO, ONE - yes_price
    raise VenueProtocolError(f"{what}: book_side {book_side!r} is neither 'bid' nor 'ask'")


def book_side_of(payload: Payload, what: str) -> Any:
    """``book_side``, or the deprecated ``outcome_side`` / ``side`` carrying the same bit."""
    if "book_side" in payload:
        return payload["book_side"]
    outcome = payload.get("outcome_side", payload.get("side"))
    return {"yes": "bid", "no": "ask"}.get(outcome, outcome)


# markets and books ----------------------------------------------------------------


def market_from_kalshi(payload: Payload, as_of: datetime) -> Market:
    """One ``Market`` object of GET /markets or GET /markets/{ticker}."""
    ticker = field(payload, "ticker", "Kalshi market")
    what = f"Kalshi market {ticker}"
    status = MARKET_STATUS.get(field(payload, "status", what))
    if status is None:
        raise VenueProtocolError(f"{what}: unknown status {payload['status']!r}")
    return Market(
        market_id=market_id(ticker),
        title=str(payload.get("title") or payload.get("yes_sub_title") or ticker),
        status=status,
        event_id=EventId(payload["event_ticker"]) if payload.get("event_ticker") else None,
        tick=tick_from_kalshi(payload, what),
        liquidity=_liquidity(payload, what),
        volume=opt_dec(payload, "volume_24h_fp", what)
        or opt_dec(payload, "volume_fp", what)
        or ZERO,
        best_yes_bid=_real_price(opt_dec(payload, "yes_bid_dollars", what)),
        best_yes_ask=_real_price(opt_dec(payload, "yes_ask_dollars", what)),
        last_price=_real_price(opt_dec(payload, "last_price_dollars", what)),
        close_time=parse_time(payload.get("close_time")),
        as_of=as_of,
        count_step=count_step_of(payload),
    )


def count_step_of(payload: Payload) -> Decimal:
    """0.01 on a market that says it trades fractional contracts
    (``fractional_trading_enabled``, as bodies did until the field left the schema on
    2026-07-09), else whole contracts: valid on every market."""
    return COUNT_QUANTUM if payload.get("fractional_trading_enabled") is True else ONE


def event_from_kalshi(payload: Payload) -> tuple[str, bool]:
    """One ``EventData`` of GET /events: its ticker and ``mutually_exclusive`` (at most
    one of its markets resolves YES)."""
    ticker = field(payload, "event_ticker", "Kalshi event")
    exclusive = field(payload, "mutually_exclusive", f"Kalshi event {ticker}")
    if not isinstance(exclusive, bool):
        raise VenueProtocolError(
            f"Kalshi event {ticker}: mutually_exclusive {exclusive!r} is not a boolean"
        )
    return str(ticker), exclusive


def tick_from_kalshi(payload: Payload, what: str) -> TickSpec:
    try:
        return TickSpec.from_price_ranges(field(payload, "price_ranges", what))
    except ValueError as exc:
        raise VenueProtocolError(f"{what}: price_ranges: {exc}") from None


def _liquidity(payload: Payload, what: str) -> Decimal:
    """Dollars: ``liquidity_dollars`` where still sent, else the open interest's notional
    (each contract pays ``notional_value_dollars``, $1)."""
    legacy = opt_dec(payload, "liquidity_dollars", what)
    if legacy is not None:
        return legacy
    interest = opt_dec(payload, "open_interest_fp", what) or ZERO
    return interest * (opt_dec(payload, "notional_value_dollars", what) or ONE)


def _real_price(price: Decimal | None) -> Decimal | None:
    """Kalshi shows an empty side as 0.0000 (bid) or 1.0000 (ask)."""
    return price if price is not None and ZERO < price < ONE else None


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    """``[[price_dollars, count_fp], ...]`` in any order."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise VenueProtocolError(f"{what}: levels {raw!r} are not a list")
    out = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise VenueProtocolError(f"{what}: level {item!r} is not [price, count]")
        out.append(Level(to_decimal(item[0], "price", what), to_decimal(item[1], "count", what)))
    return tuple(out)


def book_from_kalshi(mid: MarketId, payload: Payload) -> OrderBook:
    """GET /markets/{ticker}/orderbook: ``orderbook_fp`` YES and NO bid ladders (NO at the
    NO price); an empty market was once recorded as ``{"orderbook": {}}``."""
    what = f"Kalshi order book {mid.symbol}"
    book = payload.get("orderbook_fp")
    if book is None:
        book = payload.get("orderbook")
    if not isinstance(book, Mapping):
        raise VenueProtocolError(f"{what}: no 'orderbook_fp' object")
    return OrderBook(
        mid, levels(book.get("yes_dollars"), what), levels(book.get("no_dollars"), what)
    )


# orders ---------------------------------------------------------------------------


def create_body(order: Order, *, expiration_s: int | None = None) -> dict[str, Any]:
    """The CreateOrderV2Request of one order (also an item of a batch)."""
    book_side, yes_price = to_book_side(order.side, order.action, order.price)
    tif = TimeInForce.IOC if order.order_type is OrderType.MARKET else order.time_in_force
    body: dict[str, Any] = {
        "ticker": order.market_id.symbol,
        "client_order_id": order.client_order_id.value,
        "side": book_side,
        "count": fmt_count(order.quantity),
        "price": fmt_price(yes_price),
        "time_in_force": TIME_IN_FORCE[tif],
        "self_trade_prevention_type": "taker_at_cross",
    }
    if tif in (TimeInForce.GTC, TimeInForce.GTD):
        body["post_only"] = order.post_only
        if expiration_s is not None:
            body["expiration_time"] = expiration_s
    return body


def amend_body(order: Order, price: Decimal, quantity: Decimal) -> dict[str, Any]:
    """AmendOrderV2Request: ``count`` is the new total (filled + resting)."""
    book_side, yes_price = to_book_side(order.side, order.action, price)
    return {
        "ticker": order.market_id.symbol,
        "side": book_side,
        "price": fmt_price(yes_price),
        "count": fmt_count(quantity),
        "client_order_id": order.client_order_id.value,
    }


def placed_status(requested: Decimal, filled: Decimal, remaining: Decimal) -> OrderStatus:
    """What a create answer means: resting, filled, or done without resting (IOC, STP)."""
    if remaining > ZERO:
        return OrderStatus.PARTIALLY_FILLED if filled > ZERO else OrderStatus.OPEN
    return OrderStatus.FILLED if filled >= requested else OrderStatus.CANCELLED


def place_result_fields(order: Order, payload: Payload) -> dict[str, Any]:
    """A CreateOrderV2Response (or a successful batch item) as PlaceResult fields."""
    what = f"Kalshi create answer for {order.client_order_id}"
    filled = dec(payload, "fill_count", what)
    remaining = dec(payload, "remaining_count", what)
    return {
        "client_order_id": order.client_order_id,
        "status": placed_status(order.quantity, filled, remaining),
        "venue_order_id": VenueOrderId(field(payload, "order_id", what)),
        "filled_quantity": filled,
    }


ORDER_STATUS = {
    "resting": OrderStatus.OPEN,
    "canceled": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "executed": OrderStatus.FILLED,
    "unknown": OrderStatus.UNKNOWN,
}


def order_status(raw: Any, filled: Decimal, what: str) -> OrderStatus:
    status = ORDER_STATUS.get(raw)
    if status is None:
        raise VenueProtocolError(f"{what}: unknown order status {raw!r}")
    if status is OrderStatus.OPEN and filled > ZERO:
        return OrderStatus.PARTIALLY_FILLED
    return status


def _expiry(payload: Payload) -> datetime | None:
    """When the order expires: ``expiration_ts_ms`` (websocket), ``expiration_time``."""
    return parse_time(payload.get("expiration_ts_ms") or payload.get("expiration_time"))


def _expired(payload: Payload, status: OrderStatus, expires: datetime | None) -> bool:
    """A cancelled order that Kalshi cancelled because its expiration came: the
    websocket says ``ExpiryCancel``; a REST read shows it cancelled at or after its
    expiration (a cancel of ours before the expiration is not)."""
    if status is not OrderStatus.CANCELLED:
        return False
    if payload.get("last_update_reason") == "ExpiryCancel":
        return True
    updated = parse_time(payload.get("last_updated_ts_ms") or payload.get("last_update_time"))
    return expires is not None and updated is not None and updated >= expires


def order_from_kalshi(payload: Payload) -> Order:
    """An ``Order`` of GET /portfolio/orders (also a websocket ``user_order``)."""
    oid = field(payload, "order_id", "Kalshi order")
    what = f"Kalshi order {oid}"
    filled = dec(payload, "fill_count_fp", what)
    remaining = dec(payload, "remaining_count_fp", what)
    side, price = from_book_side(
        book_side_of(payload, what), dec(payload, "yes_price_dollars", what), what
    )
    cid = payload.get("client_order_id") or f"kalshi-{oid}"
    status = order_status(field(payload, "status", what), filled, what)
    expires = _expiry(payload)
    return Order(
        client_order_id=ClientOrderId(cid),
        market_id=market_id(payload.get("ticker") or field(payload, "market_ticker", what)),
        side=side,
        price=price,
        quantity=filled + remaining,
        status=OrderStatus.EXPIRED if _expired(payload, status, expires) else status,
        filled_quantity=filled,
        venue_order_id=VenueOrderId(oid),
        created_at=parse_time(payload.get("created_time") or payload.get("created_ts_ms")),
        post_only=False,
        expires_at=expires,
    )


def fill_from_kalshi(payload: Payload, received: datetime | None = None) -> Fill:
    """One fill of GET /portfolio/fills or of the websocket ``fill`` channel."""
    fid = payload.get("fill_id") or field(payload, "trade_id", "Kalshi fill")
    what = f"Kalshi fill {fid}"
    side, price = from_book_side(
        book_side_of(payload, what), dec(payload, "yes_price_dollars", what), what
    )
    cid = payload.get("client_order_id")
    return Fill(
        fill_id=FillId(fid),
        market_id=market_id(payload.get("ticker") or field(payload, "market_ticker", what)),
        side=side,
        price=price,
        quantity=dec(payload, "count_fp", what),
        fee=opt_dec(payload, "fee_cost", what) or ZERO,
        is_taker=bool(payload.get("is_taker", False)),
        client_order_id=ClientOrderId(cid) if cid else None,
        venue_order_id=VenueOrderId(field(payload, "order_id", what)),
        ts=_fill_time(payload),
        received_ts=received,
    )


def _fill_time(payload: Payload) -> datetime | None:
    for key in ("ts_ms", "created_time", "ts"):
        if payload.get(key) not in (None, ""):
            return parse_time(payload[key])
    return None


@attrs.frozen
class FillsCursor:
    """Where a walk of ``GET /portfolio/fills`` stands. Kalshi lists fills newest first,
    older pages behind its cursor, so its cursor cannot say "what came since": ours does.
    A walk reads every page from ``since`` (``min_ts``, in seconds) down;
    ``page`` is Kalshi's cursor while it lasts, and ``newest`` the latest fill second
    seen. At its end the next walk starts from ``newest``: the fills of that second come
    again, and their fill ids deduplicate them. Text: ``since:<s>`` or
    ``since:<s>:<newest>:<page>``; any other text (or None) walks from the beginning."""

    since: int = 0
    newest: int = 0
    page: str | None = None

    PREFIX: ClassVar[str] = "since:"

    @classmethod
    def parse(cls, text: str | None) -> FillsCursor:
        if not text or not text.startswith(cls.PREFIX):
            return cls()
        since, _, rest = text.removeprefix(cls.PREFIX).partition(":")
        newest, _, page = rest.partition(":")
        try:
            return cls(int(since), int(newest or since), page or None)
        except ValueError:
            return cls()

    def after(self, fills: Iterable[Fill], page: str | None) -> FillsCursor:
        """Where the walk stands after a page of ``fills`` with Kalshi's next ``page``."""
        stamps = [int(f.ts.timestamp()) for f in fills if f.ts is not None]
        newest = max([self.newest, self.since, *stamps])
        return FillsCursor(self.since, newest, page) if page else FillsCursor(newest, newest)

    def text(self) -> str:
        if self.page is None:
            return f"{self.PREFIX}{self.since}"
        return f"{self.PREFIX}{self.since}:{self.newest}:{self.page}"


def sort_fills(fills: Iterable[Fill]) -> tuple[Fill, ...]:
    """Oldest first (fills without a time keep their place at the start)."""
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(fills, key=lambda f: f.ts or epoch))


# portfolio ------------------------------------------------------------------------


def position_from_kalshi(payload: Payload) -> Position:
    """A MarketPosition: ``position_fp`` is signed, + YES and - NO (Kalshi nets them)."""
    ticker = field(payload, "ticker", "Kalshi position")
    net = dec(payload, "position_fp", f"Kalshi position {ticker}")
    return Position(
        market_id=market_id(ticker),
        yes_contracts=max(net, ZERO),
        no_contracts=max(-net, ZERO),
    )


def balance_from_kalshi(payload: Payload) -> Decimal:
    """GET /portfolio/balance: ``balance_dollars``; the legacy integer cents otherwise."""
    dollars = opt_dec(payload, "balance_dollars", "Kalshi balance")
    if dollars is not None:
        return dollars
    return dec(payload, "balance", "Kalshi balance") / 100
