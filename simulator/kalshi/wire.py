"""Kalshi's wire formats for numbers and times (kalshi-notes.md §4).

Prices are FixedPointDollars strings with 4 decimals (``"0.5600"``), fees and costs 6
(``"0.017500"``), counts FixedPointCount strings with 2 (``"10.00"``); balances in
integer cents are truncated. Times are ISO-8601 UTC with microseconds and ``Z``.
Request strings are parsed here too: counts accept 0-2 decimals, prices 1-4 (whole-cent
or finer), and anything else is not a number Kalshi would take.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation

_Q4 = Decimal("0.0001")
_Q6 = Decimal("0.000001")
_Q2 = Decimal("0.01")
_COUNT_RE = re.compile(r"^\d{1,12}(\.\d{0,2})?$")
_PRICE_RE = re.compile(r"^\d(\.\d{1,6})?$")


def price(value: Decimal) -> str:
    """A price or other 4-dp dollar amount: ``"0.5600"``."""
    return f"{value.quantize(_Q4):f}"


def balance(value: Decimal) -> str:
    """A balance, floored to the direct member precision of $0.0001: ``"98.0186"``."""
    return f"{value.quantize(_Q4, rounding=ROUND_DOWN):f}"


def dollars6(value: Decimal) -> str:
    """A fee or cost: ``"0.017500"``."""
    return f"{value.quantize(_Q6):f}"


def count(value: Decimal) -> str:
    """A contract count: ``"10.00"`` (signed for positions)."""
    return f"{value.quantize(_Q2):f}"


def cents(value: Decimal) -> int:
    """Integer cents, truncated (``balance``, ``portfolio_value``)."""
    return int((value * 100).to_integral_value(rounding=ROUND_DOWN))


def iso(ts: datetime) -> str:
    """``2026-06-11T06:29:30.164956Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def seconds(ts: datetime) -> int:
    return int(ts.timestamp())


def parse_count(text: str) -> Decimal | None:
    """A FixedPointCount request string (``"10"``, ``"10.0"``, ``"2.50"``), else None."""
    if not _COUNT_RE.match(text):
        return None
    return Decimal(text)


def parse_price(text: str) -> Decimal | None:
    """A FixedPointDollars request string (``"0.56"``, ``"0.5600"``), else None."""
    if not _PRICE_RE.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
        return None
