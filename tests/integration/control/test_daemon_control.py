"""The operator's commands against a running daemon: a real ``predmm run`` process on
the simulator (served in this test's trio run, where the test reads the exchange's own
order book), and the commands as real processes, as an operator types them.

- ``predmm halt``: nothing of ours rests on either venue when it answers, nor 5 s
  later, and nothing is placed until ``predmm resume``, after which quoting resumes;
- ``predmm cancel-all --sim-credentials`` (as with ``--config``): the accounts' locks
  name the daemon trading them, which halts first (nothing re-quotes), and
  ``predmm status`` shows it HALTED with the operator's reason;
- once the daemon is killed, its socket is stale: the commands say no daemon runs.

Waiting on another process is the one place these tests poll: short looks at the
exchange, each wait bounded by a deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio
from click.testing import CliRunner

from predmm.cli.control.channel import socket_path
from predmm.cli.main import cli
from predmm.simulator import Simulator
from tests.integration.control.sim_helpers import (
    PREDMM,
    placed,
    resting,
    run_predmm,
    served,
    write_credentials,
)

START_TIMEOUT = 90.0
WATCH = 5.0  # seconds the halted daemon is watched placing nothing


@asynccontextmanager
async def daemon(tmp_path: Path, creds: Path, journal: Path) -> AsyncIterator[trio.Process]:
    """``predmm run`` on the simulator's credentials, its output in a file."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PREDMM_LOCK_DIR": str(tmp_path / "locks")}
    args = [PREDMM, "run", "--sim-credentials", str(creds), "--journal", str(journal)]
    with open(tmp_path / "daemon.log", "wb") as log:
        proc = await trio.lowlevel.open_process(
            [*args, "--no-view"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.kill()
            with trio.move_on_after(30):
                await proc.wait()


async def wait_for(what: str, condition: Callable[[], bool], timeout: float, log: Path) -> None:
    with trio.move_on_after(timeout):
        while not condition():
            await trio.sleep(0.1)
        return
    raise AssertionError(f"{what} within {timeout:g} s; daemon log:\n{log.read_text()[-3000:]}")


async def nothing_placed_for(sim: Simulator, seconds: float) -> None:
    """No order of the market maker's rests, and none is placed, for ``seconds``."""
    before = placed(sim)
    end = trio.current_time() + seconds
    while trio.current_time() < end:
        assert resting(sim) == []
        assert placed(sim) == before
        await trio.sleep(0.25)


def trading_state(journal: Path) -> dict[str, Any]:
    shown = CliRunner().invoke(cli, ["status", "--journal", str(journal), "--json"])
    assert shown.exit_code == 0, shown.output
    state = json.loads(shown.output)["trading_state"]
    assert isinstance(state, dict)
    return state


async def command(tmp_path: Path, *args: str) -> list[str]:
    done = await run_predmm(list(args), tmp_path, {"PREDMM_LOCK_DIR": str(tmp_path / "locks")})
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, out + err
    assert err == ""
    return out.splitlines()


async def test_halt_resume_and_cancel_all_against_a_running_daemon(tmp_path: Path) -> None:
    journal, log = tmp_path / "mm.sqlite3", tmp_path / "daemon.log"
    async with served(flow=True) as running:  # the flow's liquidity makes two-sided books
        sim = running.sim
        creds = write_credentials(running, tmp_path / "creds")
        async with daemon(tmp_path, creds, journal) as proc:
            await wait_for("quoting", lambda: len(resting(sim)) >= 4, START_TIMEOUT, log)

            lines = await command(tmp_path, "halt", "--journal", str(journal), "--reason", "CPI")
            assert resting(sim) == []  # the halt answers once nothing of ours rests
            assert lines[0].startswith("trading HALTED (was active): by the operator root")
            assert lines[0].endswith(": CPI")
            assert sorted(line.split(":")[0] for line in lines[1:]) == ["kalshi", "polymarket"]
            assert all(line.endswith("; nothing of ours live") for line in lines[1:])
            await nothing_placed_for(sim, WATCH)
            state = trading_state(journal)
            assert state["state"] == "halted"
            assert state["operator"].startswith("root (uid 0, pid ")

            lines = await command(tmp_path, "resume", "--journal", str(journal))
            assert lines[0].startswith("trading ACTIVE (was halted): resumed by the operator")
            await wait_for("quoting again", lambda: len(resting(sim)) >= 4, 30, log)

            # by the accounts (as with --config): their locks name the daemon trading them
            lines = await command(tmp_path, "cancel-all", "--sim-credentials", str(creds))
            assert resting(sim) == []
            assert lines[0].startswith("trading HALTED (was active): by the operator root")
            assert lines[0].endswith(": no reason given")
            assert all(line.endswith(" orders; none resting") for line in lines[1:]), lines
            await nothing_placed_for(sim, 2)
            state = trading_state(journal)
            assert state["state"] == "halted"
            assert state["reason"].startswith("by the operator root (uid 0, pid ")

            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        assert socket_path(journal).is_socket()  # left by the killed daemon: stale
        done = await run_predmm(["halt", "--journal", str(journal)], tmp_path)
        assert done.returncode == 2
        assert done.stderr.decode() == (
            f"predmm: error: no daemon runs on journal {journal}: nothing to halt\n"
        )
