"""The rewards our quotes earn, in the journal (``actors.journal.rewards``): one row per
UTC day and market, a sample counted once per slot (a restarted actor sampling again in
the same minute adds nothing), and the day's maker rebates from the journaled maker
fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from predmm.actors.journal.store import Journal
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill
from predmm.strategies.reward_score import RewardSample, slot

D = Decimal
M = MarketId(Venue.POLYMARKET, "0xcut25")
AT = datetime(2026, 11, 2, 23, 58, 10, tzinfo=UTC)
TERMS = Rewards(
    min_size=D(20), max_spread=D("0.035"), daily_rate=D(1440), rebate_share=D("0.25"),
    fee_rate=D("0.04"),
)  # fmt: skip


def a_sample(at: datetime, share: str, in_band: bool = True) -> RewardSample:
    return RewardSample(
        at=at,
        midpoint=D("0.5"),
        ours=D(10),
        others=D(10),
        share=D(share),
        dollars=D(share),  # $1,440 a day: a minute's pool is $1
        in_band=in_band,
    )


def a_fill(fill_id: str, at: datetime, *, taker: bool = False, quantity: int = 100) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=M,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(quantity),
        is_taker=taker,
        ts=at,
    )


def test_samples_add_up_per_day_once_per_slot(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        first = a_sample(AT, "0.5")
        assert journal.record_reward_sample(M, TERMS, first, slot(AT))
        again = a_sample(AT + timedelta(seconds=20), "0.9")  # a restart, the same minute
        assert not journal.record_reward_sample(M, TERMS, again, slot(again.at))
        later = a_sample(AT + timedelta(minutes=1), "0.25", in_band=False)
        assert journal.record_reward_sample(M, TERMS, later, slot(later.at))
        next_day = a_sample(AT + timedelta(minutes=2), "1")  # 00:00:10
        assert journal.record_reward_sample(M, TERMS, next_day, slot(next_day.at))
        journal.commit()
    with Journal.open_read_only(tmp_path / "j.sqlite3") as reader:
        day1, day2 = reader.reward_estimates()
        assert reader.reward_estimates(AT.date()) == [day1]
    assert (day1.day, day1.market_id, day1.dollars) == (AT.date(), M, D("0.75"))
    assert (day1.samples, day1.scored, day1.in_band) == (2, 2, 1)
    assert day1.share == D("0.375")
    assert day1.daily_rate == D(1440)
    assert (day2.day, day2.dollars, day2.samples) == (AT.date() + timedelta(days=1), D(1), 1)


def test_the_days_maker_rebates_come_from_its_maker_fills(tmp_path: Path) -> None:
    """100 at 0.40 with a 4% fee rate would have paid 100 x 0.04 x 0.24 = $0.96 as a
    taker: the rebate is a quarter of it. Taker fills, reversed fills and the next day's
    fills do not count."""
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        journal.record_reward_sample(M, TERMS, a_sample(AT, "0.5"), slot(AT))
        journal.record_fill(a_fill("maker", AT), at=AT)
        journal.record_fill(a_fill("taker", AT, taker=True), at=AT)
        reversed_fill = a_fill("reversed", AT)
        journal.record_fill(reversed_fill, at=AT)
        journal.record_fill_reversal(reversed_fill, at=AT, reason="trade failed")
        journal.record_fill(a_fill("tomorrow", AT + timedelta(hours=1)), at=AT)
        journal.commit()
        (row,) = journal.reward_estimates(AT.date())
    assert row.rebates == D("0.24")
    assert row.total == D("0.74")
