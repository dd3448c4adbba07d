"""The simulator against the real venues: a naive maker at the touch, and quoted spreads.

    python bench/calibration.py [--quick] [--seed N] [--data PATH] [--jobs 2]

The same code (``predmm.backtest.calibration``) measures, over the real Polymarket L2
books (``--data``, default ``../shared/data/polymarket-btc15m-l2`` from the repository;
skipped with a line saying so when absent) and over the simulator's seeded day (the
default, calibrated flow, and the ``easy`` flow before it, for comparison):

* a naive maker at the touch: every 5 s, in every open market, one contract joins the
  best bid of each side and rests 30 s. Fill probability within those 30 s; markouts of
  the fills at 1 s, 10 s, 60 s and 5 min (the mid then less the fill price, in the fill's
  side's terms, cents per contract; negative: the price went on against the maker),
  overall and per market. ``books``: a fill is the opposite best reaching our price (all
  the real data can show: it has no prints), the same rule on both; ``prints``: the
  simulator's prints fill too, queue ahead of us first (what its tape shows);
* the quoted spread by the mid's bucket (each token's own view: YES at mid m, NO at
  1 - m), median in basis points of the token's mid, and in cents;

beside the published figures (``../shared/data/README.md``): Bhosale (2026), five-minute
markouts at the touch -0.08 to -1.98 cents per contract, negative on all 8 markets, fill
probability at the touch 36 % within 30 s; Dubach (2026), median quoted spread by mid,
bps. The simulator's day is seed 7's until every event has resolved (24 h), or its first
2 hours with ``--quick``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from predmm.backtest.calibration import (
    BUCKETS,
    HORIZONS_S,
    Calibration,
    CalibrationConfig,
    measure_all,
)
from predmm.backtest.sources.polymarket import PolymarketL2
from predmm.backtest.sources.sim import SimDay
from predmm.simulator.flow import FlowConfig

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "polymarket-btc15m-l2"
FULL_S = 24 * 3600 + 120
QUICK_S = 2 * 3600
BOOKS = CalibrationConfig()
PRINTS = CalibrationConfig(prints=True)
PUBLISHED: dict[str, Any] = {
    "fill_probability_30s": 0.36,
    "markout_5min_c": [-1.98, -0.08],
    "markouts_negative": "8 of 8 markets",
    "spread_bps": {"0-0.1": 1818, "0.1-0.2": 1339, "0.4-0.6": 400, "0.8-0.9": 222, "0.9-1": 53},
}


def real(path: Path) -> Calibration:
    source = PolymarketL2(path)
    return measure_all(source.markets, source.batches(), (BOOKS,), name="real")[0]


def sim(profile: str, seed: int, duration_s: float) -> list[Calibration]:
    source = SimDay(seed=seed, duration_s=duration_s, flow=FlowConfig.named(profile))
    return measure_all(source.markets, source.batches(), (BOOKS, PRINTS), name=profile)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f} %"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _negative(c: Calibration) -> str:
    marks = [f.markout(300) for f in c.per_market.values()]
    known = [m for m in marks if m is not None]
    return f"{sum(m < 0 for m in known)} of {len(known)}"


def table(columns: dict[str, Calibration]) -> str:
    names = list(columns)
    rows: list[tuple[str, str, list[str]]] = [
        (
            "fill probability, 30 s",
            "36 %",
            [_pct(c.overall.fill_probability) for c in columns.values()],
        ),
    ]
    for h in HORIZONS_S:
        label = f"markout {h // 60} min, c" if h >= 300 else f"markout {h} s, c"
        pub = "-1.98 .. -0.08" if h == 300 else ""
        rows.append((label, pub, [_num(c.overall.markout(h)) for c in columns.values()]))
    rows.append(("markets negative at 5 min", "8 of 8", [_negative(c) for c in columns.values()]))
    rows.append(("touch fills", "", [str(c.overall.filled) for c in columns.values()]))
    for low, high in BUCKETS:
        label = f"{low:g}-{high:g}"
        pub = PUBLISHED["spread_bps"].get(label)
        rows.append(
            (
                f"spread {label}, bps (c)",
                "" if pub is None else str(pub),
                [_spread(c, low) for c in columns.values()],
            )
        )
    head = f"{'':<28}{'published':>16}" + "".join(f"{n:>21}" for n in names)
    lines = [head, "-" * len(head)]
    for label, pub, cells in rows:
        lines.append(f"{label:<28}{pub:>16}" + "".join(f"{c:>21}" for c in cells))
    return "\n".join(lines)


def _spread(c: Calibration, low: float) -> str:
    b = c.spread(low)
    if b.median_bps is None:
        return "-"
    return f"{b.median_bps:.0f} ({b.median_cents:.2f})"


def per_market(c: Calibration) -> str:
    lines = [f"{c.source}: per market (fill probability, markout 5 min c)"]
    for name, f in c.per_market.items():
        lines.append(
            f"  {name[:56]:<58}{_pct(f.fill_probability):>9}{_num(f.markout(300)):>9}"
            f"{f.filled:>7} fills"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the simulator's first 2 hours")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Polymarket L2 folder")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args(argv)
    duration = QUICK_S if args.quick else FULL_S
    began = time.perf_counter()
    columns: dict[str, Calibration] = {}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = {p: pool.submit(sim, p, args.seed, duration) for p in ("calibrated", "easy")}
        have_real = (args.data / "books.parquet").is_file()
        if have_real:
            columns["real (books)"] = pool.submit(real, args.data).result()
        else:
            print(f"real data: skipped, no Polymarket L2 folder at {args.data} (--data PATH)")
        for profile, future in runs.items():
            books, prints = future.result()
            columns[f"{profile} (books)"] = books
            columns[f"{profile} (prints)"] = prints
    wall = time.perf_counter() - began
    print(
        f"simulator: seed {args.seed}, {duration / 3600:.2f} h, 1 s steps; touch probes "
        f"every {BOOKS.probe_every_s:g} s resting {BOOKS.window_s:g} s; {wall:.1f} s wall"
    )
    print(table(columns))
    for name in ("real (books)", "calibrated (prints)"):
        if name in columns:
            print(per_market(columns[name]))
    figures: dict[str, Any] = {"published": PUBLISHED, "seed": args.seed, "hours": duration / 3600}
    figures |= {name: c.summary() for name, c in columns.items()}
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
