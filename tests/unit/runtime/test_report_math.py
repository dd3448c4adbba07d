"""The arithmetic of the operator's reports, on hand-built fills and marks: one number
format, short ids that cannot be confused, holdings as YES / NO (net), and PnL that adds
up the same whichever way it is grouped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from predmm.cli import fmt
from predmm.cli.reports.ledger import Trade, daily, equity_at, fill_pnl, pnl_by
from predmm.cli.reports.source import parse_time
from predmm.domain import Action, Fill, FillId, MarketId, OrderSide, Venue

D = Decimal
T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "KXFED-26DEC")
P1 = MarketId(
    Venue.POLYMARKET, "0x06861cc249bf44d780023c9e2b853dcc763355f4d1996ebeac20c6f088d3fb82"
)
P2 = MarketId(
    Venue.POLYMARKET, "0x06861cc2b1000000000000000000000000000000000000000000000000c0fb82"
)


def trade(
    market: MarketId,
    side: OrderSide,
    price: str,
    qty: int,
    at: datetime = T0,
    action: Action = Action.BUY,
    fee: str = "0",
) -> Trade:
    f = Fill(
        fill_id=FillId(f"{market.symbol[:6]}-{at.isoformat()}-{side.value}-{price}"),
        market_id=market,
        side=side,
        action=action,
        price=D(price),
        quantity=D(qty),
        fee=D(fee),
        ts=at,
    )
    return Trade(fill=f, at=at, venue=market.venue)


def test_one_number_format() -> None:
    assert fmt.money(D("4.032999999999999999999999999")) == "$4.03"
    assert fmt.money(D("-0.058501")) == "-$0.06"
    assert fmt.money(D("-0.001")) == "$0.00"
    assert fmt.money(D("1234567.891")) == "$1,234,567.89"
    assert fmt.price(D("0.3353333333333333333333333333"), D("0.01")) == "0.34"
    assert fmt.price(D("0.3353333333333333333333333333"), D("0.001")) == "0.335"
    assert fmt.price(D("0.5"), None) == "0.50"
    assert fmt.price(D("0.520"), D("0.001")) == "0.52"  # no zeros past the cent
    assert fmt.price(D("0.035"), D("0.001")) == "0.035"
    assert fmt.contracts(D("20.00")) == "20"
    assert fmt.contracts(D("1250.5")) == "1,250.50"
    assert fmt.exact(D("0.9950000000000000000000000005")) == "0.995"
    assert fmt.exact(D("20.00")) == "20"
    assert fmt.duration(3725) == "1 h 02 min"


def test_holdings_say_yes_no_and_net() -> None:
    assert fmt.holdings(D(10), D(10)) == "10 YES / 10 NO (net 0)"
    assert fmt.holdings(D(20), D(2)) == "20 YES / 2 NO (net +18)"
    assert fmt.holdings(D(0), D(15)) == "15 NO (net -15)"
    assert fmt.holdings(D(0), D(0)) == "flat"


def test_short_ids_never_look_alike() -> None:
    labels = fmt.short_ids([K, P1, P2])
    assert labels[K] == "KXFED-26DEC"
    assert labels[P1] != labels[P2]  # same 10-digit prefix, same last four
    assert all(len(labels[p]) < 30 for p in (P1, P2))
    assert labels[P1].startswith("0x06861cc2")
    assert labels[P1].endswith("…fb82")
    alone = fmt.short_ids([P1])[P1]
    assert alone == "0x0686…fb82"


def test_times_the_filters_take() -> None:
    now = datetime(2026, 12, 6, 17, 30, tzinfo=UTC)
    assert parse_time("today", now) == datetime(2026, 12, 6, tzinfo=UTC)
    assert parse_time("yesterday", now) == datetime(2026, 12, 5, tzinfo=UTC)
    assert parse_time("2h", now) == now - timedelta(hours=2)
    assert parse_time("30m", now) == now - timedelta(minutes=30)
    assert parse_time("2026-12-06T17:00", now) == datetime(2026, 12, 6, 17, tzinfo=UTC)
    assert parse_time("2026-12-06 17:00+01:00", now).utcoffset() == timedelta(hours=1)


def test_a_filled_pair_counts_its_edge_whatever_the_mark() -> None:
    pair = [trade(K, OrderSide.YES, "0.48", 10), trade(K, OrderSide.NO, "0.48", 10)]
    for mark in ("0.01", "0.5", "0.99"):
        (row,) = pnl_by(pair, {K: D(mark)}, lambda t: t.market_id).values()
        assert row.pnl == D("0.40")


def test_sells_and_fees() -> None:
    bought = trade(K, OrderSide.YES, "0.40", 10, fee="0.05")
    sold = trade(K, OrderSide.YES, "0.50", 4, T0 + timedelta(minutes=1), Action.SELL, "0.02")
    assert fill_pnl(bought.fill, D("0.45")) == D("0.45")  # 10 x 0.05 - 0.05
    assert fill_pnl(sold.fill, D("0.45")) == D("0.18")  # 4 x 0.05 - 0.02
    ((value, held, _),) = equity_at([bought, sold], [], [T0 + timedelta(hours=1)])
    assert held[K].yes == D(6)
    # cash (-4.00 paid, +2.00 sold, -0.07 fees) + 6 YES at our last trade, 0.50
    assert value == D("-4.00") + D("2.00") - D("0.07") + D(6) * D("0.50")


def test_days_earn_what_their_marks_moved() -> None:
    day1, day2 = T0, T0 + timedelta(days=1)
    trades = [trade(K, OrderSide.YES, "0.40", 10, day1)]
    marks = [(K, day1 + timedelta(hours=1), D("0.45")), (K, day2 + timedelta(hours=1), D("0.60"))]
    rows = daily(trades, marks, day2 + timedelta(hours=2))
    assert [(d.date().isoformat(), r.fills, r.pnl) for d, r in rows] == [
        ("2026-12-06", 1, D("0.50")),  # bought at 0.40, 0.45 at midnight
        ("2026-12-07", 0, D("1.50")),  # 0.45 -> 0.60 without a trade
    ]


prices = st.integers(min_value=1, max_value=99).map(lambda c: D(c) / 100)
fills_ = st.lists(
    st.tuples(
        st.sampled_from([K, P1, P2]),
        st.sampled_from(list(OrderSide)),
        prices,
        st.integers(min_value=1, max_value=50),
        st.integers(min_value=0, max_value=4 * 24 * 60),
    ),
    min_size=1,
    max_size=30,
)


@given(fills_, st.dictionaries(st.sampled_from([K, P1, P2]), prices))
def test_every_grouping_adds_up_to_the_same_total(raw: list, marks: dict) -> None:
    trades = [
        trade(m, side, str(p), q, T0 + timedelta(minutes=minute)) for m, side, p, q, minute in raw
    ]
    by_market = pnl_by(trades, marks, lambda t: t.market_id)
    total = sum(r.pnl for r in by_market.values())
    for key in (lambda t: t.venue, lambda t: t.at.date(), lambda t: 0):
        assert sum(r.pnl for r in pnl_by(trades, marks, key).values()) == total
    now = T0 + timedelta(days=5)
    series = [(m, now - timedelta(seconds=1), mark) for m, mark in marks.items()]
    days = daily(trades, series, now)
    assert sum(r.pnl for _, r in days) == total  # the days add up to today's value
    assert sum(r.fills for _, r in days) == len(trades)
