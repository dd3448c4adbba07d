"""Fees of the paper venue, against the recorded Kalshi fills and the fee page's example."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from predmm.domain.enums import Venue
from predmm.platforms.paper.fees import (
    KALSHI_MAKER_COEFFICIENT,
    KALSHI_RECORDED_QUANTUM,
    fee_for,
    kalshi_fee,
    no_fee,
    polymarket_fee,
    round_fee,
)

D = Decimal


@pytest.mark.parametrize(
    ("price", "count", "expected"),
    [
        ("0.52", "1", "0.017472"),
        ("0.99", "1", "0.000693"),
        ("0.055", "1", "0.003639"),  # the fee page's worked example 0.00363825
        ("0.50", "100", "1.750000"),
    ],
)
def test_kalshi_taker_fee_is_quadratic_and_ceiled_to_a_millionth(
    price: str, count: str, expected: str
) -> None:
    fee = kalshi_fee()(D(price), D(count), True)
    assert fee == D(expected)
    assert fee.as_tuple().exponent == -6


@pytest.mark.parametrize(("price", "expected"), [("0.52", "0.017500"), ("0.99", "0.000700")])
def test_kalshi_fee_with_the_recorded_quantum_reproduces_the_recorded_fills(
    price: str, expected: str
) -> None:
    fee = kalshi_fee(quantum=KALSHI_RECORDED_QUANTUM)(D(price), D(1), True)
    assert fee == D(expected)
    assert str(fee) == expected


def test_kalshi_makers_pay_nothing_unless_the_series_charges_them() -> None:
    assert kalshi_fee()(D("0.52"), D(10), False) == 0
    maker = kalshi_fee(maker_coefficient=KALSHI_MAKER_COEFFICIENT)
    assert maker(D("0.50"), D(100), False) == D("0.437500")


# py-clob-client-v2's TestPlatformFee vectors (shared/venues/polymarket/test_vectors.json)
V2_VECTORS = [
    ("100", "0.5", "1.5625"),
    ("100", "0.3", "1.1025"),
    ("100", "0.05", "0.05640625"),
    ("100", "0.99", "0.00245025"),
    ("125.5", "0.5", "1.9609375"),
]


@pytest.mark.parametrize(("shares", "price", "expected"), V2_VECTORS)
def test_polymarket_taker_fee_follows_the_v2_vectors(
    shares: str, price: str, expected: str
) -> None:
    fee = polymarket_fee(taker_rate=D("0.25"), exponent=2)(D(price), D(shares), True)
    assert fee == D(expected).quantize(D("0.000001"), rounding=ROUND_HALF_UP)


def test_polymarket_makers_are_free_and_fee_free_markets_are_the_default() -> None:
    assert polymarket_fee()(D("0.40"), D(10), True) == 0
    assert polymarket_fee(taker_rate=D("0.25"), exponent=2)(D("0.40"), D(10), False) == 0


def test_each_venue_has_its_default_fee_function() -> None:
    assert fee_for(Venue.KALSHI)(D("0.52"), D(1), True) == D("0.017472")
    assert fee_for(Venue.POLYMARKET)(D("0.52"), D(1), True) == 0
    assert fee_for(Venue.PAPER) is no_fee


def test_round_fee_rounds_up() -> None:
    assert round_fee(D("0.0000001")) == D("0.000001")
    assert round_fee(D("0.000002")) == D("0.000002")
