"""What one replay measured, in total and per market, and its JSON summary.

* ``pnl``: realized (fills, fees, settlements) plus what is held marked at the market's
  last mid (fair value); dollars.
* ``sharpe``: per day, of the PnL path sampled every ``sample_s`` seconds
  (``backtest.metrics.sharpe``: mean / sd of the changes x sqrt(samples per day)).
* ``max_drawdown``: the largest fall of that path from an earlier peak, dollars.
* ``fills``: fills of resting quotes and exits; ``fill_rate``: contracts filled over
  contracts quoted (quotes only).
* ``markout_Ns``: over quote fills, quantity x (the mid N seconds after the fill - the fill
  price), YES terms for YES bids and NO terms for NO bids, dollars (positive: the fills
  were good); a horizon past the market's last update is marked at its last mid.
  ``markout_curve`` gives every horizon in cents per contract.
* ``spread_capture``: over quote fills, quantity x (the mid at the fill - the fill price),
  dollars.
* ``fees``: dollars paid (maker fills are free on both venues' plain markets; exits pay
  the taker fee).
* ``rewards``: liquidity rewards, estimated with the venue's formula on our resting quotes
  sampled once a minute (``backtest.rewards``); ``rebates``: maker rebates of our maker
  fills; both dollars and their own lines: ``pnl`` is trading only, ``pnl_with_rewards``
  adds them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from predmm.backtest.metrics import max_drawdown, sharpe
from predmm.strategies.mm_metrics import StatsSnapshot

ZERO = Decimal(0)
HORIZONS: tuple[float, ...] = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@attrs.frozen(kw_only=True)
class FillRecord:
    """One fill of ours: time (ms), market, side bought, price, contracts, fee."""

    ts: int
    market: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    taker: bool


@attrs.frozen(kw_only=True)
class MarketResult:
    market: str
    title: str
    pnl: Decimal
    fills: int
    exit_fills: int
    fees: Decimal
    stats: StatsSnapshot
    equity: tuple[Decimal, ...] = attrs.field(repr=False)
    net: tuple[Decimal, ...] = attrs.field(repr=False)  # net YES - NO at each sample
    settlement: str = ""
    sample_s: float = 60.0
    rewards: Decimal = ZERO
    rebates: Decimal = ZERO
    rewards_in_band: float = 0.0  # share of the rewards samples with both quotes in the band

    def summary(self) -> dict[str, Any]:
        body = figures(self.pnl, self.equity, self.sample_s, self.stats, self.fills, self.fees)
        return (
            body
            | _reward_lines(self.pnl, self.rewards, self.rebates)
            | {
                "rewards_in_band": round(self.rewards_in_band, 4),
                "title": self.title,
                "settlement": self.settlement,
            }
        )


@attrs.frozen(kw_only=True)
class RunResult:
    """One decider over one source."""

    strategy: str
    source: str
    fill_model: str
    events: int
    wall_s: float
    pnl: Decimal
    fills: int
    fees: Decimal
    orders: int
    cancels: int
    rejects: int
    risk_refusals: int
    stats: StatsSnapshot
    equity: tuple[Decimal, ...] = attrs.field(repr=False)
    times_ms: tuple[int, ...] = attrs.field(repr=False)  # the sample times
    sample_s: float
    markets: tuple[MarketResult, ...] = attrs.field(repr=False)
    notes: tuple[str, ...] = ()
    settings: dict[str, str] = attrs.field(factory=dict)
    fill_log: tuple[FillRecord, ...] = attrs.field(default=(), repr=False)
    rewards: Decimal = ZERO  # liquidity rewards, estimated
    rebates: Decimal = ZERO  # maker rebates of our maker fills

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def sharpe(self) -> float:
        return sharpe(self.equity, self.sample_s)

    @property
    def max_drawdown(self) -> Decimal:
        return max_drawdown(self.equity)

    def summary(self) -> dict[str, Any]:
        """The JSON figures: the keys of ``figures`` plus ``per_market`` and the run."""
        head = {
            "strategy": self.strategy,
            "source": self.source,
            "fill_model": self.fill_model,
            "events": self.events,
            "events_per_s": round(self.events_per_s, 1),
        }
        body = figures(self.pnl, self.equity, self.sample_s, self.stats, self.fills, self.fees)
        body |= _reward_lines(self.pnl, self.rewards, self.rebates)
        tail = {
            "orders": self.orders,
            "cancels": self.cancels,
            "rejects": self.rejects,
            "risk_refusals": self.risk_refusals,
            "per_market": {m.market: m.summary() for m in self.markets if _active(m)},
            "notes": list(self.notes),
        }
        return head | body | tail


def _reward_lines(pnl: Decimal, rewards: Decimal, rebates: Decimal) -> dict[str, float]:
    return {
        "rewards": _f(rewards),
        "rebates": _f(rebates),
        "pnl_with_rewards": _f(pnl + rewards + rebates),
    }


def _active(m: MarketResult) -> bool:
    return m.fills > 0 or m.stats.quoted_quantity > 0


def figures(
    pnl: Decimal,
    equity: tuple[Decimal, ...],
    sample_s: float,
    stats: StatsSnapshot,
    fills: int,
    fees: Decimal,
) -> dict[str, Any]:
    return {
        "pnl": _f(pnl),
        "sharpe": round(sharpe(equity, sample_s), 3),
        "max_drawdown": _f(max_drawdown(equity)),
        "fills": fills,
        "filled_contracts": _f(stats.filled_quantity),
        "quoted_contracts": _f(stats.quoted_quantity),
        "fill_rate": float(stats.fill_rate),
        "markout_1s": _f(stats.markouts.get(1.0, ZERO)),
        "markout_10s": _f(stats.markouts.get(10.0, ZERO)),
        "markout_60s": _f(stats.markouts.get(60.0, ZERO)),
        "markout_curve": markout_curve(stats),
        "spread_capture": _f(stats.spread_capture),
        "fees": _f(fees),
    }


def markout_curve(stats: StatsSnapshot) -> dict[str, float]:
    """Cents per filled contract at each horizon (empty without fills)."""
    if stats.filled_quantity <= 0:
        return {}
    return {
        f"{h:g}s": round(float(stats.markouts.get(h, ZERO) / stats.filled_quantity * 100), 4)
        for h in HORIZONS
    }


def _f(value: Decimal) -> float:
    return round(float(value), 6)
