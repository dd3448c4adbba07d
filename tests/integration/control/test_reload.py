"""``predmm reload`` against a daemon started with a config file (the daemon runs in
this test's trio run on the simulator, as ``predmm run`` runs it; the command is a real
process): a wider ``base_spread`` is applied and every market requotes wider, a
``[daemon]`` change is named as needing a restart; a bad file is refused with its one
line and the daemon runs on as it was; a daemon without a config file says so."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
import trio

from predmm.cli.control.channel import Peer
from predmm.cli.control.client import ask_daemon
from predmm.cli.control.handlers import DaemonControl
from predmm.cli.control.protocol import Request
from predmm.cli.daemon import RunOptions, load_run_settings, run_with_venues
from predmm.cli.venues import from_running_simulator
from predmm.config.settings import Settings
from predmm.domain.enums import Action, OrderSide
from predmm.domain.ids import MarketId
from predmm.simulator import Simulator
from predmm.supervisors.engine import TradingEngine
from tests.integration.control.sim_helpers import resting, run_predmm, served

SETTINGS = """\
[strategy]
min_spread = "0.02"
base_spread = "{base}"
max_spread = "0.5"
{more}"""


def spreads(sim: Simulator) -> dict[MarketId, Decimal]:
    """Per market quoted on both sides: YES ask - YES bid (a NO bid at q is an ask at
    1 - q)."""
    bids: dict[MarketId, dict[OrderSide, Decimal]] = {}
    for order in resting(sim):
        if order.action is Action.BUY:
            bids.setdefault(order.market_id, {})[order.side] = order.price
    return {m: 1 - b[OrderSide.NO] - b[OrderSide.YES] for m, b in bids.items() if len(b) == 2}


async def wait_for(what: str, condition: Callable[[], bool], timeout: float) -> None:
    with trio.move_on_after(timeout):
        while not condition():
            await trio.sleep(0.1)
        return
    raise AssertionError(f"{what} within {timeout:g} s")


async def test_reload_applies_a_wider_spread_and_refuses_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREDMM_LOCK_DIR", str(tmp_path / "locks"))
    config, journal = tmp_path / "mm.toml", tmp_path / "mm.sqlite3"
    config.write_text(SETTINGS.format(base="0.03", more=""))
    opts = RunOptions(config=config, journal=journal, view=False)
    reload = ["reload", "--journal", str(journal)]
    async with served(flow=True) as running, trio.open_nursery() as nursery:
        sim = running.sim
        nursery.start_soon(
            run_with_venues, opts, load_run_settings(opts), from_running_simulator(running)
        )
        await wait_for("two-sided quotes", lambda: len(spreads(sim)) >= 3, 60)
        before = spreads(sim)

        config.write_text(SETTINGS.format(base="0.07", more="[daemon]\nmetrics_port = 9464\n"))
        done = await run_predmm(reload, tmp_path)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.decode().splitlines() == [
            f"reloaded {config}: 1 changes applied",
            "  applied: [strategy] base_spread: 0.03 -> 0.07",
            "  needs a restart (not applied): [daemon] metrics_port: 0 -> 9464",
        ]

        def wider() -> bool:
            now = spreads(sim)
            both = [m for m in before if m in now]
            return bool(both) and all(now[m] - before[m] > Decimal("0.02") for m in both)

        await wait_for("every market quoting wider", wider, 30)

        good = config.read_text()
        config.write_text(SETTINGS.format(base="-0.01", more=""))
        done = await run_predmm(reload, tmp_path)
        assert done.returncode == 2
        assert done.stdout == b""
        assert done.stderr.decode() == (
            "predmm: error: reload refused, still running on the previous settings:"
            f" {config} [strategy]: base_spread = -0.01: must be between 0 and 1 (exclusive)\n"
        )
        assert spreads(sim)  # still quoting

        config.write_text(good)  # what it runs on: nothing to change
        request = Request(command="reload")
        answer = await trio.to_thread.run_sync(ask_daemon, journal, request, 60)
        assert answer == {
            "ok": True,
            "file": str(config),
            "applied": [],
            "restart": ["[daemon] metrics_port: 0 -> 9464"],
        }
        nursery.cancel_scope.cancel()  # a graceful stop, as Ctrl-C


async def test_reload_of_a_daemon_without_a_config_file_says_so() -> None:
    def never() -> Settings:
        raise AssertionError("no file to read")

    handler = DaemonControl(
        cast(TradingEngine, None),  # nothing of the engine is touched
        Settings(),
        config_file=None,
        reread=never,
        merge_links=lambda risk: risk,
    )
    answer = await handler(Request(command="reload"), Peer(pid=1, uid=0, gid=0))
    assert answer == {
        "ok": False,
        "error": "this daemon runs without a config file (--preset or the defaults): nothing"
        " to reload; start it with --config FILE to change its settings live",
    }
