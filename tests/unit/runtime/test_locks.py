"""The daemon's locks (``cli.locks``): held exclusively, refused with the holder named,
probed without being taken. (Real processes and SIGKILL:
``tests/integration/daemon/test_one_daemon.py``.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from predmm.cli.locks import (
    Holder,
    LockHeld,
    holding,
    holding_all,
    journal_lock_path,
    lock_dir,
    probe,
    this_process,
)

AT = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)


def holder(pid: int = 4242) -> Holder:
    return Holder(pid=pid, started_at=AT, command="predmm run --duration 20", journal="/j")


def test_a_second_holder_is_refused_with_the_first_one_named(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3.lock"
    with (
        holding(path, holder(), "journal j.sqlite3"),
        pytest.raises(LockHeld) as refused,
        holding(path, holder(7), "journal j.sqlite3"),
    ):
        pass
    assert str(refused.value) == (
        "journal j.sqlite3 is in use by predmm pid 4242 (started 2026-12-01 09:30:05 UTC:"
        " predmm run --duration 20): stop that daemon first"
    )


def test_a_released_lock_is_free_and_remembers_its_last_holder(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3.lock"
    assert probe(path).running is False
    with holding(path, holder(), "journal"):
        state = probe(path)
        assert state.running
        assert state.holder == holder()
    state = probe(path)
    assert not state.running
    assert state.holder == holder()
    with holding(path, holder(99), "journal"):  # and it can be taken again
        assert probe(path).holder == holder(99)


def test_all_or_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.lock", tmp_path / "b.lock"
    refusal = "the kalshi account 1f2e is in use by predmm pid 4242"
    with holding(b, holder(), "the kalshi account 1f2e"):
        with (
            pytest.raises(LockHeld, match=refusal),
            holding_all([(a, "journal"), (b, "the kalshi account 1f2e")], holder(7)),
        ):
            pass
        assert not probe(a).running  # the one taken first was let go


def test_a_lock_file_that_holds_no_holder_is_still_a_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with holding(path, holder(), "journal x"):
        path.write_text("")  # being written, or someone else's
        with (
            pytest.raises(LockHeld, match="journal x is in use by predmm another process"),
            holding(path, holder(7), "journal x"),
        ):
            pass
    assert Holder.from_json("not json") is None


def test_this_process_names_the_command_without_its_path(tmp_path: Path) -> None:
    me = this_process(tmp_path / "j.sqlite3", ["/home/me/.venv/bin/predmm", "run", "--seed", "7"])
    assert me.command == "predmm run --seed 7"
    assert me.journal == str((tmp_path / "j.sqlite3").resolve())
    assert journal_lock_path(tmp_path / "j.sqlite3") == tmp_path / "j.sqlite3.lock"


def test_the_lock_directory_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PREDMM_LOCK_DIR", str(tmp_path / "locks"))
    assert lock_dir() == tmp_path / "locks"
    monkeypatch.delenv("PREDMM_LOCK_DIR")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert lock_dir() == tmp_path / "predmm"
