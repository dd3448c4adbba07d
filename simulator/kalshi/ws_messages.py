"""Kalshi websocket messages built from exchange events and state (asyncapi.yaml 2.0.0
payloads). Pure functions of their arguments; ``KalshiStreams`` decides who gets them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from predmm.domain import MarketStatus, OrderBook, OrderSide
from predmm.simulator.exchange import (
    BookLevelChanged,
    CancelReason,
    FillRecord,
    MarketSettled,
    MarketState,
    MarketStatusChanged,
    OrderAccepted,
    OrderCancelled,
    OrderGroupChanged,
    OrderUpdated,
    PositionView,
    TickSizeChanged,
    TradePrinted,
)
from predmm.simulator.kalshi import serialize, wire
from predmm.simulator.kalshi.frontend import KalshiFrontEnd

ONE = Decimal(1)
REASONS = {
    CancelReason.SELF_TRADE: "SelfTradeCancel",
    CancelReason.EXPIRED: "ExpiryCancel",
    CancelReason.MARKET_CLOSED: "CloseCancel",
    CancelReason.PAUSE: "HaltCancel",
    CancelReason.MARKET_REACTIVATED: "HaltCancel",
    CancelReason.DECREASED_TO_ZERO: "Decrease",
}
_USER_ORDER_FIELDS = (
    "order_id",
    "ticker",
    "status",
    "side",
    "outcome_side",
    "book_side",
    "yes_price_dollars",
    "fill_count_fp",
    "remaining_count_fp",
    "initial_count_fp",
    "taker_fill_cost_dollars",
    "maker_fill_cost_dollars",
    "taker_fees_dollars",
    "maker_fees_dollars",
    "client_order_id",
)


def iso_ms(ts: datetime) -> str:
    """RFC 3339 truncated to milliseconds, as the websocket's ``ts``/``time`` fields."""
    return wire.iso(ts)[:23] + "Z"


def snapshot_body(fe: KalshiFrontEnd, state: MarketState, use_yes_price: bool) -> dict[str, Any]:
    ticker = state.market_id.symbol
    body: dict[str, Any] = {
        "market_ticker": ticker,
        "market_id": serialize.market_uuid(ticker),
        "clock": fe.exchange.book_seq(state.market_id),
    }
    body.update(snapshot_levels(fe.exchange.book(state.market_id), use_yes_price))
    return body


def snapshot_levels(book: OrderBook, use_yes_price: bool) -> dict[str, Any]:
    """Both ladders ascending; a side with no level has no key at all."""
    out: dict[str, Any] = {}
    yes = serialize.levels_ascending(book, OrderSide.YES)
    if yes:
        out["yes_dollars_fp"] = yes
    levels = book.bids(OrderSide.NO)
    if levels:
        if use_yes_price:
            pairs = sorted((ONE - lv.price, lv.size) for lv in levels)
            out["no_dollars_fp"] = [[wire.price(p), wire.count(s)] for p, s in pairs]
        else:
            out["no_dollars_fp"] = serialize.levels_ascending(book, OrderSide.NO)
    return out


def delta_body(
    event: BookLevelChanged, use_yes_price: bool, client_order_id: str | None
) -> dict[str, Any]:
    price = event.price
    if use_yes_price and event.side is OrderSide.NO:
        price = ONE - price
    body: dict[str, Any] = {
        "market_ticker": event.market_id.symbol,
        "market_id": serialize.market_uuid(event.market_id.symbol),
        "clock": event.seq,
        "price_dollars": wire.price(price),
        "delta_fp": wire.count(event.delta),
        "side": event.side.value,
        "ts": iso_ms(event.ts),
        "ts_ms": wire.ms(event.ts),
    }
    if client_order_id is not None:
        body["client_order_id"] = client_order_id
    return body


def ticker_body(
    fe: KalshiFrontEnd, state: MarketState, last_size: Decimal, now: datetime
) -> dict[str, Any]:
    ticker = state.market_id.symbol
    market = serialize.market(state, fe.exchange.book(state.market_id), now)
    last = state.last_price or Decimal(0)
    return {
        "market_id": serialize.market_uuid(ticker),
        "market_ticker": ticker,
        "price_dollars": market["last_price_dollars"],
        "yes_bid_dollars": market["yes_bid_dollars"],
        "yes_ask_dollars": market["yes_ask_dollars"],
        "volume_fp": market["volume_fp"],
        "open_interest_fp": market["open_interest_fp"],
        "dollar_volume": int(state.volume * last),
        "dollar_open_interest": int(state.open_interest * last),
        "yes_bid_size_fp": market["yes_bid_size_fp"],
        "yes_ask_size_fp": market["yes_ask_size_fp"],
        "last_trade_size_fp": wire.count(last_size),
    }


def fill_body(fill: FillRecord, post_position: Decimal) -> dict[str, Any]:
    outcome = serialize.outcome_side(fill.side, fill.action)
    body: dict[str, Any] = {
        "trade_id": str(fill.fill_id),
        "order_id": str(fill.order_id),
        "market_ticker": fill.market_id.symbol,
        "exchange_index": 0,
        "is_taker": fill.is_taker,
        "side": fill.side.value,
        "yes_price_dollars": wire.price(fill.yes_price),
        "count_fp": wire.count(fill.quantity),
        "fee_cost": wire.dollars6(fill.fee),
        "action": fill.action.value,
        "ts": wire.seconds(fill.ts),
        "ts_ms": wire.ms(fill.ts),
        "post_position_fp": wire.count(post_position),
        "purchased_side": outcome.value,
        "outcome_side": outcome.value,
        "book_side": serialize.book_side(fill.side, fill.action),
    }
    if fill.client_order_id is not None:
        body["client_order_id"] = str(fill.client_order_id)
    return body


def user_order_body(
    fe: KalshiFrontEnd, event: OrderAccepted | OrderUpdated | OrderCancelled
) -> dict[str, Any]:
    order = event.order
    full = fe.order_json(order)
    body: dict[str, Any] = {k: full[k] for k in _USER_ORDER_FIELDS}
    body.update(
        user_id=serialize.user_uuid(order.account_id),
        exchange_index=0,
        is_yes=full["outcome_side"] == "yes",
        created_time=iso_ms(order.created_at),
        created_ts_ms=wire.ms(order.created_at),
        last_update_time=iso_ms(order.updated_at),
        last_updated_ts_ms=wire.ms(order.updated_at),
        subaccount_number=0,
    )
    if full["self_trade_prevention_type"] is not None:
        body["self_trade_prevention_type"] = full["self_trade_prevention_type"]
    if order.expiration is not None:
        body["expiration_ts_ms"] = wire.ms(order.expiration)
    if order.group_id is not None:
        body["order_group_id"] = str(order.group_id)
    reason = REASONS.get(event.reason) if isinstance(event, OrderCancelled) else None
    if reason is not None:
        body["last_update_reason"] = reason
    return body


def group_body(event: OrderGroupChanged) -> dict[str, Any]:
    """One ``order_group_updates`` message body: the limit only for created and
    limit_updated (asyncapi ``orderGroupUpdatesPayload``)."""
    body: dict[str, Any] = {
        "event_type": event.event_type,
        "order_group_id": str(event.group.group_id),
        "ts_ms": wire.ms(event.ts),
    }
    if event.event_type in ("created", "limit_updated"):
        body["contracts_limit_fp"] = wire.count(event.group.limit)
    return body


def position_body(account: object, view: PositionView, post_position: Decimal) -> dict[str, Any]:
    return {
        "user_id": serialize.user_uuid(account),
        "market_ticker": view.market_id.symbol,
        "position_fp": wire.count(post_position),
        "position_cost_dollars": wire.dollars6(view.exposure),
        "realized_pnl_dollars": wire.dollars6(view.realized_pnl),
        "fees_paid_dollars": wire.dollars6(view.fees_paid),
        "position_fee_cost_dollars": wire.dollars6(view.fees_paid),
        "volume_fp": wire.count(view.traded),
    }


def trade_msg(event: TradePrinted) -> dict[str, Any]:
    trade = event.trade
    taker = trade.taker_side
    return {
        "type": "trade",
        "msg": {
            "trade_id": str(trade.trade_id),
            "market_ticker": trade.market_id.symbol,
            "yes_price_dollars": wire.price(trade.yes_price),
            "no_price_dollars": wire.price(trade.no_price),
            "count_fp": wire.count(trade.quantity),
            "taker_side": taker.value,
            "taker_outcome_side": taker.value,
            "taker_book_side": "bid" if taker is OrderSide.YES else "ask",
            "is_block_trade": False,
            "ts": wire.seconds(trade.ts),
            "ts_ms": wire.ms(trade.ts),
        },
    }


def lifecycle_msgs(
    event: MarketStatusChanged | MarketSettled | TickSizeChanged,
) -> list[dict[str, Any]]:
    ticker = event.market_id.symbol
    base: dict[str, Any] = {"market_ticker": ticker}
    ts = wire.seconds(event.ts)
    if isinstance(event, TickSizeChanged):
        extra = {
            "event_type": "price_level_structure_updated",
            "price_level_structure": serialize.price_level_structure(event.tick),
            "price_ranges": serialize.price_ranges(event.tick),
        }
        return [{"type": "market_lifecycle_v2", "msg": {**base, **extra}}]
    if isinstance(event, MarketSettled):
        value = "1.0000" if event.result is OrderSide.YES else "0.0000"
        determined = {
            "event_type": "determined",
            "determination_ts": ts,
            "result": event.result.value,
            "settlement_value": value,
        }
        settled = {"event_type": "settled", "settled_ts": ts}
        return [
            {"type": "market_lifecycle_v2", "msg": {**base, **m}} for m in (determined, settled)
        ]
    if event.status is MarketStatus.PAUSED:
        return [
            {
                "type": "market_lifecycle_v2",
                "msg": {**base, "event_type": "deactivated", "is_deactivated": True},
            }
        ]
    if event.status is MarketStatus.OPEN and event.old_status is MarketStatus.PAUSED:
        return [
            {
                "type": "market_lifecycle_v2",
                "msg": {**base, "event_type": "activated", "is_deactivated": False},
            }
        ]
    return []
