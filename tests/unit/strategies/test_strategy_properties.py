"""Properties every quote leaving the strategy must have."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from predmm.config import MarketMakingConfig
from predmm.domain import Level, OrderBook, TickSpec
from predmm.domain.testing import create_test_market
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import compute_quotes, dynamic_spread, inventory_adjustments

D = Decimal
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
nets = st.integers(-80, 80)


@st.composite
def markets(draw):
    bid = draw(prices)
    ask = draw(prices.filter(lambda a: a > bid))
    return (
        create_test_market(
            liquidity=draw(st.decimals(min_value=0, max_value=50000, places=0)),
            hours_to_close=draw(st.floats(0.1, 400)),
            tick=draw(st.sampled_from(GRIDS)),
        ),
        bid,
        ask,
    )


def _inventory(net: int, config: MarketMakingConfig) -> InventoryTracker:
    return InventoryTracker(market_id="M", net_position=net, max_inventory=config.max_inventory)


@given(markets(), nets, st.sampled_from(["mid", "microprice"]))
def test_quotes_on_grid_in_bounds_never_crossed_and_post_only(m, net, method):
    market, bid, ask = m
    market.best_yes_bid, market.best_yes_ask = bid, ask
    config = MarketMakingConfig(fair_value_method=method)
    book = OrderBook.from_yes_quotes(market.market_id, [Level(bid, D(5))], [Level(ask, D(9))])
    for with_book in (None, book):
        decision = compute_quotes(market, _inventory(net, config), config, with_book)
        assert decision is not None
        yes, no = decision.yes_bid, decision.no_bid
        for q in decision.quotes():
            assert market.tick.is_on_grid(q.price)
            assert market.tick.is_on_grid(1 - q.price)
            assert 0 < q.size <= config.quote_size
        if yes is not None:
            assert yes.price < ask  # rests: never crosses the book
        if no is not None:
            assert 1 - no.price > bid
        if yes is not None and no is not None:
            assert yes.price + no.price < 1  # we never cross ourselves


@given(markets(), nets)
def test_spread_stays_within_min_and_max(m, net):
    market, _, _ = m
    config = MarketMakingConfig()
    spread = dynamic_spread(market, _inventory(net, config), config)
    assert config.min_spread <= spread <= config.max_spread


@given(nets, nets)
def test_adjustments_are_monotonic_in_inventory(a, b):
    config = MarketMakingConfig()
    lo, hi = sorted((a, b))
    lo_bid, lo_ask = inventory_adjustments(_inventory(lo, config), config)
    hi_bid, hi_ask = inventory_adjustments(_inventory(hi, config), config)
    assert hi_bid <= lo_bid
    assert hi_ask <= lo_ask


@given(nets)
def test_side_that_would_pass_max_inventory_is_not_quoted(net):
    config = MarketMakingConfig(max_inventory=30, rebalance_threshold=20)
    market = create_test_market(liquidity=D("15000"))
    decision = compute_quotes(market, _inventory(net, config), config)
    assert decision is not None
    if decision.yes_bid is not None:
        assert net + decision.yes_bid.size <= config.max_inventory
    else:
        assert net >= config.max_inventory
    if decision.no_bid is not None:
        assert net - decision.no_bid.size >= -config.max_inventory
    else:
        assert net <= -config.max_inventory
