"""Polymarket's JSON shapes: books and their hash, fees, numbers as strings."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

import attrs

FEE_PLACES = Decimal("0.00001")  # fees are rounded to 5 dp (third-party notes)


def num(value: Decimal | int) -> str:
    """A decimal as Polymarket writes it: no exponent, no trailing zeros ("0.5", "100")."""
    d = Decimal(value)
    if d == 0:
        return "0"
    text = f"{d.normalize():f}"
    return text


def fixed6(value: Decimal) -> str:
    """Shares or collateral in 6-decimal fixed point, as an integer string."""
    return str(int((value * 1_000_000).to_integral_value()))


def taker_fee(shares: Decimal, price: Decimal, rate: Decimal, exponent: Decimal) -> Decimal:
    """V2 taker fee in collateral: shares * rate * (p(1-p))^e; makers pay nothing."""
    base = price * (1 - price)
    if exponent == exponent.to_integral_value():
        factor = base ** int(exponent)
    else:  # fractional exponents are not used by any market we model; keep exact when we can
        factor = Decimal(str(float(base) ** float(exponent)))
    return shares * rate * factor


def rounded_fee(fee: Decimal) -> Decimal:
    return fee.quantize(FEE_PLACES, rounding=ROUND_HALF_EVEN)


@attrs.frozen
class Level:
    price: Decimal
    size: Decimal

    def to_json(self) -> dict[str, str]:
        return {"price": num(self.price), "size": num(self.size)}


def live_order(bids: Iterable[Level], asks: Iterable[Level]) -> tuple[list[Level], list[Level]]:
    """The live wire order: bids ascending, asks descending, best level last."""
    return sorted(bids, key=lambda lv: lv.price), sorted(asks, key=lambda lv: -lv.price)


def spec_order(bids: Iterable[Level], asks: Iterable[Level]) -> tuple[list[Level], list[Level]]:
    """The OpenAPI text's order: bids descending, asks ascending, best level first."""
    live_bids, live_asks = live_order(bids, asks)
    return live_bids[::-1], live_asks[::-1]


def book_hash(summary: dict[str, object]) -> str:
    """sha1 hex of the compact JSON of the summary with ``hash`` blanked, key order kept."""
    blank = {**summary, "hash": ""}
    text = json.dumps(blank, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@attrs.frozen
class BookView:
    """What ``/book`` shows of one token."""

    market: str
    asset_id: str
    timestamp_ms: int
    bids: Sequence[Level]
    asks: Sequence[Level]
    min_order_size: Decimal
    tick_size: Decimal
    neg_risk: bool
    last_trade_price: Decimal | None
    best_first: bool = False  # True: the OpenAPI text's order instead of the live one

    def summary(self) -> dict[str, object]:
        order = spec_order if self.best_first else live_order
        bids, asks = order(self.bids, self.asks)
        body: dict[str, object] = {
            "market": self.market,
            "asset_id": self.asset_id,
            "timestamp": str(self.timestamp_ms),
            "hash": "",
            "bids": [lv.to_json() for lv in bids],
            "asks": [lv.to_json() for lv in asks],
            "min_order_size": num(self.min_order_size),
            "tick_size": num(self.tick_size),
            "neg_risk": self.neg_risk,
            "last_trade_price": "" if self.last_trade_price is None else num(self.last_trade_price),
        }
        body["hash"] = book_hash(body)
        return body

    def best_bid(self) -> Decimal | None:
        return max((lv.price for lv in self.bids), default=None)

    def best_ask(self) -> Decimal | None:
        return min((lv.price for lv in self.asks), default=None)
