"""What a ``MarketCore`` sends and how: every order reserved through the ``gate`` (the
portfolio's limit check) before it leaves, what was granted collected into
``Submission``s (cancels first, then amends, then placements), one per point where the
shell sends. The base of ``MarketCore``: it holds the live orders and the ids."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import attrs

from predmm.domain.enums import OrderType
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId
from predmm.domain.market import Market
from predmm.domain.orders import MARKET_MAKING, Order
from predmm.strategies.maker.requests import (
    Amendment,
    Granted,
    amend_request,
    amended,
    granted,
    place_request,
)
from predmm.strategies.maker.trace import Command, Tracer
from predmm.strategies.quoting import Quote


class Gate(Protocol):
    """The portfolio's answer to reserving ``requests`` (one per request, in order; none
    when it cannot be asked), told the market's latest mid when it changed (``mark``)."""

    def __call__(
        self, requests: tuple[ReserveRequest, ...], mark: Decimal | None
    ) -> Sequence[Granted]: ...


@attrs.frozen(kw_only=True)
class Submission:
    """What goes to the venue at once: cancels first, then amends, then placements."""

    cancels: tuple[ClientOrderId, ...] = ()
    amends: tuple[Amendment, ...] = ()
    places: tuple[Order, ...] = ()


class Outbox:
    def __init__(
        self,
        *,
        market: Market,
        gate: Gate,
        prefix: str,
        tracer: Tracer | None,
        strategy: str = MARKET_MAKING,
    ) -> None:
        self.market, self.gate, self.prefix, self.tracer = market, gate, prefix, tracer
        self.strategy = strategy  # the tag its orders carry (attribution)
        self.live: dict[ClientOrderId, Order] = {}
        self.cancelling: set[ClientOrderId] = set()
        self.last_mark: Decimal | None = None
        self.mark_unsent = False
        self.refused = False  # the last reservation was refused: retry when one is released
        self.now: datetime | None = None
        self._seq = itertools.count(1)
        self._cancels: list[ClientOrderId] = []
        self._amends: list[Amendment] = []
        self._places: list[Order] = []
        self._out: list[Submission] = []
        self._cmds: list[Command] = []  # what the decision being traced sent

    def take(self) -> list[Submission]:
        """What it decided to send since the last ``take``, in order."""
        self._flush()
        out, self._out = self._out, []
        return out

    def unsent(self) -> tuple[list[Order], list[Amendment]]:
        """The placements and amends decided (and reserved) but not taken yet."""
        subs = [*self._out, Submission(amends=tuple(self._amends), places=tuple(self._places))]
        return [o for s in subs for o in s.places], [a for s in subs for a in s.amends]

    def take_mark(self) -> Decimal | None:
        """The latest mid when no reservation carried it to the portfolio yet."""
        if not (self.mark_unsent and self.last_mark is not None):
            return None
        self.mark_unsent = False
        return self.last_mark

    def _reserve(self, requests: list[ReserveRequest]) -> Sequence[Granted]:
        if not requests:
            return ()
        mark = self.last_mark if self.mark_unsent else None
        self.mark_unsent = False
        result = self.gate(tuple(requests), mark)
        self.refused = any(not r.granted for r in result)
        return result

    def _place(self, quotes: list[Quote], **extra: Any) -> list[Order]:
        orders = [self._order(q, **extra) for q in quotes]
        ok = granted(self._reserve([place_request(o) for o in orders]))
        placing = [o for o in orders if o.client_order_id in ok]
        for order in placing:
            self.live[order.client_order_id] = order
            kind = "exit" if order.order_type is OrderType.MARKET else "place"
            self._log(kind, order, order.price, order.quantity)
        self._places.extend(placing)
        return placing

    def _order(self, quote: Quote, **extra: Any) -> Order:
        return Order(
            client_order_id=ClientOrderId(f"{self.prefix}{next(self._seq)}"),
            market_id=self.market.market_id,
            side=quote.side,
            price=quote.price,
            quantity=quote.size,
            created_at=self.now,
            strategy=self.strategy,
            **extra,
        )

    def _amend(self, amends: list[tuple[Order, Quote]]) -> None:
        ok = granted(self._reserve([amend_request(o, q) for o, q in amends]))
        for order, quote in amends:
            coid = order.client_order_id
            if coid not in ok:
                self._cancel([coid])
                continue
            self.live[coid], amend = amended(order, quote)
            self._amends.append(amend)
            self._log("amend", order, quote.price, quote.size)

    def _cancel(self, coids: list[ClientOrderId]) -> None:
        todo = tuple(c for c in coids if c not in self.cancelling)
        if not todo:
            return
        self.cancelling.update(todo)
        self._cancels.extend(todo)
        for coid in todo:
            order = self.live.get(coid)
            self._log("cancel", order, *((order.price, order.remaining) if order else (0, 0)))

    def _flush(self) -> None:
        if self._cancels or self._amends or self._places:
            self._out.append(
                Submission(
                    cancels=tuple(self._cancels),
                    amends=tuple(self._amends),
                    places=tuple(self._places),
                )
            )
            self._cancels, self._amends, self._places = [], [], []

    def _log(self, what: str, order: Order | None, price: Decimal, size: Decimal) -> None:
        if self.tracer is not None and order is not None:
            self._cmds.append((what, order.side.value, price, size))
