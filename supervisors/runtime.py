"""How the TradingEngine runs inside its process: the intervals and timeouts of its
periodic tasks and shutdown (``EngineTimings``) and the loop that runs each periodic task
(``every``), the start-up heap frozen out of the garbage collector (``refreeze_gc``), and
the one ``PredmmError`` a refused start leaves trio's nested nurseries as
(``sole_predmm_error``, also used by the command line).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import attrs
import trio

from domain.errors import PredmmError


@attrs.frozen(kw_only=True)
class EngineTimings:
    scan_interval: float = 60.0  # re-run market selection
    tick_interval: float = 1.0  # quote-age and exit checks
    fill_poll_interval: float = 30.0  # backstop for fills the stream dropped
    ask_timeout: float = 2.0
    stop_timeout: float = 15.0
    feed_retry: float = 1.0
    # start-up objects (modules, actors, threads: ~90k) are frozen out of the garbage
    # collector once quoting starts, and re-frozen this often; None: never freeze
    gc_refreeze_interval: float | None = 3600.0


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
