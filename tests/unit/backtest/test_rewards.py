"""Rewards as their own PnL lines in the backtests (``backtest.rewards``): the replay of
the simulator's day estimates the liquidity rewards of ``rewards_aware`` quotes and shows
them in its JSON and its HTML report; the interactive backtest on the simulator core
compares the daemon's estimate with what the simulator itself paid at midnight."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import predmm.backtest as backtest
from predmm.backtest import BacktestConfig, StrategyPolicy
from predmm.backtest.driver import Backtest
from predmm.backtest.report import write_report
from predmm.backtest.rewards import rewards_of
from predmm.config import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.simulator.exchange import AccountId
from predmm.strategies.reward_score import Resting, sample

D = Decimal
AWARE = MarketMakingConfig(rewards_aware=True)


def test_the_replay_report_has_a_rewards_line(tmp_path: Path) -> None:
    """Ten minutes of the simulator's day, replayed under the queue model: the
    rewards-aware strategy earns liquidity rewards on the rewarded markets, the baseline
    (10 a side, under every reward's minimum size) none; both are lines of the report.
    (The replay's liquidity is the book's, without the listed markets' past: no minimum.)"""
    config = MarketMakingConfig(rewards_aware=True, min_liquidity=D(0), max_markets=20)
    done = backtest.run(
        format="sim", config=config, fill="queue", compare="baseline", duration_s=600.0
    )
    strategy, baseline = done.strategy, done.baseline
    assert baseline is not None
    assert strategy.rewards > 0
    assert baseline.rewards == 0
    summary = strategy.summary()
    assert summary["rewards"] == round(float(strategy.rewards), 6)
    assert summary["pnl_with_rewards"] == round(
        float(strategy.pnl + strategy.rewards + strategy.rebates), 6
    )
    earning = [m for m in strategy.markets if m.rewards > 0]
    assert earning
    assert all(m.rewards_in_band > 0 for m in earning)
    assert all(m.market.startswith("polymarket:") for m in earning)
    report = tmp_path / "r.html"
    write_report(report, [strategy, baseline], done.settings)
    page = report.read_text()
    for line in ("<td>rewards</td>", "<td>rebates</td>", "<td>pnl_with_rewards</td>"):
        assert line in page
    assert "<th>rewards $</th>" in page


def test_the_estimate_against_what_the_simulator_paid_at_midnight() -> None:
    """From 23:50 UTC for twenty minutes: the simulator pays the maker the day's rewards at
    midnight (its own sampling, a random second of each minute) and accrues the next
    day's; the daemon's estimator (``strategies.reward_score``), shown the book and our
    orders at the very seconds the venue sampled, comes within a tenth of what the venue
    counted (it sees levels, not makers: the others' liquidity is one maker to it). The
    estimate of the run itself samples other seconds: a second at which the liquidity
    provider had nothing in the band pays us a whole sample, so twenty of them differ by
    luck (9 % to 77 % over seeds 1 to 9), not compared here. The trading PnL leaves the
    payment out: it is its own line."""
    start = datetime.fromisoformat("2026-11-02T23:50:00+00:00")
    bt = Backtest(
        StrategyPolicy(name="rewards", config=AWARE),
        BacktestConfig(seed=7, duration_s=1200.0, start=start),
    )
    ours = bt.accounts[Venue.POLYMARKET]
    at_venue = estimates_at_the_venues_samples(bt, ours)
    result = bt.run()
    paid = [p for p in bt.sim.rewards.payments if p.account_id == ours]
    assert {p.day for p in paid} == {start.date()}
    liquidity = sum((p.liquidity for p in paid), D(0))
    venue = liquidity + result.rewards_accrued
    print(f"estimated {result.rewards:.4f}, the simulator paid {liquidity:.4f}"
          f" and accrued {result.rewards_accrued:.4f}")  # fmt: skip
    assert liquidity > 0
    assert all(p.paid_liquidity == (liquidity >= 1) for p in paid)  # the $1 minimum
    assert result.rewards_paid == sum((p.paid for p in paid), D(0))
    assert result.rewards > 0
    estimated = sum((mine for mine, _ in at_venue), D(0))
    counted = sum((theirs for _, theirs in at_venue), D(0))
    print(f"at the venue's seconds: estimated {estimated:.4f}, the venue {counted:.4f}")
    assert abs(counted - venue) < D("0.0001")  # every sample the venue took (paid: floored)
    assert abs(estimated - counted) <= counted / 10
    cash = bt.ex.balance(ours).cash + bt.ex.balance(bt.accounts[Venue.KALSHI]).cash
    assert bt.pnl() < cash  # the payment is not trading PnL
    assert result.rebates > 0


def estimates_at_the_venues_samples(bt: Backtest, account: AccountId) -> list[tuple[D, D]]:
    """Beside each sample the simulator takes of a market: (the estimator's dollars for
    ``account``'s resting orders on the venue's book at that second, the venue's). Filled
    in as the backtest runs."""
    desk, ex = bt.sim.rewards, bt.ex
    venue_sample = desk._sample
    found: list[tuple[D, D]] = []

    def both(market_id: MarketId, at: float) -> None:
        before = len(desk.samples)
        venue_sample(market_id, at)
        terms = rewards_of(ex.spec(market_id))
        if len(desk.samples) == before or terms is None:
            return
        score = desk.samples[-1].of(account)
        part = terms.daily_rate * D(repr(desk.sample_s)) / D(86_400)
        theirs = part * score.share if score is not None else D(0)
        mine = tuple(
            Resting(o.book_side, o.book_price, o.quantity - o.filled_quantity)
            for o in ex.resting_orders(market_id)
            if o.account_id == account
        )
        estimate = sample(terms, ex.book(market_id), mine, datetime.fromtimestamp(at, UTC))
        found.append((estimate.dollars, theirs))

    desk._sample = both  # type: ignore[method-assign]
    return found
