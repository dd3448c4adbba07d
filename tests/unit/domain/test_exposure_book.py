"""The PortfolioActor's exposure book on its own: quotes held together or checked one
by one, an amend held beside its order, a fill moving a reservation into the position,
linked markets summed per event and per venue and back to nothing, by difference."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.config.risk import EventLink
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.exposure import AmendSettled, ExposureBook, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId
from predmm.domain.orders import Fill
from predmm.domain.risk import NONE, Limits, Terms
from predmm.strategies.fills import apply_fill
from predmm.strategies.inventory import InventoryTracker

D = Decimal
K = MarketId(Venue.KALSHI, "K")
P = MarketId(Venue.POLYMARKET, "P")
LIMITS = Limits(
    market_contracts=D(10),
    market_loss=D(100),
    event_contracts=D(100),
    event_loss=D(100),
    venue_loss=D(100),
    total_loss=D(100),
)


def _book() -> ExposureBook:
    return ExposureBook(LIMITS, (EventLink(event_id=EventId("E"), markets=(K, P)),))


def _buy(
    coid: str, side: OrderSide, quantity: int, price: str, replaces: bool = False
) -> ReserveRequest:
    terms = Terms(side=side, action=Action.BUY, price=D(price), quantity=D(quantity))
    return ReserveRequest(client_order_id=ClientOrderId(coid), terms=terms, replaces=replaces)


def _closed(coid: str, filled: int = 0) -> OrderClosed:
    return OrderClosed(client_order_id=ClientOrderId(coid), filled_quantity=D(filled))


def test_quotes_are_held_together_only_when_together_they_pass_no_limit() -> None:
    book = _book()
    quotes = (_buy("y", OrderSide.YES, 6, "0.40"), _buy("n", OrderSide.NO, 6, "0.50"))
    assert book.reserve_together(K, quotes)
    assert len(book.reservations) == 2
    before = book.market_exp[K]
    more = (_buy("y2", OrderSide.YES, 3, "0.40"), _buy("y3", OrderSide.YES, 3, "0.40"))
    assert not book.reserve_together(K, more)  # 12 YES would pass 10: nothing held
    assert (len(book.reservations), book.market_exp[K]) == (2, before)
    assert book.breach(K, more[0].terms) is None  # each alone still passes
    assert "market contracts 11" in str(book.breach(K, _buy("y4", OrderSide.YES, 5, "0.40").terms))


@pytest.mark.parametrize(("applied", "worst"), [(True, "2.00"), (False, "1.60")])
def test_an_amend_is_held_beside_its_order_until_it_settles(applied: bool, worst: str) -> None:
    book = _book()
    book.reserve(K, _buy("o", OrderSide.YES, 4, "0.40"))
    book.reserve(K, _buy("o", OrderSide.YES, 4, "0.50", replaces=True))
    assert book.market_exp[K].worst_loss == D("3.60")  # the old price and the new
    settled = AmendSettled(
        client_order_id=ClientOrderId("o"), applied=applied, price=D("0.50"), quantity=D(4)
    )
    book.amend_settled(settled)
    assert book.market_exp[K].worst_loss == D(worst)


def test_a_fill_moves_its_reservation_into_the_position_and_a_close_frees_the_rest() -> None:
    book, tracker = _book(), InventoryTracker(market_id=K)
    book.reserve(K, _buy("o", OrderSide.YES, 10, "0.40"))
    fill = Fill(
        fill_id=FillId("f"),
        market_id=K,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(4),
        client_order_id=ClientOrderId("o"),
    )
    apply_fill(tracker, fill)
    book.filled(fill)
    book.recompute(K, tracker)
    assert book.market_exp[K].worst_loss == D("4.00")  # 4 held and 6 resting
    book.closed(_closed("o", filled=4))
    assert book.market_exp[K].worst_loss == D("1.60")
    assert book.reservations == {}


def test_linked_markets_add_up_per_event_and_per_venue_and_back_to_nothing() -> None:
    book = _book()
    book.reserve(K, _buy("k", OrderSide.YES, 10, "0.40"))  # loses 4.00 if NO wins
    book.reserve(P, _buy("p", OrderSide.NO, 10, "0.30"))  # loses 3.00 if YES wins
    [event] = book.events()
    assert (event.event_id, event.worst_loss, event.scenario) == ("event:E", D(4), "NO")
    assert (book.venue_loss, book.total_loss) == ({Venue.KALSHI: 4, Venue.POLYMARKET: 3}, 4)
    book.closed(_closed("k"))
    book.closed(_closed("p"))
    assert [(e.worst_loss, e.contracts) for e in book.events()] == [(0, 0)]
    assert book.market_exp == {K: NONE, P: NONE}
    assert (book.venue_loss, book.total_loss) == ({Venue.KALSHI: 0, Venue.POLYMARKET: 0}, 0)
    assert book.reservations == {}


@pytest.mark.parametrize(
    ("net", "resting", "left"),
    [
        (D(10), [], D(10)),
        (D(10), [("n", OrderSide.NO, 4)], D(6)),
        (D(10), [("n", OrderSide.NO, 15)], D(0)),  # more resting than held: nothing left
        (D(10), [("y", OrderSide.YES, 5)], D(10)),  # the long side reduces nothing
        (D(10), [("n", OrderSide.NO, 15), ("y", OrderSide.YES, 5)], D(0)),
        (D(-8), [("y", OrderSide.YES, 3), ("n", OrderSide.NO, 9)], D(-5)),
        (D(0), [("n", OrderSide.NO, 3)], D(0)),
    ],
)
def test_what_is_left_to_reduce_never_changes_sign(
    net: Decimal, resting: list[tuple[str, OrderSide, int]], left: Decimal
) -> None:
    """Resting buys of the short side take their size off the room; buys of the long
    side take nothing, and more resting than held leaves no room (before: the room went
    negative, so in REDUCING a buy of the long side passed as reducing)."""
    book = _book()
    for coid, side, quantity in resting:
        book.reserve(K, _buy(coid, side, quantity, "0.40"))
    assert book.reducible(K, net) == left
