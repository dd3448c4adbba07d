"""How venue data reaches the actors. The venues' open markets are listed for the
selection (``open_markets``); one stream task per venue (``Feeds``), restarted when the
markets followed on it change (those selected and those still owned), routes each event
(``route``): books, trades and invalidations to the conflator, fills and order updates to
the venue's PlatformActor, tick-size and status changes to the MarketSupervisor,
settlements to the PortfolioActor. A stream that fails is resubscribed after ``retry``
seconds, its markets' books invalidated and the fills it may have hidden polled;
``poll_fills`` is the periodic backstop for fills a stream dropped, ``poll_settlements``
for resolutions it did not tell (``tell_all`` tells the PlatformActors a periodic command).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pykka
import trio
from loguru import logger

from predmm.actors.messages import PollFills, Settle, VenueEventReceived
from predmm.domain.enums import Venue
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    FillReversed,
    MarketSettled,
    MarketStatusChanged,
    OrderFilled,
    OrderUpdated,
    SafetyNetTripped,
    TickSizeChanged,
    TradePrinted,
)
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.platforms.bridge import Conflator, Tellable, safe_tell
from predmm.platforms.venue import VenueClient

_log = logger.bind(actor="engine")


@attrs.frozen(kw_only=True)
class Routes:
    """Where one venue's stream events go."""

    conflator: Conflator
    platform: Tellable  # the venue's PlatformActor (its DirectRef: restarts too)
    supervisor: pykka.ActorRef[Any] | None
    portfolio: pykka.ActorRef[Any] | None = None


def route(event: Any, to: Routes) -> None:
    match event:
        case BookUpdated(book=book):
            to.conflator.offer_book(book)
        case TradePrinted(market_id=market_id, price=price, size=size):
            to.conflator.offer_trade(market_id, price, size)
        case BookInvalidated(market_id=market_id):
            to.conflator.invalidate(market_id)
        case OrderFilled() | OrderUpdated() | FillReversed() | SafetyNetTripped():
            safe_tell(to.platform, VenueEventReceived(event=event))
        case TickSizeChanged() | MarketStatusChanged():
            safe_tell(to.supervisor, VenueEventReceived(event=event))
        case MarketSettled(settlement=settlement):
            safe_tell(to.portfolio, Settle(settlement=settlement))
        case _:
            pass


async def open_markets(clients: Iterable[VenueClient]) -> tuple[list[Market], set[Venue]]:
    """Every venue's open markets, and the venues that listed them; a venue that fails
    to list them is logged and left out."""
    markets: list[Market] = []
    listed: set[Venue] = set()
    for client in clients:
        try:
            markets.extend(await client.get_markets(status="open"))
        except Exception as exc:
            _log.error("scan of {v} failed: {exc!r}", v=client.venue.value, exc=exc)
        else:
            listed.add(client.venue)
    return markets, listed


async def poll_settlements(
    clients: Iterable[VenueClient],
    markets: Iterable[MarketId],
    portfolio: pykka.ActorRef[Any] | None,
) -> None:
    """Ask each venue whether ``markets`` (held or owned, no longer listed open) have
    resolved; tell the portfolio each settlement (it applies a market's once). A venue
    that cannot say now is asked again at the next scan."""
    wanted = sorted(set(markets), key=str)
    for client in clients:
        ids = [m for m in wanted if m.venue is client.venue]
        if not ids:
            continue
        try:
            found = await client.get_settlements(ids)
        except Exception as exc:
            _log.warning("settlements of {v} not read: {exc!r}", v=client.venue.value, exc=exc)
            continue
        for settlement in found:
            safe_tell(portfolio, Settle(settlement=settlement))


def poll_fills(platforms: Iterable[Tellable]) -> None:
    tell_all(platforms, PollFills())


def tell_all(refs: Iterable[Tellable], message: object) -> None:
    for ref in refs:
        safe_tell(ref, message)


@attrs.define
class Feeds:
    """Each venue's running stream task (its cancel scope) and the markets it follows."""

    scopes: dict[Venue, trio.CancelScope] = attrs.Factory(dict)
    subscribed: dict[Venue, frozenset[MarketId]] = attrs.Factory(dict)

    async def follow(
        self,
        nursery: trio.Nursery,
        client: VenueClient,
        selected: Iterable[MarketId],
        to: Routes,
        retry: float,
    ) -> None:
        """Stream the venue's ``selected`` markets in place of what it streamed, unless
        the same."""
        ids = frozenset(m for m in selected if m.venue is client.venue)
        if ids == self.subscribed.get(client.venue):
            return
        self.subscribed[client.venue] = ids
        old = self.scopes.pop(client.venue, None)
        if old is not None:
            old.cancel()
        scope = trio.CancelScope()
        self.scopes[client.venue] = scope
        await nursery.start(_stream, scope, client, sorted(ids), to, retry)

    def cancel(self) -> None:
        for scope in self.scopes.values():
            scope.cancel()


async def _stream(
    scope: trio.CancelScope,
    client: VenueClient,
    ids: list[MarketId],
    to: Routes,
    retry: float,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    with scope:
        while True:
            try:
                events = client.stream(ids)
                task_status.started()
                task_status = trio.TASK_STATUS_IGNORED
                async for event in events:
                    route(event, to)
            except Exception as exc:
                _log.warning("feed {v} lost: {exc!r}; resubscribing", v=client.venue.value, exc=exc)
                for market_id in ids:
                    to.conflator.invalidate(market_id)
            safe_tell(to.platform, PollFills())  # fills the gap may have hidden
            await trio.sleep(retry)
