"""Polymarket-style L2 snapshots: a folder with ``books.parquet`` and ``markets.parquet``
(the format of resolvedkit's sample data).

``books.parquet``: ``market_id`` (condition id), ``ts`` (ms since the epoch), ``side``
(``UP`` or ``DOWN``: whose token's book), ``bid_px``, ``bid_sz``, ``ask_px``, ``ask_sz``
(lists, best first). ``markets.parquet``: ``market_id``, ``slug``, ``start_ts``,
``end_ts``, ``payout_up``, ``payout_down``.

How it is read:

* One predmm market per condition, YES = the UP token. An UP snapshot gives the YES bids
  and, mirrored, the NO bids (an UP ask at a is a NO bid at 1 - a); a DOWN snapshot the
  other way round. The two tokens' books mirror each other, so where both were taken at
  the same millisecond the UP one is used and the DOWN one dropped.
* Rows of one market must be in time order (the file is sorted by market, not by time);
  the reader merges the markets into one time order.
* The market closes at ``end_ts`` (a ``STATUS`` closed event: quoting stops, resting
  orders are cancelled) and settles from ``payout_up``/``payout_down`` after its last
  snapshot (``SETTLE``).
* The tick is $0.01 until the first price off the cent grid (a ``TICK`` event to $0.001
  just before it, as Polymarket's ``tick_size_change``);
  Polymarket's minimum order is 5 shares; makers pay no fee, takers (exits) the crypto
  category's cited rate ``TAKER_RATE`` x C x p(1 - p) (unconfirmed, see the venue notes).
* Liquidity (for market selection) is the dollars resting on the visible book.
* A snapshot whose best bid is at or above its best ask was taken mid-match (the sample
  data has 22 such rows among 38,333): by default it is dropped and counted in the notes
  (``crossed="skip"``); ``crossed="error"`` makes it a ``DataError`` instead.

Bad data raises ``DataError`` naming the file, the row (0-based) and the field: a missing
column, an unreadable file, a row out of time order within its market, a price outside
(0, 1), a crossed book (with ``crossed="error"``), a side other than UP/DOWN, a market missing from
``markets.parquet``, a payout other than 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from predmm.backtest.events import (
    BOOK,
    SETTLE,
    STATUS,
    STATUSES,
    TICK,
    DataError,
    EventBatch,
    MarketInfo,
)
from predmm.backtest.sources.common import (
    BATCH_ROWS,
    Extra,
    first_decrease,
    first_true,
    merge,
    read_parquet,
)
from predmm.domain.enums import MarketStatus, Venue
from predmm.domain.ids import MarketId
from predmm.simulator.exchange.fees import FeeSpec

BOOK_COLUMNS = ("market_id", "ts", "side", "bid_px", "bid_sz", "ask_px", "ask_sz")
MARKET_COLUMNS = ("market_id", "slug", "start_ts", "end_ts", "payout_up", "payout_down")
TAKER_RATE = Decimal("0.07")
MIN_ORDER = Decimal(5)


def is_polymarket_l2(path: Path) -> bool:
    return path.is_dir() and (path / "books.parquet").is_file()


@attrs.define(slots=False)
class PolymarketL2:
    """A folder of L2 snapshots (see the module docstring)."""

    path: Path
    only: frozenset[str] | None = None  # market ids or slugs to keep
    crossed: str = "skip"  # a crossed or locked snapshot: "skip" it or "error"
    markets: list[MarketInfo] = attrs.field(init=False, factory=list)
    notes: list[str] = attrs.field(init=False, factory=list)
    fills_from_books: bool = True
    name: str = "polymarket-l2"
    _table: pa.Table | None = attrs.field(init=False, default=None)
    _extras: list[Extra] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        books = self.path / "books.parquet"
        index = self._read_markets(self.path / "markets.parquet")
        table = read_parquet(books, BOOK_COLUMNS)
        table = table.append_column("row", pa.array(np.arange(table.num_rows)))
        _check(books, table, index)
        crossed = crossed_rows(books, table, fail=self.crossed == "error")
        if crossed.any():
            table = table.filter(pa.array(~crossed))
            self.notes.append(
                f"{int(crossed.sum())} snapshots with a crossed or locked book (best bid >= "
                "best ask: taken mid-match) were dropped (crossed='skip')"
            )
        if self.only is not None:
            keep = [i for i, m in enumerate(self.markets) if _wanted(m, self.only)]
            mask = pc.is_in(table["market_id"], pa.array([self._ids[i] for i in keep]))
            table = table.filter(mask)
        self._table = _time_ordered(table)
        stamps = self._table["ts"].to_numpy()
        self.span_ms = int(stamps.max() - stamps.min()) if len(stamps) else 0
        self._plan(index)

    def _read_markets(self, path: Path) -> dict[str, int]:
        table = read_parquet(path, MARKET_COLUMNS)
        rows = table.to_pylist()
        self._ids: list[str] = []
        self._rows = rows
        index: dict[str, int] = {}
        for i, row in enumerate(rows):
            for field in ("payout_up", "payout_down"):
                if row[field] not in (0.0, 1.0):
                    raise DataError(path, i, field, f"payout {row[field]!r} is not 0 or 1")
            if row["payout_up"] + row["payout_down"] != 1.0:
                raise DataError(path, i, "payout_down", "payouts do not sum to 1")
            index[row["market_id"]] = i
            self._ids.append(row["market_id"])
            self.markets.append(_info(row))
        return index

    def _plan(self, index: dict[str, int]) -> None:
        """Close and settle events, and each market's tick, from its rows."""
        assert self._table is not None
        ids = self._table["market_id"].to_numpy(zero_copy_only=False)
        ts = self._table["ts"].to_numpy()
        fine = _off_cent(self._table)
        for mid, i in index.items():
            mine = ids == mid
            if not mine.any():
                continue
            row = self._rows[i]
            last = int(ts[mine].max())
            closed = STATUSES.index(MarketStatus.CLOSED)
            self._extras.append((int(row["end_ts"]), STATUS, i, 0.0, closed))
            self._extras.append((max(last, int(row["end_ts"])) + 1, SETTLE, i, row["payout_up"], 0))
            if fine[mine].any():  # Polymarket's tick becomes $0.001 near the edges
                first = int(ts[np.flatnonzero(mine & fine)[0]])
                self._extras.append((first - 1, TICK, i, 0.001, 0))
        self.notes.append(
            "Polymarket L2: outcomes recorded (payout_up/payout_down); YES is the UP token; "
            f"taker fee {TAKER_RATE} x C x p(1-p) (crypto rate, unconfirmed), makers free"
        )

    def batches(self) -> Iterator[EventBatch]:
        return merge(self._book_batches(), self._extras)

    def _book_batches(self) -> Iterator[EventBatch]:
        assert self._table is not None
        index = {mid: i for i, mid in enumerate(self._ids)}
        for chunk in self._table.to_batches(max_chunksize=BATCH_ROWS):
            yield _batch(chunk, index)


def _wanted(info: MarketInfo, only: frozenset[str]) -> bool:
    return info.market_id.symbol in only or info.title in only or str(info.market_id) in only


def _info(row: dict[str, object]) -> MarketInfo:
    end = row["end_ts"]
    assert isinstance(end, int)
    return MarketInfo(
        market_id=MarketId(Venue.POLYMARKET, str(row["market_id"])),
        title=str(row["slug"]),
        close_ms=end,
        min_order_size=MIN_ORDER,
        fees=FeeSpec.polymarket(TAKER_RATE),
        settle_note="recorded",
    )


def _check(path: Path, table: pa.Table, index: dict[str, int]) -> None:
    sides = table["side"].to_numpy(zero_copy_only=False)
    bad = first_true((sides != "UP") & (sides != "DOWN"))
    if bad is not None:
        raise DataError(path, bad, "side", f"{sides[bad]!r} is neither UP nor DOWN")
    ids = table["market_id"].to_numpy(zero_copy_only=False)
    unknown = first_true(~np.isin(ids, np.array(list(index), dtype=object)))
    if unknown is not None:
        raise DataError(path, unknown, "market_id", f"{ids[unknown]} not in markets.parquet")
    ts = table["ts"].to_numpy()
    back = first_decrease(ts, ids)
    if back is not None:
        raise DataError(path, back, "ts", f"{ts[back]} is earlier than the market's previous row")
    for field in ("bid_px", "ask_px"):
        flat = pc.list_flatten(table[field]).to_numpy()
        outside = first_true(~((flat > 0) & (flat < 1)))
        if outside is not None:
            row = int(pc.list_parent_indices(table[field]).to_numpy()[outside])
            raise DataError(path, row, field, f"price {flat[outside]} outside (0, 1)")


def crossed_rows(path: Path, table: pa.Table, *, fail: bool) -> np.ndarray:
    """Rows whose best bid is at or above their best ask; with ``fail``, the first of
    them is a DataError."""
    best_bid = _first(table["bid_px"], 0.0)
    best_ask = _first(table["ask_px"], 2.0)
    crossed = best_bid >= best_ask
    first = first_true(crossed)
    if fail and first is not None:
        raise DataError(
            path,
            first,
            "ask_px",
            f"crossed book: best bid {best_bid[first]} >= best ask {best_ask[first]}",
        )
    return crossed


def _first(column: pa.ChunkedArray, empty: float) -> np.ndarray:
    """The first element of each list (``empty`` where the list is empty)."""
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    out = np.full(len(lengths), empty)
    has = np.flatnonzero(lengths > 0)
    if len(has):
        firsts = pc.list_element(column.take(pa.array(has)), 0).to_numpy()
        out[has] = firsts
    return out


def _off_cent(table: pa.Table) -> np.ndarray:
    """Per row: any price off the $0.01 grid."""
    out = np.zeros(table.num_rows, dtype=bool)
    for field in ("bid_px", "ask_px"):
        flat = pc.list_flatten(table[field]).to_numpy()
        off = np.abs(flat * 100 - np.round(flat * 100)) > 1e-6
        parents = pc.list_parent_indices(table[field]).to_numpy()
        out[parents[off]] = True
    return out


def _time_ordered(table: pa.Table) -> pa.Table:
    """One snapshot per market and millisecond (UP preferred), in time order (stable)."""
    ids = table["market_id"].to_numpy(zero_copy_only=False)
    ts = table["ts"].to_numpy()
    down = table["side"].to_numpy(zero_copy_only=False) == "DOWN"
    order = np.lexsort((down, ts, ids))  # by market, time, UP first
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (ids[order][1:] != ids[order][:-1]) | (ts[order][1:] != ts[order][:-1])
    chosen = order[keep]
    chosen = chosen[np.argsort(ts[chosen], kind="stable")]
    return table.take(pa.array(chosen))


def _mirrored(column: pa.Array) -> list[list[float]]:
    """Each list of prices as 1 - price (an ask of one token is a bid of the other)."""
    values = pc.round(pc.subtract(pa.scalar(1.0), column.values), 6)
    out: list[list[float]] = pa.ListArray.from_arrays(column.offsets, values).to_pylist()
    return out


def _batch(chunk: pa.RecordBatch, index: dict[str, int]) -> EventBatch:
    """UP rows: YES bids = bids, NO bids = 1 - asks; DOWN rows the other way round."""
    n = chunk.num_rows
    up = pc.equal(chunk.column("side"), "UP").to_pylist()
    bid_px, bid_sz = chunk.column("bid_px").to_pylist(), chunk.column("bid_sz").to_pylist()
    ask_sz = chunk.column("ask_sz").to_pylist()
    mirrored = _mirrored(chunk.column("ask_px"))
    yes_px = [b if u else m for u, b, m in zip(up, bid_px, mirrored, strict=True)]
    yes_sz = [b if u else a for u, b, a in zip(up, bid_sz, ask_sz, strict=True)]
    no_px = [m if u else b for u, b, m in zip(up, bid_px, mirrored, strict=True)]
    no_sz = [a if u else b for u, b, a in zip(up, bid_sz, ask_sz, strict=True)]
    markets = [index[m] for m in chunk.column("market_id").to_pylist()]
    return EventBatch(
        ts=chunk.column("ts").to_pylist(),
        kind=[BOOK] * n,
        market=markets,
        price=[0.0] * n,
        size=[0.0] * n,
        aux=[0] * n,
        yes_px=yes_px,
        yes_sz=yes_sz,
        no_px=no_px,
        no_sz=no_sz,
    )
