"""The backtest's skip rule (``strategies.maker.band``): a book update inside the core's
``Band`` is not shown to the core at all. That is safe only if such an update would have
changed nothing the core decides: this property feeds a copy of a quiet core the update
anyway and checks that it sends nothing; and that the update after it, shown to both
(the one that skipped and the one that did not), is decided alike."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import event, given, settings
from hypothesis import strategies as st

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.exposure import Answer, ReserveRequest
from predmm.domain.market import Market, Rewards
from predmm.domain.testing import EPOCH, create_test_market
from predmm.strategies.maker import MarketCore
from predmm.strategies.maker.band import band

MARKET = create_test_market(market_id="BAND").freeze()
# a market paying liquidity rewards: 20 shares within 3.5 cents of the midpoint
REWARDED = attrs.evolve(
    create_test_market(market_id="BANDR", venue=Venue.POLYMARKET).freeze(),
    rewards=Rewards(min_size=Decimal(20), max_spread=Decimal("0.035"), daily_rate=Decimal(500)),
)
CENT = Decimal("0.01")
SIZES = [Decimal(n) for n in (1, 5, 10, 40, 200)]


def grant(requests: tuple[ReserveRequest, ...], mark: Decimal | None) -> tuple[Answer, ...]:
    return tuple(Answer(client_order_id=r.client_order_id, granted=True) for r in requests)


@st.composite
def tops(draw: Any, near: tuple[int, int] | None = None) -> tuple[int, int, Decimal, Decimal]:
    """Everybody else's best YES bid and ask (cents) and their sizes."""
    if near is None:
        bid = draw(st.integers(3, 94))
    else:
        bid = min(94, max(3, near[0] + draw(st.integers(-4, 4))))
    ask = bid + draw(st.integers(1, 4))
    return bid, ask, draw(st.sampled_from(SIZES)), draw(st.sampled_from(SIZES))


def venue_book(core: MarketCore, top: tuple[int, int, Decimal, Decimal]) -> OrderBook:
    """The book the venue shows: everybody else's best levels and our resting quotes."""
    bid, ask, bid_size, ask_size = top
    yes = [Level(Decimal(bid) * CENT, bid_size)]
    no = [Level(1 - Decimal(ask) * CENT, ask_size)]
    for order in core.live.values():
        (yes if order.side is OrderSide.YES else no).append(Level(order.price, order.remaining))
    return OrderBook(core.market.market_id, tuple(yes), tuple(no))


def quiet_core(
    config: MarketMakingConfig,
    first: tuple[int, int, Decimal, Decimal],
    market: Market = MARKET,
) -> MarketCore:
    """A core that quoted on ``first`` and whose quotes the venue accepted."""
    core = MarketCore(market=market, config=config, gate=grant, amend=True, prefix="t-")
    core.on_data(venue_book(core, first), Decimal(0), EPOCH, 0.0)
    accepted = [attrs.evolve(o, status=OrderStatus.OPEN) for o in core.live.values()]
    core.on_orders(accepted, EPOCH, 0.1)
    core.take()
    return core


def holds(core: MarketCore, top: tuple[int, int, Decimal, Decimal]) -> bool:
    found = band(core)
    bid, ask, bid_size, ask_size = top
    no_bid = (100 - ask) / 100
    return found is not None and found.holds(bid / 100, float(bid_size), no_bid, float(ask_size))


configs = st.builds(
    lambda spread, threshold, method: attrs.evolve(
        MarketMakingConfig(),
        min_spread=spread,
        base_spread=spread,
        max_spread=max(spread, Decimal("0.10")),
        price_change_requote_threshold=threshold,
        fair_value_method=method,
    ),
    st.sampled_from([Decimal("0.02"), Decimal("0.04"), Decimal("0.08")]),
    st.sampled_from([Decimal("0.01"), Decimal("0.02"), Decimal("0.03")]),
    st.sampled_from(["mid", "microprice"]),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), config=configs, rewarded=st.booleans())
def test_an_update_inside_the_band_changes_nothing_the_core_decides(
    data: Any, config: MarketMakingConfig, rewarded: bool
) -> None:
    """Also with ``rewards_aware`` on a market that pays liquidity rewards, where a
    quote that left the reward band is requoted whatever the fair value did."""
    if rewarded:
        config = attrs.evolve(config, rewards_aware=True)
    first = data.draw(tops())
    core = quiet_core(config, first, REWARDED if rewarded else MARKET)
    update = data.draw(tops(near=first[:2]))
    after = data.draw(tops(near=update[:2]))
    event(f"inside the band: {holds(core, update)}")  # about a quarter of the examples
    if not holds(core, update):
        return
    shown = copy.deepcopy(core)
    shown.on_data(venue_book(shown, update), Decimal(0), EPOCH, 0.2)
    assert shown.take() == [], (first, update)
    core.on_data(venue_book(core, after), Decimal(0), EPOCH, 0.3)  # it skipped ``update``
    shown.on_data(venue_book(shown, after), Decimal(0), EPOCH, 0.3)
    assert core.take() == shown.take()


@settings(max_examples=60, deadline=None)
@given(first=tops(), config=configs)
def test_a_quiet_quoting_core_has_a_band_around_its_fair_value(
    first: tuple[int, int, Decimal, Decimal], config: MarketMakingConfig
) -> None:
    core = quiet_core(config, first)
    found = band(core)
    if found is None:  # near the edges of the grid, or a side not quoted
        return
    assert core.quoted_fair is not None
    assert found.low < float(core.quoted_fair) < found.high
    stale = copy.deepcopy(core)
    stale.stale = True
    assert band(stale) is None  # a stale core requotes on anything
