"""The readers on the committed slices of real data, and every bad-data case: one
DataError naming the file, the row and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from predmm.backtest import events as ev
from predmm.backtest.events import DataError
from predmm.backtest.sources import detect, open_source
from predmm.backtest.sources.kalshi import KalshiTrades
from predmm.backtest.sources.polymarket import PolymarketL2

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "backtest"
POLY = FIXTURES / "polymarket-l2"
KALSHI = FIXTURES / "kalshi-trades"


def events(source):
    out = []
    for b in source.batches():
        out.extend(
            (b.ts[i], b.kind[i], b.market[i], b.price[i], b.yes_px[i], b.no_px[i])
            for i in range(len(b))
        )
    return out


def test_formats_are_detected():
    assert detect(POLY) == "polymarket-l2"
    assert detect(KALSHI) == "kalshi-trades"
    assert detect(KALSHI / "payrolls-slice.csv") == "kalshi-trades"


def test_polymarket_books_in_time_order_up_as_yes_settled_from_payouts():
    source = PolymarketL2(POLY)
    got = events(source)
    assert [e[0] for e in got] == sorted(e[0] for e in got)
    books = [e for e in got if e[1] == ev.BOOK]
    assert len({(e[0], e[2]) for e in books}) == len(books)  # one per market and millisecond
    table = pq.read_table(POLY / "books.parquet")
    first = table.filter(pc.equal(table["side"], "UP")).slice(0, 1).to_pylist()[0]
    match = next(e for e in books if e[0] == first["ts"])
    assert match[4] == first["bid_px"]  # UP bids are YES bids
    assert match[5] == [round(1 - p, 6) for p in first["ask_px"]]  # UP asks are NO bids
    settles = {source.markets[e[2]].title: e[3] for e in got if e[1] == ev.SETTLE}
    assert settles == {"btc-updown-15m-1790588700": 1.0, "btc-updown-15m-1790598600": 0.0}
    closes = {source.markets[e[2]].close_ms: e[0] for e in got if e[1] == ev.STATUS}
    assert len(closes) == 2
    assert all(close == at for close, at in closes.items())


def test_kalshi_prints_give_an_implied_touch_and_inferred_outcomes():
    source = KalshiTrades(KALSHI)
    notes = {m.title: m.settle_note for m in source.markets}
    assert notes["KXPAYROLLS-25APR-T-100000"].startswith("inferred: YES")
    assert notes["KXPAYROLLS-25APR-T250000"].startswith("inferred: NO")
    assert notes["KXPAYROLLS-25JAN-T200000"].startswith("marked at the last price 0.66")
    got = events(source)
    assert [e[0] for e in got] == sorted(e[0] for e in got)
    trades = [e for e in got if e[1] == ev.TRADE]
    assert len(trades) == 240
    assert all(0 < e[3] < 1 for e in trades)


def test_kalshi_implied_touch_drops_the_older_side_when_crossed():
    from predmm.backtest.sources.kalshi import _implied

    touch = [None, None]
    assert _implied(touch, 0.40, False) == ([0.40], [1.0], [], [])  # a seller hit 0.40
    assert _implied(touch, 0.45, True) == ([0.40], [1.0], [0.55], [1.0])  # a buyer lifted 0.45
    assert _implied(touch, 0.38, True) == ([], [], [0.62], [1.0])  # ask 0.38 <= bid 0.40


# bad data ---------------------------------------------------------------------------


def poly_copy(tmp_path: Path, change) -> Path:
    folder = tmp_path / "poly"
    shutil.copytree(POLY, folder)
    table = pq.read_table(folder / "books.parquet")
    pq.write_table(change(table), folder / "books.parquet")
    return folder


def set_row(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table[column].to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(index, column, pa.array(values, table.schema.field(column).type))


def test_polymarket_missing_column(tmp_path):
    folder = poly_copy(tmp_path, lambda t: t.drop_columns(["ask_sz"]))
    with pytest.raises(DataError, match=r"books\.parquet: field 'ask_sz': missing column"):
        PolymarketL2(folder)


def test_polymarket_time_going_back_within_a_market(tmp_path):
    folder = poly_copy(tmp_path, lambda t: set_row(t, "ts", 5, 1))
    with pytest.raises(DataError, match=r"books\.parquet: row 5: field 'ts': 1 is earlier"):
        PolymarketL2(folder)


def test_polymarket_price_outside_the_unit_interval(tmp_path):
    def bad(t):
        row = t["bid_px"].to_pylist()[7]
        return set_row(t, "bid_px", 7, [1.5, *row[1:]])

    with pytest.raises(DataError, match=r"row 7: field 'bid_px': price 1.5 outside \(0, 1\)"):
        PolymarketL2(poly_copy(tmp_path, bad))


def test_polymarket_crossed_book_is_an_error_when_asked(tmp_path):
    def crossed(t):
        asks = t["ask_px"].to_pylist()[9]
        return set_row(t, "bid_px", 9, [asks[0] + 0.02])

    folder = poly_copy(tmp_path, crossed)
    with pytest.raises(DataError, match=r"row 9: field 'ask_px': crossed book"):
        PolymarketL2(folder, crossed="error")
    assert "dropped" in PolymarketL2(folder).notes[0]  # by default: dropped, and said so


def test_polymarket_unreadable_file(tmp_path):
    folder = tmp_path / "poly"
    shutil.copytree(POLY, folder)
    (folder / "books.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match=r"books\.parquet: cannot read it as Parquet"):
        PolymarketL2(folder)


def kalshi_copy(tmp_path: Path, change) -> Path:
    path = tmp_path / "trades.csv"
    lines = (KALSHI / "payrolls-slice.csv").read_text().splitlines()
    path.write_text("\n".join(change(lines)) + "\n")
    return path


def edit(lines, row, column, value):
    head = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[head.index(column)] = value
    return [*lines[: row + 1], ",".join(cells), *lines[row + 2 :]]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("yes_price", "100", r"row 3: field 'yes_price': price 100 cents outside \(0, 1\)"),
        ("created_time", "2030-01-01T00:00:00Z", r"row 3: field 'created_time': out of its"),
        ("created_time", "yesterday", r"row 3: field 'created_time': 'yesterday' is not"),
        ("taker_side", "maybe", r"row 3: field 'taker_side': 'maybe' is neither"),
    ],
)
def test_kalshi_bad_rows(tmp_path, column, value, message):
    path = kalshi_copy(tmp_path, lambda lines: edit(lines, 3, column, value))
    with pytest.raises(DataError, match=message):
        KalshiTrades(path)


def test_kalshi_missing_column_and_unreadable_file(tmp_path):
    path = kalshi_copy(tmp_path, lambda lines: [line.rsplit(",", 1)[0] for line in lines])
    with pytest.raises(DataError, match=r"trades\.csv: field 'taker_side': missing column"):
        KalshiTrades(path)
    path.write_bytes(b'"unterminated\n1,2\n')
    with pytest.raises(DataError, match=r"trades\.csv: cannot read it as CSV"):
        KalshiTrades(path)


def test_a_path_of_no_known_format(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(DataError, match="no known format: give --format"):
        open_source(tmp_path / "x.txt")


def test_the_simulators_day_is_quoted_with_its_markets_listed_liquidity():
    # the simulator lists its markets with a past (liquidity from before the day, as the
    # venues report it), which the strategy's liquidity filter reads: the book alone
    # holds a few hundred dollars, under any preset's min_liquidity
    from predmm.backtest.api import run

    result = run(None, format="sim", seed=7, duration_s=300.0)
    assert result.strategy.stats.quoted_quantity > 0
    assert result.strategy.fills > 0
