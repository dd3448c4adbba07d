"""The venue calls a PlatformActor hands to the bridge: each one coroutine that the
bridge's worker tasks run in the trio thread against the venue's client
(``platforms.venue.VenueClient``), its arguments bound with ``functools.partial`` so the
client comes last. They do nothing but call: what the answer means is the actor's to
decide when its ``JobDone`` comes back. A placement is journaled first (write-ahead:
``journal_first``): an order that reached a venue is in the journal whatever happens to
the process after, with the venue's id for it when the client knows it before sending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from predmm.actors.journal.port import JournalPort
from predmm.domain.errors import NotJournaled
from predmm.domain.events import CancelResult, FillPage, PlaceResult, Position
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.platforms.bridge import called_back
from predmm.platforms.venue import VenueClient

BeforeSend = Callable[[list[Order]], Awaitable[None]]
WRITE_AHEAD_TIMEOUT = 10.0  # seconds a placement waits for the journal before it is refused


async def place_orders(
    orders: list[Order], client: VenueClient, *, before_send: BeforeSend | None = None
) -> list[PlaceResult]:
    """Place ``orders``; ``before_send`` first (write-ahead: ``journal_first``), given
    them with the venue's ids where the client knows them before sending."""
    if before_send is not None:
        await before_send(await known_ids(client, orders))
    return await client.place_orders(orders)


async def known_ids(client: VenueClient, orders: list[Order]) -> list[Order]:
    """``orders`` with the venue's id of each that the client knows before sending it
    (``prepare_orders``: Polymarket signs them and knows their hashes; a Kalshi order is
    known to the venue by its client order id), the very orders it will then send."""
    prepare = getattr(client, "prepare_orders", None)
    return list(await prepare(orders)) if prepare is not None else orders


def journal_first(journal: JournalPort, timeout: float) -> BeforeSend:
    """Write-ahead: orders about to be sent wait until the journal has committed them;
    if it cannot within ``timeout``, they are not sent (``NotJournaled``)."""

    async def before_send(orders: list[Order]) -> None:
        if not await called_back(lambda done: journal.intents(orders, done), timeout):
            ids = ", ".join(o.client_order_id.value for o in orders)
            raise NotJournaled(f"the journal did not record orders {ids}: not sent")

    return before_send


async def cancel_orders(orders: list[Order], client: VenueClient) -> list[CancelResult]:
    return await client.cancel_orders(orders)


async def amend_order(
    order: Order, price: Decimal, quantity: Decimal, client: VenueClient
) -> PlaceResult:
    return await client.amend_order(order, price, quantity)


async def cancel_all(client: VenueClient) -> int:
    return await client.cancel_all()


async def get_order(order: Order, client: VenueClient) -> Order | None:
    """What the venue says of ``order``: by the venue's id when it is known and the
    client can look that up (a new process's Polymarket client knows no hash of the
    orders an earlier run placed and this one adopted), else by client order id."""
    by_id = getattr(client, "get_order_by_id", None)
    if by_id is not None and order.venue_order_id is not None:
        found: Order | None = await by_id(order.venue_order_id)
        return found
    return await client.get_order(order.client_order_id, order.market_id)


async def get_fills(cursor: str | None, client: VenueClient) -> FillPage:
    return await client.get_fills(cursor)


async def get_open_orders(client: VenueClient) -> list[Order]:
    return await client.get_open_orders()


async def get_positions(market_ids: list[MarketId], client: VenueClient) -> list[Position]:
    return await client.get_positions(market_ids)
