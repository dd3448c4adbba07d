"""What the served front ends were asked: every HTTP request counted by app, method and
path, so that a test (or an operator of ``predmm sim``) can say which routes a client
used, and that a paper run used none that writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RequestKey = tuple[str, str, str]  # (app: "kalshi" | "clob" | "gamma", method, path)


class RequestTally:
    """Counts of the HTTP requests the simulator's apps received (websockets not
    counted: a client reads them, it places nothing through them)."""

    def __init__(self) -> None:
        self.counts: Counter[RequestKey] = Counter()

    def record(self, app: str, method: str, path: str) -> None:
        self.counts[(app, method, path)] += 1

    def writes(self) -> dict[RequestKey, int]:
        """Every request that is not a read: orders, cancels, amends, heartbeats."""
        return {k: n for k, n in self.counts.items() if k[1] not in READ_METHODS}

    def order_requests(self) -> dict[RequestKey, int]:
        """The writes to order routes (Kalshi ``/portfolio/...orders...``, Polymarket
        ``/order``, ``/orders``, ``/cancel...``)."""
        return {
            k: n for k, n in self.writes().items() if "order" in k[2] or k[2].startswith("/cancel")
        }

    def total(self, app: str | None = None) -> int:
        return sum(n for k, n in self.counts.items() if app is None or k[0] == app)


def counted(tally: RequestTally, name: str, app: ASGIApp) -> ASGIApp:
    """``app``, with each HTTP request recorded in ``tally`` under ``name``."""

    async def counting(
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            tally.record(name, scope["method"], scope["path"])
        await app(scope, receive, send)

    return counting
