"""``await engine.run()`` under asyncio: the engine runs as a trio guest of the asyncio
loop (trio still owns its sockets) against the simulator, which runs in a thread of its
own (its own ``trio.run``), and stops cleanly: nothing left resting on the venues.

* ``asyncio.run(main())`` and Ctrl-C: the host keeps its SIGINT handler (the engine
  installs none), which cancels the main task; the engine stops gracefully, then
  ``asyncio.run`` raises ``KeyboardInterrupt``.
* a loop driven without ``asyncio.run`` (SIGINT left at Python's default): trio takes
  SIGINT for the guest run; Ctrl-C stops the engine gracefully and comes out of
  ``run_until_complete`` as ``KeyboardInterrupt``.
* a loop that is already running, as in a Jupyter notebook: each "cell" is a task that
  awaits ``engine.run()``; the first is interrupted (its task cancelled), the second
  stopped with ``request_stop()``; the loop runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from predmm.actors.journal.store import Journal
from predmm.cli.daemon import embedded_simulator
from predmm.cli.venues import from_running_simulator
from predmm.config.market_making import MarketMakingConfig
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine

Sim = tuple[RunningSimulator, trio.lowlevel.TrioToken]
QUOTING_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 120.0  # from Ctrl-C to the end of the run, under load


@contextlib.contextmanager
def simulator_in_thread(seed: int) -> Iterator[Sim]:
    """The embedded exchange (seeded flow, established markets) served by a trio run
    in another thread; ``in_sim`` runs a function there."""
    handed: queue.Queue[tuple[RunningSimulator, trio.lowlevel.TrioToken, trio.Event]] = (
        queue.Queue()
    )

    async def serve() -> None:
        async with running_simulator(seed=seed, flow=True, **embedded_simulator()) as running:
            stop = trio.Event()
            handed.put((running, trio.lowlevel.current_trio_token(), stop))
            await stop.wait()

    thread = threading.Thread(target=trio.run, args=(serve,), daemon=True)
    thread.start()
    running, token, stop = handed.get(timeout=60)
    try:
        yield running, token
    finally:
        trio.from_thread.run_sync(stop.set, trio_token=token)
        thread.join(30)


def in_sim(sim: Sim, fn: Callable[[RunningSimulator], Any]) -> Any:
    running, token = sim
    return trio.from_thread.run_sync(fn, running, trio_token=token)


def resting(sim: Sim) -> int:
    """Our orders resting on both venues, read in the simulator's own thread."""

    def count(running: RunningSimulator) -> int:
        maker, ex = running.sim.maker, running.sim.exchange
        return len(ex.open_orders(maker.kalshi_account) + ex.open_orders(maker.polymarket_account))

    return int(in_sim(sim, count))


def engine_on(sim: Sim, journal: Path) -> TradingEngine:
    clients = from_running_simulator(sim[0]).clients
    return TradingEngine(MarketMakingConfig(), venues=clients, journal_path=journal)


async def until_quoting(sim: Sim, engine: TradingEngine) -> None:
    """Until the engine has started and one of its orders rests on a venue. Whatever
    else ends the wait (its timeout, a cancellation, the simulator gone) stops the
    engine on the way out: the test then fails instead of waiting forever for a run
    nothing will stop."""
    try:
        async with asyncio.timeout(QUOTING_TIMEOUT_S):
            # read in a worker thread: the loop hosting the engine is never blocked on
            # the simulator's thread (busy serving the engine itself under load)
            while not engine.started.is_set() or await asyncio.to_thread(resting, sim) == 0:
                await asyncio.sleep(0.05)
    except BaseException:
        engine.request_stop("the test's wait for quoting ended")
        raise


async def run_with_ctrl_c_once_quoting(
    sim: Sim, engine: TradingEngine, seen: dict[str, Any]
) -> None:
    """``await engine.run()`` with a helper that presses Ctrl-C once the engine quotes
    (``seen["handler"]``: the SIGINT handler then). The helper stops the engine itself
    when it cannot press Ctrl-C or the Ctrl-C does not stop the run; its failure is
    raised here once the run has ended."""

    async def ctrl_c_once_quoting() -> None:
        await until_quoting(sim, engine)
        seen["handler"] = signal.getsignal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)  # what Ctrl-C does
        await asyncio.sleep(STOP_TIMEOUT_S)  # cancelled once the run has ended
        engine.request_stop("the test's Ctrl-C did not stop the engine")
        raise AssertionError(f"Ctrl-C did not stop the engine within {STOP_TIMEOUT_S} s")

    helper = asyncio.create_task(ctrl_c_once_quoting())
    try:
        await engine.run()
    finally:
        helper.cancel()
    if helper.done() and not helper.cancelled() and (failed := helper.exception()) is not None:
        raise failed


def stopped_cleanly(journal: Path) -> bool:
    with Journal.open_read_only(journal) as reader:
        (run,) = reader.runs()
        return run.stopped_at is not None and reader.open_orders() == []


def test_asyncio_run_then_ctrl_c_stops_the_engine_gracefully(tmp_path: Path) -> None:
    journal = tmp_path / "asyncio.sqlite3"
    seen: dict[str, Any] = {}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    async def main() -> None:
        engine = seen["engine"] = engine_on(sim, journal)
        await run_with_ctrl_c_once_quoting(sim, engine, seen)

    with simulator_in_thread(seed=7) as sim:
        with pytest.raises(KeyboardInterrupt):
            asyncio.run(main())
        left = resting(sim)

    assert left == 0
    assert stopped_cleanly(journal)
    handler = seen["handler"]  # asyncio's, as asyncio.run installed it: not the engine's
    assert getattr(handler, "func", None).__name__ == "_on_sigint"  # type: ignore[union-attr]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not seen["engine"].snapshot().running


def test_a_loop_run_until_complete_then_ctrl_c_stops_the_engine_gracefully(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "loop.sqlite3"
    loop = asyncio.new_event_loop()

    async def main() -> None:
        await run_with_ctrl_c_once_quoting(sim, engine_on(sim, journal), {})

    with simulator_in_thread(seed=9) as sim:
        try:
            with pytest.raises(KeyboardInterrupt):
                loop.run_until_complete(main())
        finally:
            loop.close()
        left = resting(sim)

    assert left == 0
    assert stopped_cleanly(journal)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_running_loop_awaits_the_engine_from_tasks_like_a_notebook(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    outcome: dict[str, Any] = {}

    async def cell(engine: TradingEngine) -> None:
        await engine.run()

    async def notebook(sim: Sim) -> None:
        first = engine_on(sim, tmp_path / "cell1.sqlite3")
        task = loop.create_task(cell(first))
        await until_quoting(sim, first)
        task.cancel()  # "interrupt the kernel"
        with contextlib.suppress(asyncio.CancelledError):
            await task
        outcome["interrupted"] = (task.cancelled(), resting(sim))
        second = engine_on(sim, tmp_path / "cell2.sqlite3")
        task = loop.create_task(cell(second))
        await until_quoting(sim, second)
        second.request_stop()  # from another cell
        await task
        outcome["stopped"] = (task.cancelled(), resting(sim))

    async def kernel(sim: Sim) -> None:
        try:
            await notebook(sim)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            loop.stop()

    with simulator_in_thread(seed=8) as sim:
        loop.call_soon(lambda: loop.create_task(kernel(sim)))
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    if "error" in outcome:
        raise outcome["error"]
    assert outcome["interrupted"] == (True, 0)
    assert outcome["stopped"] == (False, 0)
    assert stopped_cleanly(tmp_path / "cell1.sqlite3")
    assert stopped_cleanly(tmp_path / "cell2.sqlite3")
