"""Polymarket JSON of orders, trades, markets and websocket events, from core records.

A Polymarket market is a condition with two tokens. The core holds one binary market
per condition: the YES token is the core's YES side, the NO token its NO side.

UNCONFIRMED in the notes: the units of ``original_size``/``size_matched`` (REST orders)
and ``size`` (REST trades). The OpenAPI reference says 6-decimal fixed point, the
order-management guide and live reports show shares ("10"). Default: shares
(``SizeUnits.SHARES``); ``SizeUnits.FIXED6`` switches to the reference's form.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain import Action, MarketId, OrderSide, OrderStatus
from predmm.simulator.exchange.model import (
    CancelReason,
    MarketSpec,
    OrderRecord,
    TradeRecord,
    TradeStatus,
)
from predmm.simulator.polymarket._shapes import fixed6, num


class SizeUnits(enum.Enum):
    SHARES = "shares"
    FIXED6 = "fixed6"

    def fmt(self, value: Decimal) -> str:
        return num(value) if self is SizeUnits.SHARES else fixed6(value)


def ms(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


def secs(when: datetime) -> int:
    return int(when.timestamp())


@attrs.frozen
class Token:
    """One outcome token: its condition (core market) and which side of it."""

    token_id: str
    market_id: MarketId
    side: OrderSide
    outcome: str

    @property
    def condition_id(self) -> str:
        return self.market_id.symbol


def tokens_of(spec: MarketSpec) -> tuple[Token, Token]:
    listing = spec.polymarket
    assert listing is not None, f"{spec.market_id} has no Polymarket listing"
    yes_label, no_label = listing.outcomes
    return (
        Token(listing.yes_token_id, spec.market_id, OrderSide.YES, yes_label),
        Token(listing.no_token_id, spec.market_id, OrderSide.NO, no_label),
    )


def pseudo_hash(text: str) -> str:
    """A stable 0x + 64 hex id for things that have no EIP-712 hash (flow orders)."""
    return "0x" + hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class OrderMeta:
    """What the front end knows of an order beyond the core's record."""

    order_hash: str
    owner: str  # API key
    maker_address: str
    token: Token
    side: str  # BUY | SELL of ``token``
    order_type: str  # GTC | GTD | FOK | FAK
    expiration: int


def order_status_rest(record: OrderRecord) -> str:
    if record.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
        return "ORDER_STATUS_LIVE"
    if record.status is OrderStatus.FILLED:
        return "ORDER_STATUS_MATCHED"
    if record.cancel_reason is CancelReason.MARKET_CLOSED:  # the market closed to resolve
        return "ORDER_STATUS_CANCELED_MARKET_RESOLVED"
    return "ORDER_STATUS_CANCELED"


def order_status_ws(record: OrderRecord) -> str:
    return order_status_rest(record).removeprefix("ORDER_STATUS_")


def open_order_json(
    meta: OrderMeta, record: OrderRecord, trade_ids: Sequence[str], units: SizeUnits
) -> dict[str, object]:
    return {
        "id": meta.order_hash,
        "status": order_status_rest(record),
        "owner": meta.owner,
        "maker_address": meta.maker_address,
        "market": meta.token.condition_id,
        "asset_id": meta.token.token_id,
        "side": meta.side,
        "original_size": units.fmt(record.quantity),
        "size_matched": units.fmt(record.filled_quantity),
        "price": num(record.price),
        "outcome": meta.token.outcome,
        "expiration": str(meta.expiration),
        "order_type": meta.order_type,
        "associate_trades": list(trade_ids),
        "created_at": secs(record.created_at),
    }


def order_event(
    meta: OrderMeta, record: OrderRecord, kind: str, trade_ids: Sequence[str], now: datetime
) -> dict[str, object]:
    """User channel ``order``: kind is PLACEMENT, UPDATE or CANCELLATION."""
    return {
        "event_type": "order",
        "id": meta.order_hash,
        "owner": meta.owner,
        "market": meta.token.condition_id,
        "asset_id": meta.token.token_id,
        "side": meta.side,
        "order_owner": meta.owner,
        "original_size": num(record.quantity),
        "size_matched": num(record.filled_quantity),
        "price": num(record.price),
        "associate_trades": list(trade_ids) or None,
        "outcome": meta.token.outcome,
        "type": kind,
        "created_at": str(secs(record.created_at)),
        "expiration": str(meta.expiration),
        "order_type": meta.order_type,
        "status": order_status_ws(record),
        "maker_address": meta.maker_address,
        "timestamp": ms(now),
    }


@attrs.frozen
class Party:
    """One side of a trade as Polymarket shows it."""

    order_hash: str
    owner: str
    maker_address: str
    token: Token
    side: str
    price: Decimal


def party_side(action: Action) -> str:
    return "BUY" if action is Action.BUY else "SELL"


def trade_status(status: TradeStatus) -> str:
    return status.value


def tx_hash(trade: TradeRecord) -> str:
    if trade.status is TradeStatus.MATCHED:
        return ""
    return pseudo_hash(f"tx:{trade.trade_id.value}")


@attrs.frozen
class TradeView:
    """One core trade seen by one of its accounts (``mine`` is that account's party)."""

    trade: TradeRecord
    taker: Party
    maker: Party
    trader_side: str  # TAKER | MAKER
    mine: Party
    fee_rate_bps: str = "0"

    def _maker_order(self, units: SizeUnits) -> dict[str, object]:
        m = self.maker
        return {
            "order_id": m.order_hash,
            "owner": m.owner,
            "maker_address": m.maker_address,
            "matched_amount": units.fmt(self.trade.quantity),
            "price": num(m.price),
            "fee_rate_bps": "0",
            "asset_id": m.token.token_id,
            "outcome": m.token.outcome,
            "side": m.side,
        }

    def rest_json(self, units: SizeUnits) -> dict[str, object]:
        t, tk = self.trade, self.taker
        return {
            "id": t.trade_id.value,
            "taker_order_id": tk.order_hash,
            "market": tk.token.condition_id,
            "asset_id": tk.token.token_id,
            "side": tk.side,
            "size": units.fmt(t.quantity),
            "fee_rate_bps": self.fee_rate_bps,
            "price": num(tk.price),
            "status": "TRADE_STATUS_" + trade_status(t.status),
            "match_time": str(secs(t.ts)),
            "last_update": str(secs(t.last_update)),
            "outcome": tk.token.outcome,
            "bucket_index": 0,
            "owner": self.mine.owner,
            "maker_address": self.mine.maker_address,
            "transaction_hash": tx_hash(t),
            "trader_side": self.trader_side,
            "maker_orders": [self._maker_order(units)],
        }

    def ws_json(self, now: datetime) -> dict[str, object]:
        body = self.rest_json(SizeUnits.SHARES)
        body["status"] = trade_status(self.trade.status)
        matchtime = body.pop("match_time")
        body.pop("maker_orders")
        return {
            "event_type": "trade",
            "type": "TRADE",
            **body,
            "matchtime": matchtime,
            "trade_owner": self.mine.owner,
            "maker_orders": [self._maker_order(SizeUnits.SHARES)],
            "timestamp": ms(now),
        }


def last_trade_price_event(trade: TradeView, now: datetime) -> dict[str, object]:
    tk = trade.taker
    return {
        "event_type": "last_trade_price",
        "asset_id": tk.token.token_id,
        "market": tk.token.condition_id,
        "price": num(tk.price),
        "size": num(trade.trade.quantity),
        "fee_rate_bps": "0",
        "side": tk.side,
        "timestamp": ms(now),
        "transaction_hash": tx_hash(trade.trade),
    }
