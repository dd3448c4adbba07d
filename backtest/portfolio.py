"""The PortfolioActor's reservations in the backtest: the same ``ExposureBook`` and the
same answer (``domain.exposure.answer``: a settled market refused, a market's new quotes
held together when together they pass no limit, else one by one against the limits),
fed the same releases (an order closed, a fill, an amend settled). The trading state
stays ACTIVE: the backtest has no kill switch. Used for a decider that reserves its own
orders (``backtest.maker.CoreDecider``); ``backtest.risk`` checks the baseline's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from predmm.backtest.decision import coid_of
from predmm.backtest.engine_state import Mkt
from predmm.domain.enums import Action, MarketStatus, TradingState
from predmm.domain.exposure import (
    AmendSettled,
    Answer,
    ExposureBook,
    OrderClosed,
    ReserveRequest,
    answer,
)
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Limits

Gate = Callable[[tuple[ReserveRequest, ...], Decimal | None], Sequence[Answer]]


class Portfolio:
    def __init__(self, limits: Limits, groups: Mapping[MarketId, VenueGroup]) -> None:
        self.book = ExposureBook(limits)
        self.book.learn(groups.items())
        self.refused = 0  # reservations the limits refused (an order or amend kept back)

    def gate(self, m: Mkt) -> Gate:
        def reserve(requests: tuple[ReserveRequest, ...], mark: Decimal | None) -> Sequence[Answer]:
            return self.answer(m, requests)

        return reserve

    def answer(self, m: Mkt, requests: tuple[ReserveRequest, ...]) -> tuple[Answer, ...]:
        market_id = m.info.market_id
        if not self.book.knows(market_id):
            self.book.learn(((market_id, None),))
        settled = m.ended or m.status is MarketStatus.SETTLED
        net = m.inventory.net_position
        # an amend of an order that ended first is refused too: not by a limit
        ended = {
            r.client_order_id for r in requests if r.replaces and self.book.ended(r.client_order_id)
        }
        out = answer(
            self.book, market_id, requests, state=TradingState.ACTIVE, net=net, settled=settled
        )
        if not settled:
            self.refused += sum(1 for a in out if not a.granted and a.client_order_id not in ended)
        return out

    def filled(self, m: Mkt, tag: str, quantity: Decimal) -> None:
        """A fill of order ``tag`` (already in ``m``'s inventory)."""
        coid = coid_of(tag)
        if coid in self.book.reservations:
            res = self.book.reservations[coid]
            self.book.filled(
                Fill(
                    fill_id=FillId(tag),
                    market_id=m.info.market_id,
                    side=res.terms.side,
                    price=res.terms.price,
                    quantity=quantity,
                    action=Action.BUY,
                    client_order_id=coid,
                )
            )
        self.book.recompute(m.info.market_id, m.inventory)

    def closed(self, tag: str, filled: Decimal) -> None:
        coid = coid_of(tag)
        self.book.closed(OrderClosed(client_order_id=coid, filled_quantity=filled))

    def amended(self, tag: str, applied: bool, price: Decimal, quantity: Decimal) -> None:
        self.book.amend_settled(
            AmendSettled(
                client_order_id=coid_of(tag), applied=applied, price=price, quantity=quantity
            )
        )
