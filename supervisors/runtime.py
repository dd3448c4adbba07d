"""How the TradingEngine runs inside its process and its caller's trio run: shielded from
the caller's cancellation, which asks for a graceful stop instead (``run_graceful``), a
refused start leaving trio's nested nurseries as its one ``PredmmError``
(``sole_predmm_error``, also used by the command line); SIGINT and SIGTERM asking for the
same stop, a second one forcing the process out (``watch_signals``, ``exit_now``); the
thread switch interval; the intervals and timeouts of its periodic tasks and shutdown
(``EngineTimings``) and the loop that runs each periodic task (``every``); the start-up
heap frozen out of the garbage collector (``refreeze_gc``); an actor's thread stopped
from the trio thread without blocking it (``stop_actor``).
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pykka
import trio
from loguru import logger

from predmm.actors.direct import DirectRef
from predmm.actors.platform.lookups import LookupPolicy
from predmm.domain.errors import PredmmError
from predmm.supervisors.policy import RestartPolicy

SWITCH_INTERVAL = 0.0005  # seconds: keeps GIL hand-offs between actor threads short
# a venue's safety net may trip twice within an hour: each time the venue is re-armed
# after a cool-down (60 s, then 120 s); the third trip within the hour halts the venue
TRIP_POLICY = RestartPolicy(
    intensity=2, period=3600.0, min_backoff=60.0, max_backoff=300.0, random_factor=0.0
)
_log = logger.bind(actor="engine")


@attrs.frozen(kw_only=True)
class EngineTimings:
    scan_interval: float = 60.0  # re-run market selection
    tick_interval: float = 1.0  # quote-age and exit checks
    fill_poll_interval: float = 30.0  # backstop for fills the stream dropped
    ask_timeout: float = 2.0
    stop_timeout: float = 15.0
    feed_retry: float = 1.0
    # an UNKNOWN order (its placement's answer lost) is looked up by client order id
    # over this window with backoff before it is given up (actors.platform.lookups)
    unknown_lookups: LookupPolicy = attrs.field(factory=LookupPolicy)
    # each venue's open orders and positions against the order table and the portfolio
    # (actors.platform.checks); a position that disagrees is read again this much later
    reconcile_interval: float = 60.0
    position_recheck: float = 2.0
    # a venue's safety net tripping (Kalshi's order group): re-armed after the backoff, at
    # most ``intensity`` times within ``period``, else the venue halted (supervisors.safety)
    safety_trips: RestartPolicy = attrs.field(factory=lambda: TRIP_POLICY)
    # start-up objects (modules, actors, threads: ~90k) are frozen out of the garbage
    # collector once quoting starts, and re-frozen this often; None: never freeze
    gc_refreeze_interval: float | None = 3600.0
    # a quoted market with rewards samples the venue's scoring of its quotes this often
    # (the venue samples once a minute: strategies.reward_score)
    rewards_sample_interval: float = 60.0
    # the executor (actors.executor): an order of it unanswered this long gets a cancel
    # (and its fills this long after it ended are given up waiting for); a basket that did
    # not take (or the limits refused) is not tried again on the same markets for this long
    leg_timeout: float = 10.0
    execution_cooldown: float = 5.0


async def every(interval: float, action: Callable[[], None]) -> None:
    while True:
        await trio.sleep(interval)
        action()


def refreeze_gc() -> None:
    """Collect everything, then freeze what survives out of later collections.

    A full collection scans every tracked object, and the start-up heap (modules,
    classes, actors and their threads: about 90k objects at 500 markets) is most of
    them: on 2 vCPUs such a pause took 25-50 ms, and every market's ticks queued behind
    it. Frozen objects are still freed by reference counting, but a reference cycle
    among them is not collected until the next refreeze (a restarted or retired market
    leaves about 130 such objects), so the engine refreezes every
    ``gc_refreeze_interval`` seconds, and unfreezes when it stops."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def run_graceful(body: Callable[[], Awaitable[None]], stop: trio.Event) -> None:
    """Runs ``body`` shielded from the caller's cancellation, which sets ``stop`` instead
    (the body then stops gracefully); a lone PredmmError leaves it bare."""
    try:
        async with trio.open_nursery() as outer:
            outer.start_soon(_set_when_cancelled, stop)
            with trio.CancelScope(shield=True):
                await body()
            outer.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        sole = sole_predmm_error(group)
        if sole is None:
            raise
        raise sole from None


async def _set_when_cancelled(stop: trio.Event) -> None:
    try:
        await trio.sleep_forever()
    finally:
        stop.set()


def sole_predmm_error(group: BaseExceptionGroup[Any]) -> PredmmError | None:
    """The one PredmmError that nested nurseries wrapped (a refusal to start), if that is
    all the group holds: re-raised bare, the command line prints it as one line."""
    leaves: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        exc = stack.pop()
        if isinstance(exc, BaseExceptionGroup):
            stack.extend(exc.exceptions)
        else:
            leaves.append(exc)
    only = leaves[0] if len(leaves) == 1 else None
    return only if isinstance(only, PredmmError) else None


SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


async def watch_signals(
    stop: trio.Event,
    force_exit: Callable[[], None],
    on_first: Callable[[str], None] | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The first SIGINT or SIGTERM sets ``stop`` (``on_first`` is told its name); a
    second calls ``force_exit``."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        count = 0
        async for signum in signals:
            count += 1
            if count == 1:
                name = SIGNAL_NAMES.get(signum, str(signum))
                _log.warning("signal {s}: stopping gracefully", s=name)
                if on_first is not None:
                    on_first(name)
                stop.set()
            else:
                _log.error("second signal {s}: forcing exit", s=signum)
                force_exit()


def exit_now() -> None:
    pykka.ActorRegistry.stop_all(block=False)
    os._exit(130)


async def stop_actor(ref: pykka.ActorRef[Any] | DirectRef | None, timeout: float) -> None:
    if ref is None:
        return
    try:
        future = ref.stop(block=False)
        await trio.to_thread.run_sync(lambda: future.get(timeout=timeout), abandon_on_cancel=True)
    except (pykka.Timeout, pykka.ActorDeadError):
        pass
