"""The rewards our quotes earn, as the journal keeps them: one row per UTC day and market
(table ``reward_estimates``, schema version 14: ``schema._SCHEMA_V14``), summing the
MarketActor's samples of the venue's scoring formula (``strategies.reward_score``): the
liquidity rewards estimated, the samples taken, those in which we scored and those with
both our quotes in the band, the sum of our shares (their average is our expected share
of the day's pool), the pool, and the market's maker-rebate terms. A sample counts once:
one per sampling slot, a later slot only (a restarted actor sampling again in the same
minute adds nothing).

The maker rebates are not sampled: ``read_estimates`` adds them up from the day's
journaled maker fills (not reversed) with the row's terms, so every fill counts once,
whatever restarts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from predmm.actors.journal.records import dt_req, money, ts
from predmm.domain.ids import MarketId
from predmm.domain.market import Rewards
from predmm.strategies.reward_score import RewardSample

ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class RewardEstimate:
    """One market's estimated rewards on one UTC day."""

    day: date
    market_id: MarketId
    dollars: Decimal  # liquidity rewards
    rebates: Decimal  # maker rebates of the day's maker fills
    samples: int
    scored: int
    in_band: int
    share_sum: Decimal
    daily_rate: Decimal
    updated_at: datetime

    @property
    def share(self) -> Decimal:
        """Our average share of the day's samples: the expected share of its pool."""
        return self.share_sum / self.samples if self.samples else ZERO

    @property
    def total(self) -> Decimal:
        return self.dollars + self.rebates


def record_sample(
    conn: sqlite3.Connection,
    market_id: MarketId,
    rewards: Rewards,
    sample: RewardSample,
    slot: int,
) -> bool:
    """Add one sample to its day's row; False (nothing written) for a slot already
    counted."""
    key = (sample.day.isoformat(), str(market_id))
    row = conn.execute(
        "SELECT dollars, samples, scored, in_band, share_sum, last_slot FROM reward_estimates"
        " WHERE day = ? AND market_id = ?",
        key,
    ).fetchone()
    if row is not None and row["last_slot"] >= slot:
        return False
    dollars = sample.dollars + (Decimal(row["dollars"]) if row else ZERO)
    shares = sample.share + (Decimal(row["share_sum"]) if row else ZERO)
    counts = [int(sample.scored), int(sample.in_band)]
    samples = 1 + (row["samples"] if row else 0)
    if row is not None:
        counts = [counts[0] + row["scored"], counts[1] + row["in_band"]]
    conn.execute(
        "INSERT OR REPLACE INTO reward_estimates (day, market_id, venue, dollars, samples,"
        " scored, in_band, share_sum, daily_rate, rebate_share, fee_rate, fee_exponent,"
        " last_slot, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            *key,
            market_id.venue.value,
            money(dollars),
            samples,
            *counts,
            money(shares),
            money(rewards.daily_rate),
            money(rewards.rebate_share),
            money(rewards.fee_rate),
            rewards.fee_exponent,
            slot,
            ts(sample.at),
        ),
    )
    return True


def read_estimates(conn: sqlite3.Connection, day: date | None = None) -> list[RewardEstimate]:
    """The rows (of ``day``, or all), by day and market, with their maker rebates."""
    where, params = ("WHERE day = ?", (day.isoformat(),)) if day is not None else ("", ())
    rows = conn.execute(
        f"SELECT * FROM reward_estimates {where} ORDER BY day, market_id",
        params,
    ).fetchall()
    return [_estimate(r, _rebates(conn, r)) for r in rows]


def _rebates(conn: sqlite3.Connection, r: sqlite3.Row) -> Decimal:
    terms = Rewards(
        rebate_share=Decimal(r["rebate_share"]),
        fee_rate=Decimal(r["fee_rate"]),
        fee_exponent=r["fee_exponent"],
    )
    if terms.rebate_share == ZERO or terms.fee_rate == ZERO:
        return ZERO
    fills = _maker_fills(conn, r["market_id"], r["day"])
    return sum((terms.rebate(Decimal(p), Decimal(q)) for p, q in fills), ZERO)


def _maker_fills(conn: sqlite3.Connection, market_id: str, day: str) -> Sequence[sqlite3.Row]:
    """The market's maker fills of the UTC ``day`` (by the venue's time, else ours)."""
    return conn.execute(
        "SELECT price, quantity FROM fills WHERE market_id = ? AND is_taker = 0"
        " AND reversed_at IS NULL AND substr(coalesce(venue_ts, received_at), 1, 10) = ?",
        (market_id, day),
    ).fetchall()


def _estimate(r: sqlite3.Row, rebates: Decimal) -> RewardEstimate:
    return RewardEstimate(
        day=date.fromisoformat(r["day"]),
        market_id=MarketId.parse(r["market_id"]),
        dollars=Decimal(r["dollars"]),
        rebates=rebates,
        samples=r["samples"],
        scored=r["scored"],
        in_band=r["in_band"],
        share_sum=Decimal(r["share_sum"]),
        daily_rate=Decimal(r["daily_rate"]),
        updated_at=dt_req(r["updated_at"]),
    )
