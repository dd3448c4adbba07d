"""Market data conflation (``platforms.bridge.Conflator``): an actor is told that data
waits at most once until it takes it, and always takes the newest state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import trio
import trio.testing

from predmm.domain.book import Level, OrderBook, Watch
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.platforms.bridge import Bridge, Conflator, DataReady

M = MarketId(Venue.KALSHI, "KXCONF")
D = Decimal


class Inbox:
    """Stands in for an actor's ref: records what it is told."""

    def __init__(self) -> None:
        self.told: list[Any] = []

    def tell(self, message: Any) -> None:
        self.told.append(message)


def _book(bid: str, ask: str, size: int = 10) -> OrderBook:
    return OrderBook.from_yes_quotes(M, [Level(D(bid), D(size))], [Level(D(ask), D(size))])


@pytest.fixture
async def attached(nursery: trio.Nursery) -> tuple[Conflator, Inbox]:
    """A conflator with one actor (an ``Inbox``) attached to market M."""
    conflator = Bridge(nursery).conflator
    inbox = Inbox()
    conflator.attach(M, inbox)  # type: ignore[arg-type]
    await trio.testing.wait_all_tasks_blocked()
    return conflator, inbox


async def test_a_busy_actor_is_told_once_and_takes_only_the_newest_book(
    attached: tuple[Conflator, Inbox],
) -> None:
    conflator, inbox = attached
    conflator.offer_book(_book("0.40", "0.45"), received_ns=1)
    conflator.offer_book(_book("0.41", "0.45"), received_ns=2)
    conflator.offer_trade(M, D("0.45"), D(3))
    conflator.offer_book(_book("0.42", "0.45"), received_ns=3)
    assert inbox.told == [DataReady(market_id=M)]

    data = conflator.take(M)
    assert data is not None
    assert data.book == _book("0.42", "0.45")
    assert (data.received_ns, data.traded, data.conflated) == (3, D(3), 2)
    assert conflator.take(M) is None  # nothing new since

    conflator.offer_book(_book("0.43", "0.45"))
    assert inbox.told == [DataReady(market_id=M)] * 2  # taken: told again


async def test_a_lost_book_reaches_the_actor_as_none_and_a_new_actor_gets_the_last_book() -> None:
    async with trio.open_nursery() as nursery:
        conflator = Bridge(nursery).conflator
        first = Inbox()
        conflator.attach(M, first)  # type: ignore[arg-type]
        await trio.testing.wait_all_tasks_blocked()
        conflator.offer_book(_book("0.40", "0.45"))
        assert conflator.take(M) is not None
        conflator.invalidate(M)
        lost = conflator.take(M)
        assert lost is not None
        assert lost.book is None

        conflator.offer_book(_book("0.44", "0.47"))
        conflator.detach(M, first)  # type: ignore[arg-type]
        second = Inbox()  # a restarted actor: told at once, takes the newest book
        conflator.attach(M, second)  # type: ignore[arg-type]
        await trio.testing.wait_all_tasks_blocked()
        assert second.told == [DataReady(market_id=M)]
        data = conflator.take(M)
        assert data is not None
        assert data.book == _book("0.44", "0.47")
        nursery.cancel_scope.cancel()


async def test_a_book_that_changes_nothing_the_actor_reads_does_not_wake_it(
    attached: tuple[Conflator, Inbox],
) -> None:
    conflator, inbox = attached
    conflator.offer_book(_book("0.40", "0.45"))
    assert conflator.take(M) is not None
    assert not conflator.watch(M, Watch(own_yes=D("0.41"), own_no=D("0.57")))
    conflator.offer_book(_book("0.40", "0.45", size=30))  # sizes where we do not rest
    assert inbox.told == [DataReady(market_id=M)]  # the first book's only
    assert conflator.take(M) is None

    conflator.offer_book(_book("0.41", "0.45", size=30))  # a price: told
    assert inbox.told == [DataReady(market_id=M)] * 2
    data = conflator.take(M)
    assert data is not None
    assert data.book == _book("0.41", "0.45", size=30)


async def test_a_kept_book_that_matters_under_a_new_watch_is_handed_over(
    attached: tuple[Conflator, Inbox],
) -> None:
    conflator, inbox = attached
    conflator.offer_book(_book("0.40", "0.45"))
    assert conflator.take(M) is not None
    conflator.watch(M, Watch(own_yes=D("0.41")))
    conflator.offer_book(_book("0.40", "0.45", size=30))  # kept: not our price
    assert conflator.take(M) is None
    # our bid of 10 moves onto 0.40: the book taken showed only us there (10), the kept
    # one shows others too (30)
    ours = Watch(own_yes=D("0.40"), own_yes_size=D(10))
    assert conflator.watch(M, ours)  # the caller tells its actor
    assert not conflator.watch(M, ours)  # once
    data = conflator.take(M)
    assert data is not None
    assert data.book == _book("0.40", "0.45", size=30)
    assert inbox.told == [DataReady(market_id=M)]  # trio told nothing more
