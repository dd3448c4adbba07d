"""Property: whatever the books, trades and orders, the paper account's value in each
outcome equals its starting cash plus every fill's payoff in that outcome, less fees."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import trio
from hypothesis import event, given, settings
from hypothesis import strategies as st

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, TimeInForce, Venue
from predmm.domain.events import BookUpdated, TradePrinted
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Fill, Order
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.paper.testing import FakeDataVenue

D = Decimal
M = MarketId(Venue.KALSHI, "KXPROP")
START = D(1_000_000)

cents = st.integers(40, 60).map(lambda c: D(c) / 100)  # a narrow band: many interactions
sizes = st.integers(1, 40).map(D)
levels = st.lists(st.tuples(cents, sizes), max_size=4)
books = st.builds(lambda y, n: ("book", y, n), levels, levels)
trades = st.builds(lambda p, s: ("trade", p, s), cents, sizes)
orders = st.builds(
    lambda *a: ("order", *a),
    st.sampled_from(OrderSide),
    st.sampled_from(Action),
    cents,
    sizes,
    st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    st.booleans(),
)
cancels = st.builds(lambda i: ("cancel", i), st.integers(0, 30))
amends = st.builds(lambda i, p, q: ("amend", i, p, q), st.integers(0, 30), cents, sizes)
decreases = st.builds(lambda i, q: ("decrease", i, q), st.integers(0, 30), st.integers(0, 40))
full = st.lists(st.tuples(cents, sizes), min_size=1, max_size=4)
opening = st.builds(lambda y, n: ("book", y, n), full, full)
steps = st.builds(
    lambda first, rest: [first, *rest],
    opening,
    st.lists(
        st.one_of(orders, orders, trades, trades, books, cancels, amends, decreases),
        min_size=6,
        max_size=30,
    ),
)


def _payoff(fill: Fill, outcome: OrderSide) -> Decimal:
    pays = D(1) if fill.side is outcome else D(0)
    per_contract = pays - fill.price if fill.action is Action.BUY else fill.price - pays
    return per_contract * fill.quantity - fill.fee


async def _run(
    script: list[tuple[Any, ...]], net_pairs: bool
) -> tuple[PaperPlatform, list[Fill], list[Order]]:
    data = FakeDataVenue()
    paper = PaperPlatform(data, starting_balance=START, net_pairs=net_pairs, fills_page_size=7)
    placed: list[Order] = []
    for step in script:
        await _step(paper, data, placed, step)
    fills: list[Fill] = []
    cursor = None
    while True:
        page = await paper.get_fills(cursor)
        fills.extend(page.fills)
        if (cursor := page.cursor) is None:
            break
    known = [await paper.get_order(o.client_order_id, M) for o in placed]
    return paper, fills, [o for o in known if o is not None]


async def _step(
    paper: PaperPlatform, data: FakeDataVenue, placed: list[Order], step: tuple[Any, ...]
) -> None:
    kind, *args = step
    if kind == "book":
        yes, no = ([Level(p, s) for p, s in side] for side in args)
        data.set_book(OrderBook(M, tuple(yes), tuple(no)))
        paper.apply_event(BookUpdated(book=data.books[M]))
    elif kind == "trade":
        paper.apply_event(TradePrinted(market_id=M, price=args[0], size=args[1]))
    elif kind == "order":
        side, action, price, quantity, tif, post_only = args
        o = Order(
            client_order_id=ClientOrderId(f"p{len(placed)}"),
            market_id=M,
            side=side,
            action=action,
            price=price,
            quantity=quantity,
            time_in_force=tif,
            post_only=post_only,
        )
        placed.append(o)
        await paper.place_orders([o])
    elif placed and kind == "cancel":
        await paper.cancel_orders([placed[args[0] % len(placed)]])
    elif placed and kind == "amend":
        await paper.amend_order(placed[args[0] % len(placed)], args[1], args[2])
    elif placed and kind == "decrease":
        await paper.decrease_order(placed[args[0] % len(placed)], D(args[1]))


@settings(max_examples=200, deadline=None)
@given(script=steps, net_pairs=st.booleans())
def test_cash_plus_positions_at_settlement_is_conserved(
    script: list[tuple[Any, ...]], net_pairs: bool
) -> None:
    paper, fills, orders = trio.run(_run, script, net_pairs)
    event("fills" if fills else "no fills")
    positions = {p.market_id: p for p in paper.ledger.positions()}
    for outcome in OrderSide:
        held = D(0)
        if M in positions:
            p = positions[M]
            held = p.yes_contracts if outcome is OrderSide.YES else p.no_contracts
        expected = START + sum((_payoff(f, outcome) for f in fills), D(0))
        assert paper.ledger.cash + held == expected
    assert len({f.fill_id for f in fills}) == len(fills)
    per_order: dict[ClientOrderId | None, Decimal] = defaultdict(D)
    for f in fills:
        per_order[f.client_order_id] += f.quantity
    assert len(orders) == len({o.client_order_id for o in orders})
    for order in orders:
        assert per_order[order.client_order_id] == order.filled_quantity <= order.quantity
    if positions:
        assert positions[M].yes_contracts >= 0
        assert positions[M].no_contracts >= 0
        if net_pairs:
            assert min(positions[M].yes_contracts, positions[M].no_contracts) == 0
