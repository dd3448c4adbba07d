"""Cross-venue fair value: one outcome listed on several venues, valued from all its books.

When an outcome trades on both venues (``[[risk.event_links]]``), each venue's book is a
view of the same YES. ``cross_venue_fair`` blends them: every book's microprice (the mid
weighted by the opposite sizes at the touch) weighted by the depth at its touch (the best
YES bid's size plus the best NO bid's size). The deeper book pulls the value toward
itself, so the thinner venue's quotes lean on the deeper one; two books of equal depth
count equally. Pure: books in, a price out.

The market's own book must be two-sided (no two-sided market, no quote, as with the
other methods); a linked book that is one-sided or crossed is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from predmm.domain.book import OrderBook

ZERO = Decimal(0)


def touch_depth(book: OrderBook) -> Decimal:
    """What rests at the best YES bid and the best NO bid (a YES ask), contracts."""
    if not book.yes_bids or not book.no_bids:
        return ZERO
    return book.yes_bids[0].size + book.no_bids[0].size


def cross_venue_fair(book: OrderBook, linked: Iterable[OrderBook]) -> Decimal | None:
    """The depth-weighted microprice of ``book`` and its ``linked`` books (the same
    outcome on other venues); None when ``book`` itself is not two-sided."""
    own = book.microprice()
    if own is None or book.is_crossed():
        return None
    weighted, depth = own * touch_depth(book), touch_depth(book)
    for other in linked:
        price = other.microprice()
        if price is None or other.is_crossed():
            continue
        weight = touch_depth(other)
        weighted, depth = weighted + price * weight, depth + weight
    return weighted / depth
