"""The operator's commands given what they cannot act on: one line, exit code 2, no
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from predmm.cli.main import cli


def one_line_error(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("command", ["halt", "resume", "reload", "cancel-all"])
def test_no_daemon_on_the_journal(tmp_path: Path, command: str) -> None:
    journal = tmp_path / "j.sqlite3"
    line = one_line_error([command, "--journal", str(journal)])
    assert line.startswith(f"predmm: error: no daemon runs on journal {journal}: ")


def test_cancel_all_with_no_journal_here_says_how_to_reach_the_venues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line_error(["cancel-all"])
    assert line.startswith(f"predmm: error: no journal in {tmp_path}")
    assert line.endswith(
        "; to cancel on the venues directly, give --config FILE or --sim-credentials DIR"
    )


def test_a_reason_of_several_lines_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    line = one_line_error(["halt", "--journal", str(tmp_path / "j"), "--reason", "a\nb"])
    assert line == "predmm: error: --reason: must be one line of at most 500 characters"


def test_cancel_all_takes_one_source_of_venues(tmp_path: Path) -> None:
    args = ["cancel-all", "--config", "x.toml", "--sim-credentials", str(tmp_path)]
    assert one_line_error(args) == "predmm: error: give --config or --sim-credentials, not both"


def test_cancel_all_with_a_bad_config_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "predmm.toml"
    bad.write_text("[kalshi]\nkey_id_env = 'NO_SUCH_KEY_ID_VAR'\nprivate_key_env = 'NO_PEM'\n")
    line = one_line_error(["cancel-all", "--config", str(bad)])
    assert "kalshi.key_id: environment variable NO_SUCH_KEY_ID_VAR is not set" in line
