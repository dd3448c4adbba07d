"""A quote whose fills all arrive before its own order update (the venue's fill message
first, the order's "executed" after) is done: the core must not amend it (Kalshi's amend
of an executed order is refused, and the amend's reservation, the new total of filled
plus resting, would hold at the portfolio contracts no order can buy). It quotes that
side afresh instead."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus
from predmm.domain.exposure import Answer, ReserveRequest
from predmm.domain.ids import FillId
from predmm.domain.orders import Fill
from predmm.domain.testing import EPOCH, create_test_market
from predmm.strategies.maker import MarketCore

D = Decimal
MARKET = create_test_market(market_id="FILLED").freeze()
asked: list[ReserveRequest] = []


def grant(requests: tuple[ReserveRequest, ...], mark: Decimal | None) -> tuple[Answer, ...]:
    asked.extend(requests)
    return tuple(Answer(client_order_id=r.client_order_id, granted=True) for r in requests)


def book(core: MarketCore, yes_bid: str, no_bid: str) -> OrderBook:
    """Everybody else's best bids (100 each) and our resting quotes."""
    yes = [Level(D(yes_bid), D(100))]
    no = [Level(D(no_bid), D(100))]
    for order in core.live.values():
        if order.remaining > 0:
            (yes if order.side is OrderSide.YES else no).append(Level(order.price, order.remaining))
    return OrderBook(MARKET.market_id, tuple(yes), tuple(no))


def test_a_quote_filled_before_its_update_is_quoted_afresh_not_amended() -> None:
    core = MarketCore(
        market=MARKET, config=MarketMakingConfig(), gate=grant, amend=True, prefix="t-"
    )
    core.on_data(book(core, "0.45", "0.45"), D(0), EPOCH, 0.0)
    core.on_orders(
        [attrs.evolve(o, status=OrderStatus.OPEN) for o in core.live.values()], EPOCH, 0.1
    )
    core.take()
    (no,) = [o for o in core.live.values() if o.side is OrderSide.NO]
    fill = Fill(
        fill_id=FillId("f1"),
        market_id=MARKET.market_id,
        side=OrderSide.NO,
        price=no.price,
        quantity=no.quantity,  # all of it: the order is done
        client_order_id=no.client_order_id,
    )
    asked.clear()
    core.on_fill(fill, EPOCH, 0.2)
    core.on_data(book(core, "0.38", "0.52"), D(0), EPOCH, 0.3)  # the book moved
    sent = core.take()
    amended = [a.client_order_id for s in sent for a in s.amends]
    assert no.client_order_id not in amended, sent
    assert no.client_order_id not in [r.client_order_id for r in asked]  # nothing reserved
    placed = [o.client_order_id for s in sent for o in s.places if o.side is OrderSide.NO]
    assert placed, sent  # the NO side quoted afresh
    assert core.quotes()[OrderSide.NO].client_order_id in placed
    # the venue's update of the executed order comes later: nothing more to do for it
    core.on_orders(
        [attrs.evolve(no, status=OrderStatus.FILLED, filled_quantity=no.quantity)], EPOCH, 0.4
    )
    assert all(no.client_order_id not in s.cancels for s in core.take())
    assert core.inventory.no_contracts == no.quantity
