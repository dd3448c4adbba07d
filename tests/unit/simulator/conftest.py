"""Fixtures of the matching-core tests: a bare exchange with one market per venue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from predmm.domain import EventId, MarketId, Venue
from predmm.simulator.exchange import AccountId, Exchange, SimClock
from predmm.simulator.exchange.clock import DEFAULT_START
from predmm.simulator.universe import kalshi_spec, polymarket_spec

D = Decimal


@attrs.frozen
class World:
    exchange: Exchange
    clock: SimClock
    kalshi: MarketId
    poly: MarketId
    k1: AccountId
    k2: AccountId
    k3: AccountId
    p1: AccountId
    p2: AccountId
    p3: AccountId


def make_world(*, maker_fees: bool = False, poly_rate: str = "0", cash: str = "1000") -> World:
    clock = SimClock(DEFAULT_START)
    ex = Exchange(clock=clock, seed=7)
    end = DEFAULT_START + timedelta(hours=5)
    kspec = kalshi_spec(
        "KXTEST-26-T1",
        "test",
        event=EventId("E"),
        start=DEFAULT_START,
        close=end,
        series="KXTEST",
        fee_type="quadratic_with_maker_fees" if maker_fees else "quadratic",
        fractional=True,  # counts in steps of 0.01, as on Kalshi's fractional markets
    )
    pspec = polymarket_spec(
        "test", "test?", event=EventId("E"), start=DEFAULT_START, close=end, fee_rate=poly_rate
    )
    pspec = attrs.evolve(pspec, min_order_size=D("0.01"))
    ex.list_market(kspec)
    ex.list_market(pspec)
    ks = [ex.open_account(Venue.KALSHI, f"k{i}", D(cash)) for i in (1, 2, 3)]
    ps = [ex.open_account(Venue.POLYMARKET, f"p{i}", D(cash)) for i in (1, 2, 3)]
    return World(ex, clock, kspec.market_id, pspec.market_id, *ks, *ps)


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def world_factory() -> object:
    return make_world
