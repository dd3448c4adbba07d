"""The soak, longer: the daemon (``predmm run --sim-credentials``) on a simulated world of
both venues that runs thousands of times as fast as the wall clock, markets listing and
resolving every few hours, SIGKILLed and restarted across resolutions, UTC midnights
and bursts of faults, audited at the end against the venues' own records
(``tests/integration/soak/``; ``tests/integration/test_soak.py`` runs a day and two thirds).

    python bench/soak.py [--days 7] [--seed 7] [--time-scale 5000] [--quick] [--keep DIR]

Prints progress as it goes, then the findings, then as its last line one JSON object:
simulated days, wall seconds, fills (venue / journal), lost and duplicate fills,
duplicate orders, orphans, limit breaches (and the least room a limit had left),
position mismatches, settlements (venue / journal), restarts and corrections journaled.
Exits 1 if the soak found anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from soak.report import SoakReport
from soak.runner import run_soak
from soak.world import SoakPlan


def _print(line: str) -> None:
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-scale", type=float, default=5000.0)
    parser.add_argument("--quick", action="store_true", help="two simulated days")
    parser.add_argument("--keep", type=Path, default=None, help="keep the journal and logs here")
    args = parser.parse_args()
    days = 2.0 if args.quick else args.days
    plan = SoakPlan(days=days, seed=args.seed, time_scale=args.time_scale)
    if args.keep is not None:
        report = trio.run(run_soak, plan, args.keep, _print)
    else:
        with tempfile.TemporaryDirectory(prefix="predmm-soak-") as tmp:
            report = trio.run(run_soak, plan, Path(tmp), _print)
    _findings(report)
    print(json.dumps(report.summary()))
    sys.exit(1 if report.failures else 0)


def _findings(report: SoakReport) -> None:
    a = report.audit
    _print(f"kills: {'; '.join(report.kills) or 'none'}")
    _print(f"fills {a.venue_fills} venue / {a.journal_fills} journal; orders {a.venue_orders}")
    _print(f"settlements {a.venue_settlements} venue / {a.journal_settlements} journal")
    _print(
        f"exposure checked {report.samples} times; least room {report.worst_margin}"
        f" ({report.tightest})"
    )
    if report.failures:
        _print("FOUND " + report.describe().replace("\n", "\nFOUND "))


if __name__ == "__main__":
    main()
