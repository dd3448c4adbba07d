"""``rewards_aware``: the quotes brought into the reward band and up to its minimum size
(``strategies.rewards.reward_quotes``), where the limits allow; worked cases and
properties."""

from decimal import Decimal

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from predmm.config import MarketMakingConfig
from predmm.domain import Level, OrderBook, OrderSide, TickSpec
from predmm.domain.market import Rewards
from predmm.domain.testing import create_test_market
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.market_making import MarketMakingStrategy
from predmm.strategies.quoting import Quote, compute_quotes
from predmm.strategies.reward_score import reward_midpoint
from predmm.strategies.rewards import leaves_band, reward_quotes

D = Decimal
ON = MarketMakingConfig(rewards_aware=True)
REWARDS = Rewards(min_size=D(20), max_spread=D("0.035"), daily_rate=D(500))


def _market(rewards=REWARDS, hours=48.0, tick="0.01", liquidity="15000"):
    market = create_test_market(hours_to_close=hours, tick=tick, liquidity=liquidity)
    market.rewards = rewards
    return market


def _book(market, bid, ask, size=100):
    return OrderBook.from_yes_quotes(
        market.market_id, [Level(D(bid), D(size))], [Level(D(ask), D(size))]
    )


def _inv(net=0, config=ON):
    return InventoryTracker(market_id="M", net_position=net, max_inventory=config.max_inventory)


def _quote(market, book, config=ON, net=0):
    inventory = _inv(net, config)
    decision = compute_quotes(market, inventory, config, book)
    return decision, reward_quotes(decision, market, inventory, config, book)


def test_a_wide_quote_moves_to_half_the_band_at_the_minimum_size():
    """Fair 0.50, 4 h to close: spread 0.04 x 2 = 0.08, bid 0.46 / ask 0.54, 4 cents out
    with a 3.5-cent band. Half the band, 1.75 cents, rounded away onto the cent grid:
    0.48 / 0.52 (NO bid 0.48), 20 contracts (the rewards' minimum) instead of 10."""
    market = _market(hours=4)
    before, after = _quote(market, _book(market, "0.45", "0.55"))
    assert (before.yes_bid.price, before.no_bid.price) == (D("0.46"), D("0.46"))
    assert (after.yes_bid.price, after.no_bid.price) == (D("0.48"), D("0.48"))
    assert after.yes_bid.size == after.no_bid.size == 20


def test_off_by_default_and_without_rewards_nothing_changes():
    market = _market(hours=4)
    book = _book(market, "0.45", "0.55")
    before, after = _quote(market, book, config=MarketMakingConfig())
    assert after == before
    bare = _market(rewards=None, hours=4)
    before, after = _quote(bare, book)
    assert after == before
    rebates_only = _market(rewards=Rewards(rebate_share=D("0.2")), hours=4)
    before, after = _quote(rebates_only, book)
    assert after == before


def test_a_quote_already_in_the_band_keeps_its_price_and_gets_the_size():
    market = _market()  # 48 h, liquid: spread 0.04, bid 0.48 / ask 0.52
    before, after = _quote(market, _book(market, "0.45", "0.55"))
    assert after.yes_bid.price == before.yes_bid.price == D("0.48")
    assert after.no_bid.price == before.no_bid.price
    assert after.yes_bid.size == 20


def test_the_skew_wins_on_the_side_that_adds_to_the_position():
    """Long 25 YES, 4 h to close: spread 0.04 x 2 x 1.3 = 0.104 and both prices 0.02
    lower: bid 0.42, ask 0.54 (rounded up). The YES bid, which would add to the position,
    stays where the skew put it, at its size; the YES ask (the NO bid), which reduces it,
    comes in to 0.52 at 20."""
    config = attrs.evolve(ON, max_spread=D("0.2"))
    market = _market(hours=4)
    before, after = _quote(market, _book(market, "0.40", "0.60"), config=config, net=25)
    assert (before.yes_bid.price, before.no_bid.price) == (D("0.42"), D("0.46"))
    assert after.yes_bid == before.yes_bid
    assert (after.no_bid.price, after.no_bid.size) == (D("0.48"), 20)


def test_no_room_for_the_minimum_size_keeps_the_strategy_size():
    config = MarketMakingConfig(
        rewards_aware=True,
        max_inventory=15,
        inventory_skew_threshold=10,
        rebalance_threshold=12,
        max_position_size=15,
    )
    market = _market(hours=4)
    _, after = _quote(market, _book(market, "0.45", "0.55"), config=config)
    assert after.yes_bid.size == after.no_bid.size == 10
    assert after.yes_bid.price == D("0.48")  # the price still comes in


def test_a_band_narrower_than_min_spread_moves_nothing_unless_allowed():
    """A 1-cent band (2 cents wide) cannot hold a 2-cent min spread."""
    narrow = Rewards(min_size=D(20), max_spread=D("0.01"), daily_rate=D(500))
    market = _market(rewards=narrow, hours=4, tick="0.001")
    book = _book(market, "0.45", "0.55")
    before, after = _quote(market, book)
    assert (after.yes_bid.price, after.no_bid.price) == (before.yes_bid.price, before.no_bid.price)
    allowed = attrs.evolve(ON, rewards_below_min_spread=True)
    _, tight = _quote(market, book, config=allowed)
    ask = 1 - tight.no_bid.price
    assert (tight.yes_bid.price, ask) == (D("0.495"), D("0.505"))  # half the band
    assert ask - tight.yes_bid.price < allowed.min_spread


def test_the_strategy_object_quotes_with_the_rule():
    market = _market(hours=4)
    strategy = MarketMakingStrategy(config=ON)
    decision = strategy.quote(market, _book(market, "0.45", "0.55"))
    assert decision.yes_bid.price == D("0.48")
    assert decision.yes_bid.size == 20


def test_a_live_quote_that_left_the_band_asks_for_a_requote():
    """The midpoint is 0.53: a live YES bid at 0.48 is 5 cents away, out of the 3.5-cent
    band, while the wanted one (0.51) is in it: requote now, whatever the price-move
    threshold says. A live quote partly filled under the minimum size asks for one too;
    one the skew keeps out of the band, or the same as wanted, does not."""
    market = _market()
    book = _book(market, "0.51", "0.55")  # adjusted midpoint 0.53
    wanted = {OrderSide.YES: Quote(OrderSide.YES, D("0.51"), D(20))}
    assert leaves_band(wanted, {OrderSide.YES: (D("0.48"), D(20))}, market, ON, book)
    assert leaves_band(wanted, {OrderSide.YES: (D("0.51"), D(12))}, market, ON, book)
    assert not leaves_band(wanted, {OrderSide.YES: (D("0.51"), D(20))}, market, ON, book)
    assert not leaves_band(wanted, {OrderSide.YES: (D("0.50"), D(20))}, market, ON, book)
    off = MarketMakingConfig()
    assert not leaves_band(wanted, {OrderSide.YES: (D("0.48"), D(20))}, market, off, book)
    held_out = {OrderSide.YES: Quote(OrderSide.YES, D("0.47"), D(10))}  # the skew keeps it
    assert not leaves_band(held_out, {OrderSide.YES: (D("0.48"), D(10))}, market, ON, book)
    no_side = {OrderSide.NO: Quote(OrderSide.NO, D("0.45"), D(20))}  # a YES ask at 0.55
    assert leaves_band(no_side, {OrderSide.NO: (D("0.42"), D(20))}, market, ON, book)


# properties ------------------------------------------------------------------------

GRIDS = [
    TickSpec.uniform("0.01"),
    TickSpec.polymarket("0.001"),
    TickSpec.polymarket("0.1"),
    TickSpec.from_price_ranges(
        [
            {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
            {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
            {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
        ]
    ),
]
prices = st.decimals(min_value=D("0.005"), max_value=D("0.995"), places=3)
spreads = st.decimals(min_value=D("0.005"), max_value=D("0.06"), places=3)
sizes = st.integers(1, 200).map(D)


@st.composite
def cases(draw):
    bid = draw(prices)
    ask = draw(prices.filter(lambda a: a > bid))
    tick = draw(st.sampled_from(GRIDS))
    market = create_test_market(
        liquidity=draw(st.decimals(min_value=0, max_value=50000, places=0)),
        hours_to_close=draw(st.floats(0.1, 400)),
        tick=tick,
    )
    market.best_yes_bid, market.best_yes_ask = bid, ask
    market.rewards = Rewards(
        min_size=draw(st.integers(0, 80).map(D)),
        max_spread=draw(spreads),
        daily_rate=D(100),
    )
    book = OrderBook.from_yes_quotes(
        market.market_id,
        [Level(bid, draw(sizes)), Level(bid - D("0.001"), draw(sizes))],
        [Level(ask, draw(sizes))],
    )
    config = MarketMakingConfig(
        rewards_aware=True,
        rewards_below_min_spread=draw(st.booleans()),
        min_spread=draw(st.sampled_from([D("0.01"), D("0.02"), D("0.03")])),
    )
    return market, book, config, draw(st.integers(-80, 80))


def _yes_ask(decision):
    return None if decision.no_bid is None else 1 - decision.no_bid.price


def _room(side, inventory, config):
    net = inventory.net_position if side is OrderSide.YES else -inventory.net_position
    unpaired = inventory.contracts(side) - inventory.matched_pairs
    return min(config.max_inventory - net, config.max_position_size - unpaired)


@given(cases())
def test_quotes_stay_on_grid_uncrossed_post_only_and_within_the_limits(case):
    market, book, config, net = case
    inventory = _inv(net, config)
    before = compute_quotes(market, inventory, config, book)
    after = reward_quotes(before, market, inventory, config, book)
    assert after is not None
    assert before is not None
    assert {q.side for q in after.quotes()} == {q.side for q in before.quotes()}
    for q in after.quotes():
        assert market.tick.is_on_grid(q.price)
        assert market.tick.is_on_grid(1 - q.price)
        assert 0 < q.size <= max(_room(q.side, inventory, config), D(config.quote_size))
        assert q.size <= _room(q.side, inventory, config)  # max_inventory, max_position_size
    bid, ask = after.yes_bid, _yes_ask(after)
    if bid is not None:
        assert bid.price < book.best_ask()
        assert bid.price >= before.yes_bid.price
    if ask is not None:
        assert ask > book.best_bid()
        assert ask <= _yes_ask(before)
    if bid is not None and ask is not None:
        assert bid.price < ask  # YES bid + NO bid < 1: never crossed with ourselves
        floor = min(config.min_spread, _yes_ask(before) - before.yes_bid.price)
        if not config.rewards_below_min_spread:
            assert ask - bid.price >= floor


@st.composite
def calm_books(draw):
    """A flat position in a two-sided book whose best levels sit outside the band, on a
    grid fine enough for the band: the limits allow both quotes into it."""
    tick = draw(st.sampled_from(["0.01", "0.001"]))
    v = draw(st.sampled_from([D("0.03"), D("0.035"), D("0.045"), D("0.05")]))
    places = 2 if tick == "0.01" else 3
    center = draw(st.decimals(min_value=D("0.15"), max_value=D("0.85"), places=places))
    width = draw(st.decimals(min_value=v, max_value=D("0.12"), places=places))
    min_size = draw(st.integers(0, 40).map(D))
    market = create_test_market(
        fair_value=center,
        hours_to_close=draw(st.floats(2.5, 100)),
        tick=tick,
        liquidity=draw(st.sampled_from(["6000", "15000"])),
    )
    market.rewards = Rewards(min_size=min_size, max_spread=v, daily_rate=D(500))
    depth = D(max(int(min_size), 1))
    book = OrderBook.from_yes_quotes(
        market.market_id,
        [Level(center - width, depth + 10)],
        [Level(center + width, depth + 10)],
    )
    return market, book, draw(st.integers(-9, 9))


@given(calm_books())
def test_inside_the_band_at_the_minimum_size_when_the_limits_allow(case):
    market, book, net = case
    inventory = _inv(net)
    decision = reward_quotes(
        compute_quotes(market, inventory, ON, book), market, inventory, ON, book
    )
    assert decision is not None
    assert decision.yes_bid is not None
    assert decision.no_bid is not None
    mid = reward_midpoint(book, market.rewards.min_size)
    v = market.rewards.max_spread
    assert mid - decision.yes_bid.price < v
    assert _yes_ask(decision) - mid < v
    for q in decision.quotes():
        assume(_room(q.side, inventory, ON) >= market.rewards.min_size)
        assert q.size >= market.rewards.min_size
