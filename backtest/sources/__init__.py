"""Where replayed market data comes from: ``open_source(path, format)``.

* ``polymarket-l2``: a folder with ``books.parquet`` + ``markets.parquet``
  (``sources.polymarket``);
* ``kalshi-trades``: a CSV of Kalshi prints, or a folder of them (``sources.kalshi``);
* ``recording``: a ``predmm record`` folder of part files, or one of them
  (``sources.recording``);
* ``sim``: the simulator's seeded day, generated in-process, no path (``sources.sim``).

``auto`` picks the format from what the path holds; a path that fits none is an error.
"""

from __future__ import annotations

from pathlib import Path

from predmm.backtest.events import DataError, Source

FORMATS = ("polymarket-l2", "kalshi-trades", "recording", "sim")


def detect(path: Path) -> str:
    from predmm.backtest.sources.kalshi import is_kalshi_trades
    from predmm.backtest.sources.polymarket import is_polymarket_l2
    from predmm.backtest.sources.recording import is_recording

    if not path.exists():
        raise DataError(path, None, None, "no such file or folder")
    found = [
        name
        for name, test in (
            ("polymarket-l2", is_polymarket_l2),
            ("recording", is_recording),
            ("kalshi-trades", is_kalshi_trades),
        )
        if test(path)
    ]
    if len(found) != 1:
        what = "no known format" if not found else f"several formats ({', '.join(found)})"
        raise DataError(path, None, None, f"{what}: give --format")
    return found[0]


def open_source(
    path: Path | None,
    fmt: str = "auto",
    *,
    markets: frozenset[str] | None = None,
    crossed: str = "skip",
    seed: int = 7,
    duration_s: float = 3600.0,
) -> Source:
    """The source of ``path`` in format ``fmt`` (``auto``: detected)."""
    if fmt == "sim":
        from predmm.backtest.sources.sim import SimDay

        return SimDay(seed=seed, duration_s=duration_s, only=markets)
    if path is None:
        raise DataError("--data", None, None, f"format {fmt!r} needs a path")
    fmt = detect(path) if fmt == "auto" else fmt
    if fmt == "polymarket-l2":
        from predmm.backtest.sources.polymarket import PolymarketL2

        return PolymarketL2(path, only=markets, crossed=crossed)
    if fmt == "kalshi-trades":
        from predmm.backtest.sources.kalshi import KalshiTrades

        return KalshiTrades(path, only=markets)
    if fmt == "recording":
        from predmm.backtest.sources.recording import RecordingSource

        return RecordingSource(path, only=markets)
    raise DataError(path, None, None, f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
