"""How long a running daemon takes to answer the operator's commands.

    python bench/control.py [--rounds 3] [--seed 7] [--quick]

Serves the simulator of both venues with its flow in this process, starts ``predmm run
--sim-credentials`` on it as its own process (a journal in a temporary directory), waits
until it quotes, then sends it ``halt``, ``resume``, ``cancel-all``, ``resume`` over its
control socket, ``--rounds`` times, timing each from the request to the answer (the
``predmm`` command adds its own start-up: ``predmm --help`` on the same machine says how
long). Prints each answer and the milliseconds per command; the last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

from predmm.cli.control.client import ask_daemon
from predmm.cli.control.protocol import Request
from predmm.cli.daemon import embedded_simulator
from predmm.simulator.credentials import write_kalshi_credentials, write_polymarket_credentials
from predmm.simulator.testing import RunningSimulator, running_simulator

COMMANDS = ("halt", "resume", "cancel-all", "resume")
PREDMM = str(Path(sys.executable).with_name("predmm"))


def credentials(running: RunningSimulator, folder: Path) -> Path:
    sim, urls = running.sim, running.urls
    kalshi, poly = sim.maker.kalshi_key, sim.maker.polymarket_key
    write_kalshi_credentials(
        folder, kalshi, base_url=urls.kalshi_base_url, ws_url=urls.kalshi_ws_url
    )
    write_polymarket_credentials(
        folder,
        poly,
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        ws_url=urls.polymarket_ws_url,
    )
    return folder


def resting(running: RunningSimulator) -> int:
    maker, exchange = running.sim.maker, running.sim.exchange
    return sum(
        len(exchange.open_orders(a)) for a in (maker.kalshi_account, maker.polymarket_account)
    )


async def timed(journal: Path, command: str) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    request = Request(command=command, reason="bench")
    answer = await trio.to_thread.run_sync(ask_daemon, journal, request, 150.0)
    return (time.perf_counter() - start) * 1000, answer


async def run(rounds: int, seed: int, folder: Path) -> dict[str, list[float]]:
    journal = folder / "bench.sqlite3"
    env = {**os.environ, "PREDMM_LOCK_DIR": str(folder / "locks")}
    timings: dict[str, list[float]] = {c: [] for c in COMMANDS}
    async with running_simulator(seed=seed, flow=True, **embedded_simulator()) as running:
        creds = credentials(running, folder / "creds")
        args = [PREDMM, "run", "--sim-credentials", str(creds), "--journal", str(journal)]
        with open(folder / "daemon.log", "wb") as log:
            proc = await trio.lowlevel.open_process(
                [*args, "--no-view"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                with trio.fail_after(120):
                    while resting(running) < 4:
                        await trio.sleep(0.1)
                for _ in range(rounds):
                    for command in COMMANDS:
                        ms, answer = await timed(journal, command)
                        timings[command].append(ms)
                        print(f"{command:10s} {ms:8.1f} ms  {json.dumps(answer)}")
                        while command == "resume" and resting(running) < 4:
                            await trio.sleep(0.1)  # quoting again before the next halt
            finally:
                proc.terminate()
                with trio.move_on_after(30):
                    await proc.wait()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    with tempfile.TemporaryDirectory() as tmp:
        timings = trio.run(run, args.rounds, args.seed, Path(tmp))
    summary = {
        c: {"min_ms": round(min(v), 1), "max_ms": round(max(v), 1)} for c, v in timings.items()
    }
    print(json.dumps({"rounds": args.rounds, **summary}))


if __name__ == "__main__":
    main()
