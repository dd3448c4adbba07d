"""Restarting one venue's PlatformActor (``supervisors.core`` decides when): its markets
suspended and the dead actor's queued requests dropped (``suspend``); a successor that
starts from what the dead one had counted (``fill_memory``), polls the fills since,
adopts the venue's open orders, has the portfolio's reservations follow them and starts
the markets again (``restart_platform``); a successor that could not take over stopped,
with what it counted (``take_back``); and, past the budget, the venue's orders cancelled
with a fresh call to its client (``cancel_venue``).
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

import pykka
import trio
from loguru import logger

from predmm.actors.messages import (
    AttachPortfolio,
    CancelOrphans,
    GetFillMemory,
    PollFills,
    ResumeVenue,
    SuspendVenue,
    VenueOrders,
)
from predmm.actors.platform.actor import FillMemory
from predmm.domain.enums import Venue
from predmm.domain.errors import PredmmError
from predmm.platforms.bridge import backoff_delay, safe_tell
from predmm.supervisors.execution import attachment
from predmm.supervisors.handover import flush, take_over_orders
from predmm.supervisors.runtime import stop_actor

if TYPE_CHECKING:
    from predmm.supervisors.engine import TradingEngine

CANCEL_RETRIES = 5  # fresh cancel_all calls to a halted venue before giving up
_log = logger.bind(actor="core")


async def suspend(engine: TradingEngine, venue: Venue, reason: str) -> None:
    """The venue's markets stopped, the dead actor's requests dropped or finished."""
    assert engine.bridge is not None
    timeout = engine.timings.stop_timeout
    await suspend_markets(engine, venue, reason)
    if not await engine.bridge.retire_venue(venue.value, timeout):
        _log.warning("{v}: requests still in flight after {t:g} s", v=venue.value, t=timeout)


async def suspend_markets(engine: TradingEngine, venue: Venue, reason: str) -> None:
    """The venue's markets stopped (``ResumeVenue`` starts them again)."""
    assert engine.bridge is not None
    timeout = engine.timings.stop_timeout
    if engine.supervisor is not None:
        build = functools.partial(_suspend_message, venue, reason)
        with trio.move_on_after(timeout):
            await engine.bridge.ask(engine.supervisor, build, timeout)


async def restart_platform(engine: TradingEngine, venue: Venue, memory: FillMemory | None) -> None:
    """A successor for the dead PlatformActor: the fills since ``memory`` counted, the
    venue's open orders adopted (the portfolio's reservations follow them), orphans
    cancelled, the venue's markets started again."""
    assert engine.bridge is not None
    client, portfolio = engine.clients[venue], engine.portfolio
    assert portfolio is not None
    cursor, seen = await fill_memory(engine, venue, memory)
    engine.bridge.start_venue(venue.value, client)
    platform = engine.start_platform(venue, cursor, seen)
    platform.tell(AttachPortfolio(portfolio=portfolio, direct=engine.portfolio_direct))
    executor = attachment(engine, engine.maker_configs())
    if executor is not None:  # the executor's orders are its own
        safe_tell(platform, executor)
    platform.tell(PollFills())
    adopted = await take_over_orders(
        engine.bridge, platform, client, engine.run_journal, engine.timings
    )
    message = VenueOrders(venue=venue, orders=tuple(adopted))
    with contextlib.suppress(pykka.ActorDeadError):  # dead: trading is HALTED anyway
        await trio.to_thread.run_sync(engine.portfolio_direct.call, message)
    platform.tell(CancelOrphans(keep=engine.selected))
    safe_tell(engine.supervisor, ResumeVenue(venue=venue))


async def fill_memory(
    engine: TradingEngine, venue: Venue, memory: FillMemory | None
) -> tuple[str | None, frozenset[Any]]:
    """Where the successor starts counting fills: the dead actor's own cursor and
    counted fills; without them (it died without a report), the journal's, once it has
    written everything it was told."""
    if memory is not None:
        return memory.cursor, memory.seen
    journal = engine.run_journal
    if journal is None:
        raise PredmmError(f"{venue.value}: no fill cursor to restart from (no journal)")
    await flush(journal, engine.timings.ask_timeout)
    return engine.journal_cursor(venue), frozenset()


async def take_back(engine: TradingEngine, venue: Venue) -> FillMemory | None:
    """A successor that did not take over, stopped: what it counted (None if it is not
    running)."""
    platform = engine.platforms[venue]
    if not platform.alive:
        return None
    timeout = engine.timings.ask_timeout
    try:
        memory = await trio.to_thread.run_sync(
            lambda: platform.ask(GetFillMemory(), timeout=timeout)
        )
    except (pykka.ActorDeadError, pykka.Timeout):
        return None
    with trio.CancelScope(shield=True):
        await stop_actor(platform, engine.timings.stop_timeout)
    return memory if isinstance(memory, FillMemory) else None


async def cancel_venue(engine: TradingEngine, venue: Venue) -> int | None:
    """Cancel everything on ``venue`` with a fresh call to its client, retried; how many
    (None: it could not be done)."""
    client = engine.clients[venue]
    for attempt in range(CANCEL_RETRIES):
        try:
            return await client.cancel_all()
        except Exception as exc:
            _log.warning("{v}: cancel-all failed: {exc!r}", v=venue.value, exc=exc)
            await trio.sleep(backoff_delay(attempt))
    return None


def _suspend_message(venue: Venue, reason: str, reply: Any) -> SuspendVenue:
    return SuspendVenue(venue=venue, reason=reason, reply=reply)
