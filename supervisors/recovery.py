"""Reconciliation before quoting: the journal and each venue are made to agree on fills
and positions, or predmm refuses to quote.

Per venue, before any order is sent (``reconcile_venue``):

1. fills: page ``client.get_fills`` from the journal's fill cursor to the end; each page's
   fills that the journal does not hold (``missing_fills``) are journaled with the page's
   cursor in one transaction (``RecordFillPage``), then flushed;
2. settlements: the markets the journal holds contracts in and has not settled are asked
   of the venue (``client.get_settlements``); those that resolved (while predmm was
   down, or since: asked again when the positions disagree) are journaled settled
   (``RecordSettlement``), so the positions compared next agree with a venue that has
   paid them out;
3. positions: the journal's (rebuilt from its fills) against ``client.get_positions()``,
   net of YES - NO (Kalshi nets the two). Fills that arrived while the positions were
   read are caught up and the positions read again. A mismatch left after that is looked
   into once: every fill of the account is fetched from the beginning (a cursor can point
   past fills: Kalshi pages newest first), journaled provisional fills that the venue no
   longer lists are journaled as reversed (a FAILED Polymarket trade), and the venue is
   asked to list its markets (Polymarket reports balances only of markets it knows);
4. what still disagrees raises ``ReconciliationError`` naming the venue, the market and
   both positions. A venue that stays unreachable after ``retries`` does too.

Open orders: the orders the venue still holds are adopted (``SyncOpenOrders``) or
cancelled as orphans (``CancelOrphans``) by the engine once the PlatformActors run; then
``settle_orders`` closes in the journal the orders it still counts as live that were not
adopted (filled, cancelled or expired while predmm was down, or never sent).

The functions read a read-only ``Journal`` and write through ``write``: an async callable
that makes the records durable before it returns (the engine tells its JournalActor and
asks it to flush; tests write the file directly).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

import attrs
import trio

from predmm.actors.journal.messages import (
    RecordFillPage,
    RecordFillReversal,
    RecordOrderEvent,
    RecordSettlement,
)
from predmm.actors.journal.recovery import PositionMismatch, missing_fills, position_mismatches
from predmm.actors.journal.store import Journal
from predmm.domain.enums import OrderStatus
from predmm.domain.errors import AuthenticationError, PredmmError, RateLimited, VenueError
from predmm.domain.events import FillPage, Position
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.platforms.bridge import backoff_delay
from predmm.platforms.venue import VenueClient
from predmm.strategies.fills import settle

T = TypeVar("T")
RecoveryRecord = RecordFillPage | RecordFillReversal | RecordOrderEvent | RecordSettlement
Write = Callable[[Sequence[RecoveryRecord]], Awaitable[None]]
MAX_PAGES = 10_000
REVERSAL_REASON = "not listed by the venue at recovery (failed trade)"
GONE_REASON = "no longer on the venue at recovery"
_CLOSING_EVENT = {
    OrderStatus.FILLED: OrderEvent.FILL,
    OrderStatus.CANCELLED: OrderEvent.CANCELLED,
    OrderStatus.EXPIRED: OrderEvent.EXPIRE,
    OrderStatus.REJECTED: OrderEvent.REJECT,
}


class ReconciliationError(PredmmError):
    """The journal and a venue disagree, or the venue could not be read: no quoting."""


@attrs.frozen(kw_only=True)
class VenueReconciliation:
    """What reconciling one venue did."""

    venue: str
    fills_recovered: int
    fills_reversed: int
    markets_checked: int
    rescanned: bool
    settlements: int = 0  # markets found resolved (while predmm was down) and journaled


async def reconcile_venue(
    client: VenueClient,
    journal: Journal,
    write: Write,
    *,
    retries: int = 3,
    attempts: int = 4,
) -> VenueReconciliation:
    """Bring the journal up to ``client``'s fills and check its positions against the
    venue's; raise ``ReconciliationError`` if they still differ."""
    recovered = await catch_up(client, journal, write, retries=retries)
    settled = await recover_settlements(client, journal, write, retries=retries)
    reversed_, rescanned = 0, False
    mismatches: list[PositionMismatch] = []

    def agreed(positions: list[Position]) -> VenueReconciliation:
        return VenueReconciliation(
            venue=client.venue.value,
            fills_recovered=len(recovered),
            fills_reversed=reversed_,
            markets_checked=_markets_checked(journal, client, positions),
            rescanned=rescanned,
            settlements=settled,
        )

    raced = False
    for _ in range(attempts):
        positions = await _call(client, "get_positions", client.get_positions, retries)
        late = await catch_up(client, journal, write, retries=retries)
        recovered += late
        mismatches = position_mismatches(journal, client.venue, positions)
        if not mismatches:  # (fills that raced the read too: the positions count them)
            return agreed(positions)
        raced = bool(late)
        if raced:  # fills raced the positions read, and may explain it: read them again
            continue
        resolved = await recover_settlements(client, journal, write, retries=retries)
        if resolved:  # a market resolved since the venue was asked: left out now
            settled += resolved
            mismatches = position_mismatches(journal, client.venue, positions)
            if not mismatches:
                return agreed(positions)
            continue
        if rescanned:
            break
        rescanned = True
        found, reversed_ = await rescan(
            client, journal, write, [m.market_id for m in mismatches], retries=retries
        )
        recovered += found
        await _call(client, "get_markets", client.get_markets, retries)
    if raced:
        raise ReconciliationError(
            f"reconciliation failed on {client.venue.value}: new fills kept arriving while"
            f" the positions were read ({attempts} tries): refusing to quote"
        )
    raise ReconciliationError(_describe(client, mismatches))


async def catch_up(
    client: VenueClient, journal: Journal, write: Write, *, retries: int = 3
) -> list[Fill]:
    """Page the venue's fills from the journal's cursor to the end, journaling each
    page's new fills with its cursor in one transaction; the fills journaled."""
    venue = client.venue
    cursor = journal.fill_cursor(venue)
    recovered: list[Fill] = []
    for _ in range(MAX_PAGES):
        page = await _fills_page(client, cursor, retries)
        new = missing_fills(journal, page.fills)
        advanced = page.cursor is not None and page.cursor != cursor
        if new or advanced:
            await write(
                [
                    RecordFillPage(
                        venue=venue, fills=tuple(new), cursor=page.cursor if advanced else None
                    )
                ]
            )
        recovered.extend(new)
        if not advanced:
            return recovered
        cursor = page.cursor
    raise ReconciliationError(f"{venue.value}: more than {MAX_PAGES} pages of fills")


async def recover_settlements(
    client: VenueClient, journal: Journal, write: Write, *, retries: int = 3
) -> int:
    """Journal as settled the markets of ``client``'s venue that the journal holds
    contracts in, has not settled, and the venue says resolved; how many."""
    venue = client.venue
    done = {s.market_id for s in journal.settlements(venue)}
    held = {
        m: inv
        for m in journal.market_ids()
        if m.venue is venue and m not in done
        for inv in (journal.inventory(m),)
        if inv.yes_contracts or inv.no_contracts
    }
    if not held:
        return 0
    asked = sorted(held, key=str)
    found = await _call(client, "get_settlements", lambda: client.get_settlements(asked), retries)
    records = [
        RecordSettlement(settled=settle(held.pop(s.market_id), s))
        for s in found
        if s.market_id in held
    ]
    if records:
        await write(records)
    return len(records)


async def rescan(
    client: VenueClient,
    journal: Journal,
    write: Write,
    markets: Iterable[MarketId],
    *,
    retries: int = 3,
) -> tuple[list[Fill], int]:
    """Every fill of the account from the beginning: journal those missing (no cursor is
    saved) and mark reversed the provisional fills of ``markets`` that the venue no longer
    lists. Returns the fills journaled and how many were reversed."""
    venue_fills: list[Fill] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await _fills_page(client, cursor, retries)
        venue_fills.extend(page.fills)
        if page.cursor is None or page.cursor == cursor:
            break
        cursor = page.cursor
    new = missing_fills(journal, venue_fills)
    listed = {f.fill_id for f in venue_fills}
    failed = _failed_provisional(journal, markets, listed)
    records: list[RecoveryRecord] = []
    if new:
        records.append(RecordFillPage(venue=client.venue, fills=tuple(new)))
    records.extend(RecordFillReversal(fill=f, reason=REVERSAL_REASON) for f in failed)
    if records:
        await write(records)
    return new, len(failed)


def _failed_provisional(
    journal: Journal, markets: Iterable[MarketId], listed: set[FillId]
) -> list[Fill]:
    return [
        jf.fill
        for market_id in markets
        for jf in journal.fills(market_id=market_id)
        if jf.fill.provisional and not jf.is_reversed and jf.fill.fill_id not in listed
    ]


def _markets_checked(journal: Journal, client: VenueClient, positions: Sequence[Position]) -> int:
    ours = {m for m in journal.market_ids() if m.venue is client.venue}
    return len(ours | {p.market_id for p in positions if p.market_id.venue is client.venue})


def _describe(client: VenueClient, mismatches: Sequence[PositionMismatch]) -> str:
    shown = "; ".join(str(m) for m in mismatches[:3])
    more = f" (and {len(mismatches) - 3} more)" if len(mismatches) > 3 else ""
    return (
        f"reconciliation failed on {client.venue.value}: {shown}{more};"
        " the fills fetched from the venue do not explain it: refusing to quote"
    )


async def _fills_page(client: VenueClient, cursor: str | None, retries: int) -> FillPage:
    return await _call(client, "get_fills", lambda: client.get_fills(cursor), retries)


async def _call(client: VenueClient, what: str, fn: Callable[[], Awaitable[T]], retries: int) -> T:
    """``fn()``, retried on transient venue trouble; a failure that stays becomes a
    ``ReconciliationError`` naming the venue and the call."""
    for attempt in range(retries + 1):
        try:
            return await fn()
        except AuthenticationError as exc:
            raise _unreadable(client, what, exc) from exc
        except VenueError as exc:
            if attempt == retries:
                raise _unreadable(client, what, exc) from exc
            delay = exc.retry_after if isinstance(exc, RateLimited) else None
            await trio.sleep(delay if delay is not None else backoff_delay(attempt))
    raise AssertionError("unreachable")


def _unreadable(client: VenueClient, what: str, exc: Exception) -> ReconciliationError:
    return ReconciliationError(
        f"reconciliation failed on {client.venue.value}: {what} failed"
        f" ({type(exc).__name__}: {exc}): refusing to quote"
    )


async def settle_orders(
    client: VenueClient,
    journal: Journal,
    write: Write,
    adopted: Collection[Order],
    *,
    retries: int = 3,
) -> int:
    """Close in the journal the orders of ``client``'s venue that it counts as live but
    that were not ``adopted`` (the venue's open orders), with the final state the venue
    gives (``get_order``) or, when it cannot say, FILLED if the journaled fills cover the
    order, else CANCELLED. An order adopted under another client order id (Polymarket
    keeps none: a new process knows its orders by hash) is closed as replaced by that
    one. Returns how many were closed. Run it before any order of this run is placed:
    every live order the journal holds is then a previous run's."""
    resting = {o.client_order_id for o in adopted}
    renamed = {o.venue_order_id: o.client_order_id for o in adopted if o.venue_order_id}
    live = [s for s in OrderStatus if not s.is_terminal]
    stale = [
        o
        for o in journal.orders(venue=client.venue, statuses=live)
        if o.client_order_id not in resting
    ]
    records: list[RecoveryRecord] = []
    for order in stale:
        if order.venue_order_id in renamed:
            records.append(_replaced(order, renamed[order.venue_order_id]))
            continue
        found = (
            await _lookup(client, order, retries)
            if order.status is not OrderStatus.PENDING
            else None
        )
        if found is not None and not found.status.is_terminal:
            continue  # placed after the open orders were read: the engine adopts it
        records.append(_closing(order, found, _journaled_fill_quantity(journal, order)))
    if records:
        await write(records)
    return len(records)


async def _lookup(client: VenueClient, order: Order, retries: int) -> Order | None:
    """What the venue says of a journaled order: by the venue's id when the journal
    has it and the client can look that up (a new process's Polymarket client knows no
    hash of the last run's orders: the journal wrote each before it was sent), else by
    our client order id."""
    by_id = getattr(client, "get_order_by_id", None)
    vid = order.venue_order_id

    async def found() -> Order | None:
        if by_id is not None and vid is not None:
            return await by_id(vid)  # type: ignore[no-any-return]
        return await client.get_order(order.client_order_id, order.market_id)

    try:
        return await _call(client, "get_order", found, retries)
    except ReconciliationError:
        return None  # the venue cannot say: the journaled fills decide


def _journaled_fill_quantity(journal: Journal, order: Order) -> Decimal:
    vid = order.venue_order_id
    return sum(
        (
            jf.fill.quantity
            for jf in journal.fills(market_id=order.market_id)
            if not jf.is_reversed
            and (
                jf.fill.client_order_id == order.client_order_id
                or (vid is not None and jf.fill.venue_order_id == vid)
            )
        ),
        Decimal(0),
    )


def _replaced(order: Order, by: ClientOrderId) -> RecordOrderEvent:
    return RecordOrderEvent(
        client_order_id=order.client_order_id,
        event=OrderEvent.CANCELLED,
        status=OrderStatus.CANCELLED,
        reason=f"adopted at recovery as {by} (the same venue order)",
    )


def _closing(order: Order, found: Order | None, journaled: Decimal) -> RecordOrderEvent:
    if found is not None:
        status, filled = found.status, max(found.filled_quantity, journaled)
    else:
        filled = max(order.filled_quantity, journaled)
        status = OrderStatus.FILLED if filled >= order.quantity else OrderStatus.CANCELLED
    return RecordOrderEvent(
        client_order_id=order.client_order_id,
        event=_CLOSING_EVENT.get(status, OrderEvent.CANCELLED),
        status=status,
        filled_quantity=filled,
        venue_order_id=found.venue_order_id if found is not None else None,
        reason=GONE_REASON,
    )
