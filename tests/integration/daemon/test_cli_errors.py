"""Every mistake an operator can make at the command line: exit code 2, one line on
stderr naming the thing, no traceback. Most cases run the ``predmm`` group in-process
(click's runner, exceptions not caught: a traceback fails the test); the entry point
itself runs in a subprocess for the ports."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from predmm.actors.journal.store import Journal
from predmm.cli.main import cli


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    argv = [str(a) for a in args]
    if argv[0] == "run" and "--duration" not in argv:  # should no refusal come, it ends
        argv += ["--duration", "3"]
    return CliRunner().invoke(cli, argv, catch_exceptions=False, env=env)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("predmm: error: "), lines[0]
    return lines[0]


def run_entry_point(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "predmm.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def entry_point_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes through permissions: sysfs refuses new files
        return Path("/sys")
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    return folder


# ports ---------------------------------------------------------------------------------


def test_metrics_port_in_use(taken_port: int, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    proc = run_entry_point(
        "run", "--metrics-port", taken_port, "--journal", journal, "--no-view", "--duration", 3
    )
    line = entry_point_error(proc)
    assert line == (
        f"predmm: error: metrics port {taken_port} on 127.0.0.1 is in use by another process:"
        " choose another port"
    )
    assert not journal.exists()  # refused before anything started


def test_an_embedded_run_refused_before_its_start_leaves_no_run_folder(
    taken_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line_error(invoke("run", "--metrics-port", taken_port, "--no-view"))
    assert line.startswith(f"predmm: error: metrics port {taken_port} on 127.0.0.1 is in use")
    assert list(tmp_path.iterdir()) == []  # no empty predmm-sim/<UTC start>/ to count


def test_metrics_port_out_of_range() -> None:
    line = one_line_error(invoke("run", "--metrics-port", "70000"))
    assert "--metrics-port" in line
    assert "70000" in line


def test_simulator_port_in_use(taken_port: int) -> None:
    line = entry_point_error(run_entry_point("sim", "--kalshi-port", taken_port))
    assert f"--kalshi-port: port {taken_port} on 127.0.0.1 is in use" in line


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_simulator_port_out_of_range(port: str) -> None:
    line = one_line_error(invoke("sim", "--polymarket-port", port))
    assert "--polymarket-port" in line
    assert port in line


def test_a_negative_duration() -> None:
    line = one_line_error(invoke("run", "--duration", "-5"))
    assert "--duration" in line


# paths ---------------------------------------------------------------------------------


def test_journal_in_a_missing_folder(tmp_path: Path) -> None:
    journal = tmp_path / "nope" / "j.sqlite3"
    line = one_line_error(invoke("run", "--journal", journal, "--no-view"))
    assert line == f"predmm: error: journal {journal}: folder {journal.parent} does not exist"


def test_journal_in_an_unwritable_folder(unwritable_dir: Path) -> None:
    journal = unwritable_dir / "j.sqlite3"
    line = one_line_error(invoke("run", "--journal", journal, "--no-view"))
    assert f"journal {journal}: cannot write in folder {unwritable_dir}" in line


def test_log_file_in_a_missing_folder(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "predmm.log"
    line = one_line_error(invoke("run", "--log-file", log, "--journal", tmp_path / "j"))
    assert line == f"predmm: error: log file {log}: folder {log.parent} does not exist"


def test_log_file_that_is_a_folder(tmp_path: Path) -> None:
    line = one_line_error(invoke("run", "--log-file", tmp_path, "--journal", tmp_path / "j"))
    assert f"'--log-file': File '{tmp_path}' is a directory" in line


def test_configured_log_file_that_is_a_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "mm.toml"
    cfg.write_text(
        f'[daemon]\nlog_file = "{tmp_path}"\njournal = "{tmp_path / "j"}"\n'
        '[kalshi]\nkey_id_env = "PREDMM_T_KID"\nprivate_key_env = "PREDMM_T_PEM"\n'
    )
    line = one_line_error(invoke("run", "--config", cfg))
    assert line == f"predmm: error: log file {tmp_path} is a folder, not a file"


def test_credentials_dir_missing(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    line = one_line_error(invoke("run", "--sim-credentials", creds))
    assert str(creds) in line
    assert "predmm sim --credentials-out" in line


def test_credentials_out_unwritable(unwritable_dir: Path) -> None:
    creds = unwritable_dir / "creds"
    line = one_line_error(invoke("sim", "--credentials-out", creds))
    assert f"--credentials-out: {creds}: cannot create it" in line


# journals ------------------------------------------------------------------------------


def test_a_journal_that_is_not_sqlite(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("shopping list\n" * 200)
    for command in (("run", "--no-view"), ("status",), ("fills",), ("orders",), ("pnl",)):
        line = one_line_error(invoke(*command, "--journal", bogus))
        assert f"{bogus} is not a predmm journal" in line, command


def test_a_foreign_sqlite_file(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    line = one_line_error(invoke("status", "--journal", other))
    assert f"{other} is not a predmm journal" in line


def test_a_journal_of_a_newer_predmm(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Journal.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    for command in (("run", "--no-view"), ("status",), ("fills",)):
        line = one_line_error(invoke(*command, "--journal", path))
        assert "schema version 99, newer than this predmm knows" in line, command


# config and secrets --------------------------------------------------------------------


def test_a_config_that_does_not_exist(tmp_path: Path) -> None:
    line = one_line_error(invoke("run", "--config", tmp_path / "mm.toml"))
    assert f"{tmp_path / 'mm.toml'}: cannot read config file" in line


def test_a_boolean_in_risk_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "mm.toml"
    cfg.write_text("[risk]\nmax_event_loss = true\n")
    line = one_line_error(invoke("run", "--config", cfg))
    assert "[risk]" in line
    assert "max_event_loss" in line
    assert "true" in line.lower()


def test_a_missing_key_file(tmp_path: Path) -> None:
    cfg = tmp_path / "mm.toml"
    pem = tmp_path / "kalshi.pem"
    cfg.write_text(f'[kalshi]\nkey_id_env = "PREDMM_T_KID"\nprivate_key_file = "{pem}"\n')
    line = one_line_error(invoke("run", "--config", cfg, env={"PREDMM_T_KID": "abc"}))
    assert f"kalshi.private_key: cannot read {pem}: No such file or directory" in line


def test_a_key_file_that_is_not_a_key(tmp_path: Path) -> None:
    cfg = tmp_path / "mm.toml"
    pem = tmp_path / "kalshi.pem"
    pem.write_text("not a key\n")
    cfg.write_text(f'[kalshi]\nkey_id_env = "PREDMM_T_KID"\nprivate_key_file = "{pem}"\n')
    line = one_line_error(invoke("run", "--config", cfg, env={"PREDMM_T_KID": "abc"}))
    assert "kalshi.private_key" in line
    assert "not a PEM private key" in line


def test_a_polymarket_key_that_is_not_a_key(tmp_path: Path) -> None:
    cfg = tmp_path / "mm.toml"
    names = ("private_key", "api_key", "api_secret", "api_passphrase")
    cfg.write_text("[polymarket]\n" + "".join(f'{n}_env = "PREDMM_T_{n.upper()}"\n' for n in names))
    env = {f"PREDMM_T_{n.upper()}": "NOT-A-KEY-VALUE" for n in names}
    line = one_line_error(invoke("run", "--config", cfg, env=env))
    assert "polymarket.private_key (environment variable PREDMM_T_PRIVATE_KEY)" in line
    assert "NOT-A-KEY-VALUE" not in line  # a secret's value is never shown
