"""``predmm cancel-all`` with no daemon running: venue by venue, one unreachable venue
does not stop the others, a report per venue and a non-zero exit naming the failures."""

from __future__ import annotations

from pathlib import Path

from predmm.domain.enums import Venue
from tests.integration.control.sim_helpers import (
    rest_orders,
    resting,
    run_predmm,
    served,
    unreachable_url,
    write_credentials,
)


async def test_an_unreachable_venue_does_not_stop_the_cancels_on_the_other(tmp_path: Path) -> None:
    async with served() as running:
        sim = running.sim
        rest_orders(sim, Venue.POLYMARKET, 10)
        assert len(resting(sim, Venue.POLYMARKET)) == 10
        with unreachable_url() as dead:
            creds = write_credentials(running, tmp_path / "creds", kalshi_url=dead)
            env = {"PREDMM_LOCK_DIR": str(tmp_path / "locks")}
            done = await run_predmm(["cancel-all", "--sim-credentials", str(creds)], tmp_path, env)
        assert resting(sim, Venue.POLYMARKET) == []
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1, out + err
    assert "polymarket: cancelled 10 orders; none resting" in out
    assert "kalshi: FAILED" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("predmm: error: cancel-all failed on kalshi:"), err
    assert "Traceback" not in out + err
