"""Each command's happy path and its clearest failure: a non-zero exit and one line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from predmm.actors.journal.store import Journal
from predmm.cli.main import cli
from predmm.cli.status import write_live
from predmm.domain import ClientOrderId, Fill, FillId, MarketId, Order, OrderSide, Venue
from predmm.domain.exposure import EventExposure
from predmm.domain.orders import OrderEvent

AT = datetime(2026, 11, 1, tzinfo=UTC)
M = MarketId(Venue.KALSHI, "KXFED-26DEC")


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_run_refuses_a_bad_config_naming_the_key(tmp_path):
    bad = tmp_path / "predmm.toml"
    bad.write_text("[strategy]\nbase_spread = -0.01\n")
    line = one_line_error(CliRunner().invoke(cli, ["run", "--config", str(bad)]))
    assert line == (
        f"predmm: error: {bad} [strategy]: base_spread = -0.01: must be between 0 and 1 (exclusive)"
    )


def test_run_refuses_a_config_without_secrets_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_ID", raising=False)
    cfg = tmp_path / "predmm.toml"
    cfg.write_text('[kalshi]\nkey_id_env = "NO_SUCH_KEY_ID"\nprivate_key_env = "NO_SUCH_PEM"\n')
    line = one_line_error(CliRunner().invoke(cli, ["run", "--config", str(cfg), "--no-view"]))
    assert "kalshi.key_id: environment variable NO_SUCH_KEY_ID is not set" in line


def test_unknown_preset_is_refused():
    result = CliRunner().invoke(cli, ["run", "--preset", "yolo"])
    assert result.exit_code == 2
    assert "'yolo' is not one of 'conservative', 'aggressive', 'hft'" in result.output


def test_status_without_a_journal(tmp_path):
    line = one_line_error(CliRunner().invoke(cli, ["status", "--journal", str(tmp_path / "x")]))
    assert line.startswith("predmm: error: no journal at")


def journal_with_a_run(path, started):
    path.parent.mkdir(parents=True, exist_ok=True)
    with Journal.open(path) as journal:
        run_id = f"r{started:%H}"
        journal.record_run(run_id=run_id, started_at=started, config_digest="d", mode="", pid=1)
        journal.commit()
    return path


def test_status_without_arguments_reads_the_run_started_last_in_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(CliRunner().invoke(cli, ["status"]))
    assert line == (
        f"predmm: error: no journal in {tmp_path} (predmm.sqlite3, or an embedded run's"
        " under predmm-sim/): give --journal PATH of a predmm run"
    )
    journal_with_a_run(tmp_path / "predmm.sqlite3", AT.replace(hour=9))
    for stamp, hour in (("2026-11-01T08-00-00Z", 8), ("2026-11-01T10-00-00Z", 10)):
        journal_with_a_run(
            tmp_path / "predmm-sim" / stamp / "predmm.sqlite3", AT.replace(hour=hour)
        )
    shown = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
    assert shown["journal"] == "predmm-sim/2026-11-01T10-00-00Z/predmm.sqlite3"
    journal_with_a_run(tmp_path / "predmm.sqlite3", AT.replace(hour=11))  # a later run there
    shown = json.loads(CliRunner().invoke(cli, ["status", "--json"]).output)
    assert shown["journal"] == "predmm.sqlite3"
    assert shown["daemon"] == {
        "running": False,
        "pid": None,
        "since": None,
        "command": None,
        "detail": "not running: run r11 (pid 1) ended without journaling its stop (killed, or"
        " the machine went down)",
    }


def test_status_reads_positions_and_orders_from_the_journal(tmp_path):
    path = tmp_path / "j.sqlite3"
    with Journal.open(path) as journal:
        order = Order(
            client_order_id=ClientOrderId("c1"),
            market_id=M,
            side=OrderSide.YES,
            price=Decimal("0.48"),
            quantity=Decimal(10),
        )
        journal.record_order(order.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT), at=AT)
        fill = Fill(
            fill_id=FillId("f1"),
            market_id=M,
            side=OrderSide.YES,
            price=Decimal("0.48"),
            quantity=Decimal(4),
            client_order_id=ClientOrderId("c1"),
            ts=AT,
        )
        journal.record_fill(fill, at=AT)
        journal.commit()
    report = json.loads(
        CliRunner().invoke(cli, ["status", "--journal", str(path), "--json"]).output
    )
    assert report["fill_count"] == 1
    assert [(m["market_id"], m["yes_contracts"]) for m in report["markets"]] == [
        ("kalshi:KXFED-26DEC", "4")
    ]
    assert len(report["open_orders"]) == 1
    table = CliRunner().invoke(cli, ["status", "--journal", str(path)])
    assert table.exit_code == 0
    assert "KXFED-26DEC" in table.output
    assert "open orders 1" in table.output


def test_status_shows_the_live_worst_case_of_each_event_and_its_scenario(tmp_path):
    path = tmp_path / "j.sqlite3"
    Journal.open(path).close()
    hold = MarketId(Venue.KALSHI, "KXFED-26DEC-H0")
    fed = EventExposure(
        event_id="event:FED-DEC",
        contracts=Decimal(200),
        worst_loss=Decimal("125.00"),
        scenario=str(hold),
        markets=(str(M), str(hold)),
    )
    events = dict.fromkeys(fed.markets, fed.event_id)
    write_live(path, marks={}, events=events, per_market={}, totals=None, at="t", exposure=(fed,))
    answer = CliRunner().invoke(cli, ["status", "--journal", str(path), "--json"])
    report = json.loads(answer.output)
    assert report["event_exposure"] == [
        {
            "event_id": "event:FED-DEC",
            "worst_loss": "125.00",
            "scenario": "kalshi:KXFED-26DEC-H0",
            "contracts": "200",
            "markets": ["kalshi:KXFED-26DEC", "kalshi:KXFED-26DEC-H0"],
        }
    ]
    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["status", "--journal", str(path)])
    assert "event exposure over outcome scenarios" in table.output
    assert "125.00" in table.output
    assert "kalshi:KXFED-26DEC-H0" in table.output


def quoted_rows(output: str) -> list[list[str]]:
    """The rows of ``predmm markets``' quoted table, each cell's wrapped lines joined."""
    rows: list[list[str]] = []
    current: list[list[str]] | None = None
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if not line.startswith("│") or not cells:
            current = None
        elif cells[0].isdigit():
            current = [[c] for c in cells]
            rows.append([])
        elif current is not None and not cells[0]:
            for parts, more in zip(current, cells, strict=False):
                parts.append(more)
        if current is not None and rows:
            rows[-1] = [" ".join(p for p in parts if p) for parts in current]
    return rows


def quoted_per_venue(output: str) -> dict[str, int]:
    """The quoted markets by venue (Polymarket's short ids are ``0x…``, Kalshi's its
    tickers)."""
    rows = quoted_rows(output)
    poly = sum(1 for row in rows if row[1].startswith("0x"))
    return {"kalshi": len(rows) - poly, "polymarket": poly}


def test_markets_on_the_embedded_exchange_names_why_markets_are_skipped():
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["markets", "--preset", "conservative"])
    assert result.exit_code == 0, result.output
    # conservative: max_markets 5 on each venue, as the daemon selects
    assert "quoted (10 of 17 open markets)" in result.output
    assert "beyond max_markets 5" in result.output
    assert quoted_per_venue(result.output) == {"kalshi": 5, "polymarket": 5}


def test_markets_selects_each_venue_with_its_own_settings(tmp_path: Path):
    """``[strategy.venues.polymarket]``: the venue's market maker quotes at most one
    market there, as the daemon's scan would; Kalshi keeps the file's own five."""
    config = tmp_path / "predmm.toml"
    config.write_text(
        "[strategy]\nmax_markets = 5\n\n[strategy.venues.polymarket]\nmax_markets = 1\n"
    )
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, ["markets", "--config", str(config), "--sim"]
    )
    assert result.exit_code == 0, result.output
    assert "quoted (6 of 17 open markets)" in result.output
    assert quoted_per_venue(result.output) == {"kalshi": 5, "polymarket": 1}


def test_markets_says_what_each_market_pays_makers():
    """The simulator's rewarded Polymarket markets (pool, band, minimum size, rebates) and
    Kalshi's incentive programs as GET /incentive_programs states them."""
    result = CliRunner(env={"COLUMNS": "300"}).invoke(cli, ["markets"])
    assert result.exit_code == 0, result.output
    pays = [row[-1] for row in quoted_rows(result.output)]  # the last column, unwrapped
    assert "$500/day within 3.5c of mid, min 20; rebates 20%" in pays
    assert "$300/day within 4.5c of mid, min 20; rebates 25%" in pays
    assert "Kalshi incentive programs (active)" in result.output
    (fed,) = [line for line in result.output.splitlines() if "lip" in line or "Fed Dec" in line]
    for field in ("kalshi:KXFEDDECISION-26DEC-C25", "liquidity", "500.00", "1,000", "0.5"):
        assert field in fed
    assert "Volume incentive: Lakers at Celtics" in result.output


def test_cancel_all_needs_venues():
    line = one_line_error(CliRunner().invoke(cli, ["cancel-all"]))
    assert "give --config FILE or --sim-credentials DIR" in line


@pytest.fixture(scope="module")
def sim_process(tmp_path_factory):
    creds = tmp_path_factory.mktemp("sim") / "creds"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "predmm.cli.main",
            "sim",
            "--seed",
            "3",
            "--credentials-out",
            str(creds),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if "Ctrl-C" in line:
                break
        yield creds
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_cancel_all_on_a_running_simulator(sim_process):
    result = CliRunner().invoke(cli, ["cancel-all", "--sim-credentials", str(sim_process)])
    assert result.exit_code == 0, result.output
    assert "kalshi: cancelled 0 orders; none resting" in result.output
    assert "polymarket: cancelled 0 orders; none resting" in result.output


def test_a_settings_file_rehearsed_on_a_running_simulator(sim_process, tmp_path):
    config = tmp_path / "mm.toml"
    config.write_text('preset = "hft"\n[risk]\nmax_market_loss = "80"\nmax_event_loss = "90"\n')
    journal = tmp_path / "rehearsal.sqlite3"
    args = ["run", "--config", str(config), "--sim-credentials", str(sim_process)]
    args += ["--journal", str(journal), "--duration", "3", "--no-view"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0].startswith(
        f"predmm: note: rehearsing {config} on the simulator of {sim_process}"
    )
    with Journal.open_read_only(journal) as reader:
        (run,) = reader.runs()
    assert run.strategy == "market_making (preset hft)"
    assert 'max_event_loss = "90"' in run.settings


def test_each_embedded_run_gets_a_journal_folder_of_its_own(tmp_path):
    from predmm.cli.daemon import embedded_journal
    from predmm.cli.venues import EmbeddedRun

    run = EmbeddedRun(name="20261101T120000Z-abc123", started=AT.replace(hour=12))
    first, second = embedded_journal(run, tmp_path), embedded_journal(run, tmp_path)
    assert first == tmp_path / "2026-11-01T12-00-00Z" / "predmm.sqlite3"
    assert second == tmp_path / "2026-11-01T12-00-00Z-2" / "predmm.sqlite3"  # the same second
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.parent.name, second.parent.name]
