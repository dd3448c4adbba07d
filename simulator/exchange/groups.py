"""Order groups and venue-wide trading pauses.

An order group (Kalshi's, ``/portfolio/order_groups``) holds a limit of contracts its
orders may match over a rolling ``GROUP_WINDOW_S``: when the contracts matched in the
window pass it, the group trips at once (in the same mutation as the fill that passed
it): every resting order of the group is cancelled (reason GROUP_TRIGGERED) and no order
is taken into it (``GROUP_TRIGGERED``) until it is reset. A manual trigger does the same;
lowering the limit below what the window matched trips it too; a reset clears the trip
and the window; a delete cancels the group's resting orders and removes it.

A trading pause of a venue (Kalshi's maintenance: ``trading_active`` false) refuses
placements and amends on every market of the venue (``TRADING_PAUSED``), lets cancels
through, and cancels at its start every resting order placed with ``cancel_on_pause``.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain import Venue, VenueOrderId
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.book import WorkingOrder
from predmm.simulator.exchange.core import _RESTING, ExchangeCore
from predmm.simulator.exchange.model import (
    GROUP_WINDOW_S,
    ZERO,
    AccountId,
    CancelReason,
    GroupId,
    GroupRecord,
)

MAX_GROUP_LIMIT = Decimal(1_000_000)


@attrs.define(eq=False, slots=True)
class _Group:
    group_id: GroupId
    account_id: AccountId
    limit: Decimal
    created_at: datetime
    triggered: bool = False
    matched: deque[tuple[datetime, Decimal]] = attrs.field(factory=deque)


class GroupsMixin(ExchangeCore):
    # order groups: reads ------------------------------------------------------------

    def group(self, group_id: GroupId) -> GroupRecord | None:
        found = self._groups.get(group_id)
        return self._group_record(found) if found is not None else None

    def groups(self, account_id: AccountId) -> list[GroupRecord]:
        """The account's order groups, oldest first."""
        return [self._group_record(g) for g in self._groups.values() if g.account_id == account_id]

    def _group_record(self, group: _Group) -> GroupRecord:
        orders = tuple(
            o.order_id
            for o in self._open.get(group.account_id, {}).values()
            if o.group_id == group.group_id
        )
        return GroupRecord(
            group_id=group.group_id,
            account_id=group.account_id,
            limit=group.limit,
            triggered=group.triggered,
            matched=self._window_sum(group),
            orders=orders,
            created_at=group.created_at,
        )

    def _window_sum(self, group: _Group) -> Decimal:
        since = self._now() - timedelta(seconds=GROUP_WINDOW_S)
        while group.matched and group.matched[0][0] <= since:
            group.matched.popleft()
        return sum((q for _, q in group.matched), ZERO)

    # order groups: changes ----------------------------------------------------------

    def create_group(self, account_id: AccountId, limit: Decimal) -> GroupRecord:
        """A new group of the account with ``limit`` contracts (a whole number, 1 to
        1,000,000) over the rolling window; raises ValueError on a bad limit."""
        self._account(account_id)
        _check_limit(limit)
        group = _Group(GroupId(self._new_id()), account_id, limit, self._now())
        self._groups[group.group_id] = group
        self._group_event(group, "created")
        self._flush()
        return self._group_record(group)

    def trigger_group(self, group_id: GroupId) -> GroupRecord:
        group = self._require_group(group_id)
        self._trip(group)
        self._flush()
        return self._group_record(group)

    def reset_group(self, group_id: GroupId) -> GroupRecord:
        group = self._require_group(group_id)
        group.triggered = False
        group.matched.clear()
        self._group_event(group, "reset")
        self._flush()
        return self._group_record(group)

    def set_group_limit(self, group_id: GroupId, limit: Decimal) -> GroupRecord:
        """A new limit; one below what the window matched trips the group."""
        group = self._require_group(group_id)
        _check_limit(limit)
        group.limit = limit
        self._group_event(group, "limit_updated")
        if self._window_sum(group) > limit:
            self._trip(group)
        self._flush()
        return self._group_record(group)

    def delete_group(self, group_id: GroupId) -> None:
        group = self._require_group(group_id)
        self._cancel_group(group, CancelReason.GROUP_DELETED)
        del self._groups[group_id]
        self._group_event(group, "deleted")
        self._flush()

    def _require_group(self, group_id: GroupId) -> _Group:
        group: _Group | None = self._groups.get(group_id)
        if group is None:
            raise KeyError(f"no order group {group_id}")
        return group

    # order groups: matching -----------------------------------------------------------

    def _group_matched(self, order: WorkingOrder, quantity: Decimal, now: datetime) -> None:
        """``order`` matched ``quantity``: counted in its group's window; the group is
        tripped by ``_trip_groups`` once the mutation's matching is done."""
        group = self._groups.get(order.group_id) if order.group_id is not None else None
        if group is None:
            return
        group.matched.append((now, quantity))
        if not group.triggered and self._window_sum(group) > group.limit:
            self._tripping.append(group.group_id)

    def _trip_groups(self) -> None:
        """Trip the groups whose window passed their limit during this mutation."""
        while self._tripping:
            group = self._groups.get(self._tripping.pop(0))
            if group is not None and not group.triggered:
                self._trip(group)

    def _trip(self, group: _Group) -> None:
        group.triggered = True
        self._cancel_group(group, CancelReason.GROUP_TRIGGERED)
        self._group_event(group, "triggered")

    def _cancel_group(self, group: _Group, reason: CancelReason) -> None:
        victims = [
            o
            for o in self._open.get(group.account_id, {}).values()
            if o.group_id == group.group_id and o.status in _RESTING
        ]
        for order in victims:
            self._cancel(self._markets[order.market_id], order, reason)

    def _group_event(self, group: _Group, event_type: str) -> None:
        if self._wants(ev.OrderGroupChanged):
            self._emit(
                ev.OrderGroupChanged(
                    account_id=group.account_id,
                    group=self._group_record(group),
                    event_type=event_type,
                    ts=self._now(),
                )
            )

    # trading pauses -----------------------------------------------------------------

    def pause_trading(self, venue: Venue) -> list[VenueOrderId]:
        """Stop trading on every market of ``venue``: placements and amends refused,
        cancels allowed; the resting orders placed with ``cancel_on_pause`` cancelled.
        Returns those orders."""
        self._trading_paused.add(venue)
        victims = [
            o
            for orders in self._open.values()
            for o in orders.values()
            if o.market_id.venue is venue and o.cancel_on_pause and o.status in _RESTING
        ]
        for order in victims:
            self._cancel(self._markets[order.market_id], order, CancelReason.PAUSE)
        self._flush()
        return [o.order_id for o in victims]

    def resume_trading(self, venue: Venue) -> None:
        self._trading_paused.discard(venue)

    def trading_paused(self, venue: Venue) -> bool:
        return venue in self._trading_paused


def _check_limit(limit: Decimal) -> None:
    if (
        not isinstance(limit, Decimal)
        or not limit.is_finite()
        or limit != limit.to_integral_value()
        or not 1 <= limit <= MAX_GROUP_LIMIT
    ):
        raise ValueError(f"order group limit {limit!r} is not a whole number from 1 to 1,000,000")
