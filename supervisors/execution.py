"""The engine's executor (``actors.executor``), apart from the engine: whether one is
needed (``wanted``: a strategy other than the market maker is registered, or a market
maker hedges across venues), what it is started with (``start_executor``), how each
PlatformActor learns of it (``attachment``: its client-order-id prefix and the markets
whose market-making fills it hedges) and its restart after a failure (``ExecutorWatch``:
a new executor after a backoff, within a restart budget; past it, none, and the operator
is told).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pykka
import trio
from loguru import logger

from predmm.actors.executor.actor import ExecutorActor
from predmm.actors.messages import AttachExecutor, Subscribe
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.fees import TakerFees
from predmm.domain.ids import MarketId
from predmm.platforms.bridge import safe_tell
from predmm.supervisors.policy import RestartPolicy, on_failure

if TYPE_CHECKING:
    from predmm.supervisors.engine import TradingEngine

_log = logger.bind(actor="engine")


def links_of(engine: TradingEngine) -> tuple[tuple[MarketId, ...], ...]:
    """The configured links: one outcome's markets on several venues each."""
    return tuple(link.markets for link in engine.risk.event_links)


def hedging_venues(configs: Mapping[Venue, MarketMakingConfig]) -> frozenset[Venue]:
    return frozenset(v for v, c in configs.items() if c.hedge_cross_venue)


def hedged_markets(
    links: Iterable[tuple[MarketId, ...]], venues: frozenset[Venue]
) -> frozenset[MarketId]:
    """The linked markets whose market-making fills are hedged on the other venue."""
    return frozenset(m for link in links for m in link if m.venue in venues)


def wanted(engine: TradingEngine, configs: Mapping[Venue, MarketMakingConfig]) -> bool:
    return bool(engine.registry.others) or bool(hedging_venues(configs))


def prefix(engine: TradingEngine) -> str:
    """The executor's client order ids: the run's, then ``x`` (every generation)."""
    return f"{engine.run_id}-x"


def attachment(
    engine: TradingEngine, configs: Mapping[Venue, MarketMakingConfig]
) -> AttachExecutor | None:
    if engine.executor is None:
        return None
    hedged = hedged_markets(links_of(engine), hedging_venues(configs))
    return AttachExecutor(ref=engine.executor, prefix=prefix(engine), hedged=hedged)


def hedge_fees(engine: TradingEngine) -> TakerFees:
    """The taker fees a hedge counts: the engine's (the venues' rates, when known), else
    the first registered strategy's that has any."""
    if engine.taker_fees is not None:
        return engine.taker_fees
    for reg in engine.registry.others:
        fees = getattr(reg.strategy.config, "fees", None)
        if isinstance(fees, TakerFees):
            return fees
    return TakerFees()


def start_executor(
    engine: TradingEngine, configs: Mapping[Venue, MarketMakingConfig], generation: int = 0
) -> pykka.ActorRef[Any]:
    """A new executor, told of by every PlatformActor and the PortfolioActor."""
    assert engine.bridge is not None
    watch = engine.executor_watch
    ref = ExecutorActor.start(
        strategies=tuple(engine.registry.others),
        portfolio=engine.portfolio_direct,
        platforms=dict(engine.platform_direct),
        conflator=engine.bridge.conflator,
        clock=engine.clock,
        journal=engine.journal,
        prefix=f"{prefix(engine)}{generation}-",
        links=links_of(engine),
        hedged=hedging_venues(configs),
        hedge_fees=hedge_fees(engine),
        positions=engine.strategy_inventory,
        bridge=engine.bridge,
        board=engine.board,
        timings=engine.timings,
        on_failure=functools.partial(watch.failed, generation) if watch is not None else None,
    )
    engine.executor = ref
    if engine.following is not None:  # a successor reads the markets the last one read
        ref.tell(engine.following)
    message = attachment(engine, configs)
    for platform in engine.platforms.values():
        safe_tell(platform, message)
    with_portfolio = Subscribe(ref=ref)
    try:
        engine.portfolio_direct.call(with_portfolio)
    except pykka.ActorDeadError:
        _log.error("the portfolio is gone: the executor learns no trading state")
    return ref


class ExecutorWatch:
    """Restarts a failed executor (in the actor's thread: the callback hands the restart
    to the trio loop) with backoff, within ``policy``'s budget."""

    def __init__(
        self,
        engine: TradingEngine,
        configs: Mapping[Venue, MarketMakingConfig],
        policy: RestartPolicy,
        seed: int,
    ) -> None:
        self.engine, self.configs, self.policy = engine, configs, policy
        self.rng = random.Random(seed)
        self.failures: tuple[float, ...] = ()
        self.generation = 0

    def failed(self, generation: int, exc: BaseException) -> None:
        """The executor of ``generation`` died (its thread): a new one after a backoff,
        or none once the budget is spent."""
        bridge = self.engine.bridge
        if generation != self.generation or bridge is None:
            return
        now = self.engine.clock.monotonic()
        decision = on_failure(self.policy, self.failures, now, self.rng)
        self.failures = decision.failures
        self.engine.executor = None
        self.engine.journal.supervision("executor", "failed", repr(exc))
        if not decision.restart:
            self.engine.journal.supervision("executor", "halted", "restart budget spent")
            _log.error("the executor failed too often: no arbitrage or hedge from now on")
            return
        bridge.start_soon(self._restart_after, decision.delay)

    async def _restart_after(self, delay: float) -> None:
        await trio.sleep(max(0.0, delay))
        if self.engine.stopping:
            return
        self.generation += 1
        await trio.to_thread.run_sync(start_executor, self.engine, self.configs, self.generation)
        self.engine.journal.supervision("executor", "restarted", f"generation {self.generation}")
