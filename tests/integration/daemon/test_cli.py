"""Each command's happy path and its clearest failure: a non-zero exit and one line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from predmm.actors.journal.store import Journal
from predmm.cli.main import cli
from predmm.domain import ClientOrderId, Fill, FillId, MarketId, Order, OrderSide, Venue
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


def test_markets_on_the_embedded_exchange_names_why_markets_are_skipped():
    result = CliRunner().invoke(cli, ["markets", "--preset", "conservative"])
    assert result.exit_code == 0, result.output
    assert "quoted (5 of 10 open markets)" in result.output  # conservative: max_markets 5
    assert "beyond max_markets 5" in result.output


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
    assert "kalshi: cancelled 0 resting orders" in result.output
    assert "cancelled 0 orders in all" in result.output


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
