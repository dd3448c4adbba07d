"""The simulator paying Polymarket's liquidity rewards and maker rebates
(``simulator.rewards``): minute samples of every account's resting orders, the day's pool
shared by score, maker rebates by fee, paid into the accounts at UTC midnight (at least $1),
money conserved."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from predmm.domain import Action, MarketId, OrderSide, TimeInForce, Venue
from predmm.simulator import Simulator
from predmm.simulator.universe import REWARDS

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
LATE = datetime(2026, 11, 2, 23, 50, tzinfo=UTC)  # ten minutes before midnight
BTC_SLUG = "bitcoin-above-100k-nov-30-2026"  # min 20 shares, 3.5 cents, $500 a day


def _market(sim: Simulator, slug: str) -> MarketId:
    return next(
        s.market_id for s in sim.universe.specs if s.polymarket and s.polymarket.slug == slug
    )


def _run(sim: Simulator, seconds: int) -> None:
    for _ in range(seconds):
        sim.advance(1.0)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=3, flow=False, start=LATE)


def _quote_btc(sim: Simulator) -> tuple[MarketId, object]:
    """The maker 30 a side 1 cent from the midpoint (0.40 / 0.42); another maker 60 a side
    2 cents out (0.39 / 0.43)."""
    btc = _market(sim, BTC_SLUG)
    other = sim.create_trader("lp")
    ex = sim.exchange
    ex.place_order(sim.maker.polymarket_account, btc, YES, D("0.40"), D(30))
    ex.place_order(sim.maker.polymarket_account, btc, NO, D("0.58"), D(30))
    ex.place_order(other.polymarket_account, btc, YES, D("0.39"), D(60))
    ex.place_order(other.polymarket_account, btc, NO, D("0.57"), D(60))
    return btc, other


def test_minute_samples_share_the_pool_and_midnight_pays_it(sim: Simulator) -> None:
    btc, other = _quote_btc(sim)
    cash_before = sim.exchange.balance(sim.maker.polymarket_account).cash
    _run(sim, 9 * 60 + 59)  # 23:59:59
    samples = [s for s in sim.rewards.samples if s.market_id == btc]
    assert len(samples) == 10  # one a minute, 23:50 to 23:59
    ours = samples[0].of(sim.maker.polymarket_account)
    theirs = samples[0].of(other.polymarket_account)
    assert ours is not None
    assert theirs is not None
    assert samples[0].midpoint == D("0.41")
    assert ours.q_one == ours.q_two == (D("2.5") / D("3.5")) ** 2 * 30
    assert theirs.q_one == (D("1.5") / D("3.5")) ** 2 * 60
    assert ours.in_band
    assert theirs.in_band
    assert ours.share + theirs.share == 1
    assert sim.rewards.payments == []  # not before midnight
    _run(sim, 2)
    (mine,) = [p for p in sim.rewards.payments if p.account_id == sim.maker.polymarket_account]
    expected = D(500) / 1440 * ours.share * 10
    assert abs(mine.liquidity - expected) < D("0.000001") * 2
    assert mine.paid_liquidity
    assert mine.day == LATE.date()
    assert sim.exchange.balance(sim.maker.polymarket_account).cash == cash_before + mine.paid
    assert sim.exchange.audit() == []


def test_a_day_below_one_dollar_is_not_paid() -> None:
    """Alone in the book from 23:58: two samples of $500 / 1,440 = $0.69, under the $1
    minimum payout."""
    sim = Simulator(seed=3, flow=False, start=LATE.replace(minute=58))
    btc = _market(sim, BTC_SLUG)
    ex = sim.exchange
    ex.place_order(sim.maker.polymarket_account, btc, YES, D("0.40"), D(30))
    ex.place_order(sim.maker.polymarket_account, btc, NO, D("0.58"), D(30))
    cash = ex.balance(sim.maker.polymarket_account).cash
    sim.advance(100)  # both samples in one step: still taken, at their own seconds
    _run(sim, 30)
    (mine,) = sim.rewards.payments
    assert len(sim.rewards.samples) == 2
    assert mine.liquidity == D("0.694444")
    assert not mine.paid_liquidity
    assert mine.paid == 0
    assert ex.balance(sim.maker.polymarket_account).cash == cash


def test_orders_outside_the_band_or_under_the_minimum_size_earn_nothing(sim: Simulator) -> None:
    """Midpoint 0.41 (the maker's 30 a side at 0.40 / 0.42, walked past 19 shares of dust
    at 0.405 / 0.415): 19 shares do not score, 4 cents out does not score, one side alone
    scores a third."""
    btc = _market(sim, BTC_SLUG)
    small, wide, lone = (sim.create_trader(n) for n in ("small", "wide", "lone"))
    ex = sim.exchange
    ex.place_order(sim.maker.polymarket_account, btc, YES, D("0.40"), D(30))
    ex.place_order(sim.maker.polymarket_account, btc, NO, D("0.58"), D(30))
    ex.place_order(small.polymarket_account, btc, YES, D("0.405"), D(19))  # under 20
    ex.place_order(small.polymarket_account, btc, NO, D("0.585"), D(19))
    ex.place_order(wide.polymarket_account, btc, YES, D("0.37"), D(50))  # 4 cents out
    ex.place_order(wide.polymarket_account, btc, NO, D("0.55"), D(50))
    ex.place_order(lone.polymarket_account, btc, YES, D("0.395"), D(21))  # one side
    _run(sim, 11 * 60)
    sample = sim.rewards.samples[0]
    assert sample.midpoint == D("0.41")
    assert sample.of(small.polymarket_account) is None  # under the minimum: not listed
    wide_score = sample.of(wide.polymarket_account)
    assert wide_score is not None
    assert wide_score.two_sided
    assert not wide_score.in_band
    assert wide_score.q_min == 0
    single = sample.of(lone.polymarket_account)
    assert single is not None
    assert not single.in_band
    assert not single.two_sided
    assert single.q_min == (D(2) / D("3.5")) ** 2 * 21 / 3
    earned = {p.account_id for p in sim.rewards.payments}
    assert earned == {sim.maker.polymarket_account, lone.polymarket_account}


def test_maker_rebates_share_the_days_taker_fees(sim: Simulator) -> None:
    """A taker sells 400 YES into the maker's bid at 0.40: taker fee 400 x 0.07 x 0.24 =
    $6.72; the maker's rebate is 20% of it."""
    btc = _market(sim, BTC_SLUG)
    taker = sim.create_trader("taker")
    ex = sim.exchange
    ex.place_order(sim.maker.polymarket_account, btc, YES, D("0.40"), D(400))
    ex.grant_position(taker.polymarket_account, btc, D(400))
    ex.place_order(
        taker.polymarket_account,
        btc,
        YES,
        D("0.40"),
        D(400),
        action=Action.SELL,
        time_in_force=TimeInForce.IOC,
    )
    _run(sim, 11 * 60)  # confirmed on chain, then midnight
    (mine,) = [p for p in sim.rewards.payments if p.account_id == sim.maker.polymarket_account]
    assert REWARDS[BTC_SLUG].rebate_rate == D("0.2")
    assert mine.rebates == D("1.344")
    assert mine.paid_rebates
    assert sim.exchange.audit() == []


def test_the_same_seed_samples_at_the_same_seconds() -> None:
    times = []
    for _ in range(2):
        sim = Simulator(seed=9, flow=False, start=LATE)
        _quote_btc(sim)
        _run(sim, 300)
        times.append([s.at for s in sim.rewards.samples])
    assert times[0] == times[1]
    assert len(times[0]) == 5
    assert all(60 * k <= t - LATE.timestamp() < 60 * (k + 1) for k, t in enumerate(times[0]))


def test_kalshi_markets_are_not_sampled(sim: Simulator) -> None:
    _run(sim, 120)
    assert {s.market_id.venue for s in sim.rewards.samples} <= {Venue.POLYMARKET}
