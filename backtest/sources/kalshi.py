"""Kalshi trade prints: CSV files with ``trade_id``, ``ticker``, ``count``,
``created_time`` (ISO 8601, UTC), ``yes_price``, ``no_price`` (cents, summing to 100)
and ``taker_side`` (``yes``/``no``); the format of the FEDS 2026-010 replication data. A
path is one such file or a folder of them.

There is no book. What the replay sees of a market is its prints (``TRADE`` events, which
alone fill resting orders: ``fills_from_books`` is False) and, after each print, a book
derived from the prints by this estimator, the **implied touch**:

* a print whose taker bought YES lifted an ask: the latest such price is the implied
  best YES ask; a print whose taker bought NO hit a YES bid: the latest such price is the
  implied best YES bid;
* when the older of the two is at or through the newer (bid >= ask: the market moved
  since), the older side is dropped;
* the book is those one or two levels, each of ``IMPLIED_SIZE`` contract (sizes are not
  in the data); with one side only, the book is one-sided and the strategy does not quote;
* the fair value the strategy reads is that book's mid, the midpoint of the implied touch.

Liquidity, for market selection, is the dollars traded in the market so far (the data
has no resting size). The close time is not in the data either: the time of the market's
last print stands in for it (a look-ahead, needed for the strategy's time-to-close rules).

Resolution is inferred only where the data justify it: the last ``SETTLE_PRINTS`` prints
all at >= 95 cents (YES won) or all at <= 5 cents (NO won). Otherwise the market is marked
at its last price at the end, and the result says so per market.

Bad data raises ``DataError`` naming the file, the row (0-based, data rows) and the field:
a missing column, an unreadable file, an unparseable time, a ticker's rows not in one time
order (the files are newest first; oldest first is accepted too), a price outside (0, 1)
(1..99 cents), prices not summing to 100, a taker side other than yes/no, a count <= 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from predmm.backtest.events import BOOK, SETTLE, TRADE, DataError, EventBatch, MarketInfo
from predmm.backtest.sources.common import BATCH_ROWS, first_true
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.simulator.exchange.fees import FeeSpec

COLUMNS = ("trade_id", "ticker", "count", "created_time", "yes_price", "no_price", "taker_side")
SETTLE_PRINTS = 3
IMPLIED_SIZE = 1.0


def csv_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.csv")) if path.is_dir() else [path]


def is_kalshi_trades(path: Path) -> bool:
    files = csv_files(path)
    if not files or any(f.suffix != ".csv" for f in files):
        return False
    try:
        with files[0].open(encoding="utf-8") as fh:
            header = fh.readline()
    except OSError:
        return False
    return all(c in header for c in ("ticker", "created_time", "yes_price", "taker_side"))


@attrs.define(slots=False)
class KalshiTrades:
    """Trade prints of one file or folder (see the module docstring)."""

    path: Path
    only: frozenset[str] | None = None  # tickers to keep
    settle_prints: int = SETTLE_PRINTS
    markets: list[MarketInfo] = attrs.field(init=False, factory=list)
    notes: list[str] = attrs.field(init=False, factory=list)
    fills_from_books: bool = False
    name: str = "kalshi-trades"

    def __attrs_post_init__(self) -> None:
        tables = [_read(f) for f in csv_files(self.path)]
        table = pa.concat_tables(tables) if tables else None
        if table is None or table.num_rows == 0:
            raise DataError(self.path, None, None, "no trade rows")
        if self.only is not None:
            table = table.filter(pc.is_in(table["ticker"], pa.array(sorted(self.only))))
        order = np.argsort(table["ms"].to_numpy(), kind="stable")
        self._table = table.take(pa.array(order))
        stamps = self._table["ms"].to_numpy()
        self.span_ms = int(stamps.max() - stamps.min()) if len(stamps) else 0
        self._index: dict[str, int] = {}
        self._settle: list[tuple[int, int, float]] = []
        self._describe()

    def _describe(self) -> None:
        tickers = self._table["ticker"].to_pylist()
        ms = self._table["ms"].to_numpy()
        prices = self._table["yes_price"].to_numpy()
        last: dict[str, int] = {}
        for i, t in enumerate(tickers):
            last[t] = i
            self._index.setdefault(t, len(self._index))
        rows_of: dict[str, list[int]] = {}
        for i, t in enumerate(tickers):
            rows_of.setdefault(t, []).append(i)
        inferred = marked = 0
        for ticker, idx in self._index.items():
            tail = prices[rows_of[ticker][-self.settle_prints :]]
            end = int(ms[last[ticker]])
            payout, note = _outcome(tail, self.settle_prints)
            inferred += note.startswith("inferred")
            marked += note.startswith("marked")
            self._settle.append((end + 1, idx, payout))
            self.markets.append(_info(ticker, end, note))
        self.notes.append(
            f"Kalshi trades: fair value = midpoint of the implied touch (latest buyer-taker "
            f"and seller-taker prints); outcome inferred for {inferred} of "
            f"{len(self._index)} markets (last {self.settle_prints} prints all >= 95c or "
            f"<= 5c), {marked} marked at their last price; close time = last print"
        )

    def batches(self) -> Iterator[EventBatch]:
        touch: dict[int, list[float | None]] = {}
        pending = sorted(self._settle)
        j = 0
        batch = EventBatch.empty()
        for chunk in self._table.to_batches(max_chunksize=BATCH_ROWS):
            cols = [chunk.column(c).to_pylist() for c in ("ms", "ticker", "yes_price", "count")]
            takers = pc.equal(chunk.column("taker_side"), "yes").to_pylist()
            for ts, ticker, cents, count, yes_taker in zip(*cols, takers, strict=True):
                while j < len(pending) and pending[j][0] < ts:
                    batch.add(pending[j][0], SETTLE, pending[j][1], price=pending[j][2])
                    j += 1
                m = self._index[ticker]
                price = cents / 100
                batch.add(ts, TRADE, m, price=price, size=float(count), aux=1 if yes_taker else -1)
                batch.add(
                    ts,
                    BOOK,
                    m,
                    ladders=_implied(touch.setdefault(m, [None, None]), price, yes_taker),
                )
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = EventBatch.empty()
        for ts, m, payout in pending[j:]:
            batch.add(ts, SETTLE, m, price=payout)
        if len(batch):
            yield batch


def _implied(
    touch: list[float | None], price: float, yes_taker: bool
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Update the implied touch [bid, ask] with one print; its YES and NO bid ladders."""
    newer, older = (1, 0) if yes_taker else (0, 1)
    touch[newer] = price
    bid, ask = touch
    if bid is not None and ask is not None and bid >= ask:
        touch[older] = None
        bid, ask = touch
    yes = ([bid], [IMPLIED_SIZE]) if bid is not None else ([], [])
    no = ([round(1.0 - ask, 6)], [IMPLIED_SIZE]) if ask is not None else ([], [])
    return yes[0], yes[1], no[0], no[1]


def _outcome(tail: np.ndarray, n: int) -> tuple[float, str]:
    if len(tail) >= n and (tail >= 95).all():
        return 1.0, f"inferred: YES (last {n} prints >= 95c)"
    if len(tail) >= n and (tail <= 5).all():
        return 0.0, f"inferred: NO (last {n} prints <= 5c)"
    last = float(tail[-1]) / 100
    return last, f"marked at the last price {last:.2f} (outcome unknown)"


def _info(ticker: str, end_ms: int, note: str) -> MarketInfo:
    return MarketInfo(
        market_id=MarketId(Venue.KALSHI, ticker),
        title=ticker,
        close_ms=end_ms,
        min_order_size=Decimal(1),
        fees=FeeSpec.kalshi(),
        liquidity=None,
        settle_note=note,
        liquidity_from_trades=True,
    )


def _read(path: Path) -> pa.Table:
    """One file, checked; with an ``ms`` column (the print's time in ms)."""
    try:
        table = pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in ("created_time", "taker_side", "ticker")}
            ),
        )
    except (OSError, pa.ArrowException) as exc:
        raise DataError(path, None, None, f"cannot read it as CSV: {exc}") from None
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise DataError(path, None, missing[0], "missing column")
    for c in ("count", "yes_price", "no_price"):
        if not pa.types.is_integer(table[c].type):
            raise DataError(path, _non_integer(table[c]), c, "not a whole number")
    ms = _times(path, table["created_time"])
    _check(path, table, ms)
    return table.select(["ticker", "count", "yes_price", "taker_side"]).append_column(
        "ms", pa.array(ms)
    )


def _non_integer(column: pa.ChunkedArray) -> int | None:
    for i, value in enumerate(column.to_pylist()):
        if value is None or not str(value).lstrip("-").isdigit():
            return i
    return None


def _times(path: Path, column: pa.ChunkedArray) -> np.ndarray:
    try:
        stamps = pc.cast(column, pa.timestamp("us", tz="UTC"))
    except pa.ArrowException:
        for i, text in enumerate(column.to_pylist()):
            try:
                pc.cast(pa.array([text]), pa.timestamp("us", tz="UTC"))
            except pa.ArrowException:
                raise DataError(path, i, "created_time", f"{text!r} is not an ISO time") from None
        raise
    out: np.ndarray = stamps.cast(pa.int64()).to_numpy() // 1000
    return out


def _check(path: Path, table: pa.Table, ms: np.ndarray) -> None:
    yes, no = table["yes_price"].to_numpy(), table["no_price"].to_numpy()
    checks = (
        ("yes_price", (yes <= 0) | (yes >= 100), "price {} cents outside (0, 1)", yes),
        ("no_price", yes + no != 100, "yes_price + no_price = {} cents, not 100", yes + no),
        ("count", table["count"].to_numpy() <= 0, "count {} is not positive", None),
    )
    for field, mask, text, values in checks:
        bad = first_true(mask)
        if bad is not None:
            shown = (values if values is not None else table[field].to_numpy())[bad]
            raise DataError(path, bad, field, text.format(shown))
    sides = table["taker_side"].to_numpy(zero_copy_only=False)
    bad = first_true((sides != "yes") & (sides != "no"))
    if bad is not None:
        raise DataError(path, bad, "taker_side", f"{sides[bad]!r} is neither yes nor no")
    bad = _out_of_order(table["ticker"].to_numpy(zero_copy_only=False), ms)
    if bad is not None:
        raise DataError(path, bad, "created_time", "out of its ticker's time order")


def _out_of_order(tickers: np.ndarray, ms: np.ndarray) -> int | None:
    """The first row breaking its ticker's one time order (descending or ascending, as
    its first and last rows say), or None."""
    rows: dict[str, list[int]] = {}
    for i, t in enumerate(tickers.tolist()):
        rows.setdefault(t, []).append(i)
    worst: int | None = None
    for idx in rows.values():
        times = ms[idx]
        step = np.diff(times)
        bad = step > 0 if times[0] >= times[-1] else step < 0
        hit = first_true(bad)
        if hit is not None and (worst is None or idx[hit + 1] < worst):
            worst = idx[hit + 1]
    return worst
