"""Read routes: exchange status, markets, order books, and the portfolio reads
(orders, fills, positions, balance). Lists page with an opaque ``cursor`` that is the
empty string on the last page; a cursor that does not decode starts from the top, as
Kalshi silently accepts garbage cursors (notes §4)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.responses import Response

from predmm.domain import MarketStatus, Venue
from predmm.simulator.exchange import FillRecord, MarketState, OrderRecord, PositionView
from predmm.simulator.kalshi import errors, serialize, wire
from predmm.simulator.kalshi.endpoint import Call, json_response
from predmm.simulator.kalshi.requests import int_param

T = TypeVar("T")


# -- pagination -------------------------------------------------------------------------


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def paginate(
    items: Sequence[T], key: Callable[[T], str], limit: int, cursor: str
) -> tuple[list[T], str]:
    """One page after the item named by ``cursor``, and the cursor of the next page."""
    start = 0
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        start = next((i + 1 for i, item in enumerate(items) if key(item) == after), 0)
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, encode_cursor(key(page[-1])) if more and page else ""


def _csv(text: str | None) -> set[str] | None:
    if not text:
        return None
    return {part.strip() for part in text.split(",") if part.strip()}


def _ts_window(call: Call, operation: str) -> tuple[int, int]:
    low = int_param(call.query, "min_ts", operation, 0, 2**62, 0)
    high = int_param(call.query, "max_ts", operation, 0, 2**62, 2**62)
    return low, high


# -- account ----------------------------------------------------------------------------


def account_limits(call: Call) -> Response:
    tier = call.fe.limiter.tier
    return json_response(
        {
            "usage_tier": tier.name,
            "read": {"refill_rate": tier.read_rate, "bucket_capacity": tier.read_capacity},
            "write": {"refill_rate": tier.write_rate, "bucket_capacity": tier.write_capacity},
            "grants": [],
        }
    )


# -- exchange and markets ---------------------------------------------------------------


def exchange_status(call: Call) -> Response:
    restarting = call.fe.sim.faults.in_restart(Venue.KALSHI)
    restarting = restarting or call.fe.exchange.trading_paused(Venue.KALSHI)
    return json_response(
        {
            "exchange_active": True,
            "trading_active": not restarting,
            "intra_exchange_transfers_active": True,
            "exchange_estimated_resume_time": None,
            "exchange_index_statuses": [
                {
                    "exchange_index": 0,
                    "description": "default",
                    "exchange_active": True,
                    "trading_active": not restarting,
                    "intra_exchange_transfers_active": True,
                }
            ],
        }
    )


def _market_matches(fe: Any, state: MarketState, q: Any, status: MarketStatus | None) -> bool:
    if status is not None and state.status is not status:
        return False
    tickers = _csv(q.get("tickers"))
    if tickers is not None and state.market_id.symbol not in tickers:
        return False
    event = q.get("event_ticker")
    if event and fe.event_ticker(state) != event:
        return False
    series = q.get("series_ticker")
    listing = state.spec.kalshi
    return not series or (listing is not None and listing.series_ticker == series)


def markets(call: Call) -> Response:
    limit = int_param(call.query, "limit", "GetMarkets", 0, 1000, 100) or 100
    status_text = call.query.get("status")
    status = None
    if status_text:
        status = serialize.STATUS_FILTER.get(status_text)
        if status is None:
            raise errors.invalid_parameters(
                "GetMarkets", f"status: {status_text!r} is not a valid market status"
            )
    states = sorted(call.fe.exchange.markets(Venue.KALSHI), key=lambda s: s.market_id.symbol)
    chosen = [s for s in states if _market_matches(call.fe, s, call.query, status)]
    page, cursor = paginate(
        chosen, lambda s: s.market_id.symbol, limit, call.query.get("cursor", "")
    )
    return json_response({"markets": [call.fe.market_json(s) for s in page], "cursor": cursor})


def market(call: Call) -> Response:
    state = call.fe.require_market(call.path_param("ticker"))
    return json_response({"market": call.fe.market_json(state)})


def orderbook(call: Call) -> Response:
    state = call.fe.require_market(call.path_param("ticker"))
    depth = int_param(call.query, "depth", "GetMarketOrderbook", 0, 100, 0)
    book = call.fe.exchange.book(state.market_id)
    if call.fe.options.legacy_empty_book and not book.yes_bids and not book.no_bids:
        return json_response({"orderbook": {}})
    return json_response({"orderbook_fp": serialize.orderbook(book, depth)})


def orderbooks(call: Call) -> Response:
    tickers = call.query.getlist("tickers")
    if not tickers or len(tickers) > 100:
        raise errors.bad_request("tickers: between 1 and 100 market tickers are required")
    books = []
    for ticker in tickers:
        state = call.fe.market_state(ticker)
        if state is None:
            continue
        book = call.fe.exchange.book(state.market_id)
        books.append({"ticker": ticker, "orderbook_fp": serialize.orderbook(book)})
    return json_response({"orderbooks": books})


# -- portfolio reads --------------------------------------------------------------------


def _order_matches(call: Call, record: OrderRecord, window: tuple[int, int]) -> bool:
    q = call.query
    tickers = _csv(q.get("ticker"))
    if tickers is not None and record.market_id.symbol not in tickers:
        return False
    events = _csv(q.get("event_ticker"))
    if events is not None:
        state = call.fe.market_state(record.market_id.symbol)
        if state is None or call.fe.event_ticker(state) not in events:
            return False
    created = wire.seconds(record.created_at)
    if not window[0] <= created <= window[1]:
        return False
    status = q.get("status")
    return not status or _shown_status(call, record) == status


def _shown_status(call: Call, record: OrderRecord) -> str:
    return str(call.fe.order_json(record, call.decision.stale_window_s)["status"])


def orders(call: Call) -> Response:
    account = call.require_account()
    limit = int_param(call.query, "limit", "GetOrders", 1, 1000, 100)
    window = _ts_window(call, "GetOrders")
    records = [
        r
        for r in reversed(call.fe.all_orders(account))
        if r.market_id.venue is Venue.KALSHI and _order_matches(call, r, window)
    ]
    page, cursor = paginate(records, lambda r: str(r.order_id), limit, call.query.get("cursor", ""))
    stale = call.decision.stale_window_s
    return json_response({"orders": [call.fe.order_json(r, stale) for r in page], "cursor": cursor})


def order(call: Call) -> Response:
    record = call.fe.own_order(call.require_account(), call.path_param("order_id"))
    if record is None:
        raise errors.not_found()
    return json_response({"order": call.fe.order_json(record, call.decision.stale_window_s)})


def _fill_matches(call: Call, fill: FillRecord, window: tuple[int, int]) -> bool:
    tickers = _csv(call.query.get("ticker"))
    if tickers is not None and fill.market_id.symbol not in tickers:
        return False
    order_id = call.query.get("order_id")
    if order_id and str(fill.order_id) != order_id:
        return False
    return window[0] <= wire.seconds(fill.ts) <= window[1]


def fills(call: Call) -> Response:
    account = call.require_account()
    limit = int_param(call.query, "limit", "GetFills", 1, 1000, 100)
    window = _ts_window(call, "GetFills")
    records = [
        f for f in reversed(call.fe.exchange.fills(account)) if _fill_matches(call, f, window)
    ]
    page, cursor = paginate(records, lambda f: str(f.fill_id), limit, call.query.get("cursor", ""))
    return json_response({"fills": [serialize.fill(f) for f in page], "cursor": cursor})


def _position_matches(call: Call, view: PositionView) -> bool:
    q = call.query
    if view.market_id.venue is not Venue.KALSHI:
        return False
    state = call.fe.market_state(view.market_id.symbol)
    if state is None:
        return False
    settled = state.status is MarketStatus.SETTLED
    wanted = q.get("settlement_status") or "unsettled"
    if (wanted == "unsettled" and settled) or (wanted == "settled" and not settled):
        return False
    tickers = _csv(q.get("ticker"))
    if tickers is not None and view.market_id.symbol not in tickers:
        return False
    event = q.get("event_ticker")
    if event and call.fe.event_ticker(state) != event:
        return False
    filters = _csv(q.get("count_filter")) or set()
    if "position" in filters and view.net == 0:
        return False
    return not ("total_traded" in filters and view.traded == 0)


def positions(call: Call) -> Response:
    account = call.require_account()
    limit = int_param(call.query, "limit", "GetPositions", 1, 1000, 100)
    if call.query.get("settlement_status") not in (None, "", "unsettled", "settled", "all"):
        raise errors.invalid_parameters("GetPositions", "settlement_status: invalid value")
    views = sorted(
        (v for v in call.fe.exchange.positions(account) if _position_matches(call, v)),
        key=lambda v: v.market_id.symbol,
    )
    views = [v for v in views if v.traded != 0 or v.net != 0]
    page, cursor = paginate(
        views, lambda v: v.market_id.symbol, limit, call.query.get("cursor", "")
    )
    now = call.fe.now()
    by_event: dict[str, list[PositionView]] = {}
    for view in page:
        state = call.fe.exchange.market(view.market_id)
        by_event.setdefault(call.fe.event_ticker(state), []).append(view)
    return json_response(
        {
            "market_positions": [
                serialize.market_position(
                    v, call.fe.position_updated.get((account, v.market_id), now)
                )
                for v in page
            ],
            "event_positions": [serialize.event_position(e, vs) for e, vs in by_event.items()],
            "cursor": cursor,
        }
    )


def settlements(call: Call) -> Response:
    """``GET /portfolio/settlements``: newest first, by ``ticker``, ``event_ticker`` and
    the ``min_ts``/``max_ts`` window of the settled time."""
    account = call.require_account()
    limit = int_param(call.query, "limit", "GetSettlements", 1, 1000, 100)
    window = _ts_window(call, "GetSettlements")
    ticker, event = call.query.get("ticker"), call.query.get("event_ticker")
    records = [
        (r, call.fe.event_ticker(call.fe.exchange.market(r.market_id)))
        for r in reversed(call.fe.exchange.settlements(account))
        if r.market_id.venue is Venue.KALSHI
        and ticker in (None, "", r.market_id.symbol)
        and window[0] <= wire.seconds(r.ts) <= window[1]
    ]
    records = [(r, e) for r, e in records if event in (None, "", e)]
    page, cursor = paginate(
        records, lambda re: re[0].market_id.symbol, limit, call.query.get("cursor", "")
    )
    return json_response(
        {"settlements": [serialize.settlement(r, e) for r, e in page], "cursor": cursor}
    )


def balance(call: Call) -> Response:
    account = call.require_account()
    bal = call.fe.exchange.balance(account)
    value = call.fe.portfolio_value(account)
    return json_response(serialize.balance(bal.available, value, call.fe.now()))
