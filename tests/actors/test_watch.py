"""``Watch.key``: the conflator does not wake a MarketActor for a book that differs from
the one it last took only where the key does not look. That is safe only if such a book
changes nothing the MarketActor reads: this property checks it against the actor's own
reading code (the best level not only its own, the view's best bid and ask, the mark,
and the strategy's quotes on the book less its own orders)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook, Watch
from predmm.domain.enums import OrderSide
from predmm.domain.ids import MarketId
from predmm.domain.testing import EPOCH, create_test_market
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.maker.view import LiveView, others_top
from predmm.strategies.quoting import compute_quotes

MARKET = create_test_market(market_id="WATCH").freeze()
M: MarketId = MARKET.market_id
PRICES = [Decimal(n) / 100 for n in range(38, 63)]
SIZES = [Decimal(n) for n in (1, 5, 10, 20, 50)]
YES, NO = OrderSide.YES, OrderSide.NO
# the strategies that depend on no draw, built once: hypothesis validates every new
# strategy object, and built afresh in every example they took a third of its time
PRICE, SIZE, KEEP = st.sampled_from(PRICES), st.sampled_from(SIZES), st.booleans()
LADDER_PRICES = st.lists(PRICE, max_size=4, unique=True)
PRICE_OR_NONE = st.none() | PRICE


@st.composite
def ladders(draw: Any) -> list[Level]:
    prices = draw(LADDER_PRICES)
    return [Level(p, draw(SIZE)) for p in sorted(prices, reverse=True)]


def changed(draw: Any, levels: list[Level]) -> list[Level]:
    """The ladder changed anywhere: the first ``keep`` levels kept at their prices (some
    resized), everything after them replaced."""
    keep = draw(st.integers(0, len(levels)))
    head = [lv if draw(KEEP) else Level(lv.price, draw(SIZE)) for lv in levels[:keep]]
    below = [p for p in PRICES if not head or p < head[-1].price]
    tail = draw(st.lists(st.sampled_from(below), max_size=3, unique=True)) if below else []
    return head + [Level(p, draw(SIZE)) for p in sorted(tail, reverse=True)]


def own_price(draw: Any, levels: list[Level]) -> Decimal | None:
    at_a_level = [lv.price for lv in levels]
    return draw(PRICE_OR_NONE | st.sampled_from(at_a_level) if at_a_level else PRICE_OR_NONE)


def reads(book: OrderBook, own: dict[tuple[OrderSide, Decimal], Decimal], sized: bool) -> Any:
    """What the MarketActor reads of ``book`` (``requote_key``, ``_view``, the mark and
    ``_desired``), for a strategy of each fair-value method."""
    method = "microprice" if sized else "mid"
    config = MarketMakingConfig(fair_value_method=method)
    view = LiveView(MARKET, book.best_bid(), book.best_ask(), EPOCH)
    inventory = InventoryTracker(
        market_id=M, yes_contracts=Decimal(30), avg_yes_price=Decimal("0.5")
    )
    return (
        others_top(book.yes_bids, YES, own, sized),
        others_top(book.no_bids, NO, own, sized),
        book.best_bid(),
        book.best_ask(),
        book.mid(),
        compute_quotes(view, inventory, config, book.without(own)),
    )


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(data=st.data(), yes=ladders(), no=ladders(), sized=st.booleans())
def test_books_the_key_does_not_tell_apart_read_the_same(
    data: Any, yes: list[Level], no: list[Level], sized: bool
) -> None:
    draw = data.draw
    own_yes, own_no = own_price(draw, yes), own_price(draw, no)
    yes_size, no_size = draw(SIZE), draw(SIZE)
    own = {}
    if own_yes is not None:
        own[(YES, own_yes)] = yes_size
    if own_no is not None:
        own[(NO, own_no)] = no_size
    watch = Watch(own_yes, own_no, yes_size, no_size, sized)
    before = OrderBook(M, tuple(yes), tuple(no))
    after = OrderBook(M, tuple(changed(draw, yes)), tuple(changed(draw, no)))
    if watch.key(after) == watch.key(before):  # kept by the conflator without a wake-up
        assert reads(after, own, sized) == reads(before, own, sized)


def test_what_the_key_tells_apart() -> None:
    book = OrderBook.from_yes_quotes(
        M, [Level(Decimal("0.48"), Decimal(10))], [Level(Decimal("0.52"), Decimal(10))]
    )

    def resized(size: int) -> OrderBook:
        return attrs.evolve(book, yes_bids=(Level(Decimal("0.48"), Decimal(size)),))

    away = Watch(own_yes=Decimal("0.49"), own_yes_size=Decimal(5))
    at_ours = Watch(own_yes=Decimal("0.48"), own_yes_size=Decimal(5))
    assert away.key(resized(20)) == away.key(book)  # a size where nothing of ours rests
    assert at_ours.key(resized(20)) == at_ours.key(book)  # others still rest beside us
    assert at_ours.key(resized(5)) != at_ours.key(book)  # now only we rest there
    assert Watch(sized=True).key(resized(20)) != Watch(sized=True).key(book)  # microprice
    moved = attrs.evolve(book, yes_bids=(Level(Decimal("0.47"), Decimal(10)),))
    assert away.key(moved) != away.key(book)  # a price always
