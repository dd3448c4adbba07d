"""Exchange records as Kalshi's JSON (openapi.yaml 3.34.0, kalshi-notes.md §5).

Kalshi V2 speaks of one YES book: ``bid`` at p is BUY YES at p; ``ask`` at p is
SELL YES at p, which for a netting venue is BUY NO at 1 - p. ``outcome_side`` is the
contract the order or fill makes the account long (``yes`` ≡ ``bid``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from predmm.domain import Action, MarketStatus, OrderBook, OrderSide, OrderStatus, TickSpec
from predmm.simulator.exchange.model import (
    FillRecord,
    MarketState,
    OrderRecord,
    PositionView,
    SettlementRecord,
)
from predmm.simulator.kalshi import wire

ZERO = Decimal(0)
ONE = Decimal(1)
MARKET_STATUS = {
    MarketStatus.UNOPENED: "initialized",
    MarketStatus.OPEN: "active",
    MarketStatus.PAUSED: "inactive",
    MarketStatus.CLOSED: "closed",
    MarketStatus.SETTLED: "finalized",
}
# the ``status`` filter of GET /markets
STATUS_FILTER = {
    "unopened": MarketStatus.UNOPENED,
    "open": MarketStatus.OPEN,
    "paused": MarketStatus.PAUSED,
    "closed": MarketStatus.CLOSED,
    "settled": MarketStatus.SETTLED,
}
_MARKET_NS = uuid.UUID("6f1d3a52-3c1e-4d0c-9c66-1f0f4f1b2a10")


def market_uuid(ticker: str) -> str:
    """A stable ``market_id`` (websocket messages carry one, format uuid)."""
    return str(uuid.uuid5(_MARKET_NS, ticker))


def user_uuid(account: object) -> str:
    """A stable ``user_id`` for an account (websocket messages carry one, format uuid)."""
    return str(uuid.uuid5(_MARKET_NS, f"user:{account}"))


def outcome_side(side: OrderSide, action: Action) -> OrderSide:
    """The contract an order or fill makes the account long."""
    return side if action is Action.BUY else side.opposite


def book_side(side: OrderSide, action: Action) -> str:
    return "bid" if outcome_side(side, action) is OrderSide.YES else "ask"


def yes_price(side: OrderSide, price: Decimal) -> Decimal:
    return price if side is OrderSide.YES else ONE - price


def order_status(status: OrderStatus) -> str:
    if status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
        return "resting"
    if status is OrderStatus.FILLED:
        return "executed"
    return "canceled"


def price_level_structure(tick: TickSpec) -> str:
    steps = {b.step for b in tick.bands}
    if steps == {Decimal("0.01")}:
        return "linear_cent"
    if steps == {Decimal("0.001")}:
        return "deci_cent"
    if steps == {Decimal("0.01"), Decimal("0.001")}:
        return "tapered_deci_cent"
    return "banded_centi_cent"


def price_ranges(tick: TickSpec) -> list[dict[str, str]]:
    return tick.to_price_ranges()


# -- markets and books ------------------------------------------------------------------


def _top(book: OrderBook, side: OrderSide) -> tuple[Decimal, Decimal]:
    levels = book.bids(side)
    return (levels[0].price, levels[0].size) if levels else (ZERO, ZERO)


def market(state: MarketState, book: OrderBook, now: datetime) -> dict[str, Any]:
    spec = state.spec
    listing = spec.kalshi
    yes_bid, yes_bid_size = _top(book, OrderSide.YES)
    no_bid, no_bid_size = _top(book, OrderSide.NO)
    opened = spec.open_time or now
    closes = spec.close_time or opened + timedelta(days=365)
    last = state.last_price if state.last_price is not None else ZERO
    body: dict[str, Any] = {
        "ticker": spec.market_id.symbol,
        "event_ticker": listing.event_ticker if listing else spec.market_id.symbol,
        "market_type": "binary",
        "title": spec.title,
        "subtitle": listing.subtitle if listing else "",
        "yes_sub_title": listing.yes_sub_title if listing else "Yes",
        "no_sub_title": listing.no_sub_title if listing else "No",
        "created_time": wire.iso(opened),
        "updated_time": wire.iso(opened),
        "open_time": wire.iso(opened),
        "close_time": wire.iso(closes),
        "expected_expiration_time": wire.iso(closes),
        "latest_expiration_time": wire.iso(closes + timedelta(days=7)),
        "settlement_timer_seconds": 3600,
        "status": MARKET_STATUS[state.status],
        "yes_bid_dollars": wire.price(yes_bid),
        "yes_bid_size_fp": wire.count(yes_bid_size),
        "yes_ask_dollars": wire.price(ONE - no_bid),
        "yes_ask_size_fp": wire.count(no_bid_size),
        "no_bid_dollars": wire.price(no_bid),
        "no_ask_dollars": wire.price(ONE - yes_bid),
        "last_price_dollars": wire.price(last),
        "previous_yes_bid_dollars": wire.price(yes_bid),
        "previous_yes_ask_dollars": wire.price(ONE - no_bid),
        "previous_price_dollars": wire.price(last),
        "volume_fp": wire.count(state.volume),
        "volume_24h_fp": wire.count(state.volume),
        "open_interest_fp": wire.count(state.open_interest),
        "result": state.result.value if state.result is not None else "",
        "can_close_early": True,
        "notional_value_dollars": "1.0000",
        "settlement_bounds_type": "default",
        "expiration_value": "",
        "rules_primary": spec.title,
        "rules_secondary": "",
        "price_level_structure": price_level_structure(state.tick),
        "price_ranges": price_ranges(state.tick),
        # the May-June 2026 flag (dropped from the schema on 2026-07-09, notes §4): the
        # simulator still says which of its markets trade fractional contracts
        "fractional_trading_enabled": spec.count_step < ONE,
        "exchange_index": 0,
    }
    if state.result is not None:
        body["settlement_value_dollars"] = wire.price(
            ONE if state.result is OrderSide.YES else ZERO
        )
    return body


def levels_ascending(book: OrderBook, side: OrderSide, depth: int = 0) -> list[list[str]]:
    """``[[price, count], ...]`` ascending by price, best (highest) bid last."""
    levels = book.bids(side)
    if depth > 0:
        levels = levels[:depth]
    return [[wire.price(lv.price), wire.count(lv.size)] for lv in reversed(levels)]


def orderbook(book: OrderBook, depth: int = 0) -> dict[str, Any]:
    return {
        "yes_dollars": levels_ascending(book, OrderSide.YES, depth),
        "no_dollars": levels_ascending(book, OrderSide.NO, depth),
    }


# -- orders and fills -------------------------------------------------------------------


def order(
    record: OrderRecord,
    *,
    stp: str | None,
    maker_cost: Decimal,
    cancel_on_pause: bool = False,
) -> dict[str, Any]:
    """One Order. ``maker_cost`` is the part of the order's fill cost made as maker."""
    yes = yes_price(record.side, record.price)
    body: dict[str, Any] = {
        "order_id": str(record.order_id),
        "user_id": user_uuid(record.account_id),
        "client_order_id": str(record.client_order_id or ""),
        "ticker": record.market_id.symbol,
        "side": record.side.value,
        "action": record.action.value,
        "outcome_side": outcome_side(record.side, record.action).value,
        "book_side": book_side(record.side, record.action),
        "type": "limit",
        "status": order_status(record.status),
        "yes_price_dollars": wire.price(yes),
        "no_price_dollars": wire.price(ONE - yes),
        "fill_count_fp": wire.count(record.filled_quantity),
        "remaining_count_fp": wire.count(record.remaining if record.is_resting else ZERO),
        "initial_count_fp": wire.count(record.quantity),
        "taker_fill_cost_dollars": wire.dollars6(record.cost - maker_cost),
        "maker_fill_cost_dollars": wire.dollars6(maker_cost),
        "taker_fees_dollars": wire.dollars6(record.taker_fees),
        "maker_fees_dollars": wire.dollars6(record.maker_fees),
        "expiration_time": wire.iso(record.expiration) if record.expiration else None,
        "created_time": wire.iso(record.created_at),
        "last_update_time": wire.iso(record.updated_at),
        "self_trade_prevention_type": stp,
        "cancel_order_on_pause": cancel_on_pause or record.cancel_on_pause,
        "subaccount_number": 0,
        "exchange_index": 0,
    }
    if record.group_id is not None:
        body["order_group_id"] = str(record.group_id)
    return body


def fill(record: FillRecord) -> dict[str, Any]:
    yes = record.yes_price
    return {
        "fill_id": str(record.fill_id),
        "trade_id": str(record.fill_id),
        "order_id": str(record.order_id),
        "ticker": record.market_id.symbol,
        "market_ticker": record.market_id.symbol,
        "side": record.side.value,
        "action": record.action.value,
        "outcome_side": outcome_side(record.side, record.action).value,
        "book_side": book_side(record.side, record.action),
        "count_fp": wire.count(record.quantity),
        "yes_price_dollars": wire.price(yes),
        "no_price_dollars": wire.price(ONE - yes),
        "is_taker": record.is_taker,
        "fee_cost": wire.dollars6(record.fee),
        "created_time": wire.iso(record.ts),
        "ts": wire.seconds(record.ts),
        "subaccount_number": 0,
        "exchange_index": 0,
    }


def settlement(record: SettlementRecord, event_ticker: str) -> dict[str, Any]:
    """A ``Settlement`` of ``GET /portfolio/settlements``: counts and costs as settled,
    ``revenue`` and ``value`` (the YES payout) in cents."""
    return {
        "ticker": record.market_id.symbol,
        "event_ticker": event_ticker,
        "market_result": record.result.value,
        "yes_count_fp": wire.count(record.yes),
        "yes_total_cost_dollars": wire.price(record.cost_yes),
        "no_count_fp": wire.count(record.no),
        "no_total_cost_dollars": wire.price(record.cost_no),
        "revenue": wire.cents(record.payout),
        "settled_time": wire.iso(record.ts),
        "fee_cost": wire.price(ZERO),  # no settlement fee on a plain yes/no result
        "value": 100 if record.result is OrderSide.YES else 0,
        "exchange_index": 0,
    }


def fill_summary(fills: Iterable[FillRecord]) -> dict[str, str]:
    """``average_fill_price``/``average_fee_paid`` of a create or amend; empty when
    nothing filled. The average price is in YES terms, like the order's price."""
    fills = list(fills)
    total = sum((f.quantity for f in fills), ZERO)
    if total == ZERO:
        return {}
    notional = sum((f.quantity * f.yes_price for f in fills), ZERO)
    fees = sum((f.fee for f in fills), ZERO)
    return {
        "average_fill_price": wire.price(notional / total),
        "average_fee_paid": wire.price(fees / total),
    }


# -- portfolio --------------------------------------------------------------------------


def market_position(view: PositionView, updated: datetime) -> dict[str, Any]:
    return {
        "ticker": view.market_id.symbol,
        "exchange_index": 0,
        "total_traded_dollars": wire.dollars6(view.traded_dollars),
        "position_fp": wire.count(view.net),
        "market_exposure_dollars": wire.dollars6(view.exposure),
        "realized_pnl_dollars": wire.dollars6(view.realized_pnl),
        "fees_paid_dollars": wire.dollars6(view.fees_paid),
        "last_updated_ts": wire.iso(updated),
    }


def event_position(event_ticker: str, views: Iterable[PositionView]) -> dict[str, Any]:
    views = list(views)
    return {
        "event_ticker": event_ticker,
        "total_cost_dollars": wire.dollars6(sum((v.traded_dollars for v in views), ZERO)),
        "total_cost_shares_fp": wire.count(sum((v.traded for v in views), ZERO)),
        "event_exposure_dollars": wire.dollars6(sum((v.exposure for v in views), ZERO)),
        "realized_pnl_dollars": wire.dollars6(sum((v.realized_pnl for v in views), ZERO)),
        "fees_paid_dollars": wire.dollars6(sum((v.fees_paid for v in views), ZERO)),
    }


def balance(available: Decimal, portfolio_value: Decimal, now: datetime) -> dict[str, Any]:
    return {
        "balance": wire.cents(available),
        "balance_dollars": wire.balance(available),
        "portfolio_value": wire.cents(portfolio_value),
        "updated_ts": wire.seconds(now),
        "balance_breakdown": [{"exchange_index": 0, "balance": wire.balance(available)}],
    }
