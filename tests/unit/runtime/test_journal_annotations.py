"""What the journal keeps for the operator's reports (migration 7): the markets' titles,
events and ticks, marks over time and after each fill, each venue's cash at a run's start
and end, what a run traded with; written through the JournalActor's messages, read back
by the reports' queries; an older journal is migrated with its rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.messages import (
    Flush,
    MarketInfo,
    RecordBalance,
    RecordFillMarks,
    RecordMarkets,
    RecordMarks,
    RecordRun,
    RecordRunInfo,
)
from predmm.actors.journal.schema import _SCHEMA_V1, SCHEMA_VERSION, JournalError
from predmm.actors.journal.store import Journal
from predmm.domain import ClientOrderId, EventId, Fill, FillId, MarketId, Order, OrderSide, Venue
from predmm.domain.orders import OrderEvent

D = Decimal
T0 = datetime(2026, 12, 6, 12, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "KXFED-26DEC")
P = MarketId(Venue.POLYMARKET, "0x" + "ab" * 32)


def fill(fill_id: str, market: MarketId = K, at: datetime = T0) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market,
        side=OrderSide.YES,
        price=D("0.48"),
        quantity=D(10),
        ts=at,
    )


def test_a_version_1_journal_is_migrated_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("PRAGMA application_id=1886547309")
    conn.execute("PRAGMA user_version=1")
    conn.execute(
        "INSERT INTO runs (run_id, started_at, config_digest, mode, pid)"
        " VALUES ('r0', '2026-12-01T00:00:00.000000+00:00', 'd', 'live', 1)"
    )
    conn.commit()
    conn.close()
    with Journal.open(path) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        (run,) = journal.runs()
        assert (run.run_id, run.strategy, run.settings) == ("r0", "", "")
        assert journal.market_infos() == {}
        assert journal.balances() == []


def test_the_reports_records_through_the_actor(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    ref = JournalActor.start(path)
    ref.tell(RecordRun(run_id="r1", config_digest="d", mode="live", pid=7, at=T0))
    ref.tell(
        RecordMarkets(
            markets=(
                MarketInfo(
                    market_id=K,
                    title="Fed cuts?",
                    event_id=EventId("KXFED"),
                    linked_event=EventId("FED"),
                    tick=D("0.01"),
                ),
                MarketInfo(market_id=P, title="Fed cut in December?", tick=D("0.001")),
            ),
            at=T0,
        )
    )
    ref.tell(RecordMarkets(markets=(MarketInfo(market_id=K),), at=T0 + timedelta(minutes=1)))
    ref.tell(RecordMarks(marks=((K, D("0.50")), (P, D("0.452"))), at=T0))
    ref.tell(RecordMarks(marks=((K, D("0.55")),), at=T0 + timedelta(minutes=1)))
    ref.tell(
        RecordFillMarks(
            marks=(
                (Venue.KALSHI, FillId("f1"), 0.0, D("0.50")),
                (Venue.KALSHI, FillId("f1"), 10.0, D("0.52")),
            )
        )
    )
    ref.tell(RecordBalance(run_id="r1", venue=Venue.KALSHI, moment="start", cash=D("1000"), at=T0))
    ref.tell(
        RecordBalance(
            run_id="r1",
            venue=Venue.POLYMARKET,
            moment="end",
            cash=None,
            note="not read within 3 s",
            at=T0,
        )
    )
    ref.tell(RecordRunInfo(run_id="r1", strategy="market_making", source="mm.toml", settings="x"))
    ref.ask(Flush(), timeout=10)
    ref.stop()
    with Journal.open_read_only(path) as reader:
        infos = reader.market_infos()
        assert infos[K].title == "Fed cuts?"  # an empty title does not erase the venue's
        assert (infos[K].linked_event, infos[K].tick) == (EventId("FED"), D("0.01"))
        assert infos[P].tick == D("0.001")
        assert reader.latest_marks() == {
            K: (D("0.55"), T0 + timedelta(minutes=1)),
            P: (D("0.452"), T0),
        }
        assert reader.latest_marks(until=T0 + timedelta(seconds=30))[K] == (D("0.50"), T0)
        assert reader.fill_marks() == {
            (Venue.KALSHI, FillId("f1")): {0.0: D("0.50"), 10.0: D("0.52")}
        }
        cash = [(b.venue, b.moment, b.cash, b.note) for b in reader.balances("r1")]
        assert cash == [
            (Venue.KALSHI, "start", D("1000"), ""),
            (Venue.POLYMARKET, "end", None, "not read within 3 s"),
        ]
        (run,) = reader.runs()
        assert (run.strategy, run.source, run.settings) == ("market_making", "mm.toml", "x")


def test_history_filters_by_time_venue_and_market(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal.open(path) as journal, journal.transaction():
        journal.record_fill(fill("f1", K, T0), at=T0)
        journal.record_fill(fill("f2", P, T0 + timedelta(hours=1)), at=T0)
        journal.record_fill(fill("f3", K, T0 + timedelta(days=1)), at=T0)
        order = Order(
            client_order_id=ClientOrderId("c1"),
            market_id=K,
            side=OrderSide.NO,
            price=D("0.47"),
            quantity=D(10),
            created_at=T0,
        )
        journal.record_order(order.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT), at=T0)
    with Journal.open_read_only(path) as reader:

        def ids(**filters: object) -> list[str]:
            return [str(jf.fill.fill_id) for jf in reader.fill_history(**filters)]  # type: ignore[arg-type]

        assert ids() == ["f1", "f2", "f3"]
        assert ids(since=T0 + timedelta(minutes=1)) == ["f2", "f3"]
        assert ids(until=T0 + timedelta(hours=1)) == ["f1"]
        assert ids(venue=Venue.POLYMARKET) == ["f2"]
        assert ids(markets=[K]) == ["f1", "f3"]
        assert ids(markets=[]) == []
        (order_row,) = reader.order_history(venue=Venue.KALSHI)
        assert order_row[0].client_order_id == ClientOrderId("c1")
        events = reader.order_events_after(0)
        assert [(v, e) for _, v, e in events] == [(Venue.KALSHI, "snapshot")]
        assert reader.cursors_before(T0) == (0, 0, 0)
        assert reader.cursors_before(T0 + timedelta(seconds=1)) == (3, 1, events[-1][0])


def test_a_balance_has_a_start_or_an_end(tmp_path: Path) -> None:
    with (
        Journal.open(tmp_path / "j.sqlite3") as journal,
        pytest.raises(JournalError, match="moment"),
    ):
        journal.record_balance(run_id="r", venue=Venue.KALSHI, moment="middle", cash=D(1), at=T0)
