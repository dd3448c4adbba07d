"""A journal belongs to one venue world (``supervisors.worlds``): recorded by the first
run, a run on another world is refused with one line saying what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from predmm.actors.journal.notes import read_world
from predmm.actors.journal.store import Journal
from predmm.actors.journal.writes import write
from predmm.domain.enums import Venue
from predmm.supervisors import worlds
from predmm.supervisors.worlds import VenueWorld, WorldMismatch, account_key, check_worlds

AT = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)
DEMO = "https://demo-api.kalshi.co/trade-api/v2"
PROD = "https://api.elections.kalshi.com/trade-api/v2"
EMBEDDED = worlds.embedded(Venue.KALSHI, "20261201T093005Z-a1b2c3", AT)


def journal_of(path: Path, *held: VenueWorld) -> Path:
    with Journal.open(path) as journal:
        for record in check_worlds(path, held) if held else ():
            write(journal, record, AT)
        journal.commit()
    return path


def test_the_first_run_records_each_venue_world_and_the_same_world_passes(tmp_path: Path):
    path = journal_of(tmp_path / "j.sqlite3")
    poly = worlds.real_venue(Venue.POLYMARKET, "https://clob.polymarket.com")
    records = check_worlds(path, [worlds.real_venue(Venue.KALSHI, DEMO), poly])
    assert [r.venue for r in records] == [Venue.KALSHI, Venue.POLYMARKET]
    journal_of(path, worlds.real_venue(Venue.KALSHI, DEMO), poly)
    with Journal.open_read_only(path) as reader:
        held = read_world(reader, Venue.KALSHI)
    assert held is not None
    assert (held.identity, held.since) == (f"venue {DEMO}", AT)
    assert check_worlds(path, [worlds.real_venue(Venue.KALSHI, DEMO), poly]) == []


def test_a_venue_added_later_is_recorded_and_the_others_still_checked(tmp_path: Path):
    path = journal_of(tmp_path / "j.sqlite3", worlds.real_venue(Venue.KALSHI, DEMO))
    poly = worlds.real_venue(Venue.POLYMARKET, "https://clob.polymarket.com")
    records = check_worlds(path, [worlds.real_venue(Venue.KALSHI, DEMO), poly])
    assert [r.venue for r in records] == [Venue.POLYMARKET]


def test_an_embedded_simulator_journal_is_refused_to_a_real_venue(tmp_path: Path):
    path = journal_of(tmp_path / "j.sqlite3", EMBEDDED)
    with pytest.raises(WorldMismatch) as refused:
        check_worlds(path, [worlds.real_venue(Venue.KALSHI, PROD)])
    assert str(refused.value) == (
        f"journal {path} holds kalshi records of the embedded simulator of the run started"
        f" 2026-12-01 09:30:05 UTC, not of {PROD}: that paper world ended with its run:"
        " give this run a new --journal FILE"
    )


def test_a_real_venue_journal_is_refused_to_the_embedded_simulator(tmp_path: Path):
    path = journal_of(tmp_path / "j.sqlite3", worlds.real_venue(Venue.KALSHI, PROD))
    with pytest.raises(WorldMismatch) as refused:
        check_worlds(path, [EMBEDDED])
    assert str(refused.value).endswith(
        "the embedded simulator is a new paper world every run and keeps each run's journal"
        " under predmm-sim/: leave out --journal, or give a new file"
    )


def test_demo_and_production_are_different_worlds(tmp_path: Path):
    path = journal_of(tmp_path / "j.sqlite3", worlds.real_venue(Venue.KALSHI, DEMO))
    with pytest.raises(WorldMismatch, match="one journal per venue world: give this run its own"):
        check_worlds(path, [worlds.real_venue(Venue.KALSHI, PROD)])


def test_a_simulator_world_is_its_address_and_account(tmp_path: Path):
    key = account_key(Venue.KALSHI, "http://127.0.0.1:4100/trade-api/v2", "key-id-1")
    assert len(key) == 16
    assert "key-id-1" not in key
    world = worlds.simulator(Venue.KALSHI, "http://127.0.0.1:4100/trade-api/v2", key)
    path = journal_of(tmp_path / "j.sqlite3", world)
    assert check_worlds(path, [world]) == []
    other = account_key(Venue.KALSHI, "http://127.0.0.1:4100/trade-api/v2", "key-id-2")
    with pytest.raises(WorldMismatch, match=f"not of the simulator at .* \\(account {other}\\)"):
        check_worlds(path, [worlds.simulator(Venue.KALSHI, "http://127.0.0.1:4100/x", other)])


def test_paper_trading_is_a_world_of_its_own(tmp_path: Path):
    live = worlds.real_venue(Venue.KALSHI, PROD)
    path = journal_of(tmp_path / "j.sqlite3", worlds.paper(live))
    with pytest.raises(WorldMismatch) as refused:
        check_worlds(path, [live])
    assert f"holds kalshi records of paper trading on {PROD}, not of {PROD}" in str(refused.value)
