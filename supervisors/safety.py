"""What the engine does when a venue's own safety net trips (Kalshi's order group: our
orders matched more contracts in 15 s than ``order_group_limit``, so Kalshi cancelled all
of them and takes no more until the group is reset). ``supervisors.core`` hears it from
the venue's PlatformActor (``on_trip``) and runs ``venue_tripped``:

1. journal and show it (``safety net <venue>``: ``tripped``, with the reason);
2. suspend the venue's markets (no quote goes out) and cancel what the PlatformActor
   holds there, waiting until every order is accounted for (the trip's cancels answer
   "not found" and are looked up: each order closes as the venue says, its fills
   counted);
3. within the budget (``EngineTimings.safety_trips``, a ``RestartPolicy``: by default 2
   trips an hour, after a cool-down of 60 s and then 120 s), re-arm the safety net (the
   group reset), resume the PlatformActor and start the markets again: new incarnations
   that rebuild from the portfolio and the order table, quoting from the fills the burst
   left them; the journal says ``rearmed``;
4. past the budget, halt the venue: its orders cancelled with a fresh call to its
   client, its markets left suspended, ``halted`` journaled; the other venue trades on.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import trio
from loguru import logger

from predmm.actors.messages import CancelAll, Resume, ResumeVenue
from predmm.actors.status import CoreStatus
from predmm.domain.enums import Venue
from predmm.platforms.bridge import safe_tell
from predmm.supervisors.policy import on_failure
from predmm.supervisors.venue_restart import cancel_venue, suspend_markets

if TYPE_CHECKING:
    import random

    from predmm.supervisors.engine import TradingEngine

_log = logger.bind(actor="core")


def component(venue: Venue) -> str:
    return f"safety net {venue.value}"


async def venue_tripped(
    engine: TradingEngine, venue: Venue, reason: str, trips: list[float], rng: random.Random
) -> bool:
    """Steps 1-4 above; ``trips``: the earlier trip times (trio clock), updated. True
    when the venue is halted (also when the safety net cannot be re-armed: predmm does
    not trade a venue without it)."""
    name = component(venue)
    decision = on_failure(engine.timings.safety_trips, tuple(trips), trio.current_time(), rng)
    trips[:] = decision.failures
    _log.error("{name} tripped: {reason}; markets suspended, orders cancelled", **_kw(name, reason))
    engine.journal.supervision(name, "tripped", reason)
    _publish(engine, name, "tripped", reason, len(trips))
    await suspend_markets(engine, venue, f"{name} tripped")
    await _cancel_held(engine, venue, reason)
    if not decision.restart:
        await _halt(engine, venue, f"{reason}; tripped {len(trips)} times within the period")
        return True
    await trio.sleep(decision.delay)
    try:
        note = await engine.clients[venue].rearm_safety_net()  # type: ignore[attr-defined]
    except Exception as exc:
        await _halt(engine, venue, f"{reason}; the safety net could not be re-armed: {exc!r}")
        return True
    safe_tell(engine.platforms[venue], Resume())
    safe_tell(engine.supervisor, ResumeVenue(venue=venue))
    done = f"{note} after {decision.delay:g} s; markets quote again"
    _log.warning("{name} re-armed: {done}", name=name, done=done)
    engine.journal.supervision(name, "rearmed", done)
    _publish(engine, name, "rearmed", done, len(trips))
    return False


async def _cancel_held(engine: TradingEngine, venue: Venue, reason: str) -> None:
    """Every order the PlatformActor holds on the venue cancelled or accounted for."""
    assert engine.bridge is not None
    timeout = engine.timings.stop_timeout
    build = functools.partial(_cancel_all, f"safety net tripped: {reason}")
    with trio.move_on_after(timeout):
        await engine.bridge.ask(engine.platforms[venue], build, timeout)


def _cancel_all(reason: str, reply: Any) -> CancelAll:
    return CancelAll(reason=reason, reply=reply)


async def _halt(engine: TradingEngine, venue: Venue, reason: str) -> None:
    name = component(venue)
    cancelled = await cancel_venue(engine, venue)
    tail = "its orders could NOT be cancelled: predmm cancel-all" if cancelled is None else (
        f"{cancelled} orders cancelled"
    )  # fmt: skip
    note = f"{reason}; venue HALTED, {tail}"
    _log.error("{name}: {note}", name=name, note=note)
    engine.journal.supervision(name, "halted", note)
    _publish(engine, name, "halted", note, 0)


def _publish(engine: TradingEngine, name: str, health: str, note: str, trips: int) -> None:
    engine.board.publish_core(CoreStatus(component=name, health=health, restarts=trips, note=note))


def _kw(name: str, reason: str) -> dict[str, str]:
    return {"name": name, "reason": reason}
