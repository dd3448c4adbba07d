"""MarketSupervisor: one_for_one over the MarketActors, like OTP's simple_one_for_one
with transient children.

* ``MarketsScanned`` (the scan task re-runs ``select_markets`` periodically): spawns an
  actor per newly selected market, and one per listed market with a net position that
  nobody owns (a previous run's); a market that dropped out of the selection (left the
  scan, entered its exit window, closed) is not stopped but told it is no longer wanted
  (``SetWanted``): it quotes nothing new and works its position off, and once flat with
  nothing resting it tells ``MarketDone`` and is retired (selected again before that, it
  quotes again);
* ``SettlementApplied`` (from the PortfolioActor): the market resolved and its position
  is paid out: its actor is retired (cancels what rests, stops);
* ``ChildFailed`` (from the child's ``on_failure``, or its guarded ``on_start``): the
  market's orders are cancelled at once, then the market is restarted after a backoff
  with jitter, or quarantined when it spent its restart budget (``supervisors.policy``);
  the other markets are not touched;
* a periodic ``BroadcastTick`` also sweeps for children that died without a report;
* ``SuspendVenue`` (the venue's PlatformActor died: ``supervisors.core``) stops the
  venue's markets and spawns none there until ``ResumeVenue`` starts them again, new
  incarnations that rebuild from the portfolio and the restarted PlatformActor.

Children are spawned from this actor's thread, never from the trio thread.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pykka
from loguru import logger

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.market.actor import MarketActor
from predmm.actors.market.deps import MarketDeps
from predmm.actors.messages import (
    ApplyConfig,
    BroadcastTick,
    CancelMarketOrders,
    ChildFailed,
    ChildInfo,
    GetChildren,
    GetOwned,
    MarketChanged,
    MarketDone,
    MarketsScanned,
    RestartChild,
    ResumeVenue,
    Retire,
    SettlementApplied,
    SetWanted,
    StopMarkets,
    SuspendVenue,
    Tick,
    TradingStateChanged,
    VenueEventReceived,
)
from predmm.actors.status import MarketStatus
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.events import MarketStatusChanged, TickSizeChanged
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.strategies.venues import select_per_venue
from predmm.supervisors.policy import RestartPolicy, on_failure

STOP_TIMEOUT = 10.0


@attrs.define
class _Child:
    market: Market
    ref: pykka.ActorRef[Any] | None = None
    generation: int = 0
    failures: tuple[float, ...] = ()
    restarts: int = 0
    quarantined: bool = False
    wanted: bool = True  # selected; unwanted, it works its position off until flat


class MarketSupervisor(pykka.ThreadingActor):
    def __init__(
        self,
        *,
        configs: Mapping[Venue, MarketMakingConfig],
        deps_for: Callable[[Venue], MarketDeps],
        clock: Clock,
        journal: JournalPort,
        bridge: Any = None,
        policy: RestartPolicy | None = None,
        seed: int = 0,
        on_quarantine: Callable[[MarketId, str], None] | None = None,
    ) -> None:
        super().__init__()
        self.configs, self.deps_for, self.clock, self.journal = configs, deps_for, clock, journal
        self.bridge, self.policy = bridge, policy or RestartPolicy()
        self.rng = random.Random(seed)
        self.on_quarantine = on_quarantine
        self.children: dict[MarketId, _Child] = {}
        self.state = TradingState.ACTIVE
        self.stopping = False
        self.suspended: set[Venue] = set()
        self.log = logger.bind(actor="supervisor")

    def on_receive(self, message: Any) -> Any:
        match message:
            case MarketsScanned(markets=markets, held=held):
                self._scanned(markets, held)
            case MarketDone(market_id=market_id, generation=generation):
                self._done(market_id, generation)
            case SettlementApplied(market_id=market_id):
                self._retire(market_id, "settled")
            case GetOwned(reply=reply):
                owned = frozenset(m for m, c in self.children.items() if c.ref is not None)
                if reply is not None:
                    reply(owned)
                return owned
            case ChildFailed():
                self._failed(message)
            case RestartChild(market_id=market_id, generation=generation):
                self._restart(market_id, generation)
            case TradingStateChanged(state=state):
                self.state = state
                self._broadcast(message)
            case ApplyConfig():
                # the next scan selects, and new actors quote, with each venue's own
                self.configs = {venue: message.for_venue(venue) for venue in self.configs}
                self._broadcast(message)
            case BroadcastTick():
                self._sweep()
                self._broadcast(Tick())
            case StopMarkets(reply=reply):
                stopped = self._stop_all()
                if reply is not None:
                    reply(stopped)
                return stopped
            case VenueEventReceived(event=TickSizeChanged(market_id=market_id, tick=tick)):
                self._market_changed(market_id, lambda m: attrs.evolve(m, tick=tick))
            case VenueEventReceived(event=MarketStatusChanged(market=market)):
                self._market_changed(market.market_id, lambda m: market)
            case SuspendVenue(venue=venue, reason=reason, reply=reply):
                stopped = self._suspend(venue, reason)
                if reply is not None:
                    reply(stopped)
                return stopped
            case ResumeVenue(venue=venue):
                self._resume(venue)
            case GetChildren():
                return tuple(self._info(mid, c) for mid, c in sorted(self.children.items()))
            case _:
                raise TypeError(f"MarketSupervisor: unexpected {message!r}")
        return None

    def on_stop(self) -> None:
        self._stop_all()

    # spawning and retiring ------------------------------------------------------------

    def _scanned(self, markets: tuple[Market, ...], held: frozenset[MarketId]) -> None:
        if self.stopping:
            return
        selected, _ = select_per_venue(markets, self.configs)  # each venue by its config
        wanted = {m.market_id: m for m in selected if isinstance(m, Market)}
        listed = {m.market_id: m for m in markets}
        for market_id, market in wanted.items():
            self._want(market_id, market, wanted=True)
        for market_id in held - wanted.keys():  # a position nobody owns: work it off
            if market_id in listed and market_id not in self.children:
                self._want(market_id, listed[market_id], wanted=False)
        for market_id, child in list(self.children.items()):
            if market_id not in wanted and (child.wanted or child.quarantined):
                self._unwanted(market_id, child, listed.get(market_id), market_id in held)

    def _want(self, market_id: MarketId, market: Market, *, wanted: bool) -> None:
        child = self.children.get(market_id)
        if child is None:
            self.children[market_id] = child = _Child(market, wanted=wanted)
            self._spawn(market_id, child)
            return
        if child.ref is not None and market != child.market:
            child.market = market
            _tell(child.ref, MarketChanged(market=market))
        if wanted and not child.wanted:
            child.wanted = True
            if child.ref is not None:
                _tell(child.ref, SetWanted(wanted=True))

    def _unwanted(
        self, market_id: MarketId, child: _Child, market: Market | None, held: bool
    ) -> None:
        """No longer selected: a live market works off what it holds and says when it is
        done (one being restarted does so once restarted); a quarantined one goes unless
        it holds a position (it stays quarantined: not started again by the scan)."""
        child.wanted = False
        if child.quarantined:
            if not held:
                self.log.info("quarantined market {m} dropped out of the scan", m=market_id)
                self.children.pop(market_id)
            return
        if child.ref is None:
            return  # restarting: it starts unwanted
        if market is not None and market != child.market:
            child.market = market
            _tell(child.ref, MarketChanged(market=market))
        _tell(child.ref, SetWanted(wanted=False))

    def _done(self, market_id: MarketId, generation: int) -> None:
        child = self.children.get(market_id)
        if child is None or child.generation != generation or child.wanted:
            return  # a stale report, or selected again since: it quotes again
        self._retire(market_id, "flat, nothing resting")

    def _market_changed(self, market_id: MarketId, change: Callable[[Market], Market]) -> None:
        child = self.children.get(market_id)
        if child is not None:
            child.market = change(child.market)
            if child.ref is not None:
                _tell(child.ref, MarketChanged(market=child.market))

    def _spawn(self, market_id: MarketId, child: _Child) -> None:
        if market_id.venue in self.suspended:
            return  # ``ResumeVenue`` starts it
        deps = self.deps_for(market_id.venue)
        config = self.configs.get(market_id.venue, deps.config)  # as reloaded
        deps = attrs.evolve(deps, config=config, supervisor=self.actor_ref)
        child.ref = MarketActor.start(
            market=child.market,
            deps=deps,
            generation=child.generation,
            state=self.state,
            wanted=child.wanted,
        )

    def _suspend(self, venue: Venue, reason: str) -> int:
        self.suspended.add(venue)
        mine = [(m, c) for m, c in self.children.items() if m.venue is venue]
        stopped = _stop_each([c for _, c in mine])
        for market_id, child in mine:
            if not child.quarantined:
                self._status(market_id, child, "suspended", reason)
        if stopped:
            self.log.warning("{v}: {n} markets suspended: {r}", v=venue.value, n=stopped, r=reason)
        return stopped

    def _resume(self, venue: Venue) -> None:
        self.suspended.discard(venue)
        if self.stopping:
            return
        for market_id, child in self.children.items():
            if market_id.venue is venue and child.ref is None and not child.quarantined:
                child.generation += 1
                child.restarts += 1
                self._spawn(market_id, child)

    def _retire(self, market_id: MarketId, why: str) -> None:
        child = self.children.pop(market_id, None)
        if child is None:
            return
        if child.ref is not None:
            _tell(child.ref, Retire())  # cancels its orders on stop
        self.log.info("market {m} retired: {why}", m=market_id, why=why)

    # failures ------------------------------------------------------------------------

    def _failed(self, msg: ChildFailed) -> None:
        child = self.children.get(msg.market_id)
        if child is None or msg.generation != child.generation or child.ref is None:
            return  # a stale report (an older incarnation) or a retired market
        child.ref = None
        _tell(self._platform(msg.market_id), CancelMarketOrders(market_id=msg.market_id))
        decision = on_failure(self.policy, child.failures, self.clock.monotonic(), self.rng)
        child.failures = decision.failures
        if not decision.restart:
            self.journal.quarantine(msg.market_id, child.generation, msg.error)
            self._quarantine(msg.market_id, child, msg.error)
            return
        self.journal.restart(msg.market_id, child.generation, msg.error)
        self.log.warning(
            "market {m} failed ({err}); restart in {d:.3f} s",
            m=msg.market_id,
            err=msg.error,
            d=decision.delay,
        )
        self._status(msg.market_id, child, "restarting", msg.error)
        restart = RestartChild(market_id=msg.market_id, generation=child.generation)
        if self.bridge is None or decision.delay <= 0:
            self.actor_ref.tell(restart)
        else:
            self.bridge.call_later(decision.delay, self.actor_ref, restart)

    def _restart(self, market_id: MarketId, generation: int) -> None:
        child = self.children.get(market_id)
        if child is None or child.generation != generation or child.quarantined or self.stopping:
            return
        if market_id.venue in self.suspended:
            return  # ``ResumeVenue`` starts it
        child.generation += 1
        child.restarts += 1
        self._spawn(market_id, child)

    def _quarantine(self, market_id: MarketId, child: _Child, error: str) -> None:
        child.quarantined = True
        reason = f"{len(child.failures)} failures within {self.policy.period:g} s; last {error}"
        self.log.error("market {m} QUARANTINED: {reason}", m=market_id, reason=reason)
        self._status(market_id, child, "quarantined", reason)
        if self.on_quarantine is not None:
            self.on_quarantine(market_id, reason)

    def _sweep(self) -> None:
        for market_id, child in list(self.children.items()):
            if child.ref is not None and not child.ref.is_alive():
                self._failed(
                    ChildFailed(
                        market_id=market_id,
                        generation=child.generation,
                        error="died without a report",
                    )
                )

    # helpers --------------------------------------------------------------------------

    def _platform(self, market_id: MarketId) -> pykka.ActorRef[Any] | DirectRef:
        return self.deps_for(market_id.venue).platform

    def _broadcast(self, message: object) -> None:
        for child in self.children.values():
            if child.ref is not None:
                _tell(child.ref, message)

    def _stop_all(self) -> int:
        self.stopping = True
        return _stop_each(list(self.children.values()))

    def _status(self, market_id: MarketId, child: _Child, health: str, note: str) -> None:
        board = self.deps_for(market_id.venue).board
        if board is None:
            return
        prior = board.market(market_id) or MarketStatus(market_id=market_id, health=health)
        board.publish_market(
            attrs.evolve(
                prior,
                health=health,
                restarts=child.restarts,
                generation=child.generation,
                note=note,
            )
        )

    def _info(self, market_id: MarketId, child: _Child) -> ChildInfo:
        return ChildInfo(
            market_id=market_id,
            ref=child.ref,
            generation=child.generation,
            restarts=child.restarts,
            quarantined=child.quarantined,
        )


def _stop_each(children: list[_Child]) -> int:
    """Stop the children that run (each cancels its orders) and wait for them."""
    futures = []
    for child in children:
        if child.ref is not None:
            futures.append(child.ref.stop(block=False))
            child.ref = None
    for future in futures:
        try:
            future.get(timeout=STOP_TIMEOUT)
        except (pykka.Timeout, pykka.ActorDeadError):
            logger.bind(actor="supervisor").error("a market actor did not stop in time")
    return len(futures)


def _tell(ref: pykka.ActorRef[Any] | DirectRef, message: object) -> None:
    with contextlib.suppress(pykka.ActorDeadError):
        ref.tell(message)
