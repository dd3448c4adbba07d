"""Helpers the readers share: reading a table, checking its columns, and merging a
source's few extra events (status, settlement) into its time-sorted rows."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from predmm.backtest.events import DataError, EventBatch

BATCH_ROWS = 8192
FIELDS = ("ts", "kind", "market", "price", "size", "aux", "yes_px", "yes_sz", "no_px", "no_sz")
Extra = tuple[int, int, int, float, int]  # ts, kind, market, price, aux


def read_parquet(path: Path, columns: Sequence[str]) -> pa.Table:
    """The named columns of a Parquet file; DataError naming the file or the column."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(path, None, None, f"cannot read it as Parquet: {exc}") from None
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise DataError(path, None, missing[0], "missing column")
    try:
        return pq.read_table(path, columns=list(columns))
    except (OSError, pa.ArrowException) as exc:
        raise DataError(path, None, None, f"cannot read it as Parquet: {exc}") from None


def first_decrease(ts: np.ndarray, keys: np.ndarray) -> int | None:
    """The first row whose time is earlier than the previous row of the same key (each
    key's rows must be in time order), or None."""
    order = np.lexsort((np.arange(len(ts)), keys))  # by key, then file order
    same = keys[order][1:] == keys[order][:-1]
    back = (ts[order][1:] < ts[order][:-1]) & same
    if not back.any():
        return None
    return int(order[1:][back].min())


def first_true(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def merge(batches: Iterator[EventBatch], extras: list[Extra]) -> Iterator[EventBatch]:
    """``batches`` (time-sorted) with ``extras`` placed after the events of the same time."""
    pending = sorted(extras)
    i = 0
    for batch in batches:
        if i >= len(pending) or not len(batch) or pending[i][0] > batch.ts[-1]:
            yield batch
            continue
        out, start = EventBatch.empty(), 0
        while i < len(pending) and pending[i][0] <= batch.ts[-1]:
            cut = bisect.bisect_right(batch.ts, pending[i][0])
            _copy(out, batch, start, cut)
            _extra(out, pending[i])
            start, i = cut, i + 1
        _copy(out, batch, start, len(batch))
        yield out
    tail = EventBatch.empty()
    for e in pending[i:]:
        _extra(tail, e)
    if len(tail):
        yield tail


def _copy(out: EventBatch, batch: EventBatch, start: int, stop: int) -> None:
    for name in FIELDS:
        getattr(out, name).extend(getattr(batch, name)[start:stop])


def _extra(batch: EventBatch, e: Extra) -> None:
    ts, kind, market, price, aux = e
    batch.add(ts, kind, market, price=price, aux=aux)
