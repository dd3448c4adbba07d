"""One daemon per journal and per venue account, with real processes: a ``predmm sim``,
a daemon trading on it, a second daemon on the same journal and a third on another
journal with the same credentials (both refused, naming the first), ``predmm status``
saying who runs, and after a SIGKILL of the first (the kernel drops its locks) a new
daemon that starts on its journal.

Waiting on another process is the one place these tests poll: short looks, each wait
bounded by a deadline."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from predmm.cli.main import cli

PREDMM = str(Path(sys.executable).with_name("predmm"))  # the console script, as a user runs it
START_TIMEOUT = 60.0


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PREDMM_LOCK_DIR": str(tmp_path / "locks")}


def started(proc: subprocess.Popen[str], marker: str) -> threading.Thread:
    """Read ``proc``'s output until a line holds ``marker``, and keep draining it in the
    thread returned (so that it never blocks on a full pipe) until it ends."""
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if marker in line:
                done.set()
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert done.wait(START_TIMEOUT), "".join(seen)
    assert any(marker in line for line in seen), "".join(seen)
    return reader


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Path]:
    creds = tmp_path / "creds"
    args = [PREDMM, "sim", "--seed", "3", "--no-flow", "--credentials-out", str(creds)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(tmp_path)
    )
    reader = started(proc, "Ctrl-C")
    try:
        yield creds
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        closed(proc, reader)


def closed(proc: subprocess.Popen[str], reader: threading.Thread) -> None:
    """Its output pipe closed, once the reading thread has read it to the end."""
    reader.join(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()


def daemon_args(creds: Path, journal: str, *more: str) -> list[str]:
    return [
        PREDMM,
        "run",
        "--sim-credentials",
        str(creds),
        "--journal",
        journal,
        "--no-view",
        *more,
    ]


def run(tmp_path: Path, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=timeout, env=env(tmp_path)
    )


def status(tmp_path: Path, journal: str) -> dict[str, object]:
    """``predmm status``'s word on the daemon (in this process: it reads the lock)."""
    done = CliRunner().invoke(cli, ["status", "--journal", str(tmp_path / journal), "--json"])
    assert done.exit_code == 0, done.output
    daemon = json.loads(done.output)["daemon"]
    assert isinstance(daemon, dict)
    return daemon


def refusal(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_second_daemon_is_refused_until_the_first_dies(tmp_path: Path, sim: Path) -> None:
    first = subprocess.Popen(
        daemon_args(sim, "a.sqlite3"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env(tmp_path),
    )
    reader = started(first, "started on")
    try:
        command = " ".join(["predmm", *daemon_args(sim, "a.sqlite3")[1:]])

        line = refusal(run(tmp_path, daemon_args(sim, "a.sqlite3")))
        assert line.startswith(
            f"predmm: error: journal a.sqlite3 is in use by predmm pid {first.pid}"
        )
        assert line.endswith(f"UTC: {command}): stop that daemon first")

        line = refusal(run(tmp_path, daemon_args(sim, "b.sqlite3")))
        account = r"the (kalshi|polymarket) account [0-9a-f]{16} at http://127\.0\.0\.1:\d+"
        held = rf"is in use by predmm pid {first.pid} \(started "
        assert re.match(rf"predmm: error: {account}\S* {held}", line), line
        assert not (tmp_path / "b.sqlite3").exists()  # refused before its journal was made

        daemon = status(tmp_path, "a.sqlite3")
        assert (daemon["running"], daemon["pid"], daemon["command"]) == (True, first.pid, command)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        closed(first, reader)

    assert status(tmp_path, "a.sqlite3")["running"] is False
    done = run(tmp_path, daemon_args(sim, "a.sqlite3", "--duration", "1"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "started on" in done.stderr
