"""``predmm.backtest.run(...)``: one call from data to results, as ``predmm backtest``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import attrs

from predmm.backtest.decision import Decider, PolicyDecider
from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.events import Source
from predmm.backtest.fills import fill_model
from predmm.backtest.maker import CoreDecider
from predmm.backtest.policy import FixedSpreadPolicy
from predmm.backtest.results import RunResult
from predmm.backtest.sources import open_source
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig


@attrs.frozen(kw_only=True)
class Backtested:
    """The strategy's run and, with ``compare="baseline"``, the baseline's on the same
    data."""

    strategy: RunResult
    baseline: RunResult | None
    settings: dict[str, str]

    def summary(self) -> dict[str, object]:
        out = self.strategy.summary()
        if self.baseline is not None:
            out["baseline"] = self.baseline.summary()
        out["settings"] = self.settings
        return out


def run(
    data: Path | str | None = None,
    *,
    format: str = "auto",
    config: MarketMakingConfig | None = None,
    risk: RiskConfig | None = None,
    name: str = "strategy",
    fill: str = "trade-through",
    latency_ms: int = 0,
    trade_share: float = 0.5,
    queue_power: float = 2.0,
    markets: frozenset[str] | None = None,
    compare: str | None = None,
    crossed: str = "skip",
    seed: int = 7,
    duration_s: float = 3600.0,
    progress: Callable[[int], None] | None = None,
) -> Backtested:
    """Replay ``data`` (``format``: ``auto``, ``polymarket-l2``, ``kalshi-trades``,
    ``recording``, ``sim``) through the strategy with ``config`` (the defaults when None)
    under the ``fill`` model; with ``compare="baseline"`` also the fixed-spread baseline.
    Bad data raises ``DataError``."""
    path = Path(data) if data is not None else None
    cfg = config or MarketMakingConfig()

    def source() -> Source:
        return open_source(
            path, format, markets=markets, crossed=crossed, seed=seed, duration_s=duration_s
        )

    replay = ReplayConfig(
        fill_model=fill_model(fill, trade_share=trade_share, power=queue_power),
        latency_ms=latency_ms,
        risk=risk or RiskConfig(),
    )
    strategy = _one(source(), CoreDecider(config=cfg, name=name), replay, progress)
    baseline = None
    if compare == "baseline":
        naive = FixedSpreadPolicy(name="baseline", half_spread=Decimal("0.02"), size=Decimal(10))
        baseline = _one(source(), PolicyDecider(naive), replay, progress)
    settings = {
        "data": str(path) if path is not None else f"sim seed {seed}, {duration_s:g} s",
        "format": strategy.source,
        "strategy": name,
        "fill model": strategy.fill_model,
        "baseline": "mid +/- 0.02, 10 a side" if baseline is not None else "none",
    } | {k: str(v) for k, v in attrs.asdict(cfg).items()}
    return Backtested(strategy=strategy, baseline=baseline, settings=settings)


def _one(
    source: Source, decider: Decider, config: ReplayConfig, progress: Callable[[int], None] | None
) -> RunResult:
    return Replay(source, decider, config, progress).run()
