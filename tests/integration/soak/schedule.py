"""When the soak kills the daemon: moments of world time, each a kind of trouble to live
through (``runner.py`` SIGKILLs the daemon once the world passes ``at`` and starts it
again once it passes ``resume``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from .world import SoakPlan, World


@attrs.frozen(kw_only=True)
class Kill:
    at: datetime  # world time: SIGKILL the daemon once the world has passed it
    resume: datetime  # world time: start it again once the world has passed it
    why: str


LAST = timedelta(hours=6)  # none in the world's last hours


def next_kill(n: int, after: datetime, plan: SoakPlan, world: World) -> Kill | None:
    """Kill ``n`` (0 first), at or after ``after`` (world time); the plan's kinds in turn:
    across a resolution (half an hour before an event of several markets resolves, back
    half an hour after it), across UTC midnight (23:30 to 00:30), and inside a day's
    burst of faults (15:00, back five minutes later). None: too close to the end."""
    kind = plan.kills[n % len(plan.kills)]
    kill = _kill(kind, max(after, plan.start + plan.first_kill), world)
    return kill if kill.resume < plan.end - LAST else None


def kill_schedule(plan: SoakPlan, world: World) -> list[Kill]:
    """The kills, each at least the plan's ``kill_gap`` after the last restart: fixed by
    the plan alone (how far each run got by then depends on the machine, the moments do
    not)."""
    kills: list[Kill] = []
    after = plan.start
    while (kill := next_kill(len(kills), after, plan, world)) is not None:
        kills.append(kill)
        after = kill.resume + plan.kill_gap
    return kills


def _kill(kind: str, after: datetime, world: World) -> Kill:
    half = timedelta(minutes=30)
    if kind == "resolution":
        when, plan = next(
            (t, p) for t, p in world.resolutions() if t >= after + half and len(p.markets) > 1
        )
        return Kill(at=when - half, resume=when + half, why=f"across {plan.event_id} resolving")
    if kind == "midnight":
        midnight = _next(after + half, hour=0)
        return Kill(at=midnight - half, resume=midnight + half, why="across UTC midnight")
    burst = _next(after, hour=15)
    return Kill(at=burst, resume=burst + timedelta(minutes=5), why="inside a burst of faults")


def _next(after: datetime, *, hour: int) -> datetime:
    """The first moment at or after ``after`` that is ``hour``:00 (UTC)."""
    at = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at >= after else at + timedelta(days=1)
