"""Where ``await engine.run()`` is awaited: inside ``trio.run`` as always, or inside an
asyncio event loop (``asyncio.run``, a Jupyter notebook's running loop), where the engine
runs as a trio *guest* (``trio.lowlevel.start_guest_run``) on top of the asyncio *host*.

Trio still owns every socket, timer and thread hand-off of the engine: in guest mode
trio's I/O wait runs in a worker thread and each of its ticks runs as a callback of the
host loop, in the host's thread. The host keeps its signals: the engine installs no
handler of its own under asyncio.

Cancelling the awaiting asyncio task (what ``asyncio.run`` does on Ctrl-C, and what a
notebook's interrupt does to a running cell) is a graceful stop: quoting stops, every
resting order is cancelled, the journal is flushed, and then the task ends cancelled.
Further cancellations while that stop runs are absorbed (it is bounded by the engine's
``stop_timeout``). One engine runs on a loop at a time (trio allows one run per
thread): a second is refused with a ``PredmmError`` saying so.

When the host left SIGINT at Python's default handler (a loop driven
by ``run_until_complete`` or ``run_forever`` without ``asyncio.run``), trio takes it for
the duration of the guest run: Ctrl-C is then delivered into the trio run, which stops
the engine the same way before ``KeyboardInterrupt`` comes out of ``await
engine.run()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import sniffio
import trio

from predmm.domain.errors import PredmmError


def under_asyncio() -> bool:
    """Whether the caller is an asyncio task (and not a trio task, guest or not)."""
    try:
        return sniffio.current_async_library() == "asyncio"
    except sniffio.AsyncLibraryNotFoundError:
        return False


async def run_as_guest(
    trio_main: Callable[[], Awaitable[None]], request_stop: Callable[[], None]
) -> None:
    """Run ``trio_main`` as a trio guest of the running asyncio loop and wait for it;
    a cancellation of the waiting task asks ``request_stop()`` and waits for the end,
    then is raised."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()  # the run's outcome.Outcome

    def finished(result: Any) -> None:
        if not done.done():
            done.set_result(result)

    _start(trio_main, loop, finished)
    cancelled = False
    while not done.done():
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            cancelled = True
            request_stop()
    _unwrap(done.result())  # an error of the stop itself wins over the cancellation
    if cancelled:
        raise asyncio.CancelledError


def _start(
    trio_main: Callable[[], Awaitable[None]],
    loop: asyncio.AbstractEventLoop,
    finished: Callable[[Any], None],
) -> None:
    """The guest run started; a second one in the same thread is refused by name."""
    try:
        _start_guest(trio_main, loop, finished)
    except RuntimeError as exc:
        if "inside a run" not in str(exc):
            raise
        raise PredmmError(
            "an engine (a trio run) is already running on this thread's event loop: one"
            " engine per loop at a time; stop it first (engine.request_stop()) or run the"
            " other in a process of its own"
        ) from None


def _start_guest(
    trio_main: Callable[[], Awaitable[None]],
    loop: asyncio.AbstractEventLoop,
    finished: Callable[[Any], None],
) -> None:
    trio.lowlevel.start_guest_run(
        trio_main,
        run_sync_soon_threadsafe=loop.call_soon_threadsafe,
        run_sync_soon_not_threadsafe=loop.call_soon,
        done_callback=finished,
        host_uses_signal_set_wakeup_fd=True,  # asyncio's loop owns the wakeup fd
        # a Ctrl-C trio takes (the host left SIGINT at the default) lands at a checkpoint
        # of the engine's main task, where the graceful stop catches it
        restrict_keyboard_interrupt_to_checkpoints=True,
    )


def _unwrap(result: Any) -> None:
    """The run's result; a Ctrl-C that came out of trio's nurseries as a group of
    nothing but KeyboardInterrupt is raised as the one KeyboardInterrupt it is."""
    try:
        result.unwrap()
    except BaseExceptionGroup as group:
        _, rest = group.split(KeyboardInterrupt)
        if rest is None:
            raise KeyboardInterrupt from None
        raise
