"""A run as an operator has it: their own settings file rehearsed on the embedded
simulator, headless (a JSON status line per interval on stdout), a summary at the end,
and the journal holding what the reports need (titles, marks, cash at the start and the
end, the stop's reason, the strategy). A metrics port taken after the checks stops the
run with its orders cancelled and one line. A stop that takes long says what it waits
for; a signal is the run's stop reason."""

from __future__ import annotations

import json
import signal
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio
from click.testing import CliRunner

from predmm.actors.journal.store import Journal
from predmm.cli.daemon import RunOptions, embedded_simulator, load_run_settings, run_with_venues
from predmm.cli.instrument import VenueHealth
from predmm.cli.live.shutdown import waiting_for, watch_stop
from predmm.cli.main import cli
from predmm.cli.oneline import sole_predmm_error
from predmm.cli.venues import from_running_simulator
from predmm.domain.enums import Venue
from predmm.domain.errors import VenueUnavailable
from predmm.simulator.testing import running_simulator
from predmm.simulator.universe import default_universe
from predmm.supervisors.runtime import watch_signals

LINK = 'event_id = "FED-DEC"\nmarkets = ["kalshi:KXFEDDECISION-26DEC-C25"]\n'


def test_rehearse_a_settings_file_headless(tmp_path: Path) -> None:
    shown = CliRunner().invoke(cli, ["config", "show", "--preset", "aggressive"])
    config = tmp_path / "mm.toml"
    config.write_text(
        shown.output.replace('max_event_loss = "150"', 'max_event_loss = "120"')
        + f"\n[[risk.event_links]]\n{LINK}"
        + '\n[kalshi]\nkey_id_env = "UNSET_ON_PURPOSE"\nprivate_key_env = "UNSET_TOO"\n'
    )
    journal = tmp_path / "rehearsal.sqlite3"
    args = ["run", "--config", config, "--sim", "--journal", journal, "--duration", "6"]
    args += ["--no-view", "--log-json", "--status-interval", "1"]
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"predmm: note: rehearsing {config} on the embedded simulator: its strategy, risk limits"
        " and links; its [kalshi], [polymarket] and [daemon] tables are ignored"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    status, summary = lines[:-1], lines[-1]["summary"]
    assert len(status) >= 3  # one a second for six seconds
    assert {s["venues"]["kalshi"] for s in status} == {"connected"}
    assert summary["stop_reason"] == "duration of 6 s reached"
    assert summary["orders_left_resting"] == 0
    assert set(summary["cash"]) == {"kalshi", "polymarket"}
    assert summary["journal"] == str(journal)

    with Journal.open_read_only(journal) as reader:
        (run,) = reader.runs()
        infos = reader.market_infos()
        balances = {(b.venue, b.moment) for b in reader.balances(run.run_id)}
        marks = reader.latest_marks()
    assert run.stop_reason == "duration of 6 s reached"
    assert run.strategy == "market_making (preset aggressive)"
    assert run.source == f"{config} on the embedded simulator (seed 1)"
    assert 'max_event_loss = "120"' in run.settings
    assert "UNSET_ON_PURPOSE" not in run.settings  # the ignored venue table is not the run's
    listed = {s.market_id for s in default_universe(datetime.now(UTC)).specs}
    assert set(infos) == listed  # every market the venues list, on both
    assert all(info.title for info in infos.values())
    assert {str(i.linked_event) for i in infos.values() if i.linked_event} >= {"FED-DEC"}
    assert balances == {(v, m) for v in (Venue.KALSHI, Venue.POLYMARKET) for m in ("start", "end")}
    assert marks  # the fair values the run quoted around

    status = json.loads(
        CliRunner().invoke(cli, ["status", "--journal", str(journal), "--json"]).output
    )
    assert status["daemon"]["running"] is False
    assert status["daemon"]["detail"].endswith("duration of 6 s reached")
    assert status["trading_state"]["state"] == "active"


async def test_a_metrics_port_taken_after_the_checks(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        opts = RunOptions(journal=journal, metrics_port=port, view=False, duration=30)
        settings = load_run_settings(opts)
        async with running_simulator(seed=5, flow=True, **embedded_simulator()) as running:
            with pytest.raises(BaseException) as raised:  # noqa: PT011 - a group around one error
                await run_with_venues(opts, settings, from_running_simulator(running))
            accounts = (running.sim.maker.kalshi_account, running.sim.maker.polymarket_account)
            resting = [o for a in accounts for o in running.sim.exchange.open_orders(a)]
    error = sole_predmm_error(raised.value)
    assert str(error) == (
        f"metrics port {port} on 127.0.0.1 is in use by another process: choose another port"
    )
    assert resting == []  # the run stopped as on Ctrl-C: nothing left on the venues
    with Journal.open_read_only(journal) as reader:
        (run,) = reader.runs()
        assert reader.open_orders() == []
    assert run.stop_reason == f"error: {error}"


async def test_a_long_stop_says_what_it_waits_for(autojump_clock: trio.testing.MockClock) -> None:
    now = [1_765_000_000.0]  # 2025-12-06 05:46:40 UTC
    kalshi = VenueHealth("kalshi", now=lambda: now[0])
    kalshi.down(VenueUnavailable("connect timeout"))
    poly = VenueHealth("polymarket", now=lambda: now[0])
    poly.up()
    said: list[str] = []
    stopping = [False]
    with kalshi.call("cancel_orders"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(
                lambda: watch_stop(
                    lambda: stopping[0], [kalshi, poly], say=said.append, now=lambda: now[0]
                )
            )
            await trio.sleep(30)
            assert said == []  # not stopping: silent
            stopping[0] = True
            await trio.sleep(4)
            assert said == []  # a quick stop says nothing
            now[0] += 12
            await trio.sleep(7)
            nursery.cancel_scope.cancel()
    assert said[0].startswith(
        "still stopping after 5 s: kalshi: waiting on cancel_orders for 12 s;"
    )
    assert "unreachable since" in said[0]
    assert "(VenueUnavailable: connect timeout)" in said[0]
    assert "polymarket" not in said[0]  # connected, and nothing asked of it
    assert said[1].startswith("still stopping after 10 s")
    now[0] += 3  # the cancel failed; the engine retries after a pause
    with pytest.raises(VenueUnavailable), kalshi.call("cancel_orders"):
        raise VenueUnavailable("ConnectError")
    states = [kalshi.state(), poly.state()]
    now[0] += 2
    assert waiting_for(states, now[0]) == (
        "kalshi: retrying; unreachable since 05:46:55 UTC (VenueUnavailable: ConnectError);"
        " its last cancel_orders failed 2 s ago"
    )


async def test_a_signal_is_the_runs_stop_reason() -> None:
    names: list[str] = []
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        await nursery.start(watch_signals, stop, lambda: None, names.append)
        signal.raise_signal(signal.SIGTERM)
        with trio.fail_after(5):
            await stop.wait()
        nursery.cancel_scope.cancel()
    assert names == ["SIGTERM"]


def test_each_rehearsal_on_the_embedded_simulator_keeps_a_journal_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "mm.toml"
    config.write_text('preset = "hft"\n[daemon]\njournal = "real.sqlite3"\n')
    args = ["run", "--config", str(config), "--sim", "--duration", "1", "--no-view", "--log-json"]
    for _ in range(2):  # a new paper world each time: the second is not refused the first's
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    journals = sorted(Path("predmm-sim").glob("*/predmm.sqlite3"))
    assert len(journals) == 2
    assert not Path("real.sqlite3").exists()  # the file's [daemon] table is not the rehearsal's
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert Path(summary["journal"]) == journals[-1]
    shown = CliRunner().invoke(cli, ["status", "--json"])  # no --journal: the last rehearsal
    assert Path(json.loads(shown.output)["journal"]) == journals[-1]
