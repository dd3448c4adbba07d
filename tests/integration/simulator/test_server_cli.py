"""``predmm sim`` as a process: prints the URLs, writes credentials, stops on SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx

SCRIPT = "from predmm.simulator.cli import sim; sim()"


def test_sim_command_runs_until_interrupted(tmp_path):
    out = tmp_path / "creds"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "--no-flow", "--seed", "4", "--credentials-out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if "Ctrl-C" in line:
                break
        urls = dict(line.split(None, 1) for line in lines if line.startswith(("kalshi ", "gamma ")))
        assert urls["kalshi"].startswith("http://127.0.0.1:")
        assert urls["kalshi"].endswith("/trade-api/v2")
        kalshi = json.loads((out / "kalshi.json").read_text())
        poly = json.loads((out / "polymarket.json").read_text())
        assert kalshi["base_url"] == urls["kalshi"]
        assert poly["gamma_url"] == urls["gamma"]
        events = json.loads((out / "events.json").read_text())
        assert events
        assert all(
            {m.split(":")[0] for m in e["markets"]} == {"kalshi", "polymarket"} for e in events
        )
        httpx.get(poly["gamma_url"] + "/markets", timeout=5)  # the port answers
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=5)
    assert proc.returncode == 0, err
    assert "simulator stopped" in rest
