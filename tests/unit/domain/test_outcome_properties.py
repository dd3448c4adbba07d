"""Properties of the exposure book over outcome scenarios, against a brute force written
here from the definitions alone.

A random small world (one or two real-world events of one to three mutually exclusive
outcomes, each listed on Kalshi, Polymarket or both, linked) is described to the book as
the venues and the config would: a Kalshi event (``mutually_exclusive``) and a Polymarket
neg-risk event (exhaustive when the world is and it lists every outcome), one link per
outcome on both venues. After any sequence of reservations, fills, closes and amends the
book's worst-case loss and contracts per event, per venue and in total equal the brute
force's; and the limit check refuses an order exactly when, in some scenario, it would
take a measure past its limit (and make it worse).

The brute force enumerates the scenarios (each outcome happens; none does, unless the
venues say exactly one will) and, in each, the loss of every market held and every
order resting, each order as it hurts (filled) or not (not filled)."""

from __future__ import annotations

import itertools
from decimal import Decimal, localcontext

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predmm.config.risk import EventLink
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.exposure import AmendSettled, ExposureBook, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId
from predmm.domain.orders import Fill
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Limits, Terms
from predmm.domain.scenarios import EventSums

D = Decimal
ZERO, ONE = D(0), D(1)
YES, NO = OrderSide.YES, OrderSide.NO
HUGE = D(10**9)


# -- the world ---------------------------------------------------------------------------


@attrs.frozen
class World:
    events: tuple[tuple[tuple[MarketId, ...], ...], ...]  # per event, per outcome: markets
    exhaustive: tuple[bool, ...]  # what the venues say, per event
    groups: tuple[tuple[MarketId, VenueGroup | None], ...]
    links: tuple[EventLink, ...]

    @property
    def markets(self) -> tuple[MarketId, ...]:
        return tuple(m for event in self.events for outcome in event for m in outcome)

    def event_of(self, market: MarketId) -> int:
        return next(i for i, e in enumerate(self.events) if any(market in o for o in e))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    events, exhaustive, groups, links = [], [], [], []
    for e in range(draw(st.integers(1, 2))):
        n = draw(st.integers(1, 3))
        full = draw(st.sampled_from((Venue.KALSHI, Venue.POLYMARKET)))  # lists every outcome
        other = Venue.POLYMARKET if full is Venue.KALSHI else Venue.KALSHI
        also = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        outcomes = []
        for k in range(n):
            venues = (full, other) if also[k] else (full,)
            outcomes.append(tuple(MarketId(v, f"E{e}-O{k}-{v.value[0]}") for v in venues))
        events.append(tuple(outcomes))
        every_poly = all(any(m.venue is Venue.POLYMARKET for m in o) for o in outcomes)
        told = n > 1 and every_poly and draw(st.booleans())  # the world is, Polymarket says
        exhaustive.append(told)
        groups += _groups(e, outcomes, told)
        links += [
            EventLink(event_id=EventId(f"E{e}"), markets=o, outcome=f"O{k}" if n > 1 else None)
            for k, o in enumerate(outcomes)
            if len(o) > 1
        ]
    return World(tuple(events), tuple(exhaustive), tuple(groups), tuple(links))


def _groups(e: int, outcomes: list[tuple[MarketId, ...]], exhaustive: bool) -> list:
    kalshi = [m for o in outcomes for m in o if m.venue is Venue.KALSHI]
    poly = tuple(m for o in outcomes for m in o if m.venue is Venue.POLYMARKET)
    several = len(outcomes) > 1
    out: list[tuple[MarketId, VenueGroup | None]] = [
        (m, VenueGroup(venue=Venue.KALSHI, group_id=f"KX-E{e}", exclusive=several)) for m in kalshi
    ]
    if several:
        group = VenueGroup(
            venue=Venue.POLYMARKET,
            group_id=f"{e}",
            exhaustive=exhaustive,
            markets=poly if exhaustive else (),
        )
        out += [(m, group) for m in poly]
    else:
        out += [(m, None) for m in poly]
    return out


# -- the brute force ------------------------------------------------------------------------


@attrs.define(eq=False)
class Order:
    coid: ClientOrderId
    market: MarketId
    terms: Terms
    remaining: Decimal
    filled: Decimal = ZERO
    closed: bool = False
    amend: Terms | None = None  # reserved beside it until the venue answers


@attrs.define
class Held:
    yes_contracts: Decimal = ZERO
    no_contracts: Decimal = ZERO
    yes_cost: Decimal = ZERO
    no_cost: Decimal = ZERO

    @property
    def avg_yes_price(self) -> Decimal:
        return _avg(self.yes_cost, self.yes_contracts)

    @property
    def avg_no_price(self) -> Decimal:
        return _avg(self.no_cost, self.no_contracts)


def _avg(cost: Decimal, contracts: Decimal) -> Decimal:
    """The average price, precise enough that contracts x average gives the cost back."""
    if not contracts:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = 80
        return cost / contracts


def _payout(side: OrderSide, yes_won: bool) -> Decimal:
    return ONE if (side is YES) == yes_won else ZERO


def _order_loss(terms: Terms, quantity: Decimal, yes_won: bool) -> Decimal:
    """What ``quantity`` of ``terms`` loses, filled, if the market resolves so."""
    pays = _payout(terms.side, yes_won)
    if terms.action is Action.BUY:
        return quantity * (terms.price - pays)
    return quantity * (pays - terms.price)


def _order_payout(terms: Terms, quantity: Decimal, yes_won: bool) -> Decimal:
    sign = ONE if terms.action is Action.BUY else -ONE
    return sign * quantity * _payout(terms.side, yes_won)


def _resting(orders: list[Order], market: MarketId) -> list[tuple[Terms, Decimal]]:
    out = []
    for o in orders:
        if o.market == market and o.remaining > 0:
            out.append((o.terms, o.remaining))
        if o.market == market and o.amend is not None:
            out.append((o.amend, o.amend.quantity))
    return out


def scenarios(world: World, event: int) -> list[int | None]:
    outcomes: list[int | None] = list(range(len(world.events[event])))
    return outcomes if world.exhaustive[event] else [*outcomes, None]


def _yes_won(world: World, event: int, market: MarketId, scenario: int | None) -> bool:
    return scenario is not None and market in world.events[event][scenario]


def event_loss(world, held, orders, event, venue=None) -> Decimal:
    worst = ZERO
    for s in scenarios(world, event):
        loss = ZERO
        for o in world.events[event]:
            for m in o:
                if venue is not None and m.venue is not venue:
                    continue
                won, h = _yes_won(world, event, m, s), held.get(m, Held())
                loss += h.yes_cost + h.no_cost - h.yes_contracts * _payout(YES, won)
                loss -= h.no_contracts * _payout(NO, won)
                for terms, qty in _resting(orders, m):
                    loss += max(ZERO, _order_loss(terms, qty, won))
        worst = max(worst, loss)
    return worst


def event_contracts(world, held, orders, event) -> Decimal:
    worst = ZERO
    for s, t in itertools.permutations(scenarios(world, event), 2):
        swing = ZERO
        for o in world.events[event]:
            for m in o:
                ws, wt = _yes_won(world, event, m, s), _yes_won(world, event, m, t)
                h = held.get(m, Held())
                swing += h.yes_contracts * (_payout(YES, ws) - _payout(YES, wt))
                swing += h.no_contracts * (_payout(NO, ws) - _payout(NO, wt))
                for terms, qty in _resting(orders, m):
                    delta = _order_payout(terms, qty, ws) - _order_payout(terms, qty, wt)
                    swing += max(ZERO, delta)
        worst = max(worst, swing)
    return worst


# -- the operations --------------------------------------------------------------------------

prices = st.integers(1, 99).map(lambda c: D(c) / 100)
quantities = st.integers(1, 20).map(D)
operations = st.lists(
    st.tuples(
        st.sampled_from(("reserve", "reserve", "fill", "close", "amend", "settle")),
        st.integers(0, 10**6),  # picks a market or an order
        st.sampled_from((YES, YES, NO)),
        st.sampled_from((Action.BUY, Action.BUY, Action.BUY, Action.SELL)),
        prices,
        quantities,
        st.booleans(),
    ),
    max_size=25,
)


class Run:
    def __init__(self, world: World, limits: Limits | None = None) -> None:
        self.world = world
        self.book = ExposureBook(limits or _limits(HUGE), world.links)
        assert self.book.learn(world.groups) == ()
        self.orders: list[Order] = []
        self.held: dict[MarketId, Held] = {}
        self.ids = itertools.count()

    def apply(self, op: tuple) -> None:
        kind, pick, side, action, price, qty, flag = op
        live = [o for o in self.orders if not o.closed]
        if kind == "reserve" or not live:
            market = self.world.markets[pick % len(self.world.markets)]
            terms = Terms(side=side, action=action, price=price, quantity=qty)
            self.reserve(market, terms)
        elif kind == "fill":
            self.fill(live[pick % len(live)], qty)
        elif kind == "close":
            order = live[pick % len(live)]
            coid = order.coid
            self.book.closed(OrderClosed(client_order_id=coid, filled_quantity=order.filled))
            order.closed, order.remaining, order.amend = True, ZERO, None
        elif kind == "amend":
            self.amend(live[pick % len(live)], price, qty)
        else:
            self.settle(live[pick % len(live)], applied=flag)

    def reserve(self, market: MarketId, terms: Terms) -> None:
        order = Order(ClientOrderId(f"o{len(self.orders)}"), market, terms, terms.quantity)
        self.orders.append(order)
        self.book.reserve(market, ReserveRequest(client_order_id=order.coid, terms=terms))

    def fill(self, order: Order, qty: Decimal) -> None:
        """Buys fill (what they buy is held); sells rest until closed."""
        qty = min(qty, order.remaining)
        if order.terms.action is not Action.BUY or qty <= 0:
            return
        order.filled += qty
        order.remaining -= qty
        h = self.held.setdefault(order.market, Held())
        if order.terms.side is YES:
            h.yes_contracts, h.yes_cost = (
                h.yes_contracts + qty,
                h.yes_cost + qty * order.terms.price,
            )
        else:
            h.no_contracts, h.no_cost = h.no_contracts + qty, h.no_cost + qty * order.terms.price
        fill = Fill(
            fill_id=FillId(f"f{next(self.ids)}"),
            market_id=order.market,
            side=order.terms.side,
            price=order.terms.price,
            quantity=qty,
            client_order_id=order.coid,
        )
        self.book.filled(fill)
        self.book.recompute(order.market, h)

    def amend(self, order: Order, price: Decimal, qty: Decimal) -> None:
        if order.amend is not None:
            return
        total = order.filled + qty
        terms = attrs.evolve(order.terms, price=price, quantity=total)
        request = ReserveRequest(client_order_id=order.coid, terms=terms, replaces=True)
        self.book.reserve(order.market, request)
        order.amend = attrs.evolve(terms, quantity=qty)

    def settle(self, order: Order, *, applied: bool) -> None:
        if order.amend is None:
            return
        new = order.amend
        total = order.filled + new.quantity
        answer = AmendSettled(
            client_order_id=order.coid, applied=applied, price=new.price, quantity=total
        )
        self.book.amend_settled(answer)
        if applied:
            order.terms = attrs.evolve(order.terms, price=new.price, quantity=total)
            order.remaining = max(ZERO, total - order.filled)
        order.amend = None


def _limits(amount: Decimal, **over: Decimal) -> Limits:
    return attrs.evolve(
        Limits(
            market_contracts=HUGE,
            market_loss=HUGE,
            event_contracts=amount,
            event_loss=amount,
            venue_loss=amount,
            total_loss=amount,
        ),
        **over,
    )


def _expected(run: Run) -> tuple[dict[int, tuple[D, D]], dict[Venue, D], D]:
    world, held, orders = run.world, run.held, run.orders
    touched = {m for ms in run.book.sums.event_markets.values() for m in ms}
    events = {world.event_of(m) for m in touched}
    per_event = {
        e: (event_loss(world, held, orders, e), event_contracts(world, held, orders, e))
        for e in events
    }
    venues = {
        v: sum((event_loss(world, held, orders, e, v) for e in events), ZERO)
        for v in {m.venue for m in touched}
    }
    return per_event, venues, sum((loss for loss, _ in per_event.values()), ZERO)


def _found(run: Run) -> tuple[dict[int, tuple[D, D]], dict[Venue, D], D]:
    per_event = {}
    for e in run.book.events():
        market = MarketId.parse(e.markets[0])
        per_event[run.world.event_of(market)] = (e.worst_loss, e.contracts)
    book = run.book
    venues = dict(book.venue_loss)
    return per_event, venues, book.total_loss


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(world=worlds(), ops=operations)
def test_the_book_equals_the_brute_force_after_any_operations(world: World, ops: list) -> None:
    run = Run(world)
    for op in ops:
        run.apply(op)
        assert _found(run) == _expected(run), op
    # kept by difference, the sums are the sums: rebuilt from the markets, the same
    rebuilt = run.book.sums.empty()
    for market, exposure in run.book.market_exp.items():
        rebuilt.shift(market, exposure)
    assert _sums(rebuilt) == _sums(run.book.sums)


def _sums(sums: EventSums) -> tuple:
    positive = {k: v for k, v in sums.event_loss.items() if v}
    return positive, {k: v for k, v in sums.venue_loss.items() if v}, sums.total_loss


@SETTINGS
@given(
    world=worlds(),
    ops=operations,
    limit=st.integers(0, 120).map(D),
    order=st.tuples(st.integers(0, 10**6), st.sampled_from((YES, NO)), prices, quantities),
)
def test_an_order_is_refused_exactly_when_a_scenario_would_pass_a_limit(
    world: World, ops: list, limit: D, order: tuple
) -> None:
    run = Run(world, _limits(limit, venue_loss=limit * 2, total_loss=limit * 3))
    for op in ops:
        run.apply(op)
    pick, side, price, qty = order
    market = world.markets[pick % len(world.markets)]
    terms = Terms(side=side, action=Action.BUY, price=price, quantity=qty)
    before = _measures(run, market)
    run.orders.append(Order(ClientOrderId("candidate"), market, terms, qty))
    after = _measures(run, market)
    run.orders.pop()
    limits = run.book.limits
    caps = (limits.event_loss, limits.event_contracts, limits.venue_loss, limits.total_loss)
    passes = [a > cap and a > b for a, b, cap in zip(after, before, caps, strict=True)]
    reason = run.book.breach(market, terms)
    assert (reason is not None) == any(passes), (reason, before, after, caps)


def _measures(run: Run, market: MarketId) -> tuple[D, D, D, D]:
    """(event loss, event contracts, venue loss, total loss) where ``market`` trades."""
    world, held, orders = run.world, run.held, run.orders
    event = world.event_of(market)
    events = range(len(world.events))
    return (
        event_loss(world, held, orders, event),
        event_contracts(world, held, orders, event),
        sum((event_loss(world, held, orders, e, market.venue) for e in events), ZERO),
        sum((event_loss(world, held, orders, e) for e in events), ZERO),
    )
