"""The calibration measures on hand-built event sequences: when a probe at the touch
fills, its markouts, the fill probability's denominator, and the spread by mid bucket."""

from __future__ import annotations

import pytest

from predmm.backtest.calibration import CalibrationConfig, measure, measure_all
from predmm.backtest.testing import ListSource, book, market
from predmm.domain.enums import MarketStatus, Venue

ONE_PROBE = CalibrationConfig(probe_every_s=10_000.0)  # one probe a side, at the first book


def run(src: ListSource, config: CalibrationConfig = ONE_PROBE):
    return measure(src.markets, src.batches(), config)


def test_a_yes_probe_fills_when_the_ask_reaches_it_and_is_marked_at_the_mids_after():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.51, 100)]))  # bid 0.47, ask 0.49: probes 0.47 / NO 0.51
    src.book(1000, book([(0.46, 50)], [(0.53, 80)]))  # ask 0.47 = our bid: filled at 0.47
    src.book(2000, book([(0.44, 10)], [(0.54, 10)]))  # mid 0.45 (1 s after the fill)
    src.book(11000, book([(0.48, 10)], [(0.50, 10)]))  # mid 0.49 (10 s)
    src.book(40000, book([(0.52, 10)], [(0.46, 10)]))  # bid 0.52 >= NO's 0.49, but 30 s passed
    src.book(100000, book([(0.52, 10)], [(0.46, 10)]))  # the data ends: 5 min not reached
    c = run(src)
    assert [(f.yes, f.price, f.filled_ms - f.placed_ms) for f in c.fills] == [(True, 0.47, 1000)]
    assert c.overall.probes == 2  # the NO probe waited its 30 s in vain
    assert c.overall.fill_probability == 0.5
    assert c.overall.markout(1) == pytest.approx(-2.0)  # 0.45 - 0.47, cents
    assert c.overall.markout(10) == pytest.approx(2.0)
    assert c.overall.markout(60) == pytest.approx(6.0)  # mid 0.53 in force at 61 s
    assert c.overall.markout(300) is None  # past the data: left out
    assert c.summary()["touch"]["markout_5min_c"] is None


def test_a_no_probe_fills_when_the_bid_reaches_it_in_no_terms():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.51, 100)]))  # NO probe at 0.51 (YES ask 0.49)
    src.book(1000, book([(0.48, 100)], [(0.51, 100)]))  # bid 0.48: one tick short
    src.book(2000, book([(0.49, 100)], [(0.50, 100)]))  # bid 0.49 = 1 - 0.51: filled
    src.book(300000, book([(0.40, 100)], [(0.58, 100)]))  # mid 0.41: NO worth 0.59
    src.book(400000, book([(0.40, 100)], [(0.58, 100)]))
    c = run(src)
    assert [(f.yes, f.price, f.filled_ms - f.placed_ms) for f in c.fills] == [(False, 0.51, 2000)]
    assert c.overall.markout(300) == pytest.approx(8.0)  # (1 - 0.41) - 0.51
    assert c.overall.markout(1) == pytest.approx(-0.5)  # mid 0.495 at the fill: NO 0.505


def test_a_probe_cut_short_by_the_close_is_left_out_and_a_closed_market_is_not_probed():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.51, 100)]))
    src.book(1000, book([(0.47, 100)], [(0.51, 100)]))
    src.status(10000, MarketStatus.CLOSED)  # 10 s into the 30 s window
    src.book(20000, book([(0.40, 100)], [(0.58, 100)]))  # after the close: nothing fills
    c = run(src, CalibrationConfig(probe_every_s=5.0))
    assert c.overall.probes == 0
    assert c.fills == ()
    assert c.spread(0.4).samples == 2 * 10  # both tokens, every second while open


def test_prints_fill_from_the_front_of_the_queue_only_when_asked():
    src = ListSource([market()])
    src.book(0, book([(0.47, 30)], [(0.51, 100)]))  # YES probe at 0.47 behind 30
    src.book(1000, book([(0.47, 30)], [(0.51, 100)]))
    src.trade(2000, 0.47, 20, taker=-1)  # a seller to the bid: 10 left ahead
    src.trade(3000, 0.47, 20, taker=1)  # a YES buyer: not a seller to us
    src.trade(4000, 0.47, 15, taker=-1)  # the queue ahead is gone: filled
    src.trade(5000, 0.50, 5, taker=1)  # NO 0.50 < our NO bid 0.51: through it, filled
    with_prints, books_only = measure_all(
        src.markets,
        src.batches(),
        (CalibrationConfig(probe_every_s=10_000, prints=True), ONE_PROBE),
    )
    assert [(f.yes, f.filled_ms - f.placed_ms) for f in with_prints.fills] == [
        (True, 4000),
        (False, 5000),
    ]
    assert books_only.fills == ()


def test_the_queue_ahead_never_exceeds_what_the_level_has_shown_since():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100)], [(0.51, 100)]))
    src.book(1000, book([(0.47, 5)], [(0.51, 100)]))  # 95 left the level: 5 ahead at most
    src.trade(2000, 0.47, 6, taker=-1)
    c = run(src, CalibrationConfig(probe_every_s=10_000, prints=True))
    assert [f.yes for f in c.fills] == [True]


def test_a_delta_is_merged_into_the_book():
    src = ListSource([market()])
    src.book(0, book([(0.47, 100), (0.46, 50)], [(0.51, 100)]))
    src.delta(1000, book([(0.47, 0)], [(0.53, 10)]))  # 0.47 gone, a NO bid at 0.53: ask 0.47
    c = run(src)
    assert [(f.yes, f.price) for f in c.fills] == [(True, 0.47)]


def test_spreads_by_bucket_from_each_tokens_side():
    src = ListSource([market(), market("ONE-SIDED")])
    src.book(0, book([(0.05, 10)], [(0.93, 10)]))  # mid 0.06, 2 c: YES 3,333 bps, NO 213
    src.book(0, book([(0.40, 10)], []), market=1)  # no ask: never sampled
    src.book(3000, book([(0.45, 10)], [(0.54, 10)]))  # mid 0.455, 1 c
    src.book(4000, book([(0.45, 10)], [(0.54, 10)]))
    c = run(src)
    tail, top = c.spread(0.0), c.spread(0.9)
    assert (tail.samples, top.samples) == (3, 3)  # at 0, 1 and 2 s
    assert tail.median_bps == pytest.approx(0.02 / 0.06 * 10_000)
    assert top.median_bps == pytest.approx(0.02 / 0.94 * 10_000)
    assert tail.median_cents == top.median_cents == pytest.approx(2.0)
    middle = c.spread(0.4)  # at 3 s: YES at 0.455 and NO at 0.545
    assert middle.samples == 2
    assert middle.median_bps == pytest.approx((0.01 / 0.455 + 0.01 / 0.545) / 2 * 10_000)
    assert c.spread(0.1).median_bps is None
    assert c.summary()["spread_bps"]["0.1-0.2"] is None


def test_markets_of_one_question_on_two_venues_are_told_apart():
    kalshi = market("K", Venue.KALSHI, title="Q")
    poly = market("P", Venue.POLYMARKET, title="Q")
    src = ListSource([kalshi, poly])
    for t in (0, 40000):
        for i in (0, 1):
            src.book(t, book([(0.47, 100)], [(0.51, 100)]), market=i)
    c = run(src)
    assert sorted(c.per_market) == ["kalshi: Q", "polymarket: Q"]
    assert c.overall.probes == 4
