"""``predmm record``'s format: written in whole part files (a killed recorder leaves a
readable recording), read back by the backtest; and a recording of the embedded
simulator replayed through the backtest."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from predmm.backtest import events as ev
from predmm.backtest.api import run
from predmm.backtest.events import DataError
from predmm.backtest.sources.recording import RecordingSource, RecordingWriter
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.simulator.universe import default_universe

MID = MarketId(Venue.KALSHI, "T-1")
T0 = 1_790_000_000_000


def book(bid: str, ask: str, size: int = 10) -> OrderBook:
    yes = [Level(Decimal(bid), Decimal(size))]
    return OrderBook.from_yes_quotes(MID, yes, [Level(Decimal(ask), Decimal(size))])


def test_round_trip_of_books_deltas_trades_and_settlement(tmp_path):
    w = RecordingWriter(tmp_path, flush_rows=3)
    w.add_market(T0, Market(market_id=MID, title="t"))
    w.add_book(T0 + 1, book("0.40", "0.45"))
    w.add_book(T0 + 2, book("0.41", "0.45"))  # a delta: YES 0.41 in, 0.40 out
    w.add_trade(T0 + 3, MID, Decimal("0.45"), Decimal(2), 1, None)
    w.add_settle(T0 + 4, MID, yes_won=True)
    w.close()
    kinds = pq.read_table(tmp_path / "part-000001.parquet")["kind"].to_pylist()
    assert kinds == ["market", "book", "delta"]
    source = RecordingSource(tmp_path)
    assert [str(m.market_id) for m in source.markets] == ["kalshi:T-1"]
    got = [
        (b.ts[i] - T0, b.kind[i], b.yes_px[i], b.yes_sz[i], b.price[i])
        for b in source.batches()
        for i in range(len(b))
    ]
    assert got == [
        (1, ev.BOOK, [0.40], [10.0], 0.0),
        (2, ev.DELTA, [0.41, 0.40], [10.0, 0.0], 0.0),
        (3, ev.TRADE, None, None, 0.45),
        (4, ev.SETTLE, None, None, 1.0),
    ]


KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from decimal import Decimal
    from pathlib import Path
    from predmm.backtest.sources.recording import RecordingWriter
    from predmm.domain.book import Level, OrderBook
    from predmm.domain.enums import Venue
    from predmm.domain.ids import MarketId
    from predmm.domain.market import Market

    mid = MarketId(Venue.KALSHI, "T-1")
    w = RecordingWriter(Path(sys.argv[1]), flush_rows=10, flush_s=3600)
    w.add_market(0, Market(market_id=mid))
    for i in range(1, 35):
        price = Decimal(30 + i % 20) / 100
        yes = [Level(price, Decimal(i))]
        w.add_book(i, OrderBook.from_yes_quotes(mid, yes, [Level(price + Decimal("0.05"), 5)]))
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_recorder_loses_at_most_the_last_group_and_stays_readable(tmp_path):
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], check=False, timeout=120)
    assert done.returncode == -9
    (tmp_path / "part-000004.parquet.tmp").write_bytes(b"half a file")  # killed mid-write
    source = RecordingSource(tmp_path)
    rows = sum(len(b) for b in source.batches())
    assert rows == 29  # 30 rows flushed (1 market + 29 books); 5 books lost with the kill


def test_a_recording_out_of_time_order_is_bad_data(tmp_path):
    w = RecordingWriter(tmp_path, flush_rows=100)
    w.add_market(T0, Market(market_id=MID))
    w.add_book(T0 + 5, book("0.40", "0.45"))
    w.add_book(T0 + 4, book("0.41", "0.45"))
    w.close()
    with pytest.raises(DataError, match=r"part-000001\.parquet: row 2: field 'ts'"):
        RecordingSource(tmp_path)


@pytest.mark.slow
async def test_a_recording_of_the_embedded_simulator_replays_through_the_backtest(tmp_path):
    from predmm.cli.record import record_async

    written = await record_async(tmp_path, None, 3, 4.0, (200, 1.0))
    assert written > 0
    result = run(tmp_path, format="recording", compare="baseline", fill="queue")
    assert result.strategy.source == "recording"
    listed = {s.market_id for s in default_universe(datetime.now(UTC)).specs}
    assert {m.market_id for m in RecordingSource(tmp_path).markets} == listed  # both venues'
    assert result.strategy.events == written - len(listed)  # every row but the markets'
    baseline = result.baseline
    assert baseline is not None
    assert baseline.stats.quoted_quantity > 0
