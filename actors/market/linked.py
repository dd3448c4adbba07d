"""The books a MarketActor valued across venues reads (``fair_value_method =
"cross_venue"``): the same outcome's markets on the other venues. It follows them in the
conflator (told ``DataReady`` of a linked market when a new book of it arrives) and peeks
their newest books, less our own quotes there, asking no actor (``LinkedBooks``), and
hands them to its ``MarketCore`` (``on_linked``), which decides with them.
"""

from __future__ import annotations

from typing import Any

from predmm.domain.book import OrderBook
from predmm.domain.ids import MarketId
from predmm.strategies.views import others_book


class LinkedBooks:
    def __init__(self, market_ids: tuple[MarketId, ...]) -> None:
        self.market_ids = market_ids
        self.books: dict[MarketId, OrderBook] = {}

    def follow(self, conflator: Any, ref: Any) -> None:
        for market_id in self.market_ids:
            conflator.follow(market_id, ref)

    def unfollow(self, conflator: Any, ref: Any) -> None:
        for market_id in self.market_ids:
            conflator.unfollow(market_id, ref)

    def read(self, conflator: Any, market_id: MarketId, ref: Any) -> None:
        """The newest book of the linked ``market_id`` (none while its feed lost it),
        less our own quotes there."""
        book, watch = conflator.peek(market_id, ref)
        if book is None:
            self.books.pop(market_id, None)
        else:
            self.books[market_id] = others_book(book, watch)

    def values(self) -> tuple[OrderBook, ...]:
        return tuple(self.books[m] for m in self.market_ids if m in self.books)
