"""Kalshi's venue-side safety net: what limits the damage when predmm itself cannot act.

Kalshi has no cancel-on-disconnect. What it has, and predmm uses (kalshi-notes.md §5.13,
§8; openapi.yaml ``order-groups``, ``CreateOrderV2Request``):

* an **order group** (``POST /portfolio/order_groups/create`` with ``contracts_limit``):
  every order predmm places names it; when the group's orders match more than the limit
  within a rolling 15 s (an unexpected fill burst) Kalshi cancels all of them at once
  and refuses new ones until the group is reset. The daemon hears it (websocket
  ``order_group_updates`` ``triggered``, or a placement refused) and decides (recover or
  halt the venue: ``supervisors.core``);
* ``cancel_order_on_pause`` on every order: a trading or exchange pause cancels it;
* a short **expiration** (``expiration_time``, Unix seconds, with
  ``good_till_canceled``): every resting order expires ``order_ttl_s`` after it was
  placed or last renewed, and the PlatformActor renews it (an expiry-only amend: the
  same price and size, the queue place kept) while the daemon is healthy, so a daemon
  killed hard leaves nothing resting for longer than the TTL.

``KalshiSafety`` is the configuration (``[kalshi]`` in the settings file);
``OrderGroup`` the group one client places into: the group of the orders it found
resting (a restart adopts them and keeps their group), else a new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import attrs

from predmm.domain.errors import OrderNotFound, VenueProtocolError
from predmm.platforms.kalshi import wire
from predmm.platforms.kalshi.http import KalshiHttp

GROUPS = "/portfolio/order_groups"
TRIGGERED_CODE = "order_group"  # order_group_triggered (and any order_group_... refusal)


@attrs.frozen(kw_only=True)
class KalshiSafety:
    """``order_group_limit``: contracts our orders may match in 15 s before Kalshi
    cancels them all (None: no order group); ``order_ttl_s``: seconds an order rests
    unless renewed (None: good till cancelled); ``cancel_on_pause``: Kalshi cancels our
    orders when trading pauses."""

    order_group_limit: int | None = None
    order_ttl_s: int | None = None
    cancel_on_pause: bool = False

    @classmethod
    def off(cls) -> KalshiSafety:
        return cls()

    @property
    def renew_interval(self) -> float | None:
        """How often the resting orders are looked at for renewal (a sixth of the TTL:
        each is renewed once less than half of its TTL is left)."""
        return None if self.order_ttl_s is None else self.order_ttl_s / 6


def is_group_refusal(code: str) -> bool:
    """An order refused because of its group (``order_group_triggered``: the group
    tripped; the exact code is not documented, so any ``order_group...`` code)."""
    return code.startswith(TRIGGERED_CODE)


@attrs.define(kw_only=True)
class OrderGroup:
    """The order group one Kalshi client places into."""

    http: KalshiHttp
    limit: int
    group_id: str | None = None
    seen: Counter[str] = attrs.field(factory=Counter)  # groups of the resting orders listed

    def saw(self, orders: Iterable[dict[str, Any]]) -> None:
        """Resting orders listed (at a start: the orders a restart adopts)."""
        self.seen.update(
            str(o["order_group_id"])
            for o in orders
            if o.get("order_group_id") and o.get("status") == "resting"
        )

    async def ensure(self) -> str:
        """The group to place into: the one in use; else the one group the resting
        orders belong to, if Kalshi still has it; else a new one."""
        if self.group_id is None:
            self.group_id = await self._adopt() or await self._create()
        return self.group_id

    async def _adopt(self) -> str | None:
        if len(self.seen) != 1:
            return None
        [group_id] = self.seen
        try:
            await self.http.call("GET", f"{GROUPS}/{_seg(group_id)}")
        except OrderNotFound:
            return None
        return group_id

    async def _create(self) -> str:
        body = {"contracts_limit": self.limit}
        payload = await self.http.call("POST", f"{GROUPS}/create", body=body, write=True)
        group_id = wire.field(payload, "order_group_id", "Kalshi create order group answer")
        if not isinstance(group_id, str) or not group_id:
            raise VenueProtocolError(f"Kalshi created order group {group_id!r}: not an id")
        return group_id

    async def rearm(self) -> str:
        """Reset the tripped group (a new one if Kalshi no longer has it)."""
        if self.group_id is not None:
            try:
                await self.http.call("PUT", f"{GROUPS}/{_seg(self.group_id)}/reset", write=True)
                return self.group_id
            except OrderNotFound:
                self.group_id = None
        return await self.ensure()


@attrs.define(kw_only=True)
class Expiry:
    """The expiration our orders carry: ``ttl_s`` after now, in whole Unix seconds."""

    ttl_s: int
    clock: Callable[[], datetime]

    def next(self) -> int:
        return int(self.clock().timestamp()) + self.ttl_s

    @staticmethod
    def at(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)


def _seg(text: str) -> str:
    return quote(text, safe="")
