"""The venue calls a PlatformActor hands to the bridge: each one coroutine that the
bridge's worker tasks run in the trio thread against the venue's client
(``platforms.venue.VenueClient``), its arguments bound with ``functools.partial`` so the
client comes last. They do nothing but call: what the answer means is the actor's to
decide when its ``JobDone`` comes back.
"""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.events import CancelResult, FillPage, PlaceResult, Position
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.platforms.venue import VenueClient


async def place_orders(orders: list[Order], client: VenueClient) -> list[PlaceResult]:
    return await client.place_orders(orders)


async def cancel_orders(orders: list[Order], client: VenueClient) -> list[CancelResult]:
    return await client.cancel_orders(orders)


async def amend_order(
    order: Order, price: Decimal, quantity: Decimal, client: VenueClient
) -> PlaceResult:
    return await client.amend_order(order, price, quantity)


async def cancel_all(client: VenueClient) -> int:
    return await client.cancel_all()


async def get_order(coid: ClientOrderId, market_id: MarketId, client: VenueClient) -> Order | None:
    return await client.get_order(coid, market_id)


async def get_fills(cursor: str | None, client: VenueClient) -> FillPage:
    return await client.get_fills(cursor)


async def get_open_orders(client: VenueClient) -> list[Order]:
    return await client.get_open_orders()


async def get_positions(market_ids: list[MarketId], client: VenueClient) -> list[Position]:
    return await client.get_positions(market_ids)
