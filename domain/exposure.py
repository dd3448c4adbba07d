"""The PortfolioActor's exposure book (``ExposureBook``): the reservations it granted,
one per order, and the exposure that they and the contracts held make per market, per
event over its outcome scenarios (across the venues and on each), per venue and in
total, kept by difference (Decimal: exact). It checks a market's next orders against the
limits (``domain.risk``); ``answer`` is what the portfolio says to a market's
reservation (``refusal``: why one order may not rest). Plain state owned by one
PortfolioActor (and by the backtest's portfolio): no I/O, no clock; the contracts held
come in as the market's ``InventoryTracker``, and the trading state is given.

Which markets are one outcome and which outcomes one event (``domain.outcomes``) comes
from the config's links and from what the book learns of each market's venue event
(``learn``); when that changes, every sum is rebuilt from the markets' exposures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from predmm.domain.enums import Action, OrderSide, TradingState, Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Fill, Order
from predmm.domain.outcomes import Link, VenueGroup
from predmm.domain.risk import (
    NONE,
    Exposure,
    Limits,
    Terms,
    breach,
    exceeds,
    held,
    reduces,
    resting,
    total,
)
from predmm.domain.scenarios import EventExposure, EventSums

__all__ = [
    "AmendSettled",
    "Answer",
    "EventExposure",
    "ExposureBook",
    "OrderClosed",
    "ReserveRequest",
    "answer",
    "refusal",
]

ZERO = Decimal(0)


class Holding(Protocol):
    """What a market holds (an ``InventoryTracker`` is one)."""

    @property
    def yes_contracts(self) -> Decimal: ...
    @property
    def no_contracts(self) -> Decimal: ...
    @property
    def avg_yes_price(self) -> Decimal: ...
    @property
    def avg_no_price(self) -> Decimal: ...


@attrs.frozen(kw_only=True)
class ReserveRequest:
    client_order_id: ClientOrderId
    terms: Terms
    replaces: bool = False  # an amend: the old terms stay reserved until it settles


@attrs.frozen(kw_only=True)
class OrderClosed:
    """The order can no longer fill beyond ``filled_quantity``: release the rest."""

    client_order_id: ClientOrderId
    filled_quantity: Decimal


@attrs.frozen(kw_only=True)
class AmendSettled:
    client_order_id: ClientOrderId
    applied: bool
    price: Decimal
    quantity: Decimal  # the new total


@attrs.define
class _Reservation:
    market_id: MarketId
    terms: Terms
    remaining: Decimal
    filled: Decimal = ZERO
    closed: bool = False
    amend: Terms | None = None

    def exposure(self) -> Exposure:
        if self.remaining <= 0 and self.amend is None:
            return NONE
        out = resting(self.terms, self.remaining)
        if self.amend is not None:
            out = out + resting(self.amend)
        return out


class ExposureBook:
    def __init__(self, limits: Limits, links: Sequence[Link] = ()) -> None:
        self.limits = limits
        self.reservations: dict[ClientOrderId, _Reservation] = {}
        self.by_market: dict[MarketId, set[ClientOrderId]] = {}
        self.sums = EventSums(links)

    @property
    def market_exp(self) -> dict[MarketId, Exposure]:
        return self.sums.market_exp

    @property
    def venue_loss(self) -> dict[Venue, Decimal]:
        return self.sums.venue_loss

    @property
    def total_loss(self) -> Decimal:
        return self.sums.total_loss

    def learn(self, facts: Iterable[tuple[MarketId, VenueGroup | None]]) -> tuple[str, ...]:
        """What each market's venue says of its event (a scan); the links that contradict
        the venues (``domain.outcomes.Layout.problems``)."""
        return self.sums.learn(facts)

    def relink(self, links: Sequence[Link]) -> tuple[str, ...]:
        """New event links (``EventSums.relink``): () when they applied, else their
        contradictions with the venues' events, and nothing changed."""
        return self.sums.relink(links)

    def knows(self, market_id: MarketId) -> bool:
        """Whether ``learn`` was told of ``market_id``'s venue event (or its lack)."""
        return market_id in self.sums.known

    def events(self) -> tuple[EventExposure, ...]:
        return self.sums.events()

    # reservations -------------------------------------------------------------------

    def reserve_together(self, market_id: MarketId, requests: tuple[ReserveRequest, ...]) -> bool:
        """New resting buys (a market's quotes) held after one check when together they
        pass no limit (each alone then passes none); False: nothing held, check them one
        by one."""
        if len(requests) < 2:
            return False
        if any(r.replaces or r.terms.action is not Action.BUY for r in requests):
            return False
        add = total(resting(r.terms) for r in requests)
        sides = {r.terms.side for r in requests}
        if exceeds(self.sums.scope(market_id), add, sides, self.limits) is not None:
            return False
        for req in requests:
            self._hold(req.client_order_id, _Reservation(market_id, req.terms, req.terms.quantity))
        self._change(market_id, add)
        return True

    def ended(self, coid: ClientOrderId) -> bool:
        """Whether order ``coid`` can take no amend: its reservation released (it filled
        or closed) or closed with fills still to come. Nothing would release an amend's
        reservation held for it: no amend of it settles."""
        res = self.reservations.get(coid)
        return res is None or res.closed

    def breach(self, market_id: MarketId, terms: Terms) -> str | None:
        """Which limit an order of ``terms`` would pass (None: none)."""
        return breach(self.sums.scope(market_id), terms, self.limits)

    def reserve(self, market_id: MarketId, req: ReserveRequest) -> None:
        """Hold ``req``, its limits checked: a new order's worst case, or an amend's
        beside its order's until the amend settles (``refusal`` refuses an amend of an
        order that ``ended``: held, it would never be released)."""
        existing = self.reservations.get(req.client_order_id)
        if req.replaces and existing is not None:
            terms, old = req.terms, existing.amend
            quantity = terms.quantity - existing.filled
            existing.amend = Terms(
                side=terms.side, action=terms.action, price=terms.price, quantity=quantity
            )
            # what changed is the amend's part alone (the order's own part is as it was)
            added = resting(existing.amend)
            self._change(market_id, added if old is None else added - resting(old))
        else:
            res = _Reservation(market_id, req.terms, req.terms.quantity)
            self._hold(req.client_order_id, res)
            self._change(market_id, res.exposure())

    def adopt(self, order: Order) -> None:
        coid = order.client_order_id
        if coid in self.reservations or order.status.is_terminal or order.remaining <= 0:
            return
        terms = Terms.of(order)
        res = _Reservation(order.market_id, terms, order.remaining, filled=order.filled_quantity)
        self._hold(coid, res)
        self._change(order.market_id, res.exposure())

    def reducible(self, market_id: MarketId, net: Decimal) -> Decimal:
        """What of net position ``net`` is left to reduce once the resting buys of its
        short side fill (a closed order's fills still to come among them), signed like
        ``net``: never past zero, so a buy of the long side never counts as reducing."""
        if net == 0:
            return net
        short = OrderSide.NO if net > 0 else OrderSide.YES
        resting = ZERO
        for coid in self.by_market.get(market_id, ()):
            res = self.reservations[coid]
            if res.terms.action is Action.BUY and res.terms.side is short:
                resting += res.remaining
        left = max(ZERO, abs(net) - resting)
        return left if net > 0 else -left

    def closed(self, msg: OrderClosed) -> None:
        res = self.reservations.get(msg.client_order_id)
        if res is None:
            return
        before = res.exposure()
        res.closed, res.amend = True, None
        res.remaining = min(res.remaining, max(ZERO, msg.filled_quantity - res.filled))
        self._drop_if_done(msg.client_order_id, res)
        self._change(res.market_id, res.exposure() - before)

    def amend_settled(self, msg: AmendSettled) -> None:
        res = self.reservations.get(msg.client_order_id)
        if res is None or res.amend is None:
            return
        before = res.exposure()
        if msg.applied and not res.closed:
            side, action = res.terms.side, res.terms.action
            res.terms = Terms(side=side, action=action, price=msg.price, quantity=msg.quantity)
            res.remaining = max(ZERO, msg.quantity - res.filled)
        res.amend = None
        self._change(res.market_id, res.exposure() - before)

    def filled(self, fill: Fill) -> None:
        """What ``fill`` moves out of its order's reservation (the caller recomputes)."""
        coid = fill.client_order_id
        res = self.reservations.get(coid) if coid is not None else None
        if res is not None:
            res.filled += fill.quantity
            res.remaining = max(ZERO, res.remaining - fill.quantity)
            self._drop_if_done(coid, res)  # type: ignore[arg-type]

    def _hold(self, coid: ClientOrderId, res: _Reservation) -> None:
        """Keep ``res`` (its exposure is the caller's to add); ``_drop_if_done`` undoes it."""
        self.reservations[coid] = res
        self.by_market.setdefault(res.market_id, set()).add(coid)

    def _drop_if_done(self, coid: ClientOrderId, res: _Reservation) -> None:
        if res.closed and res.remaining <= 0:
            del self.reservations[coid]
            self.by_market.get(res.market_id, set()).discard(coid)

    # exposure -----------------------------------------------------------------------

    def recompute(self, market_id: MarketId, tracker: Holding) -> None:
        """Refresh what ``market_id`` feeds, by difference: its exposure (``tracker``'s
        contracts and its reservations), its event's (on every venue and on its own),
        the venue's and the total loss."""
        exposure = held(
            tracker.yes_contracts,
            tracker.no_contracts,
            tracker.yes_contracts * tracker.avg_yes_price,
            tracker.no_contracts * tracker.avg_no_price,
        )
        ids = self.by_market.get(market_id, ())
        exposure = exposure + total(self.reservations[c].exposure() for c in ids)
        old = self.sums.market_exp.get(market_id, NONE)
        if exposure != old:
            self.sums.shift(market_id, exposure - old)
        else:
            self.sums.cell(market_id)

    def _change(self, market_id: MarketId, delta: Exposure) -> None:
        """A reservation of ``market_id`` changed by ``delta`` (held contracts did not)."""
        if delta != NONE:
            self.sums.shift(market_id, delta)
        else:
            self.sums.cell(market_id)


# the portfolio's answer -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Answer:
    """One order's reservation: granted, or refused and why."""

    client_order_id: ClientOrderId
    granted: bool
    reason: str = ""


def answer(
    book: ExposureBook,
    market_id: MarketId,
    requests: tuple[ReserveRequest, ...],
    *,
    state: TradingState,
    net: Decimal,
    settled: bool = False,
) -> tuple[Answer, ...]:
    """What the portfolio says to a market's ``requests`` (and holds in ``book`` for the
    granted ones): nothing in a settled market; new quotes together when together they
    pass no limit (ACTIVE); else one by one (``refusal``). ``net``: the market's net
    position (YES - NO), for REDUCING's room."""
    if settled:
        reason = f"{market_id} is settled"
        return tuple(
            Answer(client_order_id=r.client_order_id, granted=False, reason=reason)
            for r in requests
        )
    if state is TradingState.ACTIVE and book.reserve_together(market_id, requests):
        return tuple(Answer(client_order_id=r.client_order_id, granted=True) for r in requests)
    out = []
    for req in requests:
        why = refusal(book, market_id, req, state=state, net=net)
        if why is None:
            book.reserve(market_id, req)
        out.append(
            Answer(client_order_id=req.client_order_id, granted=why is None, reason=why or "")
        )
    return tuple(out)


def refusal(
    book: ExposureBook,
    market_id: MarketId,
    req: ReserveRequest,
    *,
    state: TradingState,
    net: Decimal,
) -> str | None:
    """Why ``req`` may not rest (None: it may): trading HALTED; an amend of an order that
    has ended (``ExposureBook.ended``: it filled or closed before the market heard);
    REDUCING and the order does not reduce what is left to reduce of ``net`` once the
    resting reducing buys fill; or a limit it would pass."""
    if state is TradingState.HALTED:
        return "trading is HALTED"
    if req.replaces and book.ended(req.client_order_id):
        return f"{req.client_order_id} has ended: nothing to amend"
    terms = req.terms
    if state is TradingState.REDUCING and not reduces(terms, book.reducible(market_id, net)):
        return "trading is REDUCING and the order does not reduce inventory"
    return book.breach(market_id, terms)
