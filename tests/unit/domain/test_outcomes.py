"""How links and venue events make outcomes and real-world events (``domain.outcomes``),
and the book following what it learns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.config.risk import EventLink
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.exposure import ExposureBook, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.outcomes import Clique, Place, VenueGroup, layout, venue_group
from predmm.domain.risk import Limits, Terms

D = Decimal
K = Venue.KALSHI
C25, H0, H25 = (MarketId(K, f"KXFED-26DEC-{s}") for s in ("C25", "H0", "H25"))
FED = VenueGroup(venue=K, group_id="KXFED-26DEC")
P_CUT, P_HOLD = MarketId(Venue.POLYMARKET, "0xcut"), MarketId(Venue.POLYMARKET, "0xhold")
POLY_FED = VenueGroup(venue=Venue.POLYMARKET, group_id="77")  # neg risk, augmented
LIMITS = Limits(
    market_contracts=D(1000),
    market_loss=D(1000),
    event_contracts=D(1000),
    event_loss=D(1000),
    venue_loss=D(1000),
    total_loss=D(1000),
)


def _link(event: str, *markets: MarketId, outcome: str | None = None) -> EventLink:
    return EventLink(event_id=EventId(event), markets=markets, outcome=outcome)


def test_a_market_reads_its_venue_group_from_the_venues_fields() -> None:
    market = Market(market_id=H0, event_id=EventId("KXFED-26DEC"), exclusive=True)
    assert venue_group(market) == FED
    assert venue_group(Market(market_id=H0)) is None
    with pytest.raises(ValueError, match="exhaustive needs exclusive outcomes"):
        VenueGroup(venue=K, group_id="X", exclusive=False, exhaustive=True, markets=(H0,))


def test_a_link_joins_a_venue_event_and_names_the_real_world_event() -> None:
    groups = {C25: FED, H0: FED, H25: FED}
    out = layout([_link("FED-DEC", C25, P_CUT)], groups)
    assert out.problems == ()
    assert out.place(P_CUT) == out.place(C25) == Place("event:FED-DEC", 0, 0)
    assert out.place(H0) == Place("event:FED-DEC", 0, 1)
    [clique] = out.cliques("event:FED-DEC")
    assert clique == Clique(
        (
            "kalshi:KXFED-26DEC-C25 = polymarket:0xcut",
            "kalshi:KXFED-26DEC-H0",
            "kalshi:KXFED-26DEC-H25",
        )
    )
    assert out.place(MarketId(K, "LONE")) == Place("market:kalshi:LONE", 0, 0)


def test_links_sharing_an_event_id_make_exclusive_outcomes_of_it() -> None:
    links = [
        _link("ELECTION", MarketId(K, "A"), MarketId(Venue.POLYMARKET, "0xa"), outcome="A wins"),
        _link("ELECTION", MarketId(K, "B"), outcome="B wins"),
    ]
    out = layout(links, {})
    assert out.cliques("event:ELECTION") == (Clique(("A wins", "B wins")),)


def test_a_link_contradicting_a_venue_event_is_named_and_not_applied() -> None:
    wrong = _link("FED-DEC", C25, H0)  # two outcomes of one exclusive Kalshi event
    out = layout([wrong], {C25: FED, H0: FED})
    [problem] = out.problems
    assert problem.startswith("[[risk.event_links]] event_id = 'FED-DEC': kalshi:KXFED-26DEC-C25")
    assert "different markets of the venue event kalshi:KXFED-26DEC" in problem
    assert out.place(C25).outcome != out.place(H0).outcome


def test_venue_events_linked_by_some_outcomes_only_sum_their_worst_cases() -> None:
    """Kalshi's hold and Polymarket's are the same outcome, unlinked: nothing says they
    exclude each other, so both NOs may lose together ($100), and the book says so."""
    groups = {C25: FED, H0: FED, P_CUT: POLY_FED, P_HOLD: POLY_FED}
    book = ExposureBook(LIMITS, [_link("FED-DEC", C25, P_CUT)])
    book.learn(groups.items())
    assert len(book.sums.layout.cliques("event:FED-DEC")) == 2
    for market in (H0, P_HOLD):
        terms = Terms(side=OrderSide.NO, action=Action.BUY, price=D("0.50"), quantity=D(100))
        coid = ClientOrderId(f"no-{market.symbol}")
        book.reserve(market, ReserveRequest(client_order_id=coid, terms=terms))
    [event] = book.events()
    assert event.worst_loss == D(100)
    linked = layout(
        [_link("FED-DEC", C25, P_CUT, outcome="cut"), _link("FED-DEC", H0, P_HOLD, outcome="hold")],
        groups,
    )
    assert linked.cliques("event:FED-DEC") == (Clique(("cut", "hold")),)  # one clique: exact


def test_what_the_book_learns_later_moves_every_sum_exactly() -> None:
    book = ExposureBook(LIMITS)
    terms = Terms(side=OrderSide.NO, action=Action.BUY, price=D("0.40"), quantity=D(10))
    for market in (C25, H0, H25):
        coid = ClientOrderId(f"no-{market.symbol}")
        book.reserve(market, ReserveRequest(client_order_id=coid, terms=terms))
    assert book.total_loss == D(12)  # three events of one market: $4 each
    assert book.learn([(C25, FED), (H0, FED), (H25, FED)]) == ()
    [event] = book.events()
    assert (event.event_id, event.worst_loss) == ("event:kalshi:KXFED-26DEC", D(4))
    assert book.total_loss == book.venue_loss[K] == D(4)
    book.learn([(H25, None)])  # its event is gone: alone again
    assert sorted((e.event_id, e.worst_loss) for e in book.events()) == [
        ("event:kalshi:KXFED-26DEC", D(4)),
        ("market:kalshi:KXFED-26DEC-H25", D(4)),
    ]
    assert book.total_loss == D(8)
