"""The Kalshi feed state: books kept whole, per-sid seq checking, resync on a gap."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from predmm.domain import AuthenticationError, Level, MarketId, OrderSide, OrderStatus, Venue
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    OrderFilled,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
    VenueEvent,
)
from predmm.platforms.kalshi.feed import FeedState

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 6, 11, 6, 31, 30, tzinfo=UTC)
MID = MarketId(Venue.KALSHI, "KXHIGHNY-26JUN11-T85")


def lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (FIXTURES / name).read_text().splitlines() if x.strip()]


def feed() -> FeedState:
    state = FeedState([MID])
    commands = [c.payload for c in state.opening_commands()]
    assert [c["params"] for c in commands[:3]] == [
        {"channels": ["fill"]},
        {"channels": ["user_orders"]},
        {"channels": ["market_lifecycle_v2"]},
    ]
    assert commands[3]["params"]["channels"] == ["trade"]
    assert commands[4] == {
        "id": 5,
        "cmd": "subscribe",
        "params": {"channels": ["orderbook_delta"], "market_tickers": [MID.symbol]},
    }
    return state


def run(state: FeedState, messages: list[dict[str, Any]]) -> list[VenueEvent]:
    out: list[VenueEvent] = []
    for m in messages:
        events, _ = state.on_message(m, NOW)
        out += events
    return out


def test_snapshot_and_deltas_give_whole_books() -> None:
    events = run(feed(), lines("ws_session.jsonl"))
    books = [e.book for e in events if isinstance(e, BookUpdated)]
    assert len(books) == 3
    assert books[0].yes_bids == (Level(Decimal("0.47"), Decimal(3)),)
    assert books[0].no_bids == (Level(Decimal("0.48"), Decimal(2)),)
    assert books[1].yes_bids == ()
    assert books[2].yes_bids == (Level(Decimal("0.46"), Decimal("5.50")),)
    assert books[2].best_ask() == Decimal("0.52")


def test_a_seq_gap_invalidates_resubscribes_and_waits_for_a_snapshot() -> None:
    state = feed()
    subscribed, snapshot, delta1, delta2 = lines("ws_session.jsonl")
    run(state, [subscribed, snapshot])
    events, sends = state.on_message(delta2, NOW)  # seq 3 after 1: delta 2 was lost
    assert events == [BookInvalidated(market_id=MID, reason="seq gap on sid 1: 3 != 2")]
    unsubscribe, subscribe = (s.payload for s in sends)
    assert unsubscribe["cmd"] == "unsubscribe"
    assert unsubscribe["params"] == {"sids": [1]}
    assert subscribe["cmd"] == "subscribe"
    assert subscribe["params"]["channels"] == ["orderbook_delta"]
    # late messages of the dropped subscription publish nothing
    assert run(state, [delta1 | {"seq": 4}]) == []
    # the new subscription's snapshot is the next book
    new_sid = 7
    fresh = snapshot | {"sid": new_sid, "seq": 1}
    fresh["msg"] = snapshot["msg"] | {"yes_dollars_fp": [["0.4400", "1.00"]]}
    delta_on_new = delta2 | {"sid": new_sid, "seq": 3}  # seq 2 lost again on the new sid
    events = run(
        state,
        [
            {
                "type": "subscribed",
                "id": subscribe["id"],
                "msg": {"channel": "orderbook_delta", "sid": new_sid},
            },
            fresh,
        ],
    )
    assert [type(e) for e in events] == [BookUpdated]
    assert events[0].book.yes_bids == (Level(Decimal("0.44"), Decimal(1)),)  # type: ignore[union-attr]
    events, _ = state.on_message(delta_on_new, NOW)
    assert [type(e) for e in events] == [BookInvalidated]
    assert state.resyncs == 2


def test_deltas_before_any_snapshot_are_dropped() -> None:
    state = feed()
    subscribed, _, delta1, _ = lines("ws_session.jsonl")
    assert run(state, [subscribed, delta1 | {"seq": 1}]) == []


def test_trade_fill_and_order_messages_become_events() -> None:
    events = run(feed(), lines("ws_events.jsonl"))
    trade, filled, updated = events
    assert isinstance(trade, TradePrinted)
    assert (trade.market_id, trade.price, trade.size) == (MID, Decimal("0.52"), Decimal(1))
    assert isinstance(filled, OrderFilled)
    assert filled.fill.side is OrderSide.YES
    assert filled.fill.fee == Decimal("0.0175")
    assert filled.fill.client_order_id is not None
    assert filled.fill.client_order_id.value == "2b83f1e9-3c55-4b0e-8d7a-6e4f2a9c1d33"
    assert isinstance(updated, OrderUpdated)
    assert updated.status is OrderStatus.PARTIALLY_FILLED
    assert (updated.filled_quantity, updated.remaining_quantity) == (Decimal("0.5"), Decimal("1.5"))


def test_terminal_channel_error_resyncs_and_auth_error_raises() -> None:
    state = feed()
    subscribed, snapshot, _, _ = lines("ws_session.jsonl")
    run(state, [subscribed, snapshot])
    events, sends = state.on_message(
        {"type": "error", "sid": 1, "msg": {"code": 25, "msg": "buffer overflow"}}, NOW
    )
    assert [type(e) for e in events] == [BookInvalidated]
    assert len(sends) == 2
    with pytest.raises(AuthenticationError):
        state.on_message(
            {"type": "error", "id": 3, "msg": {"code": 9, "msg": "auth required"}}, NOW
        )


def test_a_duplicate_seq_is_dropped_not_a_gap() -> None:
    state = feed()
    subscribed, snapshot, delta1, _ = lines("ws_session.jsonl")
    events = run(state, [subscribed, snapshot, delta1, delta1])
    assert [type(e) for e in events] == [BookUpdated, BookUpdated]
    assert state.resyncs == 0


def test_one_gap_invalidates_every_book_of_the_subscription() -> None:
    other = MarketId(Venue.KALSHI, "KXOTHER-26-T1")
    state = FeedState([MID, other])
    *_, book_cmd = state.opening_commands()
    assert book_cmd.payload["params"]["market_tickers"] == [MID.symbol, other.symbol]
    subscribed, snapshot, _, delta2 = lines("ws_session.jsonl")
    snapshot2 = snapshot | {"seq": 2, "msg": snapshot["msg"] | {"market_ticker": other.symbol}}
    assert len(run(state, [subscribed, snapshot, snapshot2])) == 2
    assert state.has_book(other)
    events, sends = state.on_message(delta2 | {"seq": 4}, NOW)
    assert {e.market_id for e in events if isinstance(e, BookInvalidated)} == {MID, other}
    assert not state.has_book(MID)
    assert not state.has_book(other)
    assert sends[1].payload["params"]["market_tickers"] == [MID.symbol, other.symbol]


def test_a_new_price_grid_of_our_market_is_an_event() -> None:
    state = feed()
    changed: dict[str, Any] = {
        "type": "market_lifecycle_v2",
        "sid": 3,
        "seq": 1,
        "msg": {
            "market_ticker": MID.symbol,
            "event_type": "price_level_structure_updated",
            "price_level_structure": "deci_cent",
            "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}],
        },
    }
    [event] = run(state, [changed])
    assert isinstance(event, TickSizeChanged)
    assert event.tick.is_on_grid(Decimal("0.305"))
    other = changed | {"msg": changed["msg"] | {"market_ticker": "KXOTHER"}, "seq": 2}
    assert run(state, [other]) == []
