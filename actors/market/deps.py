"""``MarketDeps``: what the MarketActors of one venue share (the config of the venue's
market maker, the venue's capabilities, the PortfolioActor and the venue's PlatformActor
with their direct-call refs, the clock, the run id, the strategy tag its orders carry,
the markets linked to each market across venues, and optionally the supervisor, the
conflator, the status board, a decision tracer and the journal the rewards samples go
to, with their interval), built by the engine once per venue
and handed to each MarketActor the supervisor spawns for a market of that venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pykka

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.status import StatusBoard
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.ids import MarketId
from predmm.domain.orders import MARKET_MAKING
from predmm.platforms.venue import Capabilities
from predmm.strategies.maker.trace import Tracer


@attrs.frozen(kw_only=True)
class MarketDeps:
    """What every MarketActor of one engine shares."""

    config: MarketMakingConfig
    capabilities: Capabilities
    portfolio: pykka.ActorRef[Any]
    platform: pykka.ActorRef[Any] | DirectRef  # the engine gives the DirectRef: restarts too
    portfolio_direct: DirectRef  # reservations and marks, on this actor's thread
    platform_direct: DirectRef  # order submissions, on this actor's thread
    clock: Clock
    run_id: str
    supervisor: pykka.ActorRef[Any] | None = None
    conflator: Any = None  # platforms.bridge.Conflator
    board: StatusBoard | None = None
    tracer: Tracer | None = None  # every decision the markets' cores make (the parity test)
    journal: JournalPort | None = None  # where the rewards samples go
    rewards_sample_s: float = 60.0  # one sample of the rewards per this many seconds
    strategy: str = MARKET_MAKING  # the tag of its orders (attribution)
    # the same outcome's markets on the other venues (``[[risk.event_links]]``), by market:
    # a ``cross_venue`` fair value reads their books
    links: Mapping[MarketId, tuple[MarketId, ...]] = attrs.field(factory=dict)
