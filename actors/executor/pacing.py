"""When the executor may try the same markets again (``Pacing``): markets just traded
wait for a new book of each (the book shown may not have our trade in it yet); a basket
that did not take, or that the limits refused, waits ``cooldown`` seconds. Plain state
of the executor; times are its clock's monotonic seconds."""

from __future__ import annotations

from collections.abc import Iterable

from predmm.domain.ids import MarketId


class Pacing:
    def __init__(self, cooldown: float) -> None:
        self.cooldown = cooldown
        self.until: dict[frozenset[MarketId], float] = {}
        self.unseen: dict[frozenset[MarketId], set[MarketId]] = {}

    def waits(self, markets: Iterable[MarketId], now: float) -> bool:
        key = frozenset(markets)
        until = self.until.get(key)
        return key in self.unseen or (until is not None and now < until)

    def traded(self, markets: frozenset[MarketId]) -> None:
        self.unseen[markets] = set(markets)

    def cool(self, markets: frozenset[MarketId], now: float) -> None:
        self.until[markets] = now + self.cooldown

    def book_seen(self, market_id: MarketId) -> None:
        for key, waiting in list(self.unseen.items()):
            waiting.discard(market_id)
            if not waiting:
                del self.unseen[key]
