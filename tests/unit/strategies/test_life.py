"""A market's life as pure rules (``strategies.life``): its phase from status, time and
the selection's verdict; the passive exit that rests at the top of its side without
crossing; the marketable exit near the close."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from predmm.config import MarketMakingConfig
from predmm.domain import Level, OrderBook, TickSpec
from predmm.domain.enums import MarketStatus, OrderSide, OrderType
from predmm.domain.testing import create_test_market
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase, aggressive_exit, passive_exit, phase

D = Decimal
CONFIG = MarketMakingConfig()  # exit window 2 h, marketable inside 0.5 h, above |net| 5
GRIDS = [
    TickSpec.uniform("0.01"),
    TickSpec.polymarket("0.001"),
    TickSpec.from_price_ranges(
        [
            {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
            {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
            {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
        ]
    ),
]


def holding(net: int) -> InventoryTracker:
    return InventoryTracker(market_id="M", net_position=net)


def test_the_phase_follows_status_time_and_selection() -> None:
    def at(hours: float, **kw: object) -> Phase:
        wanted = bool(kw.pop("wanted", True))
        market = create_test_market(hours_to_close=hours, **kw)  # type: ignore[arg-type]
        return phase(market, CONFIG, wanted=wanted)

    assert at(30) is Phase.QUOTING
    assert at(3) is Phase.QUOTING  # near the close: wider, still two-sided
    assert at(2) is Phase.EXITING  # the exit window, inclusive
    assert at(30, wanted=False) is Phase.EXITING  # out of the selection, far from the close
    assert at(0) is Phase.CLOSED  # the close time passed
    assert at(-1, wanted=False) is Phase.CLOSED
    assert at(30, status=MarketStatus.CLOSED) is Phase.CLOSED
    assert at(30, status=MarketStatus.PAUSED) is Phase.CLOSED
    assert at(30, status=MarketStatus.SETTLED) is Phase.CLOSED


def test_the_passive_exit_bids_one_tick_better_for_all_of_the_net_position() -> None:
    market = create_test_market(hours_to_close=1.5, fair_value="0.50", half_spread="0.04")
    long_yes = passive_exit(holding(12), market)  # sell YES: bid NO, 1 - (0.54 - 0.01)
    short_yes = passive_exit(holding(-7), market)  # buy YES back: bid 0.46 + 0.01
    assert long_yes is not None
    assert short_yes is not None
    assert (long_yes.side, long_yes.price, long_yes.size) == (OrderSide.NO, D("0.47"), 12)
    assert (short_yes.side, short_yes.price, short_yes.size) == (OrderSide.YES, D("0.47"), 7)
    tight = create_test_market(fair_value="0.505", half_spread="0.005")  # 0.50 / 0.51
    joined = passive_exit(holding(3), tight)
    assert joined is not None
    assert joined.price == D("0.49")
    assert passive_exit(holding(0), market) is None
    small = attrs.evolve(market, min_order_size=D(5))
    assert passive_exit(holding(4), small) is None  # below the venue's minimum


@given(
    st.sampled_from(GRIDS),
    st.decimals(min_value=D("0.01"), max_value=D("0.98"), places=3),
    st.decimals(min_value=D("0.001"), max_value=D("0.3"), places=3),
    st.integers(-60, 60).filter(bool),
)
def test_a_passive_exit_is_on_the_grid_reduces_and_never_crosses(
    tick: TickSpec, bid: Decimal, width: Decimal, net: int
) -> None:
    ask = min(bid + width, D("0.99"))
    bid, ask = tick.round_bid(bid), tick.round_ask(ask)
    if bid is None or ask is None or bid >= ask:
        return
    book = OrderBook.from_yes_quotes(
        create_test_market().market_id, [Level(bid, D(10))], [Level(ask, D(10))]
    )
    market = attrs.evolve(create_test_market(hours_to_close=1), tick=tick)
    quote = passive_exit(holding(net), market, book)
    if quote is None:
        return
    assert quote.size == abs(net)
    if quote.side is OrderSide.YES:  # buys YES back: short YES
        assert net < 0
        assert tick.is_on_grid(quote.price)
        assert bid <= quote.price < ask
    else:  # a NO bid at q is a YES ask at 1 - q: above the YES bid
        assert net > 0
        assert tick.is_on_grid(1 - quote.price)
        assert bid < 1 - quote.price <= ask


def test_the_marketable_exit_comes_inside_its_window_for_more_than_the_minimum() -> None:
    near = create_test_market(hours_to_close=0.4, fair_value="0.50", half_spread="0.02")
    signal = aggressive_exit(holding(12), near, CONFIG)
    assert signal is not None
    assert (signal.side, signal.target_price, signal.size) == (OrderSide.NO, D("0.52"), 12)
    assert signal.order_type is OrderType.MARKET
    buy_back = aggressive_exit(holding(-8), near, CONFIG)
    assert buy_back is not None
    assert (buy_back.side, buy_back.target_price) == (
        OrderSide.YES,
        D("0.52"),
    )
    assert aggressive_exit(holding(5), near, CONFIG) is None  # |net| 5: the passive order
    far = create_test_market(hours_to_close=1.5)
    assert aggressive_exit(holding(12), far, CONFIG) is None  # passive first
