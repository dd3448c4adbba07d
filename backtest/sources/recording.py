"""predmm's own recordings (``predmm record``): the format, its writer and its reader.

A recording is a folder of Parquet files ``part-000001.parquet``, ``part-000002.parquet``,
... each one complete row group, written under a temporary name and renamed when whole.
A recorder killed at any moment therefore loses at most the rows it had not flushed yet
(``flush_rows`` rows or ``flush_s`` seconds), and every file left is readable: one
Parquet file cannot be appended to once its footer is written, nor read without it.

Format version 1 (``predmm.format = recording``, ``predmm.version = 1`` in each file's
schema metadata). One row per thing the venue feeds delivered, in receive order:

* ``ts`` (int64): receive time, ms since the Unix epoch (UTC); never decreasing;
* ``venue_ts`` (int64, null): the venue's own time of the event, where it gives one;
* ``kind`` (string): ``market``, ``book``, ``delta``, ``trade``, ``status``, ``tick``,
  ``settle`` or ``invalid``;
* ``market`` (string): ``venue:symbol`` (``kalshi:TICKER``, ``polymarket:0xcondition``);
* ``yes_px``, ``yes_sz``, ``no_px``, ``no_sz`` (list<double>): ``book``: the YES and NO
  bid ladders, best first; ``delta``: the changed levels only (size 0: the level is gone);
* ``price`` (double): ``trade``: the YES price; ``tick``: the new uniform tick;
  ``settle``: what YES paid (1 or 0);
* ``size`` (double): ``trade``: contracts;
* ``taker`` (int8): ``trade``: 1 the taker bought YES, -1 bought NO, 0 not told;
* ``status`` (string): ``status``: the new status (``open``, ``closed``, ``settled``, ...);
* ``info`` (string): ``market``: JSON with ``title``, ``event_id``, ``price_ranges``,
  ``close_time``, ``min_order_size``, ``liquidity``, ``volume``, ``status``.

A ``market`` row comes before any other row of its market. A ``book`` row holds the whole
book; ``delta`` rows follow it (a fresh ``book`` every ``SNAPSHOT_EVERY`` updates and after
an ``invalid``). Settlements of the embedded simulator come from its exchange; the venue
clients do not yet report settlement results, so a recording of real venues has status
rows only and the backtest marks such markets at their last mid.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from predmm.backtest import events as ev
from predmm.backtest.sources.common import BATCH_ROWS, first_true, read_parquet
from predmm.domain.book import OrderBook
from predmm.domain.enums import MarketStatus
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.ticks import TickSpec
from predmm.simulator.exchange.fees import FeeSpec

VERSION = "1"
SNAPSHOT_EVERY = 100
KINDS = ("market", "book", "delta", "trade", "status", "tick", "settle", "invalid")
_LIST = pa.list_(pa.float64())
SCHEMA = pa.schema(
    [
        ("ts", pa.int64()),
        ("venue_ts", pa.int64()),
        ("kind", pa.string()),
        ("market", pa.string()),
        ("yes_px", _LIST),
        ("yes_sz", _LIST),
        ("no_px", _LIST),
        ("no_sz", _LIST),
        ("price", pa.float64()),
        ("size", pa.float64()),
        ("taker", pa.int8()),
        ("status", pa.string()),
        ("info", pa.string()),
    ],
    metadata={"predmm.format": "recording", "predmm.version": VERSION},
)
_KIND_CODE = {
    "book": ev.BOOK,
    "delta": ev.DELTA,
    "trade": ev.TRADE,
    "status": ev.STATUS,
    "settle": ev.SETTLE,
    "tick": ev.TICK,
    "invalid": ev.INVALID,
}


def parts(path: Path) -> list[Path]:
    return sorted(path.glob("part-*.parquet")) if path.is_dir() else [path]


def is_recording(path: Path) -> bool:
    files = parts(path)
    if not files or files[0].suffix != ".parquet" or not files[0].is_file():
        return False
    try:
        meta = pq.read_schema(files[0]).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    return meta.get(b"predmm.format") == b"recording"


# writing ------------------------------------------------------------------------------


class RecordingWriter:
    """Rows in, part files out. ``add_*`` buffer a row; ``flush`` writes the buffer as one
    part file (temporary name, then renamed); ``close`` flushes what is left."""

    def __init__(self, folder: Path, *, flush_rows: int = 5000, flush_s: float = 10.0) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.flush_rows, self.flush_s = flush_rows, flush_s
        self.rows: list[dict[str, Any]] = []
        self.part = len(parts(folder)) if any(folder.glob("part-*.parquet")) else 0
        self.books: dict[MarketId, tuple[dict[float, float], dict[float, float]]] = {}
        self.updates: dict[MarketId, int] = {}
        self.flushed_at = time.monotonic()
        self.written = 0

    def _row(self, ts: int, kind: str, market: MarketId, **fields: Any) -> None:
        self.rows.append({"ts": ts, "kind": kind, "market": str(market), **fields})
        if len(self.rows) >= self.flush_rows or time.monotonic() - self.flushed_at >= self.flush_s:
            self.flush()

    def add_market(self, ts: int, market: Market) -> None:
        info = {
            "title": market.title,
            "event_id": str(market.event_id) if market.event_id else None,
            "price_ranges": market.tick.to_price_ranges(),
            "close_time": market.close_time.isoformat() if market.close_time else None,
            "min_order_size": str(market.min_order_size),
            "liquidity": str(market.liquidity),
            "volume": str(market.volume),
            "status": market.status.value,
        }
        self._row(ts, "market", market.market_id, info=json.dumps(info))

    def add_book(self, ts: int, book: OrderBook, venue_ts: int | None = None) -> None:
        mid = book.market_id
        new = (
            {float(lv.price): float(lv.size) for lv in book.yes_bids},
            {float(lv.price): float(lv.size) for lv in book.no_bids},
        )
        old = self.books.get(mid)
        count = self.updates.get(mid, 0)
        self.books[mid], self.updates[mid] = new, count + 1
        if old is None or count % SNAPSHOT_EVERY == 0:
            self._row(ts, "book", mid, venue_ts=venue_ts, **_ladders(new[0], new[1]))
            return
        changes = (_changed(old[0], new[0]), _changed(old[1], new[1]))
        if changes[0] or changes[1]:
            self._row(ts, "delta", mid, venue_ts=venue_ts, **_ladders(*changes))

    def add_trade(
        self,
        ts: int,
        market: MarketId,
        price: Decimal,
        size: Decimal,
        taker: int,
        venue_ts: int | None,
    ) -> None:
        self._row(
            ts,
            "trade",
            market,
            venue_ts=venue_ts,
            price=float(price),
            size=float(size),
            taker=taker,
        )

    def add_status(self, ts: int, market: MarketId, status: MarketStatus) -> None:
        self._row(ts, "status", market, status=status.value)

    def add_tick(self, ts: int, market: MarketId, tick: TickSpec) -> None:
        self._row(ts, "tick", market, price=float(min(b.step for b in tick.bands)))

    def add_settle(self, ts: int, market: MarketId, yes_won: bool) -> None:
        self._row(ts, "settle", market, price=1.0 if yes_won else 0.0)

    def add_invalid(self, ts: int, market: MarketId) -> None:
        self.books.pop(market, None)
        self.updates.pop(market, None)
        self._row(ts, "invalid", market)

    def flush(self) -> None:
        self.flushed_at = time.monotonic()
        if not self.rows:
            return
        table = pa.Table.from_pylist(self.rows, schema=SCHEMA)
        self.part += 1
        final = self.folder / f"part-{self.part:06d}.parquet"
        tmp = final.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()


def _ladders(yes: dict[float, float], no: dict[float, float]) -> dict[str, list[float]]:
    yp, np_ = sorted(yes, reverse=True), sorted(no, reverse=True)
    return {
        "yes_px": yp,
        "yes_sz": [yes[p] for p in yp],
        "no_px": np_,
        "no_sz": [no[p] for p in np_],
    }


def _changed(old: dict[float, float], new: dict[float, float]) -> dict[float, float]:
    out = {p: s for p, s in new.items() if old.get(p) != s}
    out.update({p: 0.0 for p in old if p not in new})
    return out


# reading ------------------------------------------------------------------------------


@attrs.define(slots=False)
class RecordingSource:
    """A recording (a folder of parts, or one part file) as a replay source."""

    path: Path
    only: frozenset[str] | None = None
    markets: list[ev.MarketInfo] = attrs.field(init=False, factory=list)
    notes: list[str] = attrs.field(init=False, factory=list)
    fills_from_books: bool = True
    name: str = "recording"

    def __attrs_post_init__(self) -> None:
        files = parts(self.path)
        if not files:
            raise ev.DataError(self.path, None, None, "no part-*.parquet files")
        tables = [_read(f) for f in files]
        table = pa.concat_tables(tables)
        self._index: dict[str, int] = {}
        self._define(table)
        if self.only is not None:
            keep = [str(m.market_id) for m in self.markets if _wanted(m, self.only)]
            table = table.filter(pc.is_in(table["market"], pa.array(keep)))
        self._table = table.filter(pc.not_equal(table["kind"], "market"))
        ts = table["ts"].to_numpy()
        self.span_ms = int(ts.max() - ts.min()) if len(ts) else 0
        settled = set(
            self._table.filter(pc.equal(self._table["kind"], "settle"))["market"].to_pylist()
        )
        for i, m in enumerate(self.markets):
            note = "recorded" if str(m.market_id) in settled else "marked at the last mid"
            self.markets[i] = attrs.evolve(m, settle_note=note)
        self.notes.append(
            f"recording: {len(files)} part files, {self._table.num_rows} events, "
            f"{len(settled)} of {len(self.markets)} markets settled in the recording"
        )

    def _define(self, table: pa.Table) -> None:
        rows = table.filter(pc.equal(table["kind"], "market")).select(["market", "info"])
        for market, info in zip(rows["market"].to_pylist(), rows["info"].to_pylist(), strict=True):
            if market in self._index:
                continue
            self._index[market] = len(self.markets)
            self.markets.append(_info(market, json.loads(info)))

    def batches(self) -> Iterator[ev.EventBatch]:
        for chunk in self._table.to_batches(max_chunksize=BATCH_ROWS):
            yield self._batch(chunk)

    def _batch(self, chunk: pa.RecordBatch) -> ev.EventBatch:
        n = chunk.num_rows
        kinds = [_KIND_CODE[k] for k in chunk.column("kind").to_pylist()]
        statuses = chunk.column("status").to_pylist()
        aux = [
            ev.STATUSES.index(MarketStatus(s)) if k == ev.STATUS else int(t or 0)
            for k, s, t in zip(kinds, statuses, chunk.column("taker").to_pylist(), strict=True)
        ]
        return (
            ev.EventBatch(
                ts=chunk.column("ts").to_pylist(),
                kind=kinds,
                market=[self._index[m] for m in chunk.column("market").to_pylist()],
                price=[p or 0.0 for p in chunk.column("price").to_pylist()],
                size=[s or 0.0 for s in chunk.column("size").to_pylist()],
                aux=aux,
                yes_px=chunk.column("yes_px").to_pylist(),
                yes_sz=chunk.column("yes_sz").to_pylist(),
                no_px=chunk.column("no_px").to_pylist(),
                no_sz=chunk.column("no_sz").to_pylist(),
            )
            if n
            else ev.EventBatch.empty()
        )


def _wanted(info: ev.MarketInfo, only: frozenset[str]) -> bool:
    return str(info.market_id) in only or info.market_id.symbol in only


def _info(market: str, info: dict[str, Any]) -> ev.MarketInfo:
    from datetime import datetime

    close = info.get("close_time")
    return ev.MarketInfo(
        market_id=MarketId.parse(market),
        title=str(info.get("title") or market),
        event_id=EventId(info["event_id"]) if info.get("event_id") else None,
        tick=TickSpec.from_price_ranges(info["price_ranges"]),
        close_ms=int(datetime.fromisoformat(close).timestamp() * 1000) if close else None,
        min_order_size=Decimal(info.get("min_order_size") or "1"),
        fees=FeeSpec.kalshi() if market.startswith("kalshi:") else FeeSpec.polymarket(),
        liquidity=Decimal(info["liquidity"]) if info.get("liquidity") else None,
    )


def _read(path: Path) -> pa.Table:
    table = read_parquet(path, SCHEMA.names)
    meta = pq.read_schema(path).metadata or {}
    version = meta.get(b"predmm.version", b"?").decode()
    if version != VERSION:
        raise ev.DataError(
            path, None, None, f"recording format version {version}, expected {VERSION}"
        )
    kinds = table["kind"].to_numpy(zero_copy_only=False)
    bad = first_true(~np.isin(kinds, np.array(KINDS, dtype=object)))
    if bad is not None:
        raise ev.DataError(path, bad, "kind", f"unknown kind {kinds[bad]!r}")
    ts = table["ts"].to_numpy()
    back = first_true(np.diff(ts) < 0)
    if back is not None:
        raise ev.DataError(path, back + 1, "ts", f"{ts[back + 1]} is earlier than the row before")
    _check_prices(path, table, kinds)
    return table


def _check_prices(path: Path, table: pa.Table, kinds: np.ndarray) -> None:
    trade = kinds == "trade"
    price = table["price"].to_numpy(zero_copy_only=False)
    bad = first_true(trade & ~((price > 0) & (price < 1)))
    if bad is not None:
        raise ev.DataError(path, bad, "price", f"price {price[bad]} outside (0, 1)")
    for field in ("yes_px", "no_px"):
        flat = pc.list_flatten(table[field]).to_numpy()
        outside = first_true(~((flat > 0) & (flat < 1)))
        if outside is not None:
            row = int(pc.list_parent_indices(table[field]).to_numpy()[outside])
            raise ev.DataError(path, row, field, f"price {flat[outside]} outside (0, 1)")
    books = np.flatnonzero(kinds == "book")
    yes, no = table["yes_px"].to_pylist(), table["no_px"].to_pylist()
    for row in books.tolist():
        if yes[row] and no[row] and yes[row][0] + no[row][0] >= 1.0 + 1e-9:
            raise ev.DataError(
                path,
                row,
                "no_px",
                f"crossed book: YES bid {yes[row][0]} + NO bid {no[row][0]} >= 1",
            )
