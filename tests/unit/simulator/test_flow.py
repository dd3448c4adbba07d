"""The seeded flow: the same seed gives the same day; linked markets resolve together;
the markets of one event's mutually exclusive outcomes share one unit of probability and
at most one of them (exactly one, when the event is exhaustive) resolves YES."""

from __future__ import annotations

import functools
from decimal import Decimal

import pytest

from predmm.domain import MarketStatus, OrderSide, Venue
from predmm.simulator import Simulator
from predmm.simulator.exchange.clock import DEFAULT_START
from predmm.simulator.flow import FlowConfig
from predmm.simulator.universe import default_universe

D = Decimal
MINUTES = 20  # the day, in simulated minutes
FAST = FlowConfig(step_s=5.0, jumps_per_h=9.0, noise_rate_per_min=8.0)


def _scripted_day(seed: int):
    universe = default_universe(DEFAULT_START, time_scale=1 / 60)  # resolutions at 8-24 min
    sim = Simulator(seed=seed, universe=universe, flow_config=FAST)
    mm = sim.maker
    kalshi = sim.exchange.market_ids(Venue.KALSHI)[0]
    poly = sim.exchange.market_ids(Venue.POLYMARKET)[0]
    for minute in range(MINUTES):
        for mid, account in ((kalshi, mm.kalshi_account), (poly, mm.polymarket_account)):
            if sim.exchange.status(mid) is MarketStatus.OPEN:
                sim.exchange.cancel_all(account, mid)
                book = sim.exchange.book(mid)
                bid, ask = book.best_bid(), book.best_ask()
                if bid is not None and ask is not None and ask - bid >= D("0.02"):
                    size = D(5) + minute % 3
                    sim.exchange.place_order(account, mid, OrderSide.YES, bid + D("0.01"), size)
                    sim.exchange.place_order(account, mid, OrderSide.NO, 1 - ask + D("0.01"), size)
        for _ in range(12):
            sim.advance(5)
    return sim


@functools.cache
def _day(seed: int) -> Simulator:
    """The scripted day of ``seed``, played once for the tests that only read it."""
    return _scripted_day(seed)


def _fingerprint(sim: Simulator):
    ex = sim.exchange
    trades = [
        (t.market_id, t.yes_price, t.quantity, t.taker.account_id, t.maker.account_id, t.status)
        for t in ex.trades()
    ]
    balances = {a: ex.balance(a) for a in ex.accounts()}
    results = {m.market_id: m.result for m in ex.markets()}
    return trades, balances, results


def test_the_same_seed_replays_the_same_day():
    first, second = _day(11), _scripted_day(11)  # two days played apart
    a, b = _fingerprint(first), _fingerprint(second)
    assert len(a[0]) > 100
    assert any(
        t[3] == first.maker.kalshi_account or t[4] == first.maker.kalshi_account for t in a[0]
    )
    assert a == b
    assert first.exchange.audit() == []
    assert _fingerprint(_day(3))[0] != a[0]  # another seed, another day


def test_linked_markets_resolve_together_with_correlated_prices():
    sim = _day(3)
    links = sim.links()
    assert len(links) == 3
    for markets in (link.markets for link in links):
        venues = {m.venue for m in markets}
        assert venues == {Venue.KALSHI, Venue.POLYMARKET}
        states = [sim.exchange.market(m) for m in markets]
        if any(s.status is MarketStatus.SETTLED for s in states):
            assert all(s.status is MarketStatus.SETTLED for s in states)
            assert len({s.result for s in states}) == 1
    unsettled = [
        e for e in sim.universe.events if sim.exchange.status(e.markets[0]) is MarketStatus.OPEN
    ]
    for event in unsettled:
        for outcome in event.outcomes:
            if len(outcome.markets) == 2:
                fairs = [sim.flow.fair_value(m) for m in outcome.markets]
                assert abs(fairs[0] - fairs[1]) < 0.15
                assert fairs[0] != fairs[1]


def test_exclusive_outcomes_share_one_unit_and_at_most_one_resolves_yes():
    for seed in (3, 4):
        sim = _day(seed)
        for event in sim.universe.events:
            if len(event.outcomes) < 2:
                continue
            results = [sim.exchange.market(o.markets[0]).result for o in event.outcomes]
            assert all(r is not None for r in results)  # resolved within the day
            winners = results.count(OrderSide.YES)
            assert winners == 1 if event.exhaustive else winners <= 1
            for outcome, result in zip(event.outcomes, results, strict=True):
                assert {sim.exchange.market(m).result for m in outcome.markets} == {result}
    fresh = Simulator(seed=1, universe=default_universe(DEFAULT_START))
    for event in fresh.universe.events:
        chances = [fresh.flow.fair_value(o.markets[0]) for o in event.outcomes]
        if len(chances) > 1:  # each market's own offset aside, they add up to one at most
            assert sum(chances) == pytest.approx(1.0 if event.exhaustive else 0.97, abs=0.01)


def test_informed_traders_trade_ahead_of_jumps():
    sim = _day(4)
    informed = {a for a in sim.exchange.accounts() if "informed" in str(a)}
    assert any(t.taker.account_id in informed for t in sim.exchange.trades())
    assert sim.exchange.audit() == []


def test_polymarket_tick_gets_finer_near_the_edges():
    from predmm.simulator.exchange import TickSizeChanged

    sim = Simulator(seed=1, flow_config=FlowConfig(fine_tick_edge=0.7))  # every market qualifies
    seen = []
    sim.exchange.subscribe(seen.append, types=(TickSizeChanged,))
    sim.advance(1)
    cent_markets = [
        s.market_id
        for s in sim.universe.specs
        if s.venue is Venue.POLYMARKET and s.tick.step_at(D("0.5")) == D("0.01")
    ]
    assert sorted(e.market_id for e in seen) == sorted(cent_markets)
    assert all(sim.exchange.tick(m).step_at(D("0.5")) == D("0.001") for m in cent_markets)
