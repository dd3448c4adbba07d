"""The exposure book over outcome scenarios, worked by hand: a Kalshi event of three
mutually exclusive markets, a Polymarket neg-risk event (exhaustive), a cross-venue link
that pulls a Kalshi event's other markets in, a market with no event, and the limits."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.config.risk import EventLink
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.exposure import ExposureBook, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Limits, Terms

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
WIDE = Limits(
    market_contracts=D(1000),
    market_loss=D(1000),
    event_contracts=D(1000),
    event_loss=D(1000),
    venue_loss=D(1000),
    total_loss=D(1000),
)
C25, H0, H25 = (MarketId(Venue.KALSHI, f"KXFED-26DEC-{s}") for s in ("C25", "H0", "H25"))
FED = VenueGroup(venue=Venue.KALSHI, group_id="KXFED-26DEC")  # mutually_exclusive: true
ARS, DRAW, CHE = (MarketId(Venue.POLYMARKET, f"0x{s}") for s in ("a", "d", "c"))
MATCH = VenueGroup(
    venue=Venue.POLYMARKET, group_id="9042", exhaustive=True, markets=(ARS, DRAW, CHE)
)
POLY_CUT = MarketId(Venue.POLYMARKET, "0xcut")


@attrs.define
class Held:
    """What a market holds (the ``Holding`` an ``InventoryTracker`` is)."""

    yes_contracts: Decimal = D(0)
    no_contracts: Decimal = D(0)
    avg_yes_price: Decimal = D(0)
    avg_no_price: Decimal = D(0)


def _book(*groups: tuple[MarketId, VenueGroup | None], links: tuple[EventLink, ...] = ()):
    book = ExposureBook(WIDE, links)
    assert book.learn(groups) == ()
    return book


def _buy(book: ExposureBook, market: MarketId, side: OrderSide, qty: int, price: str) -> None:
    coid = ClientOrderId(f"{market.symbol}-{side.value}-{len(book.reservations)}")
    terms = Terms(side=side, action=Action.BUY, price=D(price), quantity=D(qty))
    assert book.breach(market, terms) is None
    book.reserve(market, ReserveRequest(client_order_id=coid, terms=terms))


def _hold(book: ExposureBook, market: MarketId, **held: str) -> None:
    book.recompute(market, Held(**{k: D(v) for k, v in held.items()}))


def _event(book: ExposureBook, key: str):
    [event] = [e for e in book.events() if e.event_id == key]
    return event


def test_a_kalshi_event_of_three_exclusive_markets_and_none_of_them() -> None:
    book = _book((C25, FED), (H0, FED), (H25, FED))
    _hold(book, C25, yes_contracts="100", avg_yes_price="0.60")  # $60 on the cut
    _hold(book, H0, no_contracts="100", avg_no_price="0.70")  # $70 against the hold
    _hold(book, H25, no_contracts="50", avg_no_price="0.90")  # $45 against the hike
    # cut: 100 + 100 + 50 paid for $175 -> -75; hold: 0 + 0 + 50 -> +125;
    # hike: 0 + 100 + 0 -> +75; none (a 50 bp cut): 0 + 100 + 50 -> +25
    event = _event(book, "event:kalshi:KXFED-26DEC")
    assert (event.worst_loss, event.scenario) == (D("125.00"), "kalshi:KXFED-26DEC-H0")
    assert event.contracts == D(200)  # "cut" pays 250 contracts, "hold" 50
    assert book.total_loss == book.venue_loss[Venue.KALSHI] == D("125.00")


def test_no_in_every_outcome_of_an_exclusive_event_is_a_hedge() -> None:
    """At most one of the three happens: NO in all three pays on two of them, always."""
    book = _book((ARS, MATCH), (DRAW, MATCH), (CHE, MATCH))
    for market in (ARS, DRAW, CHE):
        _hold(book, market, no_contracts="10", avg_no_price="0.60")
    event = _event(book, "event:polymarket:9042")  # $18 paid, $20 back whatever happens
    assert (event.worst_loss, event.scenario) == (D(0), "polymarket:0xa")
    alone = _book()  # markets nothing is known of: each could lose its $6
    for market in (ARS, DRAW, CHE):
        _hold(alone, market, no_contracts="10", avg_no_price="0.60")
    assert alone.total_loss == D(18)


def test_yes_in_every_outcome_is_riskless_only_if_exactly_one_happens() -> None:
    exclusive = attrs.evolve(MATCH, exhaustive=False, markets=())
    for group, worst, scenario in (
        (MATCH, D(0), "polymarket:0xa"),
        (exclusive, D(10), "none of them"),
    ):
        book = _book((ARS, group), (DRAW, group), (CHE, group))
        for market, price in ((ARS, "0.40"), (DRAW, "0.30"), (CHE, "0.30")):
            _hold(book, market, yes_contracts="10", avg_yes_price=price)
        event = _event(book, "event:polymarket:9042")
        assert (event.worst_loss, event.scenario) == (worst, scenario)


def test_a_link_makes_one_outcome_across_venues_and_pulls_its_kalshi_event_in() -> None:
    cut = EventLink(event_id=EventId("FED-DEC"), markets=(C25, POLY_CUT))
    book = _book((C25, FED), (H0, FED), (H25, FED), (POLY_CUT, None), links=(cut,))
    _buy(book, C25, YES, 100, "0.60")  # loses $60 unless the cut
    _buy(book, POLY_CUT, NO, 100, "0.35")  # loses $35 on the cut: a hedge across venues
    _buy(book, H0, NO, 100, "0.70")  # loses $70 on a hold
    [event] = book.events()
    assert event.event_id == "event:FED-DEC"
    assert set(event.markets) == {str(C25), str(POLY_CUT), str(H0)}
    # cut: 35 (NO on the cut) ; hold: 60 + 70 ; hike, none: 60
    assert (event.worst_loss, event.scenario) == (D("130.00"), "kalshi:KXFED-26DEC-H0")
    assert book.venue_loss == {Venue.KALSHI: D("130.00"), Venue.POLYMARKET: D("35.00")}


def test_a_market_with_no_event_is_its_own_two_scenarios() -> None:
    lone = MarketId(Venue.KALSHI, "LONE")
    book = _book((lone, None))
    _buy(book, lone, YES, 10, "0.30")
    _buy(book, lone, NO, 10, "0.60")
    event = _event(book, "market:kalshi:LONE")
    assert (event.worst_loss, event.scenario, event.contracts) == (D(6), "YES", D(10))
    book.closed(OrderClosed(client_order_id=ClientOrderId("LONE-no-1"), filled_quantity=D(0)))
    assert (_event(book, "market:kalshi:LONE").scenario, book.total_loss) == ("NO", D(3))


def test_venue_events_that_say_nothing_are_one_event_summed() -> None:
    """Kalshi threshold markets of one event are not exclusive: each can lose with the
    others, so the event counts the sum of their worst cases."""
    plain = VenueGroup(venue=Venue.KALSHI, group_id="KXBTC-26NOV30", exclusive=False)
    t100, t110 = MarketId(Venue.KALSHI, "KXBTC-T100"), MarketId(Venue.KALSHI, "KXBTC-T110")
    book = _book((t100, plain), (t110, plain))
    _buy(book, t100, NO, 10, "0.40")
    _buy(book, t110, YES, 10, "0.30")
    assert _event(book, "event:kalshi:KXBTC-26NOV30").worst_loss == D(7)


def test_the_limits_refuse_what_passes_them_in_any_scenario() -> None:
    limits = attrs.evolve(WIDE, event_loss=D(100), venue_loss=D(150), total_loss=D(150))
    book = ExposureBook(limits)
    book.learn([(C25, FED), (H0, FED), (H25, FED)])
    _buy(book, C25, YES, 100, "0.60")  # $60 unless the cut
    no_h0 = Terms(side=NO, action=Action.BUY, price=D("0.50"), quantity=D(100))
    assert str(book.breach(H0, no_h0)).startswith("event loss 110.00 would pass its limit 100")
    no_h25 = attrs.evolve(no_h0, price=D("0.40"))  # $40 if a hike: $100 at worst, not past
    assert book.breach(H25, no_h25) is None
    yes_h0 = attrs.evolve(no_h0, side=YES, price=D("0.30"))  # a hike: 60 + 30
    more_h0 = attrs.evolve(yes_h0, quantity=D(40))  # a hike: 60 + 12
    assert book.breach(H0, yes_h0) is None
    assert book.breach(H0, more_h0) is None
    pair = (
        ReserveRequest(client_order_id=ClientOrderId("y"), terms=yes_h0),
        ReserveRequest(client_order_id=ClientOrderId("y2"), terms=more_h0),
    )
    assert not book.reserve_together(H0, pair)  # together a hike loses 102: nothing held
    assert book.reservations.keys() == {ClientOrderId("KXFED-26DEC-C25-yes-0")}
