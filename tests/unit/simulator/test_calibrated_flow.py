"""The calibrated flow against the real venues' figures, on short seeded days: a naive maker
at the touch is adversely selected (negative five-minute markouts, as Bhosale 2026 finds
on every market), quoted spreads by mid have Dubach 2026's shape, informed flow moves
the price after it trades; the easy profile, kept for comparison, is the opposite."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs
import pytest

from predmm.backtest.calibration import CalibrationConfig, measure_all
from predmm.backtest.sources.sim import SimDay
from predmm.domain import MarketStatus, OrderSide
from predmm.simulator import Simulator
from predmm.simulator.exchange.clock import DEFAULT_START
from predmm.simulator.flow import FlowConfig
from predmm.simulator.universe import MarketFlow, default_universe

SEED = 1
MINUTES = 20
TAPE_MINUTES = 10  # second by second: 109 informed trades, 739 noise (seed 1)
BOOKS, PRINTS = CalibrationConfig(), CalibrationConfig(prints=True)


def _day(profile: str):
    day = SimDay(seed=SEED, duration_s=MINUTES * 60, flow=FlowConfig.named(profile))
    return measure_all(day.markets, day.batches(), (BOOKS, PRINTS))


@pytest.fixture(scope="module")
def calibrated():
    return _day("calibrated")


def test_a_naive_maker_at_the_touch_is_picked_off(calibrated):
    books, prints = calibrated
    assert prints.overall.markout_counts[300] > 500
    assert prints.overall.markout(300) < 0  # the tape's fills: worse after five minutes
    assert books.overall.markout(300) < 0  # the fills the real books can show
    assert 0.2 <= prints.overall.fill_probability <= 0.5  # Bhosale: 36 % within 30 s


def test_the_easy_profile_pays_any_maker_near_the_mid():
    books, prints = _day("easy")
    assert prints.overall.markout(300) > 0.5  # cents a contract: the half spread, kept
    assert books.overall.fill_probability < 0.05  # the quotes hardly move


def test_quoted_spreads_are_a_few_cents_at_mid_and_widest_relative_to_a_cheap_token(calibrated):
    books, _ = calibrated
    bps = [books.spread(low).median_bps for low in (0.1, 0.2, 0.4, 0.6, 0.8)]
    assert all(b is not None for b in bps)
    assert bps == sorted(bps, reverse=True)
    assert 1000 <= books.spread(0.1).median_bps <= 2000  # Dubach: 1,339
    assert 300 <= books.spread(0.4).median_bps <= 500  # Dubach: 400
    assert 1.0 <= books.spread(0.4).median_cents <= 3.0
    assert 150 <= books.spread(0.8).median_bps <= 300  # Dubach: 222


def _tape(sim: Simulator, seconds: int):
    """Per second: every market's book mid; and every trade: (second, market, taker
    account, +1 bought YES / -1 bought NO)."""
    mids: dict[object, list[Decimal | None]] = defaultdict(list)
    trades = []
    for second in range(seconds):
        before = len(sim.exchange.trades())
        sim.advance(1)
        for t in sim.exchange.trades()[before:]:
            sign = 1 if t.taker_side is OrderSide.YES else -1
            trades.append((second, t.market_id, str(t.taker.account_id), sign))
        for m in sim.exchange.market_ids():
            mids[m].append(sim.exchange.book(m).mid())
    return mids, trades


def _follow_through(mids, trades, role: str, horizon: int = 60) -> float:
    """The mean move of the mid ``horizon`` s after a trade by ``role``, in the direction
    the trade took, cents."""
    moves = []
    for second, market, account, sign in trades:
        if role in account and second + horizon < len(mids[market]):
            before, after = mids[market][second - 1], mids[market][second + horizon]
            if second and before is not None and after is not None:
                moves.append(float(after - before) * sign * 100)
    assert len(moves) > 20
    return sum(moves) / len(moves)


def test_informed_flow_moves_the_price_after_it_trades_and_noise_leans_its_way():
    sim = Simulator(seed=SEED, universe=default_universe(DEFAULT_START, history=True))
    mids, trades = _tape(sim, TAPE_MINUTES * 60)
    informed = _follow_through(mids, trades, "informed")
    noise = _follow_through(mids, trades, "noise")
    assert informed > noise > 0
    easy = Simulator(seed=SEED, flow_config=FlowConfig.easy())
    easy_mids, easy_trades = _tape(easy, TAPE_MINUTES * 60)
    assert abs(_follow_through(easy_mids, easy_trades, "noise")) < noise / 2


def test_a_market_s_own_flow_parameters_make_it_busier_and_wider():
    base = default_universe(DEFAULT_START)
    busy, quiet = base.specs[0].market_id, base.specs[2].market_id
    flows = {busy: MarketFlow(activity=4.0, width=2.0), quiet: MarketFlow(activity=0.25)}
    sim = Simulator(seed=SEED, universe=attrs.evolve(base, flow=flows))
    spreads: dict[object, list[Decimal]] = defaultdict(list)
    for _ in range(300):
        sim.advance(1)
        for m in (busy, quiet):
            book = sim.exchange.book(m)
            bid, ask = book.best_bid(), book.best_ask()
            if bid is not None and ask is not None and sim.exchange.status(m) is MarketStatus.OPEN:
                spreads[m].append(ask - bid)
    trades = {m: len(sim.exchange.trades(m)) for m in (busy, quiet)}
    assert trades[busy] > 4 * trades[quiet]
    median = {m: sorted(s)[len(s) // 2] for m, s in spreads.items()}
    assert median[busy] >= 2 * median[quiet]


def test_the_providers_price_an_exclusive_event_s_outcomes_on_one_unit():
    """The football match is a neg-risk event of three outcomes, exactly one of which
    happens. Given values that add up to 1.5, the traders act on each outcome's share of
    the one unit: the three markets' books add up to about one, each near its share."""
    base = default_universe(DEFAULT_START)
    match = next(e for e in base.events if e.exhaustive)
    given = (0.75, 0.45, 0.3)
    outcomes = tuple(attrs.evolve(o, fair=f) for o, f in zip(match.outcomes, given, strict=True))
    events = tuple(attrs.evolve(e, outcomes=outcomes) if e is match else e for e in base.events)
    sim = Simulator(seed=SEED, universe=attrs.evolve(base, events=events))
    markets = [o.markets[0] for o in outcomes]
    for _ in range(10):
        sim.advance(30)
        mids = [(b.best_bid() + b.best_ask()) / 2 for b in map(sim.exchange.book, markets)]
        assert abs(sum(mids) - 1) < Decimal("0.08")
    for market, mid, value in zip(markets, mids, given, strict=True):
        assert float(mid) == pytest.approx(value / sum(given), abs=0.06)
        assert float(mid) == pytest.approx(sim.flow.fair_value(market), abs=0.06)
