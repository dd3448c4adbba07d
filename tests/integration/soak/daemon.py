"""The soak's daemon process: ``predmm run --sim-credentials CREDS --journal J --config
C --no-view`` (``cli.daemon.run_daemon``, the same path), with the engine's periodic
timings shortened to the world's pace: its scan, ticks, fill polls and reconciliations
come every fraction of a wall second, minutes to hours of world time. The engine also
writes which markets its actors own, and how they are, to ``<journal>.owners.json``
(its status board's snapshot, read-only) for the soak to see.

    python tests/integration/soak/daemon.py CREDS JOURNAL CONFIG [GO]

With ``GO``, a file, the process imports everything and then waits for the file to
exist before it starts (a spare, ready to take over the moment its predecessor dies).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import trio

from predmm.cli import daemon
from predmm.cli.daemon import RunOptions, configure_logs, load_run_settings, run_daemon
from predmm.domain.errors import PredmmError
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings, sole_predmm_error

TIMINGS = EngineTimings(
    scan_interval=1.0,
    tick_interval=0.1,
    fill_poll_interval=2.0,
    reconcile_interval=3.0,
    position_recheck=0.5,
)


OWNERS_EVERY = 0.2  # wall seconds
GO_POLL = 0.02  # wall seconds between a spare's looks for its go file


def owners_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".owners.json")


class SoakEngine(TradingEngine):
    """``predmm run``'s engine, writing its owners beside the journal while it runs."""

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._publish_owners)
            try:
                await super().run()
            finally:
                nursery.cancel_scope.cancel()

    async def _publish_owners(self) -> None:
        assert self.journal_path is not None
        target = owners_path(self.journal_path)
        while True:
            await trio.sleep(OWNERS_EVERY)
            if not self.started.is_set():
                continue
            markets = {str(m.market_id): m.health for m in self.snapshot().markets}
            fd, tmp = tempfile.mkstemp(prefix=target.name, dir=target.parent)
            with os.fdopen(fd, "w") as fh:
                json.dump({"markets": markets}, fh)
            os.replace(tmp, target)


def wait_for(go: Path) -> None:
    """A spare started ahead (its imports done while the last run still ran) goes on
    once the soak has written ``go``: its predecessor is dead and the world has passed
    the moment it must start after."""
    while not go.exists():
        time.sleep(GO_POLL)


def main() -> None:
    creds, journal, config = (Path(a) for a in sys.argv[1:4])
    if len(sys.argv) > 4:
        wait_for(Path(sys.argv[4]))
    opts = RunOptions(
        config=config,
        sim_credentials=creds,
        journal=journal,
        view=False,
        metrics_port=0,
        timings=TIMINGS,
    )
    try:
        settings = load_run_settings(opts)
        configure_logs(opts, settings, live_view=False)
        daemon.TradingEngine = SoakEngine  # type: ignore[misc]
        trio.run(run_daemon, opts, settings)
    except PredmmError as exc:
        sys.exit(f"predmm: error: {exc}")
    except BaseExceptionGroup as group:
        sole = sole_predmm_error(group)
        if sole is None:
            raise
        sys.exit(f"predmm: error: {sole}")


if __name__ == "__main__":
    main()
