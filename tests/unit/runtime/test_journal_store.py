"""The journal store: schema and versions, writes whole or not at all, fills once per
venue fill id, inventory rebuilt from fills, WAL readers, recovery, status."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predmm.actors.journal import schema as journal_schema
from predmm.actors.journal.records import PositionRecord
from predmm.actors.journal.recovery import missing_fills, position_mismatches
from predmm.actors.journal.schema import SCHEMA_VERSION, JournalError, JournalVersionError
from predmm.actors.journal.store import FillOutcome, Journal
from predmm.domain.enums import Action, OrderSide, OrderStatus, TradingState, Venue
from predmm.domain.events import Position
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.domain.testing import EPOCH
from predmm.strategies.inventory import InventoryTracker

K1 = MarketId(Venue.KALSHI, "PRES-28")
P1 = MarketId(Venue.POLYMARKET, "0xpres28")
K2 = MarketId(Venue.KALSHI, "RAIN-NYC")
D = Decimal


def fill(
    fill_id: str,
    market_id: MarketId = K1,
    *,
    side: OrderSide = OrderSide.YES,
    action: Action = Action.BUY,
    price: str = "0.40",
    quantity: str = "10",
    fee: str = "0",
    provisional: bool = False,
    minutes: int = 0,
) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market_id,
        side=side,
        action=action,
        price=D(price),
        quantity=D(quantity),
        fee=D(fee),
        provisional=provisional,
        ts=EPOCH + timedelta(minutes=minutes),
    )


def order(cid: str, market_id: MarketId = K1, **kw: object) -> Order:
    base: dict[str, object] = {
        "client_order_id": ClientOrderId(cid),
        "market_id": market_id,
        "side": OrderSide.YES,
        "price": D("0.40"),
        "quantity": D(10),
        "created_at": EPOCH,
    }
    return Order(**(base | kw))  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    with Journal.open(path) as j:
        yield j


# schema and versions -----------------------------------------------------------------


def test_a_new_file_gets_the_current_schema_in_wal_mode(journal: Journal, path: Path) -> None:
    assert journal.schema_version == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    finally:
        conn.close()
    expected = {"runs", "orders", "order_events", "fills", "positions", "restarts"}
    assert expected | {"trading_states", "kv"} <= tables


def test_reopening_keeps_rows_and_version(path: Path) -> None:
    with Journal.open(path) as j, j.transaction():
        j.record_fill(fill("f1"), at=EPOCH)
    with Journal.open(path) as j:
        assert j.schema_version == SCHEMA_VERSION
        assert [f.fill.fill_id for f in j.fills()] == [FillId("f1")]


def test_a_file_from_newer_code_is_refused_clearly(path: Path) -> None:
    Journal.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    newer = rf"schema version {SCHEMA_VERSION + 1}, newer .*upgrade predmm"
    with pytest.raises(JournalVersionError, match=newer):
        Journal.open(path)
    with pytest.raises(JournalVersionError, match=str(path)):
        Journal.open_read_only(path)


def test_an_older_file_is_migrated_one_version_per_transaction(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Journal.open(path) as j, j.transaction():
        j.record_fill(fill("f1"), at=EPOCH)

    def add_note(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE fills ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE fills ADD COLUMN other TEXT")
        raise sqlite3.OperationalError("migration 3 failed")

    next_version = SCHEMA_VERSION + 1
    monkeypatch.setattr(journal_schema, "SCHEMA_VERSION", next_version + 1)
    monkeypatch.setitem(journal_schema.MIGRATIONS, next_version, add_note)
    monkeypatch.setitem(journal_schema.MIGRATIONS, next_version + 1, broken)
    with pytest.raises(sqlite3.OperationalError, match="migration 3 failed"):
        Journal.open(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == next_version
        columns = [r[1] for r in conn.execute("PRAGMA table_info(fills)")]
        assert "note" in columns
        assert "other" not in columns
        assert conn.execute("SELECT fill_id FROM fills").fetchall() == [("f1",)]
    finally:
        conn.close()


def test_a_foreign_sqlite_file_is_refused(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE something (x)")
    conn.close()
    with pytest.raises(JournalError, match="not a predmm journal"):
        Journal.open(path)


def test_a_file_that_is_not_sqlite_is_refused(path: Path) -> None:
    path.write_bytes(b"hello, this is not a database" * 100)
    with pytest.raises(JournalError, match="not a predmm journal"):
        Journal.open(path)


def test_read_only_open_of_a_missing_file_names_it(path: Path) -> None:
    with pytest.raises(JournalError, match=f"no journal at {path}"):
        Journal.open_read_only(path)
    assert not path.exists()


def test_a_read_only_journal_refuses_writes(journal: Journal, path: Path) -> None:
    with Journal.open_read_only(path) as reader, pytest.raises(JournalError, match="read-only"):
        reader.record_fill(fill("f1"), at=EPOCH)


def test_synchronous_level_is_checked(path: Path) -> None:
    with pytest.raises(JournalError, match="synchronous"):
        Journal.open(path, synchronous="OFF")


# fills -------------------------------------------------------------------------------


def test_the_same_fill_twice_counts_once_and_reports_duplicate(journal: Journal) -> None:
    with journal.transaction():
        first = journal.record_fill(fill("f1"), at=EPOCH)
        second = journal.record_fill(fill("f1"), at=EPOCH)
    assert (first, second) == (FillOutcome.INSERTED, FillOutcome.DUPLICATE)
    assert len(journal.fills()) == 1
    assert journal.inventory(K1).yes_contracts == 10


def test_the_same_fill_id_on_another_venue_is_another_fill(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("t1", K1), at=EPOCH)
        outcome = journal.record_fill(fill("t1", P1), at=EPOCH)
    assert outcome is FillOutcome.INSERTED
    assert len(journal.fills()) == 2


def test_money_is_exact_text_and_comes_back_as_decimal(journal: Journal, path: Path) -> None:
    with journal.transaction():
        journal.record_fill(fill("f1", price="0.123456789", fee="0.0000001"), at=EPOCH)
    (jf,) = journal.fills()
    assert jf.fill.price == D("0.123456789")
    assert jf.fill.fee == D("0.0000001")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT typeof(price), price FROM fills").fetchone() == (
            "text",
            "0.123456789",
        )
    finally:
        conn.close()


def test_a_fill_round_trips(journal: Journal) -> None:
    original = Fill(
        fill_id=FillId("f9"),
        market_id=P1,
        side=OrderSide.NO,
        action=Action.SELL,
        price=D("0.61"),
        quantity=D("2.5"),
        fee=D("0.01"),
        is_taker=True,
        client_order_id=ClientOrderId("c9"),
        venue_order_id=VenueOrderId("v9"),
        ts=EPOCH,
        received_ts=EPOCH + timedelta(seconds=1),
        provisional=True,
    )
    with journal.transaction():
        journal.record_fill(original, at=EPOCH)
    (jf,) = journal.fills()
    assert jf.fill == original
    assert jf.venue is Venue.POLYMARKET


def test_a_provisional_fill_is_confirmed_once(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("t1", P1, provisional=True), at=EPOCH)
        again = journal.record_fill(fill("t1", P1, provisional=True), at=EPOCH)
        confirmed = journal.record_fill(fill("t1", P1), at=EPOCH)
        late = journal.record_fill(fill("t1", P1), at=EPOCH)
    assert (again, confirmed, late) == (
        FillOutcome.DUPLICATE,
        FillOutcome.CONFIRMED,
        FillOutcome.DUPLICATE,
    )
    assert not journal.fills()[0].fill.provisional


def test_a_reversed_fill_stops_counting(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("t1", P1, provisional=True), at=EPOCH)
        journal.record_fill(fill("t2", P1, quantity="4"), at=EPOCH)
        outcome = journal.record_fill_reversal(fill("t1", P1), at=EPOCH, reason="FAILED")
        again = journal.record_fill_reversal(fill("t1", P1), at=EPOCH)
    assert (outcome, again) == (FillOutcome.REVERSED, FillOutcome.ALREADY_REVERSED)
    assert journal.inventory(P1).yes_contracts == 4
    assert [f.is_reversed for f in journal.fills()] == [True, False]
    assert journal.fills()[0].reversal_reason == "FAILED"


def test_a_reversal_of_an_unknown_fill_keeps_a_late_copy_out(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill_reversal(fill("t1", P1), at=EPOCH)
        late = journal.record_fill(fill("t1", P1, provisional=True), at=EPOCH)
    assert late is FillOutcome.DUPLICATE
    assert journal.inventory(P1).yes_contracts == 0


def test_cursor_and_last_fill_per_venue(journal: Journal) -> None:
    assert journal.fill_cursor(Venue.KALSHI) is None
    assert journal.last_fill(Venue.KALSHI) is None
    with journal.transaction():
        journal.record_fill(fill("f1"), at=EPOCH, cursor="c1")
        journal.record_fill(fill("f2"), at=EPOCH, cursor="c2")
        journal.record_fill(fill("t1", P1), at=EPOCH)
        journal.set_cursor(Venue.POLYMARKET, "p9", at=EPOCH)
    assert journal.fill_cursor(Venue.KALSHI) == "c2"
    assert journal.fill_cursor(Venue.POLYMARKET) == "p9"
    last = journal.last_fill(Venue.KALSHI)
    assert last is not None
    assert last.fill.fill_id == FillId("f2")


def test_fills_filter_by_time_and_market(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("f1"), at=EPOCH)
        journal.record_fill(fill("f2", K2), at=EPOCH + timedelta(hours=1))
        journal.record_fill(fill("f3"), at=EPOCH + timedelta(hours=2))
    since = EPOCH + timedelta(hours=1)
    assert [f.fill.fill_id.value for f in journal.fills(since=since)] == ["f2", "f3"]
    assert [f.fill.fill_id.value for f in journal.fills(market_id=K1)] == ["f1", "f3"]
    assert [f.fill.fill_id.value for f in journal.fills(since, K1)] == ["f3"]


# transactions ------------------------------------------------------------------------


def test_a_failing_write_leaves_nothing_of_itself(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("f1"), at=EPOCH)

    def fill_then_fail() -> None:
        with journal.transaction():
            journal.record_fill(fill("f2"), at=EPOCH, cursor="c2")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fill_then_fail()
    with pytest.raises(JournalError, match="no such order"):
        journal.record_order_event(
            client_order_id=ClientOrderId("nope"),
            event=OrderEvent.ACCEPT,
            status=OrderStatus.OPEN,
            at=EPOCH,
        )
    journal.commit()
    assert [f.fill.fill_id.value for f in journal.fills()] == ["f1"]
    assert journal.fill_cursor(Venue.KALSHI) is None


def test_a_money_value_that_is_not_decimal_is_refused(journal: Journal) -> None:
    bad = PositionRecord(
        market_id=K1,
        event_id=None,
        yes_contracts=1.5,  # type: ignore[arg-type]
        no_contracts=D(0),
        avg_yes_price=D(0),
        avg_no_price=D(0),
        realized_pnl=D(0),
        fees_paid=D(0),
        updated_at=EPOCH,
    )
    with pytest.raises(JournalError, match="finite Decimal"):
        journal.record_position(bad)


def test_a_wal_reader_sees_committed_rows_only(journal: Journal, path: Path) -> None:
    with journal.transaction():
        journal.record_fill(fill("f1"), at=EPOCH)
    with Journal.open_read_only(path) as reader:
        with journal.atomic():  # the writer holds an open write transaction
            journal.record_fill(fill("f2"), at=EPOCH)
            assert [f.fill.fill_id.value for f in reader.fills()] == ["f1"]
        assert [f.fill.fill_id.value for f in reader.fills()] == ["f1"]
        journal.commit(durable=True)
        assert [f.fill.fill_id.value for f in reader.fills()] == ["f1", "f2"]
        assert reader.get("last_durable_commit") is not None


# orders ------------------------------------------------------------------------------


def test_orders_keep_their_latest_state_and_every_event(journal: Journal) -> None:
    cid = ClientOrderId("c1")
    placed = order("c1").on(OrderEvent.SUBMIT)
    with journal.transaction():
        journal.record_order(order("c1"), at=EPOCH)
        journal.record_order(placed, at=EPOCH, event=OrderEvent.SUBMIT)
        journal.record_order_event(
            client_order_id=cid,
            event=OrderEvent.ACCEPT,
            status=OrderStatus.OPEN,
            venue_order_id=VenueOrderId("v1"),
            at=EPOCH + timedelta(seconds=1),
        )
        journal.record_order_event(
            client_order_id=cid,
            event=OrderEvent.PARTIAL_FILL,
            status=OrderStatus.PARTIALLY_FILLED,
            filled_quantity=D(4),
            at=EPOCH + timedelta(seconds=2),
        )
    (stored,) = journal.orders()
    assert stored == placed.on(OrderEvent.ACCEPT, venue_order_id=VenueOrderId("v1")).on(
        OrderEvent.PARTIAL_FILL, filled_quantity=D(4)
    )
    events = journal.order_events(cid)
    assert [(e.event, e.status) for e in events] == [
        ("snapshot", OrderStatus.PENDING),
        ("submit", OrderStatus.SUBMITTED),
        ("accept", OrderStatus.OPEN),
        ("partial_fill", OrderStatus.PARTIALLY_FILLED),
    ]
    assert events[-1].filled_quantity == 4


def test_a_batch_of_order_changes_is_written_in_order_and_whole(journal: Journal) -> None:
    new, other = order("c1"), order("c2", price=D("0.55"))
    placed = new.on(OrderEvent.SUBMIT)
    cancelling = placed.on(OrderEvent.CANCEL_REQUEST)
    with journal.transaction():
        journal.record_orders([(new, None), (other, None), (placed, OrderEvent.SUBMIT)], at=EPOCH)
    # a batch that cannot be written whole leaves nothing of itself
    broken = order("c2", price=D("0.55"), filled_quantity=D("NaN"))
    with pytest.raises(JournalError, match="finite"), journal.transaction():
        journal.record_orders([(cancelling, OrderEvent.CANCEL_REQUEST), (broken, None)], at=EPOCH)
    stored = {o.client_order_id.value: o for o in journal.orders()}
    assert stored == {"c1": placed, "c2": other}
    assert [(e.event, e.status) for e in journal.order_events(ClientOrderId("c1"))] == [
        ("snapshot", OrderStatus.PENDING),
        ("submit", OrderStatus.SUBMITTED),
    ]


def test_open_orders_are_those_the_venue_may_hold(journal: Journal) -> None:
    statuses = {
        "pending": OrderStatus.PENDING,
        "open": OrderStatus.OPEN,
        "unknown": OrderStatus.UNKNOWN,
        "cancelling": OrderStatus.PENDING_CANCEL,
        "done": OrderStatus.FILLED,
        "gone": OrderStatus.CANCELLED,
    }
    with journal.transaction():
        for cid, status in statuses.items():
            journal.record_order(order(cid, status=status), at=EPOCH)
        journal.record_order(order("poly", P1, status=OrderStatus.OPEN), at=EPOCH)
    assert [o.client_order_id.value for o in journal.open_orders(Venue.KALSHI)] == [
        "open",
        "unknown",
        "cancelling",
    ]
    assert len(journal.open_orders()) == 4
    assert [o.client_order_id.value for o in journal.orders(market_id=P1)] == ["poly"]


# inventory rebuilt from fills ----------------------------------------------------------

_steps = st.lists(
    st.tuples(
        st.sampled_from(list(OrderSide)),
        st.booleans(),  # sell if possible
        st.integers(min_value=1, max_value=40),  # quantity
        st.integers(min_value=1, max_value=99),  # price in cents
        st.integers(min_value=0, max_value=5),  # fee in tenths of a cent
        st.sampled_from(["keep", "duplicate", "reverse"]),
    ),
    max_size=40,
)


@pytest.fixture(scope="module")
def shared_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    """One file for every example; each example writes its own market."""
    with Journal.open(tmp_path_factory.mktemp("hyp") / "journal.db") as j:
        yield j


_examples = itertools.count()


@settings(max_examples=60, deadline=None)
@given(steps=_steps)
def test_inventory_from_fills_equals_the_tracker_fed_the_same_fills(
    shared_journal: Journal, steps: list[tuple[OrderSide, bool, int, int, int, str]]
) -> None:
    journal = shared_journal
    market = MarketId(Venue.KALSHI, f"HYP-{next(_examples)}")
    tracker = InventoryTracker(market_id=market)
    for n, (side, sell, qty, cents, fee, fate) in enumerate(steps):
        held = tracker.contracts(side)
        action = Action.SELL if sell and held > 0 else Action.BUY
        qty = min(qty, int(held)) if action is Action.SELL else qty
        f = fill(
            f"{market.symbol}-{n}",
            market,
            side=side,
            action=action,
            quantity=str(qty),
            price=str(D(cents) / 100),
            fee=str(D(fee) / 1000),
            provisional=fate == "reverse",
        )
        with journal.atomic():
            journal.record_fill(f, at=EPOCH)
            if fate == "duplicate":
                journal.record_fill(f, at=EPOCH)
            if fate == "reverse" and action is Action.BUY:
                journal.record_fill_reversal(f, at=EPOCH)
        if not (fate == "reverse" and action is Action.BUY):
            tracker.apply_fill(side, D(qty), f.price, action, f.fee)
    journal.commit()
    assert journal.inventory(market).status() == tracker.status()


# recovery ----------------------------------------------------------------------------


def test_missing_fills_are_exactly_the_unjournaled_ones(journal: Journal) -> None:
    with journal.transaction():
        for f in (fill("f1"), fill("f2"), fill("t1", P1)):
            journal.record_fill(f, at=EPOCH)
        journal.record_fill_reversal(fill("t2", P1), at=EPOCH)
    fetched = [
        fill("f2"),
        fill("f3"),
        fill("t1", P1),
        fill("f3"),  # the venue sent it twice
        fill("t2", P1),
        fill("t1", K2),  # same id, other venue's market: Kalshi f-ids differ from t-ids
        fill("f4", K2),
    ]
    assert missing_fills(journal, fetched) == [fill("f3"), fill("t1", K2), fill("f4", K2)]
    assert missing_fills(journal, []) == []


def test_many_missing_fills_are_checked_in_chunks(journal: Journal) -> None:
    with journal.transaction():
        for n in range(0, 1200, 2):
            journal.record_fill(fill(f"f{n}"), at=EPOCH)
    fetched = [fill(f"f{n}") for n in range(1200)]
    assert missing_fills(journal, fetched) == [fill(f"f{n}") for n in range(1, 1200, 2)]


def test_positions_are_checked_against_the_venue_net(journal: Journal) -> None:
    with journal.transaction():
        journal.record_fill(fill("f1", K1, quantity="10"), at=EPOCH)
        journal.record_fill(fill("f2", K1, side=OrderSide.NO, quantity="4"), at=EPOCH)
        journal.record_fill(fill("f3", K2, quantity="3"), at=EPOCH)
        journal.record_fill(fill("t1", P1, quantity="2"), at=EPOCH)
    kalshi = [
        Position(market_id=K1, yes_contracts=D(6), no_contracts=D(0)),  # netted: agrees
        Position(market_id=MarketId(Venue.KALSHI, "OTHER"), yes_contracts=D(1), no_contracts=D(0)),
        Position(market_id=P1, yes_contracts=D(9), no_contracts=D(0)),  # other venue: ignored
    ]
    mismatches = position_mismatches(journal, Venue.KALSHI, kalshi)
    assert [str(m.market_id) for m in mismatches] == ["kalshi:OTHER", "kalshi:RAIN-NYC"]
    assert (
        str(mismatches[1]) == "kalshi:RAIN-NYC: journal holds 3 YES / 0 NO, the venue 0 YES / 0 NO"
    )
    assert (
        position_mismatches(
            journal,
            Venue.POLYMARKET,
            [Position(market_id=P1, yes_contracts=D(2), no_contracts=D(0))],
        )
        == []
    )


# status ------------------------------------------------------------------------------


def _scripted_history(journal: Journal) -> None:
    t = EPOCH
    with journal.transaction():
        journal.record_run(run_id="r1", started_at=t, config_digest="abc", mode="sim", pid=42)
        journal.record_trading_state(state=TradingState.ACTIVE, at=t, reason="start")
        for mid, event in ((K1, "pres-28"), (P1, "pres-28"), (K2, None)):
            journal.record_position(_flat(mid, None if event is None else EventId(event)))
        journal.record_fill(fill("f1", K1, price="0.40", quantity="10", fee="0.07"), at=t)
        journal.record_fill(fill("f2", K1, side=OrderSide.NO, price="0.55", quantity="4"), at=t)
        journal.record_fill(
            fill("f3", K1, action=Action.SELL, price="0.45", quantity="6", minutes=5), at=t
        )
        journal.record_fill(fill("t1", P1, side=OrderSide.NO, price="0.58", quantity="5"), at=t)
        journal.record_order(order("c1", K1, status=OrderStatus.OPEN), at=t)
        journal.record_order(order("c2", K2, status=OrderStatus.CANCELLED), at=t)
        journal.record_restart(market_id=K2, at=t, reason="boom", attempt=1, quarantined=False)
        journal.record_restart(market_id=K2, at=t, reason="boom", attempt=4, quarantined=True)
        journal.record_trading_state(
            state=TradingState.REDUCING, at=t + timedelta(minutes=9), reason="loss"
        )


def _flat(market_id: MarketId, event_id: EventId | None) -> PositionRecord:
    zero = D(0)
    return PositionRecord(
        market_id=market_id,
        event_id=event_id,
        yes_contracts=zero,
        no_contracts=zero,
        avg_yes_price=zero,
        avg_no_price=zero,
        realized_pnl=zero,
        fees_paid=zero,
        updated_at=EPOCH,
    )


def test_status_of_a_scripted_history(journal: Journal) -> None:
    _scripted_history(journal)
    status = journal.status(marks={K1: D("0.50"), P1: D("0.48")})
    assert status.trading_state is not None
    assert status.trading_state.state is TradingState.REDUCING
    k1, k2, p1 = status.markets  # sorted: kalshi markets first
    assert (k1.market_id, k2.market_id, p1.market_id) == (K1, K2, P1)
    assert (k1.yes_contracts, k1.no_contracts, k1.avg_yes_price) == (D(4), D(4), D("0.40"))
    assert k1.realized_pnl == D("0.30") - D("0.07")  # 6 x (0.45 - 0.40), less the fee
    assert k1.unrealized_pnl == 4 * (D("0.50") - D("0.40")) + 4 * (D("0.50") - D("0.55"))
    assert k1.open_orders == 1
    assert k1.last_fill_at == EPOCH + timedelta(minutes=5)
    assert (k2.restarts, k2.quarantined, k2.unrealized_pnl) == (2, True, D(0))
    assert p1.unrealized_pnl == 5 * (D("0.52") - D("0.58"))
    (event,) = status.events
    assert event.event_id == EventId("pres-28")
    assert (event.yes_contracts, event.no_contracts, event.net_position) == (D(4), D(9), D(-5))
    assert event.unrealized_pnl == k1.unrealized_pnl + p1.unrealized_pnl
    assert status.quarantined == (K2,)
    assert [o.client_order_id.value for o in status.open_orders] == ["c1"]
    assert status.fill_count == 4
    assert status.realized_pnl == D("0.23")
    assert status.fees_paid == D("0.07")
    assert status.last_run is not None
    assert status.last_run.run_id == "r1"


def test_status_without_marks_leaves_unrealized_unknown(journal: Journal) -> None:
    _scripted_history(journal)
    status = journal.status()
    assert status.unrealized_pnl is None
    assert status.events[0].unrealized_pnl is None
    as_json = status.as_dict()
    assert as_json["trading_state"]["state"] == "reducing"
    assert as_json["markets"][0]["market_id"] == "kalshi:PRES-28"
    assert as_json["markets"][0]["avg_yes_price"] == "0.40"
    assert as_json["quarantined"] == ["kalshi:RAIN-NYC"]


def test_status_of_an_empty_journal(journal: Journal) -> None:
    status = journal.status()
    assert (status.trading_state, status.markets, status.fill_count) == (None, (), 0)
    assert status.unrealized_pnl == 0
    assert status.last_fill_at is None


def test_runs_record_start_and_end(journal: Journal) -> None:
    with journal.transaction():
        journal.record_run(run_id="r1", started_at=EPOCH, config_digest="d", mode="sim", pid=7)
        journal.record_run_end(run_id="r1", stopped_at=EPOCH + timedelta(hours=1), reason="sig")
    (run,) = journal.runs()
    assert (run.pid, run.stopped_at, run.stop_reason) == (7, EPOCH + timedelta(hours=1), "sig")
    with pytest.raises(JournalError, match="no such run"):
        journal.record_run_end(run_id="r2", stopped_at=EPOCH)


def test_a_correction_keeps_the_order_as_corrected_and_says_what_and_why(
    journal: Journal,
) -> None:
    """A reconciliation during a run journals each correction as an order event, the
    order's row as it is after it; ``status`` counts them and shows the newest."""
    opened = order("c1").on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT)
    closed = opened.on(OrderEvent.CANCELLED, reason="no longer on the venue")
    stray = order("stray", status=OrderStatus.OPEN)
    with journal.transaction():
        journal.record_orders([(opened, OrderEvent.ACCEPT)], at=EPOCH)
        journal.record_orders([(closed, OrderEvent.CANCELLED)], at=EPOCH)
        journal.record_correction(closed, at=EPOCH, what="open here, gone there: closed")
        journal.record_correction(stray, at=EPOCH, what="unknown here: adopted")
    assert {o.client_order_id.value: o.status for o in journal.orders()} == {
        "c1": OrderStatus.CANCELLED,
        "stray": OrderStatus.OPEN,
    }
    assert [(e.event, e.status) for e in journal.order_events(ClientOrderId("c1"))][-1] == (
        "correction",
        OrderStatus.CANCELLED,
    )
    status = journal.status()
    assert status.corrections == 2
    assert [(c.client_order_id.value, c.reason) for c in status.last_corrections] == [
        ("c1", "open here, gone there: closed"),
        ("stray", "unknown here: adopted"),
    ]
