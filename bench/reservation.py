"""The PortfolioActor's work per requote, on the exposure book alone: a market's two
quotes reserved together (one limit check over the event's outcome scenarios) and both
closed, and one order checked on its own; for a market linked across venues (one
outcome), a market of a 3-outcome Kalshi event and of a 30-outcome event. Median of
five runs, microseconds. Prints a table; the last line is one JSON object.

    .venv/bin/python bench/reservation.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from decimal import Decimal

from predmm.config.risk import EventLink
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.exposure import ExposureBook, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Limits, Terms

D = Decimal
LIMITS = Limits(
    market_contracts=D(100),
    market_loss=D(100),
    event_contracts=D(150),
    event_loss=D(150),
    venue_loss=D(1000),
    total_loss=D(1500),
)


def _request(coid: str, side: OrderSide) -> ReserveRequest:
    terms = Terms(side=side, action=Action.BUY, price=D("0.48"), quantity=D(10))
    return ReserveRequest(client_order_id=ClientOrderId(coid), terms=terms)


def _books() -> dict[str, tuple[ExposureBook, MarketId]]:
    k, p = MarketId(Venue.KALSHI, "K"), MarketId(Venue.POLYMARKET, "P")
    linked = ExposureBook(LIMITS, (EventLink(event_id=EventId("E"), markets=(k, p)),))
    out = {"linked": (linked, k)}
    for n in (3, 30):
        group = VenueGroup(venue=Venue.KALSHI, group_id=f"EV{n}")
        markets = [MarketId(Venue.KALSHI, f"EV{n}-{i}") for i in range(n)]
        book = ExposureBook(LIMITS)
        book.learn([(m, group) for m in markets])
        out[f"outcomes_{n}"] = (book, markets[0])
    return out


def _requote_us(book: ExposureBook, market: MarketId, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        quotes = (_request(f"y{i}", OrderSide.YES), _request(f"n{i}", OrderSide.NO))
        assert book.reserve_together(market, quotes)
        for q in quotes:
            book.closed(OrderClosed(client_order_id=q.client_order_id, filled_quantity=D(0)))
    return (time.perf_counter() - start) / n * 1e6


def _check_us(book: ExposureBook, market: MarketId, n: int) -> float:
    terms = _request("x", OrderSide.YES).terms
    start = time.perf_counter()
    for _ in range(n):
        book.breach(market, terms)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a few seconds)")
    n = 2000 if parser.parse_args().quick else 20000
    figures: dict[str, float] = {}
    print(f"{'market':<14} {'requote us':>11} {'check us':>9}")
    for name, (book, market) in _books().items():
        requote = statistics.median(_requote_us(book, market, n) for _ in range(5))
        check = statistics.median(_check_us(book, market, n) for _ in range(5))
        figures[f"requote_us_{name}"] = round(requote, 1)
        figures[f"check_us_{name}"] = round(check, 2)
        print(f"{name:<14} {requote:>11.1f} {check:>9.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
