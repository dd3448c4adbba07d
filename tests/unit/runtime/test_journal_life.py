"""The journal's settlements and day baselines: an old journal opens and gains them, a
market's settlement is journaled once and settles its rebuilt position (late fills
included), a settled market is left out of the position check, and the day's baseline
reads back as it was written."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from predmm.actors.journal import schema as journal_schema
from predmm.actors.journal.records import fill_params
from predmm.actors.journal.recovery import position_mismatches
from predmm.actors.journal.schema import APPLICATION_ID, SCHEMA_VERSION
from predmm.actors.journal.store import Journal
from predmm.domain.enums import OrderSide, TradingState, Venue
from predmm.domain.events import Position, Settlement
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill
from predmm.domain.testing import EPOCH
from predmm.strategies.day_loss import DayBaseline, DayHolding
from predmm.strategies.fills import settle
from predmm.strategies.inventory import InventoryTracker

K1 = MarketId(Venue.KALSHI, "PRES-28")
P1 = MarketId(Venue.POLYMARKET, "0xpres28")
D = Decimal


def a_fill(fill_id: str, market_id: MarketId = K1, side: OrderSide = OrderSide.YES) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market_id,
        side=side,
        price=D("0.40"),
        quantity=D(10),
        ts=EPOCH,
    )


V1_INSERT_FILL = """
INSERT INTO fills (venue, fill_id, market_id, side, action, price, quantity, fee,
    is_taker, provisional, client_order_id, venue_order_id, venue_ts, received_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def version_1_file(path: Path) -> None:
    """A journal as the first schema wrote it, with one fill (its columns of then)."""
    conn = sqlite3.connect(path, isolation_level=None)
    journal_schema.MIGRATIONS[1](conn)
    conn.execute(V1_INSERT_FILL, fill_params(a_fill("f1"), EPOCH)[:14])
    conn.execute(
        "INSERT INTO trading_states (state, reason, at) VALUES (?, ?, ?)",
        ("halted", "daily loss 310 reached the kill switch", EPOCH.isoformat()),
    )
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.close()


def test_a_version_1_journal_opens_keeps_its_rows_and_gains_the_new_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    version_1_file(path)
    Journal.open(path).close()  # the daemon's writer migrates it
    with Journal.open_read_only(path) as journal:
        assert (
            journal.schema_version == SCHEMA_VERSION == 14
        )  # 3: settlements; 10: operator; 11: reports; 12: strategies; 14: rewards
        assert [f.fill.fill_id for f in journal.fills()] == [FillId("f1")]
        assert journal.settlements() == []
        assert journal.day_baseline(EPOCH.date()) is None
        assert (journal.market_infos(), journal.balances()) == ({}, [])
        assert journal.reward_estimates() == []
        assert journal.inventory(K1).yes_contracts == 10
        # an untagged fill of then is the market maker's
        ((strategy, tracker),) = journal.strategy_inventories()
        assert (strategy, tracker.yes_contracts) == ("market_making", 10)
        assert journal.executions() == []
        state = journal.trading_state()
        assert state is not None
        assert (state.state, state.operator) == (TradingState.HALTED, "")  # the kill switch's


def test_a_trading_state_set_by_hand_reads_back_with_who_set_it(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_trading_state(
            state=TradingState.HALTED, at=EPOCH, reason="news", operator="alice (uid 1000, pid 7)"
        )
        state = journal.trading_state()
    assert state is not None
    assert (state.state, state.reason, state.at) == (TradingState.HALTED, "news", EPOCH)
    assert state.operator == "alice (uid 1000, pid 7)"


def settled_at(market_id: MarketId, won: OrderSide, journal: Journal) -> bool:
    settlement = Settlement.won(market_id, won, venue_ts=EPOCH + timedelta(hours=2), source="t")
    return journal.record_settlement(
        settle(journal.inventory(market_id), settlement), at=EPOCH + timedelta(hours=3)
    )


def test_a_settlement_is_journaled_once_and_settles_the_rebuilt_position(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_fill(a_fill("f1"), at=EPOCH)  # 10 YES at 0.40
        assert settled_at(K1, OrderSide.YES, journal) is True
        assert settled_at(K1, OrderSide.NO, journal) is False  # seen again: changes nothing
        journal.commit()
        (record,) = journal.settlements()
        assert (record.outcome, record.yes_payout, record.no_payout) == ("yes", 1, 0)
        assert (record.yes_contracts, record.payout, record.realized_pnl) == (10, 10, D(6))
        assert record.venue_ts == EPOCH + timedelta(hours=2)
        assert record.recorded_at == EPOCH + timedelta(hours=3)
        held = journal.inventory(K1)
        assert (held.yes_contracts, held.no_contracts, held.realized_pnl) == (0, 0, D(6))
        # a fill of before the resolution journaled after it is paid out too
        journal.record_fill(a_fill("late", side=OrderSide.NO), at=EPOCH + timedelta(hours=4))
        journal.commit()
        held = journal.inventory(K1)
        assert (held.no_contracts, held.realized_pnl) == (0, D(2))  # the 10 NO lost 4.00
        (market,) = journal.status().markets  # what `predmm status` shows
        assert (market.yes_contracts, market.no_contracts, market.realized_pnl) == (0, 0, D(2))
        assert (market.settled_yes_payout, market.unrealized_pnl) == (D(1), D(0))


def test_a_fill_journaled_after_its_settlement_is_in_the_settlement_and_a_reversal_not(
    tmp_path: Path,
) -> None:
    """The settlement's row says what the venue paid: every fill made before the
    resolution, however late it is journaled; once; none reversed since."""
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_fill(a_fill("f1"), at=EPOCH)  # 10 YES at 0.40
        assert settled_at(K1, OrderSide.YES, journal)
        late = a_fill("late")  # 10 more YES at 0.40, told after the settlement
        journal.record_fill(late, at=EPOCH + timedelta(hours=4))
        journal.record_fill(late, at=EPOCH + timedelta(hours=5))  # told twice
        journal.commit()
        (record,) = journal.settlements()
        assert (record.yes_contracts, record.no_contracts) == (20, 0)
        assert (record.payout, record.realized_pnl) == (20, D(12))
        assert (record.outcome, record.recorded_at) == ("yes", EPOCH + timedelta(hours=3))
        journal.record_fill_reversal(late, at=EPOCH + timedelta(hours=6), reason="FAILED")
        journal.commit()
        (record,) = journal.settlements()
        assert (record.yes_contracts, record.payout, record.realized_pnl) == (10, 10, D(6))
        assert journal.inventory(K1).realized_pnl == D(6)


def test_a_settled_market_is_left_out_of_the_position_check(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_fill(a_fill("f1", P1), at=EPOCH)
        journal.commit()
        unredeemed = [Position(market_id=P1, yes_contracts=D(10), no_contracts=D(0))]
        assert position_mismatches(journal, Venue.POLYMARKET, []) != []
        assert settled_at(P1, OrderSide.YES, journal)
        journal.commit()
        # Polymarket keeps resolved tokens until they are redeemed: not a position
        assert position_mismatches(journal, Venue.POLYMARKET, unredeemed) == []
        assert position_mismatches(journal, Venue.POLYMARKET, []) == []


def test_the_days_baseline_reads_back_and_a_later_one_of_the_day_replaces_it(
    tmp_path: Path,
) -> None:
    held = DayHolding(
        market_id=K1, yes_contracts=D(10), no_contracts=D(0), avg_yes_price=D("0.4"),
        avg_no_price=D(0),
    )  # fmt: skip
    baseline = DayBaseline(
        day=EPOCH.date(), realized_pnl=D("-1.5"), taken_at=EPOCH, holdings=(held,)
    )
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_day_baseline(baseline)
        journal.commit()
        assert journal.day_baseline(EPOCH.date()) == baseline
        assert journal.day_baseline(EPOCH.date() + timedelta(days=1)) is None
        marked = baseline.marked(K1, D("0.45"))
        journal.record_day_baseline(marked)
        journal.commit()
        assert journal.day_baseline(EPOCH.date()) == marked
        assert marked.value() == D("-1.0")


def test_the_settlement_arithmetic_pays_each_side_its_payout() -> None:
    tracker = InventoryTracker(market_id=K1)
    tracker.apply_fill(OrderSide.YES, D(10), D("0.40"))
    tracker.apply_fill(OrderSide.NO, D(4), D("0.55"))
    settled = settle(tracker, Settlement(market_id=K1, yes_payout=D("0.25")))
    assert (settled.yes_contracts, settled.no_contracts) == (10, 4)
    assert settled.payout == D("2.50") + D("3.00")
    assert settled.realized_pnl == D("5.50") - D("4.00") - D("2.20")
    assert (tracker.yes_contracts, tracker.no_contracts) == (0, 0)
