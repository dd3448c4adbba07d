"""A daemon on a simulated world faster than the wall clock reads the world's time from
its credentials (``clock.json``): its market hours, exits and UTC days are the world's."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from predmm.actors.clock import WorldClock
from predmm.cli.venues import from_sim_credentials, world_clock_from_file
from predmm.domain.errors import ConfigError
from predmm.simulator import Simulator
from predmm.simulator.credentials import (
    write_kalshi_credentials,
    write_polymarket_credentials,
    write_world_clock,
)

WORLD = datetime(2026, 11, 3, 23, 59, tzinfo=UTC).timestamp()


def test_the_world_clock_runs_its_scale_times_as_fast_as_the_wall() -> None:
    clock = WorldClock(world_time=WORLD, wall_time=time.time() - 2.0, scale=3600.0)
    hours = (clock.timestamp() - WORLD) / 3600
    assert 2.0 <= hours < 2.5  # two wall seconds: two world hours
    assert clock.now().date() == datetime(2026, 11, 4, tzinfo=UTC).date()  # past midnight
    before = clock.monotonic()
    assert clock.monotonic() - before < 1.0  # the process's own pacing stays wall time
    with pytest.raises(ValueError, match="time_scale = 0"):
        WorldClock(world_time=WORLD, wall_time=0.0, scale=0.0)


def test_sim_credentials_with_a_world_clock_give_the_daemon_its_time(tmp_path: Path) -> None:
    sim = Simulator(seed=1, flow=False)
    write_kalshi_credentials(
        tmp_path, sim.maker.kalshi_key, base_url="http://127.0.0.1:1", ws_url="ws://127.0.0.1:1"
    )
    write_polymarket_credentials(
        tmp_path,
        sim.maker.polymarket_key,
        clob_url="http://127.0.0.1:2",
        gamma_url="http://127.0.0.1:3",
        ws_url="ws://127.0.0.1:2/ws/",
    )
    assert from_sim_credentials(tmp_path).clock is None  # a world on the wall's time
    write_world_clock(tmp_path, world_time=WORLD, wall_time=time.time(), scale=5000.0)
    setup = from_sim_credentials(tmp_path)
    assert isinstance(setup.clock, WorldClock)
    assert setup.clock.scale == 5000.0
    assert abs(setup.clock.timestamp() - WORLD) < 5000.0 * 60
    assert any("5000x the wall clock" in line for line in setup.description)


def test_a_bad_world_clock_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text('{"world_time": 1, "wall_time": 2}')
    with pytest.raises(ConfigError, match=r"clock\.json: bad world clock"):
        world_clock_from_file(path)
